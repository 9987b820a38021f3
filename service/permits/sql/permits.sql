-- name: concern_rules
SELECT keyword, permit_type, categories FROM permit_concerns ORDER BY id;

-- name: permits
-- Permits with their place (Lambert 72) and how people name it; all of them, or those of %(ids)s.
SELECT p.id, p.reference, p.permit_type, p.env_class, p.operator, p.activity,
       coalesce(p.geocode_label, p.address) AS label, coalesce(p.commune, near.municipality) AS commune,
       coalesce(p.postcode, near.postcode) AS postcode, p.decision_date, p.valid_until, p.conditions,
       p.opening_hours, ST_X(p.geom) AS x, ST_Y(p.geom) AS y
FROM permits p
LEFT JOIN LATERAL (
    SELECT a.municipality, a.postcode FROM gazetteer_addresses a WHERE p.geom IS NOT NULL
    ORDER BY a.geom <-> p.geom LIMIT 1
) near ON true
WHERE (%(ids)s::bigint[] IS NULL OR p.id = ANY(%(ids)s))
ORDER BY p.id;

-- name: permit_by_reference
SELECT id FROM permits WHERE lower(reference) = lower(%(reference)s) ORDER BY id;

-- name: links
-- Reports linked to each permit: within %(metres)s m of it (ST_DWithin: the threshold itself links) and of a category
-- the permit concerns (%(ids)s / %(categories)s: one row per permit and category). Near-duplicates and referred
-- reports are left out, like everywhere the reports are counted.
WITH wanted AS (
    SELECT u.permit_id, array_agg(u.category) AS categories
    FROM unnest(%(ids)s::bigint[], %(categories)s::text[]) AS u(permit_id, category)
    GROUP BY u.permit_id
)
SELECT w.permit_id, r.id AS report_id, r.category, r.observed_at, ST_Distance(r.geom, p.geom) AS distance_m
FROM wanted w
JOIN permits p ON p.id = w.permit_id AND p.geom IS NOT NULL
JOIN reports r ON ST_DWithin(r.geom, p.geom, %(metres)s)
WHERE r.category = ANY(w.categories) AND r.duplicate_of IS NULL AND r.referral_id IS NULL
  AND (%(since)s::timestamptz IS NULL OR r.observed_at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR r.observed_at < %(until)s)
ORDER BY w.permit_id, r.observed_at;

-- name: visits
-- Visits made at each permitted facility: within %(metres)s m of it, or on a shift's stop for the permit.
SELECT DISTINCT ON (f.permit_id, f.visit_id) f.permit_id, f.visit_id, v.visited_at, v.outcome, v.officer,
       ST_Distance(v.geom, p.geom) AS distance_m
FROM (
    SELECT p.id AS permit_id, v.id AS visit_id
    FROM permits p JOIN visits v ON ST_DWithin(v.geom, p.geom, %(metres)s)
    WHERE p.geom IS NOT NULL AND (%(ids)s::bigint[] IS NULL OR p.id = ANY(%(ids)s))
    UNION ALL
    SELECT substr(s.site_id, 5)::bigint, v.id
    FROM plan_stops s JOIN visits v ON v.plan_stop_id = s.id
    WHERE s.site_kind = 'permis' AND s.site_id ~ '^PER-[0-9]+$'
      AND (%(ids)s::bigint[] IS NULL OR substr(s.site_id, 5)::bigint = ANY(%(ids)s))
) f
JOIN permits p ON p.id = f.permit_id
JOIN visits v ON v.id = f.visit_id
ORDER BY f.permit_id, f.visit_id;

-- name: zone_halves
-- The zone's reports per category in the two halves of a trend window (near-duplicates and referred reports left
-- out, as in the links): what a facility's complaints would look like if they rose and fell like the zone's.
SELECT category, count(*) FILTER (WHERE observed_at >= %(middle)s) AS recent,
       count(*) FILTER (WHERE observed_at < %(middle)s) AS before
FROM reports
WHERE observed_at >= %(start)s AND observed_at < %(end)s AND duplicate_of IS NULL AND referral_id IS NULL
GROUP BY category
ORDER BY category;
