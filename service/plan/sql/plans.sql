-- name: insert_plan
INSERT INTO plans (created_by, starts_at, budget_minutes, pause_minutes, pause_at, mode, teams, start_label,
                   start_geom, end_label, end_geom, filters, travel_source, minutes, value, naive_value, summary)
VALUES (%(created_by)s, %(starts_at)s, %(budget)s, %(pause)s, %(pause_at)s, %(mode)s, %(teams)s,
        %(start_label)s, ST_SetSRID(ST_MakePoint(%(start_x)s, %(start_y)s), 31370),
        %(end_label)s, ST_SetSRID(ST_MakePoint(%(end_x)s, %(end_y)s), 31370),
        %(filters)s, %(travel_source)s, %(minutes)s, %(value)s, %(naive_value)s, %(summary)s)
RETURNING id;

-- name: insert_stop
INSERT INTO plan_stops (plan_id, ref, team, ord, site_kind, site_id, label, category, state, arrival, departure,
                        travel_minutes, service_minutes, pause_after_minutes, pause_before_minutes, appointment_at,
                        appointment_until, wait_minutes, value, why, last_visit, last_outcome, geom, exit_geom, line)
VALUES (%(plan)s, %(ref)s, %(team)s, %(ord)s, %(kind)s, %(site_id)s, %(label)s, %(category)s, %(state)s,
        %(arrival)s, %(departure)s, %(travel)s, %(service)s, %(pause_after)s, %(pause_before)s, %(appointment)s, %(until)s, %(wait)s,
        %(value)s,
        %(why)s, %(last_visit)s,
        %(last_outcome)s,
        ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370), ST_SetSRID(ST_MakePoint(%(exit_x)s, %(exit_y)s), 31370),
        ST_SetSRID(ST_GeomFromWKB(%(line)s), 31370));

-- name: insert_dropped
INSERT INTO plan_dropped (plan_id, site_kind, site_id, label, value, reason)
VALUES (%(plan)s, %(kind)s, %(site_id)s, %(label)s, %(value)s, %(reason)s);

-- name: insert_route
INSERT INTO plan_routes (plan_id, team, geom) VALUES (%(plan)s, %(team)s, ST_SetSRID(ST_GeomFromWKB(%(geom)s), 31370));

-- name: plan
SELECT p.id, p.created_at, p.created_by, p.starts_at, p.budget_minutes, p.pause_minutes, p.pause_at, p.mode,
       p.teams, p.start_label, ST_X(ST_Transform(p.start_geom, 4326)) AS start_lon, ST_Y(ST_Transform(p.start_geom, 4326)) AS start_lat,
       p.end_label, ST_X(ST_Transform(p.end_geom, 4326)) AS end_lon, ST_Y(ST_Transform(p.end_geom, 4326)) AS end_lat,
       ST_X(p.start_geom) AS start_x, ST_Y(p.start_geom) AS start_y, ST_X(p.end_geom) AS end_x, ST_Y(p.end_geom) AS end_y,
       p.filters, p.travel_source, p.minutes, p.value, p.naive_value, p.summary, p.cancelled_at, p.cancelled_by
FROM plans p WHERE p.id = %(id)s;

-- name: stops
-- A plan's stops in visit order, each with the visit that reported on it (the latest, if several), and a report's
-- shape as drawn in a GIS file (a building's footprint: migration 0082), for the shift's GeoJSON to draw it.
SELECT s.id, s.ref, s.team, s.ord, s.site_kind, s.site_id, s.label, s.category, s.state, s.arrival, s.departure,
       s.travel_minutes, s.service_minutes, s.pause_after_minutes, s.pause_before_minutes, s.appointment_at, s.appointment_until,
       s.wait_minutes, s.value, s.why, s.last_visit, s.last_outcome,
       ST_X(s.geom) AS x, ST_Y(s.geom) AS y, ST_X(s.exit_geom) AS exit_x, ST_Y(s.exit_geom) AS exit_y,
       ST_AsBinary(s.line) AS line, ST_AsBinary(drawn_shape(r.extra, r.input_crs)) AS shape,
       v.id AS visit_id, v.visited_at AS done_at, v.outcome AS done_outcome, v.officer AS done_officer,
       v.notes AS done_notes
FROM plan_stops s
LEFT JOIN reports r  -- a report's site is « SIG- » and its number (CASE: no other site's name is ever cast)
       ON r.id = CASE WHEN s.site_kind = 'signalement' AND s.site_id ~ '^SIG-[0-9]+$'
                      THEN substring(s.site_id FROM 5)::bigint END
