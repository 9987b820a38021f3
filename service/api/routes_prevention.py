"""Green neighbourhood information networks and their digests (and the digest of a commune section).

Reading is for every role (a digest carries no personal data); registering a network or recording a digest as sent
is for planners; the coordinator's contact is for an admin, one read at a time, with a reason (logged)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from service.api.deps import Admin, AppSettings, Conn, Id, Planner, Reader, audit
from service.db.personal import network_coordinator
from service.db.vocabulary import load_labels
from service.errors import NotFoundError
from service.geo import geometry_to_wgs84
from service.prevention import digest_for, parse_period
from service.prevention.changes import changes_since_last, record_digest
from service.prevention.networks import Coordinator, find_network, list_networks, register_network
from service.prevention.render import digest_json, load_digest_background, render_html, render_pdf
from service.settings import Settings

router = APIRouter(prefix="/api", tags=["prévention"])

DigestFormat = Literal["json", "html", "pdf"]
Periode = Annotated[str, Query(max_length=20, description="mois (2026-10), trimestre (2026-T4) ou année (2026)")]


class ZoneIn(BaseModel):
    """La zone : un polygone (GeoJSON, WGS84), une liste de rues (et leur commune) ou une section ; une seule."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    polygone: dict[str, Any] | None = Field(default=None, description="géométrie, Feature ou FeatureCollection GeoJSON")
    rues: list[Annotated[str, Field(max_length=200)]] | None = Field(default=None, max_length=200)
    commune: str | None = Field(default=None, max_length=100)
    section: str | None = Field(default=None, max_length=100)


class CoordinatorIn(BaseModel):
    """La personne de contact du réseau ; chaque champ est facultatif."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    nom: str | None = Field(default=None, max_length=200)
    telephone: str | None = Field(default=None, max_length=50)
    email: str | None = Field(default=None, max_length=200)


class NetworkIn(BaseModel):
    """Un réseau à enregistrer : son nom, sa zone et, au besoin, son coordinateur."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    nom: str = Field(min_length=2, max_length=120, examples=["PLP Les Trixhes"])
    zone: ZoneIn
    coordinateur: CoordinatorIn | None = None


def _feature(network: dict[str, Any]) -> dict[str, Any]:

    last = network["last_digest"]
    return {
        "type": "Feature",
        "id": network["id"],
        "geometry": geometry_to_wgs84(network["geom"]),
        "properties": {
            "id": network["id"],
            "nom": network["name"],
            "zone": network["area_kind"],
            "definition": network["area_spec"],
            "commune": network["commune"],
            "surface_ha": round(float(network["area_m2"]) / 1e4, 1),
            "cree_le": network["created_at"].isoformat(),
            "dernier_bilan_envoye": last.isoformat() if last is not None else None,
        },
    }


@router.get("/reseaux", summary="Réseaux d'information de quartier (GeoJSON, sans les coordinateurs)")
def networks(conn: Conn, _user: Reader) -> JSONResponse:
    """Tous les réseaux enregistrés avec leur zone, leur surface et la date du dernier bilan envoyé ; les coordonnées
    des coordinateurs n'y figurent pas."""
    body = {"type": "FeatureCollection", "features": [_feature(n) for n in list_networks(conn)]}
    return JSONResponse(body, media_type="application/geo+json")


@router.post("/reseaux", status_code=201, summary="Enregistrer un réseau : nom, zone, coordinateur (planificateur)")
def create_network(body: NetworkIn, conn: Conn, settings: AppSettings, user: Planner) -> JSONResponse:
    """La zone est un polygone, une liste de rues ou une section (une seule des trois) ; un nom déjà pris ou une zone
    inutilisable est refusé avec un message qui le dit, et rien n'est enregistré. Journalisé ; renvoie le réseau."""
    contact = body.coordinateur or CoordinatorIn()
    network_id = register_network(
        conn,
        settings,
        body.nom,
        polygon=body.zone.polygone,
        streets=body.zone.rues,
        section=body.zone.section,
        commune=body.zone.commune,
        coordinator=Coordinator(contact.nom, contact.telephone, contact.email),
        actor=user.login,
    )
    audit(conn, user, "creation_reseau", reseau=network_id, nom=body.nom)
    return JSONResponse(
        _feature(list_networks(conn, network_id)[0]),
        status_code=201,
        media_type="application/geo+json",
        headers={"Location": f"/api/reseaux/{network_id}"},
    )


def _network(conn: Any, network_id: int) -> dict[str, Any]:
    found = list_networks(conn, network_id)
    if not found:
        raise NotFoundError(f"Aucun réseau n° {network_id}.", hint="GET /api/reseaux liste les réseaux.")
    return found[0]


