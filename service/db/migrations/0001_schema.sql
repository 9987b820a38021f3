-- Hotspots: base schema. Geometry is stored in Belgian Lambert 72 (EPSG:31370).
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- Vocabulary -----------------------------------------------------------------------------------------------
CREATE TABLE categories (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z_]*$'),
    label_fr    text NOT NULL,
    label_nl    text NOT NULL,
    label_en    text NOT NULL,
    gravity     real NOT NULL CHECK (gravity > 0),
    synonyms    text[] NOT NULL DEFAULT '{}',
    active      boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE categories IS 'Catégories de nuisance, avec libellés FR/NL/EN, poids de gravité et synonymes reconnus à l''import.';

CREATE TABLE visit_outcomes (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z_]*$'),
    label_fr    text NOT NULL,
    label_nl    text NOT NULL,
    label_en    text NOT NULL,
    synonyms    text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE report_statuses (
    code        text PRIMARY KEY,
    label_fr    text NOT NULL,
    label_nl    text NOT NULL,
    label_en    text NOT NULL,
    synonyms    text[] NOT NULL DEFAULT '{}'
);

-- Ingestion batches and rejected rows ------------------------------------------------------------------------
CREATE TABLE ingestion_batches (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('reports', 'visits', 'permits')),
    file_name       text NOT NULL,
    file_sha256     text NOT NULL,
    file_bytes      bigint NOT NULL,
    file_format     text NOT NULL,
    status          text NOT NULL CHECK (status IN ('en_cours', 'termine', 'refuse')),
    error           text,
    rows_in         integer NOT NULL DEFAULT 0,
    inserted        integer NOT NULL DEFAULT 0,
    updated         integer NOT NULL DEFAULT 0,
    duplicates      integer NOT NULL DEFAULT 0,
    rejected        integer NOT NULL DEFAULT 0,
    details         jsonb NOT NULL DEFAULT '{}',
    timings         jsonb NOT NULL DEFAULT '{}',
    options         jsonb NOT NULL DEFAULT '{}',
    started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz,
    CONSTRAINT batch_counts_add_up CHECK (
        status <> 'termine' OR rows_in = inserted + updated + duplicates + rejected)
);
CREATE INDEX ingestion_batches_sha ON ingestion_batches (kind, file_sha256);

CREATE TABLE rejected_rows (
    id          bigserial PRIMARY KEY,
    batch_id    bigint NOT NULL REFERENCES ingestion_batches (id) ON DELETE CASCADE,
    row_number  integer NOT NULL,
    raw         jsonb NOT NULL,
    reasons     jsonb NOT NULL
);
COMMENT ON COLUMN rejected_rows.row_number IS 'Numéro de ligne dans le fichier, l''en-tête étant la ligne 1 (ou numéro d''objet pour le JSON).';
COMMENT ON COLUMN rejected_rows.reasons IS 'Liste de {champ, valeur, motif}.';
CREATE INDEX rejected_rows_batch ON rejected_rows (batch_id, row_number);

-- Reports ------------------------------------------------------------------------------------------------------
CREATE TABLE reports (
    id              bigserial PRIMARY KEY,
    source          text NOT NULL,
    natural_key     text NOT NULL,
    external_id     text,
    content_hash    text NOT NULL,
    category        text NOT NULL,  -- a categories.code: checked at import, protected by trigger (see below)
    category_raw    text,
    observed_at     timestamptz NOT NULL,
    status          text NOT NULL,  -- a report_statuses.code, same protection
    description     text,
    address         text,
    postcode        text,
    commune         text,
    geom            geometry(Point, 31370),
    input_crs       text,
    geocode_status  text NOT NULL CHECK (geocode_status IN ('fourni', 'a_geocoder', 'geocode', 'a_verifier', 'echec', 'manuel')),
    geocode_level   text,
    geocode_score   real,
    duplicate_of    bigint,  -- a reports.id, protected by trigger like the codes
    extra           jsonb,
    batch_id        bigint NOT NULL,  -- an ingestion_batches.id, same protection
    row_number      integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reports_natural_key UNIQUE (source, natural_key)
);
COMMENT ON COLUMN reports.natural_key IS 'Identifiant de la source, ou empreinte du contenu quand la source n''en donne pas.';
COMMENT ON COLUMN reports.duplicate_of IS 'Quasi-doublon : même catégorie à moins de 50 m et 48 h d''un signalement d''une autre source.';
CREATE INDEX reports_geom ON reports USING gist (geom);
CREATE INDEX reports_observed_at ON reports (observed_at);
CREATE INDEX reports_to_geocode ON reports (id) WHERE geocode_status IN ('a_geocoder', 'a_verifier');
CREATE INDEX reports_duplicate_of ON reports (duplicate_of) WHERE duplicate_of IS NOT NULL;

