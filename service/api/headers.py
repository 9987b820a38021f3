"""Security headers on every answer: a Content-Security-Policy, no framing, no MIME sniffing, a strict referrer
policy, and HSTS when the cookies are marked secure (the service is then reached over HTTPS).

The pages load everything from the service itself, except the base-map tiles when a tile server is set; their
only inline scripts are the ones folium writes to create the map, let through by their SHA-256 hash (computed on
the page the service rendered, see :func:`page_policy`), never by ``'unsafe-inline'``. Inline *styles* are
allowed: the legend and Leaflet's markers use ``style`` attributes, which a hash or a nonce cannot cover. The
documentation pages (Swagger UI, ReDoc) get the hashes of their own fixed inline scripts the same way.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.settings import Settings

#: The policy of everything that is not an HTML page (JSON, GeoJSON, CSV, tiles...): nothing may run from it.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#: HTML pages with fixed inline scripts, hashed on their way out (their text does not depend on the request).
DOCUMENTATION_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
HSTS_SECONDS = 31_536_000


def tile_source(tile_url: str) -> str | None:
    """The CSP source for the tile server of ``tile_url`` (``{s}`` subdomains become ``*``); None without tiles."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    host = parts.netloc
    if host.startswith("{s}."):
        host = "*." + host[4:]
    if not parts.scheme or not host or "{" in host:
        return f"{parts.scheme}:" if parts.scheme in ("http", "https") else None
    return f"{parts.scheme}://{host}"


def script_hashes(html: str) -> list[str]:
    """The CSP hash sources of the inline scripts of ``html`` (a page the service rendered itself)."""
    found = []
    for text in _INLINE_SCRIPT.findall(html):
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        found.append(f"'sha256-{digest}'")
    return sorted(set(found))


def page_policy(settings: Settings, html: str | None = None) -> str:
    """The CSP of an HTML page of the service: its own origin, the tile server when one is set, and the inline
    scripts of ``html`` by hash."""
    images = ["'self'", "data:"]
    tiles = tile_source(settings.tile_url)
    if tiles:
        images.append(tiles)
    scripts = ["'self'", *(script_hashes(html) if html else [])]
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {' '.join(scripts)}",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {' '.join(images)}",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def page_headers(settings: Settings, html: str) -> dict[str, str]:
    """The headers a route adds to a page it rendered (its policy, with its inline scripts' hashes)."""
    return {"Content-Security-Policy": page_policy(settings, html)}


class SecurityHeaders:
    """ASGI middleware: the headers of the module docstring on every answer that does not set its own."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.common = {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
        }
        if settings.secure_cookies:
            self.common["Strict-Transport-Security"] = f"max-age={HSTS_SECONDS}"
        self.page = page_policy(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and add the security headers to its answer (the API docs get their own policy)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in DOCUMENTATION_PATHS:
            await self._documentation(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                self._add(headers)
            await send(message)

        await self.app(scope, receive, with_headers)

    def _add(self, headers: MutableHeaders, policy: str | None = None) -> None:
        for name, value in self.common.items():
            if name not in headers:
                headers[name] = value
        if "content-security-policy" not in headers:
            html = headers.get("content-type", "").startswith("text/html")
            headers["Content-Security-Policy"] = policy or (self.page if html else API_POLICY)

    async def _documentation(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Swagger UI and ReDoc: small pages held until complete, to hash their inline scripts."""
        start: Message | None = None
        body = bytearray()

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if message.get("more_body"):
                    return
                assert start is not None
                headers = MutableHeaders(scope=start)
                self._add(headers, page_policy(self.settings, body.decode(errors="replace")))
                await send(start)
                await send({"type": "http.response.body", "body": bytes(body)})
                return
            await send(message)

        await self.app(scope, receive, hold)
