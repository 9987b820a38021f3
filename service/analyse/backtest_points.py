"""Do the sensitive points predict? Their top ``k`` by priority against the top ``k`` places by count.

The service acts on its sensitive points, in the order of their priority. The question a chief asks is whether
visiting the first ten points covers more of next quarter's reports than visiting the ten places with the most
reports so far. Both get the same area: the ``i``-th count place is a disc of the area of the ``i``-th point,
put where it holds the most training reports without overlapping the discs already placed (the best a count
of reports can do with that much ground).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from service.analyse.points import PointParams, sensitive_points


def _count_places(x: np.ndarray, y: np.ndarray, areas: list[float], snap: float = 5.0) -> list[shapely.Geometry]:
    """Discs of the given areas, each placed where it holds the most training reports, without overlapping the
    discs already placed (candidate centres: the reports' ``snap``-metre spots)."""
    spots, counts = np.unique(np.round(np.column_stack([x, y]) / snap), axis=0, return_counts=True)
    spots = spots * snap
    tree = cKDTree(spots)
    discs: list[shapely.Geometry] = []
    centres: list[tuple[float, float, float]] = []
    for area in areas:
        radius = float(np.sqrt(area / np.pi))
        held = np.array([counts[n].sum() for n in tree.query_ball_point(spots, radius)], dtype=float)
        for cx, cy, r in centres:
            held[np.hypot(spots[:, 0] - cx, spots[:, 1] - cy) < r + radius] = -1.0
        best = int(np.argmax(held))
        if held[best] < 0:
            break
        centres.append((float(spots[best, 0]), float(spots[best, 1]), radius))
        discs.append(shapely.Point(spots[best]).buffer(radius, quad_segs=16))
    return discs


def points_vs_places(
    points: gpd.GeoDataFrame,
    *,
    cut: pd.Timestamp,
    end: pd.Timestamp,
    exposure: gpd.GeoDataFrame | None = None,
    params: PointParams | None = None,
    top: int = 10,
) -> dict[str, Any]:
    """Reports of [``cut``, ``end``) inside the top ``top`` sensitive points found on the reports before
    ``cut`` (by priority) and inside as many count places of the same areas."""
    params = params or PointParams()
    when = pd.to_datetime(points["observed_at"], utc=True)
    train = points[(when < cut).to_numpy()]
    test = points[((when >= cut) & (when < end)).to_numpy()]
    found = sensitive_points(train, exposure=exposure, params=params, now=cut)
    chosen = found.head(top)
    tx, ty = test.geometry.x.to_numpy(), test.geometry.y.to_numpy()
    result: dict[str, Any] = {
        "lieux": len(chosen),
        "points_trouves": len(found),
        "test": len(test),
        "debut_test": cut.isoformat(),
        "fin_test": end.isoformat(),
    }
    if chosen.empty or len(test) == 0:
        return {**result, "points_sensibles": None, "comptage": None}
    areas = [float(a) for a in chosen.geometry.area]
    discs = _count_places(train.geometry.x.to_numpy(), train.geometry.y.to_numpy(), areas)
    for name, shapes in (("points_sensibles", list(chosen.geometry)), ("comptage", discs)):
        union = shapely.union_all(shapes)
        shapely.prepare(union)
        hits = int(shapely.contains_xy(union, tx, ty).sum())
        result[name] = {
            "captures": hits,
            "part": round(hits / len(test), 4),
            "aire_km2": round(float(sum(s.area for s in shapes)) / 1e6, 4),
        }
    result["gain"] = (
        round(result["points_sensibles"]["captures"] / result["comptage"]["captures"] - 1, 4)
        if result["comptage"]["captures"]
        else None
    )
    return result
