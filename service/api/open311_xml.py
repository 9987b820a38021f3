"""The XML form of the Open311 GeoReport v2 endpoints (the spec's required format; JSON is the optional one).

Each ``.xml`` route answers exactly what its ``.json`` twin answers — same parameters, filters, limits, api_key
check and errors — written as the spec's XML: ``<services><service>``, ``<service_requests><request>``,
``<errors><error>``. The JSON route is called inside the application (an ASGI sub-request with the path's
suffix changed), so the two forms cannot drift apart.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from starlette.types import Message

router = APIRouter(prefix="/api/open311/v2", tags=["open311"])
MEDIA = "text/xml; charset=utf-8"
_XML_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/xml": {}}, "description": "Réponse GeoReport v2 en XML"}
}


def to_xml(root: str, item: str, items: list[Any]) -> bytes:
    """``items`` (dicts) as ``<root><item>…</item></root>``; None is an empty element, booleans are
    ``true``/``false``, nested values become child elements."""
    top = ET.Element(root)
    for value in items:
        _fill(ET.SubElement(top, item), value)
    body: bytes = ET.tostring(top, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            _fill(ET.SubElement(element, str(key)), sub)
    elif isinstance(value, list):
        element.text = ", ".join(str(v) for v in value) if all(not isinstance(v, dict) for v in value) else None
        for sub in value:
            if isinstance(sub, dict):
                _fill(ET.SubElement(element, "item"), sub)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def errors_xml(status: int, body: Any) -> bytes:
    """An error answer as the spec's ``<errors>``: the Open311 list as is, the API's own errors (``erreur``,
    ``conseil``) as one error."""
    if isinstance(body, list) and all(isinstance(e, dict) and "description" in e for e in body):
        errors = [{"code": e.get("code", status), "description": e["description"]} for e in body]
    elif isinstance(body, dict) and "erreur" in body:
        text = " ".join(str(v) for v in (body.get("erreur"), body.get("conseil")) if v)
        errors = [{"code": status, "description": text}]
    else:
        errors = [{"code": status, "description": f"Erreur {status}."}]
    return to_xml("errors", "error", errors)


async def _as_json(request: Request) -> tuple[int, Any]:
    """Call the ``.json`` route of the same path with the same query, headers and body; its status and body."""
    body = await request.body()
    path = request.url.path[: -len(".xml")] + ".json"
    scope = dict(request.scope)
    scope["path"] = path
    scope["raw_path"] = path.encode("utf-8")
    scope["headers"] = [(k, v) for k, v in request.scope["headers"] if k.lower() != b"accept"] + [
        (b"accept", b"application/json")
    ]
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 500
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await request.app(scope, receive, send)
    raw = b"".join(chunks)
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None


async def _answer(request: Request, root: str, item: str) -> Response:
    status, body = await _as_json(request)
    if status >= 400 or not isinstance(body, list):
        code = status if status >= 400 else 500
        return Response(errors_xml(code, body), status_code=code, media_type=MEDIA)
    return Response(to_xml(root, item, body), status_code=status, media_type=MEDIA)


@router.get("/services.xml", summary="Catégories de signalement (GeoReport v2, XML)", responses=_XML_DOC)
async def services_xml(request: Request) -> Response:
    """Mêmes paramètres que ``services.json``, réponse en XML."""
    return await _answer(request, "services", "service")


@router.get("/requests.xml", summary="Demandes (GeoReport v2, XML), sans données personnelles", responses=_XML_DOC)
async def requests_xml(request: Request) -> Response:
    """Mêmes paramètres que ``requests.json``, réponse en XML."""
    return await _answer(request, "service_requests", "request")


@router.get("/requests/{request_id}.xml", summary="Une demande (GeoReport v2, XML)", responses=_XML_DOC)
async def request_xml(request: Request, request_id: Annotated[str, Path(max_length=40)]) -> Response:
    """Mêmes paramètres que ``requests/{request_id}.json``."""
    return await _answer(request, "service_requests", "request")


@router.post(
    "/requests.xml",
    summary="Envoyer une demande (GeoReport v2, réponse XML ; formulaire ou JSON, api_key requise)",
    responses=_XML_DOC,
)
async def request_create_xml(request: Request) -> Response:
    """Même contenu que ``POST requests.json`` ; la réponse est ``<service_requests><request>`` avec
    ``service_request_id`` et ``service_notice``."""
    return await _answer(request, "service_requests", "request")
