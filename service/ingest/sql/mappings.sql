-- name: kept_mapping
SELECT source, file_name, content, kept_at, kept_by FROM source_mappings WHERE source = %(source)s;

-- name: kept_mappings
SELECT source, file_name, content, kept_at, kept_by FROM source_mappings ORDER BY source;

-- name: keep_mapping
INSERT INTO source_mappings (source, file_name, content, kept_by)
VALUES (%(source)s, %(file_name)s, %(content)s, %(kept_by)s)
ON CONFLICT (source) DO UPDATE
SET file_name = excluded.file_name, content = excluded.content, kept_by = excluded.kept_by,
    kept_at = clock_timestamp()
RETURNING source, file_name, content, kept_at, kept_by;

-- name: forget_mapping
DELETE FROM source_mappings WHERE source = %(source)s RETURNING source;
