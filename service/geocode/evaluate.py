"""Judge the geocoder on addresses whose true point is known: each answer is compared with that point.

The queries come from the caller (a frame with ``kind``, ``query``, ``postcode``, ``locality``, ``x``, ``y``): the
demonstration writes them from the register, clean and messy (:func:`service.demo.addresses.evaluation_set`).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from service.geocode.apply import DEFAULT_THRESHOLD
from service.geocode.match import Geocoder

WITHIN_M = 50.0
WRONG_M = 100.0


def evaluate(geocoder: Geocoder, queries: pd.DataFrame) -> dict[str, Any]:
    """Accuracy per query kind, plus throughput and single look-up latency."""
    levels, scores, errors, timings = [], [], [], []
    start = time.perf_counter()
    for q in queries.itertuples():
        t0 = time.perf_counter()
        r = geocoder.geocode(q.query, postcode=q.postcode, locality=q.locality)
        timings.append(time.perf_counter() - t0)
        levels.append(r.level)
        scores.append(r.score)
        errors.append(np.hypot(r.x - q.x, r.y - q.y) if r.x is not None else np.inf)
    elapsed = time.perf_counter() - start
    frame = queries.assign(level=levels, score=scores, error=errors)
    report: dict[str, Any] = {
        "requetes": len(frame),
        "adresses_par_seconde": round(len(frame) / elapsed),
        "latence_p50_ms": round(float(np.percentile(timings, 50)) * 1000, 3),
        "latence_p95_ms": round(float(np.percentile(timings, 95)) * 1000, 3),
    }
    for kind, part in frame.groupby("kind"):
        exact = part["level"].eq("adresse")
        sure = part["score"].ge(DEFAULT_THRESHOLD) & np.isfinite(part["error"])  # placed, not sent to the checks
        report[str(kind)] = {
            "n": len(part),
            "a_moins_de_50m": round(float((part["error"] <= WITHIN_M).mean()), 4),
            "niveau_adresse_exact": round(float((exact & (part["error"] <= WITHIN_M)).mean()), 4),
            "confiant_mais_faux": round(float((exact & (part["error"] > WRONG_M)).mean()), 4),
            "sur_a_moins_de_50m": round(float((sure & (part["error"] <= WITHIN_M)).mean()), 4),
            "sur_a_plus_de_100m": round(float((sure & (part["error"] > WRONG_M)).mean()), 4),
            "niveaux": {k: round(float(v), 4) for k, v in part["level"].value_counts(normalize=True).items()},
        }
    return report
