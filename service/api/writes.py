"""Writes shared by the routes: records created through ingestion's rules, and the geocoder they use."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from fastapi import Request

from service.accounts import User
from service.activity.sites import is_site_id
from service.api.state import state_of
from service.geocode import BatchGeocoder
from service.geocode.apply import GazetteerBatchGeocoder
from service.geocode.match import Geocoder
from service.ingest.columns import Kind
from service.ingest.records import store_records
from service.settings import Settings


def geocoder_of(request: Request, conn: psycopg.Connection[Any]) -> BatchGeocoder | None:
    """The app's geocoder, built once from the address register (None while no register is loaded), with the
    request's own connection."""
    return state_of(request).geocoder(conn)


def place_geocoder(place: str, request: Request, conn: psycopg.Connection[Any]) -> Geocoder | None:
    """The geocoder that reads ``place`` when it is an address (the app's, from the register), None when it names
    a sensitive point or an axis, or while no register is loaded: what ``find_site`` takes."""
    batch = None if is_site_id(place) else geocoder_of(request, conn)
    return batch.geocoder if isinstance(batch, GazetteerBatchGeocoder) else None


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
