"""The follow-up of permits: which ones are due for a check, why, and how much a check is worth.

A permit is due when it **expires** within ``permit_expiry_months`` (or expired less than a year ago: has the
activity stopped, is a renewal asked?), when it has **conditions to check** that no visit has checked for
``permit_check_days`` (classes 1 and 2, single permits and urban-planning permits: a class 3 declaration carries
the standard conditions only), or when its facility draws **repeated complaints** (at least
``permit_complaints_min`` linked reports over ``permit_complaints_days``).

Its value is on the planner's one scale (:mod:`service.plan.value`): the same factors as a sensitive point,
computed from the linked reports (their gravity, and their number per quarter, that of the last half-year when
the trend is a clear rise or drop) and the last visit at the facility, times two factors of its own:
``echeance`` (expiry close or just past) and ``conditions`` (never or long not checked). :func:`assess` is pure
(frames in, frame out); the candidate source and the permit's record use it.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pandas as pd

from service.permits.links import Trend, ZoneHalves, as_int, trend_halves, trend_of
from service.plan import value as v
from service.settings import Settings
from service.text import plural

#: Gravity of a check when no report is linked: by how much the facility can harm (class 1 is the heaviest).
CLASS_GRAVITY = {1: 3.0, 2: 2.0, 3: 1.0}
TYPE_GRAVITY = {"environnement": 2.0, "unique": 2.5, "urbanisme": 1.5}
EXPIRY_FACTOR = 1.5
CONDITIONS_FACTOR = 1.3
#: An expired permit stays on the list this long after its end.
EXPIRED_KEPT_DAYS = 365
TYPE_WORDS = {"environnement": "Permis d'environnement", "urbanisme": "Permis d'urbanisme", "unique": "Permis unique"}


def permit_words(permit_type: str, env_class: Any) -> str:
    """``Permis d'environnement, classe 2``."""
    words = TYPE_WORDS.get(permit_type, permit_type)
    klass = as_int(env_class)
    if klass is not None:
        words += f", classe {klass}"
    return words


def _day(value: Any, zone: str) -> str:
    stamp = pd.Timestamp(value)
    day: str = (stamp.tz_convert(zone) if stamp.tzinfo else stamp).strftime("%d/%m/%Y")
    return day


def _months_until(now: pd.Timestamp, day: pd.Timestamp) -> int:
    months: int = round((day - now.normalize().tz_localize(None)).days / 30.44)
    return max(0, months)


def _conditions_checked(permit: dict[str, Any]) -> bool:
    """Whether the permit carries conditions worth a check of their own."""
    text = str(permit["conditions"] or "").strip()
    if not text:
        return False
    klass = as_int(permit["env_class"])
    return permit["permit_type"] != "environnement" or (klass is not None and klass < 3)


def _per_permit(links: pd.DataFrame, stamp: pd.Timestamp, settings: Settings) -> dict[str, dict[int, Any]]:
    """The facts of each permit's complaints over the complaints window, computed once for all permits: count,
    counts per category, distinct weeks, last report, and the two halves of the trend window (per category)."""
    out: dict[str, dict[int, Any]] = {k: {} for k in ("n", "counts", "weeks", "last", "recent", "before")}
    if links.empty:
        return out
    when = pd.to_datetime(links["observed_at"], utc=True)
    start, middle, end = trend_halves(stamp)
    ids = links["permit_id"].astype(int)
    for half, inside in (("recent", (when >= middle) & (when < end)), ("before", (when >= start) & (when < middle))):
        for (pid, category), n in links[inside].groupby([ids[inside], links["category"][inside]]).size().items():
            out[half].setdefault(int(pid), {})[str(category)] = int(n)
    window = when >= stamp - pd.Timedelta(days=settings.permit_complaints_days)
    mine = pd.DataFrame({"permit_id": ids[window], "category": links["category"][window], "when": when[window]})
    if mine.empty:
        return out
    week = mine["when"].dt.tz_convert(settings.timezone).dt.tz_localize(None).dt.to_period("W")
    grouped = mine.groupby("permit_id")
    out["n"] = grouped.size().to_dict()
    out["last"] = grouped["when"].max().to_dict()
    out["weeks"] = week.groupby(mine["permit_id"]).nunique().to_dict()
    for (pid, category), n in mine.groupby(["permit_id", "category"]).size().items():
        out["counts"].setdefault(int(pid), {})[str(category)] = int(n)
    return out


def expected_complaints(n: int, trend: Trend, window_days: int) -> float:
    """The complaints expected next quarter: those of the window per quarter; when the trend is a rise or a
    drop that chance explains badly, those of its last half per quarter, since the window's mean would lag behind
    (10 complaints in the last 6 months and none before forecast 5 a quarter, not 2,5)."""
    if trend.code in ("hausse", "baisse"):
        half_days = trend.months / 2 * 30.44
        return trend.recent * 91.0 / half_days
    return n * 91.0 / window_days


