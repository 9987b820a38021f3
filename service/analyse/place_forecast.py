"""The forecast behind a sensitive point's priority: how many reports its place should receive next quarter.

The sensitive points are what the service acts on, so their order must say where the next reports will be. The
cells of the reports' footprint (and, with exposure, of the address points) get the expected counts of
:mod:`service.analyse.forecast` for the next ``horizon`` months, with parameters chosen by rolling-origin
validation on the reports' own history (nothing after ``now``); a point, already shown to be more than chance by
its own test, is forecast from the time terms alone (no pooling toward its neighbourhood). A point receives,
from each cell it touches, the share of that cell's forecast that its own reports make of the cell's reports: a
corner that holds every report of its cell takes the whole forecast, a point that holds two of ten takes a fifth.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd

from service.analyse.area import StudyArea, exposure_per_cell, footprint_area
from service.analyse.events import events_on, time_of
from service.analyse.forecast import Choice, Features, choose, predict
from service.settings import DEFAULT_TIMEZONE

HORIZON_MONTHS = 3.0


def place_forecasts(
    reports: gpd.GeoDataFrame,
    labels: np.ndarray,
    places: list[int],
    *,
    now: pd.Timestamp,
    exposure: gpd.GeoDataFrame | None = None,
    cell: float = 100.0,
    horizon: float = HORIZON_MONTHS,
    folds: int = 5,
    zone: str = DEFAULT_TIMEZONE,
) -> tuple[dict[int, float], Choice]:
    """({place: expected reports in the next ``horizon`` months}, the forecast's parameters).

    ``labels`` gives each report's place (-1: none); ``places`` are the labels to forecast. Reports dated after
    ``now`` are not used; months are those of ``zone``."""
    x, y = reports.geometry.x.to_numpy(), reports.geometry.y.to_numpy()
    crs = str(reports.crs)
    if exposure is not None and not exposure.empty:
        ex, ey = exposure.geometry.x.to_numpy(), exposure.geometry.y.to_numpy()
        area: StudyArea = footprint_area(np.concatenate([x, ex]), np.concatenate([y, ey]), cell=cell, crs=crs)
    else:
        area = footprint_area(x, y, cell=cell, crs=crs)
    events = events_on(reports, area, zone)
    features = Features(events, area, exposure=exposure_per_cell(area, exposure))
    origin = time_of(now, events.month0, zone)
    choice = choose(features, origin, horizon, folds=folds)
    # a sensitive point has passed its own test: its own reports speak for it, without the pooling toward the
    # neighbourhood that ranks cells of a few reports (it would drag a lone busy corner toward a quiet street)
    expected = predict(features, origin, horizon, replace(choice.params, shrink=0.0))
    cells = area.index_of(x, y)
    past = (pd.to_datetime(reports["observed_at"], utc=True) < now).to_numpy()
    per_cell = np.bincount(cells[past], minlength=area.n).astype(float)
    wanted = past & np.isin(labels, places)
    pairs, own = np.unique(np.column_stack([labels[wanted], cells[wanted]]), axis=0, return_counts=True)
    share = own / per_cell[pairs[:, 1]]
    totals = np.zeros(len(places))
    slot = {label: i for i, label in enumerate(places)}
    np.add.at(totals, [slot[int(label)] for label in pairs[:, 0]], expected[pairs[:, 1]] * share)
    return {label: float(totals[slot[label]]) for label in places}, choice
