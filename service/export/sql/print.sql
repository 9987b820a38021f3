-- Background of printed maps (job sheets): streets and addresses within the extent of the map, in Lambert 72.

-- name: road_table
-- The geometry column and SRID of the loaded road network, when one is loaded (table road_edges, made by
-- « hotspots network load »); no row otherwise.
SELECT f_geometry_column AS column_name, srid
FROM geometry_columns
WHERE to_regclass('public.road_edges') IS NOT NULL
  AND f_table_schema = 'public' AND f_table_name = 'road_edges'
LIMIT 1;

-- name: addresses_in_box
-- Official addresses within the box (one approximate centre line per street is drawn through them).
SELECT street, municipality, ST_X(geom) AS x, ST_Y(geom) AS y
FROM gazetteer_addresses
WHERE geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 31370);

-- name: has_addresses
-- Whether an address register is loaded at all (without one, the ICAR extract of geodata/ is drawn).
SELECT EXISTS (SELECT 1 FROM gazetteer_addresses);
