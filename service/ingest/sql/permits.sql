-- name: create_stage
-- The columns of the table permits that a file brings, grouped as the permit reads; the table's checks apply at the
-- insert.
CREATE TEMP TABLE stage (
    row_number integer NOT NULL, source text NOT NULL, reference text NOT NULL,
    permit_type text NOT NULL, env_class smallint, operator text, activity text,
    address text, postcode text, commune text,
    decision_date date, valid_until date, conditions text,
    x double precision, y double precision, input_crs text, geocode_status text NOT NULL,
    extra jsonb,
    -- the key of a permit is its reference: external_id is what the shared in-file checks look at
    external_id    text GENERATED ALWAYS AS (reference) STORED,
    content_hash   text GENERATED ALWAYS AS (md5(
        permit_type || '|' || coalesce(env_class::text, '') || '|' || coalesce(operator, '') || '|' ||
        coalesce(activity, '') || '|' || coalesce(address, '') || '|' || coalesce(postcode, '') || '|' ||
        coalesce(commune, '') || '|' || coalesce((decision_date - DATE '2000-01-01')::text, '') || '|' ||
        coalesce((valid_until - DATE '2000-01-01')::text, '') || '|' || coalesce(conditions, '') || '|' ||
        coalesce(round(x * 10)::bigint::text, '') || '|' || coalesce(round(y * 10)::bigint::text, ''))) STORED
) ON COMMIT DROP;

-- name: insert_rows
INSERT INTO permits AS p (source, natural_key, reference, content_hash, permit_type, env_class, operator,
                          activity, address, postcode, commune, decision_date, valid_until, conditions,
                          geom, input_crs, geocode_status, extra, batch_id, row_number)
SELECT s.source, s.reference, s.reference, s.content_hash, s.permit_type, s.env_class, s.operator,
       s.activity, s.address, s.postcode, s.commune, s.decision_date, s.valid_until, s.conditions,
       CASE WHEN s.x IS NOT NULL THEN ST_SetSRID(ST_MakePoint(s.x, s.y), 31370) END,
       s.input_crs, s.geocode_status, s.extra, %(batch)s, s.row_number
FROM stage s

-- name: on_conflict
ON CONFLICT (source, natural_key) DO UPDATE SET
    content_hash = EXCLUDED.content_hash, permit_type = EXCLUDED.permit_type,
    env_class = EXCLUDED.env_class, operator = EXCLUDED.operator, activity = EXCLUDED.activity,
    address = EXCLUDED.address, postcode = EXCLUDED.postcode, commune = EXCLUDED.commune,
    decision_date = EXCLUDED.decision_date, valid_until = EXCLUDED.valid_until,
    conditions = EXCLUDED.conditions, geom = EXCLUDED.geom, input_crs = EXCLUDED.input_crs,
    geocode_status = EXCLUDED.geocode_status, extra = EXCLUDED.extra, batch_id = EXCLUDED.batch_id,
    row_number = EXCLUDED.row_number, updated_at = now()
WHERE p.content_hash <> EXCLUDED.content_hash

-- name: stored_ids
-- The stored row of each staged row (the rows of an in-memory table, whose ids the API answers with).
SELECT s.row_number, p.id
FROM stage s JOIN permits p ON p.source = s.source AND p.natural_key = s.reference;
