"""What a shift plan is made of: the request, the candidate sites, and the plan with its stops.

Candidates travel as a GeoDataFrame in EPSG:31370 with the columns of :data:`CANDIDATE_COLUMNS`; the geometry is
the site's representative point (for an axis, a point on the street), ``entry`` and ``exit`` are where a visit
starts and ends (the two ends of an axis; the point itself otherwise) and ``line`` is the street walked along an
axis.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd

from service.errors import InvalidValueError
from service.numbers import french_number
from service.plan.modes import Mode, check_mode
from service.text import counted

#: How a team travels, as a sentence says it ("2 équipes en voiture").
MODE_LABELS: dict[Mode, str] = {"voiture": "en voiture", "velo": "à vélo", "pied": "à pied"}

#: Why a site that would fit alone was left out of a full shift: said once above the list of sites left out (each
#: site's own reason says how many minutes it would take and how many are left).
LEFT_OUT_WHY = "les sites retenus valent plus pour le temps qu'ils prennent"


def left_out_why(reasons: Iterable[str]) -> str | None:
    """The sentence said once above sites left out of a full shift, or None when none was left out for time
    (only sites too far or closed)."""
    full = any(str(r).startswith("durée épuisée") for r in reasons)
    return f"Durée épuisée : {LEFT_OUT_WHY}." if full else None


#: Kinds of site, with the label a person reads.
KIND_LABELS = {
    "point_sensible": "Point sensible",
    "axe": "Axe problématique",
    "signalement": "Signalement à vérifier",
    "suivi": "Suivi à faire",
    "permis": "Contrôle de permis",
}
#: States a site must have to be proposed, unless the planner asks for others.
DEFAULT_STATES = ("nouveau", "actif", "reouvert")
STATE_LABELS = {
    "nouveau": "Nouveau",
    "actif": "Actif",
    "surveille": "Surveillé",
    "resolu": "Résolu",
    "reouvert": "Réouvert",
}

CANDIDATE_COLUMNS = [
    "site_id",  # PS-0001, AX-0003, SIG-123, SUIVI-45…
    "kind",  # a key of KIND_LABELS
    "label",  # the place as an officer names it (nearest official address, street)
    "commune",
    "postcode",
    "postcodes",  # the postal sectors an axis runs through (a place filter takes any); None: its postcode alone
    "category",  # main category code (None for a mix)
    "categories",  # {code: count}
    "state",  # lifecycle state (points and axes), report status…
    "value",  # on one scale for every kind (service.plan.value)
    "components",  # {factor: value}: the value is their product
    "reason",  # why, in words
    "service_min",  # time on site (an axis: walking it)
    "n_reports",
    "trend",
    "last_report",
    "last_visit",
    "last_outcome",
    "length_m",  # axes: street length walked
    "entry",  # shapely Point (EPSG:31370)
    "exit",
    "line",  # shapely LineString or None
    "geometry",
    "skip",  # a reason to leave the site out before solving (e.g. an axis whose reports are all in a point)
    "hours",  # opening hours of a place checked while open (« lun-ven 07:00-16:00 »; None: the service's)
]


@dataclass(frozen=True)
class Filters:
    """Which sites a shift may take. Empty tuples mean "no restriction"."""

    categories: tuple[str, ...] = ()
    places: tuple[str, ...] = ()  # communes, sections or postcodes
    states: tuple[str, ...] = DEFAULT_STATES
    kinds: tuple[str, ...] = ("point_sensible", "axe", "signalement", "suivi")
    not_visited_since: datetime | None = None
    min_value: float | None = None

    def describe(self, labels: dict[str, str] | None = None) -> str:
        """The filters in French, for messages ("aucun site pour : …")."""
        labels = labels or {}
        parts = []
        if self.categories:
            parts.append("catégorie " + " ou ".join(labels.get(c, c) for c in self.categories))
        if self.places:
            parts.append("lieu " + " ou ".join(self.places))
        parts.append("état " + ", ".join(STATE_LABELS.get(s, s).lower() for s in self.states))
        parts.append("types " + ", ".join(KIND_LABELS.get(k, k).lower() for k in self.kinds))
        if self.not_visited_since:
            parts.append(f"pas visité depuis le {self.not_visited_since:%d/%m/%Y}")
        if self.min_value is not None:
            parts.append(f"priorité d'au moins {self.min_value:g}")
        return " ; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """The filters with the French keys of the API and the stored plan."""
        return {
            "categories": list(self.categories),
            "lieux": list(self.places),
            "etats": list(self.states),
            "types": list(self.kinds),
            "non_visite_depuis": self.not_visited_since.isoformat() if self.not_visited_since else None,
            "priorite_min": self.min_value,
        }


@dataclass(frozen=True)
class Place:
    """A start or end of a shift, in Lambert 72, with how it was found."""

    label: str
    x: float
    y: float


@dataclass(frozen=True)
class Appointment:
    """A site the shift must visit at a set time: an owner met at an unhealthy building, a company's manager, a
    complainant who will show the place. The team is there at that time (waiting if early), whatever its value."""

    site_id: str
    at: datetime
    until: datetime | None = None  # a time range (« entre 10h et 11h »): the visit starts in it


@dataclass(frozen=True)
class ShiftRequest:
    """A shift to plan: when, how long, from and to where, how, how many teams, which sites."""

    starts_at: datetime
    budget_minutes: float
    start: str | None = None  # an address or coordinates; None: the station of the settings
    end: str | None = None  # None: back to the start
    mode: Mode = "voiture"
    teams: int = 1
    filters: Filters = field(default_factory=Filters)
    seed: int = 1
    time_limit_s: float | None = None  # None: the settings' plan_solver_seconds
    created_by: str = "cli"
    pause_minutes: float = 0.0  # a break each team takes once, at mid-shift (within the duration)…
    pause_at: datetime | None = None  # …or from this time on (lunch « vers 12h »)
    appointments: tuple[Appointment, ...] = ()

    def __post_init__(self) -> None:
        if self.pause_minutes < 0 or self.pause_minutes >= self.budget_minutes:
            raise InvalidValueError(
                f"pause de {self.pause_minutes:g} min pour une tournée de {self.budget_minutes:g} min : elle doit "
                "être plus courte que la tournée",
                hint="Exemple : --duree 7h30 --pause 30min",
            )
        if self.budget_minutes <= 0:
            raise InvalidValueError(
                f"durée de tournée de {self.budget_minutes:g} min : elle doit être positive", hint="Exemple : 4h"
            )
        if self.budget_minutes > 24 * 60:
            raise InvalidValueError(
                f"durée de tournée de {french_number(self.budget_minutes / 60, 1)} h : au plus 24 h",
                hint="Exemple : 4h ou 3h30",
            )
        if not 1 <= self.teams <= 20:
            raise InvalidValueError(f"{counted(self.teams, 'équipe')} : entre 1 et 20", hint="Exemple : --equipes 2")
        check_mode(self.mode)
        if self.pause_at is not None and not self.pause_minutes:
            raise InvalidValueError(
                f"pause vers {self.pause_at:%H:%M} sans durée de pause", hint="Exemple : --pause 30min --pause-vers 12h"
            )
        seen = [a.site_id for a in self.appointments]
        twice = sorted({site for site in seen if seen.count(site) > 1})
        if twice:
            raise InvalidValueError(
                f"deux rendez-vous au même site : {', '.join(twice)}",
                hint="Un seul rendez-vous par site et par tournée.",
            )


_DURATION = re.compile(r"^\s*(?:(\d+(?:[.,]\d+)?)\s*h)?\s*(?:(\d+)\s*(?:min|m)?)?\s*$", re.IGNORECASE)


def parse_duration(text: str, *, what: str = "durée") -> float:
    """``"4h"``, ``"3h30"``, ``"90min"``, ``"2,5h"`` or ``"150"`` (minutes) → minutes; ``what`` names the value in
    the refusal (« pause illisible »)."""
    match = _DURATION.match(text or "")
    if not match or not (match.group(1) or match.group(2)):
        raise InvalidValueError(
            f"{what} illisible : « {text} »", hint="Écrivez par exemple 4h, 3h30, 90min ou 150 (minutes)."
        )
    hours = float(match.group(1).replace(",", ".")) if match.group(1) else 0.0
    minutes = float(match.group(2)) if match.group(2) else 0.0
    return hours * 60 + minutes


_DAY_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%d/%m/%y %H:%M", "%Y-%m-%d", "%d/%m/%Y")
#: Words for a day relative to today, as typed before a time (« demain 8h »).
_DAY_WORDS = {"aujourd'hui": 0, "aujourd’hui": 0, "auj": 0, "demain": 1, "après-demain": 2, "apres-demain": 2}


def _hour_minutes(text: str) -> str:
    """« 8h », « 8 h 30 », « 14h30 », « 8u15 », « 8:00 » written as ``08:00``: how a start time is typed."""
    return re.sub(
        r"\b(\d{1,2}) ?[h:u] ?(\d{2})?\b", lambda m: f"{int(m.group(1)):02d}:{m.group(2) or '00'}", text
    ).strip()


def parse_start_time(
    text: str | None,
    timezone: str,
    *,
    now: datetime | None = None,
    what: str = "début de tournée",
    day_starts: int = 8,
) -> datetime:
    """``"2026-12-02 08:00"``, ``"02/12/2026 8h"``, ``"demain 8h"``, ``"14h30"`` or None (the next quarter hour);
    ``what`` names the value in the error (the same forms serve the "not visited since" date). A time without a
    day is today's, or tomorrow's when it is more than an hour past (« 8h » typed in the evening); a day without a
    time starts at ``day_starts`` o'clock (8:00 for a shift, midnight for the « not visited since » day)."""
    zone = ZoneInfo(timezone)
    now = (now or datetime.now(zone)).astimezone(zone)
    if not text:
        return now.replace(second=0, microsecond=0) + timedelta(minutes=15 - now.minute % 15)
    cleaned = re.sub(r"\s+", " ", text.strip().lower())
    offset = next((n for word, n in _DAY_WORDS.items() if cleaned.startswith(word)), None)
    if offset is not None:
        cleaned = cleaned.split(" ", 1)[1].strip(" ,à") if " " in cleaned else f"{day_starts:02d}:00"
    cleaned = _hour_minutes(cleaned)
    for fmt in _DAY_FORMATS if offset is None else ():
        try:
            read = datetime.strptime(cleaned, fmt).replace(tzinfo=zone)
        except ValueError:
            continue
        return read if "%H" in fmt else read.replace(hour=day_starts)  # a day alone: when the service's day starts
    match = re.fullmatch(r"(\d{2}):(\d{2})", cleaned)
    if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        at = now.replace(hour=int(match.group(1)), minute=int(match.group(2)), second=0, microsecond=0)
        if offset is None and at < now - timedelta(hours=1):
            offset = 1
        return at + timedelta(days=offset or 0)
    raise InvalidValueError(
        f"{what} illisible : « {text} »",
        hint="Écrivez par exemple 2026-12-02 08:00, 02/12/2026 8h00, demain 8h ou 14h30.",
    )


