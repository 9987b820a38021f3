-- Networks, sections and the facts of a digest. Areas are given as WKB (%(area)s, Lambert 72); %(near)s is the
-- distance (metres) around the area that still counts as "near" it. Near-duplicates and referred reports are never
-- counted (the same event twice; not street nuisance).

-- name: insert_network
INSERT INTO prevention_networks (name, name_key, area_kind, area_spec, commune, geom, created_by)
VALUES (%(name)s, %(key)s, %(kind)s, %(spec)s, %(commune)s,
        ST_Multi(ST_SetSRID(ST_GeomFromWKB(%(geom)s), 31370)), %(by)s)
RETURNING id;

-- name: network_by_key
SELECT id FROM prevention_networks WHERE name_key = %(key)s;

-- name: networks
SELECT n.id, n.name, n.area_kind, n.area_spec, n.commune, n.active, n.created_at, n.created_by,
       ST_Area(n.geom) AS area_m2, ST_AsBinary(n.geom) AS geom,
       (SELECT max(d.issued_at) FROM network_digests d WHERE d.network_id = n.id) AS last_digest
FROM prevention_networks n
WHERE (%(id)s::bigint IS NULL OR n.id = %(id)s)
ORDER BY n.name;

-- name: sections
-- The zone's sections and the postcodes they share (Seraing and Boncelles share 4100).
SELECT name, municipality, postcodes FROM gazetteer_localities WHERE kind = 'section' ORDER BY name;

-- name: postcode_addresses
-- Official addresses of the zone with their postcode (to draw the postcode areas a section is known by).
SELECT postcode, municipality, ST_X(geom) AS x, ST_Y(geom) AS y FROM gazetteer_addresses;

-- name: street_matches
-- Streets of the register named like %(name)s (case, accents and punctuation ignored), in %(commune)s when given;
-- the closest spellings when none is named exactly so.
SELECT s.street_id, s.street, s.municipality, similarity(lower(unaccent(s.street)), lower(unaccent(%(name)s))) AS sim
FROM gazetteer_streets s
WHERE (%(commune)s::text IS NULL OR lower(unaccent(s.municipality)) = lower(unaccent(%(commune)s)))
  AND similarity(lower(unaccent(s.street)), lower(unaccent(%(name)s))) > 0.35
ORDER BY sim DESC, s.street, s.municipality
LIMIT 8;

-- name: street_addresses
SELECT a.street, a.municipality, ST_X(a.geom) AS x, ST_Y(a.geom) AS y
FROM gazetteer_addresses a WHERE a.street_id = ANY(%(ids)s);

-- name: report_span
SELECT min(observed_at), max(observed_at) FROM reports WHERE duplicate_of IS NULL;

-- name: area_categories
-- Reports inside the area per category, in the period and in the period before.
SELECT r.category,
       count(*) FILTER (WHERE r.observed_at >= %(start)s AND r.observed_at < %(end)s) AS n,
       count(*) FILTER (WHERE r.observed_at >= %(prev_start)s AND r.observed_at < %(start)s) AS n_prev
FROM reports r
WHERE ST_Intersects(r.geom, ST_SetSRID(ST_GeomFromWKB(%(area)s), 31370))
  AND r.duplicate_of IS NULL AND r.referral_id IS NULL
  AND r.observed_at >= %(prev_start)s AND r.observed_at < %(end)s
GROUP BY r.category;

-- name: area_year_categories
-- The categories of the last twelve months inside the area (for the advice when the period itself is empty).
SELECT r.category, count(*) AS n
FROM reports r
WHERE ST_Intersects(r.geom, ST_SetSRID(ST_GeomFromWKB(%(area)s), 31370))
  AND r.duplicate_of IS NULL AND r.referral_id IS NULL
  AND r.observed_at >= %(year_start)s AND r.observed_at < %(end)s
GROUP BY r.category ORDER BY 2 DESC, 1;

-- name: points_near
-- Sensitive points in or near the area (the whole-zone search, not per category): every state but those resolved
-- before the period; their counts in the period and the one before; the street of the nearest official address.
WITH area AS (SELECT ST_SetSRID(ST_GeomFromWKB(%(area)s), 31370) AS g)
SELECT p.id, p.state, p.trend, p.main_category, p.priority, p.n_reports, ST_AsBinary(p.geom) AS geom,
       ST_X(p.point) AS x, ST_Y(p.point) AS y,
       ST_Intersects(p.geom, area.g) AS inside, ST_Distance(p.geom, area.g) AS distance_m,
       near.street, near.municipality,
       (SELECT count(*) FROM reports r WHERE ST_Intersects(r.geom, p.geom) AND r.duplicate_of IS NULL
          AND r.referral_id IS NULL AND r.observed_at >= %(start)s AND r.observed_at < %(end)s) AS n,
       (SELECT count(*) FROM reports r WHERE ST_Intersects(r.geom, p.geom) AND r.duplicate_of IS NULL
          AND r.referral_id IS NULL AND r.observed_at >= %(prev_start)s AND r.observed_at < %(start)s) AS n_prev
