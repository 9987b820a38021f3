"""Cell values as each kind of file wants them, from the one :class:`~service.export.sheet.Sheet`.

The sheet holds real values (timestamps, floats, ints, text) and the service's time zone, in which every
timestamp is shown. A spreadsheet wants typed cells, a CSV read by a Belgian Excel wants a decimal comma and
``dd/mm/yyyy HH:MM``, GeoJSON wants ISO 8601; the rules live here so that every writer shows the same number
with the same digits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from service.cells import neutralise_formula
from service.export.sheet import CLOCK_COLUMNS, DATE_COLUMNS, NUMBER_COLUMNS, Sheet
from service.numbers import NARROW, french_number

#: Digits shown for each number column (the sheet already rounds them the same way).
DIGITS = {
    "Priorité": 2,
    "Trajet (min)": 1,
    "Sur place (min)": 1,
    "Latitude": 6,
    "Longitude": 6,
    "Jours jusqu'à la clôture": 1,
}
#: Whole-number columns.
INT_COLUMNS = ("Ordre", "Équipe", "Signalements", "Tournée")
DATE_FORMAT = "%d/%m/%Y %H:%M"
DAY_FORMAT = "%d/%m/%Y"


def missing(value: Any) -> bool:
    """True for None, NaN and NaT (what pandas leaves in an empty cell)."""
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    return False


def local_time(value: Any, zone: str) -> pd.Timestamp | None:
    """A timestamp in the service's time zone ``zone`` (a naive one is taken as its wall clock already), or
    None."""
    if missing(value):
        return None
    stamp = pd.Timestamp(value)
    if stamp is pd.NaT:
        return None
    return stamp.tz_convert(zone) if stamp.tzinfo else stamp.tz_localize(zone)


def day_alone(column: str, stamp: pd.Timestamp | None) -> bool:
    """True for a date written without its hour: at local midnight, in a column that is not a planned time. A
    register that closes « 05/02/2025 » is stored at that midnight; « 05/02/2025 00:00 » would tell an hour nobody
    wrote (and the closing delays count such a day whole: migration 0068)."""
    return stamp is not None and column not in CLOCK_COLUMNS and stamp == stamp.normalize()


def shown_date(column: str, value: Any, zone: str) -> str:
    """``05/02/2025 14:30`` in ``zone``, or ``05/02/2025`` for a day written alone (:func:`day_alone`)."""
    stamp = local_time(value, zone)
    if stamp is None:
        return ""
    return str(stamp.strftime(DAY_FORMAT if day_alone(column, stamp) else DATE_FORMAT))


def records(sheet: Sheet) -> list[dict[str, Any]]:
    """The rows as dicts with None for every empty cell (NaN, NaT), ints as ints, floats as floats and dates in
    the sheet's time zone."""
    out = []
    for row in sheet.rows.to_dict("records"):
        clean: dict[str, Any] = {}
        for col, value in row.items():
            if missing(value):
                clean[col] = None
            elif col in DATE_COLUMNS:
                clean[col] = local_time(value, sheet.timezone)
            elif col in INT_COLUMNS:
                clean[col] = int(value)
            elif col in NUMBER_COLUMNS:
                clean[col] = float(value)
            else:
                clean[col] = value
        out.append(clean)
    return out


def text_cell(column: str, value: Any, zone: str) -> str:
    """The text of a cell as a person reads it: decimal comma, Belgian date (in ``zone``), formula-safe text."""
    if missing(value):
        return ""
    if column in DATE_COLUMNS:
        return shown_date(column, value, zone)
    if column in INT_COLUMNS and isinstance(value, int | np.integer | float | np.floating):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return french_number(float(value), DIGITS.get(column, 2))
    if isinstance(value, int | np.integer):
        return str(int(value))
    return str(neutralise_formula(str(value)))


def iso_value(column: str, value: Any, zone: str) -> Any:
    """A JSON value: ISO 8601 dates with the offset of ``zone``, numbers as numbers, None for an empty cell."""
    if missing(value):
        return None
    if column in DATE_COLUMNS:
        stamp = local_time(value, zone)
        return stamp.isoformat() if stamp is not None else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def hhmm(value: Any, zone: str) -> str:
    """``08:30`` in ``zone``, or an empty string."""
    stamp = local_time(value, zone)
    return stamp.strftime("%H:%M") if stamp is not None else ""


def day(value: Any, zone: str) -> str:
    """``23/11/2026`` in ``zone``, or an empty string."""
    stamp = local_time(value, zone)
    return stamp.strftime("%d/%m/%Y") if stamp is not None else ""


def shape_words(shape: BaseGeometry) -> str:
    """A report's drawn shape (Lambert 72) in words, for the officer who looks for it on the spot: a surface's area
    and rough size along its longest side (« surface de 420 m², environ 28 × 15 m »), several surfaces' total, a
    line's length."""

    def whole(value: float) -> str:  # « 1 348 », and « moins de 1 » rather than « 0 » for a shape drawn tiny
        return french_number(value, group=NARROW) if value >= 0.5 else "moins de 1"

    parts = [p for p in shapely.get_parts(shape) if not p.is_empty]
    surfaces = [p for p in parts if p.area > 0]
    if len(surfaces) == 1:
        corners = shapely.get_coordinates(shapely.minimum_rotated_rectangle(surfaces[0]))
        sides = sorted(float(np.hypot(*(corners[i + 1] - corners[i]))) for i in (0, 1))
        return f"surface de {whole(surfaces[0].area)} m², environ {whole(sides[1])} × {whole(sides[0])} m"
    if surfaces:
        return f"{len(surfaces)} surfaces, {whole(sum(p.area for p in surfaces))} m² en tout"
    lines = [p for p in parts if p.length > 0]
    if lines:
        length = whole(sum(p.length for p in lines))
        return f"tracé de {length} m" if len(lines) == 1 else f"{len(lines)} tracés, {length} m en tout"
    return "un point"