_SITE_ID = re.compile(r"^\s*([A-Za-z]+)\s*-?\s*(\d+)\s*(?:@|à|a|\s)\s*(.+?)\s*$", re.IGNORECASE)


#: The time part of an appointment: « 10h30 », or a range « entre 10h et 11h », « de 9h à 11h », « 9h-11h ».
_RANGE = re.compile(
    r"(?:(?:entre|de)\s+)?(\d{1,2}\s*[h:u]\s*(?:\d{2})?|\d{1,2}:\d{2})(?:\s*(?:-|–|à|a|et)\s*(.+))?", re.IGNORECASE
)


def time_in_shift(text: str, starts_at: datetime) -> datetime | None:
    """« 10h30 », « 9:15 », « 14h » on the shift's day (a time before the start falls on the next day: a night
    shift); None when it is not a time of day."""
    clock = re.fullmatch(r"(\d{2}):(\d{2})", _hour_minutes(text.strip().lower()))
    if not clock or int(clock.group(1)) > 23 or int(clock.group(2)) > 59:
        return None
    at = starts_at.replace(hour=int(clock.group(1)), minute=int(clock.group(2)), second=0, microsecond=0)
    return at if at >= starts_at else at + timedelta(days=1)


def parse_pause_at(text: str | None, starts_at: datetime) -> datetime | None:
    """The time from which the break is due (« 12h »), None when not given; a French error when unreadable."""
    if not text or not text.strip():
        return None
    at = time_in_shift(text, starts_at)
    if at is None:
        raise InvalidValueError(f"heure de pause illisible : « {text} »", hint="Écrivez par exemple 12h ou 12:30.")
    return at


