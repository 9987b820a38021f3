-- name: create_stage
CREATE TEMP TABLE stage (
    row_number     integer NOT NULL,
    source         text NOT NULL,
    external_id    text,
    visited_epoch  bigint NOT NULL,
    outcome        text NOT NULL,
    category       text,
    officer        text,
    notes          text,
    report_ref     text,
    stop_ref       text,
    site_ref       text,
    address        text,
    postcode       text,
    commune        text,
    x              double precision,
    y              double precision,
    input_crs      text,
    geocode_status text NOT NULL,
    extra          jsonb,
    content_hash   text GENERATED ALWAYS AS (md5(
        visited_epoch::text || '|' || outcome || '|' || coalesce(category, '') || '|' ||
        coalesce(officer, '') || '|' || coalesce(notes, '') || '|' || coalesce(report_ref, '') || '|' ||
        coalesce(stop_ref, '') || '|' || coalesce(site_ref, '') || '|' ||
        coalesce(address, '') || '|' || coalesce(round(x * 10)::bigint::text, '') || '|' ||
        coalesce(round(y * 10)::bigint::text, ''))) STORED
) ON COMMIT DROP;

-- name: unplaceable
-- Visits known only by the report they follow, when that report is not in the database.
SELECT s.row_number, s.report_ref
FROM stage s
WHERE s.x IS NULL AND s.address IS NULL AND s.report_ref IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.external_id = s.report_ref)
ORDER BY s.row_number;

-- name: unknown_stops
-- Visits naming a plan's stop that no plan has (a mistyped reference, a sheet of another database).
SELECT s.row_number, s.stop_ref
FROM stage s
WHERE s.stop_ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM plan_stops p WHERE p.ref = s.stop_ref)
ORDER BY s.row_number;

-- name: move_cancelled_stops
-- Visits of a stop of a shift that was cancelled: the team went all the same (a sheet printed before). The visit
-- belongs to no shift (its sites were freed, it stays cancelled), so it is recorded at the stop's site (the row's
-- own « Site » first), the stop kept in its extra columns.
UPDATE stage s
SET site_ref = coalesce(s.site_ref, p.site_id),
    extra = coalesce(s.extra, '{}'::jsonb) || jsonb_build_object('arret_tournee_annulee', s.stop_ref),
    stop_ref = NULL
FROM plan_stops p JOIN plans pl ON pl.id = p.plan_id
WHERE p.ref = s.stop_ref AND pl.cancelled_at IS NOT NULL
RETURNING s.row_number, pl.id;

-- name: unknown_sites
-- Visits naming a site (PS-0001, AX-0005, SIG-1254, PER-7, SUIVI-253) that the database does not have.
SELECT s.row_number, s.site_ref
FROM stage s
WHERE s.site_ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM site_place(s.site_ref))
ORDER BY s.row_number;

-- name: stops_before_plan
-- Visits of a plan's stop dated before the day the plan starts (days in the session's time zone, the service's):
-- a date typed wrong, since the stop was not planned yet. A shift that starts at midnight may begin a little
-- before it: its hour before the start is not refused.
SELECT s.row_number,
       to_char(to_timestamp(s.visited_epoch), 'DD/MM/YYYY') || ' (tournée du ' || to_char(pl.starts_at, 'DD/MM/YYYY') || ')'
FROM stage s
JOIN plan_stops p ON p.ref = s.stop_ref
JOIN plans pl ON pl.id = p.plan_id
WHERE to_timestamp(s.visited_epoch)::date < pl.starts_at::date
  AND to_timestamp(s.visited_epoch) < pl.starts_at - interval '1 hour'
ORDER BY s.row_number;

-- name: insert_rows
INSERT INTO visits AS v (source, natural_key, external_id, content_hash, visited_at, outcome, category,
                         officer, notes, report_ref, site_ref, address, postcode, commune, geom, input_crs,
                         geocode_status, extra, batch_id, row_number, plan_stop_id)
SELECT s.source, coalesce(s.external_id, 'h:' || s.content_hash), s.external_id, s.content_hash,
       to_timestamp(s.visited_epoch), s.outcome, s.category, s.officer, s.notes, s.report_ref, s.site_ref, s.address,
       s.postcode,
       s.commune,
       CASE WHEN s.x IS NOT NULL THEN ST_SetSRID(ST_MakePoint(s.x, s.y), 31370) END,
       s.input_crs, s.geocode_status, s.extra, %(batch)s, s.row_number,
       (SELECT p.id FROM plan_stops p WHERE p.ref = s.stop_ref)
FROM stage s

