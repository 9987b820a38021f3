"""Permits: a permit's nuisances and visits, the follow-up list (and its files), the advice sheet for an application.

Reading is for every role; the files (follow-up list, advice sheet PDF) are exports: planners, written to the log."""

from __future__ import annotations

import json
from functools import partial
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from service.api.deps import AppSettings, Conn, PermitKey, Planner, Reader, audit
from service.api.files import dated_name, file_response
from service.api.writes import geocoder_of
from service.db.vocabulary import load_labels
from service.export import Format, render, render_sheet
from service.geocode.apply import GazetteerBatchGeocoder
from service.permits.advice import AdviceFacts, Reach, advice_for_address, facts_json
from service.permits.advice_pdf import advice_file_name, load_advice_background, render_advice_pdf
from service.permits.candidates import followup_sheet
from service.permits.record import find_permit, permit_record
from service.plan.places import AddressGeocoder

router = APIRouter(prefix="/api", tags=["permis"])

Months = Annotated[int | None, Query(ge=1, le=60, description="permis qui expirent dans ce nombre de mois (défaut 6)")]


class AdviceQuery(BaseModel):
    """Where and how far back an advice sheet looks."""

    adresse: str = Field(min_length=1, max_length=300, description="adresse du bien, ou « lon, lat »")
    rayon: float | None = Field(default=None, ge=0, le=100_000, description="rayon en mètres (25 à 1000 ; défaut 200)")
    annees: int | None = Field(
        default=None, ge=0, le=100, description="années d'historique avant l'année en cours (défaut 3)"
    )


@router.get("/permis/{permit_id}/nuisances", summary="Un permis : signalements liés, leur tendance, visites sur place")
def permit_nuisances(permit_id: PermitKey, conn: Conn, settings: AppSettings, _user: Reader) -> JSONResponse:
    """La fiche d'un permis (par son numéro, 12, ou son site, PER-12) : l'installation, les signalements liés (par
    catégorie et par année, avec leur tendance), les visites faites sur place, et s'il est à suivre et pourquoi."""
    record = permit_record(conn, settings, find_permit(conn, permit_id), load_labels(conn))
    return JSONResponse(json.loads(json.dumps(record, default=str)))


@router.get("/suivi-permis", summary="Liste de suivi des permis : expiration, conditions, plaintes répétées (GeoJSON)")
def followup(request: Request, conn: Conn, settings: AppSettings, _user: Reader, mois: Months = None) -> JSONResponse:
    """Les permis à suivre, du plus au moins prioritaire : ceux qui expirent bientôt, ceux dont les conditions
    sont à contrôler, les installations qui attirent des plaintes répétées. Les remarques de la liste sont
    jointes (`remarques`)."""
    sheet = followup_sheet(conn, settings, months=mois, base_url=str(request.base_url))
    body: dict[str, Any] = json.loads(render(sheet, "geojson"))
    body["remarques"] = sheet.notes
    return JSONResponse(body, media_type="application/geo+json")


@router.get("/suivi-permis/export", summary="Liste de suivi des permis : CSV, XLSX, GeoJSON, GPX ou PDF (journalisé)")
def followup_export(
    request: Request, conn: Conn, settings: AppSettings, user: Planner, format: Format = "csv", mois: Months = None
) -> Response:
    """La liste de suivi des permis en fichier : CSV, XLSX, GeoJSON, GPX ou PDF à imprimer avec sa carte.
    L'export est inscrit au journal des accès."""
    sheet = followup_sheet(conn, settings, months=mois, base_url=str(request.base_url))
    body = render_sheet(conn, settings, sheet, format)
    audit(conn, user, "export_suivi_permis", format=format, permis=len(sheet.rows))
    return file_response(body, format, dated_name("suivi_permis", format, settings.timezone))


def _address_geocoder(request: Request, conn: psycopg.Connection[Any]) -> AddressGeocoder | None:
    found = geocoder_of(request, conn)
    return found.geocoder if isinstance(found, GazetteerBatchGeocoder) else None


def _facts(request: Request, conn: Conn, settings: AppSettings, asked: Annotated[AdviceQuery, Query()]) -> AdviceFacts:
    """The facts asked by the query, the same for the JSON and for the PDF."""
    reach = Reach(asked.rayon, asked.annees)
    geocoder = partial(_address_geocoder, request, conn)  # built only when the text is an address
    return advice_for_address(conn, settings, asked.adresse, reach, labels=load_labels(conn), geocoder=geocoder)


#: The facts of an advice sheet, from the query's address, radius and years.
Facts = Annotated[AdviceFacts, Depends(_facts)]


@router.get("/avis", summary="Fiche d'avis pour une demande : nuisances, sites et permis autour d'une adresse (JSON)")
def advice(_user: Reader, facts: Facts, conn: Conn) -> JSONResponse:
    """Les faits pour donner un avis sur une demande de permis, autour d'une adresse (ou d'un point « lon, lat »)
    de la zone : les nuisances par catégorie et par année, les points sensibles et les axes, les permis déjà
    délivrés et les visites faites dans le rayon."""
    return JSONResponse(facts_json(facts, load_labels(conn)))


@router.get("/avis/pdf", summary="Fiche d'avis pour une demande, en PDF A4 avec sa carte (journalisé)")
def advice_pdf(user: Planner, facts: Facts, conn: Conn, settings: AppSettings) -> Response:
    """La fiche d'avis en PDF A4 à joindre au dossier : les mêmes faits, une carte du rayon, et un cadre pour l'avis
    du service. L'export est inscrit au journal des accès."""
    body = render_advice_pdf(
        facts, load_labels(conn), issuer=settings.service_name, background=load_advice_background(conn, settings, facts)
    )
    audit(conn, user, "export_avis", lieu=facts.place.label, rayon=facts.radius_m)
    return file_response(body, "pdf", advice_file_name(facts))
