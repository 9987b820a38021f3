-- The commune and postcode a row (a report, a visit) is in, as the address register names them: those of the nearest
-- official address within 250 m of its point. A row without a point, or placed where the register has no address
-- (another commune, no register loaded), keeps what it was written with; its commune is then the register's commune
-- of the locality typed (« JEMEPPE », « Plainevaux », « seraing » name a section or a commune, case and accents
-- aside), else the text as typed. A summary grouped by them counts Seraing once, not once per spelling.
CREATE FUNCTION nearest_official_address(at geometry, within double precision) RETURNS SETOF gazetteer_addresses
LANGUAGE sql STABLE PARALLEL SAFE ROWS 1 AS $$
    SELECT g.* FROM gazetteer_addresses g
    WHERE at IS NOT NULL AND ST_DWithin(g.geom, at, within)
    ORDER BY g.geom <-> at
    LIMIT 1
$$;
COMMENT ON FUNCTION nearest_official_address(geometry, double precision) IS 'L''adresse officielle la plus proche du point, à moins de « within » mètres (aucune sinon).';

CREATE FUNCTION official_commune(typed text, at geometry) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        (SELECT n.municipality FROM nearest_official_address(at, 250) n),
        (SELECT l.municipality FROM gazetteer_localities l
         WHERE l.kind <> 'code_postal' AND lower(unaccent(l.name)) = lower(unaccent(btrim(typed)))
         ORDER BY l.kind = 'commune' DESC, l.municipality
         LIMIT 1),
        nullif(btrim(typed), ''))
$$;
COMMENT ON FUNCTION official_commune(text, geometry) IS 'La commune du registre : celle de l''adresse officielle la plus proche (250 m), sinon celle de la localité tapée, sinon le texte tapé.';

CREATE FUNCTION official_postcode(typed text, at geometry) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT n.postcode FROM nearest_official_address(at, 250) n), nullif(btrim(typed), ''))
$$;
COMMENT ON FUNCTION official_postcode(text, geometry) IS 'Le code postal de l''adresse officielle la plus proche (250 m), sinon le code tapé.';
