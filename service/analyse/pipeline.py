"""One analysis, read as its steps: streets → segments → sensitive points → stretched clusters to axes → axes.

:func:`find_hotspots` is the entry point every door shares: the database run (:func:`service.analyse.store.
run_points`, for ``hotspots analyse``, the demonstration and the API's data), the offline run on any point file
(:mod:`service.analyse.offline`) and the notebooks. GeoDataFrames in (metric CRS), an :class:`Analysis` out;
nothing here reads a file or the database.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from service.analyse.axes import AxisParams, network_from_addresses, problem_axes, segment
from service.analyse.clustering import ALGORITHMS
from service.analyse.points import PointParams, sensitive_points_by_category
from service.analyse.stretches import attach_stretches, split_stretches
from service.errors import InputFileError
from service.settings import Settings

#: a category is clustered on its own when it has at least this many reports (as any analysis: checks.MIN_POINTS)
MIN_CATEGORY_REPORTS = 10


@dataclass
class Analysis:
    """What one analysis found: every significant cluster (``found``, with the search's facts in ``attrs``), the
    sensitive points among them, the clusters stretched along one street (``stretches``, handed to the axes), the
    problem axes, and the street segments they were measured on (None without streets: no axes then)."""

    found: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    stretches: gpd.GeoDataFrame
    axes: gpd.GeoDataFrame | None
    segments: gpd.GeoDataFrame | None


def point_params(
    settings: Settings,
    *,
    algorithm: str | None = None,
    eps: float | None = None,
    min_samples: int | None = None,
    min_cluster_size: int | None = None,
) -> PointParams:
    """The clustering settings asked for, the service's settings filling the gaps; a French error for a value the
    search cannot use."""
    algorithm = algorithm or settings.analysis_algorithm
    if algorithm not in ALGORITHMS:
        raise InputFileError(f"--algorithme « {algorithm} » inconnu.", hint=f"Choisissez {' ou '.join(ALGORITHMS)}.")
    try:
        return PointParams(
            algorithm=algorithm,
            eps=eps or settings.analysis_eps_m,
            min_samples=min_samples,
            min_cluster_size=min_cluster_size,
            timezone=settings.timezone,
        )
    except ValueError as exc:
        raise InputFileError(f"Réglage refusé : {exc}.", hint="Voir hotspots analyse --help.") from exc


def street_network(
    lines: gpd.GeoDataFrame | None = None, addresses: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame | None:
    """The streets of an analysis: the ``lines`` given (an OpenStreetMap export...), else one approximate centre
    line per street drawn through the ``addresses`` that carry ``street`` and ``municipality``; None without
    either (the analysis then finds no axis)."""
    if lines is not None:
        return lines
    if addresses is None or addresses.empty:
        return None
    return network_from_addresses(addresses[["street", "municipality", "geometry"]])


def within_window(
    points: gpd.GeoDataFrame, *, since: pd.Timestamp | None = None, until: pd.Timestamp | None = None
) -> gpd.GeoDataFrame:
    """The points observed in [``since``, ``until``) (either bound may be open); ``attrs`` are kept."""
    when = pd.to_datetime(points["observed_at"], utc=True)
    keep = pd.Series(True, index=points.index)
    if since is not None:
        keep &= when >= since
    if until is not None:
        keep &= when < until
    out = points[keep.to_numpy()]
    out.attrs.update(points.attrs, window_dropped=int((~keep).sum()))
    return out


def find_hotspots(
    reports: gpd.GeoDataFrame,
    *,
    now: pd.Timestamp,
    params: PointParams | None = None,
    exposure: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    by_category: bool = False,
    gravity: dict[str, float] | None = None,
    visits: gpd.GeoDataFrame | None = None,
    axis_params: AxisParams | None = None,
) -> Analysis:
    """The sensitive points and problem axes of ``reports`` (``category``, ``observed_at``, points in metres).

    ``exposure``: address points for the null model; ``streets``: lines (:func:`street_network`); with
    ``by_category`` each category with at least :data:`MIN_CATEGORY_REPORTS` reports is also searched on its own;
    ``gravity`` (category → weight) and ``visits`` (``visited_at``, ``outcome``) enter the priority. Clusters
    stretched along one street become (or join) axes instead of points.
    """
    segments = segment(streets) if streets is not None else None
    found = sensitive_points_by_category(
        reports,
        by_category=by_category,
        min_reports=MIN_CATEGORY_REPORTS,
        exposure=exposure,
        params=params or PointParams(),
        gravity=gravity,
        visits=visits,
        now=now,
        segments=segments,
    )
    points, stretches = split_stretches(found, segments)
    axes = None
    if segments is not None:
        axes, segment_stats = problem_axes(reports, segments, exposure=exposure, params=axis_params)
        axes = attach_stretches(axes, stretches, segment_stats)
    return Analysis(found, points, stretches, axes, segments)
