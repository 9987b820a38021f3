-- Whether a place of the map (a forecast cell's centre) is in one of the places a filter names: the commune and
-- postcode of the official address nearest it, whatever the distance (a cell in a wood is still in its commune),
-- as the sensitive points are placed (service/api/sql/read.sql). The map fades the forecast cells of other places.
CREATE FUNCTION nearest_in_places(at geometry, places text[], postcodes text[]) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT place_matches(g.municipality, g.postcode, places, postcodes)
                     FROM gazetteer_addresses g ORDER BY g.geom <-> at LIMIT 1), false)
$$;
COMMENT ON FUNCTION nearest_in_places(geometry, text[], text[]) IS 'Vrai si l''adresse officielle la plus proche du point (à toute distance) est dans l''un des lieux nommés.';
