-- The postal sectors a problem axis runs through: the postcodes of its own street's official addresses along it
-- (same street and commune, within 60 m of its line: a house stands back from the road, a cross street's corner
-- address is another street), or, when the register has none there, the postcode of the address nearest a point
-- of its line. A street from Seraing-centre (4100) into Ougrée (4102) is in both; before, it was in the sector of
-- that one nearest point, and a place filter on the other sector (the map faded it there) missed it.
CREATE FUNCTION axis_postcodes(street text, municipality text, line geometry) RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        (SELECT array_agg(DISTINCT g.postcode ORDER BY g.postcode) FROM gazetteer_addresses g
         WHERE ST_DWithin(g.geom, line, 60) AND g.municipality = axis_postcodes.municipality
           AND lower(unaccent(g.street)) = lower(unaccent(axis_postcodes.street))),
        (SELECT ARRAY[g.postcode] FROM gazetteer_addresses g ORDER BY g.geom <-> ST_PointOnSurface(line) LIMIT 1))
$$;
COMMENT ON FUNCTION axis_postcodes(text, text, geometry) IS 'Les codes postaux que traverse un axe : ceux des adresses officielles de sa rue le long de sa ligne (60 m), sinon celui de l''adresse la plus proche de sa ligne.';
