"""Coordinate systems and the conversions every stage shares: Lambert 72 (EPSG:31370) for all metric work, WGS84
for the web and the files people exchange, Lambert 2008 (EPSG:3812) met in newer data.

Projections are vectorised (NumPy arrays in, arrays out) and their transformers built once per process. A map
view's box (``ouest,sud,est,nord``) is read here too, with the one rule every door applies.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pyproj
import shapely
from pyproj import Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info
from shapely.geometry.base import BaseGeometry

from service.errors import InputFileError, ValidationFailedError

WGS84, LAMBERT72, LAMBERT2008 = "EPSG:4326", "EPSG:31370", "EPSG:3812"
KNOWN_CRS = (WGS84, LAMBERT72, LAMBERT2008)
#: Decimals of a WGS84 coordinate handed out (6 ≈ 0.1 m).
LONLAT_DECIMALS = 6

#: lon/lat box of Belgium: points inside it are analysed in Lambert 72, points elsewhere in their UTM zone
BELGIUM: tuple[float, float, float, float] = (2.4, 49.4, 6.5, 51.6)

BBox = tuple[float, float, float, float]

_TRANSFORMERS: dict[tuple[str, str], Transformer] = {}


def project(a: np.ndarray, b: np.ndarray, src: str, dst: str = LAMBERT72) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised projection (x/lon first) between two CRS."""
    if src == dst:
        return a.copy(), b.copy()
    key = (src, dst)
    if key not in _TRANSFORMERS:
        _TRANSFORMERS[key] = Transformer.from_crs(src, dst, always_xy=True)
    x, y = _TRANSFORMERS[key].transform(a, b)
    return np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")


def is_metric(crs: object) -> bool:
    """A projected CRS in metres: grid cells, radii and buffers are in metres."""
    crs = pyproj.CRS.from_user_input(crs)
    return bool(crs.is_projected) and {axis.unit_name for axis in crs.axis_info} <= {"metre", "meter"}


def local_metric_crs(lon: np.ndarray, lat: np.ndarray) -> str:
    """Lambert 72 for points in Belgium, else the WGS84 UTM zone of the points' median."""
    mlon, mlat = float(np.nanmedian(lon)), float(np.nanmedian(lat))
    if BELGIUM[0] <= mlon <= BELGIUM[2] and BELGIUM[1] <= mlat <= BELGIUM[3]:
        return LAMBERT72
    zones = query_utm_crs_info(datum_name="WGS 84", area_of_interest=AreaOfInterest(mlon, mlat, mlon, mlat))
    if not zones:
        raise InputFileError(
            f"aucune zone UTM pour le point médian ({mlon:.4f} ; {mlat:.4f}).",
            hint="Donnez un système métrique avec --crs (par exemple EPSG:32631).",
        )
    return f"{zones[0].auth_name}:{zones[0].code}"


def to_lambert(lon: float, lat: float) -> tuple[float, float]:
    """One WGS84 point (longitude, latitude) in Lambert 72 metres."""
    x, y = project(np.array([lon], dtype=float), np.array([lat], dtype=float), WGS84, LAMBERT72)
    return float(x[0]), float(y[0])


def to_lonlat(x: float, y: float) -> tuple[float, float]:
    """One Lambert 72 point as WGS84 (longitude, latitude)."""
    lon, lat = project(np.array([x], dtype=float), np.array([y], dtype=float), LAMBERT72, WGS84)
    return float(lon[0]), float(lat[0])


def lonlat_arrays(xs: Any, ys: Any, *, decimals: int | None = LONLAT_DECIMALS) -> tuple[np.ndarray, np.ndarray]:
    """Lambert 72 coordinates as WGS84 longitudes and latitudes (rounded to ``decimals``); NaN stays NaN."""
    lon, lat = project(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), LAMBERT72, WGS84)
    if decimals is not None:
        lon, lat = np.round(lon, decimals), np.round(lat, decimals)
    return lon, lat


def geometry_lonlat(geom: BaseGeometry) -> np.ndarray:
    """The vertices of a Lambert 72 geometry as WGS84 (longitude, latitude) rows."""
    xy = shapely.get_coordinates(geom)
    lon, lat = project(xy[:, 0], xy[:, 1], LAMBERT72, WGS84)
    return np.column_stack([lon, lat])


def geometry_to_wgs84(geom: BaseGeometry, *, decimals: int = LONLAT_DECIMALS) -> dict[str, Any]:
    """A Lambert 72 geometry as a GeoJSON geometry in WGS84 (lists, not tuples: ready for ``json``)."""

    def reproject(xy: np.ndarray) -> np.ndarray:
        lon, lat = project(xy[:, 0], xy[:, 1], LAMBERT72, WGS84)
        return np.round(np.column_stack([lon, lat]), decimals)

    mapped: dict[str, Any] = shapely.geometry.mapping(shapely.transform(geom, reproject))
    plain: dict[str, Any] = json.loads(json.dumps(mapped))  # tuples → lists
    return plain


def geometry_to_lambert(geom: BaseGeometry) -> BaseGeometry:
    """A WGS84 geometry (longitude, latitude) in Lambert 72."""
    return shapely.transform(geom, lambda c: np.column_stack(project(c[:, 0], c[:, 1], WGS84, LAMBERT72)))


def parse_bbox(text: str) -> BBox:
    """``ouest,sud,est,nord`` in WGS84 degrees, or a French 422 naming the field ``bbox``: four finite numbers,
    west before east, south before north, longitudes within ±180 and latitudes within ±90."""
    try:
        box = tuple(float(v) for v in text.split(","))
    except ValueError:
        box = ()
    ok = len(box) == 4 and all(math.isfinite(v) for v in box)
    if not ok or not (-180 <= box[0] < box[2] <= 180 and -90 <= box[1] < box[3] <= 90):
        raise ValidationFailedError(
            "bbox invalide : ouest,sud,est,nord attendus (WGS84)",
            [{"champ": "bbox", "valeur": text[:200], "motif": "quatre nombres ouest,sud,est,nord"}],
            hint="Exemple : bbox=5.49,50.58,5.53,50.62",
        )
    return box[0], box[1], box[2], box[3]
