-- name: clear
TRUNCATE road_edges, road_vertices;

-- name: record_load
INSERT INTO road_network_loads (
    file_name, file_sha256, file_format, layer, source_crs, ways_read, ways_kept, edges, vertices, length_km,
    length_km_in_zone, length_km_by_mode, components, largest_component_share, skipped, seconds)
VALUES (
    %(file_name)s, %(file_sha256)s, %(file_format)s, %(layer)s, %(source_crs)s, %(ways_read)s, %(ways_kept)s,
    %(edges)s, %(vertices)s, %(length_km)s, %(length_km_in_zone)s, %(length_km_by_mode)s, %(components)s,
    %(largest_component_share)s, %(skipped)s, %(seconds)s)
RETURNING id, loaded_at;

-- name: current_load
SELECT l.id, l.loaded_at, l.file_name, l.file_sha256, l.file_format, l.layer, l.source_crs, l.ways_read,
       l.ways_kept, l.edges, l.vertices, l.length_km, l.length_km_in_zone, l.length_km_by_mode, l.components,
       l.largest_component_share, l.skipped, l.seconds,
       (SELECT count(*) FROM road_edges) AS stored_edges
FROM road_network_loads l
ORDER BY l.id DESC
LIMIT 1;

-- name: mode_edges
-- The edges one travel mode may use ({mode_column} is a column name chosen in code, not a value), within a box
-- when one is given, with the id of the load they come from so that callers can keep a graph until the next load.
SELECT (SELECT max(id) FROM road_network_loads) AS load_id,
       e.id, e.source, e.target, e.length_m, e.oneway, e.oneway_bicycle, ST_AsBinary(e.geom) AS wkb
FROM road_edges e
WHERE {mode_column}
  AND (%(xmin)s::float8 IS NULL
       OR e.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 31370))
ORDER BY e.id;
