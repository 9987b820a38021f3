-- An acronym written with its dots or spaces is now one word in a source's key (« A.S.B.L. Quartier » is « asbl
-- quartier », as « ASBL_Quartier » is: service/ingest/source_names.py, source_key): the kept mappings' keys, which
-- 0087 wrote « a s b l quartier », are joined the same way (two letters or more standing alone in a row), so that
-- each is found again. Of two mappings of one kind that become one key, the last kept stays.
CREATE TEMPORARY TABLE mapping_keys ON COMMIT DROP AS
SELECT source AS old_key, kind,
       regexp_replace(source, '(?<=(?<![^ ])[[:alpha:]]) (?=[[:alpha:]](?![^ ]))', '', 'g') AS new_key,
       kept_at
FROM source_mappings;

DELETE FROM source_mappings m
USING mapping_keys k, mapping_keys later
WHERE k.old_key = m.source AND k.kind = m.kind
  AND later.kind = k.kind
  AND later.new_key = k.new_key
  AND later.old_key <> k.old_key
  AND (later.kept_at, later.old_key) > (k.kept_at, k.old_key);

UPDATE source_mappings m SET source = k.new_key
FROM mapping_keys k
WHERE k.old_key = m.source AND k.kind = m.kind AND k.new_key <> m.source;

COMMENT ON COLUMN source_mappings.source IS 'Nom de la source, en minuscules, sans accents, espaces et ponctuation réduits à une espace, sigle en un mot (« asbl quartier »).';
