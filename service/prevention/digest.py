"""The digest of a network (or a section) for a period: what residents and partners can be told, in plain French.

In the area: the reports of the period by category, against the period before; in or near it (``prevention_near_m``):
the sensitive points and problem axes with their trend, and what the service did (visits by outcome, counts only);
then what residents can do about the categories seen (``prevention_advice``). No reporter data, no report text, no
house number (a place is named by its street), and every count under ``public_min_count`` is shown as « moins de k »,
as on the public map. A period with no data says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import psycopg
import shapely

from service.db.vocabulary import Labels
from service.numbers import NARROW, french_number
from service.prevention.networks import Scope, q
from service.prevention.period import Period
from service.settings import Settings
from service.text import counted, plural

#: The trend of a sensitive point, as a resident reads it.
PLAIN_TREND = {
    "nouveau": "nouveau : apparu ces dernières semaines",
    "consecutif": "récent, et qui se confirme",
    "en_intensification": "en aggravation",
    "persistant": "persistant : revient depuis longtemps",
    "oscillant": "irrégulier",
    "sporadique": "occasionnel",
    "en_diminution": "en amélioration",
    "historique": "calme depuis plusieurs mois",
    "aucune": "sans tendance nette",
}
STATE_WORDS = {
    "nouveau": "nouveau",
    "actif": "suivi par le service",
    "reouvert": "revenu après une accalmie",
    "surveille": "sous surveillance (moins de signalements)",
    "resolu": "résolu",
}
#: Most categories with advice in one digest.
MAX_ADVICE = 5


def shown(n: int, k: int) -> str:
    """A count as a digest prints it: « aucun », « moins de k », or the number."""
    if n <= 0:
        return "aucun"
    if n < k:
        return f"moins de {k}"
    return french_number(n, group=NARROW)


def counted_masked(n: int, k: int, word: str, *, feminine: bool = False) -> str:
    """A count and its word as a digest's sentence says them, a count under ``k`` masked (a resident could be
    recognised in it): « aucune visite », « moins de 5 signalements », « 23 signalements », « 1 signalement »."""
    if n <= 0:
        return f"{'aucune' if feminine else 'aucun'} {word}"
    return f"{shown(n, k)} {plural(max(n, k) if n < k else n, word)}"


def count_json(n: int, k: int) -> dict[str, Any]:
    """A count for the API: ``nombre`` is null when it is under the threshold; ``affiche`` is what to print."""
    return {"nombre": n if n == 0 or n >= k else None, "affiche": shown(n, k)}


def compare(n: int, before: int, k: int) -> str:
    """« en hausse », « en baisse », « stable » — or nothing when the counts are too small to say."""
    if max(n, before) < k:
        return ""
    if n > before * 1.25 and n - before >= 2:
        return "en hausse"
    if n < before * 0.8 and before - n >= 2:
        return "en baisse"
    return "stable"


@dataclass
class Digest:
    """Everything a digest shows; places in Lambert 72."""

    scope: Scope
    period: Period
    previous: Period
    k: int
    near_m: float
    generated_at: pd.Timestamp
    reports: int
    reports_previous: int
    categories: list[dict[str, Any]]  # code, label, n, n_prev
    points: list[dict[str, Any]]
    axes: list[dict[str, Any]]
    visits: list[dict[str, Any]]  # outcome, label, n
    advice: list[dict[str, Any]]  # category, label, advice, sanction
    notes: list[str] = field(default_factory=list)
    in_progress: bool = False

    @property
    def visits_total(self) -> int:
        """The service's visits in and around the area over the period, all outcomes together."""
        return sum(int(v["n"]) for v in self.visits)

    @property
    def empty(self) -> bool:
        """Nothing happened in the period: no report in the area, no visit around it."""
        return self.reports == 0 and self.visits_total == 0

    @property
    def title(self) -> str:
        """The digest's heading, naming the network or section and the period (also the PDF's title)."""
        what = f"Réseau « {self.scope.name} »" if self.scope.kind == "reseau" else f"Section {self.scope.name}"
        return f"Bilan environnement — {what} — {self.period.label}"

    def summary(self) -> str:
        """The opening sentence."""
        k = self.k
        if self.empty:
            return f"Aucun signalement dans la zone et aucune visite du service à ses abords {self.period.during}."
        during = self.period.during
        parts = [f"{during[0].upper()}{during[1:]}, {counted_masked(self.reports, k, 'signalement')} dans la zone"]
        parts[0] += f" ({self.previous.label} : {shown(self.reports_previous, k)})"
        active = [p for p in self.points if p["state"] != "resolu"]
        if active or self.axes:
            points = counted(len(active), "point sensible", "points sensibles")
            axes = counted(len(self.axes), "axe problématique", "axes problématiques")
            parts.append(f"{points} et {axes} dans la zone ou à ses abords")
        parts.append(f"{counted_masked(self.visits_total, k, 'visite', feminine=True)} du service")
        return " ; ".join(parts) + "."


def _street(r: dict[str, Any]) -> str:
    if r.get("street"):
        return f"{r['street']} ({r['municipality']})" if r.get("municipality") else str(r["street"])
    return "lieu sans adresse proche"


def _near_site(r: dict[str, Any], place: str | None, **facts: Any) -> dict[str, Any]:
    """A point or an axis near the area: its own ``facts`` between what both kinds read alike from their query
    (id, state; reports now and before, inside the area or how far, outline)."""
    return {
        "id": r["id"],
        "place": place,
        "state": r["state"],
        **facts,
        "n": int(r["n"]),
        "n_prev": int(r["n_prev"]),
        "inside": bool(r["inside"]),
        "distance_m": float(r["distance_m"]),
        "geom": shapely.from_wkb(bytes(r["geom"])),
    }


