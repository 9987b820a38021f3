"""What ``hotspots analyse`` and ``hotspots demo`` print: the analysis in words and its main places, as tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
from rich.table import Table

from service.cli.common import console
from service.db import connect
from service.labels import state_label, trend_label
from service.settings import Settings

#: Summary keys (database and file analyses) → what a person reads, in this order.
_LABELS = {
    "run": "analyse n°",
    "signalements": "signalements analysés",
    "hors_zone": "signalements hors de la zone, écartés",
    "points": "points lus",
    "ecartes": "points écartés (sans coordonnées ni date)",
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
    "forecast": "réglages de la prévision",
}
#: Keys inside the forecast's settings (service.analyse.forecast ``describe``).
_SUB_LABELS = {
    "demi_vie_mois": "demi-vie (mois)",
    "part_long_terme": "part du long terme",
    "lissage_evenements": "lissage des événements",
    "rayon_voisinage_m": "rayon du voisinage (m)",
    "saisonnalite": "saisonnalité",
    "score_validation": "score de validation",
    "plis_validation": "plis de validation",
    "horizon_validation_mois": "horizon de validation (mois)",
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
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", " ")
    return f"{value:,.1f}".replace(",", " ").replace(".", ",")


def _outside_zone(ids: list[int]) -> str:
    """The reports left out for lying outside the zone, and what to do about them."""
    if not ids:
        return "aucun"
    shown = ", ".join(f"n° {i}" for i in ids[:10]) + (f" et {len(ids) - 10} autre(s)" if len(ids) > 10 else "")
    return f"{len(ids)} ({shown}) : leur point est à corriger (fiche : /api/signalements/N)"


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
    if isinstance(value, Mapping):
        if not value:
            return "—"
        if key in ("etats", "etats_axes"):  # lifecycle states and their counts
            return ", ".join(f"{state_label(str(k))} : {n}" for k, n in sorted(value.items(), key=lambda kv: -kv[1]))
        return " ; ".join(
            f"{_SUB_LABELS.get(str(k), str(k).replace('_', ' '))} : {_value(str(k), v)}" for k, v in value.items()
        )
    if isinstance(value, int | float):
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
    for key in known + [k for k in summary if k not in _LABELS]:
        table.add_row(_LABELS.get(key, key.replace("_", " ")), _value(key, summary[key]))
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
            f"{float(row.priority):.1f}".replace(".", ",") if row.priority is not None else "—",
        )
    return table


def show_analysis(settings: Settings, summary: Mapping[str, Any], *, in_database: bool, top: int = 10) -> None:
    """Print the analysis' summary and, for the database, its most pressing sensitive points."""
    console.print(analysis_table(summary, title="Analyse : bilan"))
    if not in_database:
        return
    from service.analyse.listing import ACTIVE_STATES, stored_points
    from service.db.vocabulary import load_labels

    with connect(settings) as conn:
        points = stored_points(conn, states=ACTIVE_STATES, limit=top)
        categories = load_labels(conn).categories
    if len(points):
        title = f"Points sensibles à traiter (les {len(points)} premiers)"
        console.print(points_table(points, categories, title=title))
