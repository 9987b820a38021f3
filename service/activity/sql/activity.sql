-- The figures of the service's activity report over a period [start, end), beside the period before it
-- [prev_start, prev_end) and the same period a year earlier [year_start, year_end). Near-duplicates (the same event
-- reported twice) are never counted; reports sent to mediation or a partner are (they are the service's work too).

-- name: report_counts
-- Reports per category, commune, sector (postcode) and source in the three periods; the commune and postcode are
-- the register's (migration 0066), not the spellings of the files.
WITH r AS (
    SELECT category, coalesce(o.commune, '') AS commune, coalesce(o.postcode, '') AS secteur, source,
           observed_at >= %(start)s AND observed_at < %(end)s AS in_now,
           observed_at >= %(prev_start)s AND observed_at < %(prev_end)s AS in_prev,
           observed_at >= %(year_start)s AND observed_at < %(year_end)s AS in_year
    FROM reports
    CROSS JOIN LATERAL official_place(reports.commune, reports.postcode, reports.geom) AS o
    WHERE duplicate_of IS NULL
      AND ((observed_at >= %(prev_start)s AND observed_at < %(end)s)
           OR (observed_at >= %(year_start)s AND observed_at < %(year_end)s))
)
SELECT 'categorie' AS dimension, category AS key, count(*) FILTER (WHERE in_now) AS n,
       count(*) FILTER (WHERE in_prev) AS n_prev, count(*) FILTER (WHERE in_year) AS n_year
FROM r GROUP BY category
UNION ALL
SELECT 'commune', commune, count(*) FILTER (WHERE in_now), count(*) FILTER (WHERE in_prev),
       count(*) FILTER (WHERE in_year)
FROM r GROUP BY commune
UNION ALL
SELECT 'secteur', secteur, count(*) FILTER (WHERE in_now), count(*) FILTER (WHERE in_prev),
       count(*) FILTER (WHERE in_year)
FROM r GROUP BY secteur
UNION ALL
SELECT 'source', source, count(*) FILTER (WHERE in_now), count(*) FILTER (WHERE in_prev),
       count(*) FILTER (WHERE in_year)
FROM r GROUP BY source;

-- name: visit_counts
-- Visits per outcome in the three periods.
SELECT outcome AS key,
       count(*) FILTER (WHERE visited_at >= %(start)s AND visited_at < %(end)s) AS n,
       count(*) FILTER (WHERE visited_at >= %(prev_start)s AND visited_at < %(prev_end)s) AS n_prev,
       count(*) FILTER (WHERE visited_at >= %(year_start)s AND visited_at < %(year_end)s) AS n_year
FROM visits
WHERE (visited_at >= %(prev_start)s AND visited_at < %(end)s)
   OR (visited_at >= %(year_start)s AND visited_at < %(year_end)s)
GROUP BY outcome;

-- name: follow_up
-- Each report of the period with the days until its first visit, none when not visited: a visit naming it, a
-- visit of the sensitive point that groups it (its members as the last analysis found them), or a visit of the
-- problem axis it lies on (placed within 15 m of its line, the reports the axis page lists), made after it. A
-- visit of a point or an axis as the map and the planner count one (migration 0053). (A report may be in two
-- points: one of all categories and one of its own.) And whether it is closed, with the days until its closing
-- date where the file or the API gave one (migration 0065).
WITH member AS MATERIALIZED (
    SELECT m.report_id, array_agg(p.id) AS points
    FROM sensitive_points p CROSS JOIN LATERAL unnest(p.report_ids) AS m(report_id)
    GROUP BY m.report_id
), point_visits AS MATERIALIZED (
    SELECT p.id AS point_id, array_agg(v.visited_at) AS times
    FROM sensitive_points p JOIN visits v ON visit_counts_for(v, p)
    GROUP BY p.id
), axis_visits AS MATERIALIZED (
    SELECT a.geom, array_agg(v.visited_at) AS times
    FROM problem_axes a JOIN visits v ON visit_counts_for(v, a)
    GROUP BY a.id, a.geom
)
SELECT r.category, r.referral_id IS NOT NULL AS referred,
       extract(epoch FROM least(
           (SELECT min(v.visited_at) FROM visits v WHERE v.report_id = r.id AND v.visited_at >= r.observed_at),
           (SELECT min(t) FROM point_visits pv CROSS JOIN LATERAL unnest(pv.times) AS t
            WHERE pv.point_id = ANY (g.points) AND t >= r.observed_at),
           (SELECT min(t) FROM axis_visits av CROSS JOIN LATERAL unnest(av.times) AS t
            WHERE r.geom IS NOT NULL AND r.geocode_status IN ('fourni', 'geocode', 'manuel')
              AND ST_DWithin(r.geom, av.geom, 15) AND t >= r.observed_at)
       ) - r.observed_at) / 86400.0 AS days,
       r.status = 'clos' AS closed,
       days_to_close(r.observed_at, r.closed_at) AS close_days  -- migration 0068: a day alone counts whole days
FROM reports r
LEFT JOIN member g ON g.report_id = r.id
WHERE r.duplicate_of IS NULL AND r.observed_at >= %(start)s AND r.observed_at < %(end)s;

-- name: shifts
-- The shifts that started in the period: their stops due by its end (a shift under way when the period in progress
-- is read has stops still to come: not yet missed), those a visit was recorded at, and whether the shift was over
-- by then (over with no visit at all: its sheet has not come back).
SELECT p.id, p.teams, p.mode,
       count(s.id) FILTER (WHERE s.arrival IS NULL OR s.arrival < %(end)s
                           OR EXISTS (SELECT 1 FROM visits v WHERE v.plan_stop_id = s.id)) AS stops,
       count(s.id) FILTER (WHERE EXISTS (SELECT 1 FROM visits v WHERE v.plan_stop_id = s.id)) AS done,
       p.starts_at + p.budget_minutes * interval '1 minute' <= %(end)s AS over
FROM plans p LEFT JOIN plan_stops s ON s.plan_id = p.id
WHERE p.starts_at >= %(start)s AND p.starts_at < %(end)s AND p.cancelled_at IS NULL
GROUP BY p.id, p.teams, p.mode
ORDER BY p.id;

-- name: first_report
-- Since when the service has reports (a comparison with a period before it would compare with nothing).
SELECT min(observed_at) FROM reports WHERE duplicate_of IS NULL;

-- name: first_visits
-- The sensitive points and problem axes first visited in the period (a visit recorded on them, or made beside
-- them: migration 0053), with their label as the effect of an action names them; the earliest first.
WITH firsts AS (
    SELECT p.id, 'point' AS kind, coalesce(p.address_label, p.id) AS label, min(v.visited_at) AS first
    FROM sensitive_points p JOIN visits v ON visit_counts_for(v, p)
    GROUP BY p.id, p.address_label
    UNION ALL
    SELECT a.id, 'axe', a.street || coalesce(' (' || a.municipality || ')', ''), min(v.visited_at)
    FROM problem_axes a JOIN visits v ON visit_counts_for(v, a)
    GROUP BY a.id, a.street, a.municipality
)
SELECT id, kind, label, first FROM firsts
WHERE first >= %(start)s AND first < %(end)s
ORDER BY first, id;
