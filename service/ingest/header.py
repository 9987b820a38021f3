"""Find the header row of a table as people export it: a title line, a date or blank rows above the header.

Excel exports often start with a title ("Export des plaintes - mars 2026", alone in its cell, or followed by
empty cells ``;;;;``) and blank rows, and a workbook may open on a sheet that only explains the others. The
header is the first row with at least two filled cells, looked for in the first rows only, or the row below it
when that one is a row of column groups (« Identification », « Localisation » over the columns' names); rows
above it are skipped, and the rows below keep the numbers a spreadsheet shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from service.errors import InputFileError
from service.ingest.columns import known_headers

#: How many non-blank rows may stand above the header (a title, a date, a note): beyond, the file is read as is.
MAX_ROWS_ABOVE = 10


def filled(values: Sequence[Any]) -> int:
    """How many cells of a row hold something other than spaces."""
    return sum(1 for v in values if v is not None and str(v).strip())


def header_index(rows: Iterable[Sequence[Any]]) -> int | None:
    """Index (0-based, blank rows counted) of the header among the first :data:`MAX_ROWS_ABOVE` + 1 non-blank
    rows: the first with at least two filled cells, unless it has only two and the next two non-blank rows have
    more (a title with its date, « Export des plaintes;01/12/2026;;; », above a table of three columns or more).
    None when there is none (the caller keeps its old reading)."""
    rows = list(rows)
    counts = [(index, filled(values)) for index, values in enumerate(rows)]
    filled_rows = [(index, count) for index, count in counts if count][: MAX_ROWS_ABOVE + 2]
    for position, (index, count) in enumerate(filled_rows[: MAX_ROWS_ABOVE + 1]):
        below = [c for _, c in filled_rows[position + 1 : position + 3]]
        if count >= 2 and not (count == 2 and len(below) == 2 and min(below) > 2):
            return _below_column_groups(rows, index, filled_rows[position + 1 : position + 2])
    return None


def _below_column_groups(rows: list[Sequence[Any]], index: int, next_filled: list[tuple[int, int]]) -> int:
    """The header row itself when ``index`` is a row of column groups above it (« Identification ; ;
    Localisation ; ; ; Constat » over « N° dossier ; Date ; Rue ; N° ; Commune ; Catégorie »): the next row names
    more columns, and at least two."""
    if not next_filled:
        return index
    below = next_filled[0][0]
    known_here, known_below = known_headers(rows[index]), known_headers(rows[below])
    return below if known_below >= 2 and known_below > known_here else index


def sheet_header(first_rows: dict[str, list[tuple[Any, ...]]], name: str) -> tuple[str, int, tuple[Any, ...]]:
    """(sheet title, 1-based row of the header, header values), given each candidate sheet's first rows in the
    workbook's order. Without ``--feuille``, the first sheet with a table (a row of at least two filled cells
    near its top) is read: a workbook opening on a note is common. A sheet without such a row keeps the old
    reading: its first non-empty row."""
    for title, rows in first_rows.items():
        index = header_index(rows)
        if index is not None:
            return title, index + 1, rows[index]
    title, rows = next(iter(first_rows.items()))
    for index, values in enumerate(rows):
        if filled(values):
            return title, index + 1, values
    raise InputFileError(f"{name} : la feuille {title!r} est vide.")
