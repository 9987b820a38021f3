-- Like analysis_data_version: a counter that moves whenever reports are written, so that the map's report
-- aggregates are kept until the reports change rather than recomputed on a timer.
CREATE SEQUENCE report_data_version;

CREATE FUNCTION bump_report_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('report_data_version');
    RETURN NULL;
END;
$$;

CREATE TRIGGER reports_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON reports
    FOR EACH STATEMENT EXECUTE FUNCTION bump_report_data_version();
