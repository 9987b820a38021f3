"""Stable identities and lifecycle of sensitive points and problem axes across runs.

A place found again keeps its id.

* A **point** (``PS-0001``) is matched to the previous point its polygon overlaps most or, failing overlap, to
  the previous point whose representative point lies within ``max_distance`` metres (a dumping corner that
  drifts 30 m along the lay-by is the same place).
* An **axis** (``AX-0001``) is matched to a previous axis of the same street and commune when enough of one
  lies along the other: the share of the shorter line within ``buffer_m`` (25 m) of the other is at least
  ``min_overlap`` (30 %). An axis that grows by a segment or loses one keeps its id; the same street elsewhere
  in the commune (farther than 25 m) is another axis.

Pairs are taken best first, each previous place at most once. Lifecycle states:

``nouveau`` (first seen) → ``actif`` (seen again) → ``surveille`` (no longer significant) → ``resolu`` (no report
for ``resolve_weeks`` weeks after a ``nettoye`` visit); a resolved place found again is ``reouvert``.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ACTIVE_STATES = ("nouveau", "actif", "reouvert")


def _number(place_id: str) -> int:
    digits = "".join(ch for ch in str(place_id) if ch.isdigit())
    return int(digits) if digits else 0


def next_number(previous: gpd.GeoDataFrame) -> int:
    """The number after the largest id ever given (ids are never reused)."""
    return max((_number(i) for i in previous["id"]), default=0) + 1 if not previous.empty else 1


@dataclass(frozen=True)
class Lifecycle:
    """When this run happens, how many quiet weeks after a ``nettoye`` visit resolve a place, and the number of the
    first new id (default: after the largest in the previous places)."""

    now: pd.Timestamp
    resolve_weeks: int = 8
    first_number: int | None = None


def _lifecycle(
    current: gpd.GeoDataFrame,
    previous: gpd.GeoDataFrame,
    pairs: list[tuple[float, int, int]],
    prefix: str,
    life: Lifecycle,
) -> gpd.GeoDataFrame:
    """Ids and states from scored (score, current, previous) pairs, best first."""
    now, resolve_weeks, first_number = life.now, life.resolve_weeks, life.first_number
    current = current.copy()
    ids: list[str | None] = [None] * len(current)
    states: list[str | None] = [None] * len(current)
    matched_prev: set[int] = set()
    for _score, ci, pi in sorted(pairs, reverse=True):
        if ids[ci] is not None or pi in matched_prev:
            continue
        matched_prev.add(pi)
        ids[ci] = str(previous["id"].iloc[pi])
        states[ci] = "reouvert" if previous["state"].iloc[pi] == "resolu" else "actif"
    number = first_number if first_number is not None else next_number(previous)
    for ci in range(len(current)):
        if ids[ci] is None:
            ids[ci], states[ci] = f"{prefix}-{number:04d}", "nouveau"
            number += 1
    current["id"], current["state"], current["found_now"] = ids, states, True
    gone = previous.iloc[[i for i in range(len(previous)) if i not in matched_prev]].copy()
    if gone.empty:
        return current
    cleaned = pd.to_datetime(gone.get("cleaned_at", pd.Series(pd.NaT, index=gone.index)), utc=True)
    last = pd.to_datetime(gone["last_report"], utc=True)
    quiet = (now - cleaned) >= pd.Timedelta(weeks=resolve_weeks)
    resolved = cleaned.notna() & (last <= cleaned) & quiet
    gone["state"] = np.where(gone["state"].eq("resolu") | resolved, "resolu", "surveille")
    gone["found_now"] = False
    return pd.concat([current, gone], ignore_index=True) if not current.empty else gone.reset_index(drop=True)


def assign_identities(
    current: gpd.GeoDataFrame, previous: gpd.GeoDataFrame, life: Lifecycle, *, max_distance: float = 75.0
) -> gpd.GeoDataFrame:
    """Return every point, current and previous, with its ``id`` and ``state`` after this run.

    ``previous`` has columns ``id``, ``state``, ``geometry``, ``point``, ``last_report`` and optionally
    ``cleaned_at`` (last ``nettoye`` visit). Previous points not found again are returned too, with their
    new state, so the caller can store their history.
    """
    pairs = []
    if not previous.empty and not current.empty:
        for ci, cgeom in enumerate(current.geometry):
            for pi, pgeom in enumerate(previous.geometry):
                inter = cgeom.intersection(pgeom).area
                if inter > 0:
                    pairs.append((inter / cgeom.union(pgeom).area + 1.0, ci, pi))
                else:
                    d = shapely.distance(current["point"].iloc[ci], previous["point"].iloc[pi])
                    if d <= max_distance:
                        pairs.append((1.0 - d / max_distance, ci, pi))
    return _lifecycle(current, previous, pairs, "PS", life)


def _same_street(a: object, b: object) -> bool:
    return str(a or "").casefold() == str(b or "").casefold()


def assign_axis_identities(
    current: gpd.GeoDataFrame,
    previous: gpd.GeoDataFrame,
    life: Lifecycle,
    *,
    buffer_m: float = 25.0,
    min_overlap: float = 0.3,
) -> gpd.GeoDataFrame:
    """Every axis, current and previous, with its ``id`` (``AX-0001``) and ``state`` after this run.

    ``current`` and ``previous`` have ``street``, ``municipality`` and line geometries; ``previous`` also
    ``id``, ``state``, ``last_report`` and optionally ``cleaned_at``.
    """
    pairs = []
    if not previous.empty and not current.empty:
        for ci, (cgeom, cstreet, cmun) in enumerate(
            zip(current.geometry, current["street"], current["municipality"], strict=True)
        ):
            for pi, (pgeom, pstreet, pmun) in enumerate(
                zip(previous.geometry, previous["street"], previous["municipality"], strict=True)
            ):
                if not (_same_street(cstreet, pstreet) and _same_street(cmun, pmun)):
                    continue
                shorter, longer = (cgeom, pgeom) if cgeom.length <= pgeom.length else (pgeom, cgeom)
                if shorter.length <= 0:
                    continue
                overlap = shorter.intersection(longer.buffer(buffer_m)).length / shorter.length
                if overlap >= min_overlap:
                    pairs.append((overlap, ci, pi))
    return _lifecycle(current, previous, pairs, "AX", life)
