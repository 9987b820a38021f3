"""Vectorised date parsing: ISO 8601 and Belgian ``25/11/2026 14:30`` forms, in Europe/Brussels time.

Each function takes a Series of strings and returns UTC timestamps plus a reason Series (``None`` where the
value is fine), so the caller can reject rows without a Python loop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from service.ingest.read import STR

_ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
_ISO_AWARE = r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$"
_BE = (
    r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})"
    r"(?:[ T]+(?:à\s*)?(?P<H>\d{1,2})[:hH](?P<M>\d{2})?(?::(?P<S>\d{2}))?)?$"
)
ACCEPTED_FORMS = "25/11/2026 14:30, 25/11/2026, 2026-11-25T14:30, 2026-11-25 14:30:00+01:00"


def _localise(naive: pd.Series, tz: str) -> pd.Series:
    """Brussels wall-clock → UTC. In the autumn's repeated hour the summer-time reading is kept; a time
    skipped in spring is moved forward (it was typed by a person, not a clock)."""
    if naive.empty:
        return naive.dt.tz_localize("UTC")
    ambiguous = np.ones(len(naive), dtype=bool)
    return naive.dt.tz_localize(tz, ambiguous=ambiguous, nonexistent="shift_forward").dt.tz_convert("UTC")


def parse_datetimes(values: pd.Series, *, tz: str = "Europe/Brussels") -> tuple[pd.Series, pd.Series]:
    """Parse ``values`` (strings or None). Returns (UTC timestamps with NaT where invalid, reasons)."""
    text = values.astype(STR).str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    reasons = pd.Series(None, index=values.index, dtype=object)
    present = text.notna() & (text != "")

    aware = present & text.str.match(_ISO_AWARE).fillna(False)
    if aware.any():
        parsed = pd.to_datetime(text[aware], format="ISO8601", errors="coerce", utc=True)
        out[aware] = parsed.astype("datetime64[ns, UTC]")

    naive = present & ~aware & text.str.match(_ISO_NAIVE).fillna(False)
    if naive.any():
        parsed = pd.to_datetime(text[naive].str.replace(" ", "T", n=1), format="ISO8601", errors="coerce")
        out[naive] = _localise(parsed.astype("datetime64[ns]"), tz)

    rest = present & ~aware & ~naive
    belgian = rest & text.str.match(_BE).fillna(False)
    if belgian.any():
        parts = text[belgian].str.extract(_BE)
        year = parts["y"].astype(int)
        year = year.where(year >= 100, year + 2000)
        frame = pd.DataFrame(
            {
                "year": year,
                "month": parts["m"].astype(int),
                "day": parts["d"].astype(int),
                "hour": parts["H"].fillna("0").astype(int),
                "minute": parts["M"].fillna("0").astype(int),
                "second": parts["S"].fillna("0").astype(int),
            }
        )
        parsed = pd.to_datetime(frame, errors="coerce")
        out[belgian] = _localise(parsed.astype("datetime64[ns]"), tz)

    recognised = aware | naive | belgian
    reasons[present & recognised & out.isna()] = "date impossible"
    reasons[present & ~recognised] = "date illisible"
    reasons[~present] = "date manquante"
    return out, reasons


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Calendar dates (permits): same forms, time of day ignored. Returns (datetime64 at midnight, reasons)."""
    stamps, reasons = parse_datetimes(values, tz="UTC")
    return stamps.dt.tz_localize(None).dt.normalize(), reasons
