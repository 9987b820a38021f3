-- name: is_empty
SELECT NOT EXISTS (SELECT 1 FROM {table});

-- name: referencing_keys
-- Foreign keys of other tables pointing at this one (TRUNCATE refuses while they exist).
SELECT n.nspname, r.relname, c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c
JOIN pg_class r ON r.oid = c.conrelid
JOIN pg_namespace n ON n.oid = r.relnamespace
WHERE c.confrelid = %(table)s::regclass AND c.contype = 'f'
ORDER BY 1, 2, 3;

-- name: own_constraints
-- The table's primary key and unique constraints, primary key first (the foreign keys need it back first).
SELECT c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.conrelid = %(table)s::regclass AND c.contype IN ('p', 'u')
ORDER BY c.contype = 'p' DESC, c.conname;

-- name: own_full_indexes
-- Indexes that are not a constraint's and cover every row; partial indexes stay in place (a COPY only
-- evaluates their predicate for the rows that do not match it).
SELECT i.relname, pg_get_indexdef(i.oid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = %(table)s::regclass AND x.indpred IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
ORDER BY i.relname;

-- name: first_id
SELECT nextval(pg_get_serial_sequence(%(table)s, 'id'));

-- name: last_id
SELECT setval(pg_get_serial_sequence(%(table)s, 'id'), %(last)s);
