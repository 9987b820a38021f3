"""A report's point from the feature a GIS file or a GeoJSON gives: a point as it is, a small surface or line at a
point inside it, anything else refused with its reason.

QGIS users draw what they see: a building footprint for an unhealthy building, the outline of a dumping area, the
stretch of pavement fouled. The service stores reports as points; a shape no larger than :data:`MAX_EXTENT_M`
across is one place, stored at a point inside it (a surface's point on surface, a line's middle) and said in the
import's notes. A larger one (a whole street, a neighbourhood) is not one place: the row is refused, its reason
naming the shape and its size, for a person to draw the point meant.
"""

from __future__ import annotations

import math

import shapely
from shapely.geometry.base import BaseGeometry

from service.numbers import SPACE, french_number

#: The widest shape taken for one place (its bounding box's diagonal): a large building or a street corner.
MAX_EXTENT_M = 250.0
#: Where a reduced shape is kept with its report (``extra``): nothing drawn is lost.
SHAPE_KEY = "géométrie d'origine (WKT)"
_METRES_PER_DEGREE = 111_320.0
_SURFACES = ("Polygon", "MultiPolygon")
_LINES = ("LineString", "MultiLineString", "LinearRing")


def _in_degrees(geom: BaseGeometry) -> bool:
    """Whether the shape's coordinates are read as degrees: within a longitude and latitude's ranges (else metres:
    Lambert, UTM)."""
    x0, y0, x1, y1 = geom.bounds
    return bool(-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90)


def _extent_m(geom: BaseGeometry) -> float:
    """The diagonal of the shape's bounding box in metres (:func:`_in_degrees` says how to read it)."""
    x0, y0, x1, y1 = geom.bounds
    if _in_degrees(geom):
        cos = math.cos(math.radians((y0 + y1) / 2))
        return math.hypot((x1 - x0) * _METRES_PER_DEGREE * cos, (y1 - y0) * _METRES_PER_DEGREE)
    return math.hypot(x1 - x0, y1 - y0)


def shape_text(geom: BaseGeometry) -> str:
    """A reduced shape as WKT, to the decimals its coordinates need (7 for degrees, 2 for metres)."""
    return str(shapely.to_wkt(geom, rounding_precision=7 if _in_degrees(geom) else 2, trim=True))


def point_of(geom: BaseGeometry | None) -> tuple[float | None, float | None, str | None, str | None]:
    """(x, y, kind, error): a point's coordinates; a small surface's or line's point inside it, with its ``kind``
    (« Polygon »…, said in the import's notes); or, without coordinates, the ``kind`` refused and why."""
    if geom is None or geom.is_empty:
        return None, None, None, "un point est attendu"
    kind = geom.geom_type
    if kind == "MultiPoint" and shapely.get_num_geometries(geom) == 1:
        geom, kind = shapely.get_geometry(geom, 0), "Point"
    if kind == "Point":
        return float(geom.x), float(geom.y), None, None
    if kind == "MultiPoint":
        return None, None, kind, "plusieurs points : un seul est attendu par ligne"
    if kind not in _SURFACES + _LINES:
        return None, None, kind, "un point est attendu"
    extent = _extent_m(geom)
    if not math.isfinite(extent) or extent > MAX_EXTENT_M:
        size = f"{french_number(extent, 0, group=SPACE)} m" if math.isfinite(extent) else "une taille illisible"
        limit = french_number(MAX_EXTENT_M, 0)
        return (
            None,
            None,
            kind,
            f"{size} d'étendue : trop grand pour un seul lieu (au plus {limit} m) ; dessinez un point",
        )
    if kind in _SURFACES:
        inside = shapely.point_on_surface(geom)
    else:  # a line's middle, along it
        inside = shapely.line_interpolate_point(shapely.line_merge(geom), 0.5, normalized=True)
        if inside.is_empty:
            inside = shapely.point_on_surface(geom)
    return float(inside.x), float(inside.y), kind, None
