"""The map's own background, for when no tile server is reachable: commune outlines, postcode areas and streets.

* communes: ``geodata/communes_seraing_neupre.geojson`` (coarse outlines, display only);
* postcode areas ("secteurs"): each official address gets the part of the plane nearer to it than to any other
  (Voronoi cells); the cells of one postcode are merged and cut to the zone's communes — an approximation of the
  sections, drawn dashed and labelled as such;
* streets: one approximate centre line per street from its official addresses (the analysis' own
  ``network_from_addresses``), from the address register in PostGIS when loaded, else from the ICAR file.

Each layer is simplified and given as GeoJSON; the server builds each once per process and address register (a
few seconds for the streets, started in the background when a map page is opened: :mod:`service.api.map_background`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
import psycopg
import shapely

from service.analyse.axes import network_from_addresses
from service.db.queries import load_queries
from service.geocode.gazetteer import KNOWN_SECTIONS

Layer = Literal["communes", "secteurs", "rues"]
LAYERS: tuple[Layer, ...] = ("communes", "secteurs", "rues")
CRS = "EPSG:31370"
#: Simplification tolerance (metres) and coordinate precision (5 decimals ≈ 1 m) of the background.
TOLERANCE_M = 3.0
PRECISION = 5


def _communes(geodata: Path) -> gpd.GeoDataFrame:
    frame = gpd.read_file(geodata / "communes_seraing_neupre.geojson")
    return frame.set_crs("EPSG:4326", allow_override=True)


def load_addresses(conn: psycopg.Connection[Any], geodata: Path) -> gpd.GeoDataFrame:
    """The official address points (``street``, ``municipality``, ``postcode``; Lambert 72) the layers are drawn
    from: the register in PostGIS, or the ICAR extract shipped in ``geodata/`` while none is loaded."""
    cur = conn.execute(load_queries("service.maps", "maps.sql")["address_points"])
    frame = pd.DataFrame(cur.fetchall(), columns=["street", "municipality", "postcode", "x", "y"])
    conn.rollback()
    if frame.empty:  # no register loaded yet: the ICAR extract shipped with the service
        raw = pd.read_csv(geodata / "icar_seraing_neupre.csv", dtype={"postcode": str})
        pts = gpd.GeoDataFrame(
            raw[["street", "municipality", "postcode"]], geometry=gpd.points_from_xy(raw["lon"], raw["lat"]), crs=4326
        )
        return pts.to_crs(CRS)
    return gpd.GeoDataFrame(
        frame[["street", "municipality", "postcode"]], geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=CRS
    )


def _sections(addresses: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    zone = communes[communes["role"] == "target"].to_crs(CRS)
    area = shapely.union_all(zone.geometry.to_numpy())
    pts = shapely.MultiPoint(shapely.get_coordinates(addresses.geometry.to_numpy()))
    cells = gpd.GeoDataFrame(
        geometry=list(shapely.voronoi_polygons(pts, extend_to=area.envelope.buffer(2000)).geoms), crs=CRS
    )
    joined = gpd.sjoin(cells, addresses[["postcode", "geometry"]], predicate="contains")
    merged = joined.drop_duplicates(subset=None).dissolve("postcode").reset_index()
    merged["geometry"] = merged.geometry.intersection(area)
    names: dict[str, list[str]] = {}
    for name, (_municipality, codes) in KNOWN_SECTIONS.items():
        if name not in ("Jemeppe", "Rotheux"):  # short forms of the names kept
            for code in codes:
                names.setdefault(code, []).append(name)
    merged["nom"] = [f"{code} {', '.join(names.get(code, []))}".strip() for code in merged["postcode"]]
    return merged.rename(columns={"postcode": "code_postal"})[["code_postal", "nom", "geometry"]]


def _streets(addresses: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    lines = network_from_addresses(addresses[["street", "municipality", "geometry"]])
    return lines.rename(columns={"street": "rue", "municipality": "commune"})


def _geojson(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    frame = frame.to_crs(CRS)
    frame["geometry"] = frame.geometry.simplify(TOLERANCE_M)
    frame = frame[~frame.geometry.is_empty].to_crs("EPSG:4326")
    frame["geometry"] = shapely.set_precision(frame.geometry.to_numpy(), 10.0**-PRECISION)
    data: dict[str, Any] = json.loads(frame.to_json(drop_id=True))
    return data


def layer_key(addresses: gpd.GeoDataFrame, geodata: Path, layer: Layer) -> tuple[Any, ...]:
    """What a layer depends on: the geodata folder, the layer and a fingerprint of the addresses."""
    coords = shapely.get_coordinates(addresses.geometry.to_numpy())
    return (str(geodata), layer, len(addresses), round(float(coords.sum()), 1) if len(coords) else 0.0)


def build_layer(addresses: gpd.GeoDataFrame, geodata: Path, layer: Layer) -> dict[str, Any]:
    """One background layer as WGS84 GeoJSON (built each time: the server keeps what it built,
    :mod:`service.api.map_background`)."""
    communes = _communes(geodata)
    if layer == "communes":
        keep = communes[["name_fr", "role", "geometry"]].rename(columns={"name_fr": "nom"})
        keep["zone"] = keep.pop("role") == "target"
        return _geojson(keep)
    if layer == "secteurs":
        return _geojson(_sections(addresses, communes))
    return _geojson(_streets(addresses))
