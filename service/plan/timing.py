"""When a shift's visits may start: appointments (a time or a range, required), opening hours (optional windows),
the break (at mid-shift or from a time asked), and the schedule that times each team's stops with their waits.

The solver works in *working* minutes (the break left out); :class:`Timing` maps each window to them so that it
holds whether the break falls before the visit or after it, and :func:`schedule` puts the break back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from service.errors import InvalidValueError, NotFoundError
from service.hours import OpeningHours, parse_opening_hours
from service.numbers import NARROW, french_number
from service.plan.model import MODE_LABELS, ShiftRequest, Stop, appointment_time_words
from service.plan.solve import WINDOW_SLACK_MIN, Instance, Route
from service.settings import Settings

CRS = "EPSG:31370"


def _fr(value: float, digits: int = 0) -> str:
    return french_number(value, digits, group=NARROW)


@dataclass(frozen=True)
class Timing:
    """The shift's appointments as the solver and the schedule see them: ``early`` and ``late`` bound when each
    candidate's visit may start, in minutes from the start (equal for a set time; NaN: no window); ``mid`` is the
    working minute from which the pause is due."""

    early: np.ndarray
    late: np.ndarray
    mid: float
    pause: float
    required: np.ndarray  # bool: the appointments (the other windows are opening hours: a visit there is optional)
    #: the candidates with several windows (a company closed at noon), in order; the first is ``early``/``late``
    choices: dict[int, tuple[tuple[float, float], ...]] = field(default_factory=dict)

    @property
    def windowed(self) -> np.ndarray:
        """Which candidates have a window (an appointment or opening hours)."""
        return np.asarray(np.isfinite(self.early), dtype=bool)

    def after_pause(self, c: int, k: int = 0) -> bool:
        """Whether the window ``k`` of ``c`` is wholly after the pause (which the team then takes before it)."""
        early = self.choices[c][k][0] if c in self.choices else float(self.early[c])
        return bool(self.pause) and early >= self.mid + self.pause

    def windows(self) -> dict[str, Any]:
        """The solver's windows in working minutes (the pause not counted): a window after the pause comes that much
        sooner in working time; one across it ends that much sooner, so that it holds whether the pause was taken
        before it or not."""
        windowed = self.windowed
        if not windowed.any():
            return {"early": None, "late": None, "required": None}
        early, late = self._working(np.where(windowed, self.early, 0.0), np.where(windowed, self.late, np.inf))
        choices = {}
        for c, spans in self.choices.items():
            firsts, lasts = self._working(np.array([a for a, _ in spans]), np.array([b for _, b in spans]))
            choices[c] = tuple(zip(firsts.tolist(), lasts.tolist(), strict=True))
        return {"early": early, "late": late, "required": self.required, "choices": choices or None}

    def _working(self, early: np.ndarray, late: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Windows from the start's minutes to working minutes (see :meth:`windows`)."""
        if not self.pause:
            return early, late
        after = early >= self.mid + self.pause
        across = ~after & (late >= self.mid)
        return np.where(after, early - self.pause, early), np.where(after | across, late - self.pause, late)

    def words(self, c: int, starts_at: pd.Timestamp) -> str:
        """« à 10:30 » or « entre 10:00 et 11:00 »."""
        first = starts_at + pd.Timedelta(minutes=float(self.early[c]))
        return appointment_time_words(first, starts_at + pd.Timedelta(minutes=float(self.late[c])))


