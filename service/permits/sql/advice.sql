-- Facts around an address under review (the advice sheet). %(x)s, %(y)s: the place in Lambert 72; %(radius)s metres;
-- reports of [%(since)s, %(until)s). Near-duplicates are the same event twice; referred reports are not street
-- nuisance: neither is counted (the referred ones are counted apart, for the note).

-- name: counts
SELECT r.category, extract(year FROM r.observed_at AT TIME ZONE %(zone)s)::int AS year, count(*) AS n
FROM reports r
WHERE ST_DWithin(r.geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370), %(radius)s)
  AND r.duplicate_of IS NULL AND r.referral_id IS NULL
  AND r.observed_at >= %(since)s AND r.observed_at < %(until)s
GROUP BY 1, 2;

-- name: referred
SELECT count(*) FROM reports r
WHERE ST_DWithin(r.geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370), %(radius)s)
  AND r.duplicate_of IS NULL AND r.referral_id IS NOT NULL
  AND r.observed_at >= %(since)s AND r.observed_at < %(until)s;

-- name: report_points
-- The counted reports themselves, for the map (category and place only).
SELECT r.category, ST_X(r.geom) AS x, ST_Y(r.geom) AS y
FROM reports r
WHERE ST_DWithin(r.geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370), %(radius)s)
  AND r.duplicate_of IS NULL AND r.referral_id IS NULL
  AND r.observed_at >= %(since)s AND r.observed_at < %(until)s
LIMIT 20000;

-- name: points
-- Sensitive points whose area reaches within the radius, every state (a resolved one is history worth knowing).
SELECT p.id, p.address_label, p.state, p.trend, p.n_reports, p.main_category, p.last_report,
       ST_Distance(p.geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370)) AS distance_m, ST_AsBinary(p.geom) AS geom
FROM sensitive_points p
WHERE p.category_scope = 'toutes' AND ST_DWithin(p.geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370), %(radius)s)
ORDER BY distance_m, p.id;

-- name: axes
SELECT a.id, a.street, a.municipality, a.state, a.length_m, a.reports, a.rate_per_100m,
       ST_Distance(a.geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370)) AS distance_m, ST_AsBinary(a.geom) AS geom
FROM problem_axes a
WHERE ST_DWithin(a.geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370), %(radius)s)
ORDER BY distance_m, a.id;

-- name: permit_ids
SELECT p.id FROM permits p
WHERE ST_DWithin(p.geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370), %(radius)s)
ORDER BY ST_Distance(p.geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370)), p.id;

-- name: visits
SELECT v.outcome, count(*) AS n FROM visits v
WHERE ST_DWithin(v.geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370), %(radius)s)
  AND v.visited_at >= %(since)s AND v.visited_at < %(until)s
GROUP BY 1 ORDER BY 2 DESC, 1;

-- name: nearest_address
SELECT a.street || ' ' || a.house_number || ', ' || a.postcode || ' ' || a.municipality, a.municipality
FROM gazetteer_addresses a ORDER BY a.geom <-> ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370) LIMIT 1;
