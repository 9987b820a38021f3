"""Tell a stretch along a street from a point on it, and hand the stretches to the problem axes.

A density cluster can be a place (a dumping corner, a lay-by, a container site) or a street stretch (bags put
out on the wrong day all along a shopping street, fly-tipping along a country lane). The second is an axis: as a
"sensitive point" it would be one huge polygon whose representative point means nothing on the ground.

The rule (:class:`StretchRule`), on the cluster's reports:

* **on one street**: at least 60 % of them lie within 40 m of the segments of one street of one commune (the
  street most of them are nearest to). An elongated cluster across blocks, or along a railway, stays a point;
* and **spread along it**, either way:

  - **long and thin**: the long side of the minimum rotated rectangle of its dense core (:func:`cluster_shape`)
    is at least 200 m (a point's footprint is at most about two DBSCAN radii, 120 m; 200 m is two street
    segments) and at least 2.5 times the short side (counted as at least 10 m, the width of a street with its
    pavements, so that reports on a perfectly straight line do not divide by zero);
  - **spread along the street** (a street that bends, whose rectangle is not thin: 250 × 160 m for 300 m of a
    curved street): the reports on it, placed along its line, span at least 150 m (5th to 95th percentile: a
    point spans at most two DBSCAN radii, 120 m) and no 100 m of it holds half of them (a corner with a few
    reports up and down its street does; reports spread evenly hold half in 100 m only below 200 m).

Then ``etirement``; otherwise ``point`` (a compact cluster on a street stays a point). Without a street network
the street tests cannot be made and every cluster stays a point.

A leftover piece of a stretch (same main category; within 60 m, or on touching segments of its street) joins
it (:func:`split_stretches`). A stretch is then attached to the problem axis that shares or touches its segments
on that street (the axis notes it: ``origin`` = ``troncons+grappe``, ``cluster_reports`` = the reports of its
largest such cluster), or becomes an axis of its own, made of the street segments that hold its reports
(``origin`` = ``grappe``; its segment statistics are shown as they are, even when the segments alone were not
significant: the cluster test was).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from service.analyse.axes import axis_row, nearest_segment


@dataclass(frozen=True)
class StretchRule:
    """When a cluster is a stretch along a street (see the module docstring)."""

    min_length_m: float = 200.0
    min_elongation: float = 2.5
    width_floor_m: float = 10.0
    min_street_share: float = 0.6
    attach_m: float = 40.0
    min_spread_m: float = 150.0
    core_window_m: float = 100.0
    max_core_share: float = 0.5

    def kind(
        self,
        length: float,
        width: float,
        street_share: float | None,
        spread: float | None = None,
        core_share: float | None = None,
    ) -> str:
        """``"etirement"`` when the cluster runs along its street (long and thin, or spread along it without a
        dense core), else ``"point"``."""
        if street_share is None or street_share < self.min_street_share:
            return "point"
        long_and_thin = length >= self.min_length_m and length / max(width, self.width_floor_m) >= self.min_elongation
        spread_along = (
            spread is not None
            and core_share is not None
            and spread >= self.min_spread_m
            and core_share < self.max_core_share
        )
        return "etirement" if long_and_thin or spread_along else "point"


def cluster_shape(x: np.ndarray, y: np.ndarray, *, radius: float = 30.0, snap: float = 5.0) -> tuple[float, float]:
    """(long side, short side) in metres of the minimum rotated rectangle of the cluster's dense core.

    The core is the reports whose neighbourhood (``radius``) holds at least half as many reports as the
    cluster's median report's does: the few ordinary reports a cluster picks up around a busy corner would
    otherwise stretch its rectangle. Computed on a ``snap``-metre lattice (weighted) so that a corner with
    thousands of reports costs no more than one with fifty.
    """
    cells, counts = np.unique(np.column_stack([np.round(x / snap), np.round(y / snap)]), axis=0, return_counts=True)
    xy = cells * snap
    if len(xy) > 2:
        tree = cKDTree(xy)
        density = np.array([counts[n].sum() for n in tree.query_ball_point(xy, radius)])
        order = np.argsort(density)
        median = density[order][np.searchsorted(np.cumsum(counts[order]), counts.sum() / 2)]
        xy = xy[density >= 0.5 * median]
    envelope = shapely.oriented_envelope(shapely.multipoints(xy))
    if isinstance(envelope, shapely.Polygon):
        corners = np.asarray(envelope.exterior.coords)[:3]
        sides = np.hypot(*np.diff(corners, axis=0).T)
        return float(sides.max()), float(sides.min())
    return float(envelope.length), 0.0


@dataclass(frozen=True)
class StreetFit:
    """How a cluster's reports lie along its main street: the street, the share of them within reach of it, its
    segments holding them, their spread along the street (5th to 95th percentile of their position along it)
    and the largest share of them in any ``core_window_m`` of it (a corner puts most in one window)."""

    street: str | None
    share: float | None
    segment_ids: list[int]
    spread_m: float | None
    core_share: float | None


@dataclass(frozen=True)
class StreetIndex:
    """The street segment of each clustered report (-1: none within reach), and the segments themselves."""

    segment_of: np.ndarray
    street_key: np.ndarray  # per segment: "street|municipality"
    street_name: np.ndarray  # per segment
    segments: gpd.GeoDataFrame
    attach_m: float = 40.0

    def fit(self, member: np.ndarray, x: np.ndarray, y: np.ndarray, rule: StretchRule) -> StreetFit:
        """The members against their main street (the street most of them are nearest to): any segment of that
        street within reach counts, so that a report between two streets, or beside a street whose line is
        only approximate, is not lost to the other one."""
        seg = self.segment_of[member]
        attached = seg[seg >= 0]
        if attached.size == 0:
            return StreetFit(None, 0.0, [], None, None)
        key = Counter(self.street_key[attached]).most_common(1)[0][0]
        own = np.flatnonzero(self.street_key == key)
        mx, my = x[member], y[member]
        near = nearest_segment(mx, my, self.segments.iloc[own], max_distance=self.attach_m)
        on = near >= 0
        segment_ids = sorted({int(own[i]) for i in near[on]})
        name = str(self.street_name[own[0]])
        share = round(float(on.mean()), 3)
        if not on.any():
            return StreetFit(name, share, segment_ids, None, None)
        chosen = own[near[on]]
        lines = self.segments["line_id"].to_numpy()[chosen]
        line = Counter(lines.tolist()).most_common(1)[0][0]
        keep = lines == line
        pieces = self.segments.geometry.to_numpy()[chosen[keep]]
        position = self.segments["position"].to_numpy()[chosen[keep]]
        along = position * shapely.length(pieces) + shapely.line_locate_point(
            pieces, shapely.points(mx[on][keep], my[on][keep])
        )
        along = np.sort(along)
        spread = float(np.percentile(along, 95) - np.percentile(along, 5))
        ends = np.searchsorted(along, along + rule.core_window_m, side="right")
        core = float((ends - np.arange(len(along))).max() / on.sum())
        return StreetFit(name, share, segment_ids, round(spread, 1), round(core, 3))


def street_of_reports(
    x: np.ndarray, y: np.ndarray, mask: np.ndarray, segments: gpd.GeoDataFrame, *, attach_m: float = 40.0
) -> StreetIndex:
    """Attach the reports selected by ``mask`` to their nearest segment within ``attach_m`` (segments by
    position)."""
    segs = segments.reset_index(drop=True)
    segment_of = np.full(len(x), -1)
    chosen = np.flatnonzero(mask)
    segment_of[chosen] = nearest_segment(x[chosen], y[chosen], segs, max_distance=attach_m)
    street = segs["street"].fillna("").astype(str).to_numpy()
    municipality = segs["municipality"].fillna("").astype(str).to_numpy()
    return StreetIndex(segment_of, np.char.add(np.char.add(street, "|"), municipality), street, segs, attach_m)


def _touching(a: list[int], b: list[int], line: np.ndarray, pos: np.ndarray) -> bool:
    """Do segment sets ``a`` and ``b`` share a segment or hold neighbours on the same line?"""
    near = {(int(line[i]), int(pos[i]) + d) for i in b for d in (-1, 0, 1)}
    return any((int(line[i]), int(pos[i])) in near for i in a)


def split_stretches(
    found: gpd.GeoDataFrame, segments: gpd.GeoDataFrame | None = None, *, join_m: float = 30.0
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(points, stretches) of :func:`service.analyse.points.sensitive_points`'s answer.

    A point that is a leftover piece of a stretch is merged into it: same search (``category_scope``), same main
    category, and either its polygon less than ``join_m`` from the stretch's (hulls less than 60 m apart: a
    piece on a cross street) or, with the ``segments`` given to ``sensitive_points``, its segments on the same
    street sharing or touching the stretch's. HDBSCAN can cut a long stretch into a long piece and short ones;
    another nuisance next to the stretch (a dumping corner in a street of bags put out on the wrong day) keeps
    its own point.
    """
    kind = found["kind"] if "kind" in found else pd.Series("point", index=found.index)
    is_stretch = kind.eq("etirement").to_numpy()
    if not is_stretch.any():
        return found.reset_index(drop=True), found.iloc[0:0].reset_index(drop=True)
    rows = found.reset_index(drop=True).copy()
    scope = rows["category_scope"] if "category_scope" in rows else pd.Series("toutes", index=rows.index)
    key = list(zip(scope, rows["main_category"], strict=True))
    line = pos = np.zeros(0)
    if segments is not None:
        segs = segments.reset_index(drop=True)
        line, pos = segs["line_id"].to_numpy(), segs["position"].to_numpy()
    parents = list(np.flatnonzero(is_stretch))
    absorbed: set[int] = set()
    grew = True
    while grew:
        grew = False
        for i in np.flatnonzero(~is_stretch):
            if i in absorbed:
                continue
            for j in parents:
                if key[j] != key[i]:
                    continue
                same_street = rows.at[i, "street"] == rows.at[j, "street"]
                close = shapely.distance(rows.geometry.iloc[i], rows.geometry.iloc[j]) <= join_m
                along = (
                    same_street
                    and len(line)
                    and _touching(rows.at[i, "segment_ids"], rows.at[j, "segment_ids"], line, pos)
                )
                if not (close or along):
                    continue
                rows.at[j, "n_reports"] = int(rows.at[j, "n_reports"] + rows.at[i, "n_reports"])
                rows.at[j, "report_ids"] = list(rows.at[j, "report_ids"]) + list(rows.at[i, "report_ids"])
                if same_street:
                    rows.at[j, "segment_ids"] = sorted(set(rows.at[j, "segment_ids"]) | set(rows.at[i, "segment_ids"]))
                rows.loc[[j], "geometry"] = shapely.union(rows.geometry.iloc[j], rows.geometry.iloc[i])
                absorbed.add(int(i))
                grew = True
                break
    keep_points = ~is_stretch & ~np.isin(np.arange(len(rows)), list(absorbed))
    return rows[keep_points].reset_index(drop=True), rows[is_stretch].reset_index(drop=True)


