"""Writes shared by the routes: records created through ingestion's rules, report updates, visit outcomes."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from fastapi import Request

from service.accounts import User
from service.api.state import state_of
from service.db.queries import Queries
from service.errors import NotFoundError, ValidationFailedError
from service.geocode import BatchGeocoder
from service.ingest.columns import Kind
from service.ingest.records import store_records
from service.settings import Settings

_TABLES = {"reports": "reports", "visits": "visits", "permits": "permits"}


q = Queries("service.api", "write.sql")


def geocoder_of(request: Request, conn: psycopg.Connection[Any]) -> BatchGeocoder | None:
    """The app's geocoder, built once from the address register (None while no register is loaded), with the
    request's own connection."""
    return state_of(request).geocoder(conn)


def create_records(
    conn: psycopg.Connection[Any],
    settings: Settings,
    kind: Kind,
    record: dict[str, Any],
    user: User,
    geocoder: BatchGeocoder | None,
) -> tuple[dict[str, Any], list[int]]:
    """Ingest one record as a batch ``api-<login>``; return the batch summary and the stored row's id."""
    record = dict(record)
    record.setdefault("source", "api")
    if kind != "permits":
        record.setdefault("identifiant", f"api-{uuid.uuid4().hex[:12]}")
    summary = store_records(
        conn, settings, kind, [record], source=record["source"], label=f"api-{user.login}", geocoder=geocoder
    )
    if summary.rejected:
        reasons = conn.execute(q("batch_reasons"), {"batch": summary.batch_id}).fetchone()
        problems = list(reasons[0]) if reasons and reasons[0] else []
        raise ValidationFailedError("Enregistrement refusé.", problems, hint="Corrigez les champs indiqués.")
    key = record["reference"] if kind == "permits" else record["identifiant"]
    row = conn.execute(q(f"{kind}_id"), {"source": record["source"], "key": key}).fetchone()
    if row is None:
        raise NotFoundError("L'enregistrement n'a pas été retrouvé après l'import.")
    return summary.to_dict(), [int(row[0])]