def appointment_time_words(at: datetime, until: datetime | None = None) -> str:
    """« à 10:30 », or « entre 10:00 et 11:00 » for a range: how a sentence says an appointment's time."""
    return f"entre {at:%H:%M} et {until:%H:%M}" if until is not None and until != at else f"à {at:%H:%M}"


def parse_appointments(text: str | None, starts_at: datetime) -> tuple[Appointment, ...]:
    """« PS-0003 10h30 », « AX-0002 à 14h », « SIG-12@9:15 », « PER-4 entre 9h et 11h », several separated by « ; »
    or « , » → appointments on the shift's day (see :func:`time_in_shift`). A French error names what could not be
    read."""
    found = []
    for part in re.split(r"[;,\n]", text or ""):
        if not part.strip():
            continue
        match = _SITE_ID.match(part)
        times = _RANGE.fullmatch(match.group(3).strip()) if match else None
        at = time_in_shift(times.group(1), starts_at) if times else None
        until = time_in_shift(times.group(2), at) if times and at and times.group(2) else None
        ranged = bool(times and times.group(2))
        if not match or at is None or (ranged and (until is None or until - at > timedelta(hours=12))):
            raise InvalidValueError(
                f"rendez-vous illisible : « {part.strip()} »",
                hint="Écrivez le numéro du site puis l'heure, par exemple « PS-0003 10h30 », « AX-0002 à 14h » ou « "
                "PER-12 entre 9h et 11h ».",
            )
        prefix, number = match.group(1).upper(), match.group(2)
        site_id = f"{prefix}-{int(number):04d}" if prefix in {"PS", "AX"} else f"{prefix}-{int(number)}"
        found.append(Appointment(site_id, at, until))
    return tuple(found)


