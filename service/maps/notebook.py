"""Maps for notebooks: folium, with Leaflet carried inside the map itself, so that a saved notebook still shows
its maps without internet (and without the service running).

folium's defaults load Leaflet, jQuery, Bootstrap and Font Awesome from four CDN hosts; the service's own map
pages load Leaflet from ``/static/carte``, which a notebook opened from a file cannot reach. Here Leaflet's
script and style sheet (with its images) are written into the page as ``data:`` addresses, and the background is
vector: the communes of the zone and, when given, its streets. Base tiles are added only when a tile address is
configured, as a layer that may be switched off (and that simply stays blank offline).
"""

from __future__ import annotations

import base64
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd

from service.settings import Settings
from service.zone import communes_path, read_communes, zone_bounds, zone_centre

_LEAFLET = Path(__file__).parent / "static" / "vendor" / "leaflet"


def _data_url(kind: str, payload: bytes) -> str:
    return f"data:{kind};base64,{base64.b64encode(payload).decode('ascii')}"


@cache
def _inline_assets() -> tuple[str, str]:
    """Leaflet's script and style sheet as ``data:`` addresses (the sheet's images inlined in it)."""
    css = (_LEAFLET / "leaflet.css").read_text(encoding="utf-8")

    def image(found: re.Match[str]) -> str:
        return f"url({_data_url('image/png', (_LEAFLET / found.group(1)).read_bytes())})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", image, css)
    return (
        _data_url("text/javascript", (_LEAFLET / "leaflet.js").read_bytes()),
        _data_url("text/css", css.encode("utf-8")),
    )


class NotebookMap(folium.Map):
    """A folium map that needs no network: Leaflet inside the page, no other library."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        script, sheet = _inline_assets()
        self.default_js = [("leaflet", script)]
        self.default_css = [("leaflet_css", sheet)]


def zone_map(
    settings: Settings, *, streets: gpd.GeoDataFrame | None = None, tiles: bool = True, height: int = 520
) -> NotebookMap:
    """A map of the police zone: commune outlines (and ``streets``, lines in any CRS) as a vector background,
    the configured tiles as a layer when ``tiles`` and a tile address is set. Add layers with folium, then
    ``folium.LayerControl().add_to(m)``."""
    fmap = NotebookMap(location=zone_centre(settings), zoom_start=12, tiles=None, control_scale=True, height=height)
    if tiles and settings.tile_url:
        folium.TileLayer(
            tiles=settings.tile_url, attr=settings.tile_attribution, name="Fond de carte (tuiles, en ligne)"
        ).add_to(fmap)
    communes = read_communes(communes_path(settings), tuple(settings.zone_communes))
    zone = communes[communes["role"] == "target"][["name_fr", "geometry"]]
    folium.GeoJson(
        json.loads(zone.to_json(drop_id=True)),
        name="Communes",
        style_function=lambda _f: {"color": "#555555", "weight": 2, "fill": False},
        tooltip=folium.GeoJsonTooltip(fields=["name_fr"], aliases=["Commune"]),
    ).add_to(fmap)
    if streets is not None and len(streets):
        lines = streets[["geometry"]].to_crs("EPSG:4326")
        lines["geometry"] = lines.geometry.simplify(0.00003)
        folium.GeoJson(
            json.loads(lines.to_json(drop_id=True)),
            name="Rues (tirées des adresses)",
            style_function=lambda _f: {"color": "#bbbbbb", "weight": 1},
        ).add_to(fmap)
    fmap.fit_bounds([list(corner) for corner in zone_bounds(settings)])
    return fmap


def geojson_layer(
    frame: gpd.GeoDataFrame,
    *,
    name: str,
    colour: str | dict[str, str],
    column: str | None = None,
    tooltip: dict[str, str] | None = None,
    weight: float = 2.0,
    radius: float = 4.0,
) -> folium.GeoJson:
    """A layer of ``frame`` (any CRS; points drawn as circles): one ``colour``, or a colour per value of
    ``column``; ``tooltip`` maps columns to the French names shown on hover."""
    shown = frame[[*(tooltip or {}), *([column] if column and column not in (tooltip or {}) else []), "geometry"]]
    shown = shown.to_crs("EPSG:4326")
    for col in shown.columns:
        if col != "geometry" and not (shown[col].dtype.kind in "biuf" or shown[col].dtype == object):
            shown[col] = shown[col].astype(str)

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        value = feature["properties"].get(column) if column else None
        fill = colour.get(str(value), "#999999") if isinstance(colour, dict) else colour
        return {"color": fill, "fillColor": fill, "weight": weight, "fillOpacity": 0.45}

    return folium.GeoJson(
        json.loads(shown.to_json(drop_id=True, default=str)),
        name=name,
        style_function=style,
        marker=folium.CircleMarker(radius=radius, fill=True),
        tooltip=folium.GeoJsonTooltip(fields=list(tooltip), aliases=list(tooltip.values())) if tooltip else None,
    )
