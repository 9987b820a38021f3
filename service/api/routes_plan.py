"""Shift plans ("tournées"): plan one (planificateur), read them, download their field pack (logged)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from service.api.deps import AppSettings, Conn, Id, Planner, Reader, audit
from service.api.writes import geocoder_of
from service.db.vocabulary import load_labels
from service.plan import Filters, ShiftRequest, StoredPlan, cancel_plan, list_plans, load_plan, parse_duration
from service.plan.model import KIND_LABELS, parse_appointments, parse_pause_at, parse_start_time, since_date
from service.plan.places import parse_coordinates
from service.plan.shift import plan_shift, store_plan
from service.settings import Settings

router = APIRouter(prefix="/api", tags=["tournées"])

PackFormat = Literal["csv", "xlsx", "geojson", "gpx", "pdf"]
_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpx": "application/gpx+xml",
    "pdf": "application/pdf",
}


StateCode = Literal["nouveau", "actif", "surveille", "resolu", "reouvert"]
KindCode = Literal["point_sensible", "axe", "signalement", "suivi", "permis"]


def _default_states() -> list[StateCode]:
    return ["nouveau", "actif", "reouvert"]


def _default_kinds() -> list[KindCode]:
    return ["point_sensible", "axe", "signalement", "suivi"]


class ShiftIn(BaseModel):
    """Une tournée à planifier ; chaque champ sauf la durée a une valeur par défaut."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    duree: str = Field(max_length=20, examples=["4h", "3h30", "90min"], description="durée de la tournée")
    pause: str | None = Field(
        default=None,
        max_length=20,
        examples=["30min"],
        description="pause de chaque équipe, à mi-tournée, comprise dans la durée (défaut : aucune)",
    )
    pause_vers: str | None = Field(
        default=None,
        max_length=20,
        examples=["12h"],
        description="heure de la pause au lieu de la mi-tournée (après l'arrêt en cours)",
    )
    debut: str | None = Field(
        default=None,
        max_length=40,
        examples=["2026-12-02 08:00", "demain 8h"],
        description="défaut : prochain quart d'heure",
    )
    depart: str | None = Field(
        default=None, max_length=300, examples=["Place Communale 1, 4100 Seraing", "5.5092, 50.6150"]
    )
    arrivee: str | None = Field(default=None, max_length=300, description="défaut : retour au départ")
    equipes: int = Field(default=1, ge=1, le=20)
    mode: Literal["voiture", "velo", "pied"] = "voiture"
    categories: list[Annotated[str, Field(max_length=60)]] = Field(default_factory=list, max_length=30)
    lieux: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=30, description="communes, sections ou codes postaux"
    )
    etats: list[StateCode] = Field(default_factory=_default_states)
    types: list[KindCode] = Field(default_factory=_default_kinds)
    non_visite_depuis: str | None = Field(
        default=None,
        max_length=40,
        examples=["2026-11-15", "15/11/2026"],
        description="seulement les sites pas visités depuis ce jour (AAAA-MM-JJ ou JJ/MM/AAAA)",
    )
    priorite_min: float | None = Field(default=None, ge=0, le=1e9)
    rendez_vous: str | None = Field(
        default=None,
        max_length=500,
        examples=["PS-0003 10h30 ; AX-0002 à 14h ; PER-12 entre 9h et 11h"],
        description="sites à voir à une heure ou dans une plage convenue (le numéro puis l'heure, séparés par "
        "« ; »), quels que soient les filtres",
    )
    graine: int = Field(default=1, ge=0, le=2**31 - 1)
    temps_calcul: float | None = Field(default=None, gt=0, le=60, description="secondes (défaut : réglage)")


def _request(body: ShiftIn, settings: Settings, login: str) -> ShiftRequest:
    minutes = parse_duration(body.duree)
    since = since_date(body.non_visite_depuis, settings.timezone)
    starts_at = parse_start_time(body.debut, settings.timezone)
    return ShiftRequest(
        starts_at=starts_at,
        appointments=parse_appointments(body.rendez_vous, starts_at),
        budget_minutes=minutes,
        pause_minutes=parse_duration(body.pause, what="pause") if body.pause else 0.0,
        pause_at=parse_pause_at(body.pause_vers, starts_at),
        start=body.depart,
        end=body.arrivee,
        mode=body.mode,
        teams=body.equipes,
        filters=Filters(
            categories=tuple(body.categories),
            places=tuple(body.lieux),
            states=tuple(body.etats),
            kinds=tuple(k for k in body.types if k in KIND_LABELS),
            not_visited_since=since,
            min_value=body.priorite_min,
        ),
        seed=body.graine,
        time_limit_s=body.temps_calcul,
        created_by=login,
    )


