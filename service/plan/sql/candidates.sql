-- name: points
-- Sensitive points of the requested states, with their last visit (visit_counts_for: recorded on the point, or
-- any visit within 25 m of its polygon) and the commune and postcode of the nearest official address.
SELECT p.id AS site_id, p.address_label AS label, p.state, p.main_category AS category, p.categories,
       p.n_reports, p.recurrence_weeks, p.trend, p.last_report, p.priority, p.priority_components,
       ST_X(p.point) AS x, ST_Y(p.point) AS y, v.visited_at AS last_visit, v.outcome AS last_outcome,
       near.municipality AS commune, near.postcode
FROM sensitive_points p
LEFT JOIN LATERAL (
    SELECT visited_at, outcome FROM visits v
    WHERE visit_counts_for(v, p)
    ORDER BY visited_at DESC LIMIT 1
) v ON true
LEFT JOIN LATERAL (
    SELECT a.municipality, a.postcode FROM gazetteer_addresses a ORDER BY a.geom <-> p.point LIMIT 1
) near ON true
WHERE p.category_scope = 'toutes' AND p.state = ANY(%(states)s);

-- name: axes
-- Problem axes with the facts their value is computed from: the reports within 15 m of the street line over the
-- analysis window (near-duplicates and referred reports left out, and those inside a current sensitive point: that
-- point is a site of its own, its reports are not counted twice), and its last visit.
SELECT a.id AS site_id, a.street || coalesce(' (' || a.municipality || ')', '') AS label, a.state,
       a.length_m, a.municipality AS commune, ST_AsBinary(a.geom) AS geom, a.priority, a.priority_components,
       r.n_reports, r.recent, r.categories, r.weeks, r.last_report,
       v.visited_at AS last_visit, v.outcome AS last_outcome, near.postcode,
       axis_postcodes(a.street, a.municipality, a.geom) AS postcodes,
       (SELECT array_agg(p.id ORDER BY p.id) FROM sensitive_points p
        WHERE p.category_scope = 'toutes' AND p.state <> 'resolu' AND ST_DWithin(p.geom, a.geom, 15)) AS points_along
FROM problem_axes a
LEFT JOIN LATERAL (
    SELECT count(*) AS n_reports, max(s.observed_at) AS last_report,
           count(*) FILTER (WHERE s.observed_at >= %(quarter)s) AS recent,
           count(DISTINCT date_trunc('week', s.observed_at)) AS weeks,
           coalesce((SELECT jsonb_object_agg(c.category, c.n) FROM (
               SELECT s2.category, count(*) AS n FROM reports s2
               WHERE s2.geom IS NOT NULL AND s2.duplicate_of IS NULL AND s2.referral_id IS NULL AND s2.observed_at >= %(since)s
                 AND ST_DWithin(s2.geom, a.geom, 15)
                 AND NOT EXISTS (SELECT 1 FROM sensitive_points p
                                 WHERE p.category_scope = 'toutes' AND p.state <> 'resolu'
                                   AND ST_Intersects(p.geom, s2.geom))
               GROUP BY s2.category) c), '{}'::jsonb) AS categories
    FROM reports s
    WHERE s.geom IS NOT NULL AND s.duplicate_of IS NULL AND s.referral_id IS NULL AND s.observed_at >= %(since)s
      AND ST_DWithin(s.geom, a.geom, 15)
      AND NOT EXISTS (SELECT 1 FROM sensitive_points p
                      WHERE p.category_scope = 'toutes' AND p.state <> 'resolu' AND ST_Intersects(p.geom, s.geom))
) r ON true
LEFT JOIN LATERAL (
    SELECT visited_at, outcome FROM visits v
    WHERE visit_counts_for(v, a)
    ORDER BY visited_at DESC LIMIT 1
) v ON true
LEFT JOIN LATERAL (
    SELECT g.postcode FROM gazetteer_addresses g ORDER BY g.geom <-> ST_PointOnSurface(a.geom) LIMIT 1
) near ON true
WHERE a.state = ANY(%(states)s);

