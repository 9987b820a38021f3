"""Run a named read query that builds its GeoJSON in PostGIS (one round trip, no Python loop over features).

The lists of sensitive points and axes are asked for by every map that opens; they change only with an analysis
run or a recorded visit. ``cached_collection`` keeps each list ready to send (encoded and gzipped once) until
then (:mod:`service.api.cache`). Reports, visits and permits share one paging query and one feature builder
(``sql/read.sql``): each kind gives its filter, its properties and the details of one record.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import psycopg
from fastapi import Request
from fastapi.responses import Response
from psycopg import sql
from psycopg.types.string import TextLoader

from service.api.cache import Body, encode, respond
from service.api.state import state_of
from service.db.queries import Queries
from service.errors import NotFoundError
from service.plan.candidates import checked_places

GEOJSON = "application/geo+json"
EMPTY = {"type": "FeatureCollection", "features": []}


#: The records listed page by page (each kind is its table's name): their sort keys and the columns behind them.
RECORDS: dict[str, dict[str, str]] = {
    "reports": {"date": "observed_at", "categorie": "category", "statut": "status", "id": "id"},
    "visits": {"date": "visited_at", "resultat": "outcome", "id": "id"},
    "permits": {"date": "decision_date", "reference": "reference", "id": "id"},
}
#: One record of each kind, by the name of its query.
_ONE = {"report": "reports", "visit": "visits", "permit": "permits"}
#: The analysis layers, a list and one item of each place: both say the same properties of the place and count
#: the same visits as its own.
_PLACES = {"sensitive_points": "point", "sensitive_point": "point", "axes": "axis", "axis": "axis"}


query = Queries("service.api", "read.sql")


def _fragment(name: str, **parts: sql.Composable) -> sql.Composed:
    return sql.SQL(query(name)).format(**parts)


def _visits(place: str) -> sql.Composed:
    """The visits of a place or a record, as a JSON list (``place``: its ``{place}_visit`` condition)."""
    return _fragment("visit_list", visit=_fragment(f"{place}_visit"))


def _feature(kind: str, *, details: bool) -> sql.Composed:
    properties: sql.Composable = _fragment(f"{kind}_properties")
    if details:
        properties = sql.SQL("{} || {}").format(properties, _fragment(f"{kind}_details", visits=_visits("report")))
    return _fragment("feature", properties=properties)


def statement(name: str, params: dict[str, Any]) -> str | sql.Composed:
    """The named read query, ready to run with ``params`` (a list's sort key is one of them): for reports, visits
    and permits, composed from the shared page and feature; for the analysis layers, from their place's properties
    and visits."""
    if name in RECORDS:
        keys, sort = RECORDS[name], params["sort"]
        order = sql.SQL("{} {}").format(
            sql.Identifier(keys[sort.lstrip("-")]), sql.SQL("DESC" if sort.startswith("-") else "ASC")
        )
        dated = _fragment("dated_filter", date=sql.Identifier(keys["date"]))
        filters = _fragment(f"{name}_filter", listed=_fragment("listed_filter"), dated=dated)
        return _fragment("page", filter=filters, order=order, feature=_feature(name, details=False))
    if name in _ONE:
        kind = _ONE[name]
        return _fragment("one", feature=_feature(kind, details=True), table=sql.Identifier(kind))
    if name in _PLACES:
        place = _PLACES[name]
        visit = _fragment(f"{place}_visit")
        return _fragment(
            name,
            properties=_fragment(f"{place}_properties"),
            last_visit=_fragment("last_visit", visit=visit),
            visits=_visits(place),
        )
    return query(name)


def fetch_collection(conn: psycopg.Connection[Any], name: str, params: dict[str, Any]) -> dict[str, Any]:
    """A FeatureCollection built by the database from a named query (an empty one when nothing matches)."""
    row = conn.execute(statement(name, params), params).fetchone()
    return row[0] if row and row[0] is not None else dict(EMPTY)


def fetch_one(conn: psycopg.Connection[Any], name: str, params: dict[str, Any], what: str) -> dict[str, Any]:
    """One feature built by the database from a named query, or a French 404 naming ``what`` and its id."""
    row = conn.execute(statement(name, params), params).fetchone()
    if not row or row[0] is None:
        raise NotFoundError(f"Aucun {what} « {params.get('id')} ».", hint="Vérifiez l'identifiant dans la liste.")
    result: dict[str, Any] = row[0]
    return result


def _frozen(value: Any) -> Hashable:
    return tuple(value) if isinstance(value, list) else value


def placed_params(conn: psycopg.Connection[Any], params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with its places (if any) checked against the zone's register (a French error names one outside
    it) and the postcodes that stand for them, as the map's and the lists' place filter."""
    if "places" not in params:
        return params
    places, postcodes = checked_places(conn, params["places"] or [])
    return {**params, "places": list(places) or None, "postcodes": list(postcodes)}


async def cached_collection(request: Request, name: str, params: dict[str, Any]) -> Response:
    """The collection as a response, kept ready while the analysis data have not changed.

    The body is the text PostGIS built (never parsed and re-encoded in Python).
    """
    key = ("analyse", name, tuple(sorted((k, _frozen(v)) for k, v in params.items())))

    def make(conn: psycopg.Connection[Any]) -> Body:
        asked = placed_params(conn, params)
        cur = conn.cursor()
        cur.adapters.register_loader("jsonb", TextLoader)
        cur.adapters.register_loader("json", TextLoader)
        row = cur.execute(statement(name, asked), asked).fetchone()
        text = row[0] if row and row[0] is not None else '{"type":"FeatureCollection","features":[]}'
        return encode(text.encode() if isinstance(text, str) else bytes(text), GEOJSON)

    return respond(request, await state_of(request).cached_body("analyse", key, make))
