"""A placement put in doubt by a person: a report, visit or permit that the geocoder (or the source's own
coordinates) placed with confidence, but at the wrong place — a homonym street in the other commune, a citizen
app's GPS fix across the road, a number that the register misses.

The row goes back to the review queue (« Adresses à vérifier ») with the reason given, its current place as the
first proposal (accepting it says « it was right after all »), then the other readings of its address and the
official addresses around its point.
Meanwhile it keeps its point on the map but leaves the analysis, as any doubtful row does; settling the review
(:func:`service.geocode.apply.resolve_review`) places it and brings it back.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
from psycopg import sql

from service.db.queries import Queries
from service.errors import InvalidValueError, NotFoundError
from service.geo import to_lonlat
from service.geocode.apply import TABLES, review_choices
from service.geocode.match import Geocoder
from service.labels import ROW_LABELS

_q = Queries("service.geocode", "doubt.sql")

#: A reason longer than this is refused (it is read in a list, beside the address).
MAX_REASON = 300
#: How many proposals a doubt offers: the current place, then the other readings and the addresses around it.
MAX_CHOICES = 6


def _current_place(row: dict[str, Any]) -> dict[str, Any] | None:
    """The row's present point as a proposal, marked ``actuelle``; None for a row without a point."""
    if row["x"] is None:
        return None
    lon, lat = to_lonlat(float(row["x"]), float(row["y"]))
    return {
        "libelle": row["geocode_label"] or "position actuelle (point sans adresse)",
        "niveau": row["geocode_level"] or "point fourni",
        "score": 1.0,
        "x": row["x"],
        "y": row["y"],
        "lon": lon,
        "lat": lat,
        "commune": row["commune"],
        "code_postal": row["postcode"],
        "actuelle": True,
    }


def doubt_choices(row: dict[str, Any], geocoder: Geocoder | None) -> list[dict[str, Any]]:
    """The proposals of a doubted row: its current place first, then up to two other readings of its address (a
    homonym street in the other commune, a close name), the official addresses around its point (next door, across
    the road), and the other readings left; one proposal per label."""
    current = _current_place(row)
    choices = [current] if current else []
    if geocoder is not None:
        around = geocoder.nearby(float(row["x"]), float(row["y"]), k=3) if current else []
        found = []
        if row["address"]:
            result = geocoder.geocode(row["address"], postcode=row["postcode"], locality=row["commune"])
            found = [c for c in review_choices(result) if c.get("x") is not None]
        elsewhere = [c for c in found if all(_apart(c, other) for other in [*choices, *around])]
        # the address's other readings first when there are some (two ranks kept for them), then the neighbours
        choices += [*elsewhere[:2], *around, *elsewhere[2:]]
    unique: dict[str, dict[str, Any]] = {}
    for choice in choices:
        unique.setdefault(str(choice.get("libelle")), choice)
    return list(unique.values())[:MAX_CHOICES]


def _apart(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two proposals at different places (more than a metre apart)."""
    return bool(abs(float(a["x"]) - float(b["x"])) + abs(float(a["y"]) - float(b["y"])) > 1.0)


def doubt_placement(
    conn: psycopg.Connection[Any],
    table: str,
    row_id: int,
    *,
    who: str,
    reason: str | None = None,
    geocoder: Geocoder | None = None,
) -> tuple[dict[str, Any], bool]:
    """Send row ``row_id`` of ``table`` back to the review queue because ``who`` doubts its place.

    Returns the review (the columns of :func:`service.geocode.apply.open_reviews`) and whether it is new: a row
    already waiting for review keeps its open review, unchanged."""
    if table not in TABLES:
        raise ValueError(table)
    what = ROW_LABELS[table]
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON:
        raise InvalidValueError(
            f"Motif trop long ({len(reason)} caractères) : rien n'est enregistré.",
            hint=f"Dites en {MAX_REASON} caractères au plus ce qui ne va pas (« mauvaise commune », « en face »…).",
        )
    cur = conn.execute(sql.SQL(_q("placed_row")).format(table=sql.Identifier(table)), {"id": row_id})
    found = cur.fetchone()
    if found is None:
        raise NotFoundError(f"Pas de {what} n° {row_id}.", hint=f"Le numéro est celui de la fiche du {what}.")
    row = dict(zip([d.name for d in cur.description or []], found, strict=True))
    with conn.transaction():
        waiting = conn.execute(_q("open_review_of"), {"target": table, "id": row_id}).fetchone()
        if waiting is not None:
            return _review(conn, waiting[0]), False
        said = f"placement mis en doute par {who}" + (f" : {reason}" if reason else "")
        review_id = conn.execute(
            _q("queue_doubt"),
            {
                "target": table,
                "id": row_id,
                "address": row["address"],
                "level": row["geocode_level"] or "point fourni",
                "reason": said,
                "alternatives": json.dumps(doubt_choices(row, geocoder), ensure_ascii=False),
            },
        ).fetchone()
        assert review_id is not None
        conn.execute(sql.SQL(_q("mark_to_review")).format(table=sql.Identifier(table)), {"id": row_id})
    return _review(conn, review_id[0]), True


def _review(conn: psycopg.Connection[Any], review_id: int) -> dict[str, Any]:
    cur = conn.execute(_q("review_by_id"), {"id": review_id})
    row = cur.fetchone()
    assert row is not None
    return dict(zip([d.name for d in cur.description or []], row, strict=True))
