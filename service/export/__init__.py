"""Export stage: the list of sites to inspect (sensitive points and problem axes) for patrols and visits.

Formats: CSV (``;``, UTF-8 with BOM, opens in Excel), XLSX, GeoJSON (WGS84), GPX (waypoints for a GPS or a phone
app) and printable sheets (one HTML page per site, for the patrol's clipboard). No personal data is ever
exported from here; every export is written to the access log by the caller (API or CLI).
"""

from __future__ import annotations

import html
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from xml.etree import ElementTree as ET

import pandas as pd
import psycopg

from service.db.queries import load_queries

Format = Literal["csv", "xlsx", "geojson", "gpx", "fiches"]
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpx": "application/gpx+xml",
    "fiches": "text/html; charset=utf-8",
}
SUFFIX = {"csv": "csv", "xlsx": "xlsx", "geojson": "geojson", "gpx": "gpx", "fiches": "html"}
_LABELS = {"point_sensible": "Point sensible", "axe": "Axe problématique"}


@dataclass(frozen=True)
class SiteFilter:
    states: list[str] | None = None
    min_priority: float | None = None
    with_axes: bool = True
    limit: int = 500


def load_sites(conn: psycopg.Connection[Any], filters: SiteFilter) -> pd.DataFrame:
    """Sites to inspect, points first by priority then axes by ratio, with WGS84 lon/lat."""
    cur = conn.execute(
        load_queries("service.export", "sites.sql")["sites"],
        {
            "states": filters.states,
            "min_priority": filters.min_priority,
            "with_axes": filters.with_axes,
            "limit": filters.limit,
        },
    )
    names = [d.name for d in cur.description or []]
    return pd.DataFrame(cur.fetchall(), columns=names)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, datetime | pd.Timestamp):
        return pd.Timestamp(value).tz_convert("Europe/Brussels").strftime("%d/%m/%Y")
    return str(value)


def _table(sites: pd.DataFrame) -> pd.DataFrame:
    """Values as a person reads them: Belgian dates, French type labels; coordinates kept."""
    out = sites.copy()
    out["type"] = out["type"].map(_LABELS)
    for col in ("dernier_signalement", "derniere_visite"):
        out[col] = out[col].map(_text)
    out["lon"] = out["lon"].round(6)
    out["lat"] = out["lat"].round(6)
    return out


def render(sites: pd.DataFrame, fmt: Format, *, title: str = "Sites à contrôler") -> bytes:
    """The file's bytes for ``fmt``."""
    if fmt == "csv":
        return _table(sites).to_csv(sep=";", index=False).encode("utf-8-sig")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        _table(sites).to_excel(buffer, index=False, sheet_name="Sites")
        return buffer.getvalue()
    if fmt == "geojson":
        return _geojson(sites).encode("utf-8")
    if fmt == "gpx":
        return _gpx(sites, title)
    return _sheets(sites, title).encode("utf-8")


def _geojson(sites: pd.DataFrame) -> str:
    features = []
    for row in _table(sites).to_dict("records"):
        lon, lat = row.pop("lon"), row.pop("lat")
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {k: (None if pd.isna(v) else v) for k, v in row.items()},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def _gpx(sites: pd.DataFrame, title: str) -> bytes:
    ns = "http://www.topografix.com/GPX/1/1"
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}gpx", version="1.1", creator="Hotspots")
    meta = ET.SubElement(root, f"{{{ns}}}metadata")
    ET.SubElement(meta, f"{{{ns}}}name").text = title
    for row in _table(sites).to_dict("records"):
        wpt = ET.SubElement(root, f"{{{ns}}}wpt", lat=f"{row['lat']:.6f}", lon=f"{row['lon']:.6f}")
        ET.SubElement(wpt, f"{{{ns}}}name").text = f"{row['id']} {row['lieu']}".strip()
        ET.SubElement(wpt, f"{{{ns}}}desc").text = (
            f"{row['type']} — {row['signalements']} signalements — priorité {row['priorite']}"
            + (f" — dernière visite {row['derniere_visite']} ({row['suite_visite']})" if row["derniere_visite"] else "")
        )
        ET.SubElement(wpt, f"{{{ns}}}type").text = row["type"]
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def _sheets(sites: pd.DataFrame, title: str) -> str:
    """One sheet per site, with blank lines for the officer's findings; prints one site per page."""
    rows = []
    for row in _table(sites).to_dict("records"):
        e = {k: html.escape(_text(v)) for k, v in row.items()}
        rows.append(
            f"""<section class="fiche"><h2>{e["id"]} — {e["lieu"]}</h2>
<table><tr><th>Type</th><td>{e["type"]}</td><th>État</th><td>{e["etat"]}</td></tr>
<tr><th>Catégorie</th><td>{e["categorie"]}</td><th>Signalements</th><td>{e["signalements"]}</td></tr>
<tr><th>Tendance</th><td>{e["tendance"]}</td><th>Priorité</th><td>{e["priorite"]}</td></tr>
<tr><th>Dernier signalement</th><td>{e["dernier_signalement"]}</td><th>Dernière visite</th>
<td>{e["derniere_visite"]} {e["suite_visite"]}</td></tr>
<tr><th>Position (WGS84)</th><td colspan="3">{e["lat"]}, {e["lon"]}</td></tr></table>
<h3>Constatations</h3><p class="lignes">Date et heure : ____________ Agent : ______________________</p>
<p class="lignes">Résultat : ☐ rien constaté ☐ nettoyé ☐ avertissement ☐ PV ☐ SAC ☐ transmis ☐ à revoir</p>
<div class="notes"></div></section>"""
        )
    style = (
        "body{font-family:sans-serif;margin:1.5cm}table{border-collapse:collapse;width:100%}"
        "th,td{border:1px solid #999;padding:4px;text-align:left}th{background:#eee;width:20%}"
        ".notes{border:1px solid #999;height:8cm}.fiche{page-break-after:always}.lignes{margin:1em 0}"
    )
    return (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>"
        f"<p>{len(rows)} site(s), imprimé le {datetime.now().strftime('%d/%m/%Y')}</p>{''.join(rows)}</body></html>"
    )
