"""The sheets of a workbook that hold a table of one kind of record: a register kept one sheet per month.

Offices often keep a year's register as one sheet per month (« Janvier », « Février »…), beside a sheet of notes.
An import reads one sheet; :func:`tables_of` says which sheets can be imported as the kind asked (their columns
are found), and why the others cannot, so that a command can import each as its own batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from service.errors import InputFileError
from service.ingest.archive import ArchiveLimits
from service.ingest.batch import IngestOptions
from service.ingest.pipeline import columns_of
from service.ingest.read import open_table

WORKBOOKS = ("xlsx", "ods", "xls")


@dataclass
class Sheets:
    """The sheets to import, in the workbook's order, and the others with the reason they are left."""

    tables: list[str] = field(default_factory=list)
    left: dict[str, str] = field(default_factory=dict)


def tables_of(path: Path, options: IngestOptions, limits: ArchiveLimits) -> Sheets:
    """Which sheets of the workbook ``path`` hold a table of ``options.kind`` (its required columns found).
    A file that is no workbook is refused, saying so."""
    first = open_table(path, fmt=options.fmt, limits=limits)
    if first.format not in WORKBOOKS:
        raise InputFileError(
            f"{path.name} : --toutes-les-feuilles vaut pour un classeur (XLSX, ODS, XLS), pas pour un "
            f"fichier {first.format}.",
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
    return found
