-- name: open_batch
INSERT INTO ingestion_batches (kind, file_name, file_sha256, file_bytes, file_format, status, options)
VALUES (%(kind)s, %(file_name)s, %(sha256)s, %(bytes)s, %(format)s, 'en_cours', %(options)s)
RETURNING id;

-- name: refuse_batch
INSERT INTO ingestion_batches (kind, file_name, file_sha256, file_bytes, file_format, status, error, options,
                               finished_at)
VALUES (%(kind)s, %(file_name)s, %(sha256)s, %(bytes)s, %(format)s, 'refuse', %(error)s, %(options)s,
        clock_timestamp())
RETURNING id;

-- name: close_batch
UPDATE ingestion_batches
SET status = 'termine', rows_in = %(rows_in)s, inserted = %(inserted)s, updated = %(updated)s,
    duplicates = %(duplicates)s, rejected = %(rejected)s, details = %(details)s, timings = %(timings)s,
    finished_at = clock_timestamp()
WHERE id = %(batch)s;

-- name: create_stage_rejects
-- Created when a batch's first reject comes (most batches have none).
CREATE TEMP TABLE IF NOT EXISTS stage_rejects (
    row_number integer NOT NULL,
    raw        jsonb NOT NULL,
    personal   jsonb,
    reasons    jsonb NOT NULL
) ON COMMIT DROP;

-- name: store_rejects
WITH ins AS (
    INSERT INTO rejected_rows (batch_id, row_number, raw, reasons)
    SELECT %(batch)s, row_number, raw, reasons FROM stage_rejects ORDER BY row_number
    RETURNING id, row_number
)
INSERT INTO private.rejected_row_contacts (rejected_row_id, raw)
SELECT ins.id, s.personal
FROM ins JOIN stage_rejects s USING (row_number)
WHERE s.personal IS NOT NULL;

-- name: repeated_keys
-- Rows whose key (source + external id, or content fingerprint) already appeared earlier in the same file;
-- same_content compares the whole staged row, row number aside.
WITH keyed AS (
    SELECT row_number, source, coalesce(external_id, 'h:' || content_hash) AS natural_key FROM stage
),
dup_keys AS (
    SELECT source, natural_key FROM keyed GROUP BY source, natural_key HAVING count(*) > 1
),
ranked AS (
    SELECT k.row_number, k.source, k.natural_key, md5((to_jsonb(s) - 'row_number')::text) AS content
    FROM keyed k JOIN dup_keys d USING (source, natural_key) JOIN stage s USING (row_number)
),
firsts AS (
    SELECT r.*, first_value(r.row_number) OVER w AS first_row, first_value(r.content) OVER w AS first_content
    FROM ranked r
    WINDOW w AS (PARTITION BY r.source, r.natural_key ORDER BY r.row_number)
)
SELECT row_number, natural_key, first_row, content = first_content AS same_content
FROM firsts WHERE row_number <> first_row
ORDER BY row_number;

-- name: drop_from_stage
-- Staged rows left out of the merge: in-file repeats, rows refused after staging.
DELETE FROM stage WHERE row_number = ANY(%(rows)s);

-- name: sources_already_stored
-- Whether the target table holds rows of any source of this batch (then keys may collide).
SELECT EXISTS (SELECT 1 FROM {table} t WHERE t.source IN (SELECT DISTINCT source FROM stage));

-- name: nothing_to_correct
-- Rejected rows with nothing to correct: a plan's stop not made (the site stays a candidate), an empty row, a
-- table's total line.
SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(reasons) r
                                      WHERE r ->> 'motif' LIKE %(not_done)s)),
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(reasons) r
                                      WHERE r ->> 'motif' LIKE %(empty)s)),
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(reasons) r
                                      WHERE r ->> 'motif' LIKE %(total)s))
FROM rejected_rows
WHERE batch_id = %(batch)s;

-- name: rejects_to_correct
-- The first rejected rows that need a correction, with their reasons, for the import's summary.
SELECT row_number, reasons FROM rejected_rows
WHERE batch_id = %(batch)s
  AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(reasons) r
                  WHERE r ->> 'motif' LIKE %(not_done)s OR r ->> 'motif' LIKE %(empty)s
                     OR r ->> 'motif' LIKE %(total)s)
ORDER BY row_number
LIMIT %(shown)s;

-- name: close_reviews_settled_by_source
-- A row of the batch waiting for review that the update placed anew (a new address found with confidence, new
-- coordinates): its review is settled by the source, not left open over a row that no longer waits.
UPDATE geocode_reviews g
SET resolved_at = now(), resolution = 'réglée par la source : nouvelle adresse ou nouveau point (import n° '
                                      || %(batch)s::text || ')'
FROM {table} t
WHERE g.target = %(target)s AND g.target_id = t.id AND g.resolved_at IS NULL
  AND t.batch_id = %(batch)s AND t.geocode_status NOT IN ('a_verifier', 'echec', 'a_geocoder');
