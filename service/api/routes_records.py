"""Reports, visits and permits: filtered, paged, sorted GeoJSON lists, one item, and creation through the very
rules of ingestion (same checks, same French messages, nothing stored when a field is refused)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import psycopg
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from service.accounts import User
from service.api.deps import AppSettings, Conn, Id, PermitKey, Planner, Reader
from service.api.geojson import GEOJSON, fetch_collection, fetch_one
from service.api.writes import create_records, geocoder_of
from service.geo import parse_bbox
from service.ingest.columns import Kind
from service.permits.record import find_permit
from service.plan.candidates import checked_places
from service.settings import Settings

router = APIRouter(prefix="/api", tags=["signalements"])

Codes = list[str] | None


class _Listing(BaseModel):
    """What every list takes: filters on the source and the places, the view's box, the page (sort keys: each kind).

    French query names, English names for the query's parameters (the fields)."""

    source: str | None = None
    places: list[str] | None = Field(
        default=None,
        alias="lieu",
        description="communes, sections ou codes postaux de la zone (répéter) : le lieu que le registre des adresses "
        "donne à l'élément, comme sur la carte et dans l'export ; un lieu hors zone est refusé",
    )
    commune: str | None = Field(
        default=None, description="ancien nom de « lieu » (un seul lieu)", json_schema_extra={"deprecated": True}
    )
    bbox: str | None = Field(
        default=None, description="ouest,sud,est,nord en WGS84", examples=["5.49,50.58,5.53,50.62"]
    )
    limit: int = Field(default=1000, alias="limite", ge=1, le=5000, description="taille de la page")
    offset: int = Field(default=0, alias="decalage", ge=0, le=100_000_000, description="nombre d'éléments sautés")

    def params(self, conn: psycopg.Connection[Any]) -> dict[str, Any]:
        """The query's parameters: the fields, the box read as four numbers, the places (the old ``commune`` one of
        them) checked against the zone's register with the postcodes that stand for them."""
        box = list(parse_bbox(self.bbox)) if self.bbox is not None else None
        places, postcodes = checked_places(conn, [*(self.places or ()), *([self.commune] if self.commune else [])])
        fields = self.model_dump(exclude={"places", "commune"})
        return {**fields, "bbox": box, "places": list(places) or None, "postcodes": list(postcodes)}


class _Dated(_Listing):
    since: datetime | None = Field(default=None, alias="depuis")
    until: datetime | None = Field(default=None, alias="jusqu_a")


class ReportQuery(_Dated):
    """Reports by category, status, geocoding outcome."""

    category: Codes = Field(default=None, alias="categorie")
    status: Codes = Field(default=None, alias="statut")
    geocode: str | None = Field(default=None, alias="geocodage", description="fourni, geocode, a_verifier, echec…")
    sort: Literal["date", "-date", "categorie", "-categorie", "statut", "-statut", "id", "-id"] = Field(
        default="-date", alias="tri"
    )


class VisitQuery(_Dated):
    """Visits by outcome, category, the point or axis they were made for."""

    outcome: Codes = Field(default=None, alias="resultat")
    category: Codes = Field(default=None, alias="categorie")
    point: str | None = Field(default=None, alias="point_sensible")
    axis: str | None = Field(default=None, alias="axe")
    sort: Literal["date", "-date", "resultat", "-resultat", "id", "-id"] = Field(default="-date", alias="tri")


class PermitQuery(_Listing):
    """Permits by type, or in force on a day."""

    permit_type: Codes = Field(default=None, alias="type")
    valid_on: date | None = Field(default=None, alias="valide_le", description="permis en vigueur à cette date")
    sort: Literal["date", "-date", "reference", "-reference", "id", "-id"] = Field(default="-date", alias="tri")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lon: float | None = Field(default=None, ge=-180, le=180, description="longitude WGS84")
    lat: float | None = Field(default=None, ge=-90, le=90, description="latitude WGS84")
    x: float | None = Field(default=None, description="X Lambert 72 ou 2008 (détecté)")
    y: float | None = Field(default=None, description="Y Lambert 72 ou 2008 (détecté)")
    adresse: str | None = Field(default=None, max_length=500, examples=["Rue du Charbonnage 12, 4100 Seraing"])
    code_postal: str | None = Field(default=None, max_length=10)
    commune: str | None = Field(default=None, max_length=100)
    source: str | None = Field(default=None, max_length=100, description="canal (défaut : api)")
    identifiant: str | None = Field(default=None, max_length=200, description="identifiant de la source")


class ReportIn(_In):
    """Un signalement : la date, la catégorie (code, libellé français ou néerlandais, synonyme) et un lieu."""

    date: str = Field(max_length=40, examples=["25/11/2026 14:30", "2026-11-25T14:30"])
    categorie: str = Field(max_length=100, examples=["depot_clandestin", "dépôt sauvage", "sluikstort"])
    description: str | None = Field(default=None, max_length=10_000)
    statut: str | None = Field(default=None, max_length=50)
    nom_declarant: str | None = Field(default=None, max_length=200)
    telephone_declarant: str | None = Field(default=None, max_length=50)
    email_declarant: str | None = Field(default=None, max_length=200)


class VisitIn(_In):
    """Une visite de terrain : la date, son résultat et un lieu (ou le signalement qu'elle suit)."""

    date: str = Field(max_length=40, examples=["26/11/2026 10:00"])
    resultat: str = Field(max_length=100, examples=["nettoye", "pv", "rien à signaler"])
    categorie: str | None = Field(default=None, max_length=100)
    agent: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=10_000)
    signalement: str | None = Field(default=None, max_length=200, description="identifiant source du signalement")


