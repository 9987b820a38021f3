"""Plans in PostGIS: saved once with ids and stop references, read back for the sheets, the API and the map.

Every export is made from the stored plan (not from the solver's memory), so a plan downloaded again next week,
from the API or the CLI, gives the same files, with each stop's outcome once it is known.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely

from service.db.queries import Queries
from service.errors import ConflictError, NotFoundError
from service.plan.model import Plan
from service.plan.value import formula_words
from service.text import counted

_PKG = "service.plan"
CRS = "EPSG:31370"


_q = Queries(_PKG, "plans.sql")


def stop_ref(plan_id: int, team: int, order: int) -> str:
    """The reference printed on the sheet and read back from the filled-in file: ``T12-E1-03``."""
    return f"T{plan_id}-E{team}-{order:02d}"


def _none(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if value is pd.NaT:
        return None
    return value


def save_plan(conn: psycopg.Connection[Any], plan: Plan) -> int:
    """Store ``plan`` (in the caller's transaction) and return its id; ``plan.plan_id`` and refs are set."""
    req = plan.request
    summary = {
        "equipes_minutes": plan.team_minutes,
        "notes": plan.notes,
        "solveur": plan.solver,
        "ecartes": plan.excluded.to_dict("records"),
        "candidats": len(plan.candidates),
    }
    row = conn.execute(
        _q("insert_plan"),
        {
            "created_by": req.created_by,
            "starts_at": pd.Timestamp(req.starts_at).to_pydatetime(),
            "budget": req.budget_minutes,
            "pause": req.pause_minutes,
            "pause_at": req.pause_at,
            "mode": req.mode,
            "teams": req.teams,
            "start_label": plan.start.label,
            "start_x": plan.start.x,
            "start_y": plan.start.y,
            "end_label": plan.end.label,
            "end_x": plan.end.x,
            "end_y": plan.end.y,
            "filters": json.dumps(req.filters.to_json(), ensure_ascii=False),
            "travel_source": plan.travel_source,
            "minutes": plan.minutes,
            "value": plan.value,
            "naive_value": plan.naive_value,
            "summary": json.dumps(summary, ensure_ascii=False, default=str),
        },
    ).fetchone()
    assert row is not None
    plan_id = int(row[0])
    refs = []
    for stop in plan.stops:
        site = plan.candidates.iloc[stop.candidate]
        entry, exit_ = (site["exit"], site["entry"]) if stop.reverse else (site["entry"], site["exit"])
        line = site["line"]
        if line is not None and not isinstance(line, float):
            line = shapely.LineString(list(line.coords)[::-1]) if stop.reverse else line
            line_wkb = shapely.to_wkb(line)
        else:
            line_wkb = None
        ref = stop_ref(plan_id, stop.team, stop.order)
        refs.append(ref)
        why = {
            "pourquoi": site["reason"],
            "composantes": site["components"],
            "formule": formula_words(site["components"]),
            "signalements": int(site["n_reports"] or 0),
            "tendance": _none(site["trend"]),
            "dernier_signalement": _none(site["last_report"]),
            "commune": _none(site["commune"]),
            "code_postal": _none(site["postcode"]),
            "longueur_m": _none(site["length_m"]),
        }
        conn.execute(
            _q("insert_stop"),
            {
                "plan": plan_id,
                "ref": ref,
                "team": stop.team,
                "ord": stop.order,
                "kind": site["kind"],
                "site_id": site["site_id"],
                "label": site["label"],
                "category": _none(site["category"]),
                "state": _none(site["state"]),
                "arrival": stop.arrival.to_pydatetime(),
                "departure": stop.departure.to_pydatetime(),
                "travel": round(stop.travel_min, 2),
                "service": round(stop.service_min, 2),
                "pause_after": stop.pause_after,
                "pause_before": stop.pause_before,
                "appointment": stop.appointment.to_pydatetime() if stop.appointment is not None else None,
                "until": stop.appointment_until.to_pydatetime() if stop.appointment_until is not None else None,
                "wait": round(stop.wait_min, 2),
                "value": stop.value,
                "why": json.dumps(why, ensure_ascii=False, default=str),
                "last_visit": _none(site["last_visit"]),
                "last_outcome": _none(site["last_outcome"]),
                "x": entry.x,
                "y": entry.y,
                "exit_x": exit_.x,
                "exit_y": exit_.y,
                "line": line_wkb,
            },
        )
    for row_d in plan.dropped.to_dict("records"):
        conn.execute(
            _q("insert_dropped"),
            {
                "plan": plan_id,
                "kind": row_d["kind"],
                "site_id": row_d["site_id"],
                "label": row_d["label"],
                "value": float(row_d["value"]),
                "reason": row_d["reason"],
            },
        )
    for route in plan.routes.itertuples():
        if route.geometry is not None:
            conn.execute(
                _q("insert_route"), {"plan": plan_id, "team": route.team, "geom": shapely.to_wkb(route.geometry)}
            )
    plan.plan_id = plan_id
    plan.stop_refs = refs
    return plan_id


@dataclass
class StoredPlan:
    """A plan as stored: its facts, its stops in visit order (with their outcome once known), what was dropped,
    and each team's route line."""

    facts: dict[str, Any]
    stops: gpd.GeoDataFrame  # one row per stop, geometry = where to arrive (EPSG:31370)
    dropped: pd.DataFrame
    routes: gpd.GeoDataFrame  # team, geometry

    @property
    def plan_id(self) -> int:
        """The plan's number, as the API, the commands and the exported sheets name it."""
        return int(self.facts["id"])


def load_plan(conn: psycopg.Connection[Any], plan_id: int) -> StoredPlan:
    """The stored plan ``plan_id``; a French 404 when there is none."""
    cur = conn.execute(_q("plan"), {"id": plan_id})
    row = cur.fetchone()
    if row is None:
        raise NotFoundError(f"Aucune tournée n° {plan_id}.", hint="« hotspots tournees » liste les tournées.")
    facts = dict(zip([d.name for d in cur.description or []], row, strict=True))
    stops = _q.frame(conn, "stops", {"id": plan_id})
    for column in ("line", "shape"):
        stops[column] = [shapely.from_wkb(bytes(g)) if g is not None else None for g in stops[column]]
    stops = gpd.GeoDataFrame(stops, geometry=gpd.points_from_xy(stops["x"], stops["y"]), crs=CRS)
    routes = _q.frame(conn, "routes", {"id": plan_id})
    routes = gpd.GeoDataFrame(routes[["team"]], geometry=[shapely.from_wkb(bytes(g)) for g in routes["geom"]], crs=CRS)
    return StoredPlan(facts, stops, _q.frame(conn, "dropped", {"id": plan_id}), routes)


def cancel_plan(conn: psycopg.Connection[Any], plan_id: int, *, actor: str) -> pd.Timestamp:
    """Call shift ``plan_id`` off and say when: it stays listed, leaves the activity report's counts, and its
    sites are free for another shift. A shift with visits recorded took place, and one already cancelled
    stays as it was: both are a French conflict (nothing changes); an unknown number a 404."""
    row = conn.execute(_q("cancel_plan"), {"id": plan_id}).fetchone()
    if row is None:
        raise NotFoundError(f"Aucune tournée n° {plan_id}.", hint="« hotspots tournees » liste les tournées.")
    cancelled, visits = row
    if cancelled is not None:
        raise ConflictError(f"La tournée n° {plan_id} est déjà annulée (le {cancelled:%d/%m/%Y à %H:%M}).")
    if visits:
        raise ConflictError(
            f"La tournée n° {plan_id} a déjà {counted(visits, 'visite enregistrée', 'visites enregistrées')} : elle "
            "a eu lieu, elle ne s'annule plus.",
            hint="Ses arrêts non faits restent comptés comme non faits ; planifiez une autre tournée pour eux.",
        )
    done = conn.execute(_q("set_cancelled"), {"id": plan_id, "actor": actor}).fetchone()
    assert done is not None
    return pd.Timestamp(done[0])


def planned_elsewhere(
    conn: psycopg.Connection[Any], now: pd.Timestamp, starts: pd.Timestamp | None = None, *, wait_days: int = 0
) -> pd.DataFrame:
    """The sites at a stop not yet visited of a shift not cancelled, either not over at ``now``, or over for less
    than ``wait_days`` days, before the new shift ``starts`` (None: now), without any visit recorded (its sheet
    not back yet): ``site_id``, ``ref``, ``plan_id``, ``starts_at``, ``arrival``, ``ends_at`` and ``over``."""
    params = {"now": now, "starts": now if starts is None else starts, "wait_days": wait_days}
    return _q.frame(conn, "planned_elsewhere", params)


def missed_stops(conn: psycopg.Connection[Any], now: pd.Timestamp, *, days: int) -> pd.DataFrame:
    """The sites a shift of the last ``days`` days did not get to while its other stops were made (its sheet came
    back): ``site_id``, ``ref``, ``plan_id``, ``starts_at`` (the latest such shift of each site)."""
    return _q.frame(conn, "missed_stops", {"now": now, "days": days})


def list_plans(conn: psycopg.Connection[Any], *, limit: int = 50) -> list[dict[str, Any]]:
    """The latest plans, with how many of their stops are done, when they were cancelled (None: they stand), and
    where they stand in words (``state``, :func:`shift_state`)."""
    frame = _q.frame(conn, "list_plans", {"limit": limit})
    frame["cancelled_at"] = frame["cancelled_at"].astype(object).where(frame["cancelled_at"].notna(), None)
    plans: list[dict[str, Any]] = frame.to_dict("records")
    now = datetime.now(UTC)
    for p in plans:
        p["state"] = shift_state(p["starts_at"], float(p["budget_minutes"]), p["cancelled_at"], done=p["done"], now=now)
    return plans


def shift_state(
    starts_at: datetime, minutes: float, cancelled: Any, *, done: int = 1, now: datetime | None = None
) -> str:
    """Where a shift stands, for the list: « annulée le … », « passée », « passée, feuille à rentrer » (no visit of
    its ``done`` stops recorded: its sites are held for it a few days), « en cours » or « prévue »."""
    if cancelled is not None:
        return f"annulée le {cancelled:%d/%m/%Y}"
    now = now or datetime.now(UTC)
    if now >= starts_at + timedelta(minutes=minutes):
        return "passée" if done else "passée, feuille à rentrer"
    return "en cours" if now >= starts_at else "prévue"


def summary_json(stored: StoredPlan) -> dict[str, Any]:
    """The plan's summary for scripts (``hotspots plan --json``, the API)."""
    facts = stored.facts
    summary = facts.get("summary") or {}
    return {
        "plan_id": stored.plan_id,
        "budget_minutes": float(facts["budget_minutes"]),
        "pause_minutes": float(facts["pause_minutes"]),
        "pause_at": pd.Timestamp(facts["pause_at"]).isoformat() if _none(facts["pause_at"]) else None,
        "minutes": float(facts["minutes"]),
        "value": float(facts["value"]),
        "naive_value": float(facts["naive_value"]),
        "teams": int(facts["teams"]),
        "mode": facts["mode"],
        "starts_at": pd.Timestamp(facts["starts_at"]).isoformat(),
        "start": facts["start_label"],
        "end": facts["end_label"],
        "travel": facts["travel_source"],
        # when the shift was called off (None: it stands); its stops then take no visit
        "cancelled_at": pd.Timestamp(facts["cancelled_at"]).isoformat() if _none(facts.get("cancelled_at")) else None,
        "filters": facts.get("filters") or {},  # as resolved: codes, the "not visited since" day in ISO 8601
        "team_minutes": summary.get("equipes_minutes", []),
        "notes": summary.get("notes", []),
        "solver": summary.get("solveur", {}),
        "stops": [
            {
                "team": int(s["team"]),
                "order": int(s["ord"]),
                "ref": s["ref"],
                "site_id": s["site_id"],
                "kind": s["site_kind"],
                "label": s["label"],
                "arrival": pd.Timestamp(s["arrival"]).isoformat(),
                "pause_after_minutes": float(s["pause_after_minutes"]),
                "pause_before_minutes": float(s["pause_before_minutes"]),
                "appointment": pd.Timestamp(s["appointment_at"]).isoformat() if _none(s["appointment_at"]) else None,
                "appointment_until": (
                    pd.Timestamp(s["appointment_until"]).isoformat() if _none(s["appointment_until"]) else None
                ),
                "wait_minutes": float(s["wait_minutes"]),
                "value": float(s["value"]),
                "done": s["visit_id"] is not None and not pd.isna(s["visit_id"]),
                "outcome": _none(s["done_outcome"]),
            }
            for s in stored.stops.to_dict("records")
        ],
        "dropped": [{"site_id": d["site_id"], "reason": d["reason"]} for d in stored.dropped.to_dict("records")],
        "excluded": [{"site_id": e["site_id"], "reason": e["reason"]} for e in summary.get("ecartes", [])],
    }
