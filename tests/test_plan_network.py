"""The road network of the patrol travel times: loading (any format, any CRS, tags per mode), noding, travel
matrix on the network with its straight-line fallback, bad files refused with nothing changed, the CLI.

Small networks are written by the tests themselves (GeoPackage with pyogrio, .osm.pbf with osmium) around a point
of Seraing, so each expected distance can be worked out by hand from the drawing below (metres, y up):

        NW (0,100) ──────────── Autoroute (motorway, one way →) ──────────── NE (400,100)
        │ Bretelle ouest                                          Bretelle est │
        W (0,0) ── Rue Haute (one way →) ── M (200,0) ── Rue Haute ── (300,0) ── E (400,0)
        │                                     │ Sentier (footway)                        │
        (0,-200) ─────────── Rue Basse ───── S (200,-200) ───────── Rue Basse ──── (400,-200)

with a bridge « Pont » (100,60)→(100,-60) over Rue Haute (no common vertex), a « Tunnel » (300,50)→(300,-50)
under it (a common vertex at (300,0), but tagged tunnel: another layer), a railway (no highway tag), a road under
construction, and, 1.5 km east, an isolated « Impasse isolée » (1500,0)→(1700,0)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import pytest
import shapely
from pyproj import Transformer

from service.errors import InputFileError, InvalidValueError
from service.plan import network as network_module
from service.plan.network import load_network, network_status
from service.plan.travel import RoadNetwork, places_box, travel_matrix
from service.settings import Settings
from tests.conftest import ROOT
from tests.helpers import cli_env, count

LIEGE = ROOT / "geodata" / "osm_streets_liege.geojson"
X0, Y0 = 232_000.0, 145_000.0  # Seraing, Lambert 72

#: The drawing of the module docstring: name, highway, oneway, extra tags, coordinates (offsets in metres).
WAYS: list[tuple[str, str | None, str | None, dict[str, str], list[tuple[float, float]]]] = [
    ("Rue Haute", "residential", "yes", {}, [(0, 0), (200, 0), (300, 0), (400, 0)]),
    ("Rue Basse", "residential", None, {}, [(400, 0), (400, -200), (200, -200), (0, -200), (0, 0)]),
    ("Sentier", "footway", None, {}, [(200, 0), (200, -200)]),
    ("Autoroute", "motorway", None, {}, [(0, 100), (400, 100)]),
    ("Bretelle ouest", "motorway_link", None, {}, [(0, 0), (0, 100)]),
    ("Bretelle est", "motorway_link", None, {}, [(400, 100), (400, 0)]),
    ("Pont", "residential", None, {"bridge": "yes", "layer": "1"}, [(100, 60), (100, -60)]),
    ("Tunnel", "residential", None, {"tunnel": "yes"}, [(300, 50), (300, 0), (300, -50)]),
    ("Impasse isolée", "residential", None, {}, [(1500, 0), (1700, 0)]),
    ("Voie ferrée", None, None, {"railway": "rail"}, [(-50, 300), (450, 300)]),
    ("Chantier", "construction", None, {}, [(0, -400), (400, -400)]),
]
#: Places (offsets): A and B beside Rue Haute, C beside S, D beside the motorway, P beside the bridge (55 m from
#: Rue Haute), I1/I2 on the isolated dead end, F 400 m from any street.
PLACES = {
    "A": (50, 5),
    "B": (350, 5),
    "C": (200, -205),
    "D": (200, 104),
    "P": (103, 40),
    "I1": (1550, 5),
    "I2": (1650, 5),
    "F": (200, -600),
}


def _xy(*names: str) -> np.ndarray:
    return np.array([(X0 + PLACES[n][0], Y0 + PLACES[n][1]) for n in names])


@pytest.fixture(scope="module", autouse=True)
def _no_network_left(settings: Settings) -> Any:
    """Other test modules expect no road network: remove the one these tests leave."""
    yield
    from service.db import connect

    with connect(settings) as c:
        c.execute("TRUNCATE road_edges, road_vertices, road_network_loads RESTART IDENTITY")
        c.commit()


@pytest.fixture()
def gpkg(tmp_path: Path) -> Path:
    """The drawing as a GeoPackage in Lambert 2008 (EPSG:3812), tags as columns."""
    rows = [
        {
            "name": name,
            "highway": highway,
            "oneway": oneway,
            "bridge": extra.get("bridge"),
            "tunnel": extra.get("tunnel"),
            "geometry": shapely.LineString([(X0 + x, Y0 + y) for x, y in coords]),
        }
        for name, highway, oneway, extra, coords in WAYS
    ]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:31370").to_crs("EPSG:3812")
    path = tmp_path / "reseau.gpkg"
    frame.to_file(path, layer="voies", engine="pyogrio")
    return path


def _load(conn: psycopg.Connection[Any], path: Path, settings: Settings) -> Any:
    return load_network(conn, path, settings=settings)


def _matrix(conn: psycopg.Connection[Any], settings: Settings, mode: str, *names: str) -> Any:
    network = RoadNetwork.from_db(conn, mode)
    assert network is not None
    return travel_matrix(_xy(*names), mode=mode, settings=settings, network=network)


# -- loading ---------------------------------------------------------------------------------------------------


def test_liege_file_loads_as_a_noded_graph(conn, settings):
    result = _load(conn, LIEGE, settings)
    lines = gpd.read_file(LIEGE).to_crs("EPSG:31370")
    assert result.ways_read == result.ways_kept == len(lines) == 5684
    assert result.skipped == {}
    assert result.source_crs == "EPSG:4326" and result.file_format == "GeoJSON"
    # noding cuts ways at junctions without losing or adding length
    assert result.length_km == pytest.approx(lines.length.sum() / 1000, abs=0.01)
    assert result.edges > result.ways_kept
    assert count(conn, "road_edges") == result.edges and count(conn, "road_vertices") == result.vertices
    assert result.length_km_by_mode == {"voiture": result.length_km, "velo": result.length_km, "pied": result.length_km}
    # every edge runs from its source vertex to its target vertex, in Lambert 72, and its length is its geometry's
    bad = conn.execute(
        """SELECT count(*) FROM road_edges e
           JOIN road_vertices s ON s.id = e.source JOIN road_vertices t ON t.id = e.target
           WHERE ST_Distance(ST_StartPoint(e.geom), s.geom) > 0.001 OR ST_Distance(ST_EndPoint(e.geom), t.geom) > 0.001
              OR abs(ST_Length(e.geom) - e.length_m) > 0.01 OR ST_SRID(e.geom) <> 31370"""
    ).fetchone()[0]
    assert bad == 0
    # an edge never joins two components; components are numbered by length and the summary matches the table
    assert (
        conn.execute(
            """SELECT count(*) FROM road_edges e JOIN road_vertices s ON s.id = e.source
               JOIN road_vertices t ON t.id = e.target WHERE s.component <> t.component"""
        ).fetchone()[0]
        == 0
    )
    by_component = conn.execute(
        """SELECT v.component, sum(e.length_m) FROM road_edges e JOIN road_vertices v ON v.id = e.source
           GROUP BY v.component ORDER BY v.component"""
    ).fetchall()
    assert len(by_component) == result.components > 1  # only named ways: some pieces do not meet
    lengths = [float(length) for _, length in by_component]
    assert lengths[0] == max(lengths)
    assert result.largest_component_share == pytest.approx(lengths[0] / sum(lengths), abs=1e-4)
    assert 0.9 < result.largest_component_share < 1
    # the file reaches the police zone (Ougrée, Sclessin side) and nothing warns about it
    assert 10 < result.length_km_in_zone < result.length_km
    assert result.remarks() == []
    status = network_status(conn)
    assert status is not None and status.load_id == result.load_id and status.edges == result.edges


def test_geopackage_in_lambert_2008_is_noded_at_shared_vertices_only(conn, settings, gpkg):
    result = _load(conn, gpkg, settings)
    assert result.source_crs == "EPSG:3812" and result.layer == "voies"
    assert (result.ways_read, result.ways_kept) == (11, 9)
    assert result.skipped == {
        "pas une voie (sans étiquette highway)": 1,
        "voie non praticable (highway=construction, proposed, platform…)": 1,
    }
    # Rue Haute and Rue Basse are cut at M and S (shared with the footpath); the bridge crosses Rue Haute
    # without a common vertex, the tunnel passes under it through a common vertex but on another layer: both stay
    # apart, like the isolated dead end
    assert result.edges == 11 and result.vertices == 12 and result.components == 4
    assert result.length_km == pytest.approx(2.42, abs=0.001)
    assert result.length_km_by_mode == pytest.approx({"voiture": 2.22, "velo": 1.82, "pied": 1.82}, abs=0.001)
    rows = conn.execute(
        "SELECT name, highway, oneway, car, bicycle, foot, round(length_m) FROM road_edges ORDER BY name, length_m"
    ).fetchall()
    assert ("Rue Haute", "residential", 1, True, True, True, 200) in rows
    assert ("Sentier", "footway", 0, False, True, True, 200) in rows
    assert ("Autoroute", "motorway", 1, True, False, False, 400) in rows  # one way implied on a motorway
    assert [r[0] for r in rows].count("Rue Haute") == 2
    assert [r[0] for r in rows].count("Pont") == 1 and [r[0] for r in rows].count("Tunnel") == 1
    for crossing in (100, 300):
        near = conn.execute(
            "SELECT count(*) FROM road_vertices WHERE ST_DWithin(geom, ST_SetSRID(ST_Point(%s, %s), 31370), 1)",
            (X0 + crossing, Y0),
        ).fetchone()[0]
        assert near == 0, crossing


def test_modes_honour_highway_and_oneway(conn, settings, gpkg):
    _load(conn, gpkg, settings)
    car = _matrix(conn, settings, "voiture", "A", "B", "C", "D")
    foot = _matrix(conn, settings, "pied", "A", "B", "C", "D")
    bike = _matrix(conn, settings, "velo", "A", "B", "C", "D")
    assert car.source == foot.source == bike.source == "reseau"
    # A → B along the one-way street: 300 m plus two access legs of 5 m
    assert car.metres[0, 1] == pytest.approx(310, abs=0.5)
    # B → A: a car goes round by Rue Basse (the motorway runs the other way), a pedestrian walks back
    assert car.metres[1, 0] == pytest.approx(910, abs=0.5)
    assert foot.metres[1, 0] == pytest.approx(310, abs=0.5)
    assert bike.metres[1, 0] == pytest.approx(910, abs=0.5)  # cyclists respect this one way (no oneway:bicycle=no)
    # A → C: the footpath is a short cut on foot and by bicycle, not by car
    assert foot.metres[0, 2] == pytest.approx(360, abs=0.5)
    assert bike.metres[0, 2] == pytest.approx(360, abs=0.5)
    assert car.metres[0, 2] == pytest.approx(760, abs=0.5)
    # D is beside the motorway: a car reaches it there, a pedestrian from Rue Haute, 104 m away
    assert car.snap_m[3] == pytest.approx(4, abs=0.01)
    assert foot.snap_m[3] == pytest.approx(104, abs=0.01)
    # minutes are metres at the mode's speed
    assert car.minutes[1, 0] == pytest.approx(910 / (settings.plan_speed_car_kmh * 1000 / 60))
    assert foot.minutes[1, 0] == pytest.approx(310 / (settings.plan_speed_foot_kmh * 1000 / 60))
    assert np.all(np.diag(car.minutes) == 0)


def test_leg_geometry_follows_the_streets(conn, settings, gpkg):
    _load(conn, gpkg, settings)
    car = _matrix(conn, settings, "voiture", "A", "B")
    leg = car.leg_geometry(1, 0)
    a, b = _xy("A", "B")
    assert leg.length == pytest.approx(car.metres[1, 0], abs=0.01)
    assert shapely.Point(leg.coords[0]).distance(shapely.Point(b)) < 1e-6
    assert shapely.Point(leg.coords[-1]).distance(shapely.Point(a)) < 1e-6
    # round by the corners of Rue Basse
    for corner in ((400, -200), (0, -200)):
        assert leg.distance(shapely.Point(X0 + corner[0], Y0 + corner[1])) < 0.01
    # between the access legs, every vertex lies on a stored edge
    edges = shapely.union_all(RoadNetwork.from_db(conn, "voiture").geoms)
    inner = shapely.points(np.asarray(leg.coords)[1:-1])
    assert float(shapely.distance(edges, inner).max()) < 0.01
    # a straight leg for a place off the network
    far = travel_matrix(_xy("A", "F"), mode="voiture", settings=settings, network=RoadNetwork.from_db(conn, "voiture"))
    assert list(far.leg_geometry(0, 1).coords) == [tuple(p) for p in _xy("A", "F")]


def test_osm_pbf_uses_node_ids_and_tags(conn, settings, tmp_path):
    import osmium
    from osmium.osm.mutable import Node, Way

    to_wgs84 = Transformer.from_crs("EPSG:31370", "EPSG:4326", always_xy=True)
    path = tmp_path / "extrait.osm.pbf"
    node_ids: dict[tuple[float, float], int] = {}
    nodes: list[tuple[int, tuple[float, float]]] = []

    def node(x: float, y: float, *, fresh: bool = False) -> int:
        if fresh or (x, y) not in node_ids:
            ident = len(nodes) + 1
            nodes.append((ident, to_wgs84.transform(X0 + x, Y0 + y)))
            if not fresh:
                node_ids[(x, y)] = ident
            return ident
        return node_ids[(x, y)]

    ways = []
    for way_id, (name, highway, oneway, extra, coords) in enumerate(WAYS, start=100):
        if name == "Rue Haute":
            coords = [(0, 0), (100, 0), (200, 0), (300, 0), (400, 0)]  # a node where the bridge passes over
        tags = {"name": name, **extra}
        if highway:
            tags["highway"] = highway
        if oneway:
            tags["oneway"] = oneway
        if name == "Rue Haute":
            tags["oneway:bicycle"] = "no"  # « sens unique limité »: cyclists may ride both ways
        # the bridge and the tunnel have their own node at the very place they pass over or under Rue Haute
        refs = [node(x, y, fresh=name in {"Pont", "Tunnel"} and y == 0) for x, y in coords]
        if name == "Pont":
            refs = [node(100, 60), node(100, 0, fresh=True), node(100, -60)]
        ways.append(Way(id=way_id, nodes=refs, tags=tags))
    ways.append(Way(id=200, nodes=[node(200, -200), node(200, -300)], tags={"highway": "service", "access": "private"}))
    ways.append(
        Way(id=201, nodes=[node(0, -200), node(-100, -200)], tags={"highway": "residential", "motor_vehicle": "no"})
    )
    ways.append(
        Way(id=202, nodes=[node(400, -200), 99_999], tags={"highway": "residential"})
    )  # node cut by the extract
    writer = osmium.SimpleWriter(str(path))
    for ident, location in nodes:
        writer.add_node(Node(id=ident, location=location))
    for way in ways:
        writer.add_way(way)
    writer.close()

    result = _load(conn, path, settings)
    assert result.file_format == "osm" and result.source_crs == "EPSG:4326"
    assert result.ways_read == 13  # the ways tagged highway (the railway has none)
    assert result.skipped == {
        "voie non praticable (highway=construction, proposed, platform…)": 1,
        "interdite à tous les modes (access=no, private…)": 1,
        "nœuds absents du fichier (voie coupée par l'extrait)": 1,
    }
    assert result.ways_kept == 10
    # same drawing as the GeoPackage: the bridge's and the tunnel's own nodes do not join them to Rue Haute
    assert result.components == 4
    assert conn.execute("SELECT way_id FROM road_edges WHERE name = 'Pont'").fetchone()[0] == 106
    assert conn.execute("SELECT car, bicycle, foot FROM road_edges WHERE way_id = 201").fetchone() == (
        False,
        True,
        True,
    )
    car = _matrix(conn, settings, "voiture", "A", "B")
    bike = _matrix(conn, settings, "velo", "A", "B")
    assert car.metres[1, 0] == pytest.approx(910, abs=0.5)
    assert bike.metres[1, 0] == pytest.approx(310, abs=0.5)


# -- travel matrix: fallbacks -----------------------------------------------------------------------------------


def test_places_off_the_network_fall_back_to_the_straight_line(conn, settings, gpkg):
    _load(conn, gpkg, settings)
    m = _matrix(conn, settings, "voiture", "A", "B", "F")
    straight = np.hypot(*(_xy("F")[0] - _xy("A")[0]))
    assert list(m.on_network) == [True, True, False] and m.off_network_count == 1
    assert m.snap_m[2] == pytest.approx(400, abs=0.01)
    assert m.metres[0, 2] == pytest.approx(straight * settings.plan_detour_factor)
    assert m.metres[2, 0] == pytest.approx(straight * settings.plan_detour_factor)
    assert not m.via_network[0, 2] and not m.via_network[2, 1] and m.via_network[0, 1]
    assert m.source == "mixte"
    assert "1 lieu à plus de 250 m d'une voie est relié en distance à vol d'oiseau × 1,3" in m.note
    # the snap limit is a setting
    wide = settings.model_copy(update={"plan_snap_max_m": 450.0})
    assert (
        travel_matrix(_xy("A", "F"), mode="voiture", settings=wide, network=RoadNetwork.from_db(conn, "voiture")).source
        == "reseau"
    )


def test_a_box_reads_only_the_streets_around_the_places(conn, settings, gpkg):
    _load(conn, gpkg, settings)
    dead_end = RoadNetwork.from_db(conn, "voiture", bbox=(X0 + 1400, Y0 - 100, X0 + 1800, Y0 + 100))
    assert dead_end is not None and len(dead_end.edge_id) == 1 and dead_end.n_vertices == 2
    whole = RoadNetwork.from_db(conn, "voiture")
    box = places_box(_xy("A", "B"))
    assert box[0] == pytest.approx(X0 + 50 - 2000 - 0.25 * 300) and box[3] == pytest.approx(Y0 + 5 + 2000 + 75)
    near = RoadNetwork.from_db(conn, "voiture", bbox=box)
    assert set(near.edge_id) == set(whole.edge_id)  # every street of the drawing is within 2 km
    a = travel_matrix(_xy("A", "B"), mode="voiture", settings=settings, network=near)
    assert a.metres[1, 0] == pytest.approx(910, abs=0.5)
    # 5 km west, no street: nothing is read, and a whole network is cut to nothing around such places
    west = np.array([(X0 - 5000, Y0), (X0 - 4900, Y0)])
    assert RoadNetwork.from_db(conn, "voiture", bbox=places_box(west)) is None
    assert len(whole.around(west).edge_id) == 0
    m = travel_matrix(west, mode="voiture", settings=settings, network=whole)
    assert m.off_network_count == 2 and m.source == "vol_oiseau" and m.network_loaded
    assert m.metres[0, 1] == pytest.approx(100 * settings.plan_detour_factor)
    assert "2 lieux à plus de 250 m d'une voie sont reliés" in m.note


def test_without_network_everything_is_straight_line(conn, settings):
    m = travel_matrix(_xy("A", "B", "C"), mode="pied", settings=settings, network=None)
    straight = np.hypot(*(_xy("A")[0] - _xy("C")[0]))
    assert m.source == "vol_oiseau" and not m.network_loaded and m.network_load_id is None
    assert m.metres[0, 2] == pytest.approx(straight * 1.3)
    assert m.minutes[0, 2] == pytest.approx(straight * 1.3 / (settings.plan_speed_foot_kmh * 1000 / 60))
    assert not m.via_network.any() and m.off_network_count == 3
    assert "sans réseau routier" in m.note
    with pytest.raises(InvalidValueError, match="Mode de déplacement inconnu"):
        travel_matrix(_xy("A"), mode="trottinette", settings=settings, network=None)


def test_unreachable_pieces_fall_back_and_a_cut_off_place_uses_the_main_network(conn, settings, gpkg):
    _load(conn, gpkg, settings)
    m = _matrix(conn, settings, "voiture", "A", "B", "I1", "I2", "P")
    a, b, i1, i2, p = range(5)
    assert m.on_network.all() and m.source == "mixte"
    # on the isolated dead end, the two places reach each other by it...
    assert m.via_network[i1, i2] and m.metres[i1, i2] == pytest.approx(110, abs=0.5)
    # ...but not the rest of the network: straight line × detour
    straight = np.hypot(*(_xy("I1")[0] - _xy("A")[0]))
    assert not m.via_network[i1, a] and m.metres[i1, a] == pytest.approx(straight * 1.3)
    assert "trajets entre parties du réseau non reliées" in m.note
    # P is nearest to the bridge (a piece of its own), but Rue Haute is 40 m away: it reaches B through it
    assert m.snap_m[p] == pytest.approx(3, abs=0.01)
    assert m.via_network[p, b] and m.metres[p, b] == pytest.approx(40 + 247 + 5, abs=0.5)


def test_real_streets_between_ougree_and_sclessin(conn, settings):
    """Two official addresses of Ougrée (Seraing) on the OpenStreetMap streets of Liège."""
    _load(conn, LIEGE, settings)
    register = pd.read_csv(ROOT / "geodata" / "icar_seraing_neupre.csv", dtype=str)
    chosen = [("Rue Califice", "25"), ("Rue Bois de Sclessin", "1")]
    rows = [
        register[(register.street == s) & (register.housenumber == n) & (register.postcode == "4102")].iloc[0]
        for s, n in chosen
    ]
    to_lambert = Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True)
    xy = np.array([to_lambert.transform(float(r.lon), float(r.lat)) for r in rows])
    network = RoadNetwork.from_db(conn, "voiture")
    m = travel_matrix(xy, mode="voiture", settings=settings, network=network)
    straight = float(np.hypot(*(xy[0] - xy[1])))
    assert m.source == "reseau" and m.on_network.all() and (m.snap_m < 30).all()
    assert m.metres[0, 1] > 1.3 * straight  # the streets wind up the hill
    assert m.metres[0, 1] < 4 * straight
    leg = m.leg_geometry(0, 1)
    assert leg.length == pytest.approx(m.metres[0, 1], abs=0.05)
    edges = shapely.union_all(network.geoms[shapely.STRtree(network.geoms).query(leg.buffer(1))])
    inner = shapely.points(np.asarray(leg.coords)[1:-1])
    assert float(shapely.distance(edges, inner).max()) < 0.01
    named = conn.execute(
        "SELECT DISTINCT name FROM road_edges WHERE ST_DWithin(geom, ST_GeomFromWKB(%s, 31370), 0.01)"
        " AND ST_Length(ST_Intersection(geom, ST_Buffer(ST_GeomFromWKB(%s, 31370), 0.01))) > 5",
        (leg.wkb, leg.wkb),
    ).fetchall()
    assert len(named) >= 2  # the leg runs along several streets
    # the untagged file serves every mode alike; the walk takes longer
    foot = travel_matrix(xy, mode="pied", settings=settings, network=RoadNetwork.from_db(conn, "pied"))
    assert foot.metres[0, 1] == pytest.approx(m.metres[0, 1], abs=0.01)
    assert foot.minutes[0, 1] > m.minutes[0, 1]


# -- bad files ----------------------------------------------------------------------------------------------------


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    files: dict[str, tuple[Path, str]] = {}
    polygons = ROOT / "geodata" / "communes_seraing_neupre.geojson"
    files["polygones"] = (polygons, "aucune couche de lignes")
    table = ROOT / "geodata" / "icar_streets_seraing_neupre.csv"
    files["tableau"] = (table, "n'a pas de géométrie")
    garbage = tmp_path / "abime.osm.pbf"
    garbage.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 50)
    files["pbf abîmé"] = (garbage, "fichier OpenStreetMap illisible")
    truncated = tmp_path / "tronque.geojson"
    truncated.write_text(LIEGE.read_text(encoding="utf-8")[:5000], encoding="utf-8")
    files["json tronqué"] = (truncated, "fichier illisible")
    works = tmp_path / "travaux.geojson"
    works.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"highway": "construction", "name": "Rue en travaux"},
                        "geometry": {"type": "LineString", "coordinates": [[5.55, 50.6], [5.56, 50.6]]},
                    },
                    {
                        "type": "Feature",
                        "properties": {"highway": "proposed", "name": "Rue en projet"},
                        "geometry": {"type": "LineString", "coordinates": [[5.55, 50.61], [5.56, 50.61]]},
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    files["aucune voie"] = (works, "aucune voie utilisable")
    mixed = tmp_path / "points.geojson"
    mixed.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [5.55, 50.6]}},
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[5.5, 50.6], [5.6, 50.6], [5.6, 50.7], [5.5, 50.6]]],
                        },
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    files["sans ligne"] = (mixed, "aucune ligne dans la couche")
    nowhere = tmp_path / "sans_crs.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame(
            {"name": ["Rue X"]}, geometry=[shapely.LineString([(9_000_000, 9_000_000), (9_000_100, 9_000_000)])]
        ).to_file(nowhere, engine="pyogrio")
    files["crs inconnu"] = (nowhere, "système de coordonnées inconnu")
    files["absent"] = (tmp_path / "absent.osm.pbf", "Fichier introuvable")
    return files


def test_bad_files_are_refused_and_the_loaded_network_stays(conn, settings, tmp_path):
    before = _load(conn, LIEGE, settings)
    for label, (path, message) in _bad_files(tmp_path).items():
        with pytest.raises(InputFileError) as caught:
            _load(conn, path, settings)
        assert message in caught.value.message, (label, caught.value.message)
        assert caught.value.hint, label
        conn.rollback()
        status = network_status(conn)
        assert status is not None and status.load_id == before.load_id, label
        assert count(conn, "road_edges") == before.edges and count(conn, "road_vertices") == before.vertices, label


def test_a_failure_while_writing_leaves_the_previous_network(conn, settings, gpkg, monkeypatch):
    before = _load(conn, gpkg, settings)
    real_copy = network_module.copy_frame
    calls = {"n": 0}

    def failing_copy(c: Any, table: str, frame: pd.DataFrame) -> None:
        real_copy(c, table, frame)  # the vertices go in, then the edges fail
        calls["n"] += 1
        if table == "road_edges":
            raise psycopg.errors.DiskFull("disque plein (simulé)")

    monkeypatch.setattr(network_module, "copy_frame", failing_copy)
    with pytest.raises(psycopg.errors.DiskFull):
        _load(conn, LIEGE, settings)
    conn.rollback()
    assert calls["n"] == 2
    status = network_status(conn)
    assert status is not None and status.load_id == before.load_id and status.file == "reseau.gpkg"
    assert count(conn, "road_edges") == 11 and count(conn, "road_vertices") == 12


# -- command line -------------------------------------------------------------------------------------------------


def _run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=cli_env(settings, COLUMNS="200"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cli_network_load_and_status(conn, settings, gpkg, tmp_path):
    done = _run(settings, "network", "load", str(gpkg))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Réseau routier chargé : reseau.gpkg" in out
    assert "voies gardées" in out and "tronçons" in out and "11 (entre 12 nœuds)" in out
    assert "2,4 km (dont" in out and "voiture 2,2 km · vélo 1,8 km · à pied 1,8 km" in out
    assert "1 : pas une voie (sans étiquette highway)" in out
    assert " 4 (la plus grande : 82,6 % de la longueur)" in out  # 2 km of 2.42 (bridge, tunnel, dead end apart)

    done = _run(settings, "network", "load", str(LIEGE), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert {
        "ways_read",
        "ways_kept",
        "edges",
        "vertices",
        "length_km",
        "components",
        "largest_component_share",
        "skipped",
        "load_id",
        "remarks",
    } <= set(summary)
    assert summary["ways_kept"] == 5684 and summary["file"] == "osm_streets_liege.geojson"

    status = json.loads(_run(settings, "network", "status", "--json").stdout)
    assert status["loaded"] is True and status["load_id"] == summary["load_id"]
    human = _run(settings, "network", "status").stdout
    assert "Réseau routier en place : osm_streets_liege.geojson, chargé le" in human

    bad = tmp_path / "abime.osm.pbf"
    bad.write_bytes(b"garbage" * 100)
    done = _run(settings, "network", "load", str(bad))
    assert done.returncode == 2
    assert "Erreur : abime.osm.pbf : fichier OpenStreetMap illisible" in done.stderr and "→ Formats lus" in done.stderr
    assert "Traceback" not in done.stderr
    assert network_status(conn).load_id == summary["load_id"]
