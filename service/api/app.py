"""``create_app(settings)``: the FastAPI application. The pool lives with the app (opened in the lifespan, kept
on ``app.state``, closed on shutdown) and is handed out by one dependency.

This is the skeleton of the API issue: health, readiness, sensitive points, axes and reports as WGS84 GeoJSON.
Accounts and roles, writes, maps and the Open311 endpoint come next.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

import psycopg
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from service import __version__
from service.db import ensure_database, open_pool
from service.db.queries import load_queries
from service.errors import HotspotsError
from service.settings import Settings

GEOJSON = "application/geo+json"


def create_app(settings: Settings) -> FastAPI:
    """The application for ``settings``; nothing is read from the environment here."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ensure_database(settings)
        app.state.pool = open_pool(settings)
        try:
            yield
        finally:
            app.state.pool.close()

    app = FastAPI(
        title="Hotspots",
        version=__version__,
        lifespan=lifespan,
        description="Points sensibles et axes problématiques du service Environnement (GeoJSON WGS84).",
    )

    @app.exception_handler(HotspotsError)
    async def domain_error(_request: Request, exc: HotspotsError) -> JSONResponse:
        return JSONResponse(status_code=exc.http_status, content={"erreur": exc.message, "conseil": exc.hint})

    _routes(app)
    return app


def _connection(request: Request) -> Iterator[psycopg.Connection[Any]]:
    with request.app.state.pool.connection() as conn:
        yield conn


Conn = Annotated[psycopg.Connection[Any], Depends(_connection)]


def _fetch_json(conn: psycopg.Connection[Any], name: str, params: dict[str, Any]) -> JSONResponse:
    row = conn.execute(load_queries("service.api", "read.sql")[name], params).fetchone()
    return JSONResponse(row[0] if row else {"type": "FeatureCollection", "features": []}, media_type=GEOJSON)


def _routes(app: FastAPI) -> None:
    @app.get("/api/health", tags=["service"], summary="Le service répond")
    def health() -> dict[str, str]:
        return {"statut": "ok", "version": __version__}

    @app.get("/api/ready", tags=["service"], summary="La base répond et le schéma est à jour")
    def ready(conn: Conn) -> dict[str, Any]:
        row = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return {"statut": "pret", "migration": row[0] if row else None}

    @app.get("/api/points-sensibles", tags=["analyse"], summary="Points sensibles (GeoJSON WGS84)")
    def points(
        conn: Conn,
        etat: Annotated[list[str] | None, Query(description="nouveau, actif, surveille, resolu, reouvert")] = None,
        priorite_min: Annotated[float | None, Query(ge=0)] = None,
    ) -> JSONResponse:
        return _fetch_json(conn, "sensitive_points", {"states": etat, "min_priority": priorite_min})

    @app.get("/api/axes", tags=["analyse"], summary="Axes problématiques (GeoJSON WGS84)")
    def axes(conn: Conn) -> JSONResponse:
        return _fetch_json(conn, "axes", {})

    @app.get(
        "/api/signalements", tags=["signalements"], summary="Signalements (GeoJSON WGS84, sans données personnelles)"
    )
    def reports(
        conn: Conn,
        categorie: str | None = None,
        depuis: datetime | None = None,
        jusqu_a: datetime | None = None,
        bbox: Annotated[str | None, Query(description="ouest,sud,est,nord en WGS84")] = None,
        limite: Annotated[int, Query(ge=1, le=5000)] = 1000,
        decalage: Annotated[int, Query(ge=0)] = 0,
    ) -> JSONResponse:
        box = None
        if bbox is not None:
            try:
                box = [float(v) for v in bbox.split(",")]
            except ValueError:
                box = []
            if len(box) != 4 or box[0] >= box[2] or box[1] >= box[3]:
                raise HTTPException(
                    status_code=422,
                    detail={"erreur": "bbox invalide : ouest,sud,est,nord attendus", "champ": "bbox", "valeur": bbox},
                )
        return _fetch_json(
            conn,
            "reports",
            {
                "category": categorie,
                "since": depuis,
                "until": jusqu_a,
                "bbox": box,
                "limit": limite,
                "offset": decalage,
            },
        )
