"""Referrals to the Mediation service and to partners: list them (every role), refer, confirm a proposal, withdraw
(planners; each step in the audit log), export the list in the five formats (planners, logged)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from service.api.deps import AppSettings, Conn, Id, Planner, Reader, audit
from service.api.files import dated_name, file_response
from service.db.vocabulary import load_labels
from service.export import Format, render, render_sheet
from service.referrals import (
    Decision,
    get_referral,
    list_referrals,
    parse_target,
    recipients,
    refer,
    resolve_recipient,
    withdraw,
)
from service.referrals import confirm as confirm_referral
from service.referrals.sheet import referral_sheet

router = APIRouter(prefix="/api", tags=["renvois"])

Status = Literal["propose", "actif", "retire", "refuse"]


class ReferralFilter(BaseModel):
    """Which referrals a list or an export holds: by state and by recipient."""

    etat: list[Status] | None = Field(default=None, description="propose, actif, retire, refuse (défaut : tous)")
    destinataire: str | None = Field(default=None, max_length=100, description="destinataire (code ou libellé)")

    def frame(self, conn: Any, *, report_id: int | None = None, limit: int = 5000) -> pd.DataFrame:
        """The referrals chosen, newest first (the recipient read as a code or a label)."""
        code = resolve_recipient(conn, self.destinataire) if self.destinataire else None
        return list_referrals(conn, statuses=tuple(self.etat or ()), recipient=code, report_id=report_id, limit=limit)


class ReferralQuery(ReferralFilter):
    """The list's filters, one report's referrals, and the page's length."""

    signalement: int | None = Field(default=None, ge=1, le=9_223_372_036_854_775_807)
    limite: int = Field(default=1000, ge=1, le=5000)


class ReferralIn(BaseModel):
    """Quoi renvoyer, à qui et pourquoi."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    cible: str = Field(max_length=40, examples=["123", "SIG-123", "PS-0004", "AX-0002"])
    destinataire: str = Field(max_length=100, examples=["mediation", "commune_proprete", "intercommunale"])
    motif: str = Field(min_length=3, max_length=2000, examples=["Différend de voisinage : haie mitoyenne"])


class ReasonIn(BaseModel):
    """Le motif de la confirmation, facultatif (3 caractères au moins quand il est donné)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    motif: str | None = Field(default=None, min_length=3, max_length=2000)


class WithdrawalIn(BaseModel):
    """Pourquoi le renvoi est retiré ou la proposition refusée (obligatoire)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    motif: str = Field(min_length=3, max_length=2000, examples=["Renvoyé par erreur : dépôt sur la voie publique"])


def _iso(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.isoformat() if hasattr(value, "isoformat") else value


def _collection(conn: Any, frame: pd.DataFrame, base_url: str, zone: str) -> dict[str, Any]:
    sheet = referral_sheet(frame, load_labels(conn), zone=zone, base_url=base_url)
    body: dict[str, Any] = json.loads(render(sheet, "geojson"))
    for feature, row in zip(body["features"], frame.to_dict("records"), strict=False):
        feature["id"] = int(row["id"])
        feature["properties"] |= {
            "etat": row["status"],
            "destinataire": row["recipient"],
            "cible": row["target_id"],
            "type_cible": row["target_kind"],
        }
    body["destinataires"] = recipients(conn)
    return body


@router.get("/renvois", summary="Renvois vers la médiation ou un partenaire (GeoJSON, sans données personnelles)")
def referrals(
    request: Request, conn: Conn, settings: AppSettings, _user: Reader, asked: Annotated[ReferralQuery, Query()]
) -> JSONResponse:
    """Les renvois avec leur état, leur destinataire, leur cible et leur lieu, filtrables par état, destinataire ou
    signalement, avec la liste des destinataires possibles ; aucune donnée de déclarant."""
    frame = asked.frame(conn, report_id=asked.signalement, limit=asked.limite)
    body = _collection(conn, frame, str(request.base_url), settings.timezone)
    return JSONResponse(body, media_type="application/geo+json")


@router.post("/renvois", status_code=201, summary="Renvoyer un signalement ou un site (planificateur, journalisé)")
def create_referral(body: ReferralIn, conn: Conn, settings: AppSettings, user: Planner) -> JSONResponse:
    """Renvoie un signalement (``123`` ou ``SIG-123``), un point sensible (``PS-…``) ou un axe (``AX-…``) au
    destinataire, avec un motif : ses signalements sortent des comptes des points chauds tant que le renvoi est actif.
    Une cible inconnue ou déjà renvoyée donne une erreur qui le dit, et rien ne change. Journalisé."""
    number = refer(conn, settings, parse_target(body.cible), body.destinataire, body.motif, actor=user.login)
    conn.commit()
    return JSONResponse(_one(conn, number), status_code=201, headers={"Location": f"/api/renvois/{number}"})


@router.get("/renvois/export", summary="Liste des renvois : CSV, XLSX, GeoJSON, GPX ou PDF (journalisé)")
def export_referrals(
    request: Request,
    conn: Conn,
    settings: AppSettings,
    user: Planner,
    asked: Annotated[ReferralFilter, Query()],
    format: Format = "csv",
) -> Response:
    """La liste des renvois en fichier, filtrée par état ou destinataire : le PDF s'ouvre dans le navigateur, les autres
    formats s'enregistrent ; chaque export est journalisé."""
    frame = asked.frame(conn)
    sheet = referral_sheet(frame, load_labels(conn), zone=settings.timezone, base_url=str(request.base_url))
    content = render_sheet(conn, settings, sheet, format)
    audit(conn, user, "export_renvois", format=format, renvois=len(frame))
    return file_response(content, format, dated_name("renvois", format, settings.timezone))


