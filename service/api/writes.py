"""Writes shared by the routes: records created through ingestion's rules, report updates, visit outcomes."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import psycopg
from fastapi import Request

from service.accounts import User
from service.db.queries import load_queries
from service.errors import ValidationFailedError
from service.geocode import BatchGeocoder
from service.geocode.apply import batch_geocoder
from service.ingest.columns import Kind
from service.ingest.records import store_records
from service.settings import Settings

_TABLES = {"reports": "reports", "visits": "visits", "permits": "permits"}
_lock = threading.Lock()


def q(name: str) -> str:
    return load_queries("service.api", "write.sql")[name]


def parse_bbox(bbox: str | None) -> list[float] | None:
    """``ouest,sud,est,nord`` in WGS84, or a 422 naming the field."""
    if bbox is None:
        return None
    try:
        box = [float(v) for v in bbox.split(",")]
    except ValueError:
        box = []
    if len(box) != 4 or not (box[0] < box[2] and box[1] < box[3]) or any(abs(v) > 180 for v in box):
        raise ValidationFailedError(
            "bbox invalide : ouest,sud,est,nord attendus (WGS84)",
            [{"champ": "bbox", "valeur": bbox, "motif": "quatre nombres ouest,sud,est,nord"}],
            hint="Exemple : bbox=5.49,50.58,5.53,50.62",
        )
    return box


def geocoder_of(request: Request, conn: psycopg.Connection[Any]) -> BatchGeocoder | None:
    """The app's geocoder, built once from the address register (None while no register is loaded), with the
    request's own connection."""
    state = request.app.state
    with _lock:
        if getattr(state, "geocoder", None) is None:
            state.geocoder = batch_geocoder(conn)
        found: BatchGeocoder | None = state.geocoder
        return found


def create_records(
    conn: psycopg.Connection[Any],
    settings: Settings,
    kind: Kind,
    record: dict[str, Any],
    user: User,
    geocoder: BatchGeocoder | None,
) -> tuple[dict[str, Any], list[int]]:
    """Ingest one record as a batch ``api-<login>``; return the batch summary and the stored row's id.

    Written in the caller's transaction when one is open: what the route writes with it (a visit's attachment
    to its point) is stored with it or not at all."""
    record = dict(record)
    record.setdefault("source", "api")
    if kind != "permits":
        record.setdefault("identifiant", f"api-{uuid.uuid4().hex[:12]}")
    stored = store_records(
        conn, settings, kind, [record], source=record["source"], label=f"api-{user.login}", geocoder=geocoder
    )
    return stored.summary.to_dict(), stored.ids
