"""Permits: a permit's nuisances and visits, the follow-up list (and its files), the advice sheet for an application.

Reading is for every role; the files (follow-up list, advice sheet PDF) are exports: planners, written to the log."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from service.api.deps import AppSettings, Conn, Id, Planner, Reader, audit
from service.api.writes import geocoder_of
from service.db.vocabulary import load_labels
from service.export import MEDIA, SUFFIX, Format, load_sheet_background, render
from service.permits.advice import AdviceFacts, advice_facts, facts_json, locate
from service.permits.advice_pdf import load_advice_background, render_advice_pdf
from service.permits.candidates import followup_sheet
from service.permits.record import permit_record
from service.plan.places import parse_coordinates
from service.settings import Settings

router = APIRouter(prefix="/api", tags=["permis"])

Months = Annotated[int | None, Query(ge=1, le=60, description="permis qui expirent dans ce nombre de mois (défaut 6)")]
Address = Annotated[str, Query(min_length=1, max_length=300, description="adresse du bien, ou « lon, lat »")]
Radius = Annotated[float | None, Query(ge=0, le=100_000, description="rayon en mètres (25 à 1000 ; défaut 200)")]
Years = Annotated[int | None, Query(ge=0, le=100, description="années d'historique avant l'année en cours (défaut 3)")]


@router.get("/permis/{permit_id}/nuisances", summary="Un permis : signalements liés, leur tendance, visites sur place")
def permit_nuisances(permit_id: Id, conn: Conn, settings: AppSettings, _user: Reader) -> JSONResponse:
    """La fiche d'un permis : ses conditions, les signalements liés à son lieu et leur tendance, les visites sur place ;
    404 si le numéro n'existe pas."""
    record = permit_record(conn, settings, permit_id, load_labels(conn))
    return JSONResponse(json.loads(json.dumps(record, default=str)))


@router.get("/suivi-permis", summary="Liste de suivi des permis : expiration, conditions, plaintes répétées (GeoJSON)")
def followup(request: Request, conn: Conn, settings: AppSettings, _user: Reader, mois: Months = None) -> JSONResponse:
    """Les permis à suivre (expiration dans ``mois`` mois, conditions à vérifier, plaintes répétées), les plus
    importants d'abord, avec les remarques de la liste (permis non localisés, sites écartés après une visite
    récente)."""
    sheet = followup_sheet(conn, settings, months=mois, base_url=str(request.base_url))
    body: dict[str, Any] = json.loads(render(sheet, "geojson"))
    body["remarques"] = sheet.notes
    return JSONResponse(body, media_type="application/geo+json")


@router.get("/suivi-permis/export", summary="Liste de suivi des permis : CSV, XLSX, GeoJSON, GPX ou PDF (journalisé)")
def followup_export(
    request: Request, conn: Conn, settings: AppSettings, user: Planner, format: Format = "csv", mois: Months = None
) -> Response:
    """La liste de suivi des permis en fichier : le PDF s'ouvre dans le navigateur, les autres formats s'enregistrent ;
    chaque export est journalisé."""
    sheet = followup_sheet(conn, settings, months=mois, base_url=str(request.base_url))
    background = load_sheet_background(conn, settings, sheet) if format == "pdf" else None
    body = render(sheet, format, background=background)
    audit(conn, user, "export_suivi_permis", format=format, permis=len(sheet.rows))
    name = f"suivi_permis_{date.today():%Y%m%d}.{SUFFIX[format]}"
    disposition = "inline" if format == "pdf" else "attachment"
    return Response(
        body, media_type=MEDIA[format], headers={"Content-Disposition": f'{disposition}; filename="{name}"'}
    )


def _facts(
    request: Request, conn: Any, settings: Settings, adresse: str, rayon: float | None, annees: int | None
) -> AdviceFacts:
    from service.permits.advice import check_radius, check_years

    if rayon is not None:
        check_radius(rayon)
    if annees is not None:
        check_years(annees)
    found = geocoder_of(request, conn) if parse_coordinates(adresse) is None else None
    place = locate(adresse, getattr(found, "geocoder", None), settings)
    return advice_facts(conn, settings, place, load_labels(conn), radius_m=rayon, years=annees)


@router.get("/avis", summary="Fiche d'avis pour une demande : nuisances, sites et permis autour d'une adresse (JSON)")
def advice(
    request: Request,
    conn: Conn,
    settings: AppSettings,
    _user: Reader,
    adresse: Address,
    rayon: Radius = None,
    annees: Years = None,
) -> JSONResponse:
    """Pour rendre un avis sur une demande de permis : autour de l'adresse, les signalements par catégorie et par
    année, les points sensibles, axes problématiques, permis et visites dans le rayon ; une adresse introuvable ou
    hors de la zone de police donne une erreur qui le dit."""
    facts = _facts(request, conn, settings, adresse, rayon, annees)
    return JSONResponse(facts_json(facts, load_labels(conn)))


@router.get("/avis/pdf", summary="Fiche d'avis pour une demande, en PDF A4 avec sa carte (journalisé)")
def advice_pdf(
    request: Request,
    conn: Conn,
    settings: AppSettings,
    user: Planner,
    adresse: Address,
    rayon: Radius = None,
    annees: Years = None,
) -> Response:
    """La même fiche d'avis en PDF A4 avec sa carte, à joindre au dossier ; chaque fiche produite est journalisée."""
    facts = _facts(request, conn, settings, adresse, rayon, annees)
    body = render_advice_pdf(facts, load_labels(conn), background=load_advice_background(conn, settings, facts))
    audit(conn, user, "export_avis", lieu=facts.place.label, rayon=facts.radius_m)
    return Response(body, media_type="application/pdf", headers={"Content-Disposition": 'inline; filename="avis.pdf"'})
