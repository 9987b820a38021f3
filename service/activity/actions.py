"""The actions of a period and whether they worked: each sensitive point and problem axis visited for the first
time in the period, and each intervention started in it (a camera, a sign, a clean-up), with the effect of that
day (:mod:`service.activity.effect`: its reports before and after, against the rest of the zone). The activity
report's answer to « what we did, did it work? ».

A report of a year can hold dozens of places: tested one by one, one in twenty would show a « significant » change
by chance alone. As in every table of the report, the p-values are adjusted over the table (Benjamini–Hochberg)
and the verdict reads the adjusted one; the effect of one place (``hotspots effet``) keeps its own p-value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import psycopg

from service.activity import interventions
from service.activity.effect import MIN_DAYS, Effect, NotMeasurableError, read_effect
from service.activity.figures import ALPHA, Windows, adjusted
from service.activity.sites import Site
from service.db.queries import Queries
from service.db.vocabulary import Labels

_q = Queries("service.activity", "activity.sql")

#: The columns of the table of actions (one row per first visit of a place, or intervention, in the period).
COLUMNS = [
    "lieu",
    "type",
    "libelle",
    "categorie",
    "mesure",
    "action",
    "jours",
    "avant",
    "apres",
    "evolution",
    "evolution_temoin",
    "rapport",
    "p",
    "p_ajuste",
    "quotient_deplacement",
    "verdict",
]
#: The verdicts, as the tables write them.
DROP, RISE, UNSURE, NOTHING_BEFORE, NOTHING, NO_MEASURE = (
    "Baisse significative",
    "Hausse significative",
    "Pas de conclusion",
    "Aucun signalement avant",
    "Aucun signalement",
    "Pas de mesure",
)
TOO_SOON, TOO_SHORT = "Trop tôt", "Historique trop court"
#: What was done, for a place's first visit (an intervention says its own kind).
FIRST_VISIT = "Première visite"
#: Said in the verdict of a drop when the nuisance moved into the ring around the place as much as it dropped.
MOVED = " (déplacée autour)"


def read_actions(conn: psycopg.Connection[Any], windows: Windows, labels: Labels, *, now: pd.Timestamp) -> pd.DataFrame:
    """The places first visited in ``windows``' period and the interventions started in it (a camera, a sign...),
    each with its effect up to ``now`` (six months on each side at most, its category's reports for a point found
    in one); the earliest first."""
    bounds = {"start": windows.now.start.to_pydatetime(), "end": windows.now.end.to_pydatetime()}
    todo: list[tuple[str | Site, str, str, str, pd.Timestamp, pd.Timestamp | None, str]] = [
        (str(site_id), str(site_id), str(kind), str(label), pd.Timestamp(first).tz_convert("UTC"), None, FIRST_VISIT)
        for site_id, kind, label, first in conn.execute(_q("first_visits"), bounds).fetchall()
    ]
    for item in interventions.listed(conn, start=windows.now.start, end=windows.now.end):
        site = interventions.site_of(conn, item)
        todo.append((site, site.id, site.kind, site.label, item["debut"], item["fin"], item["libelle"]))
    rows = []
    for place, site_id, kind, label, when, until, what in sorted(todo, key=lambda t: (t[4], t[1])):
        try:
            effect = read_effect(conn, place, zone=windows.period.zone, action=when, now=now, until=until)
        except NotMeasurableError as refusal:
            rows.append(_unmeasured(site_id, kind, label, when, what, soon=refusal.soon))
            continue
        rows.append(effect_row(effect, labels.category(effect.category)) | {"mesure": what})
    return actions_table(rows)


def effect_row(effect: Effect, category_label: str | None) -> dict[str, Any]:
    """One place's row: its effect's counts and measure (the verdict comes with the table's adjustment)."""
    m = effect.measure
    return {
        "lieu": effect.site.id,
        "type": effect.site.kind,
        "libelle": effect.site.label,
        "categorie": category_label or "toutes",
        "action": effect.action,
        "jours": round((effect.end - effect.action) / pd.Timedelta(days=1)),
        "avant": effect.place.before,
        "apres": effect.place.after,
        "evolution": effect.place.change,
        "evolution_temoin": effect.control.change,
        "rapport": m.ratio,
        "p": m.p_value,
        # a displacement is said only where the ring changed beyond chance (:meth:`Measure.ring_significant`)
        "quotient_deplacement": m.wdq if m.ring_significant else None,
        "verdict": "",
    }


def _unmeasured(site_id: str, kind: str, label: str, when: pd.Timestamp, what: str, *, soon: bool) -> dict[str, Any]:
    said = TOO_SOON if soon else TOO_SHORT
    return {"lieu": site_id, "type": kind, "libelle": label, "mesure": what, "action": when, "verdict": said}


def actions_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as the report's table: p-values adjusted over the places measured, and each place's verdict."""
    table = pd.DataFrame(rows, columns=COLUMNS)
    if table.empty:
        return table
    for column in ("p", "rapport", "evolution", "evolution_temoin", "quotient_deplacement"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    for column in ("jours", "avant", "apres"):  # counts, none for a place not measured
        table[column] = table[column].astype("Int64")
    table["verdict"] = table["verdict"].astype(object).fillna("")  # said already only for a place not measured
    table["p_ajuste"] = adjusted(table["p"].to_numpy(dtype=float))
    table["verdict"] = [
        row.verdict or verdict(int(row.avant), int(row.apres), row.rapport, row.p_ajuste, row.quotient_deplacement)
        for row in table.itertuples()
    ]
    return table


def verdict(before: int, after: int, ratio: float, p_adjusted: float, wdq: float) -> str:
    """A place's verdict from its counts before and after, the ratio of its change to the zone's, the adjusted
    p-value and the displacement quotient (NaN where there is none). A place with nothing before can still rise
    beyond chance (a new nuisance next to the visit); it cannot drop."""
    if before + after == 0:
        return NOTHING
    if np.isnan(ratio) or np.isnan(p_adjusted):
        return NO_MEASURE
    if p_adjusted < ALPHA and ratio > 1:
        return RISE
    if p_adjusted < ALPHA and before:
        return DROP + (MOVED if not np.isnan(wdq) and wdq <= -1 else "")
    return UNSURE if before else NOTHING_BEFORE


def actions_sentence(table: pd.DataFrame) -> str | None:
    """« 3 lieux visités pour la première fois : 1 baisse significative, 2 sans conclusion. », or with interventions
    « 3 actions (2 premières visites d'un lieu, 1 intervention) : … »; None without any."""
    if table.empty:
        return None
    n = len(table)
    counts = table["verdict"].str.replace(MOVED, "", regex=False).value_counts()
    parts = [f"{counts[v]} {one if counts[v] == 1 else many}" for v, (one, many) in _SAID.items() if v in counts]
    visits = int((table["mesure"] == FIRST_VISIT).sum())
    if visits == n:
        what = f"{n} {'lieu visité' if n == 1 else 'lieux visités'} pour la première fois"
    else:
        done = [f"{visits} {'première visite' if visits == 1 else 'premières visites'} d'un lieu"] if visits else []
        done.append(f"{n - visits} intervention{'s' if n - visits > 1 else ''}")
        what = f"{n} action{'s' if n > 1 else ''} ({', '.join(done)})"
    return f"{what} : {', '.join(parts)}."


#: Each verdict in the sentence of « L'essentiel », for one place and for several.
_SAID = {
    DROP: ("baisse significative", "baisses significatives"),
    RISE: ("hausse significative", "hausses significatives"),
    UNSURE: ("sans conclusion", "sans conclusion"),
    NOTHING_BEFORE: ("sans signalement avant", "sans signalement avant"),
    NOTHING: ("sans signalement", "sans signalement"),
    NO_MEASURE: ("sans mesure", "sans mesure"),
    TOO_SOON: ("trop tôt pour le dire", "trop tôt pour le dire"),
    TOO_SHORT: ("sans historique assez long", "sans historique assez long"),
}


def method_words() -> str:
    """How the verdict of an action is decided, in words a reader of the report can check."""
    return (
        "Actions : un point sensible ou un axe visité pour la première fois dans la période, ou une intervention "
        "notée (caméra, panneau, nettoyage…) ; les signalements du lieu avant et après, autant de jours de chaque "
        "côté (six mois au plus), rapportés à ceux du reste de la zone sur les mêmes jours (test exact de Fisher, "
        f"procédure de Benjamini–Hochberg sur le tableau) ; « {TOO_SOON} » : moins de {MIN_DAYS} jours depuis "
        "l'action. Un avant/après n'est pas une expérience : une autre action au même endroit, ou un pic qui serait "
        "retombé de lui-même, peut aussi expliquer une baisse."
    )
