"""Rows as the readers hand them on: cells as text, frames numbered as the spreadsheet shows them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd

from service.ingest.source import STR


def cell_text(value: Any) -> str | None:
    """A workbook cell as the text a CSV export would give (dates in ISO, whole numbers without « .0 »)."""
    if value is None:
        return None
    if isinstance(value, timedelta):  # a time of day that a workbook keeps as a duration
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}" if 0 <= minutes < 24 * 60 else str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep="T", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = str(value)
    return text if text.strip() else None


def exact_frame(
    rows: list[list[str | None]], numbers: list[int], bad: list[str | None], headers: list[str]
) -> pd.DataFrame:
    """Rows of cells as a frame of text columns, with the row numbers a person sees (and a row's shape error)."""
    frame = pd.DataFrame(rows, columns=headers, dtype=object).astype(STR)
    frame["_row"] = numbers
    if any(b is not None for b in bad):
        frame["_shape_error"] = bad
    return frame


def sheet_frames(rows: Iterable[tuple[int, Sequence[Any]]], headers: list[str], size: int) -> Iterator[pd.DataFrame]:
    """A sheet's numbered rows below its header as frames of ``size`` rows: cells as text, blank rows left out, each
    row keeping the number the spreadsheet shows."""
    width = len(headers)
    buf: list[list[str | None]] = []
    numbers: list[int] = []
    for number, values in rows:
        cells = [cell_text(v) for v in values[:width]]
        if not any(c is not None for c in cells):
            continue
        buf.append(cells + [None] * (width - len(cells)))
        numbers.append(number)
        if len(buf) >= size:
            yield exact_frame(buf, numbers, [None] * len(buf), headers)
            buf, numbers = [], []
    if buf:
        yield exact_frame(buf, numbers, [None] * len(buf), headers)
