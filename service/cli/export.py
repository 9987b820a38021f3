"""``hotspots export sites``: the list of sites to inspect, for a patrol; ``hotspots export signalements``: the
reports of a period with their status and closing date (both exports are logged)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from service.cli.common import JsonOut, cli_actor, console, database, print_json, settings_of
from service.cli.dates import RULE, parse_day
from service.db.personal import audit
from service.export import check_format, dated_name, file_or_folder, names_folder, write_file
from service.export.sites import MAX_SITES, SiteRequest, export_sites
from service.text import counted

app = typer.Typer(help="Exports : sites à contrôler, registre des signalements.", no_args_is_help=True)


def _format_and_path(out: Path, fmt: str | None, check: Callable[[str], Any], stem: str, zone: str) -> tuple[Any, Path]:
    """The format asked (``--format``, else ``--out``'s suffix; CSV for a folder) and the file to write: ``--out``
    itself, or in the folder it names the API's dated name (``sites_a_controler_20261206.csv``)."""
    chosen = check(fmt or ("csv" if names_folder(out) else out.suffix))
    return chosen, file_or_folder(out, dated_name(stem, chosen, zone))


@app.command("sites")
def sites(
    ctx: typer.Context,
    out: Path = typer.Option(
        ...,
        "--out",
        help="Fichier à écrire (le format suit l'extension si --format manque), ou dossier (CSV par défaut).",
    ),
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
    settings = settings_of(ctx)
    chosen, out = _format_and_path(out, fmt, check_format, "sites_a_controler", settings.timezone)
    asked = SiteRequest(
        categories=categorie, places=lieu, states=etat, kinds=types, min_priority=priorite_min, limit=limite
    )
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
    console.print(f"{counted(len(sheet.rows), 'site écrit', 'sites écrits')} dans {out} ({chosen}).")


@app.command("signalements")
def signalements(
    ctx: typer.Context,
    out: Path = typer.Option(
        ...,
        "--out",
        help="Fichier à écrire (le format suit l'extension si --format manque), ou dossier (CSV par défaut).",
    ),
    fmt: str | None = typer.Option(None, "--format", help="csv, xlsx, geojson ou pdf (registre à imprimer)."),
    periode: str | None = typer.Option(
        None, "--periode", help="Mois (2026-10), trimestre (2026-T4) ou année (2026) des signalements."
    ),
    depuis: str | None = typer.Option(None, "--depuis", help=f"Premier jour ({RULE})."),
    jusqua: str | None = typer.Option(None, "--jusqua", help=f"Dernier jour ({RULE})."),
    categorie: list[str] | None = typer.Option(None, "--categorie", help="Catégorie (code ou libellé, répétable)."),
    statut: list[str] | None = typer.Option(
        None, "--statut", help="Statut (code ou libellé, répétable) : nouveau, en_cours, clos…"
    ),
    source: str | None = typer.Option(None, "--source", help="Une source (le nom donné à l'import)."),
    lieu: list[str] | None = typer.Option(
        None, "--lieu", help="Commune, section ou code postal (répétable) : Neupré, Ougrée, 4101…"
    ),
    commune: str | None = typer.Option(None, "--commune", hidden=True, help="Ancien nom de --lieu."),
    json_out: JsonOut = False,
) -> None:
    """Écrit les signalements d'une période, du plus ancien au plus récent, avec leur statut, leur date de
    clôture, leur lieu et leurs points sensibles ; sans données personnelles (ni déclarant ni description)."""
    from service.export.reports import ReportRequest, check_report_format, export_reports
    from service.prevention.period import parse_period

    settings = settings_of(ctx)
    chosen, out = _format_and_path(out, fmt, check_report_format, "signalements", settings.timezone)
    asked = ReportRequest(
        period=parse_period(periode, zone=settings.timezone).bounds() if periode else None,
        first=parse_day(depuis, "--depuis") if depuis else None,
        last=parse_day(jusqua, "--jusqua") if jusqua else None,
        categories=categorie,
        statuses=statut,
        source=source,
        places=[*(lieu or ()), *([commune] if commune else [])],
        options=("--periode", "--depuis/--jusqua"),
    )
    with database(settings) as conn:
        data, sheet = export_reports(conn, settings, chosen, asked, base_url=settings.export_base_url)
        described = sheet.facts["Filtres"]
        audit(
            conn,
            cli_actor(),
            "export_signalements",
            format=chosen,
            signalements=len(sheet.rows),
            fichier=out.name,
            filtres=described,
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    write_file(out, data)
    if json_out:
        print_json({"fichier": str(out), "format": chosen, "signalements": len(sheet.rows), "filtres": described})
        return
    if not len(sheet.rows):
        console.print(f"Aucun signalement pour ces filtres : {described}. Fichier vide écrit : {out}.")
        return
    closed = sheet.facts["Clos"]
    console.print(
        f"{counted(len(sheet.rows), 'signalement écrit', 'signalements écrits')} dans {out} ({chosen}) : "
        f"{described} ; {closed} clos, "
        f"{sheet.facts['Clos à une date connue']} avec leur date de clôture."
    )
