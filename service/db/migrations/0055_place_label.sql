-- How a field sheet names a place a person typed, for rows given with coordinates (not geocoded): when an official
-- address within 150 m of the point has the street and number the text begins with, the register's spelling of it
-- (« RUE EMILE ROYER 6 » is « Rue Émile Royer 6, 4101 Seraing »); NULL otherwise, and the text is shown as typed.
-- Case, accents and punctuation do not make a difference; the nearest address is never put in place of another.
CREATE FUNCTION official_label(typed text, at geometry) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT g.street || ' ' || g.house_number || ', ' || g.postcode || ' ' || g.municipality
    FROM gazetteer_addresses g
    WHERE typed IS NOT NULL AND at IS NOT NULL AND ST_DWithin(g.geom, at, 150)
      AND regexp_replace(lower(unaccent(g.street || g.house_number)), '[^a-z0-9]', '', 'g')
        = regexp_replace(lower(unaccent(split_part(typed, ',', 1))), '[^a-z0-9]', '', 'g')
    ORDER BY g.geom <-> at
    LIMIT 1
$$;
COMMENT ON FUNCTION official_label(text, geometry) IS 'L''adresse du registre que le texte tapé désigne près du point (même rue et numéro, à moins de 150 m), ou NULL.';
