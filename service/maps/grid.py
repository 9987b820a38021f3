"""Cell sizes and extents for the map-data endpoints, in metres (Lambert 72, EPSG:31370).

A Leaflet view asks for its box (WGS84) and zoom. The cell size doubles with every zoom step out, so that a cell
is always about 66 screen pixels wide (at the zone's latitude) and a view never holds more than a few thousand
cells, whatever the number of reports. The box is widened to whole blocks of cells: every report of the extent
falls in exactly one cell (the counts add up), and neighbouring views of several users share cache entries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from service.geo import LAMBERT72, WGS84, BBox, project

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


@dataclass(frozen=True)
class Extent:
    """A box in Lambert 72 whose sides are multiples of ``block`` metres (half-open: xmin <= x < xmax)."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float

    def params(self) -> dict[str, float]:
        """The box as the parameters of the grid's named queries."""
        return {"xmin": self.xmin, "ymin": self.ymin, "xmax": self.xmax, "ymax": self.ymax}

    def wgs84(self) -> list[float]:
        """The extent's bounding box in WGS84 (ouest, sud, est, nord)."""
        xs, ys = project(
            np.array([self.xmin, self.xmin, self.xmax, self.xmax]),
            np.array([self.ymin, self.ymax, self.ymin, self.ymax]),
            LAMBERT72,
            WGS84,
        )
        return [round(min(xs), 6), round(min(ys), 6), round(max(xs), 6), round(max(ys), 6)]


def extent_for(bbox: BBox, size: float) -> Extent:
    """The WGS84 box in Lambert 72, widened outwards to whole blocks of ``BLOCK_CELLS`` cells of ``size``."""
    west, south, east, north = bbox
    lons = [west, west, east, east, (west + east) / 2, (west + east) / 2]
    lats = [south, north, south, north, south, north]
    xs, ys = project(np.array(lons), np.array(lats), WGS84, LAMBERT72)
    block = size * BLOCK_CELLS
    return Extent(
        xmin=math.floor(min(xs) / block) * block,
        ymin=math.floor(min(ys) / block) * block,
        xmax=math.ceil(max(xs) / block) * block,
        ymax=math.ceil(max(ys) / block) * block,
    )
