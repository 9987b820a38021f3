"""The OpenAPI document says what the routes really send: content types beyond JSON (GeoJSON, CSV, XLSX, GPX,
HTML, vector tiles) and every error status with its French body.

FastAPI documents a route's success as JSON and its refused parameters as its own ``HTTPValidationError``; the
service answers GeoJSON, files and tiles, and its errors are ``{erreur, conseil, champ, problemes}``. Rather than
repeat ``responses=`` on every route, the document is completed here, once, from what each route depends on
(a role: 401 and 403; a path parameter: 404; a body: 413) and from the few answers particular to a route.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from service.export import MEDIA as EXPORT_MEDIA

GEOJSON = "application/geo+json"
MVT = "application/vnd.mapbox-vector-tile"
CSV = "text/csv"
XML = "text/xml"
_WRITES = {"post", "put", "patch", "delete"}

_FEATURE = {
    "type": "object",
    "required": ["type", "geometry", "properties"],
    "properties": {"type": {"enum": ["Feature"]}, "geometry": {"type": ["object", "null"]}},
}
_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {"type": {"enum": ["FeatureCollection"]}, "features": {"type": "array"}},
}
_SCHEMAS = {
    "Erreur": {
        "type": "object",
        "description": "Une erreur, en français : ce qui ne va pas, quoi faire, et le champ fautif s'il y en a un.",
        "required": ["erreur"],
        "properties": {
            "erreur": {"type": "string"},
            "conseil": {"type": ["string", "null"]},
            "champ": {"type": ["string", "null"]},
            "problemes": {"type": "array", "items": {"type": "object"}},
        },
    },
    "ErreurOpen311": {
        "type": "array",
        "description": "Erreurs au format GeoReport v2.",
        "items": {
            "type": "object",
            "required": ["code", "description"],
            "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        },
    },
}
_STATUS_TEXT = {
    "400": "Requête mal formée (Open311)",
    "401": "Connexion requise",
    "403": "Rôle insuffisant, clé Open311 inconnue, ou modification venue d'une autre origine",
    "404": "Introuvable",
    "409": "Existe déjà, ou son état ne le permet pas (la raison est dite)",
    "413": "Requête ou fichier trop volumineux",
    "422": "Valeur refusée (le champ est nommé)",
    "429": "Trop d'essais manqués (voir Retry-After)",
    "503": "Base de données indisponible ou occupée (voir Retry-After)",
}

#: The files of a list or a plan (service.export): a GeoJSON collection, or the bytes of a CSV, XLSX, GPX or PDF.
_FILES: dict[str, dict[str, Any]] = {
    media.split(";")[0]: (_COLLECTION if media.startswith(GEOJSON) else {"type": "string"})
    for media in EXPORT_MEDIA.values()
}

#: Success bodies that are not plain JSON: (method, path) → media types (with their schema).
_MEDIA: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    **{
        ("get", path): {GEOJSON: _COLLECTION}
        for path in (
            "/api/points-sensibles",
            "/api/axes",
            "/api/prevision",
            "/api/signalements",
            "/api/visites",
            "/api/permis",
            "/api/carte/signalements",
            "/api/carte/fond/{couche}",
            "/api/public/carte/mailles",
            "/api/public/carte/fond/{couche}",
        )
    },
    **{
        (method, path): {GEOJSON: _FEATURE}
        for method, path in (
            ("get", "/api/points-sensibles/{point_id}"),
            ("get", "/api/axes/{axis_id}"),
            ("get", "/api/signalements/{report_id}"),
            ("get", "/api/visites/{visit_id}"),
            ("get", "/api/permis/{permit_id}"),
            ("post", "/api/signalements"),
            ("post", "/api/visites"),
            ("post", "/api/permis"),
            ("patch", "/api/signalements/{report_id}"),
            ("post", "/api/signalements/{report_id}/visites"),
            ("post", "/api/points-sensibles/{point_id}/visites"),
            ("post", "/api/axes/{axis_id}/visites"),
        )
    },
    ("get", "/api/tuiles/{z}/{x}/{y}.mvt"): {MVT: {"type": "string", "format": "binary"}},
    ("get", "/api/lots/{lot}/rejets"): {"application/json": {"type": "object"}, CSV: {"type": "string"}},
    ("get", "/api/exports/sites"): _FILES,
    ("get", "/api/exports/signalements"): {
        media.split(";")[0]: schema
        for media, schema in (
            (EXPORT_MEDIA[f], _FILES[EXPORT_MEDIA[f].split(";")[0]]) for f in ("csv", "xlsx", "geojson", "pdf")
        )
    },
    ("get", "/api/reseaux"): {GEOJSON: _COLLECTION},
    ("post", "/api/reseaux"): {GEOJSON: _FEATURE},
    ("get", "/api/reseaux/{network_id}"): {GEOJSON: _FEATURE},
    **{
        ("get", path): {
            "application/json": {"type": "object"},
            "text/html": {"type": "string"},
            "application/pdf": {"type": "string", "format": "binary"},
        }
        for path in ("/api/reseaux/{network_id}/bilan", "/api/sections/{section}/bilan")
    },
    ("get", "/api/suivi-permis"): {GEOJSON: _COLLECTION},
    ("get", "/api/renvois"): {GEOJSON: _COLLECTION},
    ("get", "/api/suivi-permis/export"): _FILES,
    ("get", "/api/renvois/export"): _FILES,
    ("get", "/api/avis/pdf"): {"application/pdf": {"type": "string", "format": "binary"}},
    ("get", "/api/effet"): {
        "application/json": {"type": "object"},
        "application/pdf": {"type": "string", "format": "binary"},
    },
    ("get", "/api/activite"): {
        "application/json": {"type": "object"},
        EXPORT_MEDIA["xlsx"]: {"type": "string", "format": "binary"},
        "application/pdf": {"type": "string", "format": "binary"},
    },
    ("post", "/api/tournees"): {GEOJSON: _COLLECTION},
    ("get", "/api/tournees/{plan_id}"): {GEOJSON: _COLLECTION},
    ("get", "/api/tournees/{plan_id}/export"): _FILES,
}
#: Answers particular to a route, beyond those its dependencies give.
_EXTRA: dict[tuple[str, str], set[str]] = {
    ("post", "/api/connexion"): {"401", "429"},
    ("post", "/api/comptes"): {"409"},
    ("post", "/api/imports/{type_donnees}"): {"413"},
    ("post", "/api/imports/{type_donnees}/suivi"): {"413", "429"},
    ("get", "/api/imports/suivis/{suivi}"): {"404"},
    ("get", "/api/open311/v2/requests.json"): {"400"},
    ("post", "/api/open311/v2/requests.json"): {"400", "403"},
    ("get", "/api/open311/v2/requests.xml"): {"400"},
    ("post", "/api/open311/v2/requests.xml"): {"400", "403"},
    ("get", "/api/public/carte/mailles"): {"404"},
    ("get", "/api/public/carte/fond/{couche}"): {"404"},
    ("get", "/api/health"): {"503"},
    ("post", "/api/reseaux"): {"404", "409"},
    ("post", "/api/reseaux/{network_id}/bilans"): {"409"},
    ("post", "/api/renvois"): {"404", "409"},
    ("post", "/api/renvois/{referral_id}/confirmation"): {"409"},
    ("post", "/api/renvois/{referral_id}/retrait"): {"409"},
    ("get", "/api/avis"): {"404"},
    ("get", "/api/avis/pdf"): {"404"},
    ("post", "/api/geocodage/verifications/{review_id}"): {"404"},
    ("post", "/api/geocodage/verifications"): {"404"},
    ("post", "/api/signalements/{report_id}/visites"): {"409"},
    ("post", "/api/points-sensibles/{point_id}/visites"): {"409"},
    ("post", "/api/axes/{axis_id}/visites"): {"409"},
    ("post", "/api/tournees/{plan_id}/arrets/{stop_ref}/visites"): {"409"},
    ("post", "/api/tournees/{plan_id}/annulation"): {"404", "409"},
    ("post", "/api/lots/{lot}/annulation"): {"404", "409"},
    ("post", "/api/sources/fusion"): {"404", "409"},
}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _roles_needed(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of the routes that need a logged-in user with a role (``deps.require``)."""
    needed = set()
    for route in iter_route_contexts(app.routes):  # included routers are not flattened into app.routes
        if isinstance(route.original_route, APIRoute) and any(
            getattr(call, "__name__", "").startswith("require_") for call in _calls(route.dependant)
        ):
            needed |= {(method.lower(), str(route.path)) for method in route.methods or ()}
    return needed