def build_digest(
    conn: psycopg.Connection[Any],
    settings: Settings,
    scope: Scope,
    period: Period,
    labels: Labels,
    *,
    now: datetime | None = None,
) -> Digest:
    """Gather the facts of the digest of ``scope`` for ``period``. Reads only."""
    stamp = pd.Timestamp(now) if now is not None else pd.Timestamp.now(tz="UTC")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    previous = period.previous()
    start, end = period.bounds()
    prev_start, _ = previous.bounds()
    in_progress = end > stamp
    end = min(end, stamp)
    area = shapely.to_wkb(scope.area)
    params = {
        "area": area,
        "near": settings.prevention_near_m,
        "start": start,
        "end": end,
        "prev_start": prev_start,
        "year_start": end - pd.Timedelta(days=365),
    }
    k = settings.public_min_count
    cats = q.frame(conn, "area_categories", params)
    categories = [
        {"code": r["category"], "label": labels.category(r["category"]), "n": int(r["n"]), "n_prev": int(r["n_prev"])}
        for r in cats.sort_values(["n", "n_prev", "category"], ascending=[False, False, True]).to_dict("records")
        if r["n"] or r["n_prev"]
    ]
    points = []
    for r in q.frame(conn, "points_near", params).to_dict("records"):
        points.append(
            {
                **_near_site(
                    r,
                    _street(r),
                    trend=r["trend"],
                    category=r["main_category"],
                    category_label=labels.category(r["main_category"]),
                    priority=float(r["priority"] or 0.0),
                    n_reports=int(r["n_reports"] or 0),
                ),
                "point": shapely.Point(r["x"], r["y"]),
            }
        )
    axes = []
    for r in q.frame(conn, "axes_near", params).to_dict("records"):
        place = f"{r['street']} ({r['municipality']})" if r["municipality"] else r["street"]
        axes.append(_near_site(r, place, length_m=float(r["length_m"]), n_reports=int(r["reports"])))
    visits = [
        {"outcome": o, "label": labels.outcome(o), "n": int(n)}
        for o, n in conn.execute(q("visits_near"), params).fetchall()
    ]
    reports = sum(c["n"] for c in categories)
    reports_previous = sum(c["n_prev"] for c in categories)
    advice = _advice(conn, params, categories, points)
    notes = _notes(conn, settings, scope, period, stamp, reports, in_progress)
    return Digest(
        scope=scope,
        period=period,
        previous=previous,
        k=k,
        near_m=settings.prevention_near_m,
        generated_at=stamp,
        reports=reports,
        reports_previous=reports_previous,
        categories=categories,
        points=points,
        axes=axes,
        visits=visits,
        advice=advice,
        notes=notes,
        in_progress=in_progress,
    )


def _advice(
    conn: psycopg.Connection[Any],
    params: dict[str, Any],
    categories: list[dict[str, Any]],
    points: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Advice for the categories of the period (most reported first) and of the points; when the period is empty,
    those of the area's last twelve months; when the area never had any, the zone's two commonest."""
    order = [c["code"] for c in categories if c["n"]] + [p["category"] for p in points if p["category"]]
    if not order:
        order = [str(c) for c, _n in conn.execute(q("area_year_categories"), params).fetchall()]
    if not order:
        order = [str(c) for (c,) in conn.execute(q("zone_top_categories")).fetchall()]
    wanted = list(dict.fromkeys(order))[:MAX_ADVICE]
    rows = {r[0]: r for r in conn.execute(q("advice"), {"categories": wanted}).fetchall()}
    return [
        {"category": c, "label": rows[c][1], "advice": rows[c][2], "sanction": rows[c][3]} for c in wanted if c in rows
    ]


def _notes(
    conn: psycopg.Connection[Any],
    settings: Settings,
    scope: Scope,
    period: Period,
    now: pd.Timestamp,
    reports: int,
    in_progress: bool,
) -> list[str]:
    k = settings.public_min_count
    notes = [
        f"Signalements comptés dans la zone ; points sensibles, axes et visites dans la zone ou à moins de "
        f"{settings.prevention_near_m:g} m. Les nombres sous {k} sont donnés comme « moins de {k} », pour que "
        "personne ne puisse être reconnu ; le même fait signalé deux fois n'est compté qu'une fois.",
    ]
    if scope.note:
        notes.append(scope.note)
    if in_progress:
        notes.append(f"Période en cours : chiffres arrêtés au {now.tz_convert(settings.timezone):%d/%m/%Y}.")
    if reports == 0:
        first, last = conn.execute(q("report_span")).fetchone() or (None, None)
        start, end = period.bounds()
        if first is None:
            notes.append("Aucun signalement n'est encore enregistré dans le service.")
        elif end <= pd.Timestamp(first):
            notes.append(
                f"Aucune donnée pour {period.named} : les signalements enregistrés commencent le "
                f"{pd.Timestamp(first).tz_convert(settings.timezone):%d/%m/%Y}."
            )
        elif start > pd.Timestamp(last):
            notes.append(
                f"Aucune donnée pour {period.named} : le dernier signalement enregistré date du "
                f"{pd.Timestamp(last).tz_convert(settings.timezone):%d/%m/%Y}."
            )
    return notes
