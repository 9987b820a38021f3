"""``hotspots analyse``: sensitive points on the database, or offline on any point file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import typer
from rich.table import Table

from service.analyse.axes import network_from_addresses, problem_axes, read_network, segment
from service.analyse.backtest import backtest
from service.analyse.checks import check_points
from service.analyse.inputs import read_points
from service.analyse.points import PointParams, sensitive_points
from service.analyse.store import run_points
from service.cli.common import console, print_json, settings_of, working
from service.db import connect, ensure_database
from service.errors import InputFileError


def analyse(
    ctx: typer.Context,
    input_: Path | None = typer.Option(None, "--input", help="Fichier de points (CSV/GeoJSON) à analyser hors base."),
    out: Path | None = typer.Option(None, "--out", help="Dossier de sortie (avec --input)."),
    crs: str = typer.Option("EPSG:31370", "--crs", help="Système métrique du calcul (x/y du fichier)."),
    exposure: Path | None = typer.Option(None, "--exposure", help="Points d'adresses pour le modèle « exposition »."),
    streets: Path | None = typer.Option(None, "--streets", help="Réseau de rues (GeoJSON/GeoPackage, OSM)."),
    depuis: str | None = typer.Option(None, "--depuis", help="Date de début (AAAA-MM-JJ ; défaut : 2 ans)."),
    eps: float = typer.Option(60.0, "--eps", help="Rayon DBSCAN en mètres."),
    min_samples: int | None = typer.Option(None, "--min-samples", help="Points minimum (sinon déduit des données)."),
    json_out: bool = typer.Option(False, "--json", help="Bilan en JSON."),
) -> None:
    """Trouve les points sensibles (grappes de signalements que le hasard n'explique pas)."""
    now = pd.Timestamp.now(tz="UTC")
    params = PointParams(eps=eps, min_samples=min_samples)
    if input_ is not None:
        if out is None:
            raise typer.BadParameter("--out est obligatoire avec --input")
        points = read_points(input_, crs=crs)
        check_points(points, name=input_.name)
        expo = read_points(exposure, crs=crs, need_dates=False) if exposure else None
        with working("Analyse…"):
            found = sensitive_points(points, exposure=expo, params=params, now=now)
            network = _network(streets, exposure, crs)
            axes = problem_axes(points, segment(network), exposure=expo)[0] if network is not None else None
        out.mkdir(parents=True, exist_ok=True)
        if axes is not None:
            axes.to_crs("EPSG:4326").to_file(out / "axes.geojson", driver="GeoJSON")
        export = found.drop(columns=["point", "report_ids"]).copy()
        for col in ("categories", "priority_components"):
            export[col] = export[col].map(lambda v: json.dumps(v, ensure_ascii=False))
        for col in ("first_report", "last_report"):
            export[col] = export[col].astype(str)
        export.to_crs("EPSG:4326").to_file(out / "sensitive_points.geojson", driver="GeoJSON")
        summary = {
            "points": len(points),
            "ecartes": points.attrs.get("dropped", 0),
            "points_sensibles": len(found),
            **{k: v for k, v in found.attrs.items() if k != "dropped"},
        }
        (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        settings = settings_of(ctx)
        ensure_database(settings)
        since = datetime.fromisoformat(depuis).replace(tzinfo=UTC) if depuis else (now - pd.Timedelta(days=730))
        with connect(settings) as conn, working("Analyse…"):
            summary = run_points(conn, since=since, now=now, params=params)
    if json_out:
        print_json(summary)
        return
    for key, value in summary.items():
        console.print(f"[bold]{key}[/bold] : {value}")


def _network(streets: Path | None, exposure: Path | None, crs: str) -> gpd.GeoDataFrame | None:
    """The street lines given, or derived from address points that carry street names (ICAR/BeST layouts)."""
    if streets is not None:
        return read_network(str(streets), crs=crs)
    if exposure is None:
        return None
    frame = pd.read_csv(exposure, dtype=str, keep_default_na=False)
    street = "street" if "street" in frame else "streetname_fr" if "streetname_fr" in frame else None
    if street is None:
        return None
    mun = "municipality" if "municipality" in frame else "municipality_name_fr"
    if {"lon", "lat"} <= set(frame):
        geometry = gpd.points_from_xy(frame["lon"].astype(float), frame["lat"].astype(float))
        points = gpd.GeoDataFrame(geometry=geometry, crs="EPSG:4326").to_crs(crs)
    else:
        geometry = gpd.points_from_xy(frame["EPSG:31370_x"].astype(float), frame["EPSG:31370_y"].astype(float))
        points = gpd.GeoDataFrame(geometry=geometry, crs="EPSG:31370").to_crs(crs)
    points["street"], points["municipality"] = frame[street].to_numpy(), frame[mun].to_numpy()
    return network_from_addresses(points)


def backtest_cmd(
    input_: Path = typer.Option(..., "--input", help="Fichier de points (CSV/GeoJSON) avec dates."),
    train_until: str = typer.Option(..., "--train-until", help="Fin de l'apprentissage (AAAA-MM-JJ)."),
    test_until: str = typer.Option(..., "--test-until", help="Fin de la période de test (AAAA-MM-JJ)."),
    crs: str = typer.Option("EPSG:31370", "--crs", help="Système métrique du calcul."),
    exposure: Path | None = typer.Option(None, "--exposure", help="Points d'adresses (modèle « exposition »)."),
    json_out: bool = typer.Option(False, "--json", help="Résultats en JSON."),
) -> None:
    """Apprend sur le passé, compte ce que chaque méthode aurait capturé ensuite (taux, PAI, PEI*)."""
    points = read_points(input_, crs=crs)
    check_points(points, name=input_.name)
    expo = read_points(exposure, crs=crs, need_dates=False) if exposure else None
    start = pd.Timestamp(train_until, tz="Europe/Brussels") + pd.Timedelta(days=1)
    end = pd.Timestamp(test_until, tz="Europe/Brussels") + pd.Timedelta(days=1)
    try:
        table = backtest(points, train_until=start, test_until=end, exposure=expo)
    except ValueError as exc:
        raise InputFileError(
            f"{input_.name} : {exc}.", hint="Choisissez des dates qui laissent des points des deux côtés."
        ) from exc
    if json_out:
        print_json(
            {
                "apprentissage": table.attrs["train"],
                "test": table.attrs["test"],
                "mailles": table.attrs["cells"],
                "resultats": table.to_dict(orient="records"),
            }
        )
        return
    out = Table(
        title=f"Back-test : {table.attrs['train']} points appris, {table.attrs['test']} à prévoir, "
        f"{table.attrs['cells']} mailles de 100 m"
    )
    for col in table.columns:
        out.add_column(col)
    for row in table.itertuples(index=False):
        out.add_row(*(str(v) for v in row))
    console.print(out)
