"""One value scale for every kind of site, and the reason for it in words.

A sensitive point's priority is a product of readable factors (:mod:`service.analyse.points`): gravity of its
categories × volume (log of the report count) × recurrence (distinct weeks) × recency × trend × outcome of the
last visit. The planner ranks points, axes, lone reports and follow-ups against each other, so each of them gets
a value from the **same factors**, computed from its own facts. An axis is not ranked by its observed/expected
ratio (a statistic of surprise, not of importance): its value is that of a point with the same reports.

Every factor is kept by name so the job sheet can say why a site is on the list.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from service.analyse.priority import OUTCOME_FACTOR, TREND_FACTOR

#: A report not seen for this many days weighs e^-1 of a fresh one (as for the points).
RECENCY_DAYS = 90.0
#: A lone report less than 48 hours old is checked first: a fresh dumping is still there to be seen.
FRESH_HOURS = 48.0
FRESH_FACTOR = 1.5

FACTOR_WORDS = {
    "gravite": "gravité",
    "volume": "volume",
    "recurrence": "récurrence",
    "recence": "récence",
    "tendance": "tendance",
    "suite_visite": "suite de visite",
    "fraicheur": "fraîcheur",
    "echeance": "échéance",  # permit checks (service.permits.followup)
    "conditions": "conditions",
}
TREND_WORDS = {
    "nouveau": "nouveau",
    "consecutif": "consécutif",
    "en_intensification": "en intensification",
    "persistant": "persistant",
    "oscillant": "oscillant",
    "sporadique": "sporadique",
    "en_diminution": "en diminution",
    "historique": "historique",
    "aucune": "aucune tendance nette",
}


def _days(now: pd.Timestamp, then: Any) -> float | None:
    if then is None or pd.isna(then):
        return None
    return max(0.0, (now - pd.Timestamp(then)).total_seconds() / 86400)


def mean_gravity(categories: Mapping[str, float] | None, gravity: Mapping[str, float]) -> float:
    """Gravity of a place: the mean gravity of its reports (weighted by their count per category)."""
    if not categories:
        return 1.0
    total = sum(float(n) for n in categories.values())
    if total <= 0:
        return 1.0
    return sum(gravity.get(c, 1.0) * float(n) for c, n in categories.items()) / total


def factors(
    *,
    gravity: float,
    n_reports: int,
    weeks: int,
    last_report: Any,
    now: pd.Timestamp,
    trend: str | None,
    last_outcome: str | None,
    fresh: bool = False,
) -> dict[str, float]:
    """The priority factors of a place, as :func:`service.analyse.points.sensitive_points` computes them."""
    days = _days(now, last_report)
    out = {
        "gravite": round(gravity, 3),
        "volume": round(math.log1p(max(n_reports, 1)), 3),
        "recurrence": round(1 + max(weeks, 1) / 52, 3),
        "recence": round(math.exp(-(days or 0.0) / RECENCY_DAYS), 3),
        "tendance": TREND_FACTOR.get(trend or "aucune", 1.0),
        "suite_visite": OUTCOME_FACTOR.get(last_outcome, 1.0),
    }
    if fresh:
        out["fraicheur"] = FRESH_FACTOR
    return out


def product(components: Mapping[str, float]) -> float:
    """The value: the product of the factors, rounded as the points' priority is."""
    value = 1.0
    for factor in components.values():
        value *= float(factor)
    return round(value, 3)


def _fr_number(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".rstrip("0").rstrip(".").replace(".", ",")


def formula_words(components: Mapping[str, float]) -> str:
    """``"gravité 2 × volume 3,22 × …"``: the factors in the order a person reads them."""
    order = {name: i for i, name in enumerate(FACTOR_WORDS)}
    keys = sorted(components, key=lambda k: (order.get(k, len(order)), k))
    return " × ".join(f"{FACTOR_WORDS.get(k, k)} {_fr_number(float(components[k]))}" for k in keys)


def _ago(days: float | None) -> str:
    if days is None:
        return ""
    if days < 1:
        return "aujourd'hui"
    if days < 2:
        return "hier"
    return f"il y a {int(days)} jours"


def reason_words(
    *,
    kind: str,
    category_label: str | None,
    n_reports: int,
    weeks: int,
    last_report: Any,
    now: pd.Timestamp,
    trend: str | None,
    last_visit: Any,
    last_outcome_label: str | None,
    length_m: float | None = None,
    fresh: bool = False,
) -> str:
    """Why the site is worth a visit, in plain French (facts first, then the last visit)."""
    parts: list[str] = []
    if category_label:
        parts.append(category_label)
    if kind == "signalement":
        when = _ago(_days(now, last_report))
        parts.append(f"signalement ouvert ({when})" if when else "signalement ouvert")
        if fresh:
            parts.append("à constater dans les 48 h")
        if n_reports > 1:
            parts.append(f"signalé {n_reports} fois")
    elif kind == "suivi":
        parts.append("suivi demandé à la dernière visite")
        if n_reports:
            parts.append(f"{n_reports} signalement(s) à moins de 25 m")
    elif kind == "axe" and not n_reports:
        parts.append("aucun signalement récent hors des points sensibles qu'il traverse")
        if length_m:
            parts.append(f"rue de {round(length_m)} m à parcourir")
    else:
        spread = f" sur {weeks} semaine(s)" if weeks else ""
        parts.append(f"{n_reports} signalement(s){spread}")
        when = _ago(_days(now, last_report))
        if when:
            parts.append(f"le dernier {when}")
        if length_m:
            parts.append(f"rue de {round(length_m)} m à parcourir")
        if trend and kind == "point_sensible":
            parts.append(f"tendance : {TREND_WORDS.get(trend, trend)}")
    if last_visit is not None and not pd.isna(last_visit):
        stamp = pd.Timestamp(last_visit).tz_convert("Europe/Brussels").strftime("%d/%m/%Y")
        parts.append(f"dernière visite le {stamp}" + (f" : {last_outcome_label.lower()}" if last_outcome_label else ""))
    else:
        parts.append("jamais visité")
    return " ; ".join(parts)
