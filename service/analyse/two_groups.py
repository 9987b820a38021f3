"""Two kinds of cells: ordinary ones, whose reports follow their addresses, and a few hot places of their own.

Most cells of a zone receive reports in proportion to the people who live and pass there (their address points);
a few — a dumping corner, a lane behind a shop — receive far more than their addresses explain. One Poisson–gamma
prior cannot serve both: strong enough to tell a street of 40 addresses from one of 10 on two reports each, it
drags a corner of 60 reports down toward its few addresses. The two-groups model of empirical Bayes (Efron,
*Large-Scale Inference*, 2010) keeps both: each cell is ordinary with prior rate ``scale × addresses`` (gamma of
``strength`` events around it) or hot with a broad gamma prior of its own; the share of hot cells, their mean rate
and ``scale`` are fitted by EM on the training counts alone (negative-binomial marginals). A cell's forecast rate
is the posterior mean, mixed by the posterior chance of each kind: an ordinary cell is ranked by its addresses
more than by its two or three reports, a hot place by its own count.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

#: Weight (in events) of the ordinary places' prior: ten events, about a year of a busy street's reports.
GROUP_STRENGTH = 10.0
#: Shape of the hot places' gamma prior: broad (a hot place speaks for itself).
HOT_SHAPE = 0.5
ITERATIONS = 40
#: EM stops early once the hot share moves less than this between iterations.
TOLERANCE = 1e-6


def two_groups_rate(counts: np.ndarray, months: float, exposure: np.ndarray, *, strength: float) -> np.ndarray:
    """Posterior rate per month of each cell, from its (possibly decayed) ``counts`` over ``months`` and its
    ``exposure`` (address points, never zero); ``strength`` is the ordinary prior's weight in events.

    Each group's marginal is a gamma(shape)-mixed Poisson (negative binomial, continuous in the counts, which
    may be decayed): ``log P = lgamma(n + a) - lgamma(a) - lgamma(n + 1) + a log a - (a + n) log(a + m) + n log m``
    for shape ``a`` and mean ``m``. Only the ordinary mean changes per cell and per iteration, so the terms that do
    not are computed once (the EM runs thousands of times in a back-test)."""
    total = float(counts.sum())
    if total <= 0 or months <= 0:
        return np.zeros_like(counts, dtype=float)
    ordinary = exposure / exposure.sum() * total / months  # rate per month if every cell were ordinary
    base = ordinary * months
    # lgamma(n + 1) is common to both groups and cancels in the membership odds
    fixed = gammaln(counts + strength) - gammaln(strength) + strength * np.log(strength) + counts * np.log(base)
    fixed -= gammaln(counts + HOT_SHAPE) - gammaln(HOT_SHAPE) + HOT_SHAPE * np.log(HOT_SHAPE)
    hot_share, hot_rate, scale = 0.02, max(float(np.quantile(counts, 0.99)) / months, 1e-9), 1.0
    hot = np.zeros_like(counts, dtype=float)
    for _ in range(ITERATIONS):
        hot_mean = hot_rate * months
        odds = (  # log P(ordinary) - log P(hot), per cell
            fixed
            + np.log1p(-hot_share)
            - np.log(hot_share)
            + counts * (np.log(scale) - np.log(hot_mean))
            - (strength + counts) * np.log(strength + scale * base)
            + (HOT_SHAPE + counts) * np.log(HOT_SHAPE + hot_mean)
        )
        hot = 1.0 / (1.0 + np.exp(np.clip(odds, -50.0, 50.0)))
        previous, hot_share = hot_share, float(np.clip(hot.mean(), 1e-4, 0.5))
        hot_rate = max(float((hot * counts).sum() / (hot.sum() * months)), 1e-9) if hot.sum() > 0 else hot_rate
        weight = ((1 - hot) * base).sum()
        scale = max(float(((1 - hot) * counts).sum() / weight), 1e-9) if weight > 0 else scale
        if abs(hot_share - previous) < TOLERANCE:
            break
    prior = scale * ordinary
    as_ordinary = (counts + strength) / (months + strength / prior)
    as_hot = (counts + HOT_SHAPE) / (months + HOT_SHAPE / hot_rate)
    return np.asarray((1 - hot) * as_ordinary + hot * as_hot)
