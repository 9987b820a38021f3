"""The place of an action, as a person names it: a sensitive point (``PS-0004``), a problem axis (``AX-0012``) or an
address, placed by the offline geocoder and taken with a circle around it (a camera, a bin, a sign put up there).
Read by the effect of an action (:mod:`service.activity.effect`) and the register of interventions
(:mod:`service.activity.interventions`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import psycopg
import shapely

from service.db.queries import Queries
from service.errors import InvalidValueError, NotFoundError
from service.geocode.match import Geocoder
from service.numbers import french_number

_q = Queries("service.activity", "sites.sql")

#: An axis is its street stretch widened by this much (the reports its page lists).
AXIS_BAND_M = 15.0
#: The circle around an address, by default (metres).
ADDRESS_RADIUS_M = 100.0


@dataclass(frozen=True)
class Site:
    """The place of an action: a sensitive point (``point``), a problem axis (``axe``) or a circle around an
    address (``adresse``: a camera, a bin, a sign put up there)."""

    kind: str
    id: str  # PS-0004, AX-0012, or the address as the register writes it
    label: str  # the point's nearest address, the axis's street, the circle's radius
    geom: shapely.Geometry
    category: str | None  # the only category the point was found in, if it was found in one

    @property
    def where(self) -> str:
        """« au point PS-0004 », « sur l'axe AX-0012 », « autour de Rue Ferrer 12, 4100 Seraing »."""
        return {"point": "au point ", "axe": "sur l'axe "}.get(self.kind, "autour de ") + self.id

    @property
    def name(self) -> str:
        """The place in a table's row."""
        return f"{self.id} ({self.label})" if self.kind == "adresse" else self.label


#: A sensitive point's or an axis's identifier (anything else is an address).
_SITE_ID = re.compile(r"^\s*(PS|AX)-[0-9A-Z]+\s*$", re.IGNORECASE)
#: How precisely an address must be placed to be the centre of a circle.
PRECISE_LEVELS = frozenset({"adresse", "adresse_interpolee", "intersection"})


def find_site(
    conn: psycopg.Connection[Any], site_id: str, *, geocoder: Geocoder | None = None, radius_m: float = 100.0
) -> Site:
    """The sensitive point or problem axis named ``site_id`` (a French 404 when there is none), or the circle of
    ``radius_m`` around the address ``site_id``, placed by ``geocoder`` to its number or a crossing (a French
    refusal when the register places it only on its street, or not at all)."""
    if not is_site_id(site_id):
        return address_site(site_id, geocoder, radius_m)
    key = site_id.strip().upper()
    kind = "axe" if key.startswith("AX") else "point"
    row = conn.execute(_q("axis_site" if kind == "axe" else "point_site"), {"id": key, "band": AXIS_BAND_M}).fetchone()
    if row is None:
        what = "axe problématique" if kind == "axe" else "point sensible"
        raise NotFoundError(
            f"Aucun {what} « {site_id} ».",
            hint="Les identifiants sont ceux de « hotspots analyse » et de la carte (PS-0004, AX-0012).",
        )
    return Site(kind, str(row[0]), str(row[2]), shapely.from_wkb(bytes(row[1])), row[3])


def is_site_id(text: str) -> bool:
    """Whether ``text`` names a sensitive point or an axis (else it is an address)."""
    return bool(_SITE_ID.match(text))


def geocoder_for(conn: psycopg.Connection[Any], place: str) -> Geocoder | None:
    """The register's geocoder, built from the database, when ``place`` is an address; None for a point or an
    axis, which need none (the command line's way: one place per run)."""
    return None if is_site_id(place) else Geocoder.from_db(conn)


def address_site(text: str, geocoder: Geocoder | None, radius_m: float) -> Site:
    """The circle of ``radius_m`` around an address, placed by the offline geocoder."""
    if geocoder is None:
        raise InvalidValueError(
            f"« {text.strip()} » n'est ni un point sensible ni un axe, et aucun registre d'adresses n'est chargé "
            "pour y lire une adresse",
            hint="Donnez un point sensible (PS-0004) ou un axe (AX-0012), ou chargez le registre "
            "(hotspots gazetteer load).",
        )
    found = geocoder.geocode(text)
    if found.x is None or found.y is None or found.level not in PRECISE_LEVELS:
        why = found.reason or ("seulement sa rue" if found.level == "rue" else "introuvable")
        raise InvalidValueError(
            f"adresse non placée à son numéro : « {text.strip()} » ({why})",
            hint="Donnez le numéro et la commune (« Rue Ferrer 12, Seraing »), ou un point sensible (PS-0004).",
        )
    circle = shapely.Point(found.x, found.y).buffer(radius_m, quad_segs=16)
    return Site("adresse", str(found.label), f"cercle de {french_number(radius_m)} m", circle, None)
