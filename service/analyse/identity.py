"""Stable identities and lifecycle of sensitive points across runs.

A point found again keeps its id: a new polygon is matched to the previous point it overlaps most or, failing
overlap, to the previous point whose representative point lies within ``max_distance`` metres (a dumping corner
that drifts 30 m along the lay-by is the same place). Lifecycle states:

``nouveau`` (first seen) → ``actif`` (seen again) → ``surveille`` (no longer significant) → ``resolu`` (no report
for ``resolve_weeks`` weeks after a ``nettoye`` visit); a resolved point found again is ``reouvert``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ACTIVE_STATES = ("nouveau", "actif", "reouvert")


def _number(point_id: str) -> int:
    digits = "".join(ch for ch in str(point_id) if ch.isdigit())
    return int(digits) if digits else 0


def assign_identities(
    current: gpd.GeoDataFrame,
    previous: gpd.GeoDataFrame,
    *,
    now: pd.Timestamp,
    max_distance: float = 75.0,
    resolve_weeks: int = 8,
) -> gpd.GeoDataFrame:
    """Return every point, current and previous, with its ``id`` and ``state`` after this run.

    ``previous`` has columns ``id``, ``state``, ``geometry``, ``point``, ``last_report`` and optionally
    ``cleaned_at`` (last ``nettoye`` visit). Previous points not found again are returned too, with their
    new state, so the caller can store their history.
    """
    current = current.copy()
    current["id"] = None
    current["state"] = None
    current["found_now"] = True
    matched_prev: set[int] = set()
    if not previous.empty and not current.empty:
        pairs = []
        for ci, cgeom in enumerate(current.geometry):
            for pi, pgeom in enumerate(previous.geometry):
                inter = cgeom.intersection(pgeom).area
                if inter > 0:
                    pairs.append((inter / cgeom.union(pgeom).area + 1.0, ci, pi))
                else:
                    d = shapely.distance(current["point"].iloc[ci], previous["point"].iloc[pi])
                    if d <= max_distance:
                        pairs.append((1.0 - d / max_distance, ci, pi))
        for _score, ci, pi in sorted(pairs, reverse=True):
            if current["id"].iloc[ci] is not None or pi in matched_prev:
                continue
            matched_prev.add(pi)
            prev_state = previous["state"].iloc[pi]
            current.iloc[ci, current.columns.get_loc("id")] = previous["id"].iloc[pi]
            current.iloc[ci, current.columns.get_loc("state")] = "reouvert" if prev_state == "resolu" else "actif"
    next_number = max((_number(i) for i in previous["id"]), default=0) + 1 if not previous.empty else 1
    for ci in range(len(current)):
        if current["id"].iloc[ci] is None:
            current.iloc[ci, current.columns.get_loc("id")] = f"PS-{next_number:04d}"
            current.iloc[ci, current.columns.get_loc("state")] = "nouveau"
            next_number += 1
    gone = previous.iloc[[i for i in range(len(previous)) if i not in matched_prev]].copy()
    if not gone.empty:
        cleaned = pd.to_datetime(gone.get("cleaned_at", pd.Series(pd.NaT, index=gone.index)), utc=True)
        last = pd.to_datetime(gone["last_report"], utc=True)
        quiet = (now - cleaned) >= pd.Timedelta(weeks=resolve_weeks)
        resolved = cleaned.notna() & (last <= cleaned) & quiet
        gone["state"] = np.where(gone["state"].eq("resolu") | resolved, "resolu", "surveille")
        gone["found_now"] = False
    return pd.concat([current, gone], ignore_index=True) if not gone.empty else current
