"""Plan one shift: resolve where it starts and ends, gather the candidates, time the travel, solve, explain.

:func:`plan_shift` is the one entry point the CLI, the API and the notebooks call; it reads the database but
writes nothing (:func:`service.plan.store.save_plan` does).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely

from service.db.vocabulary import Labels, load_labels
from service.errors import InvalidValueError, NotFoundError
from service.numbers import NARROW, french_number
from service.plan.candidates import CandidateContext, known_places, load_candidates, motives_counted
from service.plan.filters import checked_filters
from service.plan.model import MODE_LABELS, Place, Plan, ShiftRequest
from service.plan.places import AddressGeocoder, resolve_place
from service.plan.solve import Instance, Route, cheapest_insertion, naive_routes, solve_routes
from service.plan.store import StoredPlan, load_plan, save_plan
from service.plan.timing import (
    Timing,
    all_appointments_kept,
    check_appointments,
    opening_windows,
    schedule,
    shift_timing,
)
from service.plan.travel import RoadNetwork, TravelMatrix, places_box, travel_matrix
from service.settings import Settings
from service.text import counted
from service.zone import km_outside, zone_polygon

CRS = "EPSG:31370"


def _fr(value: float, digits: int = 0) -> str:
    return french_number(value, digits, group=NARROW)


def build_instance(
    candidates: gpd.GeoDataFrame, *, budget: float, teams: int, travel: TravelMatrix, timing: Timing | None = None
) -> Instance:
    """The solver's instance over the places laid out by :func:`place_coordinates` (start and end are its places
    0 and 1, already in ``travel``), with the appointments' windows of ``timing``."""
    entry, exit_ = place_indices(candidates)
    windows = timing.windows() if timing is not None else {}
    return Instance(
        travel=travel.minutes,
        start=0,
        end=1,
        entry=entry,
        exit=exit_,
        service=candidates["service_min"].to_numpy(dtype=float),
        value=candidates["value"].to_numpy(dtype=float),
        budget=float(budget),
        teams=teams,
        **windows,
    )


