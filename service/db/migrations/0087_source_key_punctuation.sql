-- A source is now matched with its accents, spaces and punctuation set aside (« ASBL-Quartier » is « asbl_quartier »,
-- « Neupré » is « neupre »: service/ingest/source_names.py, source_key): the kept mappings' keys are written that
-- way, so that each is found again under its new key. Of two mappings that become one key, the last kept stays.
-- Each keeps the name its source was shown under (before: the key itself), so that the lists and sentences name
-- « ASBL_Quartier », not its key « asbl quartier ».
ALTER TABLE source_mappings ADD COLUMN name text CHECK (name <> '');
UPDATE source_mappings SET name = source;

CREATE TEMPORARY TABLE mapping_keys ON COMMIT DROP AS
SELECT source AS old_key,
       coalesce(nullif(trim(regexp_replace(lower(unaccent(source)), '[^[:alnum:]]+', ' ', 'g')), ''), source) AS new_key,
       kept_at
FROM source_mappings;

DELETE FROM source_mappings m
USING mapping_keys k, mapping_keys later
WHERE k.old_key = m.source
  AND later.new_key = k.new_key
  AND later.old_key <> k.old_key
  AND (later.kept_at, later.old_key) > (k.kept_at, k.old_key);

UPDATE source_mappings m SET source = k.new_key
FROM mapping_keys k
WHERE k.old_key = m.source AND k.new_key <> m.source;

COMMENT ON COLUMN source_mappings.source IS 'Nom de la source, en minuscules, sans accents, espaces et ponctuation réduits à une espace (« asbl quartier »).';
COMMENT ON COLUMN source_mappings.name IS 'La source telle que nommée à l''import qui a gardé la correspondance (« ASBL_Quartier »).';
