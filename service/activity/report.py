"""The activity report of a period read from the database: what was reported (per category, commune, sector and
source), what the service did (visits per outcome, follow-up of the reports, shifts), each beside the period before
and the same period a year earlier; and the places first visited in the period, with whether it worked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import psycopg

from service.activity.actions import read_actions
from service.activity.figures import Windows, compare, follow_up, shift_summary, windows_of
from service.db.queries import Queries
from service.db.vocabulary import load_labels
from service.geocode.sections import Section, postcode_labels
from service.prevention.period import Period

_q = Queries("service.activity", "activity.sql")

#: The dimensions of the report counts and the heading of their first column.
DIMENSIONS = {"categorie": "Catégorie", "commune": "Commune", "secteur": "Secteur", "source": "Source"}


@dataclass(frozen=True)
class Activity:
    """The tables of one period's report (see :mod:`service.activity.figures` for their columns)."""

    windows: Windows
    summary: pd.DataFrame
    by: dict[str, pd.DataFrame]
    visits: pd.DataFrame
    follow_up: pd.DataFrame
    shifts: dict[str, float]
    actions: pd.DataFrame  # see service.activity.actions.COLUMNS


def read_activity(
    conn: psycopg.Connection[Any],
    period: Period,
    *,
    now: pd.Timestamp | None = None,
    sections: Sequence[Section] = (),
) -> Activity:
    """The report of ``period`` (up to ``now`` when it is in progress); ``sections`` name the sectors (postcodes)
    as the map does (« 4102 Ougrée »)."""
    stamp = pd.Timestamp.now(tz="UTC") if now is None else now
    row = conn.execute(_q("first_report")).fetchone()
    first = pd.Timestamp(row[0]).tz_convert("UTC") if row and row[0] is not None else None
    windows = windows_of(period, now=stamp, first_report=first)
    params = windows.params()
    labels = load_labels(conn)
    counts = _q.frame(conn, "report_counts", params)
    words = {"categorie": labels.categories, "secteur": postcode_labels(sections)}
    by = {
        dimension: compare(counts[counts["dimension"] == dimension], words.get(dimension, {}), windows)
        for dimension in DIMENSIONS
    }
    visits = compare(_q.frame(conn, "visit_counts", params), labels.outcomes, windows)
    follow = follow_up(_q.frame(conn, "follow_up", params), labels.categories)
    shifts = shift_summary(_q.frame(conn, "shifts", params))
    summary = _summary(by["categorie"], visits, follow, shifts, windows)
    actions = read_actions(conn, windows, labels, now=stamp)
    return Activity(windows, summary, by, visits, follow, shifts, actions)


def _summary(
    categories: pd.DataFrame, visits: pd.DataFrame, follow: pd.DataFrame, shifts: dict[str, float], windows: Windows
) -> pd.DataFrame:
    """The report's first table: one indicator per row, its value in the three windows where it has one."""
    reports = _totals(categories)
    done = _totals(visits)
    fines = _totals(visits[visits["key"] == "pv"])
    everything = follow.iloc[-1] if not follow.empty else None
    nan = np.nan
    rows = [
        ("Signalements (hors quasi-doublons)", *reports, "nombre"),
        ("Visites", *done, "nombre"),
        ("dont procès-verbaux", *fines, "nombre"),
        (
            "Signalements suivis d'une visite",
            everything["part_visitee"] if everything is not None else nan,
            nan,
            nan,
            "part",
        ),
        (
            "Délai médian jusqu'à la visite (jours)",
            everything["delai_median_j"] if everything is not None else nan,
            nan,
            nan,
            "jours",
        ),
        (
            "Signalements clos",
            everything["part_close"] if everything is not None else nan,
            nan,
            nan,
            "part",
        ),
        (
            "Délai médian jusqu'à la clôture (jours)",
            everything["cloture_mediane_j"] if everything is not None else nan,
            nan,
            nan,
            "jours",
        ),
        ("Tournées planifiées", shifts["tournees"], nan, nan, "nombre"),
        ("Arrêts prévus", shifts["arrets"], nan, nan, "nombre"),
        ("Arrêts faits (une visite enregistrée)", shifts["arrets_faits"], nan, nan, "nombre"),
        ("Part des arrêts faits", shifts["part_faite"], nan, nan, "part"),
        ("Tournées passées sans visite rentrée (feuille à importer)", shifts["sans_feuille"], nan, nan, "nombre"),
    ]
    out = pd.DataFrame(rows, columns=["indicateur", "n", "n_prev", "n_year", "unite"])
    counted = out["unite"] == "nombre"
    year = pd.to_numeric(out["n_year"], errors="coerce")
    out["evolution"] = np.where(counted & (year > 0), pd.to_numeric(out["n"]) / year.where(year > 0) - 1, np.nan)
    if not windows.year_complete:
        out["evolution"] = np.nan
    return out


def _totals(table: pd.DataFrame) -> tuple[float, float, float]:
    return (float(table["n"].sum()), float(table["n_prev"].sum()), float(table["n_year"].sum()))


def activity_json(activity: Activity) -> dict[str, Any]:
    """The report as JSON (no NaN: none)."""
    w = activity.windows

    def window(x: Any) -> dict[str, str]:
        return {"debut": x.start.isoformat(), "fin": x.end.isoformat()}

    return {
        "periode": {"code": w.period.code, "libelle": w.period.label, "en_cours": w.in_progress},
        "fenetres": {
            "periode": window(w.now),
            "precedente": window(w.previous),
            "un_an_plus_tot": window(w.year_before),
            "precedente_complete": w.previous_complete,
            "un_an_plus_tot_complete": w.year_complete,
        },
        "synthese": _records(activity.summary),
        **{f"par_{dimension}": _records(table) for dimension, table in activity.by.items()},
        "visites": _records(activity.visits),
        "suivi": _records(activity.follow_up),
        "tournees": {k: _plain(v) for k, v in activity.shifts.items()},
        "actions": _records(activity.actions),
    }


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in table.to_dict(orient="records")]


def _plain(value: Any) -> Any:
    if value is pd.NA:
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value
