-- name: stored_sources
-- The sources of the rows a table holds, one by one along its natural-key index (a few sources among millions of
-- rows: one index step each, never a scan of the table).
WITH RECURSIVE s AS (
    (SELECT source FROM {table} ORDER BY source LIMIT 1)
    UNION ALL
    SELECT (SELECT t.source FROM {table} t WHERE t.source > s.source ORDER BY t.source LIMIT 1)
    FROM s WHERE s.source IS NOT NULL
)
SELECT source FROM s WHERE source IS NOT NULL;

-- name: source_counts
-- How many rows each source holds in a table (``hotspots sources``).
SELECT source, count(*) FROM {table} GROUP BY source ORDER BY source;

-- name: source_holds
-- Whether a source holds a row in a table: the first row found along the natural-key index (source first).
SELECT EXISTS (SELECT 1 FROM {table} WHERE source = %(source)s);

-- name: merge_collisions
-- Rows of ``old`` whose key (the source's number, or the content's print) ``new`` already holds: the same rows
-- imported twice, under two spellings; by batch, for the refusal to name what to withdraw first.
SELECT o.batch_id, count(*)
FROM {table} o JOIN {table} n ON n.source = %(new)s AND n.natural_key = o.natural_key
WHERE o.source = %(old)s
GROUP BY o.batch_id ORDER BY o.batch_id;

-- name: merge_rows
UPDATE {table} SET source = %(new)s WHERE source = %(old)s;

-- name: unlink_same_source
-- Reports linked as near-duplicates across the two spellings are now of one source, whose reports are never one
-- another's near-duplicate (the rule is « another source »): unlinked, each counts again.
UPDATE reports r SET duplicate_of = NULL
FROM reports d
WHERE r.duplicate_of = d.id AND r.source = %(new)s AND d.source = %(new)s
RETURNING r.id;

-- name: move_mappings
-- The old spelling's kept mappings go to the new one (named so), for the kinds the new one keeps none of; under one
-- key (« ASBL-Quartier », « ASBL Quartier »), they are already the new one's, and only take its name.
UPDATE source_mappings m SET source = %(new_key)s, name = %(new)s
WHERE m.source = %(old_key)s
  AND (%(old_key)s = %(new_key)s
       OR NOT EXISTS (SELECT 1 FROM source_mappings n WHERE n.source = %(new_key)s AND n.kind = m.kind))
RETURNING kind;
