"""``hotspots correspondances``: the mapping file kept for each source and kind of file, applied to its next files
of that kind."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer
from rich.table import Table

from service.cli.common import JsonOut, cli_actor, console, database, print_json, settings_of
from service.cli.fit import fitted
from service.errors import InputFileError, InvalidValueError, NotFoundError
from service.ingest.columns import Kind
from service.ingest.kept_mapping import forget_mapping, keep_mapping, kept_mapping, kept_mappings
from service.ingest.mapping import KeptMapping
from service.labels import KIND_LABELS

app = typer.Typer(
    help="Correspondances gardées par source et type de fichiers : appliquées aux prochains fichiers de ce type de "
    "la source importés sans --correspondance ; les lister, en montrer une, en garder une, l'oublier.",
    no_args_is_help=True,
)

#: What each kind of file is called on the command line (French, or the import's own words).
_KINDS: dict[str, Kind] = {
    **{label: cast(Kind, kind) for kind, label in KIND_LABELS.items()},
    **{kind: cast(Kind, kind) for kind in KIND_LABELS},
}
TypeOpt = Annotated[
    str,
    typer.Option(
        "--type", help="Type de fichiers : signalements, visites ou permis (une correspondance par type et source)."
    ),
]

SourceArg = Annotated[
    str, typer.Argument(help="Source (comme --source à l'import ; majuscules, accents, espaces et ponctuation égaux).")
]


def _kind(typed: str) -> Kind:
    """The kind of files ``--type`` names; an unknown word is refused naming the three."""
    kind = _KINDS.get(typed.strip().lower())
    if kind is None:
        raise InvalidValueError(
            f"type de fichiers inconnu : « {typed} ».", hint="--type signalements, visites ou permis."
        )
    return kind


def _as_json(kept: KeptMapping, *, text: bool = False) -> dict[str, str | None]:
    said: dict[str, str | None] = {
        "source": kept.source,
        "type": KIND_LABELS.get(kept.kind, kept.kind),
        "fichier": kept.file_name,
        "le": kept.kept_at.isoformat(),
        "par": kept.kept_by,
    }
    return {**said, "texte": kept.content} if text else said


def _missing(source: str, kind: Kind) -> NotFoundError:
    return NotFoundError(
        f"Aucune correspondance gardée pour les {KIND_LABELS[kind]} de la source « {' '.join(source.split())} ».",
        hint="hotspots correspondances lister : les sources qui en ont une.",
    )


@app.command("lister")
def list_kept(ctx: typer.Context, json_out: JsonOut = False) -> None:
    """Les correspondances gardées : source, type de fichiers, fichier, quand et par qui."""
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
    for column in ("source", "type", "fichier", "gardée le", "par"):
        table.add_column(column)
    for k in rows:
        table.add_row(
            k.source, KIND_LABELS.get(k.kind, k.kind), k.file_name, f"{k.kept_at:%d/%m/%Y %H:%M}", k.kept_by or ""
        )
    console.print(fitted(table))


@app.command("montrer")
def show(ctx: typer.Context, source: SourceArg, type_: TypeOpt = "signalements", json_out: JsonOut = False) -> None:
    """Le texte de la correspondance gardée pour une source (ses fichiers du type donné), tel que son fichier."""
    kind = _kind(type_)
    with database(settings_of(ctx)) as conn:
        kept = kept_mapping(conn, source, kind)
    if kept is None:
        raise _missing(source, kind)
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
    type_: TypeOpt = "signalements",
) -> None:
    """Garde un fichier de correspondance pour les fichiers d'un type d'une source, sans rien importer (remplace
    celui gardé avant)."""
    kind = _kind(type_)
    try:
        content = fichier.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"Fichier de correspondance illisible ({fichier.name}) : {exc}") from exc
    with database(settings_of(ctx)) as conn:
        kept = keep_mapping(conn, source, fichier.name, content, by=cli_actor(), kind=kind)
        conn.commit()
    console.print(
        f"Correspondance {kept.file_name} gardée pour la source « {kept.source} » : appliquée à ses prochains "
        f"fichiers de {KIND_LABELS[kind]} importés sans --correspondance.",
        highlight=False,
    )


@app.command("oublier")
def forget(ctx: typer.Context, source: SourceArg, type_: TypeOpt = "signalements") -> None:
    """Oublie la correspondance gardée pour une source (ses fichiers du type donné) : ses prochains fichiers sont lus
    par leurs seuls en-têtes."""
    kind = _kind(type_)
    with database(settings_of(ctx)) as conn:
        gone = forget_mapping(conn, source, kind)
        conn.commit()
    if gone is None:
        raise _missing(source, kind)
    console.print(f"Correspondance gardée pour les {KIND_LABELS[kind]} de « {gone} » oubliée.", highlight=False)
