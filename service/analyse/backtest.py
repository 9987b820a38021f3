"""Judge a method by the future: fit on past months, count how many of the next months' reports it captured.

Every method ranks the same 100 m grid cells of the study area (the cells of the training points' extent);
at 1 %, 5 % and 10 % of that area we report, for the test period:

* hit rate: share of test reports inside the chosen cells;
* PAI (predictive accuracy index): hit rate / area share — 1 is no better than chance;
* PEI* (Hunt's predictive efficiency): reports captured / the most any choice of that many cells could capture.

Methods: this service's hotspot model (the cells its neighbourhood test flags, then every cell by its own reports
smoothed a little by its neighbours'), a kernel-density baseline (scikit-learn, Gaussian kernel, 150 m) and a
grid-count baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from sklearn.neighbors import KernelDensity

from service.analyse.significance import local_hotspots

COVERAGES = (0.01, 0.05, 0.10)


@dataclass(frozen=True)
class BacktestParams:
    cell: float = 100.0
    ring: int = 1
    bandwidth: float = 150.0


def _cells(x: np.ndarray, y: np.ndarray, x0: float, y0: float, cell: float, nx: int, ny: int) -> np.ndarray:
    ix = np.clip(((x - x0) // cell).astype(int), 0, nx - 1)
    iy = np.clip(((y - y0) // cell).astype(int), 0, ny - 1)
    return iy * nx + ix


def backtest(
    points: gpd.GeoDataFrame,
    *,
    train_until: pd.Timestamp,
    test_until: pd.Timestamp,
    exposure: gpd.GeoDataFrame | None = None,
    params: BacktestParams | None = None,
) -> pd.DataFrame:
    """One row per (method, coverage) with hit rate, PAI and PEI*; ``attrs`` hold the split sizes."""
    params = params or BacktestParams()
    when = pd.to_datetime(points["observed_at"], utc=True)
    train = points[when <= train_until]
    test = points[(when > train_until) & (when <= test_until)]
    if len(train) < 10 or len(test) < 1:
        raise ValueError(f"découpage inutilisable : {len(train)} points d'apprentissage, {len(test)} de test")
    tx, ty = train.geometry.x.to_numpy(), train.geometry.y.to_numpy()
    exp_xy = (exposure.geometry.x.to_numpy(), exposure.geometry.y.to_numpy()) if exposure is not None else None
    grid = local_hotspots(tx, ty, cell=params.cell, ring=params.ring, exposure_xy=exp_xy)
    x0, y0, cell = grid.attrs["x0"], grid.attrs["y0"], params.cell
    nx, ny = int(grid["ix"].max()) + 2, int(grid["iy"].max()) + 2
    cell_ids = grid["iy"].to_numpy() * nx + grid["ix"].to_numpy()
    n_cells = len(cell_ids)
    test_cells = _cells(test.geometry.x.to_numpy(), test.geometry.y.to_numpy(), x0, y0, cell, nx, ny)
    test_counts = np.bincount(test_cells, minlength=nx * ny)[cell_ids]
    train_counts = np.bincount(_cells(tx, ty, x0, y0, cell, nx, ny), minlength=nx * ny)[cell_ids]
    kde = KernelDensity(bandwidth=params.bandwidth).fit(np.column_stack([tx, ty]))
    kde_score = kde.score_samples(np.column_stack([grid["x"], grid["y"]]))
    scores = {
        # significant cells first, each ranked by its own reports plus a little of its neighbourhood's
        "hotspots (test local, FDR)": grid["significant"].to_numpy() * 1e6
        + grid["reports"].to_numpy()
        + 0.1 * grid["neighbourhood_reports"].to_numpy(),
        "densité de noyau (KDE)": kde_score,
        "comptage par maille": train_counts + 1e-9 * kde_score,
    }
    best = np.sort(test_counts)[::-1].cumsum()
    rows = []
    for method, score in scores.items():
        order = np.argsort(-score, kind="stable")
        captured = test_counts[order].cumsum()
        for coverage in COVERAGES:
            k = max(1, round(coverage * n_cells))
            hits = int(captured[k - 1])
            hit_rate = hits / len(test)
            rows.append(
                {
                    "methode": method,
                    "couverture": coverage,
                    "mailles": k,
                    "captures": hits,
                    "taux_de_capture": round(hit_rate, 4),
                    "PAI": round(hit_rate / (k / n_cells), 2),
                    "PEI*": round(hits / best[k - 1], 3) if best[k - 1] > 0 else None,
                }
            )
    out = pd.DataFrame(rows)
    out.attrs.update(train=len(train), test=len(test), cells=n_cells)
    return out