LEFT JOIN LATERAL (
    SELECT id, visited_at, outcome, officer, notes FROM visits WHERE plan_stop_id = s.id
    ORDER BY visited_at DESC, id DESC LIMIT 1
) v ON true
WHERE s.plan_id = %(id)s
ORDER BY s.team, s.ord;

-- name: dropped
SELECT site_kind, site_id, label, value, reason FROM plan_dropped WHERE plan_id = %(id)s
ORDER BY value DESC NULLS LAST, site_id;

-- name: routes
SELECT team, ST_AsBinary(geom) AS geom FROM plan_routes WHERE plan_id = %(id)s ORDER BY team;

-- name: list_plans
SELECT p.id, p.created_at, p.created_by, p.starts_at, p.budget_minutes, p.pause_minutes, p.mode, p.teams, p.start_label,
       p.value, p.naive_value, p.minutes, p.cancelled_at,
       (SELECT count(*) FROM plan_stops s WHERE s.plan_id = p.id) AS stops,
       (SELECT count(*) FROM plan_stops s WHERE s.plan_id = p.id
          AND EXISTS (SELECT 1 FROM visits v WHERE v.plan_stop_id = s.id)) AS done
FROM plans p
ORDER BY p.id DESC
LIMIT %(limit)s;

-- name: cancel_plan
-- The shift called off, once; its visits counted (a shift with visits took place: the caller refuses it).
SELECT p.cancelled_at,
       (SELECT count(*) FROM visits v JOIN plan_stops s ON s.id = v.plan_stop_id WHERE s.plan_id = p.id) AS visits
FROM plans p WHERE p.id = %(id)s FOR UPDATE;

-- name: set_cancelled
UPDATE plans SET cancelled_at = now(), cancelled_by = %(actor)s WHERE id = %(id)s RETURNING cancelled_at;

-- name: missed_stops
-- The sites at a stop no visit was recorded at, of a shift not cancelled that ended in the last %(days)s days and
-- whose sheet came back (another of its stops was visited): the team did not get there (the latest such stop of
-- each site).
SELECT DISTINCT ON (s.site_id) s.site_id, s.ref, p.id AS plan_id, p.starts_at
FROM plan_stops s JOIN plans p ON p.id = s.plan_id
WHERE p.cancelled_at IS NULL
  AND p.starts_at + p.budget_minutes * interval '1 minute' <= %(now)s
  AND p.starts_at > %(now)s - %(days)s * interval '1 day'
  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.plan_stop_id = s.id)
  AND EXISTS (SELECT 1 FROM visits v JOIN plan_stops o ON o.id = v.plan_stop_id WHERE o.plan_id = p.id)
ORDER BY s.site_id, p.starts_at DESC;

-- name: planned_elsewhere
-- The sites at a stop not yet visited of a shift not cancelled that is not over: another team is going there;
-- or that ended less than %(wait_days)s days ago, before the new shift %(starts)s, without any visit recorded:
-- its sheet is not back yet, and a team may have been there yesterday (a shift going on first, then the
-- earliest stop of each site).
SELECT DISTINCT ON (s.site_id) s.site_id, s.ref, p.id AS plan_id, p.starts_at, s.arrival, e.ends_at,
       e.ends_at <= %(now)s AS over
FROM plan_stops s JOIN plans p ON p.id = s.plan_id
CROSS JOIN LATERAL (SELECT p.starts_at + p.budget_minutes * interval '1 minute' AS ends_at) e
WHERE p.cancelled_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.plan_stop_id = s.id)
  AND (e.ends_at > %(now)s
       OR (e.ends_at > %(now)s - %(wait_days)s * interval '1 day' AND e.ends_at <= %(starts)s
           AND NOT EXISTS (SELECT 1 FROM visits v JOIN plan_stops o ON o.id = v.plan_stop_id WHERE o.plan_id = p.id)))
ORDER BY s.site_id, over, s.arrival;
