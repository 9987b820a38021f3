"""Interventions at a site (a camera, a sign, a clean-up...): note one, list them, withdraw a mistaken one. « Did
the action work? » (``/api/effet``) starts from the latest one at a place."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from service.activity import interventions
from service.activity.effect import action_day
from service.activity.sites import ADDRESS_RADIUS_M, find_site
from service.api.deps import AppSettings, Conn, Planner, Reader
from service.api.writes import place_geocoder

router = APIRouter(prefix="/api", tags=["bilan d'activité"])


class InterventionIn(BaseModel):
    """Une intervention à un lieu : où, quoi, depuis quand (jusqu'à quand : une caméra déplacée), et une note."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    lieu: str = Field(min_length=2, max_length=300, examples=["PS-0004", "AX-0012", "Rue Ferrer 12, Seraing"])
    type: str = Field(max_length=60, examples=["camera", "panneau", "nettoyage", "amenagement", "information"])
    date: str = Field(max_length=40, examples=["2026-05-12", "12/05/2026"])
    fin: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=2_000)
    rayon: float = Field(default=ADDRESS_RADIUS_M, ge=10, le=1000, description="pour une adresse : le cercle (m)")


@router.get("/interventions", summary="Les interventions notées, de tous les lieux ou d'un seul")
def list_interventions(
    request: Request,
    conn: Conn,
    _user: Reader,
    lieu: Annotated[str | None, Query(max_length=300, description="un point, un axe ou une adresse")] = None,
) -> JSONResponse:
    """Les plus récentes d'abord ; pour un lieu, celles notées sur lui et celles d'une adresse qui le touche."""
    site = find_site(conn, lieu, geocoder=place_geocoder(lieu, request, conn)) if lieu else None
    items: list[dict[str, Any]] = [interventions.as_json(i) for i in interventions.listed(conn, site)]
    return JSONResponse(items)


@router.post("/interventions", status_code=201, summary="Noter une intervention à un lieu")
def add_intervention(
    body: InterventionIn, request: Request, conn: Conn, settings: AppSettings, user: Planner
) -> JSONResponse:
    """Le lieu est un point sensible, un axe ou une adresse (placée par le géocodeur hors ligne, le cercle de
    ``rayon`` mètres autour) ; le type, un code ou son libellé. Renvoie l'intervention notée, avec son numéro."""
    start = action_day(body.date, settings.timezone)
    end = action_day(body.fin, settings.timezone) if body.fin else None
    new = interventions.NewIntervention(body.lieu, body.type, start, end, body.note)
    item = interventions.record(
        conn,
        new,
        actor=user.login,
        zone=settings.timezone,
        geocoder=place_geocoder(body.lieu, request, conn),
        radius_m=body.rayon,
    )
    return JSONResponse(interventions.as_json(item), status_code=201)


@router.delete("/interventions/{intervention_id}", summary="Retirer une intervention notée par erreur")
def withdraw_intervention(intervention_id: int, conn: Conn, user: Planner) -> JSONResponse:
    """Qui l'a retirée et quand restent gardés ; elle ne compte plus pour l'effet ni le bilan."""
    interventions.withdraw(conn, intervention_id, actor=user.login)
    return JSONResponse({"id": intervention_id, "retiree": True})
