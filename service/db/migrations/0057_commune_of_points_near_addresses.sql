-- Rows given by their coordinates (a citizen app's GPS fix) or placed by hand took, before migration 0057, the
-- commune of the shipped outline containing their point; those outlines are coarse and put most of Jemeppe
-- (Seraing) in Grâce-Hollogne, Liège or Flémalle. Since then such a point takes the commune of the nearest official
-- address within 100 m (service/geocode/communes.py). The rows imported before it are put right the same way, but
-- only where the commune they have is none of the register's (or none at all): a commune of the register, given or
-- found, stays as it is; a point farther than 100 m from every address keeps what it has.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['reports', 'visits', 'permits'] LOOP
        EXECUTE format($sql$
            UPDATE %I r SET commune = (
                SELECT a.municipality FROM gazetteer_addresses a
                WHERE ST_DWithin(a.geom, r.geom, 100) ORDER BY a.geom <-> r.geom LIMIT 1)
            WHERE r.geocode_status IN ('fourni', 'manuel') AND r.geom IS NOT NULL
              AND (r.commune IS NULL OR r.commune NOT IN (SELECT DISTINCT municipality FROM gazetteer_addresses))
              AND EXISTS (SELECT 1 FROM gazetteer_addresses a WHERE ST_DWithin(a.geom, r.geom, 100))
        $sql$, t);
    END LOOP;
END
$$;
