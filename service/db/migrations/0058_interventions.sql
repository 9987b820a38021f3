-- Interventions: what the service (or the commune, a partner) put in place at a site beyond a visit — a camera, a
-- sign, a clean-up, a change to the place, residents informed — and from which day (until which day, for a
-- camera moved elsewhere). The effect of an action (« L'action a-t-elle servi ? ») starts from the latest one at
-- a place, and the activity report lists those of its period. A sensitive point or axis is named by its stable
-- id and its outline kept as it was that day; an address by the circle around it. A mistaken entry is withdrawn,
-- not deleted: who did and when stays.
CREATE TABLE interventions (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL
        CHECK (kind IN ('camera', 'panneau', 'nettoyage', 'amenagement', 'information', 'autre')),
    site_id       text CHECK (site_id ~ '^(PS|AX)-[0-9A-Z]+$'),
    address       text,
    geom          geometry(Geometry, 31370) NOT NULL,
    started_at    timestamptz NOT NULL,
    ended_at      timestamptz,
    note          text,
    recorded_by   text NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    withdrawn_at  timestamptz,
    withdrawn_by  text,
    CHECK ((site_id IS NULL) <> (address IS NULL)),
    CHECK (ended_at IS NULL OR ended_at > started_at)
);
CREATE INDEX interventions_site ON interventions (site_id, started_at) WHERE withdrawn_at IS NULL;
CREATE INDEX interventions_geom ON interventions USING gist (geom);
CREATE INDEX interventions_started ON interventions (started_at) WHERE withdrawn_at IS NULL;
