"""Text cells on their way out to a spreadsheet: the one place where formula injection is neutralised.

Text is stored as it was given (a citizen's "=> dépôt devant le n°5" is a real report, not an attack). A CSV has
no cell types: every writer of CSV passes its text cells through :func:`neutralise_formula` (a leading
apostrophe, which the reader sees). An XLSX has them: :func:`workbook_bytes` writes such text as a text cell
marked "quote prefix", as a spreadsheet does when a person types ``'=…`` — shown as given (« - 3 sacs », not
« '- 3 sacs »), never run, and still text when someone edits the cell.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the caller made the workbook: openpyxl is loaded by then
    from openpyxl import Workbook

#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a formula.

    Numbers, dates and ``None`` pass unchanged: a negative number is a number, not a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def workbook_bytes(wb: Workbook) -> bytes:
    """The bytes of ``wb``, every text cell a spreadsheet would run as a formula first made a quoted text cell
    (openpyxl reads a string that starts with ``=`` as a formula): the one way a workbook of the service is saved."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    cell.data_type = "s"
                    cell.quotePrefix = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
