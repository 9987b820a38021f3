"""The text tables of ``hotspots backtest``: the forecast, each baseline and the ceiling side by side."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from service.analyse.backtest import CEILING, COUNT, KDE, MODEL
from service.analyse.checks import left_out_words
from service.cli.common import console, number
from service.cli.fit import fitted
from service.cli.summary import settings_in_words

AREA_SOURCE = {
    "zone": "la zone (contours des communes)",
    "file": "le polygone de --zone",
    "footprint": "l'emprise des événements (mailles d'au moins un événement du fichier)",
}
HORIZON = {"mois": "mois suivant", "trimestre": "trimestre suivant", "annee": "année suivante"}


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{number(100 * value, digits, sign=True)} %"


def _share(value: float) -> str:
    return f"{100 * value:g} %".replace(".", ",")


def _interval(row: dict[str, Any]) -> str:
    return f"{number(row['PAI'], 2)} [{number(row['PAI_bas'], 2)}–{number(row['PAI_haut'], 2)}]"


def _captures(value: float) -> str:
    """Whole captures as such; a baseline's ties cut by the budget count pro rata (one decimal, see README)."""
    return number(value, 0 if float(value).is_integer() else 1)


def _scores(row: dict[str, Any]) -> tuple[str, str, str]:
    """A back-test row's capture rate, PAI and PEI*, in French numbers (« — » when nothing could be captured)."""
    rate = row["taux_de_capture"]
    return ("—" if rate is None else f"{number(100 * rate, 1)} %", number(row["PAI"], 2), number(row["PEI*"], 3))


def _day(iso: str) -> str:
    """``2022-09-30`` → ``30/09/2022``."""
    year, month, day = str(iso)[:10].split("-")
    return f"{day}/{month}/{year}"


def _rolling(report: dict[str, Any]) -> Table | None:
    rolling = report["fenetres_glissantes"]
    if not rolling["resume"]:
        return None
    table = Table(title=escape("Fenêtres glissantes : PAI moyen [intervalle à 95 %] sur les fenêtres de test"))
    for col in ("horizon", "surface", "fenêtres", MODEL, COUNT, KDE, CEILING, "gain [IC 95 %]", "sur", "écart comblé"):
        table.add_column(escape(col))
    by_key = {(r["horizon"], r["couverture"], r["methode"]): r for r in rolling["resume"]}
    for gain in rolling["gains"]:
        key = (gain["horizon"], gain["couverture"])
        cells = [escape(_interval(by_key[(*key, m)])) for m in (MODEL, COUNT, KDE)]
        table.add_row(
            HORIZON[gain["horizon"]],
            _share(gain["couverture"]),
            str(gain["fenetres"]),
            *cells,
            number(by_key[(*key, CEILING)]["PAI"], 2),
            escape(f"{_pct(gain['gain'])} [{_pct(gain['gain_bas'])} ; {_pct(gain['gain_haut'])}]"),
            gain["meilleure_reference"],
            _pct(gain["ecart_comble"], 0) if gain["ecart_comble"] is not None else "—",
        )
    return table


def _split(report: dict[str, Any]) -> Table:
    table = Table(
        title=f"Découpage détaillé : apprentissage jusqu'au {_day(report['train_until'])} "
        f"({number(report['apprentissage'])} événements), test jusqu'au {_day(report['test_until'])} "
        f"({number(report['test'])})"
    )
    for col in ("méthode", "surface", "mailles", "captures", "taux de capture", "PAI", "PEI*"):
        table.add_column(col)
    for row in report["table"]:
        table.add_row(
            row["methode"],
            _share(row["couverture"]),
            number(row["mailles"]),
            _captures(row["captures"]),
            *_scores(row),
        )
    return table


def _places(report: dict[str, Any]) -> Table | None:
    places = report["points_sensibles_contre_comptage"]
    if not places.get("points_sensibles"):
        return None
    table = Table(
        title=f"Les {places['lieux']} premiers points sensibles (par priorité) et autant de lieux les plus comptés, "
        f"même surface : signalements du trimestre suivant ({number(places['test'])})"
    )
    for col in ("lieux", "surface (km²)", "captures", "part"):
        table.add_column(col)
    for key, label in (("points_sensibles", "points sensibles"), ("comptage", "lieux les plus comptés")):
        row = places[key]
        table.add_row(label, number(row["aire_km2"], 3), number(row["captures"]), f"{number(100 * row['part'], 1)} %")
    return table


def _axes(report: dict[str, Any]) -> Table | None:
    axes = report["axes"]
    if axes is None:
        return None
    table = Table(
        title=f"Par longueur de rue : {number(axes['test_sur_rues'])} événements de test à moins de 40 m d'une rue, "
        f"{number(axes['troncons'])} tronçons, {number(axes['longueur_rues_m'] / 1000, 1)} km"
    )
    for col in ("méthode", "longueur de rue", "tronçons", "longueur (m)", "captures", "taux de capture", "PAI", "PEI*"):
        table.add_column(col)
    for row in axes["resultats"]:
        table.add_row(
            str(row["methode"]),
            _share(row["couverture"]),
            number(row["troncons"]),
            number(row["longueur_m"]),
            _captures(row["captures"]),
            *_scores(row),
        )
    return table


def print_report(report: dict[str, Any]) -> None:
    """The whole back-test as text: the area first (what the PAI is divided by), then the tables."""
    console.print(
        f"Surface étudiée : {AREA_SOURCE[report['area_source']]} — {number(report['cellules'])} mailles de "
        f"{report['cote_m']:g} m, {number(report['area_km2'], 1)} km², {report['crs']} ; "
        f"{number(report['evenements'])} événements dont {number(report['hors_surface'])} hors de la surface "
        "(non comptés)."
    )
    if report.get("categories"):
        chosen = ", ".join(f"« {c} »" for c in report["categories"])
        console.print(f"Seulement les événements de catégorie {chosen} (--categorie).", highlight=False)
    left_out = left_out_words(report.get("lignes_non_comptees") or {})
    if left_out:
        console.print(left_out, highlight=False)
    for table in (_rolling(report), _split(report), _places(report), _axes(report)):
        if table is not None:
            console.print(fitted(table))
    console.print(
        f"Réglages de la prévision (choisis sur l'apprentissage seul) : {settings_in_words(report['parametres'])}."
    )
