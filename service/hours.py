"""Opening hours of the places a team checks during their business day (companies under a permit): when a shift may
visit them. Written as people write them — « lun-ven 8h-12h, 13h-17h ; sam 9h-12h », « du lundi au vendredi
8h-17h30 », « ma-vr 8u-17u », « 8h-17h » (every day) — and closed on Belgian public holidays unless they say
otherwise (« fériés 9h-12h », or every day: « tous les jours 6h-22h »), and on the dates of their own closings
(« fermé du 20/07 au 09/08 » every year — the building trade's summer leave —, « congé du 24/12/2026 au
02/01/2027 » once). The holidays, Easter's included, come from
the ``holidays`` package (kept up to date by its community, with their French names) rather than from rules
written here."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays
import pandas as pd

from service.errors import InvalidValueError

DAYS = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
#: The key of the hours on a Belgian public holiday (0–6 are Monday to Sunday).
HOLIDAY = 7
_WEEK = frozenset(range(7))
_DAY_WORDS = {
    **{d: i for i, d in enumerate(DAYS)},
    **{w: i for i, w in enumerate(("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"))},
    **{w: i for i, w in enumerate(("ma", "di", "wo", "do", "vr", "za", "zo"))},
    **{w: i for i, w in enumerate(("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"))},
    **dict.fromkeys(("fériés", "férié", "jours fériés", "feestdagen", "feestdag"), HOLIDAY),
}
_EVERY_DAY = {"", "tous les jours", "tlj", "7j/7", "7/7", "alle dagen", "dagelijks"}
#: An opening (« 8h-12h », « de 8h30 à 17h », « 8u-17u », « van 8 tot 17u », « 07:00-18:00 ») or « fermé ».
_RANGE = re.compile(
    r"(?:\b(?:de|van)\s+)?(\d{1,2})(?:\s*[h:u]\s*(\d{2})?)?\s*(?:-|–|à|\btot\b)\s*(\d{1,2})\s*[h:u]\s*(\d{2})?"
    r"|\b(?:fermé|ferme|gesloten)\b"
)
_HINT = (
    "Écrivez par exemple « lun-ven 8h-17h », « lun-ven 8h-12h, 13h-17h ; sam 9h-12h », « lun,mer,ven 9h-17h » "
    "ou « 8h-17h » (tous les jours) ; les fermetures après les heures : « lun-ven 8h-17h ; fermé du 20/07 au 09/08 »."
)

Ranges = tuple[tuple[int, int], ...]  # (opens, closes) in minutes from midnight, in order

#: A closing over dates: « fermé du 20/07 au 09/08 », « congés du bâtiment du 19/07/2027 au 06/08/2027 », « gesloten
#: van 24/12 tot 01/01 », « fermé le 02/01 », several after one word (« fermé du 20/07 au 09/08 et du 24/12 au
#: 01/01 »).
_CLOSING_WORD = re.compile(
    r"\b(?:fermée?|ferme|fermeture(?:\s+annuelle)?|congés?(?:\s+annuels?|\s+du\s+bâtiment)?"
    r"|vacances(?:\s+annuelles|\s+du\s+bâtiment)?|gesloten|sluiting|jaarlijks\s+verlof|bouwverlof|verlof|vakantie)"
    r"\b\s*:?\s*(?=(?:du|le|les|van|op|vanaf)?\s*\d{1,2}[/.]\d{1,2})"  # a date follows: « dim fermé » is no closing
)
_DATE = r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}|\d{2})(?!\d))?"
_CLOSING_DATES = re.compile(
    rf"\s*(?:(?:,|et|en)\s*)?(?:(?:du|le|les|van|op|vanaf)\s+)?{_DATE}"
    rf"(?:\s*(?:au|-|–|tot|t/m|tot en met|jusqu'au)\s*{_DATE})?"
)
#: The year of a closing written without one (a leap year, for the 29th of February).
_ANY_YEAR = 2000


@dataclass(frozen=True)
class Closing:
    """Days a place is closed whatever its hours say, from ``first`` to ``last`` included; ``yearly`` when written
    without a year (the dates then carry the year 2000 and come back each year, across the new year too)."""

    first: date
    last: date
    yearly: bool

    def covers(self, day: date) -> bool:
        """Whether the place is closed on ``day``."""
        if not self.yearly:
            return self.first <= day <= self.last
        key, first, last = (day.month, day.day), (self.first.month, self.first.day), (self.last.month, self.last.day)
        return first <= key <= last if first <= last else key >= first or key <= last

    def words(self) -> str:
        """« fermé du 20/07 au 09/08 », « fermé le 02/01 », « fermé du 24/12/2026 au 02/01/2027 »."""
        shape = "%d/%m" if self.yearly else "%d/%m/%Y"
        if self.first == self.last:
            return f"fermé le {self.first.strftime(shape)}"
        return f"fermé du {self.first.strftime(shape)} au {self.last.strftime(shape)}"


@dataclass(frozen=True)
class OpeningHours:
    """The openings of each day (0 = Monday … 6 = Sunday, :data:`HOLIDAY` = a public holiday, whatever its weekday);
    a day left out is closed; and the :class:`Closing` s over dates (a company's annual leave)."""

    openings: Mapping[int, Ranges]
    closings: tuple[Closing, ...] = ()

    @property
    def days(self) -> frozenset[int]:
        """The weekdays it opens (0 = Monday)."""
        return frozenset(d for d in self.openings if d != HOLIDAY)

    def words(self) -> str:
        """« lun-ven 08:00-12:00, 13:00-17:00 et sam 09:00-12:00 », as the sheet and a refusal say it (read back the
        same by :func:`parse_opening_hours`; no semicolon, which joins the parts of a « Pourquoi »)."""
        return " et ".join([self._hours_words(), *(c.words() for c in self.closings)])

    def _hours_words(self) -> str:
        if set(self.openings) == _WEEK | {HOLIDAY} and len(set(self.openings.values())) == 1:
            return f"tous les jours {_ranges_words(self.openings[0])}"
        groups: dict[Ranges, list[int]] = {}
        for day in sorted(self.days):
            groups.setdefault(self.openings[day], []).append(day)
        parts = [f"{_days_words(days)} {_ranges_words(ranges)}" for ranges, days in groups.items()]
        if HOLIDAY in self.openings:
            parts.append(f"fériés {_ranges_words(self.openings[HOLIDAY])}")
        return " et ".join(parts)

    def is_open(self, start: pd.Timestamp, end: pd.Timestamp) -> bool:
        """Whether the place is open all the time from ``start`` to ``end`` (within one opening)."""
        return any(opens <= start and end <= closes for opens, closes in self._between(start, end))

    def windows(self, starts_at: pd.Timestamp, minutes: float, service: float) -> list[tuple[float, float]]:
        """The openings of the shift (``minutes`` long from ``starts_at``) in which a visit of ``service`` minutes
        fits, in order: minutes from ``starts_at`` between which it may start and still end by closing — the
        morning and the afternoon of a place closed at noon. A window's end is the closing's, not the shift's (the
        plan's budget bounds that). Empty when no visit fits in the shift while the place is open."""
        ends = starts_at + pd.Timedelta(minutes=minutes)
        visit = pd.Timedelta(minutes=service)
        found = []
        for opens, closes in self._between(starts_at, ends):
            first, last = max(opens, starts_at), closes - visit
            if first <= min(last, ends - visit):
                found.append(((first - starts_at).total_seconds() / 60, (last - starts_at).total_seconds() / 60))
        return found

    def closed_holidays(self, starts_at: pd.Timestamp, minutes: float) -> list[str]:
        """The public holidays during the shift on which the place is closed although open on that weekday
        (« Fête nationale »): why a usual working day finds it closed."""
        names = []
        for day in _days_of(starts_at, starts_at + pd.Timedelta(minutes=minutes)):
            name = holiday_name(day)
            if name and day.weekday() in self.openings and HOLIDAY not in self.openings:
                names.append(name)
        return names

    def closings_during(self, starts_at: pd.Timestamp, minutes: float) -> list[str]:
        """The closings over dates that fall in the shift (« fermé du 20/07 au 09/08 »): why a usual working day
        finds the place closed."""
        days = [day.date() for day in _days_of(starts_at, starts_at + pd.Timedelta(minutes=minutes))]
        return [c.words() for c in self.closings if any(c.covers(day) for day in days)]

    def _between(self, starts_at: pd.Timestamp, ends: pd.Timestamp) -> Iterator[tuple[pd.Timestamp, pd.Timestamp]]:
        """The openings (from, to) of the days from ``starts_at`` to ``ends``, a holiday's instead of its weekday's."""
        for day in _days_of(starts_at, ends):
            if any(c.covers(day.date()) for c in self.closings):
                continue
            key = HOLIDAY if holiday_name(day) else day.weekday()
            for opens, closes in self.openings.get(key, ()):
                yield day + pd.Timedelta(minutes=opens), day + pd.Timedelta(minutes=closes)


def _days_of(starts_at: pd.Timestamp, ends: pd.Timestamp) -> pd.DatetimeIndex:
    """The midnights of the days from ``starts_at`` to ``ends`` (a night shift touches two)."""
    return pd.date_range(starts_at.normalize(), ends, freq="D")


def holiday_name(day: pd.Timestamp) -> str | None:
    """The name of the Belgian public holiday on ``day`` (« Noël »), None on another day."""
    return _belgium().get(day.date())


@lru_cache(maxsize=1)
def _belgium() -> holidays.HolidayBase:
    """Belgium's public holidays in French (the years are filled in as they are asked)."""
    return holidays.country_holidays("BE", language="fr")


class _UnreadableHoursError(ValueError):
    """What cannot be read in opening hours (« deux plages se chevauchent … »), without the text itself."""


def parse_opening_hours(text: str) -> OpeningHours:
    """« lun-ven 8h-12h, 13h-17h ; sam 9h-12h », « du lundi au vendredi 8h-17h30 », « ma-vr 8u-17u », « 8h-17h » →
    opening hours; a later rule replaces an earlier one for its days (« lun-sam 8h-17h ; sam 8h-12h »); « fermé »
    closes the days it follows. A French error names the text and what could not be read in it."""
    read = read_opening_hours(text)
    if isinstance(read, str):
        raise InvalidValueError(f"heures d'ouverture « {text} » : {read}", hint=_HINT)
    return read


def read_opening_hours(text: str) -> OpeningHours | str:
    """The opening hours of ``text``, or what cannot be read in it (« illisibles », « deux plages se chevauchent
    … »): a register's row is kept or refused with that reason from one reading."""
    try:
        return _parse(text)
    except _UnreadableHoursError as problem:
        return str(problem)


def _parse(text: str) -> OpeningHours:
    cleaned, closings = _closings(text.strip().lower())
    if closings and not _RANGE.search(cleaned):
        raise _UnreadableHoursError(
            "des dates de fermeture sans heures d'ouverture (écrivez-les après les heures : « lun-ven 8h-17h ; "
            "fermé du 20/07 au 09/08 »)"
        )
    rules: list[tuple[str, list[tuple[int, int]]]] = []
    position = 0
    for match in _RANGE.finditer(cleaned):
        between = cleaned[position : match.start()]
        if not rules or _words(between):  # days start a new rule; a comma or « et » goes on with the same days
            rules.append((_words(between), []))
        if match.group(1) is not None:
            rules[-1][1].append(_minutes(match))
        position = match.end()
    if not rules or _words(cleaned[position:]):
        raise _UnreadableHoursError("illisibles")
    openings: dict[int, Ranges] = {}
    for head, ranges in rules:
        days = _days(head)
        if days is None:
            raise _UnreadableHoursError(f"jours illisibles (« {head} »)")
        ordered = tuple(sorted(ranges))
        for (_, closes), (opens, _) in itertools.pairwise(ordered):
            if opens < closes:
                raise _UnreadableHoursError(
                    f"deux plages se chevauchent (l'une ouvre à {_clock(opens)}, avant que l'autre ferme à "
                    f"{_clock(closes)})"
                )
        for day in days:
            if ordered:
                openings[day] = ordered
            else:
                openings.pop(day, None)
    return OpeningHours(openings, closings)


def _closings(text: str) -> tuple[str, tuple[Closing, ...]]:
    """``text`` without its closings over dates (each left as a « ; »), and those closings in the order written."""
    found: list[Closing] = []
    out, position = [], 0
    for word in _CLOSING_WORD.finditer(text):
        if word.start() < position:
            continue
        out.append(re.sub(r"(?:\s*(?:[,;]|\bet|\ben))*\s*$", "", text[position : word.start()]))  # « …, et fermé »
        position = word.end()
        while (dates := _CLOSING_DATES.match(text, position)) is not None and (dates.end() > position):
            found.append(_closing(dates))
            position = dates.end()
        out.append(" ; ")
    out.append(text[position:])
    return "".join(out), tuple(found)


def _closing(match: re.Match[str]) -> Closing:
    """One closing read from « 20/07 au 09/08 », « 24/12/2026 - 02/01/2027 » or « 02/01 »."""
    first = _date(*match.group(1, 2, 3))
    last = _date(*match.group(4, 5, 6)) if match.group(4) else first
    yearly = match.group(3) is None
    if match.group(4) and (match.group(6) is None) != yearly:
        raise _UnreadableHoursError(f"« {match.group(0).strip()} » : l'année aux deux dates, ou à aucune")
    if not yearly and last < first:
        raise _UnreadableHoursError(f"« {match.group(0).strip()} » : la fin précède le début")
    return Closing(first, last, yearly)


def _date(day: str, month: str, year: str | None) -> date:
    number = _ANY_YEAR if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(number, int(month), int(day))
    except ValueError:
        written = f"{day}/{month}" + (f"/{year}" if year else "")
        raise _UnreadableHoursError(f"« {written} » n'est pas une date") from None


def _minutes(match: re.Match[str]) -> tuple[int, int]:
    """(opens, closes) in minutes from midnight; « 24h » closes at midnight."""
    minutes = [int(match.group(i) or 0) for i in (2, 4)]
    opens = int(match.group(1)) * 60 + minutes[0]
    closes = int(match.group(3)) * 60 + minutes[1]
    if max(minutes) > 59:
        raise _UnreadableHoursError(f"« {match.group(0)} » n'est pas une heure")
    if not 0 <= opens < closes <= 24 * 60:
        raise _UnreadableHoursError(
            f"la fermeture ({_clock(closes)}) doit suivre l'ouverture ({_clock(opens)}) le même jour"
        )
    return opens, closes


def _words(text: str) -> str:
    """``text`` without the punctuation and the « et » that join two openings of the same days."""
    return re.sub(r"^(?:et|en|and)\b", "", text.strip(" ,;/:.\n")).strip(" ,;/:.\n")


def _days(text: str) -> frozenset[int] | None:
    """« lun-ven », « lun,mer,ven », « samedi », « fériés », « tous les jours » or nothing (every day, holidays too)
    → day numbers; None when a word is not a day."""
    text = re.sub(r"^(?:le|les|du|op|de)\s+", "", text)
    if text in _EVERY_DAY:
        return _WEEK | {HOLIDAY}
    text = re.sub(r"^(\w+)\s+(?:au|tot)\s+(\w+)$", r"\1-\2", text)  # « lundi au vendredi », « maandag tot vrijdag »
    found: set[int] = set()
    for part in re.split(r"\s*[,;/]\s*|\s+(?:et|en)\s+", text):
        ends = [p.strip() for p in re.split(r"\s*[-–]\s*|\s+à\s+", part)]
        if not all(e in _DAY_WORDS for e in ends) or len(ends) > 2:
            return None
        first_day, last_day = _DAY_WORDS[ends[0]], _DAY_WORDS[ends[-1]]
        if HOLIDAY in (first_day, last_day):
            if first_day != last_day:
                return None
            found.add(HOLIDAY)
            continue
        span = range(first_day, last_day + 1) if first_day <= last_day else [*range(first_day, 7), *range(last_day + 1)]
        found.update(span)
    return frozenset(found)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _ranges_words(ranges: Ranges) -> str:
    return ", ".join(f"{_clock(a)}-{_clock(b)}" for a, b in ranges)


def _days_words(days: list[int]) -> str:
    """« lun-ven » for a run of three days or more, else « lun,mer,ven »."""
    if len(days) == 7:
        return "lun-dim"
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"{DAYS[days[0]]}-{DAYS[days[-1]]}"
    return ",".join(DAYS[d] for d in days)
