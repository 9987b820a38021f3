"""Green neighbourhood information networks and their digests (and the digest of a commune section).

Reading is for every role (a digest carries no personal data); registering a network or recording a digest as sent
is for planners; the coordinator's contact is for an admin, one read at a time, with a reason (logged)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import psycopg
from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from service.api.deps import Admin, AppSettings, Conn, Id, Planner, Reader, ReadReason, audit
from service.api.files import file_response
from service.db.personal import network_coordinator
from service.db.vocabulary import load_labels
from service.errors import NotFoundError
from service.geo import geometry_to_wgs84
from service.mail import check_mail_settings
from service.prevention import Digest, digest_for, news_since_last_digest
from service.prevention.issuing import IssueOptions, issue, issue_every_network
from service.prevention.networks import Coordinator, find_network, list_networks, register_network
from service.prevention.period import parse_period
from service.prevention.render import digest_json, load_digest_background, render_html, render_pdf
from service.settings import Settings

router = APIRouter(prefix="/api", tags=["prévention"])

DigestFormat = Literal["json", "html", "pdf"]
Periode = Annotated[
    str,
    Query(
        max_length=20,
        description="mois (2026-10), trimestre (2026-T4), année (2026), ou mois-dernier, trimestre-dernier, "
        "annee-derniere",
    ),
]


class ZoneIn(BaseModel):
    """La zone : un polygone (GeoJSON, WGS84), une liste de rues (et leur commune) ou une section ; une seule."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    polygone: dict[str, Any] | None = Field(default=None, description="géométrie, Feature ou FeatureCollection GeoJSON")
    rues: list[Annotated[str, Field(max_length=200)]] | None = Field(default=None, max_length=200)
    commune: str | None = Field(default=None, max_length=100)
    section: str | None = Field(default=None, max_length=100)


class CoordinatorIn(BaseModel):
    """Le coordinateur du réseau (donnée personnelle, gardée à part : lue seulement par un administrateur, avec un
    motif)."""

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
    """Les réseaux d'information de quartier enregistrés, avec leur zone (WGS84), leur surface et la date du
    dernier bilan envoyé ; les coordonnées des coordinateurs n'y sont jamais."""
    body = {"type": "FeatureCollection", "features": [_feature(n) for n in list_networks(conn)]}
    return JSONResponse(body, media_type="application/geo+json")


@router.post("/reseaux", status_code=201, summary="Enregistrer un réseau : nom, zone, coordinateur (planificateur)")
def create_network(body: NetworkIn, conn: Conn, settings: AppSettings, user: Planner) -> JSONResponse:
    """Enregistre un réseau : son nom (unique), sa zone (un polygone GeoJSON, une liste de rues et leur commune, ou
    une section de commune, dans la zone de police) et son coordinateur, gardé à part. L'enregistrement est inscrit
    au journal."""
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


#: Whether a digest noted as sent also goes by e-mail to its network's coordinator.
Envoyer = Annotated[
    bool, Query(description="l'envoyer aussi par e-mail au coordinateur du réseau (HTML, PDF joint ; réglages SMTP)")
]


def _network(conn: psycopg.Connection[Any], network_id: int) -> dict[str, Any]:
    found = list_networks(conn, network_id)
    if not found:
        raise NotFoundError(f"Aucun réseau n° {network_id}.", hint="GET /api/reseaux liste les réseaux.")
    return found[0]


@router.get("/reseaux/{network_id}", summary="Un réseau (GeoJSON, sans le coordinateur)")
def network(network_id: Id, conn: Conn, _user: Reader) -> JSONResponse:
    """Un réseau : son nom, sa zone (WGS84), sa surface, la date de son dernier bilan envoyé."""
    return JSONResponse(_feature(_network(conn, network_id)), media_type="application/geo+json")


def _digest_response(conn: psycopg.Connection[Any], settings: Settings, found: Digest, fmt: DigestFormat) -> Response:
    if fmt == "json":
        return JSONResponse(digest_json(found))
    background = load_digest_background(conn, settings, found)
    if fmt == "html":
        data = render_html(found, issuer=settings.service_name, background=background).encode("utf-8")
    else:
        data = render_pdf(found, issuer=settings.service_name, background=background)
    return file_response(data, fmt, f"bilan_{found.period.code}.{fmt}")


