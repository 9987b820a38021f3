"""The register of interventions: what the service (or the commune, a partner) put in place at a site beyond a
visit — a camera, a sign, a clean-up, a change to the place, residents informed — and from which day. The effect of
an action starts from the latest one at a place (:func:`latest_at`, read by :mod:`service.activity.effect`), and
the activity report lists those of its period. A mistaken entry is withdrawn, not deleted."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import psycopg
import shapely

from service.activity.sites import ADDRESS_RADIUS_M, Site, find_site
from service.db.queries import Queries
from service.errors import InvalidValueError, NotFoundError
from service.export.values import day
from service.geocode.match import Geocoder
from service.labels import INTERVENTION_LABELS
from service.numbers import french_number
from service.plan.filters import resolve_codes

_q = Queries("service.activity", "interventions.sql")

#: The kinds of intervention (migration 0058) and how a person reads them.
KINDS = INTERVENTION_LABELS

#: An intervention may be dated this far ahead (recorded the evening before a camera goes up).
AHEAD = pd.Timedelta(days=1)


@dataclass(frozen=True)
class NewIntervention:
    """An intervention as a person gives it: where, what, from when (until when, a camera moved elsewhere)."""

    place: str  # PS-0004, AX-0012 or an address
    kind: str  # a code or a label of KINDS
    start: pd.Timestamp
    end: pd.Timestamp | None = None
    note: str | None = None


def kind_code(text: str) -> str:
    """The code of a kind given as a code or a label (« caméra », « Panneau posé »); a French refusal listing them."""
    codes = resolve_codes([text], KINDS, "type d'intervention inconnu", intro="Types possibles")
    if len(codes) != 1:
        raise InvalidValueError(f"un seul type d'intervention : « {text.strip()} »", hint=", ".join(KINDS))
    return codes[0]


def record(
    conn: psycopg.Connection[Any],
    new: NewIntervention,
    *,
    actor: str,
    zone: str,
    geocoder: Geocoder | None = None,
    radius_m: float = ADDRESS_RADIUS_M,
    now: pd.Timestamp | None = None,
) -> dict[str, Any]:
    """Store ``new`` at its place (a point's or an axis's outline as it is today, or the circle of ``radius_m``
    around an address) and return it as listed; French refusals (days written in ``zone``, the service's time
    zone) for an unknown place or kind, a day too far ahead or an end before the start. Commits."""
    kind = kind_code(new.kind)
    stamp = pd.Timestamp.now(tz="UTC") if now is None else now
    if new.start > stamp + AHEAD:
        raise InvalidValueError(
            f"intervention datée de plus d'un jour dans le futur : {day(new.start, zone)}",
            hint="Notez-la le jour où elle est en place (une caméra posée, un panneau planté).",
        )
    if new.end is not None and new.end <= new.start:
        raise InvalidValueError(
            f"fin ({day(new.end, zone)}) avant le début ({day(new.start, zone)})", hint="La fin vient après le début."
        )
    site = find_site(conn, new.place, geocoder=geocoder, radius_m=radius_m)
    row = conn.execute(
        _q("insert"),
        {
            "kind": kind,
            "site_id": site.id if site.kind != "adresse" else None,
            "address": site.id if site.kind == "adresse" else None,
            "geom": shapely.to_wkb(site.geom),
            "start": new.start.to_pydatetime(),
            "end": new.end.to_pydatetime() if new.end is not None else None,
            "note": (new.note or "").strip() or None,
            "actor": actor,
        },
    ).fetchone()
    conn.commit()
    assert row is not None
    return listed(conn, only=int(row[0]))[0]


def listed(
    conn: psycopg.Connection[Any],
    site: Site | None = None,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    only: int | None = None,
) -> list[dict[str, Any]]:
    """The interventions of ``site`` (recorded on it, or at an address whose circle touches it) or of all, started
    in [start, end) when given, or the one numbered ``only``; the latest first."""
    rows = conn.execute(
        _q("listed"),
        {
            "id": only,
            "site_id": site.id if site is not None and site.kind != "adresse" else None,
            "site": shapely.to_wkb(site.geom) if site is not None else None,
            "start": start.to_pydatetime() if start is not None else None,
            "end": end.to_pydatetime() if end is not None else None,
        },
    ).fetchall()
    names = ("id", "type", "lieu", "a_une_adresse", "debut", "fin", "note", "note_par", "notee_le", "lon", "lat")
    out = []
    for *row, geom in rows:
        item = dict(zip(names, row, strict=True))
        item["libelle"] = KINDS[item["type"]]
        item["debut"], item["notee_le"] = pd.Timestamp(item["debut"]), pd.Timestamp(item["notee_le"])
        item["fin"] = pd.Timestamp(item["fin"]) if item["fin"] is not None else None
        item["geom"] = shapely.from_wkb(bytes(geom))
        out.append(item)
    return out


def site_of(conn: psycopg.Connection[Any], item: dict[str, Any]) -> Site:
    """The place of a listed intervention: its point or axis as it is today, or the circle it was recorded with."""
    if not item["a_une_adresse"]:
        return find_site(conn, str(item["lieu"]))
    radius = round(math.sqrt(item["geom"].area / math.pi))  # the circle's radius, from its area
    return Site("adresse", str(item["lieu"]), f"cercle de {french_number(radius)} m", item["geom"], None)


def as_json(item: dict[str, Any]) -> dict[str, Any]:
    """A listed intervention as the API answers it (dates in ISO 8601, no outline)."""
    out = {k: v for k, v in item.items() if k != "geom"}
    for key in ("debut", "fin", "notee_le"):
        out[key] = out[key].isoformat() if out[key] is not None else None
    return out


def latest_at(
    conn: psycopg.Connection[Any], site: Site, now: pd.Timestamp, zone: str
) -> tuple[pd.Timestamp, pd.Timestamp | None, str] | None:
    """The day of the latest intervention at ``site`` started by ``now``, the day it ended (a camera moved
    elsewhere) if it did, and how to name it (« caméra posée, intervention n° 3 », its end day in ``zone``), or
    None."""
    started = [i for i in listed(conn, site) if i["debut"] <= now]  # the latest first
    if not started:
        return None
    item = started[0]
    until = item["fin"].tz_convert("UTC") if item["fin"] is not None else None
    words = item["libelle"].lower() + (f" jusqu'au {day(until, zone)}" if until is not None else "")
    return item["debut"].tz_convert("UTC"), until, f"{words}, intervention n° {item['id']}"


def withdraw(conn: psycopg.Connection[Any], intervention_id: int, *, actor: str) -> None:
    """Withdraw a mistaken intervention (who and when are kept); a French 404 when there is none. Commits."""
    row = conn.execute(_q("withdraw"), {"id": intervention_id, "actor": actor}).fetchone()
    if row is None:
        raise NotFoundError(
            f"Aucune intervention n° {intervention_id} en cours.",
            hint="« hotspots intervention liste » donne les numéros.",
        )
    conn.commit()
