"""Problem axes: street stretches where reports keep coming, beyond what their length (or homes) explain.

1. A street network: imported lines (OpenStreetMap GeoJSON/GeoPackage, read with pyogrio) or, where none is
   given, one line per street derived from its official address points: the longest path of their minimum
   spanning tree (it follows a curving street; gaps over 250 m split it).
2. Segments of about 100 m (50–150 m), each keeping its street name.
3. Each report is attached to the nearest segment within 40 m (:func:`nearest_segment`).
4. Per segment: reports, rate per 100 m, expected reports (the segment's share of the total length, or of the
   address points along it), an exact one-sided Poisson p-value, Benjamini-Hochberg q-values, and a forecast
   (reports per month by the two-groups pooling of :mod:`service.analyse.two_groups`: a stretch whose few
   reports follow its homes is ranked by its homes, a hot stretch by its own count).
5. Significant neighbouring segments of one street merge into an **axis** (a LineString with its stats).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse as sp
from scipy import stats
from scipy.sparse.csgraph import dijkstra, minimum_spanning_tree
from scipy.spatial import cKDTree

from service.analyse.significance import benjamini_hochberg
from service.analyse.two_groups import GROUP_STRENGTH, two_groups_rate

CRS = "EPSG:31370"


@dataclass(frozen=True)
class AxisParams:
    """The axis detection's settings: segment length, the distance within which a report or an address belongs to
    a street, the gap that cuts a street's line, the false-discovery level and the fewest reports a significant
    segment needs."""

    segment_m: float = 100.0
    attach_m: float = 40.0
    gap_m: float = 250.0
    alpha: float = 0.05
    min_reports: int = 5


def _farthest(graph: sp.csr_matrix, starts: np.ndarray, block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per block (one tree each), the node farthest from its start along the tree, and the predecessors."""
    dist, pred, _src = dijkstra(graph, directed=False, indices=starts, return_predecessors=True, min_only=True)
    order = np.lexsort((-dist, block))  # by block, farthest first (ties: lowest index, as argmax)
    first = np.flatnonzero(np.r_[True, block[order][1:] != block[order][:-1]])
    return order[first], pred


def _longest_paths(blocks: list[np.ndarray]) -> list[list[int]]:
    """For each block of points, the indices along the diameter of its minimum spanning tree (two farthest-point
    passes). All blocks go through one block-diagonal graph: one call each to the graph routines instead of
    three per street."""
    sizes = np.array([len(b) for b in blocks])
    offsets = np.r_[0, np.cumsum(sizes)]
    rows, cols, vals = [], [], []
    for points, offset in zip(blocks, offsets, strict=False):
        i, j = np.triu_indices(len(points), k=1)
        rows.append(i + offset)
        cols.append(j + offset)
        vals.append(np.hypot(*(points[i] - points[j]).T))
    n = int(offsets[-1])
    graph = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    tree = minimum_spanning_tree(graph)
    tree = (tree + tree.T).tocsr()
    block = np.repeat(np.arange(len(blocks)), sizes)
    a, _ = _farthest(tree, offsets[:-1], block)
    b, pred = _farthest(tree, a, block)
    paths = []
    for k in range(len(blocks)):
        path = [int(b[k])]
        while path[-1] != a[k]:
            path.append(int(pred[path[-1]]))
        paths.append([p - int(offsets[k]) for p in path])
    return paths


