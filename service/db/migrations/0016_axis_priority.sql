-- Problem axes get a priority on the same scale as the sensitive points (gravity × forecast × outcome of the last
-- visit, service/analyse/axis_priority.py): the planner ranks points and axes against each other with it.
ALTER TABLE problem_axes
    ADD COLUMN priority double precision,
    ADD COLUMN priority_components jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN forecast_reports double precision;
ALTER TABLE problem_axis_history ADD COLUMN priority double precision;
