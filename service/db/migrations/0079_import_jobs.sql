-- The imports sent from the map and run in the background (service/api/imports.py), kept in the database so that
-- every server process (`hotspots serve --workers N`) answers the page that follows one, whichever process runs
-- it, and so that a job cut short by a restart says so instead of never ending.
CREATE TABLE import_jobs (
    id          text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
    login       text NOT NULL,
    file_name   text NOT NULL,
    kind        text NOT NULL,
    stage       text NOT NULL DEFAULT 'lecture' CHECK (stage IN ('lecture', 'enregistrement', 'fini', 'erreur')),
    read_bytes  bigint NOT NULL DEFAULT 0 CHECK (read_bytes >= 0),
    total_bytes bigint NOT NULL DEFAULT 0 CHECK (total_bytes >= 0),
    started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    beat_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    ended_at    timestamptz,
    result      jsonb,
    error       jsonb
);
COMMENT ON TABLE import_jobs IS 'Imports lancés depuis la carte et suivis par elle (barre d''avancement, bilan) ; gardés une heure après leur fin.';
COMMENT ON COLUMN import_jobs.beat_at IS 'Dernier signe de vie du processus qui fait l''import : au-delà d''une minute sans signe, l''import est dit interrompu.';
CREATE INDEX import_jobs_running ON import_jobs (beat_at) WHERE ended_at IS NULL;
