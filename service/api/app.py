"""``create_app(settings)``: the FastAPI application. What the app holds lives in one typed state (pools, caches,
watcher, geocoder: :class:`service.api.state.AppState`), built in the lifespan, kept on ``app.state.hotspots``
and closed on shutdown; routes live in one small module per resource, the map pages and their data included.

Every error reaches the client as JSON with a French ``erreur``, a ``conseil`` and, when one field is at fault,
``champ`` (and ``problemes`` for row validation). The documentation pages are served without any CDN.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import psycopg
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from service import __version__
from service.api import (
    open311_xml,
    routes_activity,
    routes_admin,
    routes_analysis,
    routes_auth,
    routes_export,
    routes_followup,
    routes_interventions,
    routes_map,
    routes_mappings,
    routes_open311,
    routes_pages,
    routes_permits,
    routes_plan,
    routes_prevention,
    routes_records,
    routes_referrals,
    routes_reviews,
    routes_tools,
)
from service.api.availability import translate
from service.api.guards import BodyLimits, refuse_cross_origin_writes, refuse_nul_bytes
from service.api.headers import SecurityHeaders
from service.api.openapi import document_responses
from service.api.pages_errors import error_page, not_found_page, wants_page
from service.api.state import AppState, state_of
from service.db import server_database
from service.errors import AuthenticationError, HotspotsError, ValidationFailedError
from service.settings import Settings, load_settings

_TAGS = [
    {"name": "service", "description": "État du service."},
    {"name": "comptes", "description": "Connexion, session, comptes (admin)."},
    {"name": "analyse", "description": "Points sensibles et axes problématiques."},
    {"name": "signalements", "description": "Signalements, visites et permis."},
    {"name": "outils", "description": "Géocodage et imports de fichiers."},
    {"name": "tournées", "description": "Planifier les tournées et emporter la liste des sites à contrôler."},
    {"name": "open311", "description": "GeoReport v2 pour les applications citoyennes."},
    {"name": "prévention", "description": "Réseaux d'information de quartier et leurs bilans."},
    {"name": "bilan d'activité", "description": "Ce que le service a reçu et fait sur une période, comparé."},
    {"name": "permis", "description": "Suivi des permis, nuisances liées, fiche d'avis sur une demande."},
    {"name": "renvois", "description": "Renvois vers la médiation et les partenaires."},
]


#: How long a starting process waits to follow the change notifications (it serves from the database meanwhile).
WATCH_START_SECONDS = 5.0


def app_from_environment() -> FastAPI:
    """The application for the settings of the environment: what each server process builds when
    ``hotspots serve --workers N`` starts several."""
    return create_app(load_settings())


def create_app(settings: Settings) -> FastAPI:
    """The application for ``settings``; nothing is read from the environment here."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        server_database(settings)  # started if managed, the schema up to date: migrating is « hotspots db migrate »
        state = app.state.hotspots = AppState.open(settings)
        state.watcher.start()
        await anyio.to_thread.run_sync(state.watcher.wait_up, WATCH_START_SECONDS)
        state.refresher.start()
        state.digests.start()
        state.retention.start()
        try:
            yield
        finally:
            state.close()

    app = FastAPIOffline(
        title="Hotspots",
        version=__version__,
        lifespan=lifespan,
        openapi_tags=_TAGS,
        static_url="/static/docs",
        dependencies=[Depends(refuse_nul_bytes), Depends(refuse_cross_origin_writes)],
        description=(
            "Points sensibles et axes problématiques du service Environnement (GeoJSON WGS84). "
            "Connectez-vous par `POST /api/connexion`, puis envoyez `Authorization: Bearer <jeton>`."
        ),
    )
    # outermost last: the security headers go on every answer, the limits' own 413 included
    app.add_middleware(BodyLimits, upload_bytes=(settings.max_upload_mb + 1) << 20)
    app.add_middleware(SecurityHeaders, settings=settings)
    _error_handlers(app)
    routers = (
        routes_auth,
        routes_analysis,
        routes_records,
        routes_followup,
        routes_export,
        routes_plan,
        routes_tools,
        routes_mappings,
        routes_reviews,
        routes_open311,
        open311_xml,
        routes_admin,
        routes_prevention,
        routes_activity,
        routes_interventions,
        routes_permits,
        routes_referrals,
        routes_pages,
        routes_map,
    )
    for module in routers:
        app.include_router(module.router)
    document_responses(app)
    return app


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HotspotsError)
    async def domain_error(request: Request, exc: HotspotsError) -> Response:
        return error_page(exc, request.url.path) if wants_page(request) else error_response(exc)

    @app.exception_handler(psycopg.OperationalError)
    async def database_error(request: Request, exc: psycopg.OperationalError) -> Response:
        """The database stopped, restarted or is out of reach: a French 503 at once, never a bare 500 (a page
        for a person's browser, JSON for a program)."""
        error = translate(state_of(request).database, exc)
        return error_page(error, request.url.path) if wants_page(request) else error_response(error)

    @app.exception_handler(RequestValidationError)
    async def request_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header", "cookie")]
            field = ".".join(loc) or None
            problems.append({"champ": field, "valeur": _shown(field, err.get("input")), "motif": _french(err)})
        first = problems[0] if problems else {"champ": None, "motif": "requête invalide"}
        if first["champ"] is None:  # the body as a whole: a form, a list or text where an object is expected
            said = f"Corps de la requête refusé : {first['motif']}"
            hint = (
                "Envoyez un objet JSON (en-tête Content-Type: application/json) avec les champs que /docs "
                "décrit ; rien n'a été enregistré."
            )
        else:
            said = f"Valeur refusée pour « {first['champ']} » : {first['motif']}"
            hint = "Corrigez la valeur et renvoyez la requête ; rien n'a été enregistré."
        return JSONResponse(
            status_code=422,
            content={"erreur": said, "conseil": hint, "champ": first["champ"], "problemes": problems},
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and wants_page(request):
            return not_found_page()
        if isinstance(exc.detail, dict):
            return JSONResponse(status_code=exc.status_code, content=exc.detail)
        if exc.status_code == 400 and exc.detail == _UNREADABLE_BODY:
            # FastAPI's answer when parsing the body raised (a JSON nested thousands of levels deep...)
            return JSONResponse(
                status_code=422,
                content={
                    "erreur": "Corps de la requête illisible : JSON mal formé ou trop imbriqué.",
                    "conseil": "Envoyez un objet JSON simple (voir /docs) ; rien n'a été enregistré.",
                    "champ": None,
                },
            )
        messages = {
            404: "Adresse introuvable.",
            405: "Méthode non permise sur cette adresse.",
            413: "Requête trop volumineuse.",
        }
        return JSONResponse(
            status_code=exc.status_code,
            content={"erreur": messages.get(exc.status_code, str(exc.detail)), "conseil": "Voir /docs."},
        )


def error_response(exc: HotspotsError) -> JSONResponse:
    """The JSON answer for a domain error: ``erreur``, ``conseil`` and, for refused values, ``champ`` and
    ``problemes``; ``Retry-After`` when asking again later may work."""
    body: dict[str, Any] = {"erreur": exc.message, "conseil": exc.hint}
    if isinstance(exc, ValidationFailedError):
        body["problemes"] = exc.problems
        if exc.problems:
            body["champ"] = exc.problems[0].get("champ")
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthenticationError) else {}
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse(status_code=exc.http_status, content=body, headers=headers or None)


