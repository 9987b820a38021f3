-- Shift plans ("tournées"): the sites chosen for a shift, in visit order per team, with what was left out and
-- why. A visit imported from a plan's filled-in sheet points at its stop (visits.plan_stop_id): a stop with such
-- a visit is done; a stop without one is not, and its site stays a candidate for the next shift.
CREATE TABLE plans (
    id              bigserial PRIMARY KEY,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text NOT NULL,
    starts_at       timestamptz NOT NULL,
    budget_minutes  double precision NOT NULL CHECK (budget_minutes > 0),
    mode            text NOT NULL CHECK (mode IN ('voiture', 'velo', 'pied')),
    teams           smallint NOT NULL CHECK (teams BETWEEN 1 AND 20),
    start_label     text NOT NULL,
    start_geom      geometry(Point, 31370) NOT NULL,
    end_label       text NOT NULL,
    end_geom        geometry(Point, 31370) NOT NULL,
    filters         jsonb NOT NULL DEFAULT '{}',
    travel_source   text NOT NULL CHECK (travel_source IN ('reseau', 'vol_oiseau', 'mixte')),
    minutes         double precision NOT NULL,
    value           double precision NOT NULL,
    naive_value     double precision NOT NULL,
    summary         jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE plans IS 'Tournées planifiées : paramètres, bilan (valeur collectée, comparaison au plan naïf).';

CREATE TABLE plan_stops (
    id              bigserial PRIMARY KEY,
    plan_id         bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    ref             text NOT NULL UNIQUE,
    team            smallint NOT NULL,
    ord             smallint NOT NULL,
    site_kind       text NOT NULL,
    site_id         text NOT NULL,
    label           text,
    category        text,
    state           text,
    arrival         timestamptz NOT NULL,
    departure       timestamptz NOT NULL,
    travel_minutes  double precision NOT NULL,
    service_minutes double precision NOT NULL,
    value           double precision NOT NULL,
    why             jsonb NOT NULL DEFAULT '{}',
    last_visit      timestamptz,
    last_outcome    text,
    geom            geometry(Point, 31370) NOT NULL,
    exit_geom       geometry(Point, 31370) NOT NULL,
    line            geometry(LineString, 31370),
    UNIQUE (plan_id, team, ord)
);
COMMENT ON COLUMN plan_stops.ref IS 'Référence imprimée sur la feuille et reprise à l''import des résultats (T12-E1-03).';
COMMENT ON COLUMN plan_stops.geom IS 'Où arriver (pour un axe : l''extrémité par laquelle on entre).';
COMMENT ON COLUMN plan_stops.line IS 'Un axe : la rue parcourue, de geom à exit_geom.';
CREATE INDEX plan_stops_site ON plan_stops (site_kind, site_id);

CREATE TABLE plan_dropped (
    plan_id   bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    site_kind text NOT NULL,
    site_id   text NOT NULL,
    label     text,
    value     double precision,
    reason    text NOT NULL,
    PRIMARY KEY (plan_id, site_kind, site_id)
);

CREATE TABLE plan_routes (
    plan_id   bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    team      smallint NOT NULL,
    geom      geometry(LineString, 31370),
    PRIMARY KEY (plan_id, team)
);

ALTER TABLE visits DROP CONSTRAINT visits_geocode_status_check;
ALTER TABLE visits ADD CONSTRAINT visits_geocode_status_check CHECK (geocode_status IN
    ('fourni', 'a_geocoder', 'geocode', 'a_verifier', 'echec', 'manuel', 'signalement', 'tournee'));
ALTER TABLE visits ADD COLUMN plan_stop_id bigint REFERENCES plan_stops (id) ON DELETE SET NULL;
CREATE INDEX visits_plan_stop ON visits (plan_stop_id) WHERE plan_stop_id IS NOT NULL;
