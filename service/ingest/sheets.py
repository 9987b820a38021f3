"""The sheets of a workbook that hold a table of one kind of record: a register kept one sheet per month.

Offices often keep a year's register as one sheet per month (« Janvier », « Février »…), beside a sheet of notes.
An import reads one sheet; :func:`tables_of` says which sheets can be imported as the kind asked (their columns
are found), and why the others cannot, so that a command can import each as its own batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from service.errors import InputFileError
from service.ingest.archive import ArchiveLimits
from service.ingest.batch import IngestOptions
from service.ingest.pipeline import columns_of
from service.ingest.read import open_table
from service.labels import KIND_LABELS
from service.text import counted

WORKBOOKS = ("xlsx", "xlsb", "ods", "xls")
T = TypeVar("T")


@dataclass
class Sheets:
    """The sheets to import, in the workbook's order, and the others with the reason they are left."""

    tables: list[str] = field(default_factory=list)
    left: dict[str, str] = field(default_factory=dict)


def tables_of(
    path: Path, options: IngestOptions, limits: ArchiveLimits, *, option: str = "--toutes-les-feuilles"
) -> Sheets:
    """Which sheets of the workbook ``path`` hold a table of ``options.kind`` (its required columns found).
    A file that is no workbook, a sheet named beside, and a workbook without any such sheet are refused, saying
    so (``option``: the name the person gave the choice, on the command line or on the map)."""
    if options.sheet:
        raise InputFileError(f"{path.name} : une feuille nommée et {option} ensemble : choisissez l'un des deux.")
    first = open_table(path, fmt=options.fmt, limits=limits)
    if first.format not in WORKBOOKS:
        raise InputFileError(
            f"{path.name} : {option} vaut pour un classeur (XLSX, XLSB, ODS, XLS), pas pour un fichier {first.format}.",
            hint="Importez-le sans cette option.",
        )
    found = Sheets()
    for name in first.sheets:
        try:
            columns_of(open_table(path, fmt=first.format, sheet=name, limits=limits), options)  # as its import would
        except InputFileError as exc:
            found.left[name] = exc.message.removeprefix(f"{path.name} : ")
            continue
        found.tables.append(name)
    if not found.tables:
        reasons = " ; ".join(f"« {name} » : {why}" for name, why in found.left.items())
        none = InputFileError(
            f"{path.name} : aucune feuille ne porte de tableau de {KIND_LABELS[options.kind]}. {reasons}"
        )
        raise options.kept.refusal(none) if options.kept is not None else none
    return found


def import_each(found: Sheets, run: Callable[[str], T]) -> tuple[list[T], dict[str, str]]:
    """``run`` on each sheet to import, in order: (what each gave, the sheets refused whole with their reason).
    A sheet refused (a month's sheet with its header only, not filled yet) is said, and the sheets after it are
    still imported: stopping there would leave the ones before stored with no account of them."""
    done: list[T] = []
    refused: dict[str, str] = {}
    for name in found.tables:
        try:
            done.append(run(name))
        except InputFileError as exc:
            refused[name] = exc.message.split(" : ", 1)[-1]
    return done, refused


def sheets_words(found: Sheets, batches: int, created: int, refused: dict[str, str]) -> list[str]:
    """The account of a workbook imported sheet by sheet, as the terminal and the map say it: the total, then the
    sheets not read and those refused, each with its reason."""
    return [
        f"{counted(batches, 'feuille importée', 'feuilles importées')} en autant de lots : "
        f"{counted(created, 'enregistrement créé', 'enregistrements créés')}.",
        *(f"Feuille « {name} » non lue : {why}" for name, why in found.left.items()),
        *(f"Feuille « {name} » refusée : {why}" for name, why in refused.items()),
    ]
