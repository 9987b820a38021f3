"""Follow-up: change a report's status or category, and record a visit outcome on a report, a sensitive point, an
axis or a plan's stop (in the field). A visit on a point changes its priority at once (the ``suite_visite``
component); the next analysis run also takes it into account for the lifecycle (a point quiet for N weeks after
``nettoye`` becomes ``resolu``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from service.accounts import User
from service.api.deps import AppSettings, Conn, Id, Planner
from service.api.geojson import GEOJSON, fetch_one
from service.api.writes import create_records, geocoder_of
from service.ingest import followup

router = APIRouter(prefix="/api", tags=["signalements"])


class ReportPatch(BaseModel):
    """Ce que les agents changent après coup ; un lieu ou une date erronés se corrigent à la source et se
    réimportent."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    statut: str | None = Field(default=None, max_length=50, examples=["traite", "en_cours"])
    categorie: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=10_000)


class OutcomeIn(BaseModel):
    """Le résultat d'une visite : date, résultat (code ou libellé), agent et remarques."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    date: str = Field(max_length=40, examples=["26/11/2026 10:00"])
    resultat: str = Field(max_length=100, examples=["nettoye", "pv", "avertissement", "rien à signaler"])
    agent: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=10_000)
    identifiant: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{7,63}$",
        description="Choisi par l'appareil, une fois par visite : la même visite renvoyée (réponse perdue, zone sans "
        "réseau) n'est enregistrée qu'une fois (200 et la visite déjà reçue).",
        examples=["k3f9x2a7q1m8"],
    )


@router.patch("/signalements/{report_id}", summary="Changer le statut, la catégorie ou la description")
def update_report(report_id: Id, body: ReportPatch, conn: Conn, user: Planner) -> JSONResponse:
    """Seuls les champs envoyés changent ; qui a changé quoi est journalisé. Renvoie le signalement à jour ; une
    valeur inconnue donne une erreur qui la nomme."""
    change = followup.ReportChange(status=body.statut, category=body.categorie, description=body.description)
    followup.update_report(conn, report_id, change, actor=user.login)
    return JSONResponse(fetch_one(conn, "report", {"id": report_id}, "signalement"), media_type=GEOJSON)


#: A visit sent again by its device (the same ``identifiant``) answers 200 with the visit already received.
_RESENT: dict[int | str, dict[str, Any]] = {
    200: {"description": "Déjà reçue (même identifiant) : la visite enregistrée"}
}


def _record_outcome(
    target: followup.Target,
    site_id: str,
    body: OutcomeIn,
    request: Request,
    conn: Conn,
    settings: AppSettings,
    user: User,
) -> JSONResponse:
    site = followup.visit_site(conn, target, site_id)
    attached = followup.site_column(target, site_id)
    if body.identifiant and (known := followup.visit_received(conn, body.identifiant, attached)) is not None:
        return _already_received(conn, known)
    record = _visit_record(body)
    if site.x is not None and site.y is not None:
        record |= {"x": round(site.x, 2), "y": round(site.y, 2)}
    if site.address:
        record["adresse"] = site.address
    if site.category:
        record["categorie"] = site.category
    # one transaction: the visit, its attachment and the point's priority are stored together or not at all (the
    # point's row stays locked until the commit: other visits of the same point wait for it)
    with conn.transaction():
        summary, ids = create_records(conn, settings, "visits", record, user, geocoder_of(request, conn))
        if not summary["inserted"]:  # the same visit sent twice at once: the other request stored it
            return _already_received(conn, ids[0])
        followup.attach_visit(conn, ids[0], target, site_id)
    return _received(conn, summary, ids[0])


@router.post(
    "/tournees/{plan_id}/arrets/{stop_ref}/visites",
    status_code=201,
    summary="Encoder le résultat d'un arrêt de tournée (sur le terrain)",
    responses=_RESENT,
)
def stop_outcome(
    plan_id: Id,
    stop_ref: Annotated[str, Path(max_length=40, pattern=r"^T\d+-E\d+-\d+$", examples=["T12-E1-03"])],
    body: OutcomeIn,
    request: Request,
    conn: Conn,
    settings: AppSettings,
    user: Planner,
) -> JSONResponse:
    """La visite faite à un arrêt de la tournée, encodée sur place (le téléphone de l'agent) : rattachée à l'arrêt
    (la tournée la compte comme faite) et au site de l'arrêt (point, axe ou signalement), à son lieu ; la priorité
    d'un point suit son résultat. Comme le tableur de la tournée réimporté, une visite à la fois. La tournée annulée
    entre-temps (un téléphone qui l'affichait encore, une visite gardée hors réseau), la visite est enregistrée au
    site de l'arrêt, hors tournée, et la tournée reste annulée (``lot.phrases`` le dit)."""
    stop = followup.plan_stop(conn, plan_id, stop_ref)
    if body.identifiant and (known := followup.visit_received(conn, body.identifiant, stop.attached)):
        return _already_received(conn, known)
    record = _visit_record(body) | {"arret": stop_ref}
    with conn.transaction():  # the visit, its stop and its site, and the point's priority: together or not at all
        summary, ids = create_records(conn, settings, "visits", record, user, geocoder_of(request, conn))
        if not summary["inserted"]:
            return _already_received(conn, ids[0])
    if stop.cancelled_at is None:
        return _received(conn, summary, ids[0])
    said = followup.outside_cancelled_shift(conn, ids[0], plan_id, stop, timezone=settings.timezone)
    return _received(conn, summary, ids[0], hors_tournee=said)


def _visit_record(body: OutcomeIn) -> dict[str, Any]:
    """The visit as a record to ingest: what was given, under the device's key when there is one."""
    record = {"date": body.date, "resultat": body.resultat, "agent": body.agent, "notes": body.notes}
    if body.identifiant:
        record |= {"source": followup.DEVICE_SOURCE, "identifiant": followup.DEVICE_KEY + body.identifiant}
    return {k: v for k, v in record.items() if v is not None}


def _received(conn: Conn, summary: dict[str, Any], visit_id: int, **said: str) -> JSONResponse:
    """A visit just stored: 201, the visit and the account of its batch (and ``said``: what the officer must be
    told, as ``hors_tournee`` for the stop of a cancelled shift)."""
    visit = fetch_one(conn, "visit", {"id": visit_id}, "visite")
    return JSONResponse({"lot": summary, **said, **visit}, 201, media_type=GEOJSON)


def _already_received(conn: Conn, visit_id: int) -> JSONResponse:
    """A visit sent again by its device: the one stored, once (200, ``deja_recue``)."""
    visit = fetch_one(conn, "visit", {"id": visit_id}, "visite")
    return JSONResponse({"deja_recue": True, **visit}, 200, media_type=GEOJSON)


@router.post(
    "/signalements/{report_id}/visites", status_code=201, summary="Encoder le résultat d'une visite", responses=_RESENT
)
def report_outcome(
    report_id: Id, body: OutcomeIn, request: Request, conn: Conn, settings: AppSettings, user: Planner
) -> JSONResponse:
    """La visite est enregistrée au lieu du signalement et rattachée à lui ; renvoie la visite et le bilan du lot."""
    return _record_outcome("signalements", str(report_id), body, request, conn, settings, user)


@router.post(
    "/points-sensibles/{point_id}/visites", status_code=201, summary="Visite d'un point sensible", responses=_RESENT
)
def point_outcome(
    point_id: str, body: OutcomeIn, request: Request, conn: Conn, settings: AppSettings, user: Planner
) -> JSONResponse:
    """La visite est enregistrée au lieu du point et rattachée à lui ; la priorité du point suit son résultat.
    Renvoie la visite et le bilan du lot."""
    return _record_outcome("points-sensibles", point_id, body, request, conn, settings, user)


@router.post("/axes/{axis_id}/visites", status_code=201, summary="Visite d'un axe problématique", responses=_RESENT)
def axis_outcome(
    axis_id: str, body: OutcomeIn, request: Request, conn: Conn, settings: AppSettings, user: Planner
) -> JSONResponse:
    """La visite est enregistrée au lieu de l'axe et rattachée à lui ; renvoie la visite et le bilan du lot."""
    return _record_outcome("axes", axis_id, body, request, conn, settings, user)