-- Site visits ----------------------------------------------------------------------------------------------------
CREATE TABLE visits (
    id              bigserial PRIMARY KEY,
    source          text NOT NULL,
    natural_key     text NOT NULL,
    external_id     text,
    content_hash    text NOT NULL,
    visited_at      timestamptz NOT NULL,
    outcome         text NOT NULL REFERENCES visit_outcomes (code),
    category        text REFERENCES categories (code),
    officer         text,
    notes           text,
    address         text,
    postcode        text,
    commune         text,
    report_ref      text,
    report_id       bigint REFERENCES reports (id),
    geom            geometry(Point, 31370),
    input_crs       text,
    geocode_status  text NOT NULL CHECK (geocode_status IN ('fourni', 'a_geocoder', 'geocode', 'a_verifier', 'echec', 'manuel', 'signalement')),
    extra           jsonb,
    batch_id        bigint REFERENCES ingestion_batches (id),
    row_number      integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT visits_natural_key UNIQUE (source, natural_key)
);
CREATE INDEX visits_geom ON visits USING gist (geom);
CREATE INDEX visits_visited_at ON visits (visited_at);
CREATE INDEX visits_report ON visits (report_id);

-- Permits ----------------------------------------------------------------------------------------------------------
CREATE TABLE permits (
    id              bigserial PRIMARY KEY,
    source          text NOT NULL,
    natural_key     text NOT NULL,
    reference       text NOT NULL,
    content_hash    text NOT NULL,
    permit_type     text NOT NULL CHECK (permit_type IN ('environnement', 'urbanisme', 'unique')),
    env_class       smallint CHECK (env_class IN (1, 2, 3)),
    operator        text,
    activity        text,
    address         text,
    postcode        text,
    commune         text,
    decision_date   date,
    valid_until     date,
    conditions      text,
    geom            geometry(Point, 31370),
    input_crs       text,
    geocode_status  text NOT NULL CHECK (geocode_status IN ('fourni', 'a_geocoder', 'geocode', 'a_verifier', 'echec', 'manuel')),
    extra           jsonb,
    batch_id        bigint REFERENCES ingestion_batches (id),
    row_number      integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT permits_natural_key UNIQUE (source, natural_key),
    CONSTRAINT permits_env_class CHECK (permit_type <> 'environnement' OR env_class IS NOT NULL)
);
CREATE INDEX permits_geom ON permits USING gist (geom);

-- Personal data: apart, read only by service.db.personal --------------------------------------------------------------
CREATE SCHEMA private;
REVOKE ALL ON SCHEMA private FROM PUBLIC;
COMMENT ON SCHEMA private IS 'Données personnelles (déclarants). Lecture réservée au code privilégié, chaque lecture est journalisée.';

CREATE TABLE private.reporter_contacts (
    report_id   bigint PRIMARY KEY REFERENCES public.reports (id) ON DELETE CASCADE,
    name        text,
    phone       text,
    email       text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE private.rejected_row_contacts (
    rejected_row_id bigint PRIMARY KEY REFERENCES public.rejected_rows (id) ON DELETE CASCADE,
    raw             jsonb NOT NULL
);

CREATE TABLE private.access_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       text NOT NULL,
    action      text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}'
);

-- Reports arrive by the million: row-by-row foreign-key triggers on them cost more than the insert itself.
-- The importer only writes codes it has just read from the vocabulary tables, in the same transaction; these
-- triggers keep the other direction safe: a code or a batch still referenced cannot be deleted or renamed.
CREATE FUNCTION refuse_removing_used_code() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    used boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.code = OLD.code THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'categories' THEN
        used := EXISTS (SELECT 1 FROM reports WHERE category = OLD.code);
    ELSE
        used := EXISTS (SELECT 1 FROM reports WHERE status = OLD.code);
    END IF;
    IF used THEN
        RAISE EXCEPTION 'Le code « % » (%) est utilisé par des signalements : désactivez-le au lieu de le supprimer ou de le renommer.',
            OLD.code, TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER categories_in_use BEFORE DELETE OR UPDATE OF code ON categories
    FOR EACH ROW EXECUTE FUNCTION refuse_removing_used_code();
CREATE TRIGGER report_statuses_in_use BEFORE DELETE OR UPDATE OF code ON report_statuses
    FOR EACH ROW EXECUTE FUNCTION refuse_removing_used_code();

CREATE FUNCTION refuse_removing_used_batch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM reports WHERE batch_id = OLD.id) THEN
        RAISE EXCEPTION 'Le lot % a des signalements enregistrés : il ne peut pas être supprimé.', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END $$;

CREATE TRIGGER ingestion_batches_in_use BEFORE DELETE ON ingestion_batches
    FOR EACH ROW EXECUTE FUNCTION refuse_removing_used_batch();

CREATE FUNCTION refuse_removing_linked_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM reports WHERE duplicate_of = OLD.id) THEN
        RAISE EXCEPTION 'Le signalement % a des quasi-doublons liés : il ne peut pas être supprimé.', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END $$;

CREATE TRIGGER reports_linked BEFORE DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION refuse_removing_linked_report();
