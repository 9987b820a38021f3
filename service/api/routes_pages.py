"""The HTML doors: the site's root, the login form, the planning map, the public map, logging out, the icon and
the vendored assets.

A browser without a session asking for ``/carte`` is sent to ``/connexion?suite=/carte``; the form posts to
``/connexion``, which sets the session cookie (HttpOnly, SameSite=Strict, Secure when configured) and sends the
browser on. ``suite`` only ever leads to a page of this site.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from service.accounts import close_session
from service.api.deps import (
    SESSION_COOKIE,
    AppSettings,
    Conn,
    MaybeUser,
    log_in,
    request_token,
)
from service.api.headers import page_headers
from service.api.state import state_of
from service.errors import AuthenticationError, TooManyAttemptsError
from service.maps.data import vocabulary
from service.maps.page import FAVICON, STATIC, STATIC_DIR, planning_page, public_page, render
from service.maps.words import PAGE_WORDS, choose
from service.settings import Settings

router = APIRouter(include_in_schema=False)
router.mount(STATIC, StaticFiles(directory=STATIC_DIR), name="static_carte")

_NO_STORE = {"Cache-Control": "no-store"}


@router.get("/")
def home(request: Request, user: MaybeUser) -> Response:
    """Une personne arrive sur la carte (ou d'abord sur le formulaire de connexion) ; un programme qui demande du JSON
    reçoit les adresses du service."""
    accept = request.headers.get("accept", "")
    if "text/html" in accept or "json" not in accept:
        target = "/carte" if user is not None else f"/connexion?suite={quote('/carte', safe='/')}"
        return RedirectResponse(target, status_code=303, headers=_NO_STORE)
    return JSONResponse(
        {
            "service": "Hotspots",
            "carte": "/carte",
            "connexion": "/connexion",
            "documentation_api": "/docs",
            "open311": "/api/open311/v2/services.xml",
        }
    )


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """L'icône du service, pour les navigateurs qui la cherchent à la racine (gardée un jour en cache)."""
    return FileResponse(FAVICON, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})


def _safe_next(target: str | None) -> str:
    """A local path to go to after logging in (never another site: no scheme, no ``//``, no backslash)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or "\n" in target:
        return "/carte"
    return target


def _login_form(
    settings: Settings,
    *,
    suite: str,
    identifiant: str = "",
    erreur: str | None = None,
    conseil: str | None = None,
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    html = render(
        "connexion.html",
        service=settings.service_name,
        suite=suite,
        identifiant=identifiant,
        erreur=erreur,
        conseil=conseil,
        message=message,
    )
    return HTMLResponse(html, status_code=status, headers=_NO_STORE)


@router.get("/connexion", response_class=HTMLResponse)
def login_page(settings: AppSettings, suite: str | None = None, message: str | None = None) -> HTMLResponse:
    """Le formulaire de connexion (« Vous êtes déconnecté » après une déconnexion)."""
    note = "Vous êtes déconnecté." if message == "deconnecte" else None
    return _login_form(settings, suite=_safe_next(suite), message=note)


@router.post("/connexion", response_class=HTMLResponse)
def login_submit(
    request: Request,
    conn: Conn,
    settings: AppSettings,
    identifiant: Annotated[str, Form(max_length=63)] = "",
    mot_de_passe: Annotated[str, Form(max_length=1024)] = "",
    suite: Annotated[str, Form(max_length=500)] = "/carte",
) -> Response:
    """Connecte la personne (cookie de session) et la renvoie vers la page demandée ; sinon, le formulaire avec
    l'erreur."""
    target = _safe_next(suite)
    if not identifiant.strip() or not mot_de_passe:
        return _login_form(
            settings,
            suite=target,
            identifiant=identifiant,
            erreur="Indiquez votre identifiant et votre mot de passe.",
            status=400,
        )
    response = RedirectResponse(target, status_code=303, headers=_NO_STORE)
    try:
        log_in(request, conn, settings, response, identifiant, mot_de_passe)
    except (AuthenticationError, TooManyAttemptsError) as exc:
        conn.rollback()
        page = _login_form(
            settings,
            suite=target,
            identifiant=identifiant,
            erreur=exc.message,
            conseil=exc.hint,
            status=exc.http_status,
        )
        if isinstance(exc, TooManyAttemptsError):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return response


@router.get("/sw.js", include_in_schema=False)
def offline_worker() -> FileResponse:
    """The map's service worker (``static/hotspots/sw.js``), at the root so that it may serve ``/carte``: the page
    and its last layers kept on the device for a dead zone, forgotten at logout."""
    return FileResponse(
        STATIC_DIR / "hotspots" / "sw.js",
        media_type="text/javascript",
        headers={
            "Cache-Control": "no-cache",
            "Service-Worker-Allowed": "/",
            # its own policy: it fetches the service's answers (an API route's « default-src 'none' » would not)
            "Content-Security-Policy": "default-src 'none'; connect-src 'self'",
        },
    )


@router.get("/deconnexion")
def logout(request: Request, conn: Conn) -> Response:
    """Ferme la session et revient au formulaire de connexion."""
    token = request_token(request)
    if token:
        close_session(conn, token)
    response = RedirectResponse("/connexion?message=deconnecte", status_code=303, headers=_NO_STORE)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/carte", response_class=HTMLResponse)
def planning_map(request: Request, settings: AppSettings, conn: Conn, user: MaybeUser) -> Response:
    """La carte des agents ; sans connexion, le formulaire de connexion, qui y ramène."""
    if user is None:
        return RedirectResponse(f"/connexion?suite={quote('/carte', safe='/')}", status_code=303, headers=_NO_STORE)
    state_of(request).background.warm(settings, conn)
    html = planning_page(settings, user, vocabulary(conn), today=_today(settings))
    return HTMLResponse(html, headers={**_NO_STORE, **page_headers(settings, html)})


@router.get("/carte/publique", response_class=HTMLResponse)
def public_map(request: Request, settings: AppSettings, conn: Conn, langue: str | None = None) -> HTMLResponse:
    """La carte publique quand elle est publiée (HOTSPOTS_PUBLIC_MAP), en français, en néerlandais ou en anglais
    (``?langue=nl``, sinon la langue du navigateur) ; sinon une page 404 qui l'explique, dans cette même langue
    (un habitant y arrive par un lien)."""
    language = choose(langue, request.headers.get("accept-language"))
    headers = {"Cache-Control": "no-cache", "Content-Language": language, "Vary": "Accept-Language"}
    if not settings.public_map:
        words = PAGE_WORDS[language]
        html = render(
            "erreur.html",
            langue=language,
            titre=words["non_publiee_titre"],
            message=words["non_publiee"],
            conseil=words["non_publiee_conseil"],
        )
        return HTMLResponse(html, status_code=404, headers=headers)
    state_of(request).background.warm(settings, conn)
    html = public_page(settings, language, today=_today(settings))
    return HTMLResponse(html, headers={**headers, **page_headers(settings, html)})


def _today(settings: Settings) -> date:
    """The service's day (its time zone's, not the server clock's)."""
    return datetime.now(ZoneInfo(settings.timezone)).date()
