-- The mapping file last used for a source (`hotspots ingest --source S --correspondance F`, or the map's import
-- with its « Source » and « Fichier de correspondance »), kept in the database so that the source's next file is
-- read the same way without the file, from the command line or from any browser (service/ingest/kept_mapping.py).
CREATE TABLE source_mappings (
    source    text PRIMARY KEY CHECK (source <> '' AND source = lower(source)),
    file_name text NOT NULL,
    content   text NOT NULL,
    kept_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    kept_by   text
);
COMMENT ON TABLE source_mappings IS 'Fichier de correspondance gardé par source : appliqué aux prochains fichiers de la source importés sans correspondance.';
COMMENT ON COLUMN source_mappings.source IS 'Nom de la source, en minuscules, espaces réduits (« asbl_quartier »).';
COMMENT ON COLUMN source_mappings.content IS 'Texte du fichier (TOML ou YAML) : noms de colonnes et orthographes, aucune donnée personnelle.';
