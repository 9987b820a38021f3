"""GPX 1.1 for a GPS or a phone app (OsmAnd, Organic Maps, Locus…): the stops as waypoints in visit order, each
team's visit order as a route (``rte``), the axes to walk as tracks (``trk``), and the shapes reports were drawn as
in a GIS file (a building's footprint, a stretch of pavement) as tracks too, each outline closed: GPX has no
polygon, and a track is what every such app draws over its map.

Elements follow the order of the GPX 1.1 schema (``metadata``, ``wpt``, ``rte``, ``trk``; inside a waypoint
``time``, ``name``, ``cmt``, ``desc``, ``link``, ``type``), which strict readers (Garmin) require.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from service.export.sheet import Sheet
from service.export.values import hhmm, missing, records, shape_words
from service.geo import geometry_lonlat
from service.numbers import french_number

NS = "http://www.topografix.com/GPX/1/1"
SCHEMA = "http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd"


def _tag(name: str) -> str:
    return f"{{{NS}}}{name}"


def _placed(geom: object) -> bool:
    return isinstance(geom, BaseGeometry) and not geom.is_empty


def _point(parent: ET.Element, tag: str, lon: float, lat: float, **children: str | None) -> ET.Element:
    element = ET.SubElement(parent, _tag(tag), lat=f"{lat:.6f}", lon=f"{lon:.6f}")
    for name, text in children.items():
        if text:
            ET.SubElement(element, _tag(name)).text = text
    return element


def _stop_name(row: dict[str, Any], teams: int) -> str:
    site = f"{row['Site']} {row['Lieu'] or ''}".strip()
    if row.get("Ordre") is None:
        return site
    order = f"{int(row['Ordre']):02d}"
    return f"E{row['Équipe']}·{order} {site}" if teams > 1 else f"{order} {site}"


def _stop_desc(row: dict[str, Any], zone: str) -> str:
    parts = []
    if row.get("Arrivée") is not None:
        parts.append(f"Arrivée {hhmm(row['Arrivée'], zone)}")
    if row.get("Rendez-vous") is not None:
        parts.append(f"Rendez-vous {row['Rendez-vous']}")
    parts += [str(row[k]) for k in ("Type", "Catégorie") if row.get(k)]
    if row.get("Priorité") is not None:
        parts.append(f"priorité {french_number(row['Priorité'], 2)}")
    head = " · ".join(parts)
    why = row.get("Pourquoi")
    return f"{head} — {why}" if why else head


def render_gpx(sheet: Sheet) -> bytes:
    """The GPX document's bytes (UTF-8)."""
    root = _document(sheet)
    rows = records(sheet)
    teams = int(sheet.rows["Équipe"].max()) if "Équipe" in sheet.rows and len(rows) else 1
    names = [_stop_name(row, teams) for row in rows]
    entries = [geometry_lonlat(g)[0] if _placed(g) else None for g in sheet.places.geometry]
    _add_waypoints(root, rows, names, entries, sheet.timezone)
    if sheet.ordered and "Équipe" in sheet.rows:
        for team in sorted({int(r["Équipe"]) for r in rows}):
            _add_route(root, sheet, team, rows, names, entries)
    _add_tracks(root, rows, names, sheet.places["line"])
    if "shape" in sheet.places:
        _add_shapes(root, rows, names, sheet.places["shape"])
    ET.indent(root, space=" ")
    body: bytes = ET.tostring(root, encoding="utf-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _document(sheet: Sheet) -> ET.Element:
    """The ``gpx`` root with its metadata: the sheet's title, subtitle and when it was written."""
    ET.register_namespace("", NS)
    ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
    root = ET.Element(
        _tag("gpx"),
        {
            "version": "1.1",
            "creator": "Hotspots",
            "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation": SCHEMA,
        },
    )
    meta = ET.SubElement(root, _tag("metadata"))
    ET.SubElement(meta, _tag("name")).text = sheet.title
    if sheet.subtitle:
        ET.SubElement(meta, _tag("desc")).text = sheet.subtitle
    ET.SubElement(meta, _tag("time")).text = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return root


def _add_waypoints(
    root: ET.Element, rows: list[dict[str, Any]], names: list[str], entries: list[np.ndarray | None], zone: str
) -> None:
    """One waypoint per stop with a known place (a referred report never geocoded has none)."""
    for row, name, entry in zip(rows, names, entries, strict=True):
        if entry is None:
            continue
        lon, lat = entry
        wpt = _point(root, "wpt", lon, lat, name=name, desc=_stop_desc(row, zone))
        if row.get("Lien carte"):
            link = ET.SubElement(wpt, _tag("link"), href=str(row["Lien carte"]))
            ET.SubElement(link, _tag("text")).text = "Voir sur la carte"
        if row.get("Type"):
            ET.SubElement(wpt, _tag("type")).text = str(row["Type"])


def _add_route(
    root: ET.Element,
    sheet: Sheet,
    team: int,
    rows: list[dict[str, Any]],
    names: list[str],
    entries: list[np.ndarray | None],
) -> None:
    """One team's visit order as a route: start, each stop (and the far end of an axis), arrival."""
    rte = ET.SubElement(root, _tag("rte"))
    ET.SubElement(rte, _tag("name")).text = f"Équipe {team} — {sheet.title}"
    ET.SubElement(rte, _tag("number")).text = str(team)
    if sheet.start:
        ((lon, lat),) = geometry_lonlat(shapely.Point(sheet.start["x"], sheet.start["y"]))
        _point(rte, "rtept", lon, lat, name=f"Départ : {sheet.start.get('label')}")
    for i, row in enumerate(rows):
        entry = entries[i]
        if int(row["Équipe"]) != team or entry is None:
            continue
        lon, lat = entry
        _point(rte, "rtept", lon, lat, name=names[i])
        exit_ = sheet.places["exit"].iloc[i]
        if isinstance(exit_, BaseGeometry) and not exit_.equals(sheet.places.geometry.iloc[i]):
            ((lon, lat),) = geometry_lonlat(exit_)
            _point(rte, "rtept", lon, lat, name=f"{names[i]} (fin de l'axe)")
    if sheet.end:
        ((lon, lat),) = geometry_lonlat(shapely.Point(sheet.end["x"], sheet.end["y"]))
        _point(rte, "rtept", lon, lat, name=f"Arrivée : {sheet.end.get('label')}")


def _add_tracks(root: ET.Element, rows: list[dict[str, Any]], names: list[str], lines: Iterable[object]) -> None:
    """Each axis to walk as a track along its street, in the direction to walk it."""
    for row, name, line in zip(rows, names, lines, strict=True):
        if line is None or missing(line) or not isinstance(line, BaseGeometry) or line.is_empty:
            continue
        trk = ET.SubElement(root, _tag("trk"))
        ET.SubElement(trk, _tag("name")).text = f"Axe : {row['Lieu'] or row['Site']} ({name.split(' ')[0]})"
        ET.SubElement(trk, _tag("desc")).text = "Rue à parcourir sur toute sa longueur, dans ce sens."
        ET.SubElement(trk, _tag("type")).text = "Axe problématique"
        seg = ET.SubElement(trk, _tag("trkseg"))
        for lon, lat in geometry_lonlat(line):
            _point(seg, "trkpt", float(lon), float(lat))


def _add_shapes(root: ET.Element, rows: list[dict[str, Any]], names: list[str], shapes: Iterable[object]) -> None:
    """Each drawn shape as a track named after its stop, one segment per ring of a polygon (closed) or per line."""
    for row, name, shape in zip(rows, names, shapes, strict=True):
        if not _placed(shape):
            continue
        assert isinstance(shape, BaseGeometry)
        outlines = [
            ring
            for part in shapely.get_parts(shape)
            for ring in (shapely.get_rings(part) if part.geom_type == "Polygon" else [part])
            if ring.geom_type in ("LineString", "LinearRing")
        ]  # a polygon's outer ring and its holes (a courtyard), each closed; a line as drawn
        if not outlines:
            continue
        trk = ET.SubElement(root, _tag("trk"))
        ET.SubElement(trk, _tag("name")).text = f"Forme : {row['Lieu'] or row['Site']} ({name.split(' ')[0]})"
        ET.SubElement(trk, _tag("desc")).text = f"Dessinée dans le fichier reçu : {shape_words(shape)}."
        ET.SubElement(trk, _tag("type")).text = "Forme dessinée"
        for outline in outlines:
            seg = ET.SubElement(trk, _tag("trkseg"))
            for lon, lat in geometry_lonlat(outline):
                _point(seg, "trkpt", float(lon), float(lat))