def _collection(conn: Any, settings: Settings, stored: StoredPlan, base_url: str) -> dict[str, Any]:
    """The plan as GeoJSON (stops, axes walked, routes; WGS84) with its summary under ``tournee``."""
    from service.export import render
    from service.export.sheet import sheet_from_plan
    from service.plan import summary_json

    sheet = sheet_from_plan(stored, load_labels(conn), zone=settings.timezone, base_url=base_url)
    collection: dict[str, Any] = json.loads(render(sheet, "geojson"))
    collection["tournee"] = summary_json(stored)
    return collection


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.post("/tournees", status_code=201, summary="Planifier une tournée (sites choisis et ordonnés, GeoJSON)")
def create_plan(body: ShiftIn, request: Request, conn: Conn, settings: AppSettings, user: Planner) -> JSONResponse:
    """Choisit et ordonne les sites d'une tournée (durée, équipes, mode, départ et arrivée, filtres) et
    l'enregistre ; renvoie les arrêts et l'itinéraire de chaque équipe en GeoJSON."""
    shift = _request(body, settings, user.login)
    start = body.depart or settings.plan_station
    needs_geocoder = any(p and parse_coordinates(p) is None for p in (start, body.arrivee))
    found = geocoder_of(request, conn) if needs_geocoder else None
    geocoder = getattr(found, "geocoder", None)  # the matcher behind the ingestion hook
    stored = store_plan(conn, plan_shift(conn, settings, shift, geocoder=geocoder))
    audit(conn, user, "planification_tournee", tournee=stored.plan_id, arrets=len(stored.stops))
    return JSONResponse(
        _collection(conn, settings, stored, _base_url(request)),
        status_code=201,
        media_type="application/geo+json",
        headers={"Location": f"/api/tournees/{stored.plan_id}"},
    )


@router.get("/tournees", summary="Les dernières tournées et l'avancement de leurs arrêts")
def plans(conn: Conn, _user: Reader, limite: Annotated[int, Query(ge=1, le=500)] = 50) -> JSONResponse:
    """Les plus récentes d'abord, ``limite`` au plus (50 par défaut), avec combien de leurs arrêts sont faits et où
    chacune en est (``state`` : « prévue », « en cours », « passée », « passée, feuille à rentrer » quand aucune visite
    n'est enregistrée, ou « annulée le … »)."""
    rows = list_plans(conn, limit=limite)
    return JSONResponse(json.loads(json.dumps(rows, default=str)))


@router.get("/tournees/{plan_id}", summary="Une tournée : arrêts dans l'ordre, faits ou non, itinéraires (GeoJSON)")
def plan(plan_id: Id, request: Request, conn: Conn, settings: AppSettings, _user: Reader) -> JSONResponse:
    """Les arrêts dans l'ordre de visite (faits ou non), les axes à parcourir et l'itinéraire de chaque équipe, en
    WGS84, avec le résumé de la tournée sous ``tournee`` ; 404 si la tournée n'existe pas."""
    stored = load_plan(conn, plan_id)
    return JSONResponse(_collection(conn, settings, stored, _base_url(request)), media_type="application/geo+json")


@router.post(
    "/tournees/{plan_id}/annulation",
    summary="Annuler une tournée (replanifiée ou décommandée) : ses sites redeviennent libres",
)
def cancel(plan_id: Id, conn: Conn, user: Planner) -> JSONResponse:
    """La tournée reste dans la liste (``annulee_le``), sort du bilan d'activité, et ses sites redeviennent libres
    pour une autre tournée ; 409 si elle est déjà annulée, ou si des visites y sont enregistrées (elle a eu lieu)."""
    when = cancel_plan(conn, plan_id, actor=user.login)
    audit(conn, user, "annulation_tournee", tournee=plan_id)
    return JSONResponse({"tournee": plan_id, "annulee_le": when.isoformat(), "par": user.login})


@router.get("/tournees/{plan_id}/export", summary="Fichiers de la tournée : CSV, XLSX, GeoJSON, GPX ou PDF")
def export_plan(
    plan_id: Id, request: Request, conn: Conn, settings: AppSettings, user: Planner, format: PackFormat = "pdf"
) -> Response:
    """La feuille de tournée en PDF (par défaut, affiché dans le navigateur), CSV, XLSX, GeoJSON ou GPX (à
    enregistrer) ; chaque export est journalisé."""
    from service.export import load_sheet_background, render
    from service.export.sheet import sheet_from_plan

    stored = load_plan(conn, plan_id)
    sheet = sheet_from_plan(stored, load_labels(conn), zone=settings.timezone, base_url=_base_url(request))
    background = load_sheet_background(conn, settings, sheet) if format == "pdf" else None
    content = render(sheet, format, background=background)
    audit(conn, user, "export_tournee", tournee=plan_id, format=format)
    disposition = "inline" if format == "pdf" else "attachment"
    return Response(
        content,
        media_type=_MEDIA[format],
        headers={"Content-Disposition": f'{disposition}; filename="{sheet.file_stem}.{format}"'},
    )