def _one(conn: Any, referral_id: int) -> dict[str, Any]:
    found = get_referral(conn, referral_id)
    reports = [
        {
            "id": r["id"],
            "categorie": r["category"],
            "date": _iso(r["observed_at"]),
            "statut": r["status"],
            "hors_des_comptes": r["out_of_counts"],
        }
        for r in found.pop("reports")
    ]
    out = {key: _iso(value) for key, value in found.items()}
    return {
        "id": out["id"],
        "etat": out["status"],
        "cible": {"type": out["target_kind"], "id": out["target_id"]},
        "destinataire": {"code": out["recipient"], "libelle": out["recipient_label"], "type": out["recipient_kind"]},
        "motif": out["reason"],
        "lieu": out["label"],
        "regle": out["rule_id"],
        "propose": {"le": out["proposed_at"], "par": out["proposed_by"]},
        "renvoye": {"le": out["referred_at"], "par": out["referred_by"]},
        "clos": {"le": out["closed_at"], "par": out["closed_by"], "motif": out["close_reason"]},
        "signalements": reports,
    }


@router.get("/renvois/{referral_id}", summary="Un renvoi : qui, quand, pourquoi, à qui, et ses signalements")
def referral(referral_id: Id, conn: Conn, _user: Reader) -> dict[str, Any]:
    """Qui a proposé, renvoyé ou clos le renvoi, quand et pourquoi, à quel destinataire, et ses signalements ; 404 si le
    numéro n'existe pas."""
    return _one(conn, referral_id)


@router.post("/renvois/{referral_id}/confirmation", summary="Confirmer une proposition de renvoi (planificateur)")
def confirm(referral_id: Id, body: ReasonIn, conn: Conn, user: Planner) -> dict[str, Any]:
    """Une proposition faite à l'import devient un renvoi : ses signalements sortent des comptes à partir de maintenant.
    Journalisé ; une proposition déjà confirmée ou close donne une erreur qui le dit."""
    confirm_referral(conn, referral_id, Decision(user.login, body.motif))
    conn.commit()
    return _one(conn, referral_id)


@router.post("/renvois/{referral_id}/retrait", summary="Retirer un renvoi ou refuser une proposition (planificateur)")
def withdraw_referral(referral_id: Id, body: WithdrawalIn, conn: Conn, user: Planner) -> dict[str, Any]:
    """Un renvoi actif est retiré (ses signalements reviennent dans les comptes) ou une proposition est refusée, avec un
    motif obligatoire. Journalisé ; un renvoi déjà clos donne une erreur qui le dit."""
    withdraw(conn, referral_id, Decision(user.login, body.motif))
    conn.commit()
    return _one(conn, referral_id)