def since_date(text: str | None, timezone: str) -> datetime | None:
    """The "not visited since" day of a filter (``2026-11-15``, ``15/11/2026``), None when not given; a French
    error naming the filter when unreadable."""
    if not text or not text.strip():
        return None
    try:
        return parse_start_time(text, timezone, what="date « pas visité depuis »", day_starts=0)
    except InvalidValueError as error:
        raise InvalidValueError(error.message, hint="Écrivez par exemple 2026-11-15 ou 15/11/2026.") from None


def empty_candidates() -> gpd.GeoDataFrame:
    """A candidate frame with no row (and every column)."""
    return gpd.GeoDataFrame({c: [] for c in CANDIDATE_COLUMNS}, geometry="geometry", crs="EPSG:31370")


@dataclass
class Stop:
    """One visit of a team's route."""

    team: int
    order: int
    candidate: int  # row of the candidate frame
    reverse: bool  # an axis walked from its exit to its entry
    arrival: pd.Timestamp
    departure: pd.Timestamp
    travel_min: float
    service_min: float
    value: float
    pause_after: float = 0.0  # minutes of the team's break taken after this stop (0: none)
    wait_min: float = 0.0  # minutes waited on site before an appointment
    pause_before: float = 0.0  # the break taken on arrival, before the first stop's window (nothing came before)
    appointment: pd.Timestamp | None = None  # the time set with the people met there…
    appointment_until: pd.Timestamp | None = None  # …or the range (« entre 10h et 11h ») it starts


@dataclass
class Plan:
    """A planned shift: stops in visit order per team, what was left out and why, and the comparison."""

    request: ShiftRequest
    start: Place
    end: Place
    candidates: gpd.GeoDataFrame
    stops: list[Stop]
    dropped: pd.DataFrame  # site_id, kind, label, value, reason
    excluded: pd.DataFrame  # left out before solving: service.plan.candidates.EXCLUDED_COLUMNS
    routes: gpd.GeoDataFrame  # team, geometry (LineString, EPSG:31370)
    value: float
    naive_value: float
    minutes: float  # the longest team's total
    team_minutes: list[float]
    travel_source: str  # reseau, vol_oiseau, mixte
    notes: list[str]
    solver: dict[str, Any]
    plan_id: int | None = None
    stop_refs: list[str] = field(default_factory=list)
