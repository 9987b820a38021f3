"""Density clustering of the reports that the significance test flagged: DBSCAN (default) or HDBSCAN.

Both see only the reports of flagged cells (the few percent of the zone that chance does not explain), which
is what keeps a million reports cheap, and both answer with one label per report (-1: noise).

* **DBSCAN** (scikit-learn) runs on the reports snapped to a 5 m lattice, each lattice point weighted by its
  reports: memory stays flat however many reports pile up on one corner. ``eps`` = 60 m (a street corner, a
  lay-by, a container site); ``min_samples`` derived from the data by :func:`derived_min_samples`.
* **HDBSCAN** (the ``hdbscan`` package, Borůvka on a k-d tree: O(n log n) in two dimensions, where
  scikit-learn's implementation builds a quadratic minimum spanning tree) finds places of different densities
  without one fixed radius. It takes no weights, so it runs on the flagged reports themselves, not the lattice.
  Defaults, derived from the same data:

  - ``min_cluster_size`` = DBSCAN's derived ``min_samples``: a place must hold at least as many reports as a
    DBSCAN core point would;
  - ``min_samples`` (the density smoothing) = half of that, between 4 and 32: larger values only smooth more
    and make the neighbour searches slower;
  - ``cluster_selection_epsilon`` = ``eps`` / 2 = 30 m: two dense spots closer than that are one place (one
    dumping corner is not cut in two), farther ones may stay two where DBSCAN's single density threshold would
    join them through a dense background. A street stretch may still come out in pieces: the stretch rule joins
    them again (:func:`service.analyse.stretches.split_stretches`).
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import DBSCAN

ALGORITHMS = ("dbscan", "hdbscan")


def derived_min_samples(n: int, area_m2: float, eps: float) -> int:
    """Three times the reports a disc of radius ``eps`` would hold if the ``n`` reports were spread evenly over
    ``area_m2``, and at least 4."""
    density = n / area_m2 if area_m2 > 0 else 0.0
    return max(4, int(np.ceil(3 * density * np.pi * eps**2)))


def hdbscan_smoothing(min_cluster_size: int) -> int:
    """HDBSCAN's ``min_samples`` from its ``min_cluster_size`` (see the module docstring)."""
    return int(np.clip(min_cluster_size // 2, 4, 32))


def dbscan_snapped(x: np.ndarray, y: np.ndarray, *, eps: float, min_samples: int, snap: float) -> np.ndarray:
    """DBSCAN on reports snapped to a ``snap``-metre lattice, each lattice point weighted by its reports.

    A dumping corner can hold thousands of reports within a few metres; plain DBSCAN then stores thousands of
    neighbours per report (gigabytes at a million reports). Snapping to 5 m changes nothing at a 60 m radius.
    """
    if len(x) == 0:
        return np.zeros(0, dtype=int)
    cells = np.column_stack([np.round(x / snap), np.round(y / snap)])
    unique, inverse, counts = np.unique(cells, axis=0, return_inverse=True, return_counts=True)
    model = DBSCAN(eps=eps, min_samples=min_samples).fit(unique * snap, sample_weight=counts)
    return np.asarray(model.labels_[inverse.ravel()], dtype=int)


def hdbscan_labels(
    x: np.ndarray, y: np.ndarray, *, min_cluster_size: int, min_samples: int, selection_epsilon: float
) -> np.ndarray:
    """HDBSCAN labels of the points (Borůvka k-d tree, one thread: the machine is shared)."""
    if len(x) < max(min_cluster_size, min_samples + 1):
        return np.full(len(x), -1, dtype=int)
    import hdbscan  # imported here: only this path needs it

    model = hdbscan.HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        cluster_selection_epsilon=selection_epsilon,
        cluster_selection_method="eom",
        allow_single_cluster=True,  # the flagged reports may hold a single place
        algorithm="boruvka_kdtree",
        core_dist_n_jobs=1,
    ).fit(np.column_stack([x, y]))
    return np.asarray(model.labels_, dtype=int)


def cluster_labels(
    x: np.ndarray,
    y: np.ndarray,
    *,
    algorithm: str,
    eps: float,
    min_samples: int,
    min_cluster_size: int | None,
    snap: float,
) -> np.ndarray:
    """Labels of the flagged reports with the chosen algorithm (``dbscan`` or ``hdbscan``)."""
    if algorithm == "dbscan":
        return dbscan_snapped(x, y, eps=eps, min_samples=min_samples, snap=snap)
    if algorithm == "hdbscan":
        size = min_cluster_size or min_samples
        return hdbscan_labels(
            x, y, min_cluster_size=size, min_samples=hdbscan_smoothing(size), selection_epsilon=eps / 2
        )
    raise ValueError(f"algorithme « {algorithm} » inconnu : choisissez {' ou '.join(ALGORITHMS)}")
