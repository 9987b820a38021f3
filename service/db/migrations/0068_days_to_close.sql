-- The days from a report to its closing, as the register export and the activity report count them. A closing
-- date written as the day alone (« 12/06/2025 ») is stored at that day's midnight (service time zone, the
-- session's): counted from there, a report of 06/06 at 08:45 would read 5,6 days, when the register means « closed
-- on the 12th », six days later. Such a date (midnight exactly) counts in whole days, from the report's day to the
-- closing day; a closing date with its hour counts to the hour. A day alone on the report's own day was already
-- stored at the report's hour (ingest): zero days.
CREATE FUNCTION days_to_close(observed timestamptz, closed timestamptz) RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN closed::time = time '00:00' THEN (closed::date - observed::date)::float8
                ELSE extract(epoch FROM closed - observed) / 86400.0 END
$$;
COMMENT ON FUNCTION days_to_close(timestamptz, timestamptz) IS 'Jours du signalement à sa clôture : en jours entiers quand la clôture est donnée par le jour seul (minuit), sinon à l''heure près.';
