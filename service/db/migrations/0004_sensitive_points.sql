-- Sensitive points found by "hotspots analyse", with a stable id, a lifecycle and a history of snapshots.
CREATE TABLE analysis_runs (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    params       jsonb NOT NULL DEFAULT '{}',
    summary      jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE sensitive_points (
    id                   text PRIMARY KEY,
    state                text NOT NULL CHECK (state IN ('nouveau', 'actif', 'surveille', 'resolu', 'reouvert')),
    geom                 geometry(Polygon, 31370) NOT NULL,
    point                geometry(Point, 31370) NOT NULL,
    n_reports            integer NOT NULL,
    main_category        text,
    categories           jsonb NOT NULL DEFAULT '{}',
    first_report         timestamptz,
    last_report          timestamptz,
    recurrence_weeks     integer,
    trend                text,
    q_min                double precision,
    priority             double precision,
    priority_components  jsonb NOT NULL DEFAULT '{}',
    report_ids           bigint[] NOT NULL DEFAULT '{}',
    first_run_id         bigint NOT NULL REFERENCES analysis_runs (id),
    last_run_id          bigint NOT NULL REFERENCES analysis_runs (id),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sensitive_points_geom ON sensitive_points USING gist (geom);

CREATE TABLE sensitive_point_history (
    run_id      bigint NOT NULL REFERENCES analysis_runs (id),
    point_id    text NOT NULL REFERENCES sensitive_points (id),
    state       text NOT NULL,
    n_reports   integer,
    priority    double precision,
    trend       text,
    geom        geometry(Polygon, 31370),
    PRIMARY KEY (run_id, point_id)
);
