"""``hotspots export sites``: the list of sites to inspect, for a patrol (the export is logged)."""

from __future__ import annotations

from pathlib import Path

import typer

from service.cli.common import JsonOut, cli_actor, console, database, print_json, settings_of
from service.db.personal import audit
from service.export import check_format, write_file
from service.export.sites import MAX_SITES, SiteRequest, export_sites

app = typer.Typer(help="Exports : listes de sites à contrôler.", no_args_is_help=True)


@app.command("sites")
def sites(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Fichier à écrire ; le format suit l'extension si --format manque."),
    fmt: str | None = typer.Option(None, "--format", help="csv, xlsx, geojson, gpx ou pdf (fiche à imprimer)."),
    categorie: list[str] | None = typer.Option(
        None, "--categorie", help="Catégorie (code ou libellé, répétable) : depot_clandestin, « Graffiti »…"
    ),
    lieu: list[str] | None = typer.Option(
        None, "--lieu", help="Commune, section ou code postal (répétable) : Neupré, Ougrée, 4101…"
    ),
    etat: list[str] | None = typer.Option(
        None, "--etat", help="État des points et axes (répétable) ; défaut : nouveau, actif, reouvert."
    ),
    priorite_min: float | None = typer.Option(None, "--priorite-min", help="Priorité minimale."),
    types: list[str] | None = typer.Option(
        None,
        "--types",
        help="Types de sites (répétable ou séparés par des virgules) : point_sensible, axe, "
        "signalement, suivi, permis (contrôles de permis) ; défaut : tous.",
    ),
    limite: int = typer.Option(500, "--limite", min=1, max=MAX_SITES, help="Nombre maximal de sites."),
    json_out: JsonOut = False,
) -> None:
    """Écrit les sites à contrôler (points sensibles, axes, signalements, suivis), du plus prioritaire au moins
    prioritaire ; ceux visités récemment sont écartés (et listés avec la raison)."""
    chosen = check_format(fmt or out.suffix or out.name)
    asked = SiteRequest(
        categories=categorie, places=lieu, states=etat, kinds=types, min_priority=priorite_min, limit=limite
    )
    settings = settings_of(ctx)
    with database(settings) as conn:
        done = export_sites(conn, settings, chosen, asked, base_url=settings.export_base_url)
        sheet, filters, labels = done.sheet, done.filters, done.labels
        audit(
            conn,
            cli_actor(),
            "export_sites",
            format=chosen,
            sites=len(sheet.rows),
            fichier=out.name,
            filtres=filters.to_json(),
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    write_file(out, done.data)
    dropped = len(sheet.dropped) if sheet.dropped is not None else 0
    if json_out:
        print_json({"fichier": str(out), "format": chosen, "sites": len(sheet.rows), "ecartes": dropped})
        return
    if not len(sheet.rows):
        console.print(
            f"Aucun site pour ces filtres : {filters.describe(labels.categories)}. Fichier vide écrit : {out}."
        )
        return
    console.print(f"{len(sheet.rows)} site(s) écrits dans {out} ({chosen}).")
