"""Opening hours of the places a team checks during their business day (companies under a permit): when a shift may
visit them. Written as people write them — « lun-ven 8h-17h », « lun,mer,ven 9h-12h », « 8h-17h » (every day)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

import pandas as pd

from service.errors import InvalidValueError

DAYS = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
_DAY_WORDS = {
    **{d: i for i, d in enumerate(DAYS)},
    **{w: i for i, w in enumerate(("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"))},
}
_HOURS = re.compile(r"(\d{1,2})\s*[h:u]\s*(\d{2})?\s*[-–à]\s*(\d{1,2})\s*[h:u]\s*(\d{2})?")


@dataclass(frozen=True)
class OpeningHours:
    """The same hours on each of ``days`` (0 = Monday)."""

    days: frozenset[int]
    opens: time
    closes: time

    def words(self) -> str:
        """« lun-ven 08:00-17:00 », as the sheet and a refusal say it."""
        days = sorted(self.days)
        if len(days) == 7:
            span = "tous les jours"
        elif days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
            span = f"{DAYS[days[0]]}-{DAYS[days[-1]]}"
        else:
            span = ",".join(DAYS[d] for d in days)
        return f"{span} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def window(self, starts_at: pd.Timestamp, minutes: float, service: float) -> tuple[float, float] | None:
        """Minutes from ``starts_at`` between which a visit of ``service`` minutes may start and end before closing,
        in the first opening within the shift (``minutes`` long: its end is the plan's budget, not the window's);
        None when no visit fits in the shift while the place is open."""
        ends = starts_at + pd.Timedelta(minutes=minutes)
        day = starts_at.normalize()
        while day < ends:
            if day.weekday() in self.days:
                opens = day + pd.Timedelta(hours=self.opens.hour, minutes=self.opens.minute)
                closes = day + pd.Timedelta(hours=self.closes.hour, minutes=self.closes.minute)
                first, last = max(opens, starts_at), closes - pd.Timedelta(minutes=service)
                if first <= min(last, ends - pd.Timedelta(minutes=service)):  # a visit fits in the shift while open
                    return (first - starts_at).total_seconds() / 60, (last - starts_at).total_seconds() / 60
            day += pd.Timedelta(days=1)
        return None


def parse_opening_hours(text: str) -> OpeningHours:
    """« lun-ven 8h-17h », « lun,mer,ven 9h-12h », « samedi 9h-12h », « 8h-17h » → opening hours; a French error
    names what could not be read."""
    cleaned = text.strip().lower()
    hours = _HOURS.search(cleaned)
    head = cleaned[: hours.start()].strip(" ,:") if hours else ""
    days = _days(head) if head else frozenset(range(7))
    if not hours or days is None or cleaned[hours.end() :].strip():
        raise InvalidValueError(
            f"heures d'ouverture illisibles : « {text} »",
            hint="Écrivez par exemple « lun-ven 8h-17h », « lun,mer,ven 9h-12h » ou « 8h-17h » (tous les jours).",
        )
    opens = time(int(hours.group(1)) % 24, int(hours.group(2) or 0))
    closes = time(int(hours.group(3)) % 24, int(hours.group(4) or 0))
    if closes <= opens:
        raise InvalidValueError(
            f"heures d'ouverture « {text} » : la fermeture ({closes:%H:%M}) doit suivre l'ouverture ({opens:%H:%M})",
            hint="Exemple : lun-ven 8h-17h.",
        )
    return OpeningHours(days, opens, closes)


def _days(text: str) -> frozenset[int] | None:
    """« lun-ven », « lun,mer,ven », « samedi », « tous les jours » → weekday numbers; None when a word is not a
    day."""
    if text in {"tous les jours", "tlj", "7j/7"}:
        return frozenset(range(7))
    text = re.sub(r"^du\s+(\w+)\s+au\s+(\w+)$", r"\1-\2", text)  # « du lundi au vendredi »
    found: set[int] = set()
    for part in re.split(r"\s*[,;/]\s*|\s+et\s+", text):
        ends = [p.strip() for p in re.split(r"\s*[-–à]\s*", part)]
        if not all(e in _DAY_WORDS for e in ends) or len(ends) > 2:
            return None
        first, last = _DAY_WORDS[ends[0]], _DAY_WORDS[ends[-1]]
        found.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)])
    return frozenset(found)
