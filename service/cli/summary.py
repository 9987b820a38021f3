"""What ``hotspots analyse`` and ``hotspots demo`` print: the analysis in words and its main places, as tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
from rich.table import Table

from service.analyse.checks import left_out_words
from service.cli.common import console, number
from service.cli.fit import fitted
from service.db import connect
from service.export.values import day
from service.labels import state_label, trend_label
from service.settings import DEFAULT_TIMEZONE, Settings
from service.text import counted

#: Summary keys (database and file analyses) → what a person reads, in this order.
_LABELS = {
    "run": "analyse n°",
    "signalements": "signalements analysés",
    "hors_zone": "signalements hors de la zone, écartés",
    "points": "points lus",
    "ecartes": "lignes écartées (sans coordonnées ou sans date)",
    "hors_fenetre": "points hors de la fenêtre",
    "points_sensibles": "points sensibles",
    "points_par_categorie": "points par catégorie",
    "etirements_vers_axes": "grappes étirées rattachées aux axes",
    "axes_problematiques": "axes problématiques",
    "etats": "états des points",
    "etats_axes": "états des axes",
    "algorithme": "algorithme",
    "algorithm": "algorithme",
    "eps": "rayon (eps)",
    "modele_nul": "modèle nul",
    "null": "modèle nul",
    "min_samples": "signalements minimum par grappe",
    "min_cluster_size": "taille minimale d'une grappe (HDBSCAN)",
    "cells": "mailles de 100 m étudiées",
    "significant_cells": "mailles significatives",
    "by_category": "recherche par catégorie",
    "prevision": "réglages de la prévision",
    "carte_prevision": "prévision du trimestre sur la carte",
    "forecast": "réglages de la prévision",
}
#: Keys inside the forecast's settings (service.analyse.forecast ``describe``).
_SUB_LABELS = {
    "demi_vie_mois": "demi-vie (mois)",
    "part_long_terme": "part du long terme",
    "lissage_evenements": "lissage des événements",
    "rayon_voisinage_m": "rayon du voisinage (m)",
    "mise_en_commun": "mise en commun des petits comptes (voisinage ou adresses)",
    "saisonnalite": "saisonnalité",
    "score_validation": "score de validation",
    "plis_validation": "plis de validation",
    "horizon_validation_mois": "horizon de validation (mois)",
    "mailles_arretees": "mailles arrêtées (prévues sur leurs signalements depuis)",
    "bande_kde_m": "largeur de bande de la densité de noyau (m)",
}
_NULL_MODELS = {
    "exposure": "exposition (attendu selon les adresses officielles)",
    "footprint": "emprise des signalements (attendu selon la surface où il y en a)",
    "uniform": "uniforme (attendu selon la surface)",
}


def null_model_words(code: str) -> str:
    """The null model of an analysis in words."""
    return _NULL_MODELS.get(str(code), str(code))


def _number(value: float) -> str:
    return number(value, 0 if float(value).is_integer() else 1)


def _outside_zone(ids: list[int]) -> str:
    """The reports left out for lying outside the zone, and what to do about them."""
    if not ids:
        return "aucun"
    shown = ", ".join(f"n° {i}" for i in ids[:10]) + (f" et {counted(len(ids) - 10, 'autre')}" if len(ids) > 10 else "")
    return f"{len(ids)} ({shown}) : leur point est à corriger (fiche : /api/signalements/N)"


def _forecast_layer(facts: Mapping[str, Any]) -> str:
    """The map's forecast layer of a run (service.analyse.store): what it draws, and its check in words."""
    if not facts.get("mailles"):
        return "aucune maille (aucun signalement avant le jour de l'analyse)"
    words = (
        f"{number(facts['mailles'])} mailles (les 10 % des {number(facts['mailles_zone'])} de la zone où le plus est "
        f"attendu) ; {number(facts['attendus_zone'], 1)} signalements attendus dans la zone aux "
        f"{number(facts['horizon_mois'])} prochains mois"
    )
    return words + (f". {facts['controle_phrase']}" if facts.get("controle_phrase") else ".")


