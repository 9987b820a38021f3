-- name: previous_axes
-- Stored axes with their last "nettoye" visit (visit_counts_for: recorded on the axis, or within 15 m of its
-- line), for the resolved state.
SELECT a.id, a.state, a.street, a.municipality, ST_AsBinary(a.geom) AS geom, a.last_report,
       (SELECT max(v.visited_at) FROM visits v
        WHERE v.outcome = 'nettoye' AND visit_counts_for(v, a)) AS cleaned_at
FROM problem_axes a;

-- name: upsert_axis
INSERT INTO problem_axes AS a (id, run_id, first_run_id, state, street, municipality, segments, length_m, reports,
                               rate_per_100m, expected, ratio, q_max, origin, cluster_reports, first_report,
                               last_report, geom, priority, priority_components, forecast_reports)
VALUES (%(id)s, %(run)s, %(run)s, %(state)s, %(street)s, %(municipality)s, %(segments)s, %(length_m)s, %(reports)s,
        %(rate)s, %(expected)s, %(ratio)s, %(q_max)s, %(origin)s, %(cluster_reports)s, %(first_report)s,
        %(last_report)s, ST_SetSRID(ST_GeomFromWKB(%(geom)s), 31370), %(priority)s, %(priority_components)s,
        %(forecast_reports)s)
ON CONFLICT (id) DO UPDATE SET
    run_id = EXCLUDED.run_id, state = EXCLUDED.state, street = EXCLUDED.street,
    municipality = EXCLUDED.municipality, segments = EXCLUDED.segments, length_m = EXCLUDED.length_m,
    reports = EXCLUDED.reports, rate_per_100m = EXCLUDED.rate_per_100m, expected = EXCLUDED.expected,
    ratio = EXCLUDED.ratio, q_max = EXCLUDED.q_max, origin = EXCLUDED.origin,
    cluster_reports = EXCLUDED.cluster_reports, first_report = least(a.first_report, EXCLUDED.first_report),
    last_report = EXCLUDED.last_report, geom = EXCLUDED.geom, priority = EXCLUDED.priority,
    priority_components = EXCLUDED.priority_components, forecast_reports = EXCLUDED.forecast_reports,
    updated_at = now();

-- name: set_axis_state
-- An axis not found again: its new state, and its priority from the reports still along it.
UPDATE problem_axes SET state = %(state)s, run_id = %(run)s, priority = %(priority)s,
    priority_components = %(priority_components)s, forecast_reports = %(forecast_reports)s, updated_at = now()
WHERE id = %(id)s;

-- name: axis_snapshot
INSERT INTO problem_axis_history (run_id, axis_id, state, reports, length_m, origin, geom, priority)
SELECT %(run)s, id, state, reports, length_m, origin, geom, priority FROM problem_axes WHERE id = ANY(%(ids)s);
