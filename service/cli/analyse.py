"""``hotspots analyse``: sensitive points on the database, or offline on any point file (any metric CRS)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import typer

from service.analyse.axes import problem_axes, segment
from service.analyse.checks import check_points
from service.analyse.clustering import ALGORITHMS
from service.analyse.inputs import read_points, street_network, within_window
from service.analyse.points import PointParams, sensitive_points_by_category
from service.analyse.store import MIN_CATEGORY_REPORTS, run_points
from service.analyse.stretches import attach_stretches, split_stretches
from service.cli.common import print_json, settings_of, working
from service.cli.dates import RULE, day_end, day_start
from service.cli.summary import show_analysis
from service.db import connect, ensure_database
from service.errors import InputFileError


def point_params(algorithm: str, eps: float, min_samples: int | None, min_cluster_size: int | None) -> PointParams:
    if algorithm not in ALGORITHMS:
        raise InputFileError(f"--algorithme « {algorithm} » inconnu.", hint=f"Choisissez {' ou '.join(ALGORITHMS)}.")
    try:
        return PointParams(algorithm=algorithm, eps=eps, min_samples=min_samples, min_cluster_size=min_cluster_size)
    except ValueError as exc:
        raise InputFileError(f"Réglage refusé : {exc}.", hint="Voir hotspots analyse --help.") from exc


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
    json_out: bool = typer.Option(False, "--json", help="Bilan en JSON."),
) -> None:
    """Trouve les points sensibles (grappes de signalements que le hasard n'explique pas) et les axes."""
    settings = settings_of(ctx)
    now = pd.Timestamp.now(tz="UTC")
    params = point_params(
        algorithme or settings.analysis_algorithm, eps or settings.analysis_eps_m, min_samples, min_cluster_size
    )
    by_category = par_categorie or settings.analysis_by_category
    since = day_start(depuis, "--depuis") if depuis is not None else None
    until = day_end(jusqua, "--jusqua") if jusqua is not None else None
    if since is not None and until is not None and since >= until:
        raise InputFileError(
            f"fenêtre vide : --depuis {depuis} n'est pas avant --jusqua {jusqua}.", hint="Inversez les deux dates."
        )
    if input_ is not None:
        if out is None:
            raise typer.BadParameter("--out est obligatoire avec --input")
        points = within_window(read_points(input_, crs=crs), since=since, until=until)
        check_points(points, name=input_.name)
        summary = _offline(
            points, out, exposure=exposure, streets=streets, params=params, now=now, by_category=by_category
        )
    else:
        ensure_database(settings)
        start = since if since is not None else now - pd.Timedelta(days=settings.analysis_window_days)
        with connect(settings) as conn, working("Analyse…"):
            summary = run_points(
                conn,
                since=start.to_pydatetime(),
                until=until.to_pydatetime() if until is not None else None,
                now=now,
                params=params,
                by_category=by_category,
            )
    if json_out:
        print_json(summary)
        return
    show_analysis(settings, summary, in_database=input_ is None)


def _offline(
    points: gpd.GeoDataFrame,
    out: Path,
    *,
    exposure: Path | None,
    streets: Path | None,
    params: PointParams,
    now: pd.Timestamp,
    by_category: bool,
) -> dict[str, object]:
    """The analysis of a point file, written as WGS84 GeoJSON files and a summary in ``out``."""
    crs = str(points.crs)
    expo = read_points(exposure, crs=crs, need_dates=False) if exposure else None
    with working("Analyse…"):
        network = street_network(streets, exposure, crs)
        segments = segment(network) if network is not None else None
        found = sensitive_points_by_category(
            points,
            by_category=by_category,
            min_reports=MIN_CATEGORY_REPORTS,
            exposure=expo,
            params=params,
            now=now,
            segments=segments,
        )
        found_points, stretches = split_stretches(found, segments)
        axes = None
        if segments is not None:
            axes, segment_stats = problem_axes(points, segments, exposure=expo)
            axes = attach_stretches(axes, stretches, segment_stats)
    out.mkdir(parents=True, exist_ok=True)
    if axes is not None:
        _geojson(axes.drop(columns=["segment_ids"]), out / "axes.geojson")
    _geojson(_with_point(found_points).drop(columns=["report_ids", "segment_ids"]), out / "sensitive_points.geojson")
    summary = {
        "crs": crs,
        "points": len(points),
        "ecartes": points.attrs.get("dropped", 0),
        "hors_fenetre": points.attrs.get("window_dropped", 0),
        "points_sensibles": int(found_points["category_scope"].eq("toutes").sum()),
        "points_par_categorie": int(found_points["category_scope"].ne("toutes").sum()),
        "etirements_vers_axes": len(stretches),
        "axes_problematiques": len(axes) if axes is not None else None,
        **{k: v for k, v in found.attrs.items() if k != "dropped"},
    }
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return summary


def _with_point(found: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The hulls with their representative point as WGS84 properties ``point_lon``/``point_lat`` (a GeoJSON
    feature has one geometry: the place to go to must not be lost with the ``point`` column)."""
    out = found.drop(columns=["point"])
    points = gpd.GeoSeries(list(found["point"]), crs=found.crs).to_crs("EPSG:4326")
    out["point_lon"] = points.x.round(7).to_numpy() if len(found) else []
    out["point_lat"] = points.y.round(7).to_numpy() if len(found) else []
    return out


def _geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    """WGS84 GeoJSON; dicts as JSON text, dates as ISO text (GeoJSON has neither)."""
    export = frame.copy()
    for col in export.columns:
        if col == export.geometry.name:
            continue
        if export[col].map(lambda v: isinstance(v, dict | list)).any():
            export[col] = export[col].map(lambda v: json.dumps(v, ensure_ascii=False, default=str))
        elif pd.api.types.is_datetime64_any_dtype(export[col]):
            export[col] = export[col].astype(str)
    export.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
