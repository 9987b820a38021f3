"""``hotspots correspondances``: the mapping file kept for each source, applied to its next files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from service.cli.common import JsonOut, cli_actor, console, database, print_json, settings_of
from service.cli.fit import fitted
from service.errors import InputFileError, NotFoundError
from service.ingest.kept_mapping import forget_mapping, keep_mapping, kept_mapping, kept_mappings
from service.ingest.mapping import KeptMapping

app = typer.Typer(
    help="Correspondances gardées par source : appliquées aux prochains fichiers de la source importés sans "
    "--correspondance ; les lister, en montrer une, en garder une, l'oublier.",
    no_args_is_help=True,
)

SourceArg = Annotated[
    str, typer.Argument(help="Source (comme --source à l'import ; majuscules, accents, espaces et ponctuation égaux).")
]


def _as_json(kept: KeptMapping, *, text: bool = False) -> dict[str, str | None]:
    said: dict[str, str | None] = {
        "source": kept.source,
        "fichier": kept.file_name,
        "le": kept.kept_at.isoformat(),
        "par": kept.kept_by,
    }
    return {**said, "texte": kept.content} if text else said


def _missing(source: str) -> NotFoundError:
    return NotFoundError(
        f"Aucune correspondance gardée pour la source « {' '.join(source.split())} ».",
        hint="hotspots correspondances lister : les sources qui en ont une.",
    )


@app.command("lister")
def list_kept(ctx: typer.Context, json_out: JsonOut = False) -> None:
    """Les correspondances gardées : source, fichier, quand et par qui."""
    with database(settings_of(ctx)) as conn:
        rows = kept_mappings(conn)
    if json_out:
        print_json([_as_json(k) for k in rows])
        return
    if not rows:
        console.print(
            "Aucune correspondance gardée. Un import avec --source et --correspondance garde la sienne pour la source."
        )
        return
    table = Table(title="Correspondances gardées")
    for column in ("source", "fichier", "gardée le", "par"):
        table.add_column(column)
    for k in rows:
        table.add_row(k.source, k.file_name, f"{k.kept_at:%d/%m/%Y %H:%M}", k.kept_by or "")
    console.print(fitted(table))


@app.command("montrer")
def show(ctx: typer.Context, source: SourceArg, json_out: JsonOut = False) -> None:
    """Le texte de la correspondance gardée pour une source, tel que son fichier."""
    with database(settings_of(ctx)) as conn:
        kept = kept_mapping(conn, source)
    if kept is None:
        raise _missing(source)
    if json_out:
        print_json(_as_json(kept, text=True))
        return
    console.print(f"# {kept.file_name}, gardée le {kept.kept_at:%d/%m/%Y} par {kept.kept_by or '?'}", markup=False)
    console.print(kept.content, markup=False, highlight=False)


@app.command("garder")
def keep(
    ctx: typer.Context,
    source: SourceArg,
    fichier: Path = typer.Argument(..., help="Fichier de correspondance (TOML ou YAML)."),
) -> None:
    """Garde un fichier de correspondance pour une source, sans rien importer (remplace celui gardé avant)."""
    try:
        content = fichier.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"Fichier de correspondance illisible ({fichier.name}) : {exc}") from exc
    with database(settings_of(ctx)) as conn:
        kept = keep_mapping(conn, source, fichier.name, content, by=cli_actor())
        conn.commit()
    console.print(
        f"Correspondance {kept.file_name} gardée pour la source « {kept.source} » : appliquée à ses prochains "
        "fichiers importés sans --correspondance.",
        highlight=False,
    )


@app.command("oublier")
def forget(ctx: typer.Context, source: SourceArg) -> None:
    """Oublie la correspondance gardée pour une source : ses prochains fichiers sont lus par leurs seuls en-têtes."""
    with database(settings_of(ctx)) as conn:
        gone = forget_mapping(conn, source)
        conn.commit()
    if gone is None:
        raise _missing(source)
    console.print(f"Correspondance gardée pour « {gone} » oubliée.", highlight=False)
