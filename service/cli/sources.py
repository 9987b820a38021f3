"""``hotspots sources``: the sources stored, with the spellings one key joins, and two spellings merged into one."""

from __future__ import annotations

import typer
from rich.table import Table

from service.cli.common import JsonOut, cli_actor, console, database, print_json, settings_of
from service.cli.fit import fitted
from service.db.personal import audit
from service.ingest.source_merge import merge_sources, source_counts, spelled_near, spelled_twice
from service.ingest.source_names import SOURCE_TABLES

app = typer.Typer(
    help="Sources enregistrées : leurs lignes par type, les graphies d'une même source ; en fusionner deux.",
    no_args_is_help=False,
    invoke_without_command=True,
)


@app.callback()
def listed(ctx: typer.Context, json_out: JsonOut = False) -> None:
    """Sources enregistrées : leurs lignes par type, les graphies d'une même source ; en fusionner deux."""
    if ctx.invoked_subcommand is not None:
        return
    with database(settings_of(ctx)) as conn:
        counts = source_counts(conn)
    twice, near = spelled_twice(counts), spelled_near(counts)
    if json_out:
        print_json(
            {
                "sources": [{"source": s, **{SOURCE_TABLES[t]: n for t, n in c.items()}} for s, c in counts.items()],
                "graphies_voisines": twice,
                "graphies_proches": near,
            }
        )
        return
    if not counts:
        console.print("Aucune source : rien n'est encore importé.")
        return
    table = Table(title="Sources enregistrées")
    for column in ("source", *SOURCE_TABLES.values()):
        table.add_column(column, justify="left" if column == "source" else "right")
    for source, rows in counts.items():
        table.add_row(source, *(str(rows.get(t, "")) for t in SOURCE_TABLES))
    console.print(fitted(table))
    for names in twice:
        console.print(
            "Même source écrite de plusieurs façons : "
            + ", ".join(f"« {n} »" for n in names)
            + f' — « hotspots sources fusionner "{names[1]}" "{names[0]}" » les réunit.',
            highlight=False,
            markup=False,
        )
    for small, large in near:
        console.print(
            f"Sources proches (une lettre ou deux) : « {small} » et « {large} » — si c'est la même, « hotspots "
            f'sources fusionner "{small}" "{large}" » les réunit.',
            highlight=False,
            markup=False,
        )


@app.command("fusionner")
def merge(
    ctx: typer.Context,
    ancienne: str = typer.Argument(..., help="La graphie qui disparaît, exactement telle qu'enregistrée."),
    nouvelle: str = typer.Argument(..., help="La graphie qui reste (ses lignes ne changent pas)."),
) -> None:
    """Écrit les signalements, visites et permis d'une source sous une autre (deux graphies d'un même
    partenaire) ; refusé, rien de changé, quand les deux tiennent les mêmes lignes."""
    actor = cli_actor()
    settings = settings_of(ctx)
    with database(settings) as conn:
        with conn.transaction():
            done = merge_sources(conn, settings, ancienne, nouvelle)
        audit(conn, actor, "sources_fusionnees", ancienne=done.old, nouvelle=done.new, lignes=sum(done.rows.values()))
    console.print(done.sentence(), highlight=False, markup=False)
