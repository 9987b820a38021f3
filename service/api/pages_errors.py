"""Errors met by a person's browser on a page (the map, the login form): a French page saying what happened and
what to do, with a link to try again, instead of the JSON a program gets from the same error.

A request is a page's when it is not for the API (``/api``, the documentation) and its browser asks for HTML.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from service.errors import HotspotsError
from service.maps.page import render

#: Paths whose answers stay JSON whatever the client accepts.
_PROGRAM_PREFIXES = ("/api/", "/docs", "/redoc", "/openapi.json", "/static/")
_TITLES = {503: "Service momentanément indisponible", 429: "Trop de tentatives", 404: "Page introuvable"}


def wants_page(request: Request) -> bool:
    """True for a person's browser asking for a page (HTML), False for a program or an API address."""
    path = request.url.path
    if path.startswith(_PROGRAM_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_page(exc: HotspotsError, path: str) -> HTMLResponse:
    """The French page of a domain error met on page ``path`` (the « Réessayer » link leads back to it), with
    the error's status and ``Retry-After`` when asking again may work."""
    html = render(
        "erreur.html",
        titre=_TITLES.get(exc.http_status, "Erreur"),
        message=exc.message,
        conseil=exc.hint,
        lien=path,
        lien_texte="Réessayer",
    )
    headers = {"Cache-Control": "no-store"}
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return HTMLResponse(html, status_code=exc.http_status, headers=headers)


def not_found_page() -> HTMLResponse:
    """The French page of an address that does not exist."""
    html = render(
        "erreur.html",
        titre=_TITLES[404],
        message="Cette adresse n'existe pas sur le service Hotspots.",
        conseil="Vérifiez l'adresse ou repartez de la carte.",
        lien="/carte",
        lien_texte="Ouvrir la carte",
    )
    return HTMLResponse(html, status_code=404)
