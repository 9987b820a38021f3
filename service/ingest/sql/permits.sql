-- name: create_stage
-- The columns of the table permits that a file brings, grouped as the permit reads; the table's checks apply at the
-- insert.
CREATE TEMP TABLE stage (
    row_number integer NOT NULL, source text NOT NULL, reference text NOT NULL,
    permit_type text NOT NULL, env_class smallint, operator text, activity text,
    address text, postcode text, commune text,
    decision_date date, valid_until date, conditions text, opening_hours text,
    x double precision, y double precision, input_crs text, geocode_status text NOT NULL,
    extra jsonb,
    -- the key of a permit is its reference: external_id is what the shared in-file checks look at
    external_id    text GENERATED ALWAYS AS (reference) STORED,
    content_hash   text GENERATED ALWAYS AS (md5(
        permit_type || '|' || coalesce(env_class::text, '') || '|' || coalesce(operator, '') || '|' ||
        coalesce(activity, '') || '|' || coalesce(address, '') || '|' || coalesce(postcode, '') || '|' ||
        coalesce(commune, '') || '|' || coalesce((decision_date - DATE '2000-01-01')::text, '') || '|' ||
        coalesce((valid_until - DATE '2000-01-01')::text, '') || '|' || coalesce(conditions, '') || '|' ||
        coalesce(opening_hours, '') || '|' || coalesce(round(x * 10)::bigint::text, '') || '|' || coalesce(round(y * 10)::bigint::text, ''))) STORED
) ON COMMIT DROP;

-- name: insert_rows
INSERT INTO permits AS p (source, natural_key, reference, content_hash, permit_type, env_class, operator,
                          activity, address, postcode, commune, decision_date, valid_until, conditions,
                          opening_hours, geom, input_crs, geocode_status, extra, batch_id, row_number)
SELECT s.source, s.reference, s.reference, s.content_hash, s.permit_type, s.env_class, s.operator,
       s.activity, s.address, s.postcode, s.commune, s.decision_date, s.valid_until, s.conditions,
       s.opening_hours,
       CASE WHEN s.x IS NOT NULL THEN ST_SetSRID(ST_MakePoint(s.x, s.y), 31370) END,
       s.input_crs, s.geocode_status, s.extra, %(batch)s, s.row_number
FROM stage s

-- name: on_conflict
ON CONFLICT (source, natural_key) DO UPDATE SET
    content_hash = EXCLUDED.content_hash, permit_type = EXCLUDED.permit_type,
    env_class = EXCLUDED.env_class, operator = EXCLUDED.operator, activity = EXCLUDED.activity,
    address = EXCLUDED.address,
    decision_date = EXCLUDED.decision_date, valid_until = EXCLUDED.valid_until,
    conditions = EXCLUDED.conditions, opening_hours = EXCLUDED.opening_hours, input_crs = EXCLUDED.input_crs,
    -- the place survives an update that brings the same address (see reports.sql): a permit register exported
    -- again each week keeps the point a person placed
    (geom, geocode_status, geocode_level, geocode_score, geocode_label, commune, postcode) = (
        SELECT CASE WHEN kept THEN p.geom ELSE EXCLUDED.geom END,
               CASE WHEN kept THEN p.geocode_status ELSE EXCLUDED.geocode_status END,
               CASE WHEN kept THEN p.geocode_level END, CASE WHEN kept THEN p.geocode_score END,
               CASE WHEN kept THEN p.geocode_label END,
               -- the kept place's commune and postcode (a person's choice; the geocoder's when the source gives none)
               CASE WHEN kept AND p.geocode_status = 'manuel' THEN p.commune
                    WHEN kept THEN coalesce(EXCLUDED.commune, p.commune) ELSE EXCLUDED.commune END,
               CASE WHEN kept AND p.geocode_status = 'manuel' THEN p.postcode
                    WHEN kept THEN coalesce(EXCLUDED.postcode, p.postcode) ELSE EXCLUDED.postcode END
        FROM (SELECT p.address IS NOT DISTINCT FROM EXCLUDED.address
                             AND (EXCLUDED.geom IS NULL OR p.geocode_status = 'manuel') AS kept) k
    ),
    extra = EXCLUDED.extra, batch_id = EXCLUDED.batch_id,
    row_number = EXCLUDED.row_number, updated_at = now()
WHERE p.content_hash <> EXCLUDED.content_hash

-- name: stored_ids
-- The stored row of each staged row (the rows of an in-memory table, whose ids the API answers with).
SELECT s.row_number, p.id
FROM stage s JOIN permits p ON p.source = s.source AND p.natural_key = s.reference;
