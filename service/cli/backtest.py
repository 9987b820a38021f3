"""``hotspots backtest``: how much of the next months' reports each method would have captured, on an honest area.

On a point file (``--input``, any city, any CRS, month-only dates) or on the reports of the database (the zone's
communes, the address register as exposure). Rolling windows for the mean and its interval, one split for the
files anyone can check (``--out``: ``cellules.csv`` and ``summary.json``), the top sensitive points against the
top count places, and the axes by street length when a street network is known.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import typer

from service.analyse.area import StudyArea, footprint_area, polygon_area
from service.analyse.axes import segment
from service.analyse.backtest import HORIZONS, RollingOptions, backtest, rolling_backtest
from service.analyse.backtest_axes import backtest_axes
from service.analyse.backtest_points import points_vs_places
from service.analyse.checks import check_points, left_out_of, of_categories
from service.analyse.events import events_on
from service.analyse.pipeline import street_network
from service.analyse.store import load_address_streets, load_reports
from service.cli.backtest_tables import print_report
from service.cli.common import JsonOut, database, print_json, settings_of, working
from service.cli.dates import RULE, day_end
from service.errors import InputFileError
from service.ingest.points import read_points, read_street_files
from service.settings import Settings
from service.zone import zone_outline, zone_polygon

QUARTER = pd.DateOffset(months=3)


def _zone_file(path: Path, crs: str, cell: float) -> StudyArea:
    """The polygons of ``path`` (any CRS, any format GDAL reads) as a study area."""
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several kinds for unreadable files
        raise InputFileError(f"--zone {path.name} : fichier illisible ({exc}).") from None
    polygons = frame[frame.geometry.notna() & frame.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polygons.empty:
        raise InputFileError(
            f"--zone {path.name} : aucun polygone.", hint="Donnez le contour de la zone (GeoJSON, GeoPackage…)."
        )
    if polygons.crs is None:
        polygons = polygons.set_crs("EPSG:4326")
    try:
        return polygon_area(polygons.to_crs(crs).union_all(), cell=cell, crs=crs, source="file")
    except ValueError as exc:
        raise InputFileError(f"--zone {path.name} : {exc}.", hint="Vérifiez le système de coordonnées.") from None


def _from_database(settings: Settings) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    with database(settings) as conn:
        since = pd.Timestamp("1900-01-01", tz="UTC").to_pydatetime()
        reports = load_reports(conn, since=since, zone=zone_polygon(settings))
        exposure = load_address_streets(conn)
    check_points(reports, name="signalements de la base")
    return reports, exposure


def _split(
    points: gpd.GeoDataFrame, area: StudyArea, train_until: str | None, test_until: str | None, zone: str
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(cut, end) instants: the days given (included, days of ``zone``), else the last whole quarter of the data
    as test."""
    events = events_on(points, area, zone)
    data_end = events.timestamp(float(int(events.end)))
    end = day_end(test_until, "--test-until", zone) if test_until else data_end
    cut = day_end(train_until, "--train-until", zone) if train_until else (end.tz_convert(zone) - QUARTER)
    return pd.Timestamp(cut).tz_convert("UTC"), pd.Timestamp(end).tz_convert("UTC")


