-- name: reports
-- Reports with a point, near-duplicates left out (they are the same event seen twice), and referred ones too (sent to
-- the Mediation service or a partner: not street nuisance; see service/referrals).
SELECT id, category, observed_at, ST_X(geom) AS x, ST_Y(geom) AS y
FROM reports
WHERE geom IS NOT NULL AND duplicate_of IS NULL AND referral_id IS NULL
  AND geocode_status IN ('fourni', 'geocode', 'manuel')
  AND observed_at >= %(since)s AND (%(until)s::timestamptz IS NULL OR observed_at < %(until)s)
  AND (%(category)s::text IS NULL OR category = %(category)s)  -- one category: the map's layer of its forecast
  AND (%(received_by)s::timestamptz IS NULL OR created_at <= %(received_by)s);  -- as a past analysis had them

-- name: gravity
SELECT code, gravity FROM categories;

-- name: previous
-- Stored points with their last "nettoye" visit (visit_counts_for: recorded on the point, or within 25 m of its
-- polygon), for the resolved state.
SELECT p.id, p.state, p.category_scope, ST_AsBinary(p.geom) AS geom, ST_AsBinary(p.point) AS point, p.last_report,
       (SELECT max(v.visited_at) FROM visits v
        WHERE v.outcome = 'nettoye' AND visit_counts_for(v, p)) AS cleaned_at
FROM sensitive_points p;

-- name: new_run
INSERT INTO analysis_runs (kind, params, report_version)
VALUES ('points_sensibles', %(params)s, %(report_version)s) RETURNING id;

-- name: lock_analysis
-- One analysis at a time (the command, the server's refresh): held until the analysis's transaction ends.
SELECT pg_advisory_xact_lock(hashtext('hotspots:analyse'));

-- name: report_version
-- Where the reports are at: the counter every write to them moves (migration 0010); NULL before the first write.
SELECT CASE WHEN is_called THEN last_value END FROM report_data_version;

-- name: any_report
SELECT 1 FROM reports LIMIT 1;

-- name: last_run
SELECT id, started_at, report_version FROM analysis_runs WHERE kind = 'points_sensibles' ORDER BY id DESC LIMIT 1;

-- name: close_run
UPDATE analysis_runs SET summary = %(summary)s WHERE id = %(run)s;

-- name: upsert_point
INSERT INTO sensitive_points AS s (id, state, geom, point, n_reports, main_category, categories, first_report,
                                   last_report, recurrence_weeks, trend, q_min, priority, priority_components,
                                   report_ids, category_scope, first_run_id, last_run_id)
VALUES (%(id)s, %(state)s, ST_SetSRID(ST_GeomFromWKB(%(geom)s), 31370), ST_SetSRID(ST_GeomFromWKB(%(point)s), 31370),
        %(n_reports)s, %(main_category)s, %(categories)s, %(first_report)s, %(last_report)s, %(recurrence_weeks)s,
        %(trend)s, %(q_min)s, %(priority)s, %(priority_components)s, %(report_ids)s, %(category_scope)s, %(run)s, %(run)s)
ON CONFLICT (id) DO UPDATE SET
    state = EXCLUDED.state, geom = EXCLUDED.geom, point = EXCLUDED.point, n_reports = EXCLUDED.n_reports,
    main_category = EXCLUDED.main_category, categories = EXCLUDED.categories, first_report = EXCLUDED.first_report,
    last_report = EXCLUDED.last_report, recurrence_weeks = EXCLUDED.recurrence_weeks, trend = EXCLUDED.trend,
    q_min = EXCLUDED.q_min, priority = EXCLUDED.priority, priority_components = EXCLUDED.priority_components,
    report_ids = EXCLUDED.report_ids, last_run_id = EXCLUDED.last_run_id, updated_at = now();

-- name: set_state
UPDATE sensitive_points SET state = %(state)s, last_run_id = %(run)s, updated_at = now() WHERE id = %(id)s;

-- name: snapshot
INSERT INTO sensitive_point_history (run_id, point_id, state, n_reports, priority, trend, geom, category_scope)
SELECT %(run)s, id, state, n_reports, priority, trend, geom, category_scope FROM sensitive_points
WHERE id = ANY(%(ids)s);

-- name: exposure_streets
SELECT street, municipality, ST_X(geom) AS x, ST_Y(geom) AS y FROM gazetteer_addresses;

-- name: visits
SELECT visited_at, outcome, ST_X(geom) AS x, ST_Y(geom) AS y FROM visits WHERE geom IS NOT NULL;

-- name: label_points
-- Name each point of this run after the official address nearest its representative point.
UPDATE sensitive_points s
SET address_label = (
    SELECT a.street || ' ' || a.house_number || ', ' || a.postcode || ' ' || a.municipality
    FROM gazetteer_addresses a ORDER BY a.geom <-> s.point LIMIT 1)
WHERE s.last_run_id = %(run)s;

-- name: points_revisited
-- The points whose latest visit is one of the visits given (by id, or by their import batch), with that visit's
-- outcome and the point's priority, locked until the caller commits: their priority follows the outcome at once
-- (service.analyse.priority.with_visit_outcome). A visit older than the point's latest one changes nothing.
WITH mine AS (
    SELECT id, point_id FROM visits
    WHERE point_id IS NOT NULL AND (id = ANY(%(visits)s) OR batch_id = %(batch)s)
), latest AS (
    SELECT DISTINCT ON (v.point_id) v.point_id, v.id, v.outcome
    FROM visits v WHERE v.point_id IN (SELECT point_id FROM mine)
    ORDER BY v.point_id, v.visited_at DESC, v.id DESC
)
SELECT p.id, l.outcome, p.priority, p.priority_components
FROM latest l JOIN sensitive_points p ON p.id = l.point_id
WHERE l.id IN (SELECT id FROM mine)
FOR UPDATE OF p;

-- name: points_visits_withdrawn
-- The points given (whose visits of a withdrawn batch are gone) with their latest visit left, if any, and their
-- priority, locked until the caller commits: their priority follows that visit's outcome again.
SELECT p.id,
       (SELECT v.outcome FROM visits v WHERE v.point_id = p.id ORDER BY v.visited_at DESC, v.id DESC LIMIT 1),
       p.priority, p.priority_components
FROM sensitive_points p WHERE p.id = ANY(%(points)s)
FOR UPDATE OF p;

-- name: set_point_priority
UPDATE sensitive_points SET priority = %(priority)s, priority_components = %(components)s, updated_at = now()
WHERE id = %(id)s;

-- name: clear_forecast_cells
-- The forecast cells of earlier runs: only the last analysis's are drawn.
DELETE FROM forecast_cells;

-- name: insert_forecast_cell
INSERT INTO forecast_cells (run_id, rank, share, expected, cell, check_forecast, check_count, check_received)
VALUES (%(run)s, %(rank)s, %(share)s, %(expected)s, ST_GeomFromWKB(%(wkb)s, 31370), %(check_forecast)s,
        %(check_count)s, %(check_received)s);

-- name: last_forecast_layer
-- The last analysis's forecast layer as its summary says it (the moment, the reports' period): a category's layer
-- is made on the same (service.analyse.forecast_category).
SELECT id, started_at, summary -> 'carte_prevision'
FROM analysis_runs
WHERE kind = 'points_sensibles' AND summary ? 'carte_prevision'
ORDER BY id DESC
LIMIT 1;
