"""``hotspots analyse``: sensitive points on the database, or offline on any point file (any metric CRS).

The command parses its options and calls the stage: :func:`service.analyse.store.run_analysis` on the database,
:func:`service.analyse.offline.analyse_offline` on a file read by :mod:`service.ingest.points`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from service.analyse.checks import check_points, left_out_of
from service.analyse.offline import analyse_offline
from service.analyse.pipeline import point_params, street_network, within_window
from service.analyse.refresh import refresh_analysis
from service.analyse.store import run_analysis
from service.cli.common import JsonOut, console, database, print_json, settings_of, working
from service.cli.dates import RULE, day_end, day_start
from service.cli.summary import show_analysis
from service.errors import InputFileError
from service.ingest.points import read_points, read_street_files
from service.settings import Settings


def analyse(
    ctx: typer.Context,
    input_: Path | None = typer.Option(None, "--input", help="Fichier de points (CSV/GeoJSON) à analyser hors base."),
    out: Path | None = typer.Option(None, "--out", help="Dossier de sortie (avec --input)."),
    crs: str | None = typer.Option(
        None,
        "--crs",
        help="Système métrique du calcul et des colonnes x/y (défaut : Lambert 72 ; lon/lat hors de Belgique : "
        "la zone UTM des points).",
    ),
    exposure: Path | None = typer.Option(None, "--exposure", help="Points d'adresses pour le modèle « exposition »."),
    streets: Path | None = typer.Option(None, "--streets", help="Réseau de rues (GeoJSON/GeoPackage, OSM)."),
    depuis: str | None = typer.Option(
        None, "--depuis", help=f"Premier jour de la fenêtre ({RULE} ; défaut : 2 ans en base, tout le fichier)."
    ),
    jusqua: str | None = typer.Option(None, "--jusqua", help=f"Dernier jour de la fenêtre ({RULE} ; défaut : tout)."),
    algorithme: str | None = typer.Option(None, "--algorithme", help="dbscan (défaut) ou hdbscan."),
    par_categorie: bool = typer.Option(
        False, "--par-categorie", help="Chercher aussi les points de chaque catégorie séparément."
    ),
    eps: float | None = typer.Option(
        None, "--eps", help="Rayon DBSCAN en mètres (défaut 60) ; HDBSCAN : deux taches plus proches sont un seul lieu."
    ),
    min_samples: int | None = typer.Option(None, "--min-samples", help="Points minimum (sinon déduit des données)."),
    min_cluster_size: int | None = typer.Option(
        None, "--min-cluster-size", help="HDBSCAN : taille minimale d'une grappe (sinon déduite des données)."
    ),
    si_necessaire: bool = typer.Option(
        False,
        "--si-necessaire",
        help="Seulement si l'analyse en base est dépassée (signalements écrits depuis, ou plus de "
        "HOTSPOTS_ANALYSIS_MAX_AGE_HOURS heures) : pour un planificateur du système.",
    ),
    json_out: JsonOut = False,
) -> None:
    """Trouve les points sensibles (grappes de signalements que le hasard n'explique pas) et les axes."""
    settings = settings_of(ctx)
    now = pd.Timestamp.now(tz="UTC")
    params = point_params(
        settings, algorithm=algorithme, eps=eps, min_samples=min_samples, min_cluster_size=min_cluster_size
    )
    by_category = par_categorie or settings.analysis_by_category
    since = day_start(depuis, "--depuis", settings.timezone) if depuis is not None else None
    until = day_end(jusqua, "--jusqua", settings.timezone) if jusqua is not None else None
    if since is not None and until is not None and since >= until:
        raise InputFileError(
            f"fenêtre vide : --depuis {depuis} n'est pas avant --jusqua {jusqua}.", hint="Inversez les deux dates."
        )
    if si_necessaire:
        if input_ is not None:
            raise typer.BadParameter("--si-necessaire vaut pour l'analyse en base, pas avec --input")
        _if_due(settings, now, json_out)
        return
    if input_ is not None:
        if out is None:
            raise typer.BadParameter("--out est obligatoire avec --input")
        points = within_window(read_points(input_, crs=crs, zone=settings.timezone), since=since, until=until)
        check_points(points, name=input_.name)
        metric = str(points.crs)
        expo = read_points(exposure, crs=metric, need_dates=False) if exposure else None
        with working("Analyse…"):
            network = street_network(*read_street_files(streets, exposure, crs=metric))
            summary = analyse_offline(
                points, out, params=params, now=now, exposure=expo, streets=network, by_category=by_category
            )
        summary["lignes_non_comptees"] = left_out_of(points)
    else:
        with database(settings) as conn, working("Analyse…"):
            summary = run_analysis(
                conn, settings, now=now, since=since, until=until, params=params, by_category=by_category
            )
    if json_out:
        print_json(summary)
        return
    show_analysis(settings, summary, in_database=input_ is None)


def _if_due(settings: Settings, now: pd.Timestamp, json_out: bool) -> None:
    """``--si-necessaire``: the analysis with the service's settings when it is due, a line saying so otherwise."""
    with working("Analyse si nécessaire…"):
        reason, summary = refresh_analysis(settings, now=now)
    if json_out:
        print_json({"motif": reason, **(summary or {})})
    elif reason is None or summary is None:
        console.print("Analyse à jour : aucun signalement écrit depuis la dernière, rien à refaire.")
    else:
        console.print(f"Analyse relancée : {reason}.", highlight=False)
        show_analysis(settings, summary, in_database=True)
