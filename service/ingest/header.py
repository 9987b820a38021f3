"""Find the header row of a table as people export it: a title line, a date or blank rows above the header.

Excel exports often start with a title ("Export des plaintes - mars 2026", alone in its cell, or followed by
empty cells ``;;;;``) and blank rows, and a workbook may open on a sheet that only explains the others. The
header is the first row with at least two filled cells, looked for in the first rows only; rows above it are
skipped, and the rows below keep the numbers a spreadsheet shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

#: How many non-blank rows may stand above the header (a title, a date, a note): beyond, the file is read as is.
MAX_ROWS_ABOVE = 10


def filled(values: Sequence[Any]) -> int:
    """How many cells of a row hold something other than spaces."""
    return sum(1 for v in values if v is not None and str(v).strip())


def header_index(rows: Iterable[Sequence[Any]]) -> int | None:
    """Index (0-based, blank rows counted) of the first row with at least two filled cells, looked for among the
    first :data:`MAX_ROWS_ABOVE` + 1 non-blank rows; None when there is none (the caller keeps its old reading)."""
    seen = 0
    for index, values in enumerate(rows):
        count = filled(values)
        if count >= 2:
            return index
        if count:
            seen += 1
            if seen > MAX_ROWS_ABOVE:
                return None
    return None
