"""The area of a network or a section, as a polygon in Lambert 72, from what people give: a polygon (GeoJSON, WGS84
or Lambert), a list of streets, or a commune section. Pure functions: geometries and frames in, a polygon out.

* a **polygon** is taken as drawn (made valid), and must touch the zone;
* **streets** become the band of ``STREET_BAND_M`` metres on each side of their lines, drawn through their official
  addresses (the analysis' ``network_from_addresses``), and around each address;
* a **section** is the area of its postcode: each official address takes the part of the plane nearer to it than to
  any other (Voronoi), the cells of the postcode are merged and cut to the commune's outline (widened by 150 m
  around the postcode's own addresses: the outlines are coarse) — nearly the map's « secteurs ». Sections that
  share a postcode (Seraing and Boncelles, 4100) share their area: the register does not tell them apart.
"""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from service.analyse.axes import network_from_addresses
from service.errors import InvalidValueError
from service.geo import geometry_to_lambert
from service.zone import postcode_areas

CRS = "EPSG:31370"
#: Metres on each side of a street's line (and around its addresses) that belong to a network given by streets.
STREET_BAND_M = 40.0
#: Land kept around a section's own addresses where the coarse commune outline would cut them off (metres).
SECTION_MARGIN_M = 150.0
#: A network bigger than this (square metres) is a commune, not a neighbourhood: refused as a typing error.
MAX_AREA_M2 = 60e6


def _as_polygons(geom: BaseGeometry) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def polygon_from_geojson(data: Any) -> BaseGeometry:
    """A polygon from a GeoJSON geometry, Feature or FeatureCollection (WGS84, or Lambert 72 recognised by its
    coordinates), made valid; a French error when there is no polygon in it or the coordinates are not Belgian."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InvalidValueError(
                f"zone illisible : JSON invalide ({exc.msg}, ligne {exc.lineno})", hint="Donnez un polygone GeoJSON."
            ) from exc
    if not isinstance(data, dict):
        raise InvalidValueError("zone illisible : objet GeoJSON attendu", hint="Donnez un polygone GeoJSON.")
    geometries: list[Any] = []
    kind = data.get("type")
    if kind == "FeatureCollection":
        geometries = [f.get("geometry") for f in data.get("features") or [] if isinstance(f, dict)]
    elif kind == "Feature":
        geometries = [data.get("geometry")]
    else:
        geometries = [data]
    shapes = []
    for g in geometries:
        if not isinstance(g, dict) or g.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        try:
            shapes.append(shapely.make_valid(shapely.geometry.shape(g)))
        except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.GEOSException) as exc:
            raise InvalidValueError(
                f"zone illisible : polygone mal formé ({exc})", hint="Vérifiez les coordonnées."
            ) from exc
    if not shapes:
        raise InvalidValueError(
            "zone sans polygone : le GeoJSON ne contient ni Polygon ni MultiPolygon",
            hint="Dessinez la zone du réseau comme un polygone (QGIS, geojson.io) et exportez-la en GeoJSON.",
        )
    shape = shapely.union_all(shapes)
    xy = shapely.get_coordinates(shape)
    if np.all((xy[:, 0] >= 2) & (xy[:, 0] <= 7) & (xy[:, 1] >= 49) & (xy[:, 1] <= 52)):
        shape = geometry_to_lambert(shape)
    elif not np.all((xy >= 10_000) & (xy <= 300_000)):
        raise InvalidValueError(
            "zone hors de Belgique : coordonnées ni WGS84 (longitude, latitude) ni Lambert 72",
            hint="Exportez le polygone en WGS84 (EPSG:4326).",
        )
    return _as_polygons(shapely.make_valid(shape))


def check_area(area: BaseGeometry, zone: BaseGeometry, *, what: str, communes: str) -> BaseGeometry:
    """``area`` if it is a usable network area: not empty, in the zone (whose ``communes`` the refusal names), not
    larger than a commune."""
    if area.is_empty or area.area <= 0:
        raise InvalidValueError(f"zone de {what} vide", hint="Le polygone n'a pas de surface.")
    if not area.intersects(zone):
        raise InvalidValueError(
            f"zone de {what} hors de la zone de police",
            hint=f"Le polygone doit couvrir une partie de {communes}.",
        )
    if area.area > MAX_AREA_M2:
        raise InvalidValueError(
            f"zone de {what} trop grande ({area.area / 1e6:.1f} km²)".replace(".", ","),
            hint=f"Un réseau couvre un quartier (au plus {MAX_AREA_M2 / 1e6:g} km²) : vérifiez le polygone.",
        )
    return area


def street_band(addresses: gpd.GeoDataFrame, *, band_m: float = STREET_BAND_M) -> BaseGeometry:
    """The area of a network given by streets: ``band_m`` around the lines drawn through the streets' official
    addresses (``street``, ``municipality``, points in Lambert 72), and around each address."""
    lines = network_from_addresses(addresses[["street", "municipality", "geometry"]])
    parts = [*lines.geometry.buffer(band_m), *addresses.geometry.buffer(band_m)]
    return shapely.union_all(parts)


def postcode_area(addresses: gpd.GeoDataFrame, postcodes: list[str], outline: BaseGeometry) -> BaseGeometry:
    """The area of ``postcodes`` (:func:`service.zone.postcode_areas`: every address of the zone given, so that
    neighbouring postcodes bound it), cut to ``outline`` widened around the postcodes' own addresses."""
    mine = addresses["postcode"].isin(postcodes).to_numpy()
    if not mine.any():
        return shapely.Polygon()
    chosen = postcode_areas(addresses, outline, postcodes=postcodes).geometry.to_numpy()
    # the outlines are coarse (some addresses lie hundreds of metres outside): keep the land around the postcode's
    # own addresses too, so that every one of them is in its area
    around = shapely.union_all(shapely.buffer(addresses.geometry.to_numpy()[mine], SECTION_MARGIN_M))
    return shapely.union_all(chosen).intersection(shapely.union(outline, around))
