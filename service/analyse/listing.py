"""Read the stored results of the last analysis: sensitive points and problem axes as GeoDataFrames.

For the CLI's tables, the demonstration and the notebooks (the API has its own, paged, GeoJSON queries).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import psycopg
import shapely

from service.analyse.points import ALL_CATEGORIES, CRS
from service.db.queries import Queries

#: The states a person acts on (the default of the site list and the plans).
ACTIVE_STATES = ("nouveau", "actif", "reouvert")


_q = Queries("service.analyse", "listing.sql")


def _frame(conn: psycopg.Connection[Any], name: str, params: dict[str, Any]) -> gpd.GeoDataFrame:
    frame = _q.frame(conn, name, params)
    geoms = [shapely.from_wkb(bytes(g)) for g in frame.pop("geom")] if "geom" in frame else []
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=CRS)


def stored_points(
    conn: psycopg.Connection[Any],
    *,
    scope: str = ALL_CATEGORIES,
    states: Sequence[str] | None = None,
    limit: int | None = None,
) -> gpd.GeoDataFrame:
    """Sensitive points (polygons, Lambert 72) of one scope, highest priority first; ``x``/``y`` is the
    representative point. ``states`` None: every state."""
    return _frame(conn, "points", {"scope": scope, "states": list(states) if states else None, "limit": limit})


def stored_axes(
    conn: psycopg.Connection[Any], *, states: Sequence[str] | None = None, limit: int | None = None
) -> gpd.GeoDataFrame:
    """Problem axes (lines, Lambert 72), the most reports first. ``states`` None: every state."""
    return _frame(conn, "axes", {"states": list(states) if states else None, "limit": limit})
