"""Map data read from PostGIS: report aggregates for a view, public hexagons, vector tiles, vocabularies.

Each function runs one named query of ``sql/maps.sql`` and returns plain data (a GeoJSON dict or bytes); the
routes only parse, call and send.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import psycopg

from service.db.queries import Queries
from service.db.vocabulary import read_terms
from service.geo import BBox
from service.ingest.followup import DEVICE_SOURCE
from service.ingest.source_names import sources_in_use
from service.maps.grid import POINTS_ZOOM, Extent, cell_size, extent_for
from service.maps.words import GROUP_NAMES
from service.plan.candidates import checked_places

#: Public map: category groups (group → its categories) coarse enough to publish; their names in each language
#: are in service.maps.words.GROUP_NAMES.
PUBLIC_GROUPS: dict[str, tuple[str, ...]] = {
    "dechets": ("depot_clandestin", "sacs_hors_jour", "incineration", "terrain_malpropre", "vehicule_abandonne"),
    "proprete": ("dejections", "affichage_sauvage", "graffiti"),
    "nuisances": ("bruit", "odeurs"),
    "pollution": ("pollution_eau", "pollution_sol", "insalubrite"),
    "autres": ("activite_sans_permis", "autre"),
}


_q = Queries("service.maps", "maps.sql")


@dataclass(frozen=True)
class ReportFilter:
    """What the map's filter panel chooses: categories (None = all), a half-open period, and places (communes,
    sections or postcodes of the zone; none = the whole zone) with the postcodes that stand for them
    (:func:`placed`)."""

    categories: tuple[str, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None
    places: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()

    def params(self) -> dict[str, Any]:
        """The filter as the parameters of the map's named queries."""
        cats = list(self.categories) if self.categories else None
        return {
            "categories": cats,
            "since": self.since,
            "until": self.until,
            "places": list(self.places) or None,
            "postcodes": list(self.postcodes),
        }


def placed(conn: psycopg.Connection[Any], filters: ReportFilter) -> ReportFilter:
    """``filters`` with its places checked against the zone's register (a French error names one outside it) and
    the postcodes that stand for them: a report is in a place as the register export counts it (``in_places``,
    migration 0067), so that the map and its export link give the same reports."""
    if not filters.places:
        return filters
    places, postcodes = checked_places(conn, filters.places)
    return replace(filters, places=places, postcodes=postcodes)


def report_layer(
    conn: psycopg.Connection[Any],
    bbox: tuple[float, float, float, float],
    zoom: int,
    filters: ReportFilter,
    *,
    max_points: int,
) -> dict[str, Any]:
    """The reports of a view: individual points at high zoom when at most ``max_points``, else cells.

    The answer is a GeoJSON FeatureCollection plus ``mode`` (``points`` or ``mailles``), ``taille_m`` (cell
    size), ``total`` (reports in ``emprise``), ``emprise`` (WGS84) and ``emprise_lambert72``, the extent
    actually counted, and ``chaleur``: ``[lat, lon, nombre]`` triples of half-size cells for the heat map.
    """
    size = cell_size(zoom)
    extent = extent_for(bbox, size)
    params = {**extent.params(), **filters.params(), "size": size}
    if zoom >= POINTS_ZOOM:
        rows = conn.execute(_q("report_points"), {**params, "limit": max_points + 1}).fetchall()
        if len(rows) <= max_points:
            return _points(rows, extent, size)
    features, heat, total = _one(conn, "report_cells", params)
    return _frame("mailles", features, extent, size, total=int(total), chaleur=heat)


def _points(rows: list[tuple[Any, ...]], extent: Extent, size: float) -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "id": rid,
            "geometry": geom,
            "properties": {
                "id": rid,
                "categorie": category,
                "date": when.isoformat(),
                "statut": status,
                "adresse": address,
                "commune": commune,
                "code_postal": postcode,
                "forme": drawn,
            },
        }
        for geom, rid, category, when, status, address, commune, postcode, drawn in rows
    ]
    heat = [[f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0], 1] for f in features]
    return _frame("points", features, extent, size, total=len(features), chaleur=heat)


def _frame(mode: str, features: list[Any], extent: Extent, size: float, **extra: Any) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "mode": mode,
        "taille_m": size,
        "emprise": extent.wgs84(),
        "emprise_lambert72": [extent.xmin, extent.ymin, extent.xmax, extent.ymax],
        **extra,
        "features": features,
    }


def _one(conn: psycopg.Connection[Any], name: str, params: dict[str, Any]) -> tuple[Any, ...]:
    row = conn.execute(_q(name), params).fetchone()
    assert row is not None  # aggregate queries always return one row
    return tuple(row)


def public_cells(
    conn: psycopg.Connection[Any],
    bbox: BBox,
    zoom: int,
    period: ReportFilter,
    *,
    min_count: int,
    min_size: float,
    language: str = "fr",
) -> dict[str, Any]:
    """Hexagons with their report count per category group over ``period`` (its categories are not read: the public
    map counts them all, by group); hexagons under ``min_count`` are left out. The groups are named in
    ``language``."""
    size = cell_size(zoom, minimum=min_size)
    extent = extent_for(bbox, size)
    codes = [code for members in PUBLIC_GROUPS.values() for code in members]
    groups = [group for group, members in PUBLIC_GROUPS.items() for _code in members]
    params = {
        **extent.params(),
        "since": period.since,
        "until": period.until,
        "size": size,
        "k": min_count,
        "codes": codes,
        "groups": groups,
    }
    features, hidden_reports, hidden_cells = _one(conn, "public_cells", params)
    shown = sum(int(f["properties"]["n"]) for f in features)
    return _frame(
        "hexagones",
        features,
        extent,
        size,
        total=shown + int(hidden_reports),
        seuil=min_count,
        masques={"mailles": int(hidden_cells), "signalements": int(hidden_reports)},
        groupes={group: GROUP_NAMES[language][group] for group in PUBLIC_GROUPS},
    )


def report_tile(conn: psycopg.Connection[Any], z: int, x: int, y: int, filters: ReportFilter) -> bytes:
    """A Mapbox vector tile of the reports (layer ``signalements``): cells under zoom 16, points from 16 on."""
    params = {"z": z, "x": x, "y": y, "size": cell_size(z), **filters.params()}
    row = conn.execute(_q("report_tile"), params).fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def vocabulary(conn: psycopg.Connection[Any]) -> dict[str, list[list[str]]]:
    """Category (in use, by label) and visit-outcome (by code) codes with their French labels, for the filter panel
    and the visit form; the sources stored, for the import form."""
    terms = read_terms(conn)
    categories = sorted((t for t in terms.categories if t.active), key=lambda t: t.label_fr)
    return {
        "categories": [[t.code, t.label_fr] for t in categories],
        "resultats": [[t.code, t.label_fr] for t in terms.outcomes],
        # the phones' visits (« api ») are not a source a person imports under
        "sources": [[name, sent] for name, sent in sources_in_use(conn) if name != DEVICE_SOURCE],
    }
