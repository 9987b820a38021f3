-- Change notifications for the server processes (service/api/watch.py). PostgreSQL delivers a notification only
-- when its transaction commits: a process that counts them keeps ready-to-send bodies and checked sessions in
-- memory, and drops them as soon as the data behind them are readable in their new state.
--
-- One trigger function for every kind: its first argument is the kind (the payload), its optional second one a
-- sequence that still moves for readers without notifications (api/cache.py data_version). The number taken from
-- it makes each payload distinct, so that two changes of one kind in one transaction are not merged into one.
CREATE FUNCTION notify_data_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_NARGS > 1 THEN
        PERFORM pg_notify('hotspots_donnees', TG_ARGV[0] || ':' || nextval(TG_ARGV[1]::regclass));
    ELSE
        PERFORM pg_notify('hotspots_donnees', TG_ARGV[0]);
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER sensitive_points_version ON sensitive_points;
DROP TRIGGER problem_axes_version ON problem_axes;
DROP TRIGGER visits_version ON visits;
DROP TRIGGER reports_version ON reports;
DROP FUNCTION bump_analysis_data_version();
DROP FUNCTION bump_report_data_version();

CREATE TRIGGER sensitive_points_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sensitive_points
    FOR EACH STATEMENT EXECUTE FUNCTION notify_data_change('analyse', 'analysis_data_version');
CREATE TRIGGER problem_axes_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON problem_axes
    FOR EACH STATEMENT EXECUTE FUNCTION notify_data_change('analyse', 'analysis_data_version');
CREATE TRIGGER visits_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON visits
    FOR EACH STATEMENT EXECUTE FUNCTION notify_data_change('analyse', 'analysis_data_version');
CREATE TRIGGER reports_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON reports
    FOR EACH STATEMENT EXECUTE FUNCTION notify_data_change('signalements', 'report_data_version');

-- A revoked or purged session, or an account whose name, role, password or activity changes: every process forgets
-- the sessions it had checked (new sessions need no notice: an unknown token is always looked up). Row triggers:
-- the purge run at each login deletes nothing most of the time, and then says nothing.
CREATE TRIGGER sessions_changed AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION notify_data_change('comptes');
CREATE TRIGGER sessions_truncated AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_data_change('comptes');
CREATE TRIGGER users_changed AFTER UPDATE OF login, full_name, role, active, password_hash OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION notify_data_change('comptes');
CREATE TRIGGER users_truncated AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_data_change('comptes');
