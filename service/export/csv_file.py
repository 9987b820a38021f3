"""CSV for a Belgian Excel: ``;`` between fields, UTF-8 with a BOM (so accents survive a double click), decimal
comma, ``dd/mm/yyyy HH:MM`` in Brussels time, French headers, labels instead of codes, formulas neutralised."""

from __future__ import annotations

import csv
import io

from service.cells import neutralise_formula
from service.export.sheet import Sheet
from service.export.values import records, text_cell


def render_csv(sheet: Sheet) -> bytes:
    """The sheet's rows, one line each, in the sheet's order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    columns = list(sheet.rows.columns)
    writer.writerow([neutralise_formula(str(c)) for c in columns])
    for row in records(sheet):
        writer.writerow([text_cell(c, row[c], sheet.timezone) for c in columns])
    return buffer.getvalue().encode("utf-8-sig")
