"""Vectorised date parsing: ISO 8601 and Belgian ``25/11/2026 14:30`` forms, in the service's time zone.

Dates written out by a person (``lundi 9 mars 2026 à 14h30``, ``1er déc. 2025``, ``5 maart 2026``) are read
too: the month name is turned into its number and the value takes the Belgian path.

Each function takes a Series of strings and returns UTC timestamps plus a reason Series (``None`` where the
value is fine), so the caller can reject rows without a Python loop.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from service.ingest.source import STR
from service.settings import DEFAULT_TIMEZONE
from service.text import ascii_fold

_ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
_ISO_AWARE = r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$"
_BE = (
    r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})"
    r"(?:(?:[ T,]+|\s+[-–]\s+)(?:à\s*|um\s*|om\s*)?(?P<H>\d{1,2})\s*(?:[:hHuU.]|heures?)\s*(?P<M>\d{2})?"
    r"(?::(?P<S>\d{2})(?:[.,]\d+)?)?(?:\s*(?P<ampm>[AaPp])\.?[Mm]\.?|\s*[Uu]hr)?)?$"
)
#: What people and exports write around a date, turned into the forms above: a leading « le » (« op », « am ») or
#: weekday, the year first with slashes or dots (« 2025/03/14 »), a month's abbreviation between dashes
#: (« 14-mrt-2025 », as Excel writes it in Dutch).
_AROUND = (
    (re.compile(r"^(?:le|op|am|den)\s+", re.IGNORECASE), ""),
    # a weekday before a date in figures (« ven. 14/03/2025 », « vendredi 14/03/2025 », « Vr 14/03/2025 »)
    (
        re.compile(
            r"^(?:lun|mar|mer|jeu|ven|sam|dim|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|ma|di|wo|do|vr|za|"
            r"zo|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|mo|mi|fr|sa|so|montag|dienstag|mittwoch|"
            r"donnerstag|freitag|samstag|sonntag)\.?,?\s+(?:le\s+|den\s+)?(?=\d{1,2}[/.\-]\d)",
            re.IGNORECASE,
        ),
        "",
    ),
    (re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?=$|[ T])"), r"\3/\2/\1"),
    (re.compile(r"^(\d{1,2})[-/.]([^\W\d_]{3,})\.?[-/.](\d{4}|\d{2})(?=$|[ T,])"), r"\1 \2 \3"),
)
#: A day count of a spreadsheet (« 45730 », « 45730,38 » : a date cell formatted as a number), from 1990 to 2099:
#: said as such, never read as a date by guess.
_SPREADSHEET_DAYS = r"^(?:3[3-9]|[4-6]\d|7[0-3])\d{3}(?:[.,]\d+)?$"
ACCEPTED_FORMS = (
    "25/11/2026 14:30, 25/11/2026 14h30, 25/11/2026, 25 novembre 2026 14h30, 25.11.2026 14:30 Uhr, "
    "2026-11-25T14:30, 2026-11-25 14:30:00+01:00"
)

#: Month names and their usual abbreviations (folded: no accents), French, Dutch, German, then English where it
#: differs.
MONTHS = {
    **dict.fromkeys(("janvier", "janv", "jan", "januari", "januar", "january"), 1),
    **dict.fromkeys(("fevrier", "fevr", "fev", "februari", "feb", "februar", "february"), 2),
    **dict.fromkeys(("mars", "mar", "maart", "mrt", "marz", "mrz", "march"), 3),
    **dict.fromkeys(("avril", "avr", "april", "apr"), 4),
    **dict.fromkeys(("mai", "mei", "may"), 5),
    **dict.fromkeys(("juin", "juni", "jun", "june"), 6),
    **dict.fromkeys(("juillet", "juil", "juli", "jul", "july"), 7),
    **dict.fromkeys(("aout", "augustus", "aug", "august"), 8),
    **dict.fromkeys(("septembre", "sept", "sep", "september"), 9),
    **dict.fromkeys(("octobre", "oct", "oktober", "okt", "october"), 10),
    **dict.fromkeys(("novembre", "nov", "november"), 11),
    **dict.fromkeys(("decembre", "dec", "december", "dezember", "dez"), 12),
}
_SPELLED = re.compile(
    r"^(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|maandag|dinsdag|woensdag|donderdag|vrijdag|"
    r"zaterdag|zondag|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)\.?,?\s+)?(?:le\s+|den\s+|the\s+)?"
    r"(?P<d>\d{1,2})(?:er|e|ste|de|st|nd|rd|th|\.)?\s+(?P<mon>[^\W\d_]+)\.?\s+(?P<y>\d{4}|\d{2})"
    r"(?:\s*(?:,|à|a|om|um|-)?\s*(?P<t>\d{1,2}[:hHu]\d{0,2}(?::\d{2})?)(?:\s*uhr)?)?$",
    re.IGNORECASE,
)


def _numeric(match: re.Match[str]) -> str:
    """One written-out date (:data:`_SPELLED`) in the Belgian numeric form, or unchanged if the month is unknown."""
    month = ascii_fold(match["mon"])
    if month not in MONTHS:
        return match[0]
    time = f" {match['t'].lower().replace('u', 'h')}" if match["t"] else ""
    return f"{match['d']}/{MONTHS[month]}/{match['y']}{time}"


def _spelled_out(text: pd.Series) -> pd.Series:
    """``lundi 9 mars 2026 à 14h30`` → ``9/3/2026 14h30``; other values unchanged."""
    return text.str.replace(_SPELLED, _numeric, regex=True)


def _localise(naive: pd.Series, tz: str) -> pd.Series:
    """Brussels wall-clock → UTC. In the autumn's repeated hour the summer-time reading is kept; a time
    skipped in spring is moved forward (it was typed by a person, not a clock)."""
    if naive.empty:
        return naive.dt.tz_localize("UTC")
    ambiguous = np.ones(len(naive), dtype=bool)
    return naive.dt.tz_localize(tz, ambiguous=ambiguous, nonexistent="shift_forward").dt.tz_convert("UTC")


#: The forms exports and forms use most, parsed by Arrow in one pass: (format, exact shape, offset of the day).
#: Everything else takes the general path below.
_FAST_FORMATS = (
    ("%Y-%m-%dT%H:%M:%S", r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$", 8),
    ("%Y-%m-%dT%H:%M", r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$", 8),  # the map's visit form (datetime-local)
    ("%d/%m/%Y %H:%M", r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$", 0),
)


def _fast_path(text: pd.Series, tz: str) -> tuple[pd.Series, np.ndarray]:
    """Local wall-clock values in the commonest forms → (UTC stamps, parsed mask)."""
    arr = pa.array(text.array)
    parsed = np.zeros(len(text), dtype=bool)
    stamps = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[s]")
    for fmt, shape, day_at in _FAST_FORMATS:
        fits = pc.fill_null(pc.match_substring_regex(arr, shape), False)
        if not pc.any(fits).as_py():
            continue
        candidates = pc.if_else(fits, arr, None)
        got = pc.strptime(candidates, format=fmt, unit="s", error_is_null=True)
        # Arrow rolls "31/02" over into March: the parsed day must be the day that was written
        written_day = pc.cast(pc.utf8_slice_codeunits(candidates, day_at, day_at + 2), pa.int64())
        ok = pc.fill_null(pc.equal(pc.day(got), written_day), False).to_numpy(zero_copy_only=False) & ~parsed
        if ok.any():
            stamps[ok] = got.to_numpy(zero_copy_only=False)[ok]
            parsed |= ok
        if parsed.all():
            break
    local = pd.Series(stamps, index=text.index).astype("datetime64[ns]")
    return _localise(local, tz), parsed


#: An hour alone, as a shift sheet asks for it (« Heure ») : 17h, 17h30, 17:30, 17 h 30, 17u30.
_HOUR_ALONE = re.compile(r"^(\d{1,2})\s*(?:[hHuU:]|heures?)\s*(\d{2})?$")
#: How long before its start a shift's hour alone can fall (a visit on the way, a shift starting at midnight).
SHIFT_EARLY = pd.Timedelta(hours=6)
#: A day and month without a year, with or without an hour: 6/12, 06/12 17:30, 6.12 17h30.
_DAY_MONTH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:\s+(.+))?$")


def on_shift(values: pd.Series, starts: pd.Series) -> pd.Series:
    """Complete the dates written without their day or year from the start of the shift they belong to (local
    time, NaT where unknown): an hour alone (« 17h30 ») falls in the 24 hours from 6 hours before that start
    (« 23h30 » on a shift starting at midnight is the evening before; « 1h30 » on one starting at 22:00 the night
    after; « 20h30 » on one starting at 8:00 the same day), a day and month (« 6/12 17:30 ») in the year nearest
    it. Other values, and rows without a start, are left as written; what is completed reads « 06/12/2026 17:30 ».
    """
    out = values.astype(object).copy()
    for i in np.flatnonzero(starts.notna().to_numpy()):  # the rows of a known shift only: a few per file
        text, start = values.iloc[i], pd.Timestamp(starts.iloc[i])
        if not isinstance(text, str):
            continue
        written = text.strip()
        hour = _HOUR_ALONE.match(written)
        if hour:
            hours, minutes = int(hour[1]), int(hour[2] or 0)
            if hours > 23 or minutes > 59:
                continue  # « 25h »: left as written, refused as it is
            # the one such time in the 24 hours from SHIFT_EARLY before the start
            when, earliest = start.normalize() + pd.Timedelta(hours=hours, minutes=minutes), start - SHIFT_EARLY
            if when < earliest:
                when += pd.Timedelta(days=1)
            elif when >= earliest + pd.Timedelta(days=1):
                when -= pd.Timedelta(days=1)
            out.iloc[i] = f"{when:%d/%m/%Y %H:%M}"
            continue
        short = _DAY_MONTH.match(written)
        if short:
            day_n, month = int(short[1]), int(short[2])
            valid = [y for y in (start.year - 1, start.year, start.year + 1) if _is_day(y, month, day_n)]
            if not valid:
                continue  # « 31/02 »: left as written, refused as it is
            year = min(valid, key=lambda y: abs(pd.Timestamp(y, month, day_n) - start.normalize()))
            rest = f" {short[3].strip()}" if short[3] else ""
            out.iloc[i] = f"{day_n:02d}/{month:02d}/{year}{rest}"
    return out.astype(values.dtype)


#: A time of day in a column of its own (« Heure ») : 14:30, 14h30, 14h, 14:30:00, 14.30, 14u30.
_TIME_OF_DAY = r"^(\d{1,2})\s*(?:[hHuU:.]|heures?)\s*(\d{2})?(?:[:.]\d{2})?$"
TIME_FORMS = "14:30, 14h30, 14h, 14:30:00"


def at_time(stamps: pd.Series, times: pd.Series, *, tz: str, facts: bool = False) -> tuple[pd.Series, pd.Series]:
    """(``stamps`` with the time of day written in a column of its own, reasons). A date read at local midnight —
    a date alone, or a spreadsheet's date cell — takes the time written beside it; a date with a time of its own
    keeps it when the column says the same minute. The reason « heure illisible » marks a time written that cannot
    be read (« 25h », « matin »), « heure différente » a date whose own time is another one (which is right is
    for a person to say).

    ``facts``: the column is the facts' time (« Heure des faits ») and the date's own time another moment, the
    report's reception as registers write it. Such a date then takes the facts' time, on its day or, when that time
    comes after the date's own one, on the day before (the facts come before their report); the reason
    « heure des faits » marks these rows, which are not refused."""
    text = times.astype(STR).str.strip()
    present = (text.notna() & (text != "")).fillna(False).astype(bool)
    parts = text.str.extract(_TIME_OF_DAY)
    hours = pd.to_numeric(parts[0], errors="coerce")
    minutes = pd.to_numeric(parts[1], errors="coerce").fillna(0)
    readable = present & hours.notna() & (hours <= 23) & (minutes <= 59)
    reasons = pd.Series(None, index=times.index, dtype=object)
    reasons[(present & ~readable).to_numpy(dtype=bool)] = "heure illisible"
    local = stamps.dt.tz_convert(tz).dt.tz_localize(None)
    dated = (readable & local.notna()).fillna(False)
    midnight = dated & (local == local.dt.normalize()).fillna(False)
    other = (dated & ~midnight & (local.dt.hour * 60 + local.dt.minute != hours * 60 + minutes)).fillna(False)
    reasons[other.to_numpy(dtype=bool)] = "heure des faits" if facts else "heure différente"
    use = (midnight | other).to_numpy(dtype=bool) if facts else midnight.to_numpy(dtype=bool)
    out = stamps.copy()
    if use.any():
        wall = local[use].dt.normalize() + pd.to_timedelta(hours[use] * 60 + minutes[use], unit="min")
        later = other[use] & (wall > local[use])  # a date at midnight is a day alone: its time is that day's
        wall = wall.where(~later, wall - pd.Timedelta(days=1))
        out[use] = _localise(wall.astype("datetime64[ns]"), tz)
    return out, reasons


def needs_day(values: pd.Series) -> pd.Series:
    """True where a value is an hour alone or a day without its year: what :func:`on_shift` completes."""
    text = values.astype(STR).str.strip()
    hour = text.str.match(_HOUR_ALONE.pattern).fillna(False)
    short = text.str.match(_DAY_MONTH.pattern).fillna(False)
    return (hour | short).astype(bool)


def _is_day(year: int, month: int, day: int) -> bool:
    try:
        pd.Timestamp(year, month, day)
    except ValueError:
        return False
    return True


def parse_datetimes(values: pd.Series, *, tz: str = DEFAULT_TIMEZONE) -> tuple[pd.Series, pd.Series]:
    """Parse ``values`` (strings or None). Returns (UTC timestamps with NaT where invalid, reasons)."""
    text = values.astype(STR).str.strip()
    fast, done = _fast_path(text, tz)
    if done.all():
        return fast, pd.Series(None, index=values.index, dtype=object)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    out[done] = fast[done]
    reasons = pd.Series(None, index=values.index, dtype=object)
    present = text.notna() & (text != "") & ~done

    aware = present & text.str.match(_ISO_AWARE).fillna(False)
    if aware.any():
        parsed = pd.to_datetime(text[aware], format="ISO8601", errors="coerce", utc=True)
        out[aware] = parsed.astype("datetime64[ns, UTC]")

    naive = present & ~aware & text.str.match(_ISO_NAIVE).fillna(False)
    if naive.any():
        parsed = pd.to_datetime(text[naive].str.replace(" ", "T", n=1), format="ISO8601", errors="coerce")
        out[naive] = _localise(parsed.astype("datetime64[ns]"), tz)

    rest = present & ~aware & ~naive
    if rest.any():
        text = text.copy()
        around = text[rest]
        for pattern, replacement in _AROUND:
            around = around.str.replace(pattern, replacement, regex=True)
        text[rest] = _spelled_out(around)
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
                "hour": _hour_of_day(parts["H"].fillna("0").astype(int), parts["ampm"]),
                "minute": parts["M"].fillna("0").astype(int),
                "second": parts["S"].fillna("0").astype(int),
            }
        )
        parsed = pd.to_datetime(frame, errors="coerce")
        out[belgian] = _localise(parsed.astype("datetime64[ns]"), tz)

    recognised = aware | naive | belgian
    reasons[present & recognised & out.isna()] = "date impossible"
    reasons[present & ~recognised] = "date illisible"
    days = present & ~recognised & text.str.match(_SPREADSHEET_DAYS).fillna(False)
    reasons[days] = "date tableur"
    reasons[~present & ~done] = "date manquante"
    return out, reasons


def _hour_of_day(hours: pd.Series, ampm: pd.Series) -> pd.Series:
    """The hour on 24 hours of an hour written with AM or PM (« 09:12:00 PM », as an English-speaking Excel writes
    it): 12 AM is midnight, 12 PM noon; other hours unchanged."""
    half = ampm.fillna("").str.upper()
    hours = hours.where(~((half == "P") & (hours < 12)), hours + 12)
    return hours.where(~((half == "A") & (hours == 12)), 0)


def spreadsheet_days(label: str, values: pd.Series) -> pd.Series:
    """The refusal of a spreadsheet's day count written for a date, with the day it stands for: « date écrite en
    nombre de jours de tableur (45730 = 14/03/2025) : … ». Read, it would be a guess; said, it is fixed at once."""
    text = values.astype(STR).str.strip().str.replace(",", ".", regex=False)
    days = pd.to_numeric(text, errors="coerce")
    stands = (pd.Timestamp("1899-12-30") + pd.to_timedelta(days.where(days.between(32874, 73051)), unit="D")).dt
    said = values.astype(STR).str.strip() + " = " + stands.strftime("%d/%m/%Y").fillna("?")
    return (
        f"{label} écrite en nombre de jours de tableur (" + said + ") : donnez à la colonne le format Date dans le "
        "tableur, enregistrez, puis importez à nouveau"
    )


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Calendar dates (permits): same forms, time of day ignored. Returns (datetime64 at midnight, reasons)."""
    stamps, reasons = parse_datetimes(values, tz="UTC")
    return stamps.dt.tz_localize(None).dt.normalize(), reasons