@router.get("/reseaux/{network_id}/bilan", summary="Bilan d'un réseau pour une période : JSON, page HTML ou PDF")
def network_digest(
    network_id: Id, conn: Conn, settings: AppSettings, _user: Reader, periode: Periode, format: DigestFormat = "json"
) -> Response:
    """Le bilan d'un réseau pour un mois, un trimestre ou une année, à transmettre aux membres : points sensibles
    et axes de sa zone avec leur tendance, ce que le service a fait, ce que les habitants peuvent faire, une
    petite carte. Sans aucune donnée personnelle ; les petits nombres (sous le seuil de la carte publique) sont
    dits « moins de k ». Lire un bilan ne le note pas comme envoyé."""
    _network(conn, network_id)
    found = digest_for(conn, settings, load_labels(conn), period=periode, network=network_id)
    return _digest_response(conn, settings, found, format)


@router.post("/reseaux/{network_id}/bilans", status_code=201, summary="Noter le bilan d'une période comme envoyé")
def send_digest(
    network_id: Id,
    conn: Conn,
    settings: AppSettings,
    user: Planner,
    periode: Periode,
    envoyer: Envoyer = False,
) -> JSONResponse:
    """Note le bilan d'une période comme envoyé aux membres : les prochaines nouveautés du réseau partent de lui.
    Avec ``envoyer=true``, il part d'abord par e-mail au coordinateur (son adresse n'est pas dans la réponse ; sa
    lecture est journalisée) et n'est noté qu'une fois accepté par le serveur d'envoi (502 sinon, en français).
    L'envoi est inscrit au journal."""
    _network(conn, network_id)
    if envoyer:
        check_mail_settings(settings)
    found = digest_for(conn, settings, load_labels(conn), period=periode, network=network_id)
    digest_id = issue(conn, settings, found, actor=user.login, options=IssueOptions(send=envoyer)).digest_id
    audit(conn, user, "envoi_bilan", reseau=network_id, periode=found.period.code, bilan=digest_id, email=envoyer)
    return JSONResponse(
        {"bilan": digest_id, "reseau": network_id, "periode": found.period.code, "envoye_par_email": envoyer},
        status_code=201,
    )


@router.post("/reseaux/bilans", summary="Les bilans de tous les réseaux actifs pour une période (envoi mensuel)")
def send_every_digest(
    conn: Conn,
    settings: AppSettings,
    user: Planner,
    periode: Periode,
    envoyer: Envoyer = False,
) -> dict[str, Any]:
    """Le bilan de chaque réseau actif pour la période est noté comme envoyé (et, avec ``envoyer=true``, part par
    e-mail à son coordinateur). Un réseau refusé (pas d'e-mail de coordinateur, serveur d'envoi qui refuse)
    n'arrête pas les autres : son motif et quoi faire sont dans la réponse ; un réseau déjà noté pour la période est
    passé, si bien que relancer après une correction n'envoie que ce qui manquait. Aucune adresse dans la réponse ;
    chaque envoi est inscrit au journal."""
    period = parse_period(periode, zone=settings.timezone)
    if envoyer:
        check_mail_settings(settings)
    options = IssueOptions(send=envoyer)
    outcomes = issue_every_network(conn, settings, load_labels(conn), period, actor=user.login, options=options)
    for done in outcomes:
        if done.recorded:
            audit(conn, user, "envoi_bilan", reseau=done.network_id, periode=period.code, email=envoyer)
    return {
        "periode": period.code,
        "libelle": period.label,
        "reseaux": [done.to_json() for done in outcomes],
        "refuses": sum(1 for done in outcomes if done.error),
    }


@router.get("/reseaux/{network_id}/nouveautes", summary="Ce qui a changé depuis le dernier bilan envoyé")
def network_news(network_id: Id, conn: Conn, settings: AppSettings, _user: Reader) -> dict[str, Any]:
    """Ce qui a changé dans la zone du réseau depuis le dernier bilan envoyé : les nouveaux points sensibles et
    axes, ceux qui s'aggravent, ceux qui sont résolus."""
    _network(conn, network_id)
    _found, news = news_since_last_digest(conn, settings, load_labels(conn), network=network_id)
    return news.to_json()


@router.get("/reseaux/{network_id}/coordinateur", summary="Coordonnées du coordinateur (admin, lecture journalisée)")
def network_contact(network_id: Id, conn: Conn, user: Admin, motif: ReadReason) -> dict[str, Any]:
    """Les coordonnées du coordinateur d'un réseau : une donnée personnelle, lue par un administrateur avec un
    motif ; la lecture (qui, quand, pourquoi) est inscrite au journal avant la réponse."""
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
    """Le bilan d'une section de commune (Ougrée, Plainevaux…) pour une période, pour le service propreté de la
    commune : le même contenu que le bilan d'un réseau, sur toute la section."""
    found = digest_for(conn, settings, load_labels(conn), period=periode, section=section)
    return _digest_response(conn, settings, found, format)