def attach_stretches(
    axes: gpd.GeoDataFrame, stretches: gpd.GeoDataFrame, segment_stats: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Axes with the stretches attached: to the axis sharing or touching their segments on the same line, or
    as new axes made of those segments (see the module docstring). ``segment_stats``: the second answer of
    :func:`service.analyse.axes.problem_axes`, on the segments given to ``sensitive_points``."""
    axes = axes.copy()
    for col, default in (("origin", "troncons"), ("cluster_reports", 0)):
        if col not in axes:
            axes[col] = default
    if "segment_ids" not in axes:
        axes["segment_ids"] = [[] for _ in range(len(axes))]
    if stretches.empty:
        return axes
    segs = segment_stats.reset_index(drop=True)
    key = segs["line_id"].to_numpy(), segs["position"].to_numpy()
    new_rows = []
    for stretch in stretches.itertuples():
        ids = [i for i in stretch.segment_ids if i < len(segs)]
        if not ids:
            continue
        near = {(int(key[0][i]), int(key[1][i]) + d) for i in ids for d in (-1, 0, 1)}
        target = None
        for pos, axis_ids in enumerate(axes["segment_ids"]):
            if any((int(key[0][i]), int(key[1][i])) in near for i in axis_ids):
                target = pos
                break
        if target is not None:
            axes.iloc[target, axes.columns.get_loc("origin")] = "troncons+grappe"
            axes.iloc[target, axes.columns.get_loc("cluster_reports")] = int(
                max(axes["cluster_reports"].iloc[target], stretch.n_reports)
            )
            continue
        # the stretch's own segments, gaps on one line filled (a run from its first to its last segment)
        part = segs.iloc[ids]
        bounds = part.groupby("line_id")["position"].agg(["min", "max"])
        run = segs[
            segs["line_id"].isin(bounds.index)
            & segs["position"].ge(segs["line_id"].map(bounds["min"]))
            & segs["position"].le(segs["line_id"].map(bounds["max"]))
        ]
        row = axis_row(run)
        row.update(origin="grappe", cluster_reports=int(stretch.n_reports))
        new_rows.append(row)
    if not new_rows:
        return axes
    added = gpd.GeoDataFrame(new_rows, geometry="geometry", crs=segs.crs)
    both = pd.concat([axes, added], ignore_index=True) if not axes.empty else added
    return gpd.GeoDataFrame(both, geometry="geometry", crs=segs.crs).sort_values(
        "reports", ascending=False, ignore_index=True
    )
