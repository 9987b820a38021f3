"""``hotspots intervention``: note what was put in place at a site (a camera, a sign, a clean-up...), list and
withdraw; « did the action work? » starts from the latest one at a place."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from service.cli.common import JsonOut, cli_actor, console, database, print_json, settings_of
from service.cli.fit import fitted
from service.export.values import day

app = typer.Typer(
    help="Interventions à un lieu (caméra, panneau, nettoyage, aménagement, riverains informés) : noter, lister, "
    "retirer. « L'action a-t-elle servi ? » part de la dernière notée au lieu."
)

Place = Annotated[
    str, typer.Argument(help="Point sensible (PS-0004), axe (AX-0012) ou adresse (« Rue Ferrer 12, Seraing »).")
]


@app.command("ajouter")
def add_cmd(
    ctx: typer.Context,
    lieu: Place,
    type_: Annotated[
        str,
        typer.Option("--type", help="camera, panneau, nettoyage, amenagement, information ou autre (ou leur libellé)."),
    ],
    date: Annotated[str, typer.Option("--date", help="Jour de la mise en place (2026-05-12 ou 12/05/2026).")],
    fin: Annotated[str | None, typer.Option("--fin", help="Jour où elle a pris fin (une caméra déplacée).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Ce qui a été fait, par qui.")] = None,
    rayon: Annotated[int, typer.Option("--rayon", min=10, max=1000, help="Pour une adresse : le cercle (m).")] = 100,
    json_out: JsonOut = False,
) -> None:
    """Note une intervention à un point sensible, un axe ou une adresse (placée par le géocodeur hors ligne)."""
    from service.activity.effect import action_day
    from service.activity.interventions import NewIntervention, as_json, record
    from service.activity.sites import geocoder_for

    settings = settings_of(ctx)
    start = action_day(date, settings.timezone)
    end = action_day(fin, settings.timezone) if fin else None
    with database(settings) as conn:
        geocoder = geocoder_for(conn, lieu)
        new = NewIntervention(lieu, type_, start, end, note)
        item = record(conn, new, actor=cli_actor(), zone=settings.timezone, geocoder=geocoder, radius_m=rayon)
    if json_out:
        print_json(as_json(item))
        return
    when = day(item["debut"], settings.timezone)
    said = f"Intervention n° {item['id']} notée : {item['libelle'].lower()} — {item['lieu']}, le {when}."
    console.print(escape(said), highlight=False)


@app.command("liste")
def list_cmd(
    ctx: typer.Context,
    lieu: Annotated[str | None, typer.Option("--lieu", help="Seulement celles de ce lieu.")] = None,
    json_out: JsonOut = False,
) -> None:
    """Les interventions notées (les plus récentes d'abord), de tous les lieux ou d'un seul."""
    from service.activity.interventions import as_json, listed
    from service.activity.sites import find_site, geocoder_for

    settings = settings_of(ctx)
    zone = settings.timezone
    with database(settings) as conn:
        site = None
        if lieu:
            geocoder = geocoder_for(conn, lieu)
            site = find_site(conn, lieu, geocoder=geocoder)
        items = listed(conn, site)
    if json_out:
        print_json([as_json(i) for i in items])
        return
    if not items:
        console.print("Aucune intervention notée.", highlight=False)
        return
    table = Table(title="Interventions")
    for name in ("N°", "Lieu", "Intervention", "Du", "Au", "Note", "Notée par"):
        table.add_column(name, justify="right" if name == "N°" else "left")
    for i in items:
        table.add_row(
            str(i["id"]),
            escape(str(i["lieu"])),
            escape(i["libelle"]),
            day(i["debut"], zone),
            day(i["fin"], zone) or "—",
            escape(i["note"] or ""),
            escape(i["note_par"]),
        )
    console.print(fitted(table))


@app.command("retirer")
def withdraw_cmd(
    ctx: typer.Context, numero: Annotated[int, typer.Argument(help="Numéro de l'intervention (voir liste).")]
) -> None:
    """Retire une intervention notée par erreur (qui l'a retirée et quand restent gardés)."""
    from service.activity.interventions import withdraw

    with database(settings_of(ctx)) as conn:
        withdraw(conn, numero, actor=cli_actor())
    console.print(f"Intervention n° {numero} retirée.", highlight=False)
