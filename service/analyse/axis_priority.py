"""A problem axis's priority, on the same scale as the sensitive points'.

An axis is ranked by what it will cost the service next, like a point: gravity of its reports × forecast (log of
one plus the reports expected along it over the next quarter, :mod:`service.analyse.place_forecast`) × outcome of
its last visit. Its observed/expected ratio says how surprising the street is, not how important: it is kept for
the statistics, not used here. The reports along an axis that lie inside a current sensitive point belong to that
point (the point is a site of its own): they are not counted twice.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from service.analyse.place_forecast import place_forecasts
from service.analyse.priority import OUTCOME_FACTOR
from service.settings import DEFAULT_TIMEZONE

#: A report belongs to an axis within this distance of its line (the same 15 m as the axes' own counts).
ATTACH_M = 15.0


def reports_along(
    axes: gpd.GeoDataFrame, reports: gpd.GeoDataFrame, points: gpd.GeoDataFrame | None, *, attach_m: float = ATTACH_M
) -> np.ndarray:
    """The axis (row position) of each report within ``attach_m`` of one, -1 otherwise; reports inside one of the
    ``points`` polygons stay -1."""
    labels = np.full(len(reports), -1, dtype=np.int64)
    if axes.empty or reports.empty:
        return labels
    tree = shapely.STRtree(np.asarray(axes.geometry.array))
    pairs = tree.query_nearest(
        np.asarray(reports.geometry.array), max_distance=attach_m, return_distance=False, all_matches=False
    )
    labels[pairs[0]] = pairs[1]
    if points is not None and not points.empty:
        inside = shapely.STRtree(np.asarray(points.geometry.array)).query(
            np.asarray(reports.geometry.array), predicate="intersects"
        )
        labels[np.unique(inside[0])] = -1
    return labels


def axis_priorities(
    axes: gpd.GeoDataFrame,
    reports: gpd.GeoDataFrame,
    *,
    now: pd.Timestamp,
    points: gpd.GeoDataFrame | None = None,
    exposure: gpd.GeoDataFrame | None = None,
    gravity: dict[str, float] | None = None,
    visits: gpd.GeoDataFrame | None = None,
    zone: str = DEFAULT_TIMEZONE,
) -> gpd.GeoDataFrame:
    """``axes`` with ``priority``, ``priority_components`` (``gravite``, ``prevision``, ``suite_visite``) and
    ``forecast_reports``: the points' formula applied to the reports along each axis (see the module docstring).
    ``visits``: points with ``visited_at`` and ``outcome``; the last one within 15 m of an axis sets its factor."""
    out = axes.copy()
    if axes.empty:
        for column in ("priority", "priority_components", "forecast_reports"):
            out[column] = pd.Series(dtype=object)
        return out
    labels = reports_along(axes, reports, points)
    places = list(range(len(axes)))
    expected = (
        place_forecasts(reports, labels, places, now=now, exposure=exposure, zone=zone)[0]
        if (labels >= 0).any()
        else dict.fromkeys(places, 0.0)
    )
    gravity = gravity or {}
    categories = reports["category"].to_numpy()
    priorities, components, forecasts = [], [], []
    for place, line in enumerate(axes.geometry):
        mine = categories[labels == place]
        grav = float(np.mean([gravity.get(c, 1.0) for c in mine])) if len(mine) else 1.0
        outcome = _last_outcome(visits, line)
        factors = {
            "gravite": round(grav, 3),
            "prevision": round(float(np.log1p(expected[place])), 3),
            "suite_visite": OUTCOME_FACTOR.get(outcome, 1.0),
        }
        priorities.append(round(float(np.prod(list(factors.values()))), 3))
        components.append(factors)
        forecasts.append(round(float(expected[place]), 2))
    out["priority"] = priorities
    out["priority_components"] = components
    out["forecast_reports"] = forecasts
    return out


def _last_outcome(visits: gpd.GeoDataFrame | None, line: shapely.Geometry) -> str | None:
    if visits is None or visits.empty:
        return None
    near = visits[visits.geometry.distance(line) <= ATTACH_M]
    if near.empty:
        return None
    return str(near.sort_values("visited_at").iloc[-1]["outcome"])