-- name: reports
-- Open reports worth a check on their own: recent, placed, not a near-duplicate, not inside a current sensitive
-- point nor along a problem axis (those are visited as such), and not visited since they were made. Their commune
-- and postcode are those of the nearest official address, as for every site of a sheet (the text of the report, as
-- typed — « JEMEPPE », a section, a neighbouring commune — only when no address register is loaded); their place
-- is the geocoder's address, or the register's spelling of the typed one (official_label, migration 0055), or the
-- text as typed.
SELECT 'SIG-' || r.id AS site_id, r.id AS report_id, r.category, r.status, r.observed_at,
       coalesce(r.geocode_label, official_label(r.address, r.geom), r.address) AS label,
       coalesce(near.municipality, r.commune) AS commune, coalesce(near.postcode, r.postcode) AS postcode,
       ST_X(r.geom) AS x, ST_Y(r.geom) AS y,
       (SELECT count(*) FROM reports d WHERE d.duplicate_of = r.id) AS seen_again
FROM reports r
LEFT JOIN LATERAL (
    SELECT a.municipality, a.postcode FROM gazetteer_addresses a ORDER BY a.geom <-> r.geom LIMIT 1
) near ON true
WHERE r.geom IS NOT NULL AND r.duplicate_of IS NULL AND r.referral_id IS NULL AND r.status IN ('nouveau', 'en_cours')
  AND r.observed_at >= %(since)s
  AND NOT EXISTS (SELECT 1 FROM sensitive_points p
                  WHERE p.category_scope = 'toutes' AND p.state <> 'resolu' AND ST_Intersects(p.geom, r.geom))
  AND NOT EXISTS (SELECT 1 FROM problem_axes a WHERE a.state <> 'resolu' AND ST_DWithin(a.geom, r.geom, 15))
  AND NOT EXISTS (SELECT 1 FROM visits v
                  WHERE v.visited_at >= r.observed_at
                    AND (v.report_id = r.id OR (v.geom IS NOT NULL AND ST_DWithin(v.geom, r.geom, 25))));

-- name: followups
-- Visits that asked for a follow-up ("à revoir") at a place that is neither a sensitive point nor an axis, with
-- no later visit within 25 m: the follow-up is still due. Named on the sheet as the reports are (official_label).
SELECT 'SUIVI-' || v.id AS site_id, v.id AS visit_id, v.visited_at AS last_visit, v.outcome AS last_outcome,
       coalesce(v.category, r.category) AS category, coalesce(v.geocode_label, official_label(coalesce(v.address, r.address), v.geom), v.address, r.address) AS label,
       coalesce(near.municipality, v.commune) AS commune, coalesce(near.postcode, v.postcode) AS postcode,
       v.notes, ST_X(v.geom) AS x, ST_Y(v.geom) AS y,
       n.n_reports, n.recent, greatest(n.last_report, v.visited_at) AS last_activity
FROM visits v
LEFT JOIN LATERAL (
    SELECT count(*) AS n_reports, max(s.observed_at) AS last_report,
           count(*) FILTER (WHERE s.observed_at >= %(quarter)s) AS recent FROM reports s
    WHERE s.geom IS NOT NULL AND s.duplicate_of IS NULL AND s.referral_id IS NULL AND s.observed_at >= %(since)s
      AND ST_DWithin(s.geom, v.geom, 25)
) n ON true
LEFT JOIN reports r ON r.id = v.report_id
LEFT JOIN LATERAL (
    SELECT a.municipality, a.postcode FROM gazetteer_addresses a ORDER BY a.geom <-> v.geom LIMIT 1
) near ON true
WHERE v.outcome = 'a_revoir' AND v.geom IS NOT NULL AND v.point_id IS NULL AND v.axis_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM visits w
                  WHERE w.visited_at > v.visited_at AND w.geom IS NOT NULL AND ST_DWithin(w.geom, v.geom, 25))
  AND NOT EXISTS (SELECT 1 FROM sensitive_points p
                  WHERE p.category_scope = 'toutes' AND p.state <> 'resolu' AND visit_counts_for(v, p));

-- name: place_postcodes
-- The zone's communes, sections (former communes) and postcodes with their postcodes: a filter on a place keeps
-- the rows of these postcodes, whatever locality the row was written with (Plainevaux is in Neupré).
SELECT name, postcodes FROM gazetteer_localities;

-- name: localities
-- The zone's communes, sections and postcodes by name: the places a filter may name.
SELECT DISTINCT name FROM gazetteer_localities ORDER BY name;
