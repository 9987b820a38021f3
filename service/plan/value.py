"""One value scale for every kind of site, and the reason for it in words.

A sensitive point's priority is a product of readable factors (:mod:`service.analyse.points`): gravity of its
reports × forecast (log of one plus the reports expected there next quarter) × outcome of its last visit. The
planner ranks points, axes, lone reports and follow-ups against each other, so each gets a value from the **same
factors**: points and axes carry theirs from the analysis (:mod:`service.analyse.axis_priority`); a lone report or
a follow-up, which the analysis does not forecast, takes as its forecast the reports seen there (a fresh report
also gets a freshness factor: a dumping is still there to be seen within 48 hours).

Every factor is kept by name so the job sheet can say why a site is on the list.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from service.analyse.priority import OUTCOME_FACTOR
from service.labels import TREND_LABELS
from service.numbers import french_number
from service.text import plural

#: A lone report less than 48 hours old is checked first: a fresh dumping is still there to be seen.
FRESH_HOURS = 48.0
FRESH_FACTOR = 1.5

FACTOR_WORDS = {
    "gravite": "gravité",
    "prevision": "prévision",
    "suite_visite": "suite de visite",
    "fraicheur": "fraîcheur",
    "echeance": "échéance",  # permit checks (service.permits.followup)
    "conditions": "conditions",
}
#: Trend categories as words (the same as the map's).
TREND_WORDS = TREND_LABELS


def _days(now: pd.Timestamp, then: Any) -> float | None:
    if then is None or pd.isna(then):
        return None
    return max(0.0, float((now - pd.Timestamp(then)).total_seconds()) / 86400)


def mean_gravity(categories: Mapping[str, float] | None, gravity: Mapping[str, float]) -> float:
    """Gravity of a place: the mean gravity of its reports (weighted by their count per category)."""
    if not categories:
        return 1.0
    total = sum(float(n) for n in categories.values())
    if total <= 0:
        return 1.0
    return sum(gravity.get(c, 1.0) * float(n) for c, n in categories.items()) / total


def factors(*, gravity: float, expected: float, last_outcome: str | None, fresh: bool = False) -> dict[str, float]:
    """The priority factors of a place: gravity × forecast (``expected`` reports next quarter) × last visit
    (× freshness), as :func:`service.analyse.points.sensitive_points` computes a point's."""
    out = {
        "gravite": round(gravity, 3),
        "prevision": round(math.log1p(max(expected, 0.0)), 3),
        "suite_visite": OUTCOME_FACTOR.get(last_outcome, 1.0),
    }
    if fresh:
        out["fraicheur"] = FRESH_FACTOR
    return out


def expected_reports(components: Mapping[str, Any] | None) -> float | None:
    """The reports expected next quarter behind a ``prevision`` factor (its inverse), or None without one."""
    if not components or components.get("prevision") is None:
        return None
    return math.expm1(float(components["prevision"]))


def product(components: Mapping[str, float]) -> float:
    """The value: the product of the factors, rounded as the points' priority is."""
    value = 1.0
    for factor in components.values():
        value *= float(factor)
    return round(value, 3)


def formula_words(components: Mapping[str, float]) -> str:
    """``"gravité 2 × volume 3,22 × …"``: the factors in the order a person reads them."""
    order = {name: i for i, name in enumerate(FACTOR_WORDS)}
    keys = sorted(components, key=lambda k: (order.get(k, len(order)), k))
    return " × ".join(f"{FACTOR_WORDS.get(k, k)} {french_number(float(components[k]), 2, trim=True)}" for k in keys)


def _ago(days: float | None) -> str:
    if days is None:
        return ""
    if days < 1:
        return "aujourd'hui"
    if days < 2:
        return "hier"
    return f"il y a {int(days)} jours"


def expected_words(expected: float) -> str:
    """The forecast of a place in words: « environ 5,6 signalements attendus au prochain trimestre », and a place
    that stopped (nothing to one decimal) « aucun signalement attendu », not « environ 0 »."""
    if round(expected, 1) == 0:
        return "aucun signalement attendu au prochain trimestre"
    said = f"{plural(expected, 'signalement')} {plural(expected, 'attendu')}"
    return f"environ {french_number(expected, 1, trim=True)} {said} au prochain trimestre"


def reason_words(
    *,
    zone: str,
    kind: str,
    category_label: str | None,
    n_reports: int,
    now: pd.Timestamp,
    weeks: int = 0,
    last_report: Any = None,
    trend: str | None = None,
    last_visit: Any = None,
    last_outcome_label: str | None = None,
    length_m: float | None = None,
    fresh: bool = False,
    expected: float | None = None,
) -> str:
    """Why the site is worth a visit, in plain French (facts first, the forecast, then the last visit, its day in
    ``zone``)."""
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
            parts.append(f"{n_reports} {plural(n_reports, 'signalement')} à moins de 25 m")
    elif kind == "axe" and not n_reports:
        parts.append("aucun signalement récent hors des points sensibles qu'il traverse")
        if length_m:
            parts.append(f"rue de {round(length_m)} m à parcourir")
    else:
        spread = f" sur {weeks} {plural(weeks, 'semaine')}" if weeks else ""
        parts.append(f"{n_reports} {plural(n_reports, 'signalement')}{spread}")
        when = _ago(_days(now, last_report))
        if when:
            parts.append(f"le dernier {when}")
        if length_m:
            parts.append(f"rue de {round(length_m)} m à parcourir")
        if trend and kind == "point_sensible":
            parts.append(f"tendance : {TREND_WORDS.get(trend, trend)}")
        if expected is not None:
            parts.append(expected_words(expected))
    if last_visit is not None and not pd.isna(last_visit):
        stamp = pd.Timestamp(last_visit).tz_convert(zone).strftime("%d/%m/%Y")
        parts.append(f"dernière visite le {stamp}" + (f" : {last_outcome_label.lower()}" if last_outcome_label else ""))
    else:
        parts.append("jamais visité")
    return " ; ".join(parts)
