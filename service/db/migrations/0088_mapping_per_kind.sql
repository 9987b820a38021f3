-- A source may send files of several kinds, each laid out its own way (a commune: its complaints register and its
-- permits; a partner: its reports and its visits): a mapping is now kept per source and kind of file, so that the
-- permits' mapping is never applied to the reports' file (service/ingest/kept_mapping.py). Those kept before are
-- given the kind their fields name (a visit's outcome, a permit's reference; else reports).
ALTER TABLE source_mappings ADD COLUMN kind text;
UPDATE source_mappings SET kind = CASE
    WHEN content ~ '(^|\n)[ \t]*"?(visited_at|visited_time|outcome|officer|report_ref|stop_ref|site_ref)"?[ \t]*[=:]'
        THEN 'visits'
    WHEN content ~ '(^|\n)[ \t]*"?(reference|permit_type|env_class|operator|activity|decision_date|valid_until|conditions|opening_hours)"?[ \t]*[=:]'
        THEN 'permits'
    ELSE 'reports' END;
ALTER TABLE source_mappings
    ALTER COLUMN kind SET NOT NULL,
    ADD CONSTRAINT source_mappings_kind_check CHECK (kind IN ('reports', 'visits', 'permits')),
    DROP CONSTRAINT source_mappings_pkey,
    ADD PRIMARY KEY (source, kind);
COMMENT ON COLUMN source_mappings.kind IS 'Type de fichier auquel la correspondance s''applique : reports (signalements), visits (visites) ou permits (permis).';