-- name: on_conflict
ON CONFLICT (source, natural_key) DO UPDATE SET
    content_hash = EXCLUDED.content_hash, visited_at = EXCLUDED.visited_at, outcome = EXCLUDED.outcome,
    category = EXCLUDED.category, officer = EXCLUDED.officer, notes = EXCLUDED.notes,
    report_ref = EXCLUDED.report_ref, site_ref = EXCLUDED.site_ref, address = EXCLUDED.address,
    input_crs = EXCLUDED.input_crs,
    -- the place survives an update that brings the same address, report and stop (see reports.sql): a visit placed
    -- from its report or its stop is placed again from a new one
    (geom, geocode_status, geocode_level, geocode_score, geocode_label, commune, postcode) = (
        SELECT CASE WHEN kept THEN v.geom ELSE EXCLUDED.geom END,
               CASE WHEN kept THEN v.geocode_status ELSE EXCLUDED.geocode_status END,
               CASE WHEN kept THEN v.geocode_level END, CASE WHEN kept THEN v.geocode_score END,
               CASE WHEN kept THEN v.geocode_label END,
               -- the kept place's commune and postcode (a person's choice; the geocoder's when the source gives none)
               CASE WHEN kept AND v.geocode_status = 'manuel' THEN v.commune
                    WHEN kept THEN coalesce(EXCLUDED.commune, v.commune) ELSE EXCLUDED.commune END,
               CASE WHEN kept AND v.geocode_status = 'manuel' THEN v.postcode
                    WHEN kept THEN coalesce(EXCLUDED.postcode, v.postcode) ELSE EXCLUDED.postcode END
        FROM (SELECT v.address IS NOT DISTINCT FROM EXCLUDED.address
                             AND v.report_ref IS NOT DISTINCT FROM EXCLUDED.report_ref
                             AND v.site_ref IS NOT DISTINCT FROM EXCLUDED.site_ref
                             AND v.plan_stop_id IS NOT DISTINCT FROM EXCLUDED.plan_stop_id
                             AND (EXCLUDED.geom IS NULL OR v.geocode_status = 'manuel') AS kept) k
    ),
    extra = EXCLUDED.extra, batch_id = EXCLUDED.batch_id,
    row_number = EXCLUDED.row_number, plan_stop_id = EXCLUDED.plan_stop_id, updated_at = now()
WHERE v.content_hash <> EXCLUDED.content_hash

-- name: stored_ids
-- The stored row of each staged row (the rows of an in-memory table, whose ids the API answers with).
SELECT s.row_number, v.id
FROM stage s JOIN visits v ON v.source = s.source AND v.natural_key = coalesce(s.external_id, 'h:' || s.content_hash);

-- name: link_reports
-- Attach each visit of the batch to the report it names (when exactly one report has that id) and take the
-- report's point when the visit has none of its own.
WITH matches AS (
    SELECT v.id AS visit_id, min(r.id) AS report_id, count(*) AS n
    FROM visits v JOIN reports r ON r.external_id = v.report_ref
    WHERE v.batch_id = %(batch)s AND v.report_ref IS NOT NULL
    GROUP BY v.id
)
UPDATE visits v
SET report_id = m.report_id,
    geom = coalesce(v.geom, (SELECT r.geom FROM reports r WHERE r.id = m.report_id)),
    geocode_status = CASE WHEN v.geom IS NULL AND v.address IS NULL THEN 'signalement' ELSE v.geocode_status END
FROM matches m
WHERE v.id = m.visit_id AND m.n = 1;

-- name: link_plan_stops
-- Attach each visit of the batch that names a plan's stop to that stop's site (point, axis or report) and take the
-- stop's place when the visit has none of its own: the site's history and priority see the visit.
UPDATE visits v
SET point_id = CASE WHEN p.site_kind = 'point_sensible' THEN p.site_id ELSE v.point_id END,
    axis_id = CASE WHEN p.site_kind = 'axe' THEN p.site_id ELSE v.axis_id END,
    report_id = CASE WHEN p.site_kind = 'signalement' AND p.site_id ~ '^SIG-[0-9]+$'
                     THEN substr(p.site_id, 5)::bigint ELSE v.report_id END,
    category = coalesce(v.category, p.category),
    geom = coalesce(v.geom, p.geom),
    geocode_status = CASE WHEN v.geom IS NULL THEN 'tournee' ELSE v.geocode_status END
FROM plan_stops p
WHERE v.batch_id = %(batch)s AND v.plan_stop_id = p.id;

-- name: link_sites
-- Attach each visit of the batch that names a site to it (a point, an axis or a report: its history and priority
-- see the visit) and take the site's place when the visit has none of its own (site_place, migration 0071). A visit
-- imported again with another site leaves the point or axis of the first (a plan's stop keeps its own).
UPDATE visits v
SET point_id = CASE WHEN v.site_ref ~ '^PS-' THEN v.site_ref WHEN v.plan_stop_id IS NULL THEN NULL
                    ELSE v.point_id END,
    axis_id = CASE WHEN v.site_ref ~ '^AX-' THEN v.site_ref WHEN v.plan_stop_id IS NULL THEN NULL ELSE v.axis_id END,
    report_id = CASE WHEN v.site_ref ~ '^SIG-' THEN substr(v.site_ref, 5)::bigint ELSE v.report_id END,
    category = coalesce(v.category, site.category),
    geom = coalesce(v.geom, site.geom),
    geocode_status = CASE WHEN v.geom IS NULL THEN 'site' ELSE v.geocode_status END
FROM visits w
CROSS JOIN LATERAL site_place(w.site_ref) AS site
WHERE v.id = w.id AND w.batch_id = %(batch)s AND w.site_ref IS NOT NULL;