def backtest_cmd(
    ctx: typer.Context,
    input_: Path | None = typer.Option(
        None, "--input", help="Fichier de points datés (CSV/GeoJSON/TSV) ; sans lui, les signalements de la base."
    ),
    zone: Path | None = typer.Option(
        None, "--zone", help="Polygone de la surface étudiée (sinon : la zone en base, l'emprise des événements)."
    ),
    crs: str | None = typer.Option(
        None, "--crs", help="Système métrique du calcul (défaut : Lambert 72 ; hors de Belgique, la zone UTM)."
    ),
    train_until: str | None = typer.Option(
        None, "--train-until", help=f"Dernier jour d'apprentissage du découpage détaillé ({RULE})."
    ),
    test_until: str | None = typer.Option(
        None, "--test-until", help=f"Dernier jour de test ({RULE} ; défaut : fin des données)."
    ),
    horizons: str = typer.Option(
        "mois,trimestre,annee", "--horizons", help="Fenêtres glissantes : mois, trimestre, annee (séparés par ,)."
    ),
    max_origins: int = typer.Option(12, "--fenetres-max", min=1, help="Fenêtres glissantes par horizon, au plus."),
    min_train: int = typer.Option(3, "--apprentissage-min", min=1, help="Mois d'apprentissage minimum."),
    exposure: Path | None = typer.Option(None, "--exposure", help="Points d'adresses (exposition)."),
    streets: Path | None = typer.Option(
        None, "--streets", help="Réseau de rues pour juger aussi les axes (sinon tiré des adresses de --exposure)."
    ),
    cell: float = typer.Option(100.0, "--maille", min=10.0, help="Côté des mailles en mètres."),
    top: int = typer.Option(10, "--top", min=1, help="Points sensibles comparés aux lieux les plus comptés."),
    categories: list[str] | None = typer.Option(
        None,
        "--categorie",
        help="Seulement les événements de cette catégorie (code en base, valeur telle qu'écrite dans un fichier) ; "
        "répétable.",
    ),
    out: Path | None = typer.Option(None, "--out", help="Dossier : cellules.csv et summary.json."),
    json_out: JsonOut = False,
) -> None:
    """Apprend sur le passé, compte ce que chaque méthode aurait capturé ensuite (PAI, PEI*, taux de capture) sur
    une surface honnête : fenêtres glissantes (mois, trimestre, année) avec intervalles à 95 %, un découpage
    détaillé, les premiers points sensibles face aux lieux les plus comptés et, avec un réseau, les axes."""
    try:
        options = RollingOptions(
            horizons=tuple(h.strip() for h in horizons.split(",") if h.strip()),
            max_origins=max_origins,
            min_train_months=min_train,
        )
    except ValueError as exc:
        raise InputFileError(f"--horizons : {exc}.") from None
    zone_name = settings_of(ctx).timezone
    if input_ is not None:
        points = read_points(input_, crs=crs, zone=zone_name)
        check_points(points, name=input_.name)
        expo = read_points(exposure, crs=str(points.crs), need_dates=False) if exposure else None
        network = street_network(*read_street_files(streets, exposure, crs=str(points.crs)))
        name = input_.name
    else:
        points, expo = _from_database(settings_of(ctx))
        network = street_network(addresses=expo)
        name = "signalements de la base"
    if categories:
        points = of_categories(points, categories, name)
    metric = str(points.crs)
    x, y = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    if zone is not None:
        area = _zone_file(zone, metric, cell)
    elif input_ is None:
        area = polygon_area(zone_outline(settings_of(ctx)), cell=cell, crs=metric, source="zone", also=(x, y))
    else:
        area = footprint_area(x, y, cell=cell, crs=metric)
    cut, end = _split(points, area, train_until, test_until, zone_name)
    try:
        with working("Back-test…"):
            rolling = rolling_backtest(points, area=area, exposure=expo, options=options, zone=zone_name)
            split = backtest(points, train_until=cut, test_until=end, area=area, exposure=expo, zone=zone_name)
            places = points_vs_places(
                points, cut=cut, end=min(end, (cut.tz_convert(zone_name) + QUARTER).tz_convert("UTC")),
                exposure=expo, top=top,
            )  # fmt: skip
            axes = (
                backtest_axes(points, segment(network), train_until=cut, test_until=end, exposure=expo)
                if network is not None
                else None
            )
    except ValueError as exc:
        raise InputFileError(
            f"{name} : {exc}.", hint="Choisissez des dates qui laissent des points des deux côtés."
        ) from exc
    report = _report(points, area, split, rolling, places, axes, cut, end, zone_name)
    if out is not None:
        _write(out, split.cells, report)
    if json_out:
        print_json(report)
    else:
        print_report(report)


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    return [] if frame is None or frame.empty else json.loads(frame.to_json(orient="records", force_ascii=False))


def _report(
    points: gpd.GeoDataFrame,
    area: StudyArea,
    split: Any,
    rolling: Any,
    places: dict[str, Any],
    axes: pd.DataFrame | None,
    cut: pd.Timestamp,
    end: pd.Timestamp,
    local: str,
) -> dict[str, Any]:
    """Every figure, under the keys ``summary.json`` and ``--json`` share; days are those of the time zone
    ``local``."""
    return {
        "crs": area.crs,
        "area_source": area.source,
        "area_km2": round(area.area_km2, 3),
        "cellules": area.n,
        "cote_m": area.cell,
        "evenements": len(points),
        "categories": points.attrs.get("categories_choisies"),
        "hors_surface": split.outside,
        "lignes_non_comptees": left_out_of(points),
        "train_until": (cut.tz_convert(local) - pd.Timedelta(days=1)).date().isoformat(),
        "test_until": (end.tz_convert(local) - pd.Timedelta(days=1)).date().isoformat(),
        "apprentissage": split.train,
        "test": split.test,
        "table": _records(split.table),
        "parametres": {**split.choice.describe(), "mailles_arretees": split.stopped, "bande_kde_m": split.bandwidth},
        "fenetres_glissantes": {
            "horizons_mois": {h: HORIZONS[h] for h in rolling.windows["horizon"].unique()}
            if not rolling.windows.empty
            else {},
            "resume": _records(rolling.summary),
            "gains": _records(rolling.gains),
            "parametres": rolling.params,
            "fenetres": _records(rolling.windows),
        },
        "points_sensibles_contre_comptage": places,
        "axes": None
        if axes is None
        else {
            "troncons": axes.attrs["segments"],
            "longueur_rues_m": axes.attrs["street_length_m"],
            "test_sur_rues": axes.attrs["test_on_streets"],
            "resultats": _records(axes),
        },
    }


def _write(out: Path, cells: pd.DataFrame, report: dict[str, Any]) -> None:
    """``cellules.csv`` (one row per cell of the area: centre, side, the forecast's rank and score) and
    ``summary.json`` (every figure), written whole or not at all."""
    out.mkdir(parents=True, exist_ok=True)
    table = cells.assign(x=cells["x"].round(2), y=cells["y"].round(2), score=cells["score"].round(6))
    partial = out / "cellules.csv.partiel"
    table[["x", "y", "cote_m", "rang", "score"]].to_csv(partial, index=False)
    partial.replace(out / "cellules.csv")
    partial = out / "summary.json.partiel"
    partial.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    partial.replace(out / "summary.json")
