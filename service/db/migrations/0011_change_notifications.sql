-- Change notifications for the server processes (service/api/watch.py). PostgreSQL delivers a notification only
-- when its transaction commits: a process that counts them keeps ready-to-send bodies and checked sessions in
-- memory, and drops them as soon as the data behind them are readable in their new state. The payload carries
-- the kind and a sequence number, so that two changes of one kind in one transaction are both delivered.
CREATE OR REPLACE FUNCTION bump_analysis_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hotspots_donnees', 'analyse:' || nextval('analysis_data_version'));
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION bump_report_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hotspots_donnees', 'signalements:' || nextval('report_data_version'));
    RETURN NULL;
END;
$$;

-- A revoked or purged session, or an account whose name, role, password or activity changes: every process forgets
-- the sessions it had checked (new sessions need no notice: an unknown token is always looked up).
CREATE FUNCTION notify_accounts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hotspots_donnees', 'comptes');
    RETURN NULL;
END;
$$;

-- Row triggers: the purge run at each login deletes nothing most of the time, and then says nothing.
CREATE TRIGGER sessions_changed AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION notify_accounts_changed();
CREATE TRIGGER sessions_truncated AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_accounts_changed();
CREATE TRIGGER users_changed AFTER UPDATE OF login, full_name, role, active, password_hash OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION notify_accounts_changed();
CREATE TRIGGER users_truncated AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_accounts_changed();
