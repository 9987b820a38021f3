"""Log in and out, and who am I. The token is returned once and also set as an ``HttpOnly`` cookie."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from service import __version__
from service.accounts import close_session
from service.api.availability import unavailable
from service.api.deps import (
    SESSION_COOKIE,
    AppSettings,
    Conn,
    Reader,
    log_in,
    request_token,
)
from service.api.state import state_of
from service.db.migrate import schema_version

router = APIRouter(prefix="/api")


class Credentials(BaseModel):
    """Identifiant et mot de passe d'un compte."""

    identifiant: str = Field(min_length=1, max_length=63, examples=["agent.dupont"])
    mot_de_passe: str = Field(min_length=1, max_length=1024)


@router.get("/health", tags=["service"], summary="Le service répond, et la base de données aussi")
def health(request: Request) -> JSONResponse:
    """``base`` : ``disponible`` ou ``indisponible`` (alors une 503 avec ``Retry-After``). Connu sans requête tant
    que le service suit les notifications de changement ; sinon, une connexion neuve par seconde au plus."""
    state = state_of(request)
    if state.database.answers(followed=state.watcher.up):
        return JSONResponse({"statut": "ok", "version": __version__, "base": "disponible"})
    error = unavailable()
    body = {
        "statut": "degrade",
        "version": __version__,
        "base": "indisponible",
        "erreur": error.message,
        "conseil": error.hint,
    }
    return JSONResponse(body, status_code=503, headers={"Retry-After": str(error.retry_after)})


@router.get("/ready", tags=["service"], summary="La base répond et le schéma est à jour")
def ready(request: Request, conn: Conn) -> dict[str, Any]:
    """``notifications`` : si ce processus suit les changements de la base (sinon il répond quand même, mais
    interroge la base pour chaque session et chaque version des données)."""
    return {"statut": "pret", "migration": schema_version(conn), "notifications": state_of(request).watcher.up}


@router.post("/connexion", tags=["comptes"], summary="Se connecter : renvoie un jeton de session")
def login(body: Credentials, request: Request, response: Response, conn: Conn, settings: AppSettings) -> dict[str, Any]:
    """Après trop d'échecs (par identifiant et par adresse), répond 429 avec ``Retry-After``."""
    user, token, expires = log_in(request, conn, settings, response, body.identifiant, body.mot_de_passe)
    return {"jeton": token, "expire": expires.isoformat(), "identifiant": user.login, "role": user.role}


@router.post("/deconnexion", tags=["comptes"], summary="Se déconnecter (le jeton cesse de fonctionner)")
def logout(request: Request, response: Response, conn: Conn, _user: Reader) -> dict[str, str]:
    """Le jeton de session cesse de fonctionner aussitôt, dans tous les processus du service ; le cookie est
    effacé."""
    token = request_token(request)
    if token:
        close_session(conn, token)
    response.delete_cookie(SESSION_COOKIE)
    return {"statut": "deconnecte"}


@router.get("/moi", tags=["comptes"], summary="Le compte connecté et son rôle")
def me(user: Reader) -> dict[str, Any]:
    """Identifiant, nom et rôle (lecteur, planificateur ou admin) du compte qui envoie la requête."""
    return {"identifiant": user.login, "nom": user.full_name, "role": user.role}
