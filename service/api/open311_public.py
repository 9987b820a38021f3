"""The public listing of Open311 requests (GeoReport v2 ``requests.json`` and ``requests/{id}.json``): the rows
every format of the answer (JSON, XML) is built from.

Anyone may read it, so it gives no more than the public map lets one guess: no description, no personal data,
and, unless ``open311_public_exact`` is set, the street without its house number and a point on the 100 m grid
(Lambert 72) instead of the report's own position — no point where that square holds fewer reports than the
public map shows (``public_min_count``). One page at a time (``open311_page_size`` at most).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from service.db.queries import Queries
from service.errors import InvalidValueError
from service.settings import Settings

_q = Queries("service.api", "open311.sql")


@dataclass(frozen=True)
class RequestFilter:
    """What ``requests.json`` was asked for (the spec's parameters, already parsed), and the page."""

    ids: list[int] | None = None
    codes: list[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    statuses: list[str] | None = None
    page: int = 1
    page_size: int | None = None


def page_size(settings: Settings, asked: int | None) -> int:
    """The page size to use: the one asked for, at most ``open311_page_size`` (a French refusal beyond)."""
    if asked is None:
        return settings.open311_page_size
    if asked > settings.open311_page_size:
        raise InvalidValueError(
            f"page_size : au plus {settings.open311_page_size} demandes par page ({asked} demandé).",
            hint="Demandez les pages suivantes avec page=2, page=3…",
        )
    return asked


def public_request_rows(
    conn: psycopg.Connection[Any], settings: Settings, wanted: RequestFilter
) -> list[dict[str, Any]]:
    """The requests of one page, newest first, as the GeoReport v2 fields (coarsened unless the settings say)."""
    size = page_size(settings, wanted.page_size)
    params = {
        "ids": wanted.ids,
        "codes": wanted.codes,
        "since": wanted.since,
        "until": wanted.until,
        "statuses": wanted.statuses,
        "exact": settings.open311_public_exact,
        "min_count": settings.public_min_count,
        "limit": size,
        "offset": (wanted.page - 1) * size,
    }
    rows = conn.execute(_q("requests"), params).fetchall()
    return [_request(row) for row in rows]


def service_list(conn: psycopg.Connection[Any], lang: str) -> list[dict[str, Any]]:
    """The categories as GeoReport v2 services, named in ``lang`` (fr, nl, de or en)."""
    rows = conn.execute(_q("services"), {"lang": lang}).fetchall()
    return [
        {
            "service_code": code,
            "service_name": name,
            "description": description,
            "metadata": False,
            "type": "realtime",
            "keywords": ", ".join(keywords or []),
            "group": "environnement",
        }
        for code, name, description, keywords in rows
    ]


def _request(row: tuple[Any, ...]) -> dict[str, Any]:
    rid, status, code, name, requested, updated, address, lon, lat = row
    return {
        "service_request_id": str(rid),
        "status": status,
        "service_code": code,
        "service_name": name,
        "requested_datetime": requested.isoformat() if requested else None,
        "updated_datetime": updated.isoformat() if updated else None,
        "address": address,
        "lat": lat,
        "long": lon,
    }