def place_indices(candidates: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Place index of each candidate's entry and exit: 0 and 1 are the start and end, then entries, then the
    exits of the sites whose exit differs from their entry (axes)."""
    n = len(candidates)
    entry = np.arange(2, 2 + n)
    exit_ = entry.copy()
    extra = 2 + n
    for i, (a, b) in enumerate(zip(candidates["entry"], candidates["exit"], strict=True)):
        if not a.equals(b):
            exit_[i] = extra
            extra += 1
    return entry, exit_


def place_coordinates(candidates: gpd.GeoDataFrame, start: Place, end: Place) -> np.ndarray:
    """(P, 2) Lambert 72 coordinates of the places of :func:`place_indices`."""
    xy = [(start.x, start.y), (end.x, end.y)]
    xy += [(p.x, p.y) for p in candidates["entry"]]
    xy += [(b.x, b.y) for a, b in zip(candidates["entry"], candidates["exit"], strict=True) if not a.equals(b)]
    return np.array(xy, dtype=float)


def _extend(coords: list[tuple[float, float]], line: shapely.LineString) -> None:
    """Append ``line`` to ``coords`` without repeating the shared point."""
    pts = [(float(x), float(y)) for x, y, *_ in line.coords]
    coords.extend(pts[1:] if coords and pts and coords[-1] == pts[0] else pts)


def _route_lines(
    inst: Instance, routes: list[Route], candidates: gpd.GeoDataFrame, travel: TravelMatrix
) -> gpd.GeoDataFrame:
    """One line per team: the legs between places (along the streets when the network is used) and the axes
    walked in their direction."""
    rows = []
    for team, route in enumerate(routes, start=1):
        if not route:
            continue
        coords: list[tuple[float, float]] = []
        here = inst.start
        for c, rev in route:
            a, b = inst.ends(c, rev)
            _extend(coords, travel.leg_geometry(here, a))
            line = candidates["line"].iloc[c]
            if line is not None and not (isinstance(line, float) and np.isnan(line)):
                _extend(coords, shapely.LineString(list(line.coords)[::-1]) if rev else line)
            here = b
        _extend(coords, travel.leg_geometry(here, inst.end))
        rows.append({"team": team, "geometry": shapely.LineString(coords) if len(coords) > 1 else None})
    return gpd.GeoDataFrame(rows, columns=["team", "geometry"], geometry="geometry", crs=CRS)


def _dropped(inst: Instance, routes: list[Route], candidates: gpd.GeoDataFrame, totals: list[float]) -> pd.DataFrame:
    used = {c for r in routes for c, _ in r}
    rows = []
    for c in range(inst.n):
        if c in used:
            continue
        alone = inst.alone_minutes(c)
        if not np.isfinite(alone):
            reason = "fermé avant qu'une équipe puisse y arriver et repartir (heures d'ouverture)"
        elif alone > inst.budget:
            reason = (
                f"trop loin pour cette durée : à lui seul, l'aller, la visite et le retour demandent "
                f"{_fr(alone)} min (tournée de {_fr(inst.budget)} min)"
            )
        else:
            extra, team, _pos, _rev = cheapest_insertion(inst, routes, c)
            if team < 0:  # no place in any route while it is open
                reason = (
                    "durée épuisée aux heures où il est ouvert : aucune équipe ne peut y passer alors sans manquer "
                    "un autre arrêt"
                )
            else:
                left = inst.budget - totals[team]
                reason = (
                    f"durée épuisée : l'ajouter demanderait {_fr(extra)} min de plus, il reste {_fr(left)} min à "
                    f"l'équipe {team + 1}"
                )
        row = candidates.iloc[c]
        rows.append(
            {
                "site_id": row["site_id"],
                "kind": row["kind"],
                "label": row["label"],
                "value": row["value"],
                "reason": reason,
            }
        )
    return pd.DataFrame(rows, columns=["site_id", "kind", "label", "value", "reason"])


def _notes(travel: TravelMatrix, solved_limit: bool, seconds: float) -> list[str]:
    """What the sheet must say about the plan: where travel times come from, and whether the solver was cut short."""
    notes = [travel.note]
    if not travel.network_loaded:
        notes[0] += " Chargez un réseau routier (hotspots network load) pour suivre les rues."
    if solved_limit:
        notes.append(
            f"Limite de temps de calcul atteinte ({_fr(seconds, 1)} s) : meilleure tournée trouvée dans ce délai."
        )
    return notes


def _in_zone(place: Place, settings: Settings) -> Place:
    km = km_outside(zone_polygon(settings), place.x, place.y)
    if km is not None:
        hint = "Partez d'une adresse de la zone, ou réglez HOTSPOTS_PLAN_STATION."
        raise InvalidValueError(f"« {place.label} » est hors de la zone de police (à {_fr(km, 1)} km).", hint=hint)
    return place


def plan_shift(
    conn: psycopg.Connection[Any],
    settings: Settings,
    request: ShiftRequest,
    *,
    geocoder: AddressGeocoder | None,
    now: datetime | None = None,
) -> Plan:
    """Choose and order the sites of one shift (see the module docstring); raises a French domain error when
    the start is unknown, no site matches the filters or the budget is too short for any site."""
    now_ts = pd.Timestamp(now or datetime.now(UTC))
    labels: Labels = load_labels(conn)
    request = replace(request, filters=checked_filters(request.filters, labels, places=known_places(conn)))
    start = _in_zone(resolve_place(request.start or settings.plan_station, geocoder, what="départ"), settings)
    end = _in_zone(resolve_place(request.end, geocoder, what="arrivée"), settings) if request.end else start
    starts_at = pd.Timestamp(request.starts_at)
    if starts_at.tzinfo is None:
        starts_at = starts_at.tz_localize(settings.timezone)
    context = CandidateContext(settings=settings, filters=request.filters, now=now_ts, labels=labels, starts=starts_at)
    forced = frozenset(a.site_id for a in request.appointments)
    candidates, excluded = load_candidates(conn, context, forced=forced)
    candidates, excluded, opening = opening_windows(candidates, excluded, settings, starts_at, request, forced)
    if candidates.empty:
        extra = (
            f" ({counted(len(excluded), 'autre écarté', 'autres écartés')} : "
            f"{motives_counted(excluded['motive'].fillna(excluded['reason']))})"
            if len(excluded)
            else ""
        )
        raise NotFoundError(
            f"Aucun site à visiter pour ces filtres : {request.filters.describe(labels.categories)}{extra}.",
            hint="Élargissez les filtres (catégorie, lieu, état, types de sites) ou relancez l'analyse.",
        )
    working = request.budget_minutes - request.pause_minutes  # the pause is no time to visit
    timing = shift_timing(candidates, request, starts_at, working, opening)
    xy = place_coordinates(candidates, start, end)
    network = RoadNetwork.from_db(conn, request.mode, bbox=places_box(xy))
    travel = travel_matrix(xy, mode=request.mode, settings=settings, network=network)
    inst = build_instance(candidates, budget=working, teams=request.teams, travel=travel, timing=timing)
    check_appointments(inst, candidates, timing, starts_at, request)
    alone = np.array([inst.alone_minutes(c) for c in range(inst.n)])
    if alone.min() > inst.budget:
        nearest = int(alone.argmin())
        raise InvalidValueError(
            f"Durée trop courte : le site le plus proche ({candidates['label'].iloc[nearest]}) demande "
            f"{_fr(alone[nearest])} min {MODE_LABELS[request.mode]} (aller, visite et retour), la tournée n'en "
            f"a que {_fr(inst.budget)}"
            + (f", sa pause de {_fr(request.pause_minutes)} min déduite." if request.pause_minutes else "."),
            hint=f"Allongez la durée (--duree {int(np.ceil(alone[nearest] / 15) * 15)}min) ou changez de départ.",
        )
    limit = request.time_limit_s or settings.plan_solver_seconds
    solved = solve_routes(inst, seed=request.seed, time_limit_s=limit)
    all_appointments_kept(inst, solved.routes, candidates, timing, starts_at, request.teams)
    naive = naive_routes(inst)
    timed = schedule(inst, solved.routes, starts_at, timing)
    stops, totals, spans = timed.stops, timed.working, timed.spans
    return Plan(
        request=request,
        start=start,
        end=end,
        candidates=candidates,
        stops=stops,
        dropped=_dropped(inst, solved.routes, candidates, totals),
        excluded=excluded,
        routes=_route_lines(inst, solved.routes, candidates, travel),
        value=round(inst.value_of(solved.routes), 3),
        naive_value=round(inst.value_of(naive), 3),
        minutes=round(max(spans), 1),
        team_minutes=[round(t, 1) for t in spans],
        travel_source=travel.source,
        notes=_notes(travel, solved.time_limit_reached, limit),
        solver={
            "solveur": solved.solver,
            "secondes": round(solved.runtime_s, 2),
            "iterations": solved.iterations,
            "limite_atteinte": solved.time_limit_reached,
            "graine": request.seed,
            "candidats": len(candidates),
        },
    )


def store_plan(conn: psycopg.Connection[Any], plan: Plan) -> StoredPlan:
    """Store a plan made by :func:`plan_shift` (one transaction) and read it back as every export and the API see
    it."""
    conn.rollback()  # plan_shift only read: start the write on a clean transaction
    with conn.transaction():
        plan_id = save_plan(conn, plan)
    return load_plan(conn, plan_id)