def _error(status: str, path: str) -> dict[str, Any]:
    if path.endswith(".xml"):  # the XML form of Open311 answers every error as GeoReport's <errors>
        return {"description": _STATUS_TEXT[status], "content": {XML: {"schema": {"type": "string"}}}}
    spec_format = path.startswith("/api/open311/") and status in ("400", "403", "404")
    schema = "ErreurOpen311" if spec_format else "Erreur"
    return {
        "description": _STATUS_TEXT[status],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _complete(schema: dict[str, Any], app: FastAPI) -> None:
    schema.setdefault("components", {}).setdefault("schemas", {}).update(_SCHEMAS)
    with_role = _roles_needed(app)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            statuses = {"422", "503"} | _EXTRA.get((method, path), set())
            if method in _WRITES:
                statuses |= {"403", "413"}
            if (method, path) in with_role:
                statuses |= {"401", "403"}
            if "{" in path:
                statuses.add("404")
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                responses[status] = _error(status, path)
            media = _MEDIA.get((method, path)) or ({XML: {"type": "string"}} if path.endswith(".xml") else None)
            success = next((code for code in sorted(responses) if code.startswith("2")), None)
            if media and success:
                responses[success]["content"] = {kind: {"schema": body} for kind, body in media.items()}
    schema["components"]["schemas"].pop("HTTPValidationError", None)
    schema["components"]["schemas"].pop("ValidationError", None)


def document_responses(app: FastAPI) -> None:
    """Complete the application's OpenAPI document (built once, on first demand) as the module says."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _complete(build(), app)
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
