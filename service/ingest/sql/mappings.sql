-- name: kept_mapping
-- Found by the source's key (service/ingest/source_names.py, source_key) and the kind of file, named as the import
-- named it.
SELECT coalesce(name, source), file_name, content, kept_at, kept_by, kind
FROM source_mappings WHERE source = %(source)s AND kind = %(kind)s;

-- name: kept_mappings
SELECT coalesce(name, source), file_name, content, kept_at, kept_by, kind
FROM source_mappings ORDER BY source, array_position(ARRAY['reports', 'visits', 'permits'], kind);

-- name: keep_mapping
INSERT INTO source_mappings (source, kind, name, file_name, content, kept_by)
VALUES (%(source)s, %(kind)s, %(name)s, %(file_name)s, %(content)s, %(kept_by)s)
ON CONFLICT (source, kind) DO UPDATE
SET name = excluded.name, file_name = excluded.file_name, content = excluded.content, kept_by = excluded.kept_by,
    kept_at = clock_timestamp()
RETURNING name, file_name, content, kept_at, kept_by, kind;

-- name: forget_mapping
DELETE FROM source_mappings WHERE source = %(source)s AND kind = %(kind)s RETURNING coalesce(name, source);
