"""GeoJSON (RFC 7946, WGS84) for a GIS or a web map: the stops as points (properties = the row, ISO 8601 dates),
the axes walked as their street line, each team's route as a line, and the start and end; a ``role`` property
tells them apart (``arret``, ``axe``, ``itineraire``, ``depart``, ``arrivee``). A register of reports, a shift's
sheet and a list of sites add the shapes reports were drawn as in a GIS file (``forme``: a building's footprint, a
stretch of pavement), each beside its report's point, so that a GIS draws the footprint and not only the point
inside it."""

from __future__ import annotations

import json
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from service.export.sheet import Sheet
from service.export.values import iso_value, missing, records
from service.geo import geometry_to_wgs84

#: What a drawn shape's feature says of its report (the rest is on the report's point or stop): a register's
#: columns, or a shift's and a list's.
SHAPE_KEYS = (
    *("Ordre", "Équipe", "Arrêt", "Site", "Signalement", "N° à la source", "Signalé le", "Catégorie", "Statut"),
    *("Lieu", "Adresse", "Commune"),
)


def _present(geom: Any) -> bool:
    return geom is not None and not missing(geom) and isinstance(geom, BaseGeometry) and not geom.is_empty


def _feature(geom: BaseGeometry | None, properties: dict[str, Any]) -> dict[str, Any]:
    """A feature; a row without a known place gets a null geometry (RFC 7946, 3.2)."""
    return {
        "type": "Feature",
        "geometry": geometry_to_wgs84(geom) if _present(geom) else None,
        "properties": properties,
    }


def features(sheet: Sheet) -> list[dict[str, Any]]:
    """The features in order: stops (visit order), axes, routes, start and end."""
    out = []
    rows = records(sheet)
    for row, geom in zip(rows, sheet.places.geometry, strict=True):
        props = {"role": "arret"} | {name: iso_value(name, value, sheet.timezone) for name, value in row.items()}
        out.append(_feature(geom, props))
    keys = [k for k in ("Ordre", "Équipe", "Arrêt", "Site", "Type", "Lieu", "Catégorie") if k in sheet.rows.columns]
    for row, line in zip(rows, sheet.places["line"], strict=True):
        if _present(line):
            out.append(_feature(line, {"role": "axe"} | {k: iso_value(k, row[k], sheet.timezone) for k in keys}))
    if "shape" in sheet.places:
        for row, shape in zip(rows, sheet.places["shape"], strict=True):
            if _present(shape):
                said = {k: iso_value(k, row[k], sheet.timezone) for k in SHAPE_KEYS if k in row}
                out.append(_feature(shape, {"role": "forme"} | said))
    if sheet.routes is not None:
        for route in sheet.routes.itertuples():
            if _present(route.geometry):
                stops = int((sheet.rows["Équipe"] == route.team).sum()) if "Équipe" in sheet.rows else len(rows)
                props = {
                    "role": "itineraire",
                    "Équipe": int(route.team),
                    "Arrêts": stops,
                    "Longueur (km)": round(float(route.geometry.length) / 1000, 2),
                }
                out.append(_feature(route.geometry, props))
    for role, place in (("depart", sheet.start), ("arrivee", sheet.end)):
        if place:
            point = shapely.Point(float(place["x"]), float(place["y"]))
            out.append(_feature(point, {"role": role, "Lieu": place.get("label")}))
    return out


def render_geojson(sheet: Sheet) -> bytes:
    """A FeatureCollection, UTF-8, accents as they are."""
    collection = {"type": "FeatureCollection", "name": sheet.title, "features": features(sheet)}
    return json.dumps(collection, ensure_ascii=False, allow_nan=False).encode("utf-8")