def shift_timing(
    candidates: gpd.GeoDataFrame,
    request: ShiftRequest,
    starts_at: pd.Timestamp,
    working: float,
    opening: dict[int, list[tuple[float, float]]] | None = None,
) -> Timing:
    """Where each appointment falls in the shift, and the ``opening`` windows of the places checked during their
    business hours (candidate → minutes from the start); a French error names an appointment at an unknown site or
    outside the shift. The pause is due at half of the working time or from the time asked, or after an appointment
    that would fall inside it."""
    early = np.full(len(candidates), np.nan)
    late = np.full(len(candidates), np.nan)
    choices: dict[int, tuple[tuple[float, float], ...]] = {}
    for c, spans in (opening or {}).items():
        early[c], late[c] = spans[0]
        if len(spans) > 1:
            choices[c] = tuple(spans)
    rows = {site: i for i, site in enumerate(candidates["site_id"])}
    unknown = [a.site_id for a in request.appointments if a.site_id not in rows]
    if unknown:
        raise NotFoundError(
            f"Rendez-vous à un site qui n'est pas à visiter : {', '.join(unknown)}.",
            hint="Prenez le numéro sur la carte ou dans la liste des sites (PS-…, AX-…, SIG-…, SUIVI-…, PER-…) ; "
            "un signalement clôturé ou un suivi déjà fait ne se visite plus.",
        )
    ends = starts_at + pd.Timedelta(minutes=request.budget_minutes)
    for appointment in request.appointments:
        at = _local(appointment.at, starts_at)
        until = _local(appointment.until, starts_at) if appointment.until is not None else at
        if not starts_at <= at < ends:
            raise InvalidValueError(
                f"Rendez-vous {appointment.site_id} à {at:%H:%M} le {at:%d/%m} : hors de la tournée "
                f"({starts_at:%d/%m %H:%M} – {ends:%H:%M}).",
                hint="Changez l'heure du rendez-vous, ou le début ou la durée de la tournée.",
            )
        c = rows[appointment.site_id]
        early[c], late[c] = _minutes_into(at, starts_at), min(_minutes_into(until, starts_at), request.budget_minutes)
        choices.pop(c, None)
    mid, pause = working / 2, request.pause_minutes
    if request.pause_at is not None:
        mid = _minutes_into(request.pause_at, starts_at)
        if not 0 <= mid <= request.budget_minutes - pause:
            raise InvalidValueError(
                f"Pause de {_fr(pause)} min vers {_local(request.pause_at, starts_at):%H:%M} : elle doit tenir dans la "
                f"tournée ({starts_at:%H:%M} – {ends:%H:%M}).",
                hint="Donnez une heure de pause plus tôt, ou aucune (elle se prend alors à mi-tournée).",
            )
    service = candidates["service_min"].to_numpy(dtype=float)
    required = np.zeros(len(candidates), dtype=bool)
    required[[rows[a.site_id] for a in request.appointments]] = True
    for c in np.argsort(early)[: int(np.isfinite(early).sum())] if pause else ():
        if required[c] and early[c] < mid + pause and late[c] >= mid and late[c] - pause < early[c]:
            mid = float(late[c] + service[c])  # the pause would cut into it: taken after it
    return Timing(early=early, late=late, mid=mid, pause=pause, required=required, choices=choices)


#: Kinds of site visited only when the place is open (a company under a permit), during ``plan_permit_hours``.
OPEN_HOURS_KINDS = ("permis",)


def permit_hours(settings: Settings) -> OpeningHours:
    """The business hours of the settings, or a French error naming the setting to correct."""
    try:
        return parse_opening_hours(settings.plan_permit_hours)
    except InvalidValueError as error:
        raise InvalidValueError(f"HOTSPOTS_PLAN_PERMIT_HOURS : {error.message}", hint=error.hint) from None


