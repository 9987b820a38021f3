"""Read JSON inputs — a GeoJSON FeatureCollection of points, an Open311 (GeoReport v2) answer in JSON or XML — as
one table of text columns, served in chunks like a streamed file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
import shapely.geometry

from service.errors import InputFileError
from service.ingest.open311_xml import looks_like_xml, read_requests
from service.ingest.shapes import point_of, shape_text
from service.ingest.source import STR, FileFacts, TableSource, scan_file, served_whole


def too_nested(path: Path) -> InputFileError:
    """The refusal of a JSON document nested thousands of levels deep (what ``json`` cannot read)."""
    return InputFileError(
        f"{path.name} : structure JSON trop imbriquée (des tableaux ou objets les uns dans les autres sur des "
        "milliers de niveaux) : ce n'est pas un export ordinaire.",
        hint="Vérifiez le fichier : une FeatureCollection GeoJSON ou une réponse Open311 n'a que quelques niveaux.",
    )


def _load_json(path: Path, facts: FileFacts) -> Any:
    try:
        with path.open("r", encoding=facts.encoding or "utf-8-sig") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{path.name} : JSON invalide à la ligne {exc.lineno}, colonne {exc.colno} ({exc.msg}).",
            hint="Vérifiez que le fichier est complet (pas tronqué) et bien au format JSON.",
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path.name} : encodage illisible ; le JSON doit être en UTF-8.") from exc


def _flatten(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return text if text.strip() else None


_GEOM_COLUMNS = ("_geom_x", "_geom_y", "_geom_value", "_geom_error", "_geom_shape")


def _geometry_columns(geom: Any) -> dict[str, str | None]:
    """The ``_geom_*`` columns of a GeoJSON geometry (:func:`service.ingest.shapes.point_of`): a point, a small
    surface or line at a point inside it; else the value shown and why the row is refused."""
    return {**dict.fromkeys(_GEOM_COLUMNS), **_geometry(geom)}


def _geometry(geom: Any) -> dict[str, str | None]:
    if geom is None:
        return {}
    if not isinstance(geom, dict) or "type" not in geom:
        return {
            "_geom_value": json.dumps(geom, ensure_ascii=False)[:80],
            "_geom_error": "géométrie GeoJSON sans « type »",
        }
    kind, coords = geom.get("type"), geom.get("coordinates")
    if kind == "MultiPoint" and isinstance(coords, list) and len(coords) == 1:
        kind, coords = "Point", coords[0]
    if kind == "Point":
        if (
            not isinstance(coords, list)
            or len(coords) < 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coords[:2])
        ):
            return {"_geom_value": json.dumps(coords)[:80], "_geom_error": "coordonnées de point invalides"}
        if any(c != c or c in (float("inf"), float("-inf")) for c in coords[:2]):
            return {"_geom_value": json.dumps(coords)[:80], "_geom_error": "coordonnées de point non finies"}
        return {"_geom_x": repr(float(coords[0])), "_geom_y": repr(float(coords[1]))}
    try:
        shape = shapely.geometry.shape(geom)
    except Exception:  # shapely's errors for malformed coordinates vary by kind: each is this row's reason
        return {"_geom_value": str(kind)[:80], "_geom_error": "géométrie illisible : un point est attendu"}
    x, y, shown, error = point_of(shape)
    if error is not None:
        return {"_geom_value": shown, "_geom_error": error}
    return {"_geom_x": repr(x), "_geom_y": repr(y), "_geom_value": shown, "_geom_shape": shape_text(shape)}


def _geojson_crs(doc: dict[str, Any]) -> str | None:
    crs = doc.get("crs")
    if isinstance(crs, dict):
        name = str((crs.get("properties") or {}).get("name", ""))
        for code in ("31370", "3812", "4326", "CRS84"):
            if name.endswith(code):
                return "EPSG:4326" if code == "CRS84" else f"EPSG:{code}"
    return None


#: The column an Open311 request's closing date is read from. GeoReport v2 has no closing date: a request whose
#: status is ``closed`` was closed at its last update (``updated_datetime``); an open request's last update is not a
#: closing. The name says both, so that a refusal (a closing before the request) points at the feed's own field.
CLOSED_UPDATE = "updated_datetime (demande close)"


def _closings(records: list[dict[str, str | None]]) -> list[dict[str, str | None]]:
    """The requests, with :data:`CLOSED_UPDATE` for each closed one that has a last update."""
    out = []
    for record in records:
        closed = (record.get("status") or "").strip().lower() == "closed"
        if closed and record.get("updated_datetime") and CLOSED_UPDATE not in record:
            record = {**record, CLOSED_UPDATE: record["updated_datetime"]}
        out.append(record)
    return out


def open_json(path: Path, fmt: str) -> TableSource:
    """A GeoJSON or Open311 file as a table: one row a feature or request, nested values as JSON text."""
    facts = scan_file(path, text=True)
    with path.open("rb") as fh:
        xml = fmt == "open311" and looks_like_xml(fh.read(64))
    doc = None if xml else _load_json(path, facts)
    declared = None
    records: list[dict[str, str | None]]
    if xml:
        records = read_requests(path)
    elif fmt == "geojson":
        if (
            not isinstance(doc, dict)
            or doc.get("type") != "FeatureCollection"
            or not isinstance(doc.get("features"), list)
        ):
            found = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
            raise InputFileError(
                f"{path.name} : GeoJSON sans FeatureCollection (« type » : {found}).",
                hint="Le fichier doit être une FeatureCollection de points.",
            )
        declared = _geojson_crs(doc)
        records = []
        for feat in doc["features"]:
            if not isinstance(feat, dict):
                records.append({"_geom_value": json.dumps(feat)[:80], "_geom_error": "objet « feature » invalide"})
                continue
            props = feat.get("properties") or {}
            rec = {k: _flatten(v) for k, v in props.items()} if isinstance(props, dict) else {}
            rec.update(_geometry_columns(feat.get("geometry")))
            if "id" in feat and "id" not in rec:
                rec["id"] = _flatten(feat["id"])
            records.append(rec)
    else:
        items = doc
        if isinstance(doc, dict):
            items = doc.get("service_requests") or doc.get("requests") or doc.get("request")
        if not isinstance(items, list):
            raise InputFileError(
                f"{path.name} : réponse Open311 inattendue ; une liste de demandes (requests) est attendue.",
                hint="Utilisez la réponse de GET requests.json d'un serveur GeoReport v2.",
            )
        if items and all(isinstance(it, dict) and "metadata" in it and "service_request_id" not in it for it in items):
            raise InputFileError(
                f"{path.name} : c'est une liste de services (services.json), pas de demandes à importer.",
                hint="Utilisez la réponse de GET requests.json (ou requests.xml) d'un serveur GeoReport v2.",
            )
        records = [
            {k: _flatten(v) for k, v in it.items()} if isinstance(it, dict) else {"_shape_error": "objet invalide"}
            for it in items
        ]
    if not records:
        raise InputFileError(f"{path.name} : aucun objet dans le fichier.", hint="Vérifiez l'export.")
    records = _closings(records) if fmt == "open311" else records
    headers: list[str] = []
    for rec in records:
        for key in rec:
            if key not in headers:
                headers.append(key)
    frame = pd.DataFrame.from_records(records, columns=headers).astype(object)
    frame = frame.where(frame.notna(), None).astype(STR)
    frame["_row"] = range(1, len(frame) + 1)
    source = TableSource(path, fmt, [h for h in headers if not h.startswith("_")], facts, declared_crs=declared)
    return served_whole(source, frame)
