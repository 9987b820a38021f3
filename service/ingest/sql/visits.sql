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

-- name: insert_rows
INSERT INTO visits AS v (source, natural_key, external_id, content_hash, visited_at, outcome, category,
                         officer, notes, report_ref, address, postcode, commune, geom, input_crs,
                         geocode_status, extra, batch_id, row_number)
SELECT s.source, coalesce(s.external_id, 'h:' || s.content_hash), s.external_id, s.content_hash,
       to_timestamp(s.visited_epoch), s.outcome, s.category, s.officer, s.notes, s.report_ref, s.address, s.postcode,
       s.commune,
       CASE WHEN s.x IS NOT NULL THEN ST_SetSRID(ST_MakePoint(s.x, s.y), 31370) END,
       s.input_crs, s.geocode_status, s.extra, %(batch)s, s.row_number
FROM stage s
WHERE NOT EXISTS (SELECT 1 FROM stage_skip k WHERE k.row_number = s.row_number)

-- name: on_conflict
ON CONFLICT (source, natural_key) DO UPDATE SET
    content_hash = EXCLUDED.content_hash, visited_at = EXCLUDED.visited_at, outcome = EXCLUDED.outcome,
    category = EXCLUDED.category, officer = EXCLUDED.officer, notes = EXCLUDED.notes,
    report_ref = EXCLUDED.report_ref, address = EXCLUDED.address, postcode = EXCLUDED.postcode,
    commune = EXCLUDED.commune, geom = EXCLUDED.geom, input_crs = EXCLUDED.input_crs,
    geocode_status = EXCLUDED.geocode_status, extra = EXCLUDED.extra, batch_id = EXCLUDED.batch_id,
    row_number = EXCLUDED.row_number, updated_at = now()
WHERE v.content_hash <> EXCLUDED.content_hash

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
