"""The factors of a sensitive point's priority that a person can read and change in one place.

The priority is a product: gravity × volume × recurrence × recency × trend × outcome of the last visit
(:func:`service.analyse.points.sensitive_points`). The two tables below are the factors of the trend category and
of the last visit's outcome; they are kept apart from the clustering code so that ingestion (a visit imported from
a plan's sheet), the API and the planner apply the same factors without loading the analysis.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: How the last visit changes the priority: enforcement done lowers it, a pending follow-up or no visit at all
#: raises it (weights are settings-like constants here; change them in one place).
OUTCOME_FACTOR = {
    "pv": 0.8,
    "sac": 0.8,
    "nettoye": 0.9,
    "avertissement": 0.95,
    "rien_constate": 1.0,
    "transmis": 1.0,
    "a_revoir": 1.2,
    None: 1.1,
}
#: Priority factor of each emerging hot-spot category (service.analyse.trends).
TREND_FACTOR = {
    "nouveau": 1.2,
    "consecutif": 1.2,
    "en_intensification": 1.3,
    "persistant": 1.0,
    "oscillant": 0.9,
    "sporadique": 0.8,
    "en_diminution": 0.7,
    "historique": 0.4,
    "aucune": 0.8,
}


def with_visit_outcome(
    priority: float | None, components: Mapping[str, Any] | None, outcome: str | None
) -> tuple[float, dict[str, Any]]:
    """The priority and its factors once the last visit's outcome is ``outcome``: only the "suite de visite" factor
    changes at once (the others wait for the next analysis run)."""
    factors = dict(components or {})
    old = float(factors.get("suite_visite") or 1.0)
    new = OUTCOME_FACTOR.get(outcome, 1.0)
    factors["suite_visite"] = new
    return round(float(priority or 0.0) / old * new, 3), factors
