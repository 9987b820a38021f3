-- The road network used for travel times between the sites of a patrol (service/plan/network.py): OpenStreetMap
-- ways noded into a graph (split where ways share a node). One network at a time: a new load replaces the edges
-- and vertices in one transaction; road_network_loads keeps the summary of every load (the last one is current).
CREATE TABLE road_network_loads (
    id                       bigserial PRIMARY KEY,
    loaded_at                timestamptz NOT NULL DEFAULT now(),
    file_name                text NOT NULL,
    file_sha256              text NOT NULL,
    file_format              text NOT NULL,
    layer                    text,
    source_crs               text NOT NULL,
    ways_read                integer NOT NULL CHECK (ways_read >= 0),
    ways_kept                integer NOT NULL CHECK (ways_kept >= 0 AND ways_kept <= ways_read),
    edges                    integer NOT NULL CHECK (edges > 0),
    vertices                 integer NOT NULL CHECK (vertices > 0),
    length_km                double precision NOT NULL,
    length_km_in_zone        double precision NOT NULL,
    length_km_by_mode        jsonb NOT NULL,
    components               integer NOT NULL CHECK (components > 0),
    largest_component_share  double precision NOT NULL CHECK (largest_component_share BETWEEN 0 AND 1),
    skipped                  jsonb NOT NULL DEFAULT '{}'::jsonb,
    seconds                  double precision NOT NULL
);
COMMENT ON TABLE road_network_loads IS 'Chargements du réseau routier (bilan) ; le dernier est le réseau en place.';

CREATE TABLE road_vertices (
    id          integer PRIMARY KEY,
    component   integer NOT NULL,
    geom        geometry(Point, 31370) NOT NULL
);
COMMENT ON TABLE road_vertices IS 'Nœuds du réseau routier : carrefours et extrémités de voies (Lambert 72).';
COMMENT ON COLUMN road_vertices.component IS 'Composante connexe (0 = la plus longue).';

CREATE TABLE road_edges (
    id              integer PRIMARY KEY,
    source          integer NOT NULL REFERENCES road_vertices (id),
    target          integer NOT NULL REFERENCES road_vertices (id),
    length_m        double precision NOT NULL CHECK (length_m >= 0),
    name            text,
    highway         text,
    oneway          smallint NOT NULL DEFAULT 0 CHECK (oneway IN (-1, 0, 1)),
    oneway_bicycle  smallint NOT NULL DEFAULT 0 CHECK (oneway_bicycle IN (-1, 0, 1)),
    car             boolean NOT NULL,
    bicycle         boolean NOT NULL,
    foot            boolean NOT NULL,
    way_id          bigint,
    geom            geometry(LineString, 31370) NOT NULL
);
CREATE INDEX road_edges_geom ON road_edges USING gist (geom);
CREATE INDEX road_edges_source ON road_edges (source);
CREATE INDEX road_edges_target ON road_edges (target);
COMMENT ON TABLE road_edges IS 'Tronçons du réseau routier entre deux nœuds (Lambert 72), avec les modes qui peuvent les emprunter.';
COMMENT ON COLUMN road_edges.oneway IS 'Sens unique pour les voitures : 1 dans le sens du tracé, -1 à contresens, 0 les deux sens.';
COMMENT ON COLUMN road_edges.oneway_bicycle IS 'Sens unique pour les vélos (sens unique limité : 0).';
COMMENT ON COLUMN road_edges.way_id IS 'Identifiant de la voie dans le fichier (identifiant OSM pour un .osm.pbf).';
