"""Capture measures of a ranking of cells: what the top ``k`` cells hold, ties counted fairly.

A plain count ranks thousands of cells with the same small number; which of them fall inside the budget is an
arbitrary choice. The capture of a tied group cut by the budget is therefore its **expected** capture under a
random order (its share of the remaining slots times its test reports), the same for every method, so that no
method wins or loses by the order of the rows.
"""

from __future__ import annotations

import numpy as np

COVERAGES = (0.01, 0.05, 0.10)


def cells_for(coverage: float, n: int) -> int:
    """How many of ``n`` cells make ``coverage`` of the area (at least one)."""
    return max(1, min(n, round(coverage * n)))


def captured(score: np.ndarray, test: np.ndarray, k: int) -> float:
    """Test reports in the ``k`` best-scored cells (a tied group at the cut counts pro rata)."""
    n = len(score)
    if k >= n:
        return float(test.sum())
    cut = np.partition(score, n - k)[n - k]
    above = score > cut
    tied = score == cut
    room = k - int(above.sum())
    return float(test[above].sum() + room / int(tied.sum()) * test[tied].sum())


def best_capture(test: np.ndarray, k: int) -> float:
    """The most any ``k`` cells could hold (the perfect-foresight ceiling)."""
    n = len(test)
    if k >= n:
        return float(test.sum())
    # a sort, not a partition: test counts are mostly ties (zeros), where numpy's selection is 20 times slower
    return float(np.sort(test)[n - k :].sum())


def pei_star(score: np.ndarray, test: np.ndarray, coverages: tuple[float, ...] = (0.01, 0.05)) -> float:
    """Mean PEI* (capture / ceiling capture) over ``coverages``: the objective of the parameter search."""
    values = []
    for coverage in coverages:
        k = cells_for(coverage, len(score))
        best = best_capture(test, k)
        if best > 0:
            values.append(captured(score, test, k) / best)
    return float(np.mean(values)) if values else float("nan")
