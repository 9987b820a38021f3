-- Problem axes of the latest analysis run (replaced at each run; ids are per run for now).
CREATE TABLE problem_axes (
    id             text PRIMARY KEY,
    run_id         bigint NOT NULL REFERENCES analysis_runs (id),
    street         text NOT NULL,
    municipality   text,
    segments       integer NOT NULL,
    length_m       double precision NOT NULL,
    reports        integer NOT NULL,
    rate_per_100m  double precision NOT NULL,
    expected       double precision NOT NULL,
    ratio          double precision,
    q_max          double precision NOT NULL,
    geom           geometry(Geometry, 31370) NOT NULL
);
CREATE INDEX problem_axes_geom ON problem_axes USING gist (geom);
