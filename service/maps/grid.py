"""Cell sizes and extents for the map-data endpoints, in metres (Lambert 72, EPSG:31370).

A Leaflet view asks for its box (WGS84) and zoom. The cell size doubles with every zoom step out, so that a cell
is always about 66 screen pixels wide (at the zone's latitude) and a view never holds more than a few thousand
cells, whatever the number of reports. The box is widened to whole blocks of cells: every report of the extent
falls in exactly one cell (the counts add up), and neighbouring views of several users share cache entries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from pyproj import Transformer

from service.errors import ValidationFailedError

#: Cell size at zoom 17 (≈ 66 px); one zoom step out doubles it.
SIZE_AT_17 = 50.0
MIN_SIZE = 25.0
MAX_SIZE = 51_200.0
#: Extents are widened to multiples of this many cells (cache sharing between close views).
BLOCK_CELLS = 4
#: From this zoom on, a view shows reports one by one when they are few enough.
POINTS_ZOOM = 16


def cell_size(zoom: int, *, minimum: float = MIN_SIZE) -> float:
    """Side (squares) or circumradius (hexagons) in metres of the cells drawn at ``zoom``."""
    return min(MAX_SIZE, max(minimum, SIZE_AT_17 * 2.0 ** (17 - zoom)))


@cache
def _to_lambert() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True)


@cache
def _to_wgs84() -> Transformer:
    return Transformer.from_crs("EPSG:31370", "EPSG:4326", always_xy=True)


@dataclass(frozen=True)
class Extent:
    """A box in Lambert 72 whose sides are multiples of ``block`` metres (half-open: xmin <= x < xmax)."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float

    def params(self) -> dict[str, float]:
        return {"xmin": self.xmin, "ymin": self.ymin, "xmax": self.xmax, "ymax": self.ymax}

    def wgs84(self) -> list[float]:
        """The extent's bounding box in WGS84 (ouest, sud, est, nord)."""
        xs, ys = _to_wgs84().transform(
            [self.xmin, self.xmin, self.xmax, self.xmax], [self.ymin, self.ymax, self.ymin, self.ymax]
        )
        return [round(min(xs), 6), round(min(ys), 6), round(max(xs), 6), round(max(ys), 6)]


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``ouest,sud,est,nord`` in WGS84, or a French 422 naming the field."""
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


def extent_for(bbox: tuple[float, float, float, float], size: float) -> Extent:
    """The WGS84 box in Lambert 72, widened outwards to whole blocks of ``BLOCK_CELLS`` cells of ``size``."""
    west, south, east, north = bbox
    lons = [west, west, east, east, (west + east) / 2, (west + east) / 2]
    lats = [south, north, south, north, south, north]
    xs, ys = _to_lambert().transform(lons, lats)
    block = size * BLOCK_CELLS
    return Extent(
        xmin=math.floor(min(xs) / block) * block,
        ymin=math.floor(min(ys) / block) * block,
        xmax=math.ceil(max(xs) / block) * block,
        ymax=math.ceil(max(ys) / block) * block,
    )
