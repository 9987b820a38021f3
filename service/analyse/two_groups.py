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

Hot places are rarely alone: a problem street or a dumping corner spills over the cells around it. With a
``context`` per cell (its neighbourhood's reports over its neighbourhood's addresses), the prior share of hot
cells is not one number but one per decile of that context, fitted by the same EM (Efron's two-groups model with
a covariate): a cell of three reports beside a hot corner is then more likely hot than the same cell in a quiet
street. Deciles, not a fitted curve: they adapt to any zone and need no shape assumed.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

#: Weight (in events) of the ordinary places' prior: ten events, about a year of a busy street's reports.
GROUP_STRENGTH = 10.0
#: Shape of the hot places' gamma prior: broad (a hot place speaks for itself).
HOT_SHAPE = 0.5
#: Classes of the context (deciles) that each get their own prior share of hot places.
CONTEXT_CLASSES = 10
ITERATIONS = 60
#: EM stops early once no hot share moves more than this between iterations.
TOLERANCE = 1e-4


def _classes(context: np.ndarray | None, n: int) -> tuple[np.ndarray, int]:
    """Each cell's class (decile of its context; one class without context) and the number of classes."""
    if context is None:
        return np.zeros(n, dtype=np.int64), 1
    edges = np.unique(np.quantile(context, np.linspace(0, 1, CONTEXT_CLASSES + 1)[1:-1]))
    classes = np.searchsorted(edges, context, side="right")
    return classes, int(classes.max()) + 1


def two_groups_rate(
    counts: np.ndarray,
    months: float,
    exposure: np.ndarray,
    *,
    strength: float = GROUP_STRENGTH,
    context: np.ndarray | None = None,
) -> np.ndarray:
    """Posterior rate per month of each cell, from its (possibly decayed) ``counts`` over ``months`` and its
    ``exposure`` (address points, never zero); ``strength`` is the ordinary prior's weight in events, ``context``
    (optional) what the neighbourhood says of each cell (see the module docstring).

    Each group's marginal is a gamma(shape)-mixed Poisson (negative binomial, continuous in the counts, which
    may be decayed): ``log P = lgamma(n + a) - lgamma(a) - lgamma(n + 1) + a log a - (a + n) log(a + m) + n log m``
    for shape ``a`` and mean ``m``. Only the ordinary mean changes per cell and per iteration, so the terms that do
    not are computed once (the EM runs thousands of times in a back-test)."""
    total = float(counts.sum())
    if total <= 0 or months <= 0:
        return np.zeros_like(counts, dtype=float)
    ordinary = exposure / exposure.sum() * total / months  # rate per month if every cell were ordinary
    base = ordinary * months
    classes, n_classes = _classes(context, len(counts))
    sizes = np.maximum(np.bincount(classes, minlength=n_classes), 1)
    # lgamma(n + 1) is common to both groups and cancels in the membership odds
    fixed = gammaln(counts + strength) - gammaln(strength) + strength * np.log(strength) + counts * np.log(base)
    fixed -= gammaln(counts + HOT_SHAPE) - gammaln(HOT_SHAPE) + HOT_SHAPE * np.log(HOT_SHAPE)
    share, hot_rate, scale = np.full(n_classes, 0.02), max(float(np.quantile(counts, 0.99)) / months, 1e-9), 1.0
    hot = np.zeros_like(counts, dtype=float)
    for _ in range(ITERATIONS):
        hot_mean = hot_rate * months
        odds = (  # log P(ordinary) - log P(hot), per cell
            fixed
            + (np.log1p(-share) - np.log(share))[classes]
            + counts * (np.log(scale) - np.log(hot_mean))
            - (strength + counts) * np.log(strength + scale * base)
            + (HOT_SHAPE + counts) * np.log(HOT_SHAPE + hot_mean)
        )
        hot = 1.0 / (1.0 + np.exp(np.clip(odds, -50.0, 50.0)))
        previous, share = share, np.clip(np.bincount(classes, weights=hot, minlength=n_classes) / sizes, 1e-4, 0.9)
        hot_rate = max(float((hot * counts).sum() / (hot.sum() * months)), 1e-9) if hot.sum() > 0 else hot_rate
        weight = ((1 - hot) * base).sum()
        scale = max(float(((1 - hot) * counts).sum() / weight), 1e-9) if weight > 0 else scale
        if float(np.abs(share - previous).max()) < TOLERANCE:
            break
    prior = scale * ordinary
    as_ordinary = (counts + strength) / (months + strength / prior)
    as_hot = (counts + HOT_SHAPE) / (months + HOT_SHAPE / hot_rate)
    return np.asarray((1 - hot) * as_ordinary + hot * as_hot)
