"""Follow-up: change a report's status or category, and record a visit outcome on a report, a sensitive point or
an axis. A visit on a point changes its priority at once (the ``suite_visite`` component); the next analysis run
also takes it into account for the lifecycle (a point quiet for N weeks after ``nettoye`` becomes ``resolu``)."""

from __future__ import annotations

import json
from typing import Any, Literal

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from service.analyse.priority import with_visit_outcome
from service.api.deps import AppSettings, Conn, Id, Planner
from service.api.geojson import GEOJSON, fetch_one
from service.api.writes import create_records, geocoder_of, q
from service.errors import NotFoundError, ValidationFailedError
from service.ingest.vocabulary import load_vocabularies

router = APIRouter(prefix="/api", tags=["signalements"])


class ReportPatch(BaseModel):
    """Only what officers change after the fact; a wrong place or date is corrected at the source and re-imported."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    statut: str | None = Field(default=None, max_length=50, examples=["traite", "en_cours"])
    categorie: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=10_000)


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    date: str = Field(max_length=40, examples=["26/11/2026 10:00"])
    resultat: str = Field(max_length=100, examples=["nettoye", "pv", "avertissement", "rien à signaler"])
    agent: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=10_000)


def _vocab_code(values: Any, value: str, field: str) -> str:
    mapped = values.map(pd.Series([value], dtype="string"))
    code = mapped.iloc[0]
    if code is None or pd.isna(code):
        raise ValidationFailedError(
            f"{field} inconnu(e) : « {value} »",
            [{"champ": field, "valeur": value, "motif": f"valeurs possibles : {values.describe()}"}],
            hint="Utilisez un code ou un libellé de la liste.",
        )
    return str(code)


@router.patch("/signalements/{report_id}", summary="Changer le statut, la catégorie ou la description")
def update_report(report_id: Id, body: ReportPatch, conn: Conn, user: Planner) -> JSONResponse:
    vocab = load_vocabularies(conn)
    with conn.transaction():
        row = conn.execute(q("report_for_update"), {"id": report_id}).fetchone()
        if row is None:
            raise NotFoundError(f"Aucun signalement « {report_id} ».", hint="Vérifiez l'identifiant.")
        _id, category, status, description = row
        params = {
            "id": report_id,
            "category": _vocab_code(vocab.categories, body.categorie, "categorie") if body.categorie else category,
            "category_raw": body.categorie,
            "status": _vocab_code(vocab.statuses, body.statut, "statut") if body.statut else status,
            "description": body.description if body.description is not None else description,
        }
        conn.execute(q("update_report"), params)
        conn.execute(
            "INSERT INTO private.access_log (actor, action, detail) VALUES (%s, 'modification_signalement', %s)",
            (user.login, json.dumps({"signalement": report_id, **body.model_dump(exclude_none=True)})),
        )
    return JSONResponse(fetch_one(conn, "report", {"id": report_id}, "signalement"), media_type=GEOJSON)


Target = Literal["signalements", "points-sensibles", "axes"]
_PLACE = {"signalements": "report_place", "points-sensibles": "point_place", "axes": "axis_place"}
_WHAT = {"signalements": "signalement", "points-sensibles": "point sensible", "axes": "axe"}


def _record_outcome(
    target: Target, item_id: str, body: OutcomeIn, request: Request, conn: Any, settings: Any, user: Any
) -> JSONResponse:
    params: dict[str, Any] = {"id": int(item_id) if target == "signalements" else item_id}
    place = conn.execute(q(_PLACE[target]), params).fetchone()
    conn.rollback()
    if place is None:
        raise NotFoundError(f"Aucun {_WHAT[target]} « {item_id} ».", hint="Vérifiez l'identifiant dans la liste.")
    x, y, address, category = place
    record: dict[str, Any] = {"date": body.date, "resultat": body.resultat, "agent": body.agent, "notes": body.notes}
    if x is not None:
        record |= {"x": round(x, 2), "y": round(y, 2)}
    if address:
        record["adresse"] = address
    if category:
        record["categorie"] = category
    # one transaction: the visit, its attachment and the point's priority are stored together or not at all (the
    # point's row stays locked until the commit: other visits of the same point wait for it)
    with conn.transaction():
        record = {k: v for k, v in record.items() if v is not None}
        summary, ids = create_records(conn, settings, "visits", record, user, geocoder_of(request, conn))
        conn.execute(
            q("attach_visit"),
            {
                "id": ids[0],
                "report": params["id"] if target == "signalements" else None,
                "point": item_id if target == "points-sensibles" else None,
                "axis": item_id if target == "axes" else None,
            },
        )
        if target == "points-sensibles":
            _reprioritise(conn, item_id, ids[0])
    return JSONResponse({"lot": summary, **fetch_one(conn, "visit", {"id": ids[0]}, "visite")}, 201, media_type=GEOJSON)


def _reprioritise(conn: Any, point_id: str, visit_id: int) -> None:
    """Apply the new visit's outcome to the point's priority (:func:`service.analyse.priority.with_visit_outcome`)."""
    outcome = conn.execute("SELECT outcome FROM visits WHERE id = %s", (visit_id,)).fetchone()[0]
    priority, components = conn.execute(q("point_priority"), {"id": point_id}).fetchone()
    value, factors = with_visit_outcome(priority, components, outcome)
    conn.execute(q("set_point_priority"), {"id": point_id, "priority": value, "components": json.dumps(factors)})


@router.post("/signalements/{report_id}/visites", status_code=201, summary="Encoder le résultat d'une visite")
def report_outcome(
    report_id: Id, body: OutcomeIn, request: Request, conn: Conn, settings: AppSettings, user: Planner
) -> JSONResponse:
    return _record_outcome("signalements", str(report_id), body, request, conn, settings, user)


@router.post("/points-sensibles/{point_id}/visites", status_code=201, summary="Visite d'un point sensible")
def point_outcome(
    point_id: str, body: OutcomeIn, request: Request, conn: Conn, settings: AppSettings, user: Planner
) -> JSONResponse:
    return _record_outcome("points-sensibles", point_id, body, request, conn, settings, user)


@router.post("/axes/{axis_id}/visites", status_code=201, summary="Visite d'un axe problématique")
def axis_outcome(
    axis_id: str, body: OutcomeIn, request: Request, conn: Conn, settings: AppSettings, user: Planner
) -> JSONResponse:
    return _record_outcome("axes", axis_id, body, request, conn, settings, user)
