-- The effect of an action at a place (service/activity/effect.py): the place, its first visit, and the reports of
-- the place, of a ring around it and of the rest of the zone, before and after the action's day.

-- name: first_visit
-- The first visit of the place (recorded on it, or made beside it: the rule of migration 0053), the day an action
-- starts by default.
SELECT least(
    (SELECT min(v.visited_at) FROM sensitive_points p JOIN visits v ON visit_counts_for(v, p) WHERE p.id = %(id)s),
    (SELECT min(v.visited_at) FROM problem_axes a JOIN visits v ON visit_counts_for(v, a) WHERE a.id = %(id)s));

-- name: first_visit_within
-- The first visit made inside the circle around an address.
SELECT min(visited_at) FROM visits WHERE geom IS NOT NULL AND ST_Intersects(geom, ST_GeomFromWKB(%(site)s, 31370));

-- name: first_report
-- The first report recorded: the days before an action cannot start earlier.
SELECT min(observed_at) FROM reports WHERE duplicate_of IS NULL;

-- name: counts
-- Reports (near-duplicates left out, placed rows only: a provisional point may be elsewhere) of %(category)s or of
-- every category, in the place, in the ring of %(ring)s metres around it, and in the control — elsewhere in the
-- zone (%(control)s = 'zone'), or in the other sensitive points and axes (their outline, an axis's line widened
-- by %(axis_band)s metres) that stay clear of the place and its ring ('points') — before the action's day and
-- from it on. A report in none of the three has no area and is not counted.
WITH site AS (
    SELECT ST_GeomFromWKB(%(site)s, 31370) AS g
), areas AS (
    SELECT g, ST_Difference(ST_Buffer(g, %(ring)s), g) AS ring, ST_Buffer(g, %(ring)s) AS whole FROM site
), others AS (
    SELECT ST_Union(o.g) AS g
    FROM (SELECT geom AS g FROM sensitive_points
          UNION ALL
          SELECT ST_Buffer(geom, %(axis_band)s) FROM problem_axes) o, areas a
    WHERE %(control)s::text = 'points' AND NOT ST_Intersects(o.g, a.whole)
)
SELECT CASE WHEN ST_Intersects(r.geom, a.g) THEN 'site'
            WHEN ST_Intersects(r.geom, a.ring) THEN 'tampon'
            WHEN %(control)s::text = 'zone' OR ST_Intersects(r.geom, o.g) THEN 'temoin' END AS area,
       r.observed_at >= %(action)s AS after,
       count(*) AS n
FROM reports r CROSS JOIN areas a CROSS JOIN others o
WHERE r.duplicate_of IS NULL AND r.geom IS NOT NULL AND r.geocode_status IN ('fourni', 'geocode', 'manuel')
  AND r.observed_at >= %(start)s AND r.observed_at < %(end)s
  AND (%(category)s::text IS NULL OR r.category = %(category)s)
GROUP BY 1, 2;

-- name: monthly
-- The place's reports per month (the service's months) over the days counted, and whether the month starts
-- after the action's day (the action's own month is split: its days before and after it).
SELECT to_char(r.observed_at AT TIME ZONE %(zone)s, 'YYYY-MM') AS month,
       r.observed_at >= %(action)s AS after,
       count(*) AS n
FROM reports r
WHERE r.duplicate_of IS NULL AND r.geom IS NOT NULL AND r.geocode_status IN ('fourni', 'geocode', 'manuel')
  AND r.observed_at >= %(start)s AND r.observed_at < %(end)s
  AND (%(category)s::text IS NULL OR r.category = %(category)s)
  AND ST_Intersects(r.geom, ST_GeomFromWKB(%(site)s, 31370))
GROUP BY 1, 2
ORDER BY 1, 2;

-- name: points
-- The reports of the place and its ring (Lambert 72), before or after the action: the dots of the printed map.
SELECT ST_AsBinary(r.geom), r.observed_at >= %(action)s AS after
FROM reports r
WHERE r.duplicate_of IS NULL AND r.geom IS NOT NULL AND r.geocode_status IN ('fourni', 'geocode', 'manuel')
  AND r.observed_at >= %(start)s AND r.observed_at < %(end)s
  AND (%(category)s::text IS NULL OR r.category = %(category)s)
  AND ST_DWithin(r.geom, ST_GeomFromWKB(%(site)s, 31370), %(ring)s);