def network_from_addresses(addresses: gpd.GeoDataFrame, *, gap_m: float = 250.0) -> gpd.GeoDataFrame:
    """One approximate centre line per street (``street``, ``municipality`` columns) from its address points."""
    keys = pd.MultiIndex.from_arrays([addresses["street"], addresses["municipality"]])
    codes, uniques = pd.factorize(keys, sort=True)
    order = np.argsort(codes, kind="stable")
    xy = np.column_stack([addresses.geometry.x.to_numpy(), addresses.geometry.y.to_numpy()])[order]
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    names, blocks = [], []
    for k, (street, municipality) in enumerate(uniques):
        pts = np.unique(xy[bounds[k] : bounds[k + 1]].round(1), axis=0)
        if len(pts) < 2:
            continue
        if len(pts) > 1500:  # very long roads: thin them, the line stays the same
            pts = pts[:: int(np.ceil(len(pts) / 1500))]
        names.append((street, municipality))
        blocks.append(pts)
    rows = []
    for (street, municipality), pts, path in zip(names, blocks, _longest_paths(blocks) if blocks else [], strict=True):
        coords = pts[path]
        jumps = np.flatnonzero(np.hypot(*np.diff(coords, axis=0).T) > gap_m)
        for piece in np.split(coords, jumps + 1):
            if len(piece) >= 2:
                rows.append({"street": street, "municipality": municipality, "geometry": shapely.LineString(piece)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=addresses.crs)


def segment(network: gpd.GeoDataFrame, *, length_m: float = 100.0) -> gpd.GeoDataFrame:
    """Cut every line into pieces of about ``length_m`` (between half and 1.5 times it)."""
    rows = []
    for line_id, row in enumerate(network.itertuples()):
        line = row.geometry
        pieces = max(1, round(line.length / length_m))
        for k in range(pieces):
            part = shapely.ops.substring(line, k * line.length / pieces, (k + 1) * line.length / pieces)
            rows.append(
                {
                    "line_id": line_id,
                    "position": k,
                    "street": row.street,
                    "municipality": row.municipality,
                    "geometry": part,
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=network.crs)


def nearest_segment(
    x: np.ndarray, y: np.ndarray, segments: gpd.GeoDataFrame, *, max_distance: float, spacing: float = 2.0
) -> np.ndarray:
    """Position of the nearest segment within ``max_distance`` of each point, -1 when none.

    The segments get a vertex at least every ``spacing`` metres and a k-d tree of those vertices finds each
    point's nearest vertex. A point at distance d from a segment has a vertex of it within √(d² + (spacing/2)²),
    so the reach is exact to a centimetre at 40 m; between two segments nearly equidistant from a point (within
    a metre, at a junction) either may be chosen. A million reports take about a second, where an exact
    nearest-line search (an R-tree of the segments) takes ten.
    """
    lines = segments.geometry.to_numpy()
    if len(lines) == 0 or len(x) == 0:
        return np.full(len(x), -1)
    coords, seg_of = shapely.get_coordinates(shapely.segmentize(lines, spacing), return_index=True)
    reach = float(np.hypot(max_distance, spacing / 2))
    dist, idx = cKDTree(coords).query(np.column_stack([x, y]), distance_upper_bound=reach)
    out = np.full(len(x), -1)
    found = np.isfinite(dist)
    out[found] = seg_of[idx[found]]
    return out


def _months_covered(stamps: pd.Series | None) -> float:
    """Months from the first report to the last (at least one; one without dates)."""
    if stamps is None or stamps.empty:
        return 1.0
    return max(float((stamps.max() - stamps.min()).days) / 30.44, 1.0)


def problem_axes(
    reports: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    *,
    exposure: gpd.GeoDataFrame | None = None,
    params: AxisParams | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(axes, segment statistics). Expected counts follow segment length, or address points when given."""
    params = params or AxisParams()
    segs = segments.reset_index(drop=True).copy()
    segs["length_m"] = segs.length
    seg_of = nearest_segment(
        reports.geometry.x.to_numpy(), reports.geometry.y.to_numpy(), segs, max_distance=params.attach_m
    )
    attached = seg_of >= 0
    segs["reports"] = np.bincount(seg_of[attached], minlength=len(segs))
    stamps = pd.to_datetime(reports["observed_at"], utc=True) if "observed_at" in reports else None
    if stamps is not None:
        when = pd.Series(stamps.to_numpy()[attached]).groupby(seg_of[attached])
        segs["first_report"] = when.min().reindex(segs.index)
        segs["last_report"] = when.max().reindex(segs.index)
    total = segs["reports"].sum()
    if exposure is not None and not exposure.empty:
        homes = nearest_segment(
            exposure.geometry.x.to_numpy(), exposure.geometry.y.to_numpy(), segs, max_distance=params.attach_m
        )
        weight = np.bincount(homes[homes >= 0], minlength=len(segs)).astype(float)
        segs["weight_basis"] = "adresses"
    else:
        weight = segs["length_m"].to_numpy()
        segs["weight_basis"] = "longueur"
    # a street stretch with no homes still receives some reports: a floor of 1 home per 100 m
    weight = np.maximum(weight, segs["length_m"].to_numpy() / 100.0) if exposure is not None else weight
    segs["expected"] = total * weight / weight.sum() if weight.sum() > 0 else 0.0
    segs["rate_per_100m"] = segs["reports"] / segs["length_m"].clip(lower=1) * 100
    segs["p"] = stats.poisson.sf(segs["reports"] - 1, segs["expected"].clip(lower=1e-9))
    segs["q"] = benjamini_hochberg(segs["p"].to_numpy())
    segs["forecast_per_month"] = two_groups_rate(
        segs["reports"].to_numpy(float), _months_covered(stamps), np.maximum(weight, 1e-3), strength=GROUP_STRENGTH
    )
    segs["significant"] = (segs["q"] <= params.alpha) & (segs["reports"] >= params.min_reports)
    return _merge(segs), segs


AXIS_COLUMNS = [
    "street",
    "municipality",
    "segments",
    "length_m",
    "reports",
    "rate_per_100m",
    "expected",
    "ratio",
    "q_max",
    "first_report",
    "last_report",
    "segment_ids",
    "origin",
    "cluster_reports",
    "geometry",
]


def empty_axes(crs: object) -> gpd.GeoDataFrame:
    """An axis table with no row but every column, so callers never test for a missing frame."""
    return gpd.GeoDataFrame({c: [] for c in AXIS_COLUMNS}, geometry="geometry", crs=crs)


def axis_row(part: gpd.GeoDataFrame) -> dict[str, object]:
    """One axis from its segments (rows of the segment statistics of :func:`problem_axes`)."""
    n, expected, length = int(part["reports"].sum()), float(part["expected"].sum()), float(part["length_m"].sum())
    return {
        "street": part["street"].iloc[0],
        "municipality": part["municipality"].iloc[0],
        "segments": len(part),
        "length_m": round(length, 1),
        "reports": n,
        "rate_per_100m": round(n / max(length, 1) * 100, 2),
        "expected": round(expected, 2),
        "ratio": round(n / expected, 2) if expected > 0 else None,
        "q_max": float(part["q"].max()),
        "first_report": part["first_report"].min() if "first_report" in part else pd.NaT,
        "last_report": part["last_report"].max() if "last_report" in part else pd.NaT,
        "segment_ids": [int(i) for i in part.index],
        "origin": "troncons",
        "cluster_reports": 0,
        "geometry": shapely.line_merge(shapely.union_all(part.geometry.to_numpy())),
    }


def _merge(segs: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Runs of significant neighbouring segments of one line become one axis."""
    rows: list[dict[str, object]] = []
    hot = segs[segs["significant"]].sort_values(["line_id", "position"])
    for _line, group in hot.groupby("line_id"):
        previous = None
        runs: list[list[int]] = []
        for idx, pos in zip(group.index, group["position"], strict=True):
            if previous is None or pos != previous + 1:
                runs.append([])
            runs[-1].append(idx)
            previous = pos
        rows.extend(axis_row(segs.loc[run]) for run in runs)
    if not rows:
        return empty_axes(segs.crs)
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=segs.crs)
    return out.sort_values("reports", ascending=False).reset_index(drop=True)
