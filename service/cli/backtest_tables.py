"""The text tables of ``hotspots backtest``: the forecast, each baseline and the ceiling side by side."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from service.analyse.backtest import CEILING, COUNT, KDE, MODEL
from service.cli.common import console

AREA_SOURCE = {
    "zone": "la zone (contours des communes)",
    "file": "le polygone de --zone",
    "footprint": "l'emprise des événements (mailles d'au moins un événement du fichier)",
}
HORIZON = {"mois": "mois suivant", "trimestre": "trimestre suivant", "annee": "année suivante"}


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:+.{digits}f} %"


def _share(value: float) -> str:
    return f"{100 * value:g} %"


def _interval(row: dict[str, Any]) -> str:
    return f"{row['PAI']:.2f} [{row['PAI_bas']:.2f}–{row['PAI_haut']:.2f}]"


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
            f"{by_key[(*key, CEILING)]['PAI']:.2f}",
            escape(f"{_pct(gain['gain'])} [{_pct(gain['gain_bas'])} ; {_pct(gain['gain_haut'])}]"),
            gain["meilleure_reference"],
            _pct(gain["ecart_comble"], 0) if gain["ecart_comble"] is not None else "—",
        )
    return table


def _split(report: dict[str, Any]) -> Table:
    table = Table(
        title=f"Découpage détaillé : apprentissage jusqu'au {report['train_until']} ({report['apprentissage']} "
        f"événements), test jusqu'au {report['test_until']} ({report['test']})"
    )
    for col in ("méthode", "surface", "mailles", "captures", "taux de capture", "PAI", "PEI*"):
        table.add_column(col)
    for row in report["table"]:
        table.add_row(
            row["methode"],
            _share(row["couverture"]),
            str(row["mailles"]),
            f"{row['captures']:g}",
            "—" if row["taux_de_capture"] is None else f"{100 * row['taux_de_capture']:.1f} %",
            "—" if row["PAI"] is None else f"{row['PAI']:.2f}",
            "—" if row["PEI*"] is None else f"{row['PEI*']:.3f}",
        )
    return table


def _places(report: dict[str, Any]) -> Table | None:
    places = report["points_sensibles_contre_comptage"]
    if not places.get("points_sensibles"):
        return None
    table = Table(
        title=f"Les {places['lieux']} premiers points sensibles (par priorité) et autant de lieux les plus comptés, "
        f"même surface : signalements du trimestre suivant ({places['test']})"
    )
    for col in ("lieux", "surface (km²)", "captures", "part"):
        table.add_column(col)
    for key, label in (("points_sensibles", "points sensibles"), ("comptage", "lieux les plus comptés")):
        row = places[key]
        table.add_row(label, f"{row['aire_km2']:.3f}", str(row["captures"]), f"{100 * row['part']:.1f} %")
    return table


def _axes(report: dict[str, Any]) -> Table | None:
    axes = report["axes"]
    if axes is None:
        return None
    table = Table(
        title=f"Par longueur de rue : {axes['test_sur_rues']} événements de test à moins de 40 m d'une rue, "
        f"{axes['troncons']} tronçons, {axes['longueur_rues_m'] / 1000:.1f} km"
    )
    columns = list(axes["resultats"][0]) if axes["resultats"] else []
    for col in columns:
        table.add_column(col)
    for row in axes["resultats"]:
        table.add_row(*(str(row[c]) for c in columns))
    return table


def print_report(report: dict[str, Any]) -> None:
    """The whole back-test as text: the area first (what the PAI is divided by), then the tables."""
    console.print(
        f"Surface étudiée : {AREA_SOURCE[report['area_source']]} — {report['cellules']} mailles de "
        f"{report['cote_m']:g} m, {report['area_km2']:.1f} km², {report['crs']} ; {report['evenements']} "
        f"événements dont {report['hors_surface']} hors de la surface (non comptés)."
    )
    for table in (_rolling(report), _split(report), _places(report), _axes(report)):
        if table is not None:
            console.print(table)
    params = report["parametres"]
    console.print(
        "Réglages de la prévision (choisis sur l'apprentissage seul) : "
        + ", ".join(f"{k} = {v}" for k, v in params.items())
    )
