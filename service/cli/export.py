"""``hotspots export sites``: the list of sites to inspect, for a patrol (the export is logged)."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from service.cli.common import console, print_json, settings_of
from service.db import connect, ensure_database
from service.db.personal import log_access
from service.export import SUFFIX, SiteFilter, load_sites, render

app = typer.Typer(help="Exports : listes de sites à contrôler.", no_args_is_help=True)


@app.command("sites")
def sites(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Fichier à écrire ; le format suit l'extension si --format manque."),
    fmt: str | None = typer.Option(None, "--format", help="csv, xlsx, geojson, gpx ou fiches (HTML imprimable)."),
    etat: list[str] | None = typer.Option(None, "--etat", help="État(s) des points (répétable)."),
    priorite_min: float | None = typer.Option(None, "--priorite-min", help="Priorité minimale des points."),
    sans_axes: bool = typer.Option(False, "--sans-axes", help="Seulement les points sensibles."),
    json_out: bool = typer.Option(False, "--json", help="Bilan en JSON."),
) -> None:
    """Écrit les points sensibles et axes à contrôler, du plus prioritaire au moins prioritaire."""
    by_suffix = {v: k for k, v in SUFFIX.items()}
    chosen = fmt or by_suffix.get(out.suffix.lstrip(".").lower())
    if chosen not in SUFFIX:
        raise typer.BadParameter(f"format inconnu : {fmt or out.suffix} (csv, xlsx, geojson, gpx ou fiches)")
    settings = settings_of(ctx)
    ensure_database(settings)
    with connect(settings) as conn:
        frame = load_sites(
            conn, SiteFilter(states=etat or None, min_priority=priorite_min, with_axes=not sans_axes, limit=5000)
        )
        log_access(
            conn,
            actor=f"cli:{getpass.getuser()}",
            action="export_sites",
            detail={"format": chosen, "sites": len(frame), "fichier": out.name},
        )
        conn.commit()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(render(frame, chosen))  # type: ignore[arg-type]
    if json_out:
        print_json({"fichier": str(out), "format": chosen, "sites": len(frame)})
        return
    console.print(f"{len(frame)} site(s) écrits dans {out} ({chosen}).")
