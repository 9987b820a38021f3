"""The forecast behind a sensitive point's priority: how many reports its place should receive next quarter.

The sensitive points are what the service acts on, so their order must say where the next reports will be. The
cells of the reports' footprint (and, with exposure, of the address points) get the expected counts of
:mod:`service.analyse.forecast` for the next ``horizon`` months, with parameters chosen by rolling-origin
validation on the reports' own history (nothing after ``now``). A point receives, from each cell it touches, the
share of that cell's forecast that its own reports make of the cell's reports: a corner that holds every report
of its cell takes the whole forecast, a point that holds two of ten takes a fifth.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from service.analyse.area import StudyArea, exposure_per_cell, footprint_area
from service.analyse.events import events_on, time_of
from service.analyse.forecast import Choice, Features, choose, predict

HORIZON_MONTHS = 3.0


def place_forecasts(
    reports: gpd.GeoDataFrame,
    members: dict[int, np.ndarray],
    *,
    now: pd.Timestamp,
    exposure: gpd.GeoDataFrame | None = None,
    cell: float = 100.0,
    horizon: float = HORIZON_MONTHS,
    folds: int = 5,
) -> tuple[dict[int, float], Choice]:
    """({place: expected reports in the next ``horizon`` months}, the forecast's parameters).

    ``members`` maps each place to the boolean mask of its reports among ``reports``; reports dated after
    ``now`` are not used."""
    x, y = reports.geometry.x.to_numpy(), reports.geometry.y.to_numpy()
    crs = str(reports.crs)
    if exposure is not None and not exposure.empty:
        ex, ey = exposure.geometry.x.to_numpy(), exposure.geometry.y.to_numpy()
        area: StudyArea = footprint_area(np.concatenate([x, ex]), np.concatenate([y, ey]), cell=cell, crs=crs)
    else:
        area = footprint_area(x, y, cell=cell, crs=crs)
    events = events_on(reports, area)
    features = Features(events, area, exposure=exposure_per_cell(area, exposure))
    origin = time_of(now, events.month0)
    choice = choose(features, origin, horizon, folds=folds)
    expected = predict(features, origin, horizon, choice.params)
    cells = area.index_of(x, y)
    past = (pd.to_datetime(reports["observed_at"], utc=True) < now).to_numpy()
    per_cell = np.bincount(cells[past], minlength=area.n).astype(float)
    out = {}
    for label, mask in members.items():
        own = np.bincount(cells[mask & past], minlength=area.n).astype(float)
        share = np.divide(own, per_cell, out=np.zeros(area.n), where=per_cell > 0)
        out[label] = float((expected * share).sum())
    return out, choice
