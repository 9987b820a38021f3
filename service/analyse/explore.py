"""Looking at an analysis rather than running it: how concentrated the reports are, which cells trend which way,
and what the search's settings change. For notebooks and reports; the same pure functions as the service.

* :func:`concentration_by_area` / :func:`concentration_by_street`: the concentration curve — the share of
  reports held by the busiest cells (or street segments) against their share of the area (or street length).
  Weisburd's "law of crime concentration" finds about half of the events on 2–6 % of the street segments.
* :func:`trend_cells`: the emerging-hot-spot category of every 100 m cell that was hot at least once.
* :func:`parameter_sweep`: the sensitive points found for several radii (``eps``) and both null models
  (``emprise``: the reports' own footprint; ``exposition``: the official addresses).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from service.analyse.axes import nearest_segment
from service.analyse.points import CRS, PointParams, grid_trends, sensitive_points
from service.analyse.significance import cell_of, local_hotspots

#: Null models by the names a person reads: ``emprise`` (the reports' own footprint, service.analyse.significance's
#: ``footprint``) and ``exposition`` (the address points).
NULL_MODELS = ("emprise", "exposition")


def _xy(frame: gpd.GeoDataFrame | None) -> tuple[np.ndarray, np.ndarray] | None:
    if frame is None:
        return None
    return frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()


def _curve(counts: np.ndarray, sizes: np.ndarray, by_density: bool, x_name: str) -> pd.DataFrame:
    """Units sorted busiest first; cumulative shares from (0, 0) to (1, 1)."""
    density = counts / np.maximum(sizes, 1e-9) if by_density else counts.astype(float)
    order = np.lexsort((-sizes, -density))  # busiest first; among equals, the larger unit first
    x = np.concatenate([[0.0], np.cumsum(sizes[order]) / sizes.sum()])
    y = np.concatenate([[0.0], np.cumsum(counts[order]) / max(counts.sum(), 1)])
    return pd.DataFrame({x_name: x, "part_signalements": y})


def concentration_by_area(
    reports: gpd.GeoDataFrame, *, exposure: gpd.GeoDataFrame | None = None, cell: float = 100.0
) -> pd.DataFrame:
    """Share of reports (``part_signalements``) held by the busiest ``cell``-metre cells against their share of
    the study area (``part_surface``). The study area is the grid of the significance test: with ``exposure``
    (address points), the cells near an address; without, the cells near a report (the reports' footprint)."""
    x, y = reports.geometry.x.to_numpy(), reports.geometry.y.to_numpy()
    grid = local_hotspots(x, y, cell=cell, exposure_xy=_xy(exposure))
    ix, iy = cell_of(x, y, grid)
    counts = pd.Series(1, index=pd.MultiIndex.from_arrays([ix, iy])).groupby(level=[0, 1]).sum()
    per_cell = counts.reindex(pd.MultiIndex.from_arrays([grid["ix"], grid["iy"]]), fill_value=0).to_numpy()
    out = _curve(per_cell, np.ones(len(per_cell)), by_density=False, x_name="part_surface")
    out.attrs.update(cells=len(grid), cell_m=cell, reports_in_area=int(per_cell.sum()), reports=len(reports))
    return out


def concentration_by_street(
    reports: gpd.GeoDataFrame, segments: gpd.GeoDataFrame, *, attach_m: float = 40.0
) -> pd.DataFrame:
    """Share of reports (``part_signalements``) held by the densest street segments (reports per metre)
    against their share of the total street length (``part_longueur``). Only reports within ``attach_m`` of a
    segment count (as for the axes)."""
    x, y = reports.geometry.x.to_numpy(), reports.geometry.y.to_numpy()
    seg_of = nearest_segment(x, y, segments, max_distance=attach_m)
    counts = np.bincount(seg_of[seg_of >= 0], minlength=len(segments))
    lengths = segments.length.to_numpy()
    out = _curve(counts, lengths, by_density=True, x_name="part_longueur")
    out.attrs.update(segments=len(segments), length_m=float(lengths.sum()), reports_on_streets=int(counts.sum()))
    return out


def share_needed(curve: pd.DataFrame, reports_share: float = 0.5) -> float:
    """The smallest share of area (or length) whose busiest units hold ``reports_share`` of the reports
    (linear between two units)."""
    x = curve.drop(columns="part_signalements").iloc[:, 0].to_numpy()
    y = curve["part_signalements"].to_numpy()
    k = min(int(np.searchsorted(y, reports_share - 1e-12, side="left")), len(y) - 1)
    if k == 0:
        return 0.0
    if y[k] <= y[k - 1]:
        return float(x[k])
    return float(x[k - 1] + (x[k] - x[k - 1]) * (reports_share - y[k - 1]) / (y[k] - y[k - 1]))


def trend_cells(
    reports: gpd.GeoDataFrame,
    *,
    exposure: gpd.GeoDataFrame | None = None,
    now: pd.Timestamp | None = None,
    params: PointParams | None = None,
) -> gpd.GeoDataFrame:
    """Every grid cell hot at least once in the space-time cube, as a square polygon with its category
    (``nouveau``, ``persistant``…), hot steps and Mann-Kendall tau: the trend map behind the points' trends."""
    params = params or PointParams()
    x, y = reports.geometry.x.to_numpy(), reports.geometry.y.to_numpy()
    grid = local_hotspots(x, y, cell=params.cell, ring=params.ring, exposure_xy=_xy(exposure), alpha=params.alpha)
    cube = grid_trends(x, y, reports["observed_at"], grid, params, exposure_xy=_xy(exposure), now=now)
    x0 = grid.attrs["x0"] + cube["ix"].to_numpy() * params.cell
    y0 = grid.attrs["y0"] + cube["iy"].to_numpy() * params.cell
    squares = shapely.box(x0, y0, x0 + params.cell, y0 + params.cell)
    return gpd.GeoDataFrame(cube, geometry=squares, crs=CRS)


def parameter_sweep(
    reports: gpd.GeoDataFrame,
    *,
    exposure: gpd.GeoDataFrame | None,
    eps_values: Iterable[float] = (30.0, 45.0, 60.0, 90.0, 120.0),
    null_models: Iterable[str] = NULL_MODELS,
    params: PointParams | None = None,
    now: pd.Timestamp | None = None,
    segments: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """The sensitive points found for each radius and null model (``exposition`` needs ``exposure``): how many,
    how many reports they hold, their share, their total area (ha) and the derived ``min_samples``. With the
    street ``segments``, clusters stretched along a street are counted apart (``etirements``: the service makes
    them axes), as the stored analysis does."""
    base = params or PointParams()
    rows = []
    for null in null_models:
        if null not in NULL_MODELS:
            raise ValueError(f"modèle nul « {null} » inconnu : {' ou '.join(NULL_MODELS)}")
        if null == "exposition" and exposure is None:
            continue
        for eps in eps_values:
            found = sensitive_points(
                reports,
                exposure=exposure if null == "exposition" else None,
                params=replace(base, eps=eps),
                now=now,
                segments=segments,
            )
            stretched = int(found["kind"].eq("etirement").sum()) if len(found) else 0
            held = int(found["n_reports"].sum()) if len(found) else 0
            rows.append(
                {
                    "modele_nul": null,
                    "eps_m": eps,
                    "points": len(found) - stretched,
                    "etirements": stretched,
                    "signalements_dans_les_points": held,
                    "part_des_signalements": round(held / max(len(reports), 1), 3),
                    "surface_ha": round(float(found.area.sum()) / 10_000, 2) if len(found) else 0.0,
                    "min_samples": found.attrs.get("min_samples"),
                }
            )
    return pd.DataFrame(rows)
