-- The shape a report was drawn as in a GIS file or a GeoJSON (a building's footprint, a fouled stretch of pavement),
-- kept as text with the report (extra « géométrie d'origine (WKT) », in the coordinates of its file, whose system is
-- the report's input_crs; service/ingest/shapes.py): as a geometry in Lambert 72, for the map and the API to draw it.
-- None without a kept shape, or when it cannot be read in that system (a text written by hand, an unknown code).
CREATE FUNCTION drawn_shape(extra jsonb, input_crs text) RETURNS geometry
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    srid integer := substring(input_crs FROM '^[Ee][Pp][Ss][Gg]:([0-9]+)$')::integer;
BEGIN
    IF extra IS NULL OR NOT extra ? 'géométrie d''origine (WKT)' OR srid IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN ST_Transform(ST_GeomFromText(extra ->> 'géométrie d''origine (WKT)', srid), 31370);
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION drawn_shape(jsonb, text) IS 'La forme dessinée d''un signalement (bâtiment, tronçon), en Lambert 72 ; vide sans forme gardée ou illisible.';
