"""Run a named read query that builds its GeoJSON in PostGIS (one round trip, no Python loop over features).

The lists of sensitive points and axes are asked for by every map that opens; they change only with an analysis
run or a recorded visit. ``cached_collection`` keeps each list ready to send (encoded and gzipped once) until
then (:mod:`service.api.cache`).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import psycopg
from fastapi import Request
from fastapi.responses import Response
from psycopg.types.string import TextLoader

from service.api.cache import Body, encode, respond
from service.api.state import state_of
from service.db.queries import load_queries
from service.errors import NotFoundError

GEOJSON = "application/geo+json"
EMPTY = {"type": "FeatureCollection", "features": []}


def query(name: str) -> str:
    return load_queries("service.api", "read.sql")[name]


def fetch_collection(conn: psycopg.Connection[Any], name: str, params: dict[str, Any]) -> dict[str, Any]:
    row = conn.execute(query(name), params).fetchone()
    return row[0] if row and row[0] is not None else dict(EMPTY)


def fetch_one(conn: psycopg.Connection[Any], name: str, params: dict[str, Any], what: str) -> dict[str, Any]:
    row = conn.execute(query(name), params).fetchone()
    if not row or row[0] is None:
        raise NotFoundError(f"Aucun {what} « {params.get('id')} ».", hint="Vérifiez l'identifiant dans la liste.")
    result: dict[str, Any] = row[0]
    return result


def _frozen(value: Any) -> Hashable:
    return tuple(value) if isinstance(value, list) else value


async def cached_collection(request: Request, name: str, params: dict[str, Any]) -> Response:
    """The collection as a response, kept ready while the analysis data have not changed.

    The body is the text PostGIS built (never parsed and re-encoded in Python).
    """
    key = ("analyse", name, tuple(sorted((k, _frozen(v)) for k, v in params.items())))

    def make(conn: psycopg.Connection[Any]) -> Body:
        cur = conn.cursor()
        cur.adapters.register_loader("jsonb", TextLoader)
        cur.adapters.register_loader("json", TextLoader)
        row = cur.execute(query(name), params).fetchone()
        text = row[0] if row and row[0] is not None else '{"type":"FeatureCollection","features":[]}'
        return encode(text.encode() if isinstance(text, str) else bytes(text), GEOJSON)

    return respond(request, await state_of(request).cached_body("analyse", key, make))
