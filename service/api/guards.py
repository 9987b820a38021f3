"""Checks every request passes before any route runs: no NUL byte in any text, no cross-origin write with the
session cookie, no body larger than allowed.

* PostgreSQL text cannot hold a NUL byte: one in a parameter, a path or a JSON or form field would reach the
  database and fail there with a 500. :func:`refuse_nul_bytes` answers a French 422 naming the field.
* The session cookie is ``SameSite=Strict``, but a page on another port of the same host is the same *site*:
  its forms would carry the cookie. :func:`refuse_cross_origin_writes` lets a write authenticated by the cookie
  through only when the browser says it comes from the service's own pages (``Sec-Fetch-Site``, else
  ``Origin``, else ``Referer``). Scripts that send ``Authorization: Bearer`` are not concerned.
* :class:`BodyLimits` refuses a body larger than allowed with a French 413, before reading it when its size is
  announced.

Both checks are dependencies of every route (one place, whatever the route); the limit is a middleware.
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.deps import SESSION_COOKIE
from service.errors import PermissionDeniedError, ValidationFailedError

_NUL = "\x00"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Logins: no session needed, but a login posted from another origin's page is refused all the same (a person
#: could otherwise be logged in, unknowingly, to someone else's account).
_LOGIN_PATHS = frozenset({"/api/connexion", "/connexion"})
#: Requests that change something although they are GETs (a link would do it).
_GET_WRITES = frozenset({"/deconnexion"})
#: Largest body of a request that is not a file upload (records, logins, forms are a few kilobytes).
MAX_BODY_BYTES = 1 << 20
UPLOAD_PREFIX = "/api/imports/"


def _refuse(field: str, value: str) -> ValidationFailedError:
    shown = value.replace(_NUL, "\\0")[:200]
    return ValidationFailedError(
        f"Valeur refusée pour « {field} » : caractère nul (octet 0) dans le texte.",
        [{"champ": field, "valeur": shown, "motif": "caractère nul (octet 0) interdit dans un texte"}],
        hint="Retirez ce caractère invisible (souvent laissé par un copier-coller ou un export binaire) et "
        "renvoyez la requête ; rien n'a été enregistré.",
    )


def _nul_in(data: Any) -> tuple[str, str] | None:
    """(dotted path, text) of the first text holding a NUL in a parsed JSON document, walked without recursion
    (a document nested thousands of levels deep must not exhaust the stack)."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _NUL in value:
                return path, value
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                if _NUL in str(key):
                    return name, str(key)
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
    return None


async def refuse_nul_bytes(request: Request) -> None:
    """A NUL byte in a path parameter, a query parameter, a JSON body or a form field: a 422 naming the field.

    Bodies are only looked into when they may hold one (``\\u0000`` in JSON, ``%00`` or a raw 0 byte in a form),
    so ordinary requests pay nothing; uploaded files are left to the import, which refuses binary text files.
    """
    _refuse_nul_in_url(request)
    if request.method not in _BODY_METHODS:
        return
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        await _refuse_nul_in_json(request)
    elif "form" in content_type:
        await _refuse_nul_in_form(request, content_type)


