-- A counter that moves whenever what the analysis lists show can change (sensitive points, problem axes, visits),
-- so that the API can keep those lists ready to send until the next analysis run or recorded visit. A sequence
-- never blocks a writer and costs nothing to read.
CREATE SEQUENCE analysis_data_version;

CREATE FUNCTION bump_analysis_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('analysis_data_version');
    RETURN NULL;
END;
$$;

CREATE TRIGGER sensitive_points_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sensitive_points
    FOR EACH STATEMENT EXECUTE FUNCTION bump_analysis_data_version();
CREATE TRIGGER problem_axes_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON problem_axes
    FOR EACH STATEMENT EXECUTE FUNCTION bump_analysis_data_version();
CREATE TRIGGER visits_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON visits
    FOR EACH STATEMENT EXECUTE FUNCTION bump_analysis_data_version();
