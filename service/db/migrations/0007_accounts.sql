-- Accounts, roles and sessions of the API and map pages; keys of the Open311 clients; visits on hotspots.
-- Passwords and tokens are never stored: only their Argon2 hash (passwords) or SHA-256 digest (random tokens).
CREATE TABLE users (
    id              bigserial PRIMARY KEY,
    login           text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
    full_name       text,
    role            text NOT NULL CHECK (role IN ('lecteur', 'planificateur', 'admin')),
    password_hash   text NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_login_at   timestamptz
);
COMMENT ON TABLE users IS 'Comptes : lecteur (consulter), planificateur (planifier, encoder les visites, exporter), admin (comptes, réglages, données personnelles).';

CREATE TABLE sessions (
    token_sha256    text PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    revoked         boolean NOT NULL DEFAULT false
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE open311_clients (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    key_sha256      text NOT NULL UNIQUE,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE open311_clients IS 'Applications citoyennes autorisées à envoyer des signalements (GeoReport v2, api_key).';

-- A visit can follow a report (report_id), a sensitive point or a problem axis.
ALTER TABLE visits ADD COLUMN point_id text;
ALTER TABLE visits ADD COLUMN axis_id text;
CREATE INDEX visits_point ON visits (point_id) WHERE point_id IS NOT NULL;
CREATE INDEX visits_axis ON visits (axis_id) WHERE axis_id IS NOT NULL;
