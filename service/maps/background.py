"""The map's own background, for when no tile server is reachable: commune outlines, postcode areas and streets.

* communes: ``HOTSPOTS_COMMUNES_FILE`` or ``geodata/communes_seraing_neupre.geojson`` (coarse outlines, display
  only);
* postcode areas ("secteurs"): :func:`service.zone.postcode_areas` (the Voronoi cells of the official addresses,
  merged per postcode) cut to the zone's communes — an approximation of the sections, drawn dashed and labelled as
  such;
* streets: one approximate centre line per street from its official addresses (the analysis' own
  ``network_from_addresses``), from the address register in PostGIS when loaded, else from the ICAR file.

Each layer is simplified and given as GeoJSON; the server builds each once per process and address register (a
few seconds for the streets, started in the background when a map page is opened: :mod:`service.api.map_background`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import shapely

from service.analyse.axes import network_from_addresses
from service.filecache import file_version
from service.geocode.sections import Section, postcode_labels
from service.zone import postcode_areas, read_communes

Layer = Literal["communes", "secteurs", "rues"]
LAYERS: tuple[Layer, ...] = ("communes", "secteurs", "rues")
CRS = "EPSG:31370"
#: Simplification tolerance (metres) and coordinate precision (5 decimals ≈ 1 m) of the background.
TOLERANCE_M = 3.0
PRECISION = 5


def _sections(addresses: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, sections: Sequence[Section]) -> gpd.GeoDataFrame:
    zone = communes[communes["role"] == "target"].to_crs(CRS)
    area = shapely.union_all(zone.geometry.to_numpy())
    merged = postcode_areas(addresses, area)
    merged["geometry"] = merged.geometry.intersection(area)
    names = postcode_labels(sections)
    merged["nom"] = [names.get(code, code) for code in merged["postcode"]]
    return merged.rename(columns={"postcode": "code_postal"})[["code_postal", "nom", "geometry"]]


def _streets(addresses: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if addresses.empty:  # a zone whose register is not loaded yet: no street to draw
        return gpd.GeoDataFrame({"rue": [], "commune": []}, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    lines = network_from_addresses(addresses[["street", "municipality", "geometry"]])
    return lines.rename(columns={"street": "rue", "municipality": "commune"})


def _geojson(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    frame = frame.to_crs(CRS)
    frame["geometry"] = frame.geometry.simplify(TOLERANCE_M)
    frame = frame[~frame.geometry.is_empty].to_crs("EPSG:4326")
    frame["geometry"] = shapely.set_precision(frame.geometry.to_numpy(), 10.0**-PRECISION)
    data: dict[str, Any] = json.loads(frame.to_json(drop_id=True))
    return data


def layer_key(
    addresses: gpd.GeoDataFrame, communes: Path, layer: Layer, zone: tuple[str, ...], sections: Sequence[Section]
) -> tuple[Any, ...]:
    """What a layer depends on: the commune outlines' file and its version, the layer, the zone's communes and
    sections and a fingerprint of the addresses."""
    coords = shapely.get_coordinates(addresses.geometry.to_numpy())
    return (
        str(communes),
        file_version(communes),
        layer,
        zone,
        tuple(sections),
        len(addresses),
        round(float(coords.sum()), 1) if len(coords) else 0.0,
    )


def build_layer(
    addresses: gpd.GeoDataFrame,
    outlines: Path,
    layer: Layer,
    zone: tuple[str, ...],
    sections: Sequence[Section],
) -> dict[str, Any]:
    """One background layer as WGS84 GeoJSON, the communes of ``zone`` (the service's) in ``outlines`` (the commune
    outlines' file) marked as the zone's own, postcode areas named by ``sections`` (built each time: the server
    keeps what it built, :mod:`service.api.map_background`)."""
    communes = read_communes(outlines, zone)
    if layer == "communes":
        keep = communes[["name_fr", "role", "geometry"]].rename(columns={"name_fr": "nom"})
        keep["zone"] = keep.pop("role") == "target"
        return _geojson(keep)
    if layer == "secteurs":
        return _geojson(_sections(addresses, communes, sections))
    return _geojson(_streets(addresses))
