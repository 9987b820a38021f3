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