_UNREADABLE_BODY = "There was an error parsing the body"

_FRENCH = {
    "missing": "champ obligatoire manquant",
    "int_parsing": "nombre entier attendu",
    "float_parsing": "nombre attendu",
    "datetime_parsing": "date attendue (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM)",
    "datetime_from_date_parsing": "date attendue (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM)",
    "date_parsing": "date attendue (AAAA-MM-JJ)",
    "date_from_datetime_parsing": "date attendue (AAAA-MM-JJ)",
    "date_from_datetime_inexact": "date sans heure attendue (AAAA-MM-JJ)",
    "date_type": "date attendue (AAAA-MM-JJ)",
    "datetime_type": "date attendue (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM)",
    "int_type": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "float_type": "nombre attendu",
    "list_type": 'liste attendue (par exemple ["depot_clandestin"])',
    "too_long": "trop d'éléments",
    "too_short": "pas assez d'éléments",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
    "greater_than": "valeur trop petite",
    "less_than": "valeur trop grande",
    "string_too_short": "texte trop court",
    "string_too_long": "texte trop long",
    "string_pattern_mismatch": "forme non reconnue",
    "literal_error": "valeur non permise",
    "enum": "valeur non permise",
    "extra_forbidden": "champ inconnu",
    "json_invalid": "JSON invalide",
    "model_attributes_type": "objet JSON attendu",
    "dict_type": "objet JSON attendu",
    "string_type": "texte attendu",
    "bool_parsing": "vrai/faux attendu",
}


#: Fields whose value an error never repeats (a password sent as a number, a key in the wrong place).
SECRET_FIELDS = ("mot_de_passe", "password", "jeton", "token", "api_key", "cle")


def _shown(field: str | None, value: Any) -> str | None:
    """The refused value as the answer repeats it: none for a whole body (a form sent to a JSON address carries
    the password typed) or a secret field, else its first 200 characters."""
    if value is None or field is None or any(part in SECRET_FIELDS for part in field.lower().split(".")):
        return None
    return str(value)[:200]


def _french(err: Any) -> str:
    text = _FRENCH.get(err.get("type", ""), str(err.get("msg", "valeur invalide")))
    ctx = err.get("ctx") or {}
    if "expected" in ctx:
        text += f" ({ctx['expected']})"
    elif "ge" in ctx or "le" in ctx:
        text += f" (limite : {ctx.get('ge', ctx.get('le'))})"
    return text
