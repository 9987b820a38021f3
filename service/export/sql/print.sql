-- Background of printed maps (job sheets): the loaded road network within the extent of the map, in Lambert 72.

-- name: road_table
-- The geometry column and SRID of the loaded road network, when one is loaded (table road_edges, made by
-- « hotspots network load »), and whether it names its streets (a table made otherwise may not); no row otherwise.
SELECT f_geometry_column AS column_name, srid,
       EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = 'public' AND table_name = 'road_edges' AND column_name = 'name') AS named
FROM geometry_columns
WHERE to_regclass('public.road_edges') IS NOT NULL
  AND f_table_schema = 'public' AND f_table_name = 'road_edges'
LIMIT 1;
