"""Administration: accounts, the access log, the settings in force, and reporters' personal data.

Personal data is only ever returned here, to an admin, for one report at a time, with a stated reason; the read is
written to the access log (who, when, what, why) before the answer leaves.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from service.accounts import add_user, list_users, set_active, set_password, set_role
from service.api.deps import Admin, AppSettings, Conn, Id, ReadReason, audit
from service.db import personal
from service.db.connect import masked_conninfo
from service.errors import NotFoundError

router = APIRouter(prefix="/api", tags=["comptes"])

EraseReason = Annotated[
    str,
    Query(min_length=5, max_length=300, description="pourquoi (« demande du déclarant du 02/12 »), pour le journal"),
]


class AccountIn(BaseModel):
    """Un nouveau compte : identifiant (enregistré en minuscules), mot de passe, rôle et, au besoin, le nom de la
    personne."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    identifiant: str = Field(min_length=2, max_length=63, examples=["agent.dupont"])
    mot_de_passe: str = Field(min_length=1, max_length=1024)
    role: Literal["lecteur", "planificateur", "admin"]
    nom: str | None = Field(default=None, max_length=200)


class AccountPatch(BaseModel):
    """Les changements d'un compte : seuls les champs envoyés changent."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    role: Literal["lecteur", "planificateur", "admin"] | None = None
    actif: bool | None = None
    mot_de_passe: str | None = Field(default=None, max_length=1024)


@router.get("/comptes", summary="Comptes (admin)")
def accounts(conn: Conn, _user: Admin) -> list[dict[str, Any]]:
    """Les comptes : identifiant, nom, rôle, actif ou non, date de création, dernière connexion."""
    return list_users(conn)


@router.post("/comptes", status_code=201, summary="Créer un compte (admin)")
def create_account(body: AccountIn, conn: Conn, user: Admin) -> dict[str, Any]:
    """Crée un compte avec son rôle : lecteur (consulter), planificateur (encoder, planifier, exporter) ou
    admin (comptes, journal, données personnelles). La création est inscrite au journal."""
    new_id = add_user(conn, body.identifiant, body.mot_de_passe, body.role, full_name=body.nom)
    audit(conn, user, "creation_compte", compte=body.identifiant.lower(), role=body.role)
    return {"id": new_id, "identifiant": body.identifiant.lower(), "role": body.role}


@router.patch("/comptes/{login}", summary="Changer le rôle, désactiver ou changer le mot de passe (admin)")
def update_account(login: str, body: AccountPatch, conn: Conn, user: Admin) -> dict[str, Any]:
    """Change le rôle d'un compte, le désactive ou le réactive, ou change son mot de passe. Le changement est
    inscrit au journal (sans le mot de passe). Tout ou rien : un changement refusé (le dernier administrateur
    actif ne peut être ni désactivé ni changé de rôle : 409) n'en laisse passer aucun."""
    with conn.transaction():
        if body.mot_de_passe is not None:
            set_password(conn, login, body.mot_de_passe)
        if body.role is not None:
            set_role(conn, login, body.role)
        if body.actif is not None:
            set_active(conn, login, body.actif)
    found = [u for u in list_users(conn) if u["login"] == login.lower()]
    if not found:
        raise NotFoundError(f"Aucun compte « {login} ».", hint="GET /api/comptes liste les comptes.")
    changes = {k: v for k, v in body.model_dump(exclude_none=True).items() if k != "mot_de_passe"}
    audit(conn, user, "modification_compte", compte=login, **changes, mot_de_passe=body.mot_de_passe is not None)
    return found[0]


@router.get("/journal", summary="Journal des accès aux données personnelles et des exports (admin)")
def access_log(
    conn: Conn,
    _user: Admin,
    limite: Annotated[int, Query(ge=1, le=5000)] = 200,
    action: Annotated[str | None, Query(max_length=100)] = None,
) -> list[dict[str, Any]]:
    """Le journal des accès, du plus récent au plus ancien : qui a lu quelle donnée personnelle et pourquoi, qui a
    exporté quoi, qui a changé quel compte. Filtrable par action (`export_sites`, `lecture_declarants`…)."""
    return personal.access_log(conn, limit=limite, action=action)


@router.get("/signalements/{report_id}/declarant", summary="Coordonnées du déclarant (admin, lecture journalisée)")
def reporter(report_id: Id, conn: Conn, user: Admin, motif: ReadReason) -> dict[str, Any]:
    """Les coordonnées du déclarant d'un signalement : une donnée personnelle, lue par un administrateur avec un
    motif ; la lecture (qui, quand, pourquoi) est inscrite au journal avant la réponse."""
    contact = personal.reporter_of(conn, report_id, actor=user.login, reason=motif)
    conn.commit()
    return {"signalement": report_id, "declarant": contact}


@router.delete(
    "/signalements/{report_id}/declarant", summary="Effacer les coordonnées du déclarant (admin, journalisé)"
)
def forget_reporter(report_id: Id, conn: Conn, user: Admin, motif: EraseReason) -> dict[str, Any]:
    """Efface les coordonnées du déclarant d'un signalement, à sa demande (droit à l'effacement) ; le signalement
    reste. L'effacement (qui, quand, pourquoi) est inscrit au journal. `efface` : faux s'il n'y en avait pas.
    Les coordonnées de tous les signalements clos depuis `HOTSPOTS_PERSONAL_RETENTION_MONTHS` mois partent
    d'elles-mêmes, chaque jour."""
    erased = personal.erase_reporter(conn, report_id, actor=user.login, reason=motif)
    conn.commit()
    return {"signalement": report_id, "efface": erased}


@router.get("/reglages", summary="Réglages en vigueur (admin ; le mot de passe de la base est masqué)")
def settings_in_force(settings: AppSettings, _user: Admin) -> dict[str, Any]:
    """Les réglages avec lesquels le service tourne (valeurs par défaut et variables `HOTSPOTS_…`) ; le mot de
    passe de la chaîne de connexion à la base est masqué (le serveur, la base et l'utilisateur restent lisibles)."""
    values = settings.model_dump(mode="json")
    if values.get("database_url"):
        values["database_url"] = masked_conninfo(values["database_url"])
    return values
