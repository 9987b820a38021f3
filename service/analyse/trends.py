"""Emerging hot-spot categories from a space-time cube (grid cells × time steps), after ArcGIS's "Emerging Hot
Spot Analysis", with the tests of :mod:`service.analyse.significance`.

For each time step (about 8 weeks by default, equal steps from the first report to the end: monthly counts of
one corner are too small to test) every cell's neighbourhood is tested against the step's own total spread
by the null model (exposure, or without it the event footprint of the whole period): hot (more than chance,
one-sided exact Poisson, FDR per step) or cold (fewer). Each cell's series of neighbourhood counts also gets a
Mann-Kendall trend test (Kendall's tau against time). Categories, for a cell hot in the final step unless said
otherwise (n = number of steps):

* ``nouveau``: hot in the final step only, never before;
* ``consecutif``: one unbroken run of hot steps ending now, shorter than 90 % of n, never hot before it;
* ``en_intensification`` / ``persistant`` / ``en_diminution``: hot in at least 90 % of the steps including the
  final one; the counts rise / show no trend / fall (Mann-Kendall, p < 0.05);
* ``oscillant``: hot now, on and off before, and cold in some earlier step;
* ``sporadique``: hot now, on and off before, never cold;
* ``historique``: not hot in the last three steps, but hot in at least a quarter of the earlier ones (ArcGIS asks
  90 %; a dumping corner cleaned a year ago is "historical" to the officers long before that);
* ``aucune``: none of the above.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import ndimage, stats

from service.analyse.significance import benjamini_hochberg


def _slice_tests(obs: np.ndarray, base: np.ndarray, kernel: np.ndarray, alpha: float) -> tuple[np.ndarray, ...]:
    obs_w = ndimage.convolve(obs, kernel, mode="constant")
    expected = base / base.sum() * obs.sum() if base.sum() > 0 and obs.sum() > 0 else np.zeros_like(base)
    exp_w = ndimage.convolve(expected, kernel, mode="constant")
    valid = exp_w > 0
    p_hot = np.ones_like(obs_w)
    p_cold = np.ones_like(obs_w)
    p_hot[valid] = stats.poisson.sf(obs_w[valid] - 1, exp_w[valid])
    p_cold[valid] = stats.poisson.cdf(obs_w[valid], exp_w[valid])
    hot = np.zeros_like(valid)
    cold = np.zeros_like(valid)
    if valid.any():
        hot[valid] = (benjamini_hochberg(p_hot[valid]) <= alpha) & (obs_w[valid] >= 3)
        cold[valid] = benjamini_hochberg(p_cold[valid]) <= alpha
    return obs_w, hot, cold


def classify(hot: np.ndarray, cold: np.ndarray, counts: np.ndarray) -> str:
    """Category of one location from its hot/cold flags and neighbourhood counts over time (oldest first)."""
    n = hot.size
    share = hot.sum() / n if n else 0.0
    if not hot[-1]:
        earlier = hot[:-3] if n > 3 else hot[:0]
        recent_quiet = not hot[-3:].any()
        return "historique" if recent_quiet and earlier.size and earlier.mean() >= 0.25 else "aucune"
    if hot[:-1].sum() == 0:
        return "nouveau"
    if share >= 0.9:
        tau, p = stats.kendalltau(np.arange(n), counts)
        if not np.isnan(tau) and p < 0.05:
            return "en_intensification" if tau > 0 else "en_diminution"
        return "persistant"
    runs = np.flatnonzero(np.diff(np.concatenate([[0], hot.astype(int)])) == 1)
    if len(runs) == 1:
        return "consecutif"
    return "oscillant" if cold.any() else "sporadique"


def emerging_hotspots(
    x: np.ndarray,
    y: np.ndarray,
    when: pd.Series,
    *,
    x0: float,
    y0: float,
    shape: tuple[int, int],
    cell: float = 100.0,
    ring: int = 1,
    exposure_xy: tuple[np.ndarray, np.ndarray] | None = None,
    step_days: int = 56,
    end: pd.Timestamp | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """One row per cell that was hot at least once: ix, iy, category, hot steps, Mann-Kendall tau."""
    when = pd.Series(pd.to_datetime(when, utc=True)).dt.as_unit("ns")
    end = end or when.max()
    # equal steps from the first report to the end, about step_days long: no step is a truncated one
    start = when.min()
    span = (end - start).total_seconds() / 86400
    n_steps = max(1, round(span / step_days))
    # (end - start) / n_steps first: multiplying the whole span by k overflows 64-bit nanoseconds past ~6.7 years
    step = (end - start) / n_steps
    edges = pd.DatetimeIndex([start + step * k for k in range(n_steps + 1)])
    edges = edges[:-1].append(pd.DatetimeIndex([end + pd.Timedelta(seconds=1)]))
    ny, nx = shape
    ix = np.clip(((np.asarray(x) - x0) // cell).astype(int), 0, nx - 1)
    iy = np.clip(((np.asarray(y) - y0) // cell).astype(int), 0, ny - 1)
    if exposure_xy is None:  # the event footprint over the whole period, as in local_hotspots
        base = np.zeros(shape)
        base[iy, ix] = 1.0
    else:
        base = np.zeros(shape)
        ex = np.clip(((exposure_xy[0] - x0) // cell).astype(int), 0, nx - 1)
        ey = np.clip(((exposure_xy[1] - y0) // cell).astype(int), 0, ny - 1)
        np.add.at(base, (ey, ex), 1.0)
    kernel = np.ones((2 * ring + 1, 2 * ring + 1))
    step_of = np.asarray(edges.as_unit("ns").searchsorted(when.dt.as_unit("ns"), side="right")) - 1
    steps = len(edges) - 1
    counts = np.zeros((steps, *shape))
    hot = np.zeros((steps, *shape), dtype=bool)
    cold = np.zeros((steps, *shape), dtype=bool)
    for t in range(steps):
        obs = np.zeros(shape)
        sel = step_of == t
        np.add.at(obs, (iy[sel], ix[sel]), 1.0)
        counts[t], hot[t], cold[t] = _slice_tests(obs, base, kernel, alpha)
    rows = []
    for cy, cx in zip(*np.nonzero(hot.any(axis=0)), strict=True):
        series = counts[:, cy, cx]
        tau, _p = stats.kendalltau(np.arange(steps), series)
        rows.append(
            {
                "ix": int(cx),
                "iy": int(cy),
                "category": classify(hot[:, cy, cx], cold[:, cy, cx], series),
                "hot_steps": int(hot[:, cy, cx].sum()),
                "steps": steps,
                "mk_tau": None if np.isnan(tau) else round(float(tau), 3),
            }
        )
    return pd.DataFrame(rows, columns=["ix", "iy", "category", "hot_steps", "steps", "mk_tau"])
