"""Do the sensitive points predict? Their top ``k`` by priority against the top ``k`` places by count.

The service acts on its sensitive points, in the order of their priority. The question a chief asks is whether
visiting the first ten points covers more of next quarter's reports than visiting the ten places with the most
reports so far. Both get the same area: the ``i``-th count place is a disc of the area of the ``i``-th point,
centred on the next busiest spot (training reports per 5 m spot: many reports snapped to one address or one
anonymised point make one place; a spot already covered by a chosen disc is skipped, so that the places are
distinct).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from service.analyse.points import PointParams, sensitive_points


def _count_places(x: np.ndarray, y: np.ndarray, areas: list[float], snap: float = 5.0) -> list[shapely.Geometry]:
    """Discs of the given areas on the busiest places (training reports per ``snap``-metre spot, so that many
    reports snapped to one point make one place), a spot already inside a chosen disc skipped."""
    spots, counts = np.unique(np.round(np.column_stack([x, y]) / snap), axis=0, return_counts=True)
    spots = spots * snap
    order = np.lexsort((spots[:, 1], spots[:, 0], -counts))
    discs: list[shapely.Geometry] = []
    for i in order:
        if len(discs) == len(areas):
            break
        if any(shapely.contains_xy(d, spots[i, 0], spots[i, 1]) for d in discs):
            continue
        radius = float(np.sqrt(areas[len(discs)] / np.pi))
        discs.append(shapely.Point(spots[i, 0], spots[i, 1]).buffer(radius, quad_segs=16))
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
