"""The commune of a point given by its coordinates (a citizen app's GPS fix, a point placed by hand): the commune
of the official addresses around it, and the commune outlines only where no address is near.

The outlines shipped with the service are coarse (see ``geodata/README.md``): 7 % of Seraing's official addresses
fall outside the Seraing outline, by up to 880 m (most of Jemeppe, read as Grâce-Hollogne, Liège or Flémalle).
Each address of the register carries its commune, so the nearest one within :data:`RADIUS_M` names the commune of
a point; a point farther from every address (a wood, a field) keeps the outline's answer. With a register of the
zone only, a point just outside the zone but next to it takes the zone's commune: the outlines could not place it
better.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from service.db.queries import Queries
from service.zone import communes_at

#: How far (metres) the nearest official address may be for its commune to be the point's.
RADIUS_M = 100.0

_q = Queries("service.geocode", "gazetteer.sql")


@dataclass(frozen=True)
class AddressCommunes:
    """The register's address points in a k-d tree, with their communes (no tree: no register loaded)."""

    tree: cKDTree | None
    names: np.ndarray

    def at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The commune of the nearest address within :data:`RADIUS_M` of each point (None where none is)."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        found = np.full(len(x), None, dtype=object)
        ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        if self.tree is None or not ok.size:
            return found
        distance, index = self.tree.query(np.column_stack([x[ok], y[ok]]), distance_upper_bound=RADIUS_M)
        near = np.isfinite(distance)
        found[ok[near]] = self.names[index[near]]
        return found


_cache: dict[tuple[Any, ...], AddressCommunes] = {}


def address_communes(conn: psycopg.Connection[Any]) -> AddressCommunes:
    """The register's addresses as :class:`AddressCommunes`, read again only when the register changed."""
    row = conn.execute(_q("address_fingerprint")).fetchone()
    key = (conn.info.host, conn.info.port, conn.info.dbname, *(row or ()))
    if key not in _cache:
        frame = _q.frame(conn, "address_communes")
        tree = cKDTree(frame[["x", "y"]].to_numpy(dtype=float)) if len(frame) else None
        _cache.clear()  # one register at a time (a test's database, then another's)
        _cache[key] = AddressCommunes(tree, frame["municipality"].to_numpy(dtype=object))
    return _cache[key]


def communes_of_points(
    addresses: AddressCommunes, outlines: tuple[tuple[str, BaseGeometry], ...], x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """The commune of each point: its nearest official address's, else the outline containing it, else None."""
    found = addresses.at(x, y)
    left = np.flatnonzero(found == None)  # noqa: E711 (an object array's element-wise comparison)
    if left.size and outlines:
        found[left] = communes_at(outlines, np.asarray(x, dtype=float)[left], np.asarray(y, dtype=float)[left])
    return found


def commune_of_point(
    conn: psycopg.Connection[Any], outlines: tuple[tuple[str, BaseGeometry], ...], x: float, y: float
) -> str | None:
    """One point's commune, the same way (one query: a point placed by hand)."""
    row = conn.execute(_q("commune_near"), {"x": x, "y": y, "radius": RADIUS_M}).fetchone()
    if row is not None:
        return str(row[0])
    found = communes_at(outlines, np.array([x]), np.array([y]))[0] if outlines else None
    return None if found is None else str(found)
