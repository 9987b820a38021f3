"""The period of a digest: a month (``2026-10``), a quarter (``2026-T4``) or a year (``2026``), in the service's
time zone,
with the period before it (the comparison) and its name in French. A system timer that sends the digests every
month names the last one whole: ``mois-dernier``, ``trimestre-dernier``, ``annee-derniere``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from service.errors import InvalidValueError
from service.text import ascii_fold

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[TQ]([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
#: The last whole period before today, by its French words (accents, case and spaces aside).
_LAST = {"mois-dernier": "mois", "trimestre-dernier": "trimestre", "annee-derniere": "annee"}


@dataclass(frozen=True)
class Period:
    """[``start``, ``end``) in days of the time zone ``zone`` (the service's); ``kind`` is ``mois``, ``trimestre``
    or ``annee``."""

    start: date
    end: date
    kind: str
    zone: str

    @property
    def label(self) -> str:
        """``octobre 2026``, ``4e trimestre 2026``, ``2026``."""
        if self.kind == "mois":
            return f"{MONTHS[self.start.month - 1]} {self.start.year}"
        if self.kind == "trimestre":
            quarter = (self.start.month - 1) // 3 + 1
            return f"{'1er' if quarter == 1 else f'{quarter}e'} trimestre {self.start.year}"
        return str(self.start.year)

    @property
    def during(self) -> str:
        """The period as a sentence places it: ``en octobre 2026``, ``au 4e trimestre 2026``, ``en 2026`` (« en 4e
        trimestre » is not French)."""
        return f"au {self.label}" if self.kind == "trimestre" else f"en {self.label}"

    @property
    def named(self) -> str:
        """The period after a preposition: ``octobre 2026``, ``le 4e trimestre 2026``, ``2026``."""
        return f"le {self.label}" if self.kind == "trimestre" else self.label

    @property
    def code(self) -> str:
        """``2026-10``, ``2026-T4``, ``2026``: what the command and the API take."""
        if self.kind == "mois":
            return f"{self.start:%Y-%m}"
        if self.kind == "trimestre":
            return f"{self.start.year}-T{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    def bounds(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The period's first and last instants as UTC timestamps (midnight in its time zone)."""
        return _instant(self.start, self.zone), _instant(self.end, self.zone)

    def previous(self) -> Period:
        """The period of the same length just before (the month, quarter or year before)."""
        months = {"mois": 1, "trimestre": 3, "annee": 12}[self.kind]
        start = (pd.Timestamp(self.start) - pd.DateOffset(months=months)).date()
        return Period(start, self.start, self.kind, self.zone)


def _instant(day: date, zone: str) -> pd.Timestamp:
    return pd.Timestamp(day).tz_localize(zone).tz_convert("UTC")


def parse_period(text: str, *, zone: str, now: datetime | None = None) -> Period:
    """``2026-10`` (a month), ``2026-T4`` (a quarter) or ``2026`` (a year), in days of ``zone`` (the service's
    time zone); a French error for anything else, or for a period that has not started yet."""
    cleaned = (text or "").strip()
    stamp = pd.Timestamp(now) if now is not None else pd.Timestamp.now(tz="UTC")
    today = (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp).tz_convert(zone).date()
    words = "-".join(ascii_fold(cleaned).split())
    if words in _LAST:
        return _last_whole(_LAST[words], today, zone)
    if match := _MONTH.match(cleaned):
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise InvalidValueError(f"période illisible : « {cleaned} » (mois {month})", hint=_HINT)
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
        period = Period(start, end, "mois", zone)
    elif match := _QUARTER.match(cleaned):
        year, quarter = int(match.group(1)), int(match.group(2))
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
        period = Period(start, end, "trimestre", zone)
    elif match := _YEAR.match(cleaned):
        year = int(match.group(1))
        period = Period(date(year, 1, 1), date(year + 1, 1, 1), "annee", zone)
    else:
        raise InvalidValueError(f"période illisible : « {cleaned} »", hint=_HINT)
    if period.start.year < 2000:
        raise InvalidValueError(f"période {period.label} : avant 2000, aucune donnée n'est acceptée", hint=_HINT)
    if period.start > today:
        raise InvalidValueError(
            f"période {period.label} : elle n'a pas encore commencé", hint="Donnez une période passée ou en cours."
        )
    return period


def _last_whole(kind: str, today: date, zone: str) -> Period:
    """The last whole month, quarter or year before ``today``: the one the period in progress follows."""
    if kind == "mois":
        current = Period(today.replace(day=1), today, kind, zone)
    elif kind == "trimestre":
        current = Period(date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today, kind, zone)
    else:
        current = Period(date(today.year, 1, 1), today, kind, zone)
    return current.previous()


_HINT = (
    "Écrivez un mois (2026-10), un trimestre (2026-T4), une année (2026), ou la dernière période entière : "
    "mois-dernier, trimestre-dernier, annee-derniere."
)
