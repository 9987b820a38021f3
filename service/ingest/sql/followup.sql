-- What officers record after the fact (service/ingest/followup.py).

-- name: report_for_update
SELECT id, category, status, description FROM reports WHERE id = %(id)s FOR UPDATE;

-- name: update_report
-- closed now when it becomes « clos », as it was when it stays so, not closed when it is anything else
UPDATE reports SET category = %(category)s, category_raw = coalesce(%(category_raw)s, category_raw),
       status = %(status)s, description = %(description)s, updated_at = now(),
       closed_at = CASE WHEN %(status)s <> 'clos' THEN NULL WHEN status = 'clos' THEN closed_at ELSE now() END
WHERE id = %(id)s;

-- name: report_place
SELECT ST_X(geom), ST_Y(geom), address, category FROM reports WHERE id = %(id)s;

-- name: point_place
SELECT ST_X(point), ST_Y(point), address_label, main_category FROM sensitive_points WHERE id = %(id)s;

-- name: axis_place
SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)), street, NULL::text FROM problem_axes
WHERE id = %(id)s;

-- name: attach_visit
UPDATE visits SET report_id = coalesce(%(report)s, report_id), point_id = %(point)s, axis_id = %(axis)s
WHERE id = %(id)s;

-- name: visit_by_key
-- A visit already received under the key its device gave it, with the site it is attached to (and the stop of a
-- cancelled shift it was sent to, stored at that stop's site).
SELECT v.id, v.report_id, v.point_id, v.axis_id, v.plan_stop_id,
       (SELECT ps.id FROM plan_stops ps WHERE ps.ref = v.extra ->> 'arret_tournee_annulee') AS cancelled_stop_id
FROM visits v
WHERE v.source = %(source)s AND v.natural_key = %(key)s;

-- name: plan_stop
SELECT s.id, p.cancelled_at FROM plan_stops s JOIN plans p ON p.id = s.plan_id
WHERE s.plan_id = %(plan)s AND s.ref = %(ref)s;

-- name: visit_site
-- The site a stored visit names (PS-0003, AX-0005, SIG-1254...).
SELECT site_ref FROM visits WHERE id = %(id)s;
