"""The analysis of a point file without the database (``hotspots analyse --input … --out …``), in any city: the
same :func:`service.analyse.pipeline.find_hotspots` as the database run, written as WGS84 GeoJSON files
(``sensitive_points.geojson``, ``axes.geojson``) and a ``summary.json`` in a folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from service.analyse.pipeline import find_hotspots
from service.analyse.points import PointParams
from service.geo import WGS84


def analyse_offline(
    points: gpd.GeoDataFrame,
    out: Path,
    *,
    params: PointParams,
    now: pd.Timestamp,
    exposure: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    by_category: bool = False,
) -> dict[str, Any]:
    """The analysis of ``points`` written in ``out``; returns the summary (also written as ``summary.json``)."""
    result = find_hotspots(points, now=now, params=params, exposure=exposure, streets=streets, by_category=by_category)
    out.mkdir(parents=True, exist_ok=True)
    if result.axes is not None:
        _geojson(result.axes.drop(columns=["segment_ids"]), out / "axes.geojson")
    found_points = result.points
    _geojson(_with_point(found_points).drop(columns=["report_ids", "segment_ids"]), out / "sensitive_points.geojson")
    summary = {
        "crs": str(points.crs),
        "points": len(points),
        "ecartes": points.attrs.get("dropped", 0),
        "hors_fenetre": points.attrs.get("window_dropped", 0),
        "points_sensibles": int(found_points["category_scope"].eq("toutes").sum()),
        "points_par_categorie": int(found_points["category_scope"].ne("toutes").sum()),
        "etirements_vers_axes": len(result.stretches),
        "axes_problematiques": len(result.axes) if result.axes is not None else None,
        **{k: v for k, v in result.found.attrs.items() if k != "dropped"},
    }
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return summary


def _with_point(found: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The hulls with their representative point as WGS84 properties ``point_lon``/``point_lat`` (a GeoJSON
    feature has one geometry: the place to go to must not be lost with the ``point`` column)."""
    out = found.drop(columns=["point"])
    points = gpd.GeoSeries(list(found["point"]), crs=found.crs).to_crs(WGS84)
    out["point_lon"] = points.x.round(7).to_numpy() if len(found) else []
    out["point_lat"] = points.y.round(7).to_numpy() if len(found) else []
    return out


def _geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    """WGS84 GeoJSON; dicts as JSON text, dates as ISO text (GeoJSON has neither)."""
    export = frame.copy()
    for col in export.columns:
        if col == export.geometry.name:
            continue
        if export[col].map(lambda v: isinstance(v, dict | list)).any():
            export[col] = export[col].map(lambda v: json.dumps(v, ensure_ascii=False, default=str))
        elif pd.api.types.is_datetime64_any_dtype(export[col]):
            export[col] = export[col].astype(str)
    export.to_crs(WGS84).to_file(path, driver="GeoJSON")
