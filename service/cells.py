"""Text cells on their way out to a spreadsheet: the one place where formula injection is neutralised.

Text is stored as it was given (a citizen's "=> dépôt devant le n°5" is a real report, not an attack); every
writer of CSV or XLSX passes its text cells through :func:`neutralise_formula`, so a spreadsheet shows them as
text instead of running them.
"""

from __future__ import annotations

from typing import Any

#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a formula.

    Numbers, dates and ``None`` pass unchanged: a negative number is a number, not a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