@router.get("/reseaux/{network_id}", summary="Un réseau (GeoJSON, sans le coordinateur)")
def network(network_id: Id, conn: Conn, _user: Reader) -> JSONResponse:
    """Un réseau avec sa zone (sans le coordinateur) ; 404 si le numéro n'existe pas."""
    return JSONResponse(_feature(_network(conn, network_id)), media_type="application/geo+json")


def _digest_response(conn: Any, settings: Settings, found: Any, fmt: str) -> Response:
    if fmt == "json":
        return JSONResponse(digest_json(found))
    background = load_digest_background(conn, settings, found)
    name = f"bilan_{found.period.code}"
    if fmt == "html":
        return HTMLResponse(
            render_html(found, background=background),
            headers={"Content-Disposition": f'inline; filename="{name}.html"'},
        )
    return Response(
        render_pdf(found, background=background),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
    )


@router.get("/reseaux/{network_id}/bilan", summary="Bilan d'un réseau pour une période : JSON, page HTML ou PDF")
def network_digest(
    network_id: Id, conn: Conn, settings: AppSettings, _user: Reader, periode: Periode, format: DigestFormat = "json"
) -> Response:
    """Ce que l'on peut dire aux habitants pour la période : signalements par catégorie comparés à la période d'avant,
    points sensibles et axes proches, actions du service, conseils. Aucune donnée de déclarant ; les petits nombres sont
    affichés « moins de k »."""
    _network(conn, network_id)
    found = digest_for(conn, settings, load_labels(conn), period=periode, network=network_id)
    return _digest_response(conn, settings, found, format)


@router.post("/reseaux/{network_id}/bilans", status_code=201, summary="Noter le bilan d'une période comme envoyé")
def send_digest(network_id: Id, conn: Conn, settings: AppSettings, user: Planner, periode: Periode) -> JSONResponse:
    """Note que le bilan de la période a été envoyé au réseau (avec les sites qu'il montrait) : les nouveautés suivantes
    partent de lui. Journalisé."""
    _network(conn, network_id)
    found = digest_for(conn, settings, load_labels(conn), period=periode, network=network_id)
    digest_id = record_digest(conn, found, actor=user.login)
    audit(conn, user, "envoi_bilan", reseau=network_id, periode=found.period.code, bilan=digest_id)
    return JSONResponse({"bilan": digest_id, "reseau": network_id, "periode": found.period.code}, status_code=201)


@router.get("/reseaux/{network_id}/nouveautes", summary="Ce qui a changé depuis le dernier bilan envoyé")
def network_news(network_id: Id, conn: Conn, settings: AppSettings, _user: Reader) -> dict[str, Any]:
    """Les sites nouveaux, aggravés ou résolus dans la zone du réseau depuis le dernier bilan envoyé (sans bilan
    envoyé, tous les sites ouverts sont nouveaux) : de quoi juger s'il faut un nouveau bilan."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    _network(conn, network_id)
    month = parse_period(f"{datetime.now(ZoneInfo('Europe/Brussels')):%Y-%m}").code
    found = digest_for(conn, settings, load_labels(conn), period=month, network=network_id)
    return changes_since_last(conn, found).to_json()


@router.get("/reseaux/{network_id}/coordinateur", summary="Coordonnées du coordinateur (admin, lecture journalisée)")
def network_contact(
    network_id: Id,
    conn: Conn,
    user: Admin,
    motif: Annotated[str, Query(min_length=5, max_length=300, description="pourquoi ces données sont lues")],
) -> dict[str, Any]:
    """Le nom, le téléphone et l'e-mail du coordinateur d'un réseau, avec un ``motif`` obligatoire : la lecture est
    écrite au journal (qui, quand, quoi, pourquoi)."""
    found = find_network(conn, network_id)
    contact = network_coordinator(conn, network_id, actor=user.login, reason=motif)
    conn.commit()
    return {"reseau": network_id, "nom_reseau": found["name"], "coordinateur": contact}


@router.get("/sections/{section}/bilan", summary="Bilan d'une section de commune pour une période (service propreté)")
def section_digest(
    section: Annotated[str, PathParam(max_length=100, description="nom de la section (Ougrée) ou code postal")],
    conn: Conn,
    settings: AppSettings,
    _user: Reader,
    periode: Periode,
    format: DigestFormat = "json",
) -> Response:
    """Le même bilan pour une section de commune (ou un code postal), pour le service propreté : JSON, page HTML
    ou PDF."""
    found = digest_for(conn, settings, load_labels(conn), period=periode, section=section)
    return _digest_response(conn, settings, found, format)
