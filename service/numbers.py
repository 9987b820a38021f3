"""Numbers as a French reader writes them: ``12 060``, ``10,81``, ``+15,8``.

Every place that writes a number for a person (sheets, PDFs, the command line, error messages) goes through
:func:`french_number`, so a decimal comma or a thousands separator is never forgotten or applied to the wrong
text (a file name with a comma in it). The thousands separator is the place's choice: :data:`NARROW` (U+202F,
narrow no-break space) on printed sheets and PDFs, where it keeps ``12 060`` on one line; :data:`SPACE` in the
terminal and in messages, which every console shows and people copy; none in a spreadsheet's cell, where a
grouped number would be read as text.
"""

from __future__ import annotations

NARROW = "\u202f"
SPACE = " "


def french_number(value: float, digits: int = 0, *, group: str = "", sign: bool = False, trim: bool = False) -> str:
    """``value`` with ``digits`` decimals after a comma, thousands separated by ``group`` ("" for none);
    ``sign`` writes ``+`` before a positive value; ``trim`` drops trailing zeros (``3,20`` → ``3,2``, ``3,00``
    → ``3``)."""
    text = f"{value:{'+' if sign else ''},.{digits}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\0").replace(".", ",").replace("\0", group)
