-- The commune and postcode a row (a report, a visit) is in, as the address register names them: those of the nearest
-- official address within 250 m of its point. A row without a point, or placed where the register has no address
-- (another commune, no register loaded), keeps what it was written with; its commune is then the register's commune
-- of the locality typed (« JEMEPPE », « Plainevaux », « seraing » name a section or a commune, case and accents
-- aside), else the text as typed. A summary grouped by them counts Seraing once, not once per spelling.
-- official_place gives both from one index probe (≈ 30 µs a row); official_commune and official_postcode give one.
CREATE FUNCTION official_place(typed_commune text, typed_postcode text, at geometry)
RETURNS TABLE (commune text, postcode text)
LANGUAGE sql STABLE PARALLEL SAFE ROWS 1 AS $$
    SELECT coalesce(
               n.municipality,
               (SELECT l.municipality FROM gazetteer_localities l
                WHERE l.kind <> 'code_postal' AND lower(unaccent(l.name)) = lower(unaccent(btrim(typed_commune)))
                ORDER BY l.kind = 'commune' DESC, l.municipality
                LIMIT 1),
               nullif(btrim(typed_commune), '')),
           coalesce(n.postcode, nullif(btrim(typed_postcode), ''))
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
        SELECT g.municipality, g.postcode FROM gazetteer_addresses g
        WHERE at IS NOT NULL AND ST_DWithin(g.geom, at, 250)
        ORDER BY g.geom <-> at
        LIMIT 1
    ) n ON true
$$;
COMMENT ON FUNCTION official_place(text, text, geometry) IS 'La commune et le code postal du registre : ceux de l''adresse officielle la plus proche (250 m), sinon la commune de la localité tapée et le code tapé.';

CREATE FUNCTION official_commune(typed text, at geometry) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT p.commune FROM official_place(typed, NULL, at) AS p
$$;
COMMENT ON FUNCTION official_commune(text, geometry) IS 'La commune du registre (official_place).';

CREATE FUNCTION official_postcode(typed text, at geometry) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT p.postcode FROM official_place(NULL, typed, at) AS p
$$;
COMMENT ON FUNCTION official_postcode(text, geometry) IS 'Le code postal du registre (official_place).';