def opening_windows(
    candidates: gpd.GeoDataFrame,
    excluded: pd.DataFrame,
    settings: Settings,
    starts_at: pd.Timestamp,
    request: ShiftRequest,
    forced: frozenset[str],
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, dict[int, list[tuple[float, float]]]]:
    """The places checked in their business hours (permits: their own from the register, else the service's) get
    the windows of the shift when they are open (two for a company closed at noon), and leave the candidates, with
    the reason, when they are closed all through it (a night, Sunday or public holiday's shift); an appointment
    there stands instead (a meeting booked with the company)."""
    default = permit_hours(settings)
    opening: dict[int, list[tuple[float, float]]] = {}
    closed: list[dict[str, Any]] = []
    keep = np.ones(len(candidates), dtype=bool)
    rows = candidates.to_dict("records")
    for i, row in enumerate(rows):
        if row["kind"] not in OPEN_HOURS_KINDS or row["site_id"] in forced:
            continue
        own = isinstance(row["hours"], str) and bool(row["hours"])
        hours = parse_opening_hours(row["hours"]) if own else default
        windows = hours.windows(starts_at, request.budget_minutes, float(row["service_min"]))
        if not windows:
            keep[i] = False
            whose = "les siennes, au registre des permis" if own else "réglage HOTSPOTS_PLAN_PERMIT_HOURS"
            holidays = hours.closed_holidays(starts_at, request.budget_minutes)
            closings = hours.closings_during(starts_at, request.budget_minutes)
            causes = ([f"{', '.join(holidays)}, jour férié"] if holidays else []) + closings
            why = f" ({', '.join(causes)})" if causes else ""
            reason = (
                f"fermé pendant la tournée{why} : contrôles aux heures d'ouverture ({hours.words()}, {whose}), ou sur "
                "rendez-vous (--rdv)"
            )
            # counted together: each company its own dates, one motive
            motive = (
                "fermé(s) pendant la tournée (jours de fermeture de l'entreprise)"
                if closings
                else f"fermé(s) pendant la tournée{why}"
            )
            closed.append(
                {
                    "site_id": row["site_id"],
                    "kind": row["kind"],
                    "label": row["label"],
                    "reason": reason,
                    "motive": motive,
                }
            )
        else:
            opening[int(keep[:i].sum())] = windows
    if not closed:
        return candidates, excluded, opening
    kept = gpd.GeoDataFrame(candidates[keep].reset_index(drop=True), geometry="geometry", crs=CRS)
    frames = [f for f in (excluded, pd.DataFrame(closed)) if len(f)]
    return kept, pd.concat(frames, ignore_index=True), opening


def _local(at: datetime, starts_at: pd.Timestamp) -> pd.Timestamp:
    """``at`` in the shift's time zone (a naive time is taken as written there)."""
    stamp = pd.Timestamp(at)
    return stamp.tz_localize(starts_at.tz) if stamp.tzinfo is None else stamp.tz_convert(starts_at.tz)


def _minutes_into(at: datetime, starts_at: pd.Timestamp) -> float:
    """Minutes from the shift's start to ``at``."""
    return float((_local(at, starts_at) - starts_at).total_seconds() / 60)


def schedule(inst: Instance, routes: list[Route], starts_at: pd.Timestamp, timing: Timing) -> Schedule:
    """Each team's stops with their times. With a pause (the solver's budget is the shift without it), each
    team takes it once: after the first stop that ends at or past ``timing.mid`` of its working time, or before a
    window wholly after it (a team whose first stop has such a window rests on arrival there: ``pause_before``);
    the times after it move by the pause, and the shift still ends in time. A team early at a window (an
    appointment, a company not yet open) waits there.
    ``working`` is each team's minutes of travel, waiting and visits, which the solver's budget bounds; ``spans``
    adds the pause."""
    stops: list[Stop] = []
    working: list[float] = []
    spans: list[float] = []
    pause = timing.pause
    for team, route in enumerate(routes, start=1):
        w, here, rest = 0.0, inst.start, 0.0
        team_stops: list[Stop] = []
        for order, (c, rev) in enumerate(route, start=1):
            a, b = inst.ends(c, rev)
            travel = float(inst.travel[here, a])
            w += travel
            wait, meeting, before = 0.0, None, 0.0
            if inst.early is not None and timing.windowed[c]:
                if not rest and timing.after_pause(c, inst.window_at(c, w)):
                    if team_stops:
                        team_stops[-1].pause_after = pause
                    else:  # nothing before it: the team rests on arrival there
                        before = pause
                    rest = pause
                wait = inst.visit_start(c, w) - w
                w += wait
                if timing.required[c]:
                    meeting = starts_at + pd.Timedelta(minutes=float(timing.early[c]))
            arrival = (starts_at + pd.Timedelta(minutes=w + rest)).round("s")
            w += float(inst.service[c])
            stop = Stop(
                team,
                order,
                c,
                rev,
                arrival,
                (starts_at + pd.Timedelta(minutes=w + rest)).round("s"),
                travel,
                float(inst.service[c]),
                float(inst.value[c]),
                wait_min=wait,
                pause_before=before,
                appointment=meeting,
                appointment_until=(
                    starts_at + pd.Timedelta(minutes=float(timing.late[c]))
                    if meeting is not None and timing.late[c] > timing.early[c]
                    else None
                ),
            )
            team_stops.append(stop)
            if pause and not rest and w >= timing.mid:
                stop.pause_after = rest = pause
            here = b
        stops += team_stops
        total = w + float(inst.travel[here, inst.end]) if route else 0.0
        working.append(total)
        spans.append(total + rest)
    return Schedule(stops, working, spans)


