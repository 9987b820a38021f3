"""The planning map's forecast layer for one category, made when the map asks for it.

The stored layer (:mod:`service.analyse.forecast_map`, replaced by each analysis) is every category together. A
planner who chose « Dépôt clandestin » in the map's filters wants to know where the next dumping is expected, not
the dog fouling: the same forecast is then made on that category's reports alone, at the moment and on the
reports' period of the last analysis and on the reports it read (none received since), so that both layers
speak of the same quarter. It takes about a second; the API keeps it until the analysis data change. A category
with too few reports gets no layer and a sentence saying why: a forecast on a handful of reports would only draw
the addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import psycopg

from service.analyse.forecast_map import COLUMNS, forecast_cells, layer_summary
from service.analyse.points import CRS
from service.analyse.store import load_address_streets, load_reports, stored_queries
from service.db.vocabulary import read_terms
from service.numbers import french_number
from service.settings import Settings
from service.zone import zone_outline, zone_polygon

#: Fewer reports of the category in the analysed period than this: no layer of its own.
MIN_REPORTS = 30


@dataclass(frozen=True)
class CategoryLayer:
    """A category's forecast cells, every cell of the zone (WGS84 is for the caller), and what the legend says of
    them."""

    cells: gpd.GeoDataFrame
    summary: dict[str, Any] = field(default_factory=dict)


def _moment(started_at: datetime, layer: dict[str, Any], settings: Settings) -> tuple[pd.Timestamp, datetime, Any]:
    """The last analysis's moment and reports' period; a run stored before they were kept: its start, and the
    settings' window before it."""
    now = pd.Timestamp(layer.get("origine") or started_at)
    since = (
        pd.Timestamp(layer["depuis"]) if layer.get("depuis") else now - pd.Timedelta(days=settings.analysis_window_days)
    )
    until = pd.Timestamp(layer["jusqu_a"]).to_pydatetime() if layer.get("jusqu_a") else None
    return now, since.to_pydatetime(), until


def category_layer(conn: psycopg.Connection[Any], settings: Settings, category: str) -> CategoryLayer:
    """The forecast cells of ``category`` alone, as the last analysis would have drawn them for it; empty, with a
    ``raison``, without an analysis or with fewer than :data:`MIN_REPORTS` reports of the category."""
    empty = gpd.GeoDataFrame(columns=COLUMNS, geometry="geometry", crs=CRS)
    labels = {t.code: t.label_fr for t in read_terms(conn).categories}
    label = labels.get(category)
    said: dict[str, Any] = {"categorie": category, "libelle": label}
    if label is None:
        return CategoryLayer(empty, {**said, "raison": f"catégorie inconnue : « {category} »"})
    run = conn.execute(stored_queries()("last_forecast_layer")).fetchone()
    if run is None:
        return CategoryLayer(empty, {**said, "raison": "aucune analyse n'a encore été faite"})
    _run_id, started_at, layer = run
    now, since, until = _moment(started_at, layer or {}, settings)
    chosen = load_reports(
        conn, since=since, until=until, zone=zone_polygon(settings), category=category, received_by=started_at
    )
    said.update(signalements=len(chosen), analyse_du=started_at.isoformat())
    if len(chosen) < MIN_REPORTS:
        reason = (
            f"trop peu de signalements « {label} » pour une prévision propre : "
            f"{french_number(len(chosen), 0)} sur la période de l'analyse, il en faut {MIN_REPORTS}"
        )
        return CategoryLayer(empty, {**said, "raison": reason})
    cells = forecast_cells(
        chosen,
        now=now,
        zone=zone_outline(settings),
        exposure=load_address_streets(conn),
        timezone=settings.timezone,
        every_cell=True,  # a place's cells ranked among themselves on the map
    )
    return CategoryLayer(cells, {**layer_summary(cells, label), **said})
