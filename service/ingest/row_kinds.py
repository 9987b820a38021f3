"""Rows of a table that are no record: an empty row between blocks, a table's total line at its foot.

Such a row is still rejected (nothing read is ever dropped unsaid), but with one reason that says what it is, and
the batch's account counts it apart from the rows to correct: there is nothing to correct in « Total : 12 ».
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from service.ingest.source import STR

#: The reason of a row with no filled cell, which stands alone: its other reasons (a date missing, a category
#: missing…) would only say the same at length.
EMPTY_ROW = "ligne vide : aucune cellule remplie (une ligne de séparation ou de fin de tableau) ; rien à importer"
#: The reason of a table's total line (« Total : 12 constats », « Sous-total mars », « Totaal »), standing alone.
TOTAL_ROW = "ligne de total : le pied du tableau, pas un enregistrement ; rien à importer"
#: The reasons that stand alone: a row so marked is nothing to correct.
STANDALONE = frozenset({EMPTY_ROW, TOTAL_ROW})

_TOTAL = re.compile(
    r"^(?:sous[\s-]?total|subtotal|sub[\s-]?total|grand[\s-]total|total|totaal|subtotaal|gesamt|insgesamt|summe)\b",
    re.IGNORECASE,
)
#: A total line fills its label and a few counts; a record fills more.
MAX_TOTAL_CELLS = 3


def total_rows(chunk: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
    """Which rows read as a total line (their first filled cell says « Total », « Totaal », « Summe »…, and at
    most :data:`MAX_TOTAL_CELLS` cells are filled), and that first cell's text. The caller gives the rows already
    refused only: a record whose first cell happens to say « Total » keeps its own reasons, or is stored, and the
    rows stored are not read a second time."""
    cells = [c for c in chunk.columns if not str(c).startswith("_")]
    first = pd.Series(pd.NA, index=chunk.index, dtype=STR)
    filled = np.zeros(len(chunk), dtype=np.int64)
    for column in cells:
        text = chunk[column].astype(STR).str.strip()
        here = text.notna() & (text != "")
        filled += here.to_numpy(dtype=np.int64)
        first = first.where(first.notna(), text.where(here))
    said = first.str.match(_TOTAL).fillna(False).to_numpy(dtype=bool)
    return said & (filled <= MAX_TOTAL_CELLS), first
