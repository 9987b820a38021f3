"""Run a named read query that builds its GeoJSON in PostGIS (one round trip, no Python loop over features)."""

from __future__ import annotations

from typing import Any

import psycopg

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