def _refuse_nul_in_url(request: Request) -> None:
    """The path parameters, then the query parameters (only read when the query string may hold a NUL)."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and _NUL in value:
            raise _refuse(name, value)
    if "%00" in request.url.query or _NUL in request.url.query:
        for name, value in request.query_params.multi_items():
            if _NUL in value or _NUL in name:
                raise _refuse(name.replace(_NUL, ""), value)


async def _refuse_nul_in_json(request: Request) -> None:
    """A JSON body, parsed only when its bytes may hold a NUL (escaped or raw)."""
    raw = await request.body()
    if b"\\u0000" not in raw and b"\x00" not in raw:
        return
    try:
        found = _nul_in(await request.json())
    except (ValueError, RecursionError):
        return  # unreadable JSON: the route's own parsing says so
    if found is not None:
        raise _refuse(*found)


async def _refuse_nul_in_form(request: Request, content_type: str) -> None:
    """The text fields of a form (its files are the import's business)."""
    try:
        if "urlencoded" in content_type:  # a small form: kept as bytes, so a route can read its body again
            with contextlib.suppress(RuntimeError):  # already read as a form by the route's own parameters
                await request.body()
        form = await request.form()
    except HTTPException:
        raise  # a body too large
    except Exception:  # an unreadable form: the route says so
        return
    for name, value in form.multi_items():
        if isinstance(value, str) and (_NUL in value or _NUL in name):
            raise _refuse(name.replace(_NUL, ""), value)


def _default_port(scheme: str) -> str:
    return {"http": "80", "https": "443"}.get(scheme, "")


def _authority(url: str) -> str | None:
    """``host:port`` of a URL, lower case, with the scheme's default port written out."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return None
    return f"{parts.hostname.lower()}:{parts.port or _default_port(parts.scheme)}"


def same_origin(request: Request) -> bool | None:
    """Whether the browser says the request comes from a page of this service: True, False, or None when the
    request says nothing (a script, an old browser)."""
    site = request.headers.get("sec-fetch-site")
    if site:
        return site in ("same-origin", "none")
    own = _authority(f"{request.url.scheme}://{request.headers.get('host', '')}")
    for header in ("origin", "referer"):
        value = request.headers.get(header)
        if value:
            return value != "null" and _authority(value) == own
    return None


def _cross_origin() -> PermissionDeniedError:
    return PermissionDeniedError(
        "Requête refusée : une modification faite avec le cookie de session doit venir des pages du service "
        "(elle vient d'une autre origine).",
        hint="Faites-la depuis la carte ou les pages du service ; un script s'identifie par l'en-tête "
        "« Authorization: Bearer <jeton> ».",
    )


async def refuse_cross_origin_writes(request: Request) -> None:
    """A write authenticated by the session cookie must come from the service's own pages."""
    method = request.method
    if method not in _BODY_METHODS and request.url.path not in _GET_WRITES:
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return  # a script's token is never sent by a browser on its own
    origin = same_origin(request)
    if request.url.path in _LOGIN_PATHS or method not in _BODY_METHODS:
        if origin is False:
            raise _cross_origin()
        return
    if request.cookies.get(SESSION_COOKIE) and origin is not True:
        raise _cross_origin()


def _too_large(limit: int, upload: bool) -> dict[str, str]:
    size = f"{limit / (1 << 20):g} Mo" if limit >= 1 << 20 else f"{limit // 1024} Ko"
    if upload:
        return {
            "erreur": f"Fichier trop volumineux : au plus {size} par envoi.",
            "conseil": "Importez-le avec « hotspots ingest » sur le serveur, ou découpez-le en plusieurs fichiers.",
        }
    return {
        "erreur": f"Requête trop volumineuse : au plus {size}.",
        "conseil": "Envoyez les fichiers par /api/imports ; une requête ordinaire ne pèse que quelques Ko.",
    }


class BodyLimits:
    """ASGI middleware: a body larger than its limit gets a French 413 (at once when ``Content-Length`` says so,
    else as soon as the bytes received pass it). File uploads have their own, larger limit."""

    def __init__(self, app: ASGIApp, *, upload_bytes: int, other_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.upload_bytes = upload_bytes
        self.other_bytes = other_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 413 when its body is or becomes larger than its limit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["path"].startswith(UPLOAD_PREFIX)
        limit = self.upload_bytes if upload else self.other_bytes
        announced = dict(scope["headers"]).get(b"content-length")
        if announced is not None and announced.isdigit() and int(announced) > limit:
            response = JSONResponse(_too_large(limit, upload), status_code=413, headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, detail=_too_large(limit, upload))
            return message

        await self.app(scope, counted, send)