def _value(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if key in ("modele_nul", "null"):
        return null_model_words(str(value))
    if key == "eps":
        return f"{_number(float(value))} m"
    if key == "hors_zone":
        return _outside_zone(list(value))
    if key == "carte_prevision" and isinstance(value, Mapping):
        return _forecast_layer(value)
    if isinstance(value, Mapping):
        if not value:
            return "—"
        if key in ("etats", "etats_axes"):  # lifecycle states and their counts
            return ", ".join(f"{state_label(str(k))} : {n}" for k, n in sorted(value.items(), key=lambda kv: -kv[1]))
        return " ; ".join(
            f"{_SUB_LABELS.get(str(k), str(k).replace('_', ' '))} : {_value(str(k), v)}" for k, v in value.items()
        )
    if isinstance(value, int | float):
        if 0 < abs(value) < 1:  # a share or a score: 0,25 is not 0,2
            return number(value, 2, trim=True)
        return _number(value)
    return str(value)


def settings_in_words(settings: Mapping[str, Any]) -> str:
    """The forecast's chosen settings in words (« demi-vie (mois) : 2 ; saisonnalité : non »), never as codes."""
    return _value("prevision", settings)


def analysis_table(summary: Mapping[str, Any], *, title: str = "Analyse") -> Table:
    """The summary of an analysis, one row per fact, in French (no codes, no Python dicts)."""
    table = Table(title=title, show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="left")
    known = [k for k in _LABELS if k in summary]
    # the rows left out of a file: their count, and in the same row why and at which lines when the file says it
    why_left_out = left_out_words(summary.get("lignes_non_comptees") or {})
    for key in known + [k for k in summary if k not in _LABELS]:
        if key == "lignes_non_comptees":
            continue
        value = why_left_out if key == "ecartes" and why_left_out else _value(key, summary[key])
        table.add_row(_LABELS.get(key, key.replace("_", " ")), value)
    return table


def points_table(points: gpd.GeoDataFrame, categories: Mapping[str, str], *, title: str) -> Table:
    """Stored sensitive points (:func:`service.analyse.listing.stored_points`), one row each, in words."""
    table = Table(title=title)
    for col in ("point", "adresse la plus proche", "état", "catégorie principale"):
        table.add_column(col)
    table.add_column("signalements", justify="right")
    table.add_column("tendance")
    table.add_column("priorité", justify="right")
    for row in points.itertuples():
        table.add_row(
            str(row.id),
            str(row.address_label or "—"),
            state_label(row.state),
            categories.get(str(row.main_category), str(row.main_category)),
            str(row.n_reports),
            trend_label(row.trend),
            _point_priority(row),
        )
    return table


def _point_priority(row: Any) -> str:
    """The point's priority; a nil one says why, not a bare 0,0: nothing is expected there next quarter, as the
    place has stopped (:mod:`service.analyse.place_forecast`), silent since its last report."""
    if row.priority is None:
        return "—"
    shown = f"{float(row.priority):.1f}".replace(".", ",")
    components = getattr(row, "priority_components", None) or {}
    last = day(row.last_report, DEFAULT_TIMEZONE)
    if components.get("prevision", 1.0) or not last:
        return shown
    return f"{shown} (aucun signalement depuis le {last})"


def nil_axes_line(axes: gpd.GeoDataFrame, points: gpd.GeoDataFrame | None) -> str:
    """The axes without a priority of their own, in one line after the table of those to act on (they filled it
    with « 0,0 » rows): each with the sensitive point that counts its reports (an axis is not ranked on the reports
    of a point it crosses, :mod:`service.analyse.axis_priority`)."""
    from service.analyse.axis_priority import ATTACH_M

    named = []
    for row in axes.sort_values("id").itertuples():
        near = [] if points is None else list(points[points.geometry.intersects(row.geometry.buffer(ATTACH_M))]["id"])
        named.append(f"{row.id} ({', '.join(map(str, near))})" if near else str(row.id))
    why = (
        "ses signalements sont comptés au point sensible qu'il traverse"
        if len(axes) == 1
        else "leurs signalements sont comptés aux points sensibles qu'ils traversent"
    )
    return (
        f"{counted(len(axes), 'autre axe', 'autres axes')} sans priorité propre : {why} (ou aucun n'y est attendu) "
        f"— {', '.join(named)}."
    )


def axes_table(axes: gpd.GeoDataFrame, *, title: str) -> Table:
    """Stored problem axes (:func:`service.analyse.listing.stored_axes`) with a priority, one row each, in words."""
    table = Table(title=title)
    for col in ("axe", "rue", "commune", "état"):
        table.add_column(col)
    for col in ("longueur (m)", "signalements", "pour 100 m", "attendus", "priorité"):
        table.add_column(col, justify="right")
    for row in axes.itertuples():
        table.add_row(
            str(row.id),
            str(row.street),
            str(row.municipality or "—"),
            state_label(row.state),
            _number(round(float(row.length_m))),
            _number(int(row.reports)),
            _number(float(row.rate_per_100m)),
            _number(float(row.expected)),
            "—" if row.priority is None else number(float(row.priority), 1),
        )
    return table


def show_analysis(settings: Settings, summary: Mapping[str, Any], *, in_database: bool, top: int = 10) -> None:
    """Print the analysis' summary and, for the database, its most pressing sensitive points and problem axes
    (highest priority first, as the plans rank them)."""
    console.print(fitted(analysis_table(summary, title="Analyse : bilan")))
    if not in_database:
        return
    from service.analyse.listing import ACTIVE_STATES, stored_axes, stored_points
    from service.db.vocabulary import load_labels

    with connect(settings) as conn:
        points = stored_points(conn, states=ACTIVE_STATES, limit=top)
        axes = stored_axes(conn, states=ACTIVE_STATES)
        every_point = stored_points(conn, states=ACTIVE_STATES)
        categories = load_labels(conn).categories
    if len(points):
        title = f"Points sensibles à traiter (les {len(points)} premiers)"
        console.print(fitted(points_table(points, categories, title=title)))
    if not len(axes):
        return
    ranked = (axes["priority"].fillna(0) > 0).to_numpy(dtype=bool)
    if ranked.any():
        first = axes[ranked].sort_values("priority", ascending=False, kind="stable").head(top)
        title = f"Axes problématiques à traiter (les {len(first)} premiers)"
        console.print(fitted(axes_table(first, title=title)))
    if not ranked.all():
        console.print(nil_axes_line(axes[~ranked], every_point), highlight=False)