@dataclass
class Schedule:
    """The stops with their times, and each team's minutes without and with its pause."""

    stops: list[Stop]
    working: list[float]
    spans: list[float]


def appointment_words(candidates: gpd.GeoDataFrame, c: int, timing: Timing, starts_at: pd.Timestamp) -> str:
    """« PS-0003 (Voie Bizet 9, 4100 Seraing) à 10:30 », as a refusal names an appointment."""
    return f"{candidates['site_id'].iloc[c]} ({candidates['label'].iloc[c]}) {timing.words(c, starts_at)}"


def check_appointments(
    inst: Instance, candidates: gpd.GeoDataFrame, timing: Timing, starts_at: pd.Timestamp, request: ShiftRequest
) -> None:
    """Each appointment alone must be reachable from the start in time, and leave time to visit and come back."""
    for c in np.flatnonzero(timing.required):
        if inst.alone_minutes(int(c)) <= inst.budget:  # inf when the appointment cannot be reached in time
            continue
        what = appointment_words(candidates, int(c), timing, starts_at)
        going = float(min(inst.travel[inst.start, inst.entry[c]], inst.travel[inst.start, inst.exit[c]]))
        if inst.late is not None and going > inst.late[c] + WINDOW_SLACK_MIN:
            reason = f"il faut {_fr(going)} min {MODE_LABELS[request.mode]} pour y aller depuis le départ"
            hint = "Commencez la tournée plus tôt ou fixez le rendez-vous plus tard."
        else:
            ends = starts_at + pd.Timedelta(minutes=request.budget_minutes)
            reason = f"la visite et le retour ne tiennent plus dans la tournée (fin à {ends:%H:%M})"
            hint = "Allongez la tournée ou fixez le rendez-vous plus tôt."
        raise InvalidValueError(f"Rendez-vous impossible : {what} — {reason}.", hint=hint)


def all_appointments_kept(
    inst: Instance,
    routes: list[Route],
    candidates: gpd.GeoDataFrame,
    timing: Timing,
    starts_at: pd.Timestamp,
    teams: int,
) -> None:
    """The appointments possible one by one may still clash (two at the same hour for one team): say which."""
    kept = {c for route in routes for c, _ in route}
    missed = [int(c) for c in np.flatnonzero(timing.required) if int(c) not in kept]
    if missed:
        names = ", ".join(appointment_words(candidates, c, timing, starts_at) for c in missed)
        cannot = "ne peuvent pas être tenus" if len(missed) > 1 else "ne peut pas être tenu"
        raise InvalidValueError(
            f"Les rendez-vous ne tiennent pas tous dans la tournée avec {teams} équipe{'s' if teams > 1 else ''} : "
            f"{names} {cannot} en même temps que les autres.",
            hint="Ajoutez une équipe (--equipes), écartez les rendez-vous dans le temps ou allongez la tournée.",
        )
