"""Back-test of the problem axes by street length: fit on the past, count the next period's reports captured.

Same split as :func:`service.analyse.backtest.backtest`, but the unit is the street segment and the budget is a
share of the **total street length** (1 %, 5 %, 10 %): a patrol covers metres of street, not square metres.
Each method ranks the segments; segments are taken in that order while their summed length stays within the
budget. Only the test reports attached to the network (nearest segment within 40 m, as for the axes) count: a
report in a field far from any street cannot be captured by any choice of streets (their number is in
``attrs``).

* hit rate: share of those test reports on the chosen segments;
* PAI: hit rate / length share (1 = no better than chance);
* PEI*: reports captured / the most any choice of segments of at most the same length could capture (an exact
  0/1 knapsack on whole metres, lengths rounded down so that the bound is never too low).

Methods: this service's axes (segments of significant axes first, ranked by their test's q-value, then every
other segment by its forecast per metre: the two-groups pooling of :func:`service.analyse.axes.problem_axes`,
which ranks a stretch of few reports by its homes and a hot stretch by its own count), and the baseline most
services use: segments ranked by their training-period report count (per segment, whatever its length).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from service.analyse.axes import AxisParams, nearest_segment, problem_axes
from service.analyse.metrics import COVERAGES

METHODS = ("axes (test par tronçon, FDR)", "comptage par tronçon")


def _best_capture(values: np.ndarray, lengths: np.ndarray, budget: float) -> int:
    """The most reports any set of segments with summed length ≤ ``budget`` holds (0/1 knapsack, metres)."""
    keep = values > 0
    values, weights = values[keep].astype(np.int64), np.floor(lengths[keep]).astype(np.int64)
    capacity = int(np.floor(budget))
    best = np.zeros(capacity + 1, dtype=np.int64)
    for value, weight in zip(values, weights, strict=True):
        if weight <= capacity:
            best[weight:] = np.maximum(best[weight:], best[: capacity + 1 - weight] + value)
    return int(best[-1])


def backtest_axes(
    points: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    *,
    train_until: pd.Timestamp,
    test_until: pd.Timestamp,
    exposure: gpd.GeoDataFrame | None = None,
    params: AxisParams | None = None,
) -> pd.DataFrame:
    """One row per (method, coverage of the street length): segments, metres, captured, hit rate, PAI, PEI*.

    Training: the points before ``train_until``; test: [``train_until``, ``test_until``) (UTC instants)."""
    params = params or AxisParams()
    when = pd.to_datetime(points["observed_at"], utc=True)
    train = points[when < train_until]
    test = points[(when >= train_until) & (when < test_until)]
    if len(train) < 10 or len(test) < 1:
        raise ValueError(f"découpage inutilisable : {len(train)} points d'apprentissage, {len(test)} de test")
    segs = segments.reset_index(drop=True)
    _axes, stats = problem_axes(train, segs, exposure=exposure, params=params)
    lengths = stats["length_m"].to_numpy()
    total_length = float(lengths.sum())
    test_seg = nearest_segment(
        test.geometry.x.to_numpy(), test.geometry.y.to_numpy(), segs, max_distance=params.attach_m
    )
    attached = test_seg[test_seg >= 0]
    if attached.size == 0:
        raise ValueError(f"aucun des {len(test)} points de test n'est à moins de {params.attach_m:.0f} m d'une rue")
    test_counts = np.bincount(attached, minlength=len(segs))
    train_counts = stats["reports"].to_numpy()
    rate = train_counts / np.maximum(lengths, 1.0) * 100
    significant = stats["significant"].to_numpy()
    scores = {
        METHODS[0]: significant * (1e6 * (1 - stats["q"].to_numpy()))
        + stats["forecast_per_month"].to_numpy() / np.maximum(lengths, 1.0),
        METHODS[1]: train_counts + 1e-9 * rate,
    }
    rows = []
    for coverage in COVERAGES:
        budget = coverage * total_length
        for method, score in scores.items():
            order = np.argsort(-score, kind="stable")
            cum = np.cumsum(lengths[order])
            k = max(1, int(np.searchsorted(cum, budget, side="right")))
            chosen = order[:k]
            hits = int(test_counts[chosen].sum())
            used = float(lengths[chosen].sum())
            share = used / total_length
            best = _best_capture(test_counts, lengths, max(budget, used))
            hit_rate = hits / attached.size
            rows.append(
                {
                    "methode": method,
                    "couverture": coverage,
                    "troncons": k,
                    "longueur_m": round(used),
                    "captures": hits,
                    "taux_de_capture": round(hit_rate, 4),
                    "PAI": round(hit_rate / share, 2),
                    "PEI*": round(hits / best, 3) if best > 0 else None,
                }
            )
    out = pd.DataFrame(rows).sort_values(["methode", "couverture"], kind="stable", ignore_index=True)
    out.attrs.update(
        train=len(train),
        test=len(test),
        test_on_streets=int(attached.size),
        segments=len(segs),
        street_length_m=round(total_length),
    )
    return out
