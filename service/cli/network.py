"""``hotspots network load`` and ``hotspots network status``: the road network of the patrol travel times."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import MofNCompleteColumn, TimeElapsedColumn
from rich.table import Table

from service.cli.common import JsonOut, console, database, number, print_json, progress_bar, settings_of
from service.plan.modes import MODE_LABEL, MODES
from service.plan.network import NetworkLoad, load_network, network_status

app = typer.Typer(
    help="Réseau routier (OpenStreetMap) des temps de trajet entre les sites d'une tournée.", no_args_is_help=True
)

WaysFile = Annotated[Path, typer.Argument(help="Voies OpenStreetMap : .osm.pbf, .osm, GeoJSON, GeoPackage…")]
_STAGES = {"lecture": "Lecture des voies", "graphe": "Construction du graphe", "enregistrement": "Enregistrement"}


@app.command("load")
def load(ctx: typer.Context, fichier: WaysFile, json_out: JsonOut = False) -> None:
    """Charge un réseau routier (remplace le réseau en place ; un fichier refusé ne change rien)."""
    settings = settings_of(ctx)
    with (
        database(settings) as conn,
        progress_bar("[bold]{task.description}", MofNCompleteColumn(), TimeElapsedColumn(), hidden=json_out) as bar,
    ):
        task = bar.add_task(f"{_STAGES['lecture']} ({fichier.name})", total=None)

        def progress(stage: str, done: int, total: int | None) -> None:
            bar.update(task, description=_STAGES.get(stage, stage), completed=done, total=total)

        result = load_network(conn, fichier, settings=settings, progress=progress)
    if json_out:
        print_json(result.to_dict())
        return
    console.print(f"[bold]Réseau routier chargé[/bold] : {result.file}")
    _print(result)


@app.command("status")
def status(
    ctx: typer.Context,
    json_out: JsonOut = False,
) -> None:
    """Montre le réseau routier en place (fichier, date, tronçons, kilomètres, parties connexes)."""
    settings = settings_of(ctx)
    with database(settings) as conn:
        result = network_status(conn)
    if json_out:
        print_json({"loaded": False} if result is None else {"loaded": True, **result.to_dict()})
        return
    if result is None:
        detour = f"{settings.plan_detour_factor:g}".replace(".", ",")
        console.print(
            "Aucun réseau routier chargé : les temps de trajet des tournées sont estimés à vol d'oiseau "
            f"(distance × {detour}).\nPour en charger un : hotspots network load FICHIER (.osm.pbf, GeoJSON, "
            "GeoPackage)."
        )
        return
    when = f"{result.loaded_at:%d/%m/%Y %H:%M}" if result.loaded_at else "?"
    console.print(f"[bold]Réseau routier en place[/bold] : {result.file}, chargé le {when}")
    _print(result)


def _km(value: float) -> str:
    return number(value, 1) + " km"


def _print(result: NetworkLoad) -> None:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    layer = f", couche « {result.layer} »" if result.layer and result.file_format != "osm" else ""
    kind = "OpenStreetMap" if result.file_format == "osm" else result.file_format
    table.add_row("format", f"{kind}{layer}, {result.source_crs}")
    table.add_row("voies lues", number(result.ways_read))
    table.add_row("voies gardées", number(result.ways_kept))
    for reason, count in result.skipped.items():
        table.add_row("  écartées", f"{number(count)} : {reason}")
    table.add_row("tronçons", f"{number(result.edges)} (entre {number(result.vertices)} nœuds)")
    table.add_row("longueur", f"{_km(result.length_km)} (dont {_km(result.length_km_in_zone)} dans la zone de police)")
    table.add_row("par mode", " · ".join(f"{MODE_LABEL[m]} {_km(result.length_km_by_mode.get(m, 0.0))}" for m in MODES))
    share = f"{result.largest_component_share * 100:.1f}".replace(".", ",")
    table.add_row("parties connexes", f"{number(result.components)} (la plus grande : {share} % de la longueur)")
    table.add_row("durée", f"{result.seconds:.1f} s".replace(".", ","))
    console.print(table)
    for remark in result.remarks():
        console.print(f"[yellow]Attention[/yellow] : {remark}")
