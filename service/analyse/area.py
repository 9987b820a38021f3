"""The study area of a forecast or a back-test: the grid cells that count as "the area".

PAI divides a hit rate by an area share, so the area decides the figure: the padded bounding box of the
training points (lake, fields and empty land included) makes any ranking look several times better than it is
on the land where reports can happen. Three honest areas, each named in the outputs (``source``):

* ``zone``: the police zone's communes (the service's own data), plus the cells of its reports that the coarse
  commune outlines leave outside;
* ``file``: a polygon file given by the user (``--zone FILE``), any CRS;
* ``footprint``: the **event footprint**, the cells holding at least one event of the whole file.

Cells are squares of ``cell`` metres on a lattice anchored at the CRS origin (``ix = floor(x / cell)``), so the
same place always falls in the same cell whatever the data's extent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely

SOURCES = ("zone", "file", "footprint")


@dataclass(frozen=True)
class StudyArea:
    """The cells of the area (``ix``, ``iy`` lattice indices), their size, CRS and where they come from."""

    ix: np.ndarray
    iy: np.ndarray
    cell: float
    crs: str
    source: str
    _lookup: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.zeros((0, 0), dtype=np.int64))

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"origine de surface inconnue : {self.source}")
        if len(self.ix) == 0:
            raise ValueError("la surface étudiée ne contient aucune maille")
        lookup = np.full((self.shape[0], self.shape[1]), -1, dtype=np.int64)
        lookup[self.iy - self.iy0, self.ix - self.ix0] = np.arange(len(self.ix))
        object.__setattr__(self, "_lookup", lookup)

    @property
    def ix0(self) -> int:
        """The smallest column index: the raster's left edge."""
        return int(self.ix.min())

    @property
    def iy0(self) -> int:
        """The smallest row index: the raster's bottom edge."""
        return int(self.iy.min())

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the raster that holds every cell of the area."""
        return int(self.iy.max()) - self.iy0 + 1, int(self.ix.max()) - self.ix0 + 1

    @property
    def n(self) -> int:
        """How many cells the area holds (the length of every per-cell array)."""
        return len(self.ix)

    @property
    def area_km2(self) -> float:
        """The area's surface in km², for rates per km²."""
        return self.n * self.cell**2 / 1e6

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """The cells' centres (x, y) in the area's CRS."""
        return (self.ix + 0.5) * self.cell, (self.iy + 0.5) * self.cell

    def index_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The area cell of each point, or -1 outside the area."""
        ix = np.floor(np.asarray(x, float) / self.cell).astype(np.int64) - self.ix0
        iy = np.floor(np.asarray(y, float) / self.cell).astype(np.int64) - self.iy0
        ok = (ix >= 0) & (iy >= 0) & (iy < self.shape[0]) & (ix < self.shape[1])
        out = np.full(len(ix), -1, dtype=np.int64)
        out[ok] = self._lookup[iy[ok], ix[ok]]
        return out

    def to_raster(self, values: np.ndarray) -> np.ndarray:
        """Cell values on the area's raster (0 outside the area)."""
        raster = np.zeros(self.shape)
        raster[self.iy - self.iy0, self.ix - self.ix0] = values
        return raster

    def from_raster(self, raster: np.ndarray) -> np.ndarray:
        """The area's cell values read back from a raster (the inverse of :meth:`to_raster`)."""
        values: np.ndarray = raster[self.iy - self.iy0, self.ix - self.ix0]
        return values


def _lattice(x: np.ndarray, y: np.ndarray, cell: float) -> tuple[np.ndarray, np.ndarray]:
    keys = np.unique(
        np.column_stack([np.floor(np.asarray(x, float) / cell), np.floor(np.asarray(y, float) / cell)]).astype(
            np.int64
        ),
        axis=0,
    )
    return keys[:, 0], keys[:, 1]


def footprint_area(x: np.ndarray, y: np.ndarray, *, cell: float = 100.0, crs: str) -> StudyArea:
    """The cells holding at least one of the points (give it every event of the file, not only the training)."""
    ix, iy = _lattice(x, y, cell)
    return StudyArea(ix, iy, cell, crs, "footprint")


def reports_footprint(
    reports: gpd.GeoDataFrame, exposure: gpd.GeoDataFrame | None = None, *, cell: float = 100.0
) -> StudyArea:
    """The cells of the reports and of the address points (``exposure``, when given): where reports have come and
    where people live, in the reports' CRS (the sensitive points' and the map's forecast without a zone)."""
    x, y = reports.geometry.x.to_numpy(), reports.geometry.y.to_numpy()
    if exposure is not None and not exposure.empty:
        x = np.concatenate([x, exposure.geometry.x.to_numpy()])
        y = np.concatenate([y, exposure.geometry.y.to_numpy()])
    return footprint_area(x, y, cell=cell, crs=str(reports.crs))


def polygon_area(
    polygon: shapely.Geometry,
    *,
    cell: float = 100.0,
    crs: str,
    source: str,
    also: tuple[np.ndarray, np.ndarray] | None = None,
) -> StudyArea:
    """The cells whose centre lies in ``polygon`` (in ``crs``), plus the cells of the points ``also`` (x, y) —
    for the zone, whose coarse outlines leave some of its own addresses outside."""
    xmin, ymin, xmax, ymax = polygon.bounds
    mesh = np.meshgrid(
        np.arange(np.floor(xmin / cell), np.floor(xmax / cell) + 1, dtype=np.int64),
        np.arange(np.floor(ymin / cell), np.floor(ymax / cell) + 1, dtype=np.int64),
    )
    gx, gy = mesh[0].ravel(), mesh[1].ravel()
    shapely.prepare(polygon)
    inside = shapely.contains_xy(polygon, (gx + 0.5) * cell, (gy + 0.5) * cell)
    gx, gy = gx[inside], gy[inside]
    if also is not None and len(also[0]):
        ex, ey = _lattice(also[0], also[1], cell)
        keys = np.unique(np.column_stack([np.concatenate([gx, ex]), np.concatenate([gy, ey])]), axis=0)
        gx, gy = keys[:, 0], keys[:, 1]
    if len(gx) == 0:
        raise ValueError("le polygone de la zone ne contient le centre d'aucune maille")
    return StudyArea(gx, gy, cell, crs, source)


def exposure_per_cell(area: StudyArea, exposure: gpd.GeoDataFrame | None) -> np.ndarray | None:
    """Address points per cell of the area (None without exposure)."""
    if exposure is None or exposure.empty:
        return None
    cell = area.index_of(exposure.geometry.x.to_numpy(), exposure.geometry.y.to_numpy())
    return np.bincount(cell[cell >= 0], minlength=area.n).astype(float)