def assess(
    permits: pd.DataFrame,
    links: pd.DataFrame,
    visits: pd.DataFrame,
    settings: Settings,
    now: datetime,
    *,
    gravity: dict[str, float],
    concerns: dict[int, list[str]] | None = None,
    zone: ZoneHalves | None = None,
) -> pd.DataFrame:
    """One row per permit: ``due`` (bool), ``reasons`` (French, one per motive), ``motives`` (codes ``expiration``,
    ``conditions``, ``plaintes``), ``components`` and ``value``, ``n_reports`` (over the complaints window),
    ``categories`` ({code: count}), ``trend`` (:class:`~service.permits.links.Trend`), ``last_visit``,
    ``last_outcome``. ``links`` are the linked reports over (at least) the complaints window; with the ``zone``'s
    halves, a trend is judged against the split of the same categories elsewhere in the zone."""
    stamp = pd.Timestamp(now)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    today = stamp.tz_convert(settings.timezone).normalize().tz_localize(None)
    horizon = today + pd.DateOffset(months=settings.permit_expiry_months)
    check_since = stamp - pd.Timedelta(days=settings.permit_check_days)
    facts = _per_permit(links, stamp, settings)
    latest: dict[int, tuple[pd.Timestamp, str]] = {}
    if len(visits):
        ordered = visits.sort_values("visited_at")
        for pid, when, outcome in zip(ordered["permit_id"], ordered["visited_at"], ordered["outcome"], strict=True):
            latest[int(pid)] = (pd.Timestamp(when), str(outcome))
    months = round(settings.permit_complaints_days / 30.44)
    rows = []
    for p in permits.to_dict("records"):
        pid = int(p["id"])
        last_visit, last_outcome = latest.get(pid, (None, None))
        reasons, motives = [], []
        echeance = 1.0
        if p["valid_until"] is not None and not pd.isna(p["valid_until"]):
            end = pd.Timestamp(p["valid_until"])
            if today <= end <= horizon:
                left = _months_until(stamp, end)
                when = "dans moins d'un mois" if left == 0 else f"dans {left} mois"
                reasons.append(f"expire le {_day(end, settings.timezone)} ({when}) : renouvellement demandé ?")
                motives.append("expiration")
                echeance = EXPIRY_FACTOR
            elif today - pd.Timedelta(days=EXPIRED_KEPT_DAYS) <= end < today:
                reasons.append(
                    f"expiré depuis le {_day(end, settings.timezone)} : l'activité a-t-elle cessé ou un "
                    "renouvellement est-il demandé ?"
                )
                motives.append("expiration")
                echeance = EXPIRY_FACTOR
        conditions = 1.0
        if _conditions_checked(p) and (last_visit is None or last_visit < check_since):
            since = (
                "jamais contrôlées"
                if last_visit is None
                else f"pas contrôlées depuis le {_day(last_visit, settings.timezone)}"
            )
            reasons.append(f"conditions à contrôler (« {str(p['conditions']).strip()} ») : {since}")
            motives.append("conditions")
            conditions = CONDITIONS_FACTOR
        n = int(facts["n"].get(pid, 0))
        recent, before = facts["recent"].get(pid, {}), facts["before"].get(pid, {})
        share = zone.share(recent, before) if zone is not None else 0.5
        trend = trend_of(sum(recent.values()), sum(before.values()), share=share)
        if n >= settings.permit_complaints_min:
            reasons.append(f"{n} {plural(n, 'plainte liée', 'plaintes liées')} en {months} mois, {trend.words}")
            motives.append("plaintes")
        counts = facts["counts"].get(pid, {})
        categories = dict.fromkeys((concerns or {}).get(pid, []), 0) | counts
        if n:
            grav, last_report = v.mean_gravity(counts, gravity), facts["last"][pid]
        else:
            last_report = None
            klass = as_int(p["env_class"])
            grav = CLASS_GRAVITY.get(klass, 2.0) if klass is not None else TYPE_GRAVITY.get(p["permit_type"], 2.0)
        components = v.factors(
            gravity=grav,
            # a facility due for a check without complaints still counts as one expected report (the check itself
            # is the service's duty)
            expected=max(expected_complaints(n, trend, settings.permit_complaints_days), 1.0),
            last_outcome=last_outcome,
        )
        components["echeance"] = echeance
        components["conditions"] = conditions
        rows.append(
            {
                "permit_id": pid,
                "due": bool(motives),
                "motives": motives,
                "reasons": reasons,
                "components": components,
                "value": v.product(components),
                "n_reports": n,
                "categories": categories,
                "main_category": max(counts, key=lambda c: counts[c]) if counts else None,
                "trend": trend,
                "last_report": last_report,
                "last_visit": last_visit,
                "last_outcome": last_outcome,
            }
        )
    columns = [
        "permit_id",
        "due",
        "motives",
        "reasons",
        "components",
        "value",
        "n_reports",
        "categories",
        "main_category",
        "trend",
        "last_report",
        "last_visit",
        "last_outcome",
    ]
    return pd.DataFrame(rows, columns=columns)


def reason_words(permit: dict[str, Any], assessed: dict[str, Any], *, last_outcome_label: str | None, zone: str) -> str:
    """Why a permit is on the follow-up list, in plain French: what it is, its motives, its last visit (its day in
    ``zone``)."""
    parts = [permit_words(permit["permit_type"], permit["env_class"])]
    if permit["activity"]:
        parts[0] += f" — {permit['activity']}"
    parts += list(assessed["reasons"])
    last = assessed["last_visit"]
    if last is not None and not (isinstance(last, float) and math.isnan(last)) and not pd.isna(last):
        stamp = pd.Timestamp(last).tz_convert(zone).strftime("%d/%m/%Y")
        parts.append(f"dernière visite le {stamp}" + (f" : {last_outcome_label.lower()}" if last_outcome_label else ""))
    else:
        parts.append("jamais visité")
    if permit.get("opening_hours"):
        parts.append(f"ouvert {permit['opening_hours']}")
    return " ; ".join(parts)
