"""Sensitive points: dense clusters of reports inside neighbourhoods that chance does not explain.

Two steps, each doing what it is good at:

1. :func:`service.analyse.significance.local_hotspots` flags grid cells whose Gi* neighbourhood holds more
   reports than the null model allows (FDR-corrected). On pure noise nothing is flagged.
2. A density clusterer (:mod:`service.analyse.clustering`: DBSCAN by default, or HDBSCAN) groups the reports of
   flagged cells into places. Running it only on those reports is also what keeps a million reports cheap.

Each cluster must then pass its own test (its footprint against the null model). A cluster stretched along one
street (:mod:`service.analyse.stretches`) is an axis, not a point: it is marked ``kind = "etirement"`` when the
street segments are given, and the callers attach it to the problem axes.

The priority is a product a person can read (``priority_components``): the mean gravity of the place's
categories × ``log(1 + reports expected there in the next three months)`` (the forecast of
:mod:`service.analyse.place_forecast`, which carries the volume, the recency, the repeat and the trend of the place) ×
the follow-up of the last visit.

Defaults: ``eps`` = 60 m; ``min_samples`` derived from the data: three times the number of reports a 60 m disc
would hold if reports were spread like the null model, and at least 4 (HDBSCAN's own defaults derive from it,
see :mod:`service.analyse.clustering`). All can be overridden.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import stats
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from service.analyse.clustering import ALGORITHMS, cluster_labels, derived_min_samples
from service.analyse.place_forecast import HORIZON_MONTHS, place_forecasts
from service.analyse.priority import OUTCOME_FACTOR
from service.analyse.significance import benjamini_hochberg, cell_of, local_hotspots
from service.analyse.stretches import StretchRule, cluster_shape, street_of_reports
from service.analyse.trends import emerging_hotspots
from service.geo import is_metric
from service.settings import DEFAULT_TIMEZONE

CRS = "EPSG:31370"


@dataclass(frozen=True)
class PointParams:
    """Hyper-parameters of the sensitive-point search (see the module docstring for the defaults)."""

    algorithm: str = "dbscan"
    eps: float = 60.0
    min_samples: int | None = None
    min_cluster_size: int | None = None
    cell: float = 100.0
    ring: int = 1
    alpha: float = 0.05
    hull_buffer: float = 15.0
    snap: float = 5.0
    stretch: StretchRule = field(default_factory=StretchRule)
    timezone: str = DEFAULT_TIMEZONE  # whose months the forecast counts (the service's)

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithme « {self.algorithm} » inconnu : choisissez {' ou '.join(ALGORITHMS)}")
        if self.eps <= 0:
            raise ValueError(f"rayon (eps) de {self.eps} m : il doit être positif")
        for name in ("min_samples", "min_cluster_size"):
            value = getattr(self, name)
            if value is not None and value < 2:
                raise ValueError(f"{name} = {value} : il faut au moins 2 signalements par grappe")


def grid_trends(
    x: np.ndarray,
    y: np.ndarray,
    when: pd.Series,
    grid: pd.DataFrame,
    params: PointParams,
    *,
    exposure_xy: tuple[np.ndarray, np.ndarray] | None,
    now: pd.Timestamp | None,
) -> pd.DataFrame:
    """The emerging-hot-spot category of every cell of the significance ``grid`` (its origin and shape in
    ``attrs``) hot at least once, with the search's cell, ring and alpha (:func:`service.analyse.trends.
    emerging_hotspots`)."""
    return emerging_hotspots(
        x,
        y,
        when,
        x0=grid.attrs["x0"],
        y0=grid.attrs["y0"],
        shape=grid.attrs["shape"],
        cell=params.cell,
        ring=params.ring,
        exposure_xy=exposure_xy,
        end=now,
        alpha=params.alpha,
    )


def _densest(x: np.ndarray, y: np.ndarray, radius: float, snap: float = 5.0) -> int:
    """Index of the report at the place with the most reports within ``radius`` (ties: nearest the mean): the
    heart of the place, not pulled aside by stragglers the way a centroid is. Counted on a ``snap``-metre
    lattice (weighted), so a cluster of 100 000 reports costs no more than its footprint."""
    cells, inverse, counts = np.unique(
        np.round(np.column_stack([x, y]) / snap), axis=0, return_inverse=True, return_counts=True
    )
    xy = cells * snap
    density = np.array([counts[n].sum() for n in cKDTree(xy).query_ball_point(xy, radius)])
    best = np.flatnonzero(density == density.max())
    heart = best[np.argmin(np.hypot(xy[best, 0] - x.mean(), xy[best, 1] - y.mean()))]
    members = np.flatnonzero(inverse.ravel() == heart)
    return int(members[np.argmin(np.hypot(x[members] - xy[heart, 0], y[members] - xy[heart, 1]))])


def _significant_clusters(
    labels: np.ndarray,
    footprints: dict[int, shapely.Geometry],
    exposure_xy: tuple[np.ndarray, np.ndarray] | None,
    area: float,
    params: PointParams,
    searched: int,
) -> dict[int, float]:
    """Cluster → q-value of its own exact Poisson test, for the clusters that pass (BH over the clusters).

    Cells next to a real hot spot share its Gi* neighbourhood and are flagged too; the handful of ordinary
    reports they hold would otherwise form small satellite "points". Each cluster must hold more reports than
    its own footprint (hull + buffer) is expected to receive under the same null model. The clusters were
    picked out of the whole grid, so the correction counts every cell searched, not only the clusters found.
    """
    total = len(labels)
    found = sorted(footprints)
    if not found:
        return {}
    exposure_total = len(exposure_xy[0]) if exposure_xy is not None else 0
    p_values = []
    for label in found:
        member = labels == label
        footprint = footprints[label]
        shapely.prepare(footprint)
        if exposure_xy is not None and exposure_total:
            share = shapely.contains_xy(footprint, exposure_xy[0], exposure_xy[1]).sum() / exposure_total
        else:
            share = footprint.area / area
        expected = max(total * share, 1e-9)
        p_values.append(stats.poisson.sf(member.sum() - 1, expected))
    q = benjamini_hochberg(np.array(p_values), m=searched)
    return {label: qv for label, qv in zip(found, q, strict=True) if qv <= params.alpha}


_MONDAY = pd.Timestamp("1970-01-05", tz="UTC")


def _iso_weeks(dates: pd.Series) -> int:
    """Distinct calendar weeks (Monday to Sunday, UTC) among the dates: ISO weeks, without formatting them."""
    return int(((dates - _MONDAY) // pd.Timedelta(weeks=1)).nunique())


def _point_trend(
    trend_by_cell: dict[tuple[int, int], tuple[str, float | None, int]], cells: Iterable[tuple[int, int]]
) -> tuple[str, float | None]:
    """The category of the point's busiest-in-time cell (the one hot in most time steps)."""
    known = [trend_by_cell[c] for c in set(cells) if c in trend_by_cell]
    if not known:
        return "aucune", None
    category, tau, _steps = max(known, key=lambda t: t[2])
    return category, tau


def _last_visit(visits: gpd.GeoDataFrame | None, area: shapely.Geometry) -> tuple[pd.Timestamp | None, str | None]:
    if visits is None or visits.empty:
        return None, None
    inside = visits[shapely.contains_xy(area, visits.geometry.x.to_numpy(), visits.geometry.y.to_numpy())]
    if inside.empty:
        return None, None
    last = inside.sort_values("visited_at").iloc[-1]
    return pd.Timestamp(last["visited_at"]), str(last["outcome"])


def _in_significant_cells(
    x: np.ndarray, y: np.ndarray, grid: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cell column, cell row, whether the cell is significant) of each report."""
    ix, iy = cell_of(x, y, grid)
    flagged = np.zeros((int(grid["iy"].max()) + 2, int(grid["ix"].max()) + 2), dtype=bool)
    sig = grid[grid["significant"]]
    flagged[sig["iy"].to_numpy(), sig["ix"].to_numpy()] = True
    inside = (ix >= 0) & (iy >= 0) & (ix < flagged.shape[1]) & (iy < flagged.shape[0])
    hot = np.zeros(len(x), dtype=bool)
    hot[inside] = flagged[iy[inside], ix[inside]]
    return ix, iy, hot


@dataclass
class _Search:
    """What each place of one search is described with: the reports and their cells and cluster labels, the
    hulls, the settings and the facts read for every place (gravity, visits, forecast, significance, trends,
    streets)."""

    reports: gpd.GeoDataFrame
    x: np.ndarray
    y: np.ndarray
    ix: np.ndarray
    iy: np.ndarray
    labels: np.ndarray
    hulls: dict[int, BaseGeometry]
    params: PointParams
    gravity: dict[str, float]
    visits: gpd.GeoDataFrame | None
    expected: dict[int, float]
    q_by_cell: dict[tuple[int, int], float]
    trend_by_cell: dict[tuple[int, int], tuple[str, float | None, int]]
    streets: Any


def _place(search: _Search, label: int, cluster_q: float) -> dict[str, Any]:
    """One sensitive point: its polygon and representative point, counts, dates, trend, last visit, significance,
    forecast, priority with its components, shape and street."""
    s, params = search, search.params
    member = s.labels == label
    members = s.reports[member]
    pts = members.geometry
    hull = s.hulls[label]
    medoid = pts.iloc[_densest(pts.x.to_numpy(), pts.y.to_numpy(), params.eps / 2)]
    dates = pd.to_datetime(members["observed_at"], utc=True)
    trend, tau = _point_trend(s.trend_by_cell, zip(s.ix[member], s.iy[member], strict=True))
    weeks = _iso_weeks(dates)
    by_cat = members["category"].value_counts().to_dict()
    grav = float(np.mean([s.gravity.get(c, 1.0) for c in members["category"]]))
    last_visit, last_outcome = _last_visit(s.visits, hull.buffer(params.hull_buffer + 25.0))
    components = {
        "gravite": round(grav, 3),
        "prevision": round(float(np.log1p(s.expected[label])), 3),
        "suite_visite": OUTCOME_FACTOR.get(last_outcome, 1.0),
    }
    priority = float(np.prod(list(components.values())))
    cells = {(a, b) for a, b in zip(s.ix[member], s.iy[member], strict=True)}
    length, width = cluster_shape(s.x[member], s.y[member])
    fit = s.streets.fit(member, s.x, s.y, params.stretch) if s.streets is not None else None
    return {
        "geometry": hull.buffer(params.hull_buffer),
        "point": medoid,
        "n_reports": len(members),
        "categories": by_cat,
        "main_category": max(by_cat, key=lambda c: by_cat[c]),
        "first_report": dates.min(),
        "last_report": dates.max(),
        "recurrence_weeks": int(weeks),
        "trend": trend,
        "trend_tau": tau,
        "last_visit": last_visit,
        "last_outcome": last_outcome,
        "q_min": float(min(s.q_by_cell.get(c, 1.0) for c in cells)),
        "q_cluster": float(cluster_q),
        "priority": round(priority, 3),
        "priority_components": components,
        "forecast_reports": round(s.expected[label], 2),
        "length_m": round(length, 1),
        "width_m": round(width, 1),
        "street": fit.street if fit else None,
        "street_share": fit.share if fit else None,
        "street_spread_m": fit.spread_m if fit else None,
        "segment_ids": fit.segment_ids if fit else [],
        "kind": params.stretch.kind(
            length,
            width,
            fit.share if fit else None,
            fit.spread_m if fit else None,
            fit.core_share if fit else None,
        ),
        "report_ids": members["id"].tolist() if "id" in members else [],
    }


def sensitive_points(
    reports: gpd.GeoDataFrame,
    *,
    exposure: gpd.GeoDataFrame | None = None,
    params: PointParams | None = None,
    gravity: dict[str, float] | None = None,
    visits: gpd.GeoDataFrame | None = None,
    now: pd.Timestamp | None = None,
    segments: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Find sensitive points in ``reports`` (points in a metric CRS, e.g. EPSG:31370, with ``category`` and
    ``observed_at``); the answer is in the same CRS.

    Returns one row per place: polygon, representative point, counts by category, first/last report,
    recurrence (distinct weeks), trend, last visit (``visits``: points with ``visited_at`` and ``outcome``,
    matched within 25 m of the polygon), significance, the reports expected at the place in the next three
    months (``forecast_reports``, :mod:`service.analyse.place_forecast`), a priority with its components, and its
    shape (long and short side of its minimum rotated rectangle). With the street ``segments``
    (:func:`service.analyse.axes.segment`), each row also names its main street and the share of its reports on
    it, and ``kind`` says whether it is a ``point`` or an ``etirement`` along one street
    (:class:`service.analyse.stretches.StretchRule`); without them every row is a ``point``.
    """
    params = params or PointParams()
    crs = metric_crs_of(reports)
    if reports.empty:
        return _empty(crs)
    now = now or pd.Timestamp.now(tz="UTC")
    x, y = reports.geometry.x.to_numpy(), reports.geometry.y.to_numpy()
    exp_xy = (exposure.geometry.x.to_numpy(), exposure.geometry.y.to_numpy()) if exposure is not None else None
    grid = local_hotspots(x, y, cell=params.cell, ring=params.ring, exposure_xy=exp_xy, alpha=params.alpha)
    ix, iy, hot = _in_significant_cells(x, y, grid)
    if not hot.any():
        return _empty(crs)
    # the area the null spreads the reports over: the event footprint without exposure (not the bounding box)
    area = (grid.attrs["null_cells"] if exp_xy is None else len(grid)) * params.cell**2
    min_samples = params.min_samples or derived_min_samples(len(reports), area, params.eps)
    labels = np.full(len(reports), -1)
    labels[hot] = cluster_labels(
        x[hot],
        y[hot],
        algorithm=params.algorithm,
        eps=params.eps,
        min_samples=min_samples,
        min_cluster_size=params.min_cluster_size,
        snap=params.snap,
    )
    # one hull per cluster, used by the cluster test and for the polygon
    hulls = {
        int(label): shapely.convex_hull(shapely.multipoints(np.column_stack([x[labels == label], y[labels == label]])))
        for label in np.unique(labels[labels >= 0])
    }
    kept = _significant_clusters(
        labels,
        {label: hull.buffer(params.hull_buffer) for label, hull in hulls.items()},
        exp_xy,
        area,
        params,
        searched=len(grid),
    )
    cube = grid_trends(x, y, reports["observed_at"], grid, params, exposure_xy=exp_xy, now=now)
    expected, forecast = (
        place_forecasts(reports, labels, list(kept), now=now, exposure=exposure, cell=params.cell, zone=params.timezone)
        if kept
        else ({}, None)
    )
    search = _Search(
        reports=reports,
        x=x,
        y=y,
        ix=ix,
        iy=iy,
        labels=labels,
        hulls=hulls,
        params=params,
        gravity=gravity or {},
        visits=visits,
        expected=expected,
        q_by_cell=dict(zip(zip(grid["ix"], grid["iy"], strict=True), grid["q"], strict=True)),
        trend_by_cell={(r.ix, r.iy): (r.category, r.mk_tau, r.hot_steps) for r in cube.itertuples()},
        streets=(
            street_of_reports(x, y, labels >= 0, segments, attach_m=params.stretch.attach_m)
            if segments is not None
            else None
        ),
    )
    rows = [_place(search, label, cluster_q) for label, cluster_q in kept.items()]
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs) if rows else _empty(crs)
    out = out.sort_values("priority", ascending=False).reset_index(drop=True)
    out.attrs.update(
        algorithm=params.algorithm,
        min_samples=min_samples,
        min_cluster_size=(params.min_cluster_size or min_samples) if params.algorithm == "hdbscan" else None,
        eps=params.eps,
        null=grid.attrs["null"],
        null_area_km2=round(area / 1e6, 2),
        cells=len(grid),
        significant_cells=int(grid["significant"].sum()),
        forecast=forecast.describe() if forecast is not None else None,
        forecast_months=HORIZON_MONTHS,
    )
    return out


def metric_crs_of(frame: gpd.GeoDataFrame) -> pyproj.CRS:
    """The frame's CRS when it is projected in metres (Lambert 72, UTM, any national grid); else ValueError:
    grid cells, radii and buffers are in metres."""
    crs = frame.crs
    if crs is None:
        raise ValueError("les signalements n'ont pas de système de coordonnées")
    crs = pyproj.CRS.from_user_input(crs)
    if not is_metric(crs):
        raise ValueError(
            f"les signalements doivent être dans un système métrique (EPSG:31370, UTM…), pas {crs.to_string()}"
        )
    return crs


def _empty(crs: object = CRS) -> gpd.GeoDataFrame:
    cols = [
        "geometry",
        "point",
        "n_reports",
        "categories",
        "main_category",
        "first_report",
        "last_report",
        "recurrence_weeks",
        "trend",
        "trend_tau",
        "last_visit",
        "last_outcome",
        "q_min",
        "q_cluster",
        "priority",
        "priority_components",
        "forecast_reports",
        "length_m",
        "width_m",
        "street",
        "street_share",
        "street_spread_m",
        "segment_ids",
        "kind",
        "report_ids",
    ]
    return gpd.GeoDataFrame({c: [] for c in cols}, geometry="geometry", crs=crs)


ALL_CATEGORIES = "toutes"


def sensitive_points_by_category(
    reports: gpd.GeoDataFrame, *, by_category: bool = True, min_reports: int = 10, **options: Any
) -> gpd.GeoDataFrame:
    """:func:`sensitive_points` across all categories (``category_scope`` = ``toutes``) and, with
    ``by_category``, for each category with at least ``min_reports`` reports on its own (``category_scope`` =
    the category): a corner where graffiti keeps coming back is drowned among the bags of a busy street when
    every category is counted together, and a category's null model is its own total spread by exposure."""
    every = sensitive_points(reports, **options)
    every["category_scope"] = ALL_CATEGORIES
    frames = [every]
    if by_category and not reports.empty:
        counts = reports["category"].value_counts()
        for category in sorted(counts[counts >= min_reports].index):
            one = sensitive_points(reports[reports["category"] == category], **options)
            one["category_scope"] = category
            frames.append(one)
    kept = [f for f in frames if not f.empty]
    out = gpd.GeoDataFrame(pd.concat(kept, ignore_index=True), geometry="geometry", crs=every.crs) if kept else every
    out.attrs.update(every.attrs, by_category=by_category)
    return out