class PermitIn(_In):
    """Un permis d'environnement, d'urbanisme ou unique."""

    reference: str = Field(max_length=200)
    type: str = Field(max_length=50, examples=["environnement", "urbanisme", "unique"])
    classe: str | None = Field(default=None, max_length=5)
    exploitant: str | None = Field(default=None, max_length=300)
    activite: str | None = Field(default=None, max_length=500)
    date_decision: str | None = Field(default=None, max_length=40)
    valide_jusqu_au: str | None = Field(default=None, max_length=40)
    conditions: str | None = Field(default=None, max_length=10_000)
    heures_ouverture: str | None = Field(
        default=None,
        max_length=200,
        examples=["lun-ven 8h-12h, 13h-17h ; sam 9h-12h"],
        description="défaut : celles du service ; fermé les jours fériés sauf « tous les jours » ou « fériés 9h-12h »",
    )


def _geojson(body: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=GEOJSON)


#: For each kind of record: the query that reads one back, and its name in messages.
_ONE = {"reports": ("report", "signalement"), "visits": ("visit", "visite"), "permits": ("permit", "permis")}


def _create(
    request: Request,
    conn: psycopg.Connection[Any],
    settings: Settings,
    user: User,
    kind: Kind,
    body: BaseModel,
) -> JSONResponse:
    """Store one record through ingestion (same rules and messages as a file) and answer with it and its batch."""
    summary, ids = create_records(
        conn, settings, kind, body.model_dump(exclude_none=True), user, geocoder_of(request, conn)
    )
    query, what = _ONE[kind]
    return _geojson({"lot": summary, **fetch_one(conn, query, {"id": ids[0]}, what)}, 201)


@router.get("/signalements", summary="Signalements (GeoJSON WGS84, sans données personnelles)")
def reports(conn: Conn, _user: Reader, asked: Annotated[ReportQuery, Query()]) -> JSONResponse:
    """Une page de signalements (1000 par défaut), filtrée par catégorie, statut, source, commune, état du géocodage,
    période ou vue, triée au choix (les plus récents d'abord par défaut). Les coordonnées des déclarants n'y figurent
    jamais."""
    return _geojson(fetch_collection(conn, "reports", asked.params(conn)))


@router.get("/signalements/{report_id}", summary="Un signalement, ses visites et ses points sensibles")
def report(report_id: Id, conn: Conn, _user: Reader) -> JSONResponse:
    """Un signalement avec ses visites et les points sensibles qui le comptent ; 404 si le numéro n'existe pas."""
    return _geojson(fetch_one(conn, "report", {"id": report_id}, "signalement"))


@router.post("/signalements", status_code=201, summary="Encoder un signalement (mêmes règles qu'à l'import)")
def create_report(body: ReportIn, request: Request, conn: Conn, settings: AppSettings, user: Planner) -> JSONResponse:
    """Un signalement encodé à la main passe par les mêmes contrôles qu'un fichier importé : une valeur refusée donne un
    message qui nomme le champ, et rien n'est enregistré. Renvoie le signalement et le bilan de son lot."""
    return _create(request, conn, settings, user, "reports", body)


@router.get("/visites", summary="Visites de terrain et leur résultat (GeoJSON WGS84)")
def visits(conn: Conn, _user: Reader, asked: Annotated[VisitQuery, Query()]) -> JSONResponse:
    """Une page de visites (1000 par défaut), filtrée par résultat, catégorie, source, commune, point sensible, axe,
    période ou vue, les plus récentes d'abord par défaut."""
    return _geojson(fetch_collection(conn, "visits", asked.params(conn)))


@router.get("/visites/{visit_id}", summary="Une visite")
def visit(visit_id: Id, conn: Conn, _user: Reader) -> JSONResponse:
    """Une visite par son numéro ; 404 si elle n'existe pas."""
    return _geojson(fetch_one(conn, "visit", {"id": visit_id}, "visite"))


@router.post("/visites", status_code=201, summary="Encoder une visite (mêmes règles qu'à l'import)")
def create_visit(body: VisitIn, request: Request, conn: Conn, settings: AppSettings, user: Planner) -> JSONResponse:
    """Une visite encodée à la main passe par les mêmes contrôles qu'un fichier importé (une valeur refusée est nommée,
    rien n'est enregistré) ; elle peut suivre un signalement par son identifiant source. Renvoie la visite et le bilan
    de son lot."""
    return _create(request, conn, settings, user, "visits", body)


@router.get("/permis", summary="Permis d'environnement et d'urbanisme (GeoJSON WGS84)")
def permits(conn: Conn, _user: Reader, asked: Annotated[PermitQuery, Query()]) -> JSONResponse:
    """Une page de permis (1000 par défaut), filtrée par type, source, commune, validité à une date ou vue, les plus
    récents d'abord par défaut."""
    return _geojson(fetch_collection(conn, "permits", asked.params(conn)))


@router.get("/permis/{permit_id}", summary="Un permis")
def permit(permit_id: PermitKey, conn: Conn, _user: Reader) -> JSONResponse:
    """Un permis par son numéro (12) ou son site (PER-12, comme le nomment la liste de suivi et les tournées) ;
    404 s'il n'existe pas."""
    return _geojson(fetch_one(conn, "permit", {"id": find_permit(conn, permit_id)}, "permis"))


@router.post("/permis", status_code=201, summary="Encoder un permis (mêmes règles qu'à l'import)")
def create_permit(body: PermitIn, request: Request, conn: Conn, settings: AppSettings, user: Planner) -> JSONResponse:
    """Un permis encodé à la main passe par les mêmes contrôles qu'un fichier importé (une valeur refusée est nommée,
    rien n'est enregistré). Renvoie le permis et le bilan de son lot."""
    return _create(request, conn, settings, user, "permits", body)