FROM sensitive_points p
CROSS JOIN area
LEFT JOIN LATERAL (
    SELECT a.street, a.municipality FROM gazetteer_addresses a ORDER BY a.geom <-> p.point LIMIT 1
) near ON true
WHERE p.category_scope = 'toutes' AND ST_DWithin(p.geom, area.g, %(near)s)
  AND (p.state <> 'resolu' OR p.updated_at >= %(start)s)
ORDER BY inside DESC, p.priority DESC NULLS LAST, p.id;

-- name: axes_near
WITH area AS (SELECT ST_SetSRID(ST_GeomFromWKB(%(area)s), 31370) AS g)
SELECT a.id, a.state, a.street, a.municipality, a.length_m, a.reports, ST_AsBinary(a.geom) AS geom,
       ST_Intersects(a.geom, area.g) AS inside, ST_Distance(a.geom, area.g) AS distance_m,
       (SELECT count(*) FROM reports r WHERE ST_DWithin(r.geom, a.geom, 15) AND r.duplicate_of IS NULL
          AND r.referral_id IS NULL AND r.observed_at >= %(start)s AND r.observed_at < %(end)s) AS n,
       (SELECT count(*) FROM reports r WHERE ST_DWithin(r.geom, a.geom, 15) AND r.duplicate_of IS NULL
          AND r.referral_id IS NULL AND r.observed_at >= %(prev_start)s AND r.observed_at < %(start)s) AS n_prev
FROM problem_axes a
CROSS JOIN area
WHERE ST_DWithin(a.geom, area.g, %(near)s) AND (a.state <> 'resolu' OR a.updated_at >= %(start)s)
ORDER BY inside DESC, a.reports DESC, a.id;

-- name: visits_near
-- Visits in or near the area during the period, by outcome (counts only).
SELECT v.outcome, count(*) AS n
FROM visits v
WHERE ST_DWithin(v.geom, ST_SetSRID(ST_GeomFromWKB(%(area)s), 31370), %(near)s)
  AND v.visited_at >= %(start)s AND v.visited_at < %(end)s
GROUP BY v.outcome ORDER BY 2 DESC, 1;

-- name: advice
SELECT a.category, c.label_fr, a.advice_fr, a.sanction_fr
FROM prevention_advice a JOIN categories c ON c.code = a.category
WHERE a.category = ANY(%(categories)s);

-- name: zone_top_categories
SELECT category FROM reports WHERE duplicate_of IS NULL AND referral_id IS NULL
GROUP BY category ORDER BY count(*) DESC, category LIMIT 2;

-- name: insert_digest
INSERT INTO network_digests (scope_kind, network_id, section, period_start, period_end, issued_by, sites)
VALUES (%(kind)s, %(network)s, %(section)s, %(start)s, %(end)s, %(by)s, %(sites)s)
RETURNING id, issued_at;

-- name: last_digest
SELECT id, issued_at, period_start, period_end, sites FROM network_digests
WHERE scope_kind = %(kind)s AND network_id IS NOT DISTINCT FROM %(network)s AND section IS NOT DISTINCT FROM %(section)s
ORDER BY issued_at DESC, id DESC LIMIT 1;

-- name: issued_for_period
-- When a digest of this scope for this very period was last recorded (a monthly timer run twice sends it once).
SELECT max(issued_at) FROM network_digests
WHERE scope_kind = %(kind)s AND network_id IS NOT DISTINCT FROM %(network)s AND section IS NOT DISTINCT FROM %(section)s
  AND period_start = %(start)s AND period_end = %(end)s;

-- name: lock_issuing
-- One run of « every network's digest » at a time, whoever starts it (the server's calendar, a system timer, the
-- API): a second waits, then finds the first one's digests noted as sent and passes them over.
SELECT pg_advisory_lock(hashtext('hotspots:bilans'));

-- name: unlock_issuing
SELECT pg_advisory_unlock(hashtext('hotspots:bilans'));
