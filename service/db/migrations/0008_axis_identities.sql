-- Problem axes keep their id (AX-0001) from one run to the next, with a lifecycle and a history, like the
-- sensitive points; an axis can come from significant segments, from a cluster stretched along the street, or
-- both. Sensitive points found per category carry that category (the others: 'toutes').
ALTER TABLE sensitive_points ADD COLUMN category_scope text NOT NULL DEFAULT 'toutes';
ALTER TABLE sensitive_point_history ADD COLUMN category_scope text NOT NULL DEFAULT 'toutes';
CREATE INDEX sensitive_points_scope ON sensitive_points (category_scope);

ALTER TABLE problem_axes
    ADD COLUMN state text NOT NULL DEFAULT 'nouveau'
        CHECK (state IN ('nouveau', 'actif', 'surveille', 'resolu', 'reouvert')),
    ADD COLUMN origin text NOT NULL DEFAULT 'troncons' CHECK (origin IN ('troncons', 'grappe', 'troncons+grappe')),
    ADD COLUMN cluster_reports integer NOT NULL DEFAULT 0,
    ADD COLUMN first_report timestamptz,
    ADD COLUMN last_report timestamptz,
    ADD COLUMN first_run_id bigint REFERENCES analysis_runs (id),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
UPDATE problem_axes SET first_run_id = run_id;
ALTER TABLE problem_axes ALTER COLUMN first_run_id SET NOT NULL;
COMMENT ON COLUMN problem_axes.run_id IS 'last run that found the axis or changed its state';

CREATE TABLE problem_axis_history (
    run_id     bigint NOT NULL REFERENCES analysis_runs (id),
    axis_id    text NOT NULL REFERENCES problem_axes (id),
    state      text NOT NULL,
    reports    integer,
    length_m   double precision,
    origin     text,
    geom       geometry(Geometry, 31370),
    PRIMARY KEY (run_id, axis_id)
);
