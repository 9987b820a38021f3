"""The forecast behind a sensitive point's priority: how many reports its place should receive next quarter.

The sensitive points are what the service acts on, so their order must say where the next reports will be. The
cells of the reports' footprint (and, with exposure, of the address points) get the expected counts of
:mod:`service.analyse.forecast` for the next ``horizon`` months, with parameters chosen by rolling-origin
validation on the reports' own history (nothing after ``now``); a point, already shown to be more than chance by
its own test, is forecast from the time terms alone (no pooling toward its neighbourhood). Those terms are sums
over reports (each weighs by its age, plus an even share of the long-term rate), so a point's forecast is the
sum over its own reports, with its cells' seasonal factor: a corner that holds every report of its cell takes
the cell's whole forecast; a corner whose reports are a year old, in a cell whose recent reports are others',
takes the little its old reports still weigh, and a new corner beside old reports takes its own recent weight.

A place can also **stop**: a camera, a fence, a building pulled down. Each place is checked by the rule that checks
the cells (:func:`service.analyse.forecast.stopped`) against the forecast the same model made for it
``STOP_WINDOW_MONTHS`` ago: when the reports of those months are fewer than half of that forecast, beyond chance,
and the same months a year before were not as quiet (its season), only its reports since then speak for it, over
those months (none: nothing expected). The demonstration's corner silent for a year after its camera was still
« 5,6 reports expected ». The check uses each place's own months, not its cells': a place can stop in a cell
where another goes on. On the demonstration (four scenarios, six quarters each) it cuts the Poisson deviance of
the points' forecasts by 4 to 21 %, and on Lancashire's last two origins by 2 to 3 %, their order unchanged.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from service.analyse.area import exposure_per_cell, reports_footprint
from service.analyse.events import events_on, time_of, times_of
from service.analyse.forecast import (
    MIN_TRAIN_MONTHS,
    STOP_WINDOW_MONTHS,
    YEAR_MONTHS,
    Choice,
    Features,
    ForecastParams,
    choose,
    stopped,
)
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
    area = reports_footprint(reports, exposure, cell=cell)
    events = events_on(reports, area, zone)
    features = Features(events, area, exposure=exposure_per_cell(area, exposure))
    origin = time_of(now, events.month0, zone)
    choice = choose(features, origin, horizon, folds=folds)
    # a sensitive point has passed its own test: its own reports speak for it, without the pooling toward the
    # neighbourhood that ranks cells of a few reports (it would drag a lone busy corner toward a quiet street)
    params = choice.params
    t = times_of(reports["observed_at"], events.month0, zone, month_only=events.month_only)
    own = features.event_rates(origin - t, origin, params.half_life, params.background) * horizon
    cells = area.index_of(x, y)
    factor = features.seasonal_factor(origin, horizon) if params.seasonal else None
    if factor is not None:
        own = own * np.where(cells >= 0, factor[np.maximum(cells, 0)], 1.0)
    wanted = (cells >= 0) & np.isin(labels, places)
    stopped = np.isin(labels, stopped_places(features, t, labels, places, origin, params, cells))
    if stopped.any():  # their reports since the window's start only, over its months
        ages = origin - t[stopped]
        since = features.event_rates(ages, origin, params.half_life, params.background, months=STOP_WINDOW_MONTHS)
        since = np.where(ages <= STOP_WINDOW_MONTHS, since * horizon, 0.0)
        if factor is not None:
            mine = cells[stopped]
            since = since * np.where(mine >= 0, factor[np.maximum(mine, 0)], 1.0)
        own[stopped] = since
    slot = {label: i for i, label in enumerate(places)}
    totals = np.zeros(len(places))
    np.add.at(totals, [slot[int(label)] for label in labels[wanted]], own[wanted])
    return {label: float(totals[slot[label]]) for label in places}, choice


def stopped_places(
    features: Features,
    t: np.ndarray,
    labels: np.ndarray,
    places: list[int],
    origin: float,
    params: ForecastParams,
    cells: np.ndarray,
) -> list[int]:
    """The places whose reports of the last ``STOP_WINDOW_MONTHS`` (times ``t``, in the months of ``features``)
    fall short, beyond chance, of what the forecast made at the start of those months expected of them."""
    start = origin - STOP_WINDOW_MONTHS
    if start - features.start < MIN_TRAIN_MONTHS:
        return []
    then = features.event_rates(start - t, start, params.half_life, params.background) * STOP_WINDOW_MONTHS
    factor = features.seasonal_factor(start, STOP_WINDOW_MONTHS) if params.seasonal else None
    if factor is not None:
        then = then * np.where(cells >= 0, factor[np.maximum(cells, 0)], 1.0)
    recent = (t >= start) & (t < origin)
    mine = (cells >= 0) & np.isin(labels, places)
    slot = {label: i for i, label in enumerate(places)}
    where = np.array([slot[int(label)] for label in labels[mine]], dtype=np.int64)
    expected = np.bincount(where, weights=then[mine], minlength=len(places))
    seen = np.bincount(where, weights=recent[mine].astype(float), minlength=len(places))
    last_year = silent_year = None
    if start - YEAR_MONTHS >= features.start:
        before = (t >= start - YEAR_MONTHS) & (t < origin - YEAR_MONTHS)
        last_year = np.bincount(where, weights=before[mine].astype(float), minlength=len(places))
        year = (t >= origin - YEAR_MONTHS) & (t < origin)
        silent_year = np.bincount(where, weights=year[mine].astype(float), minlength=len(places)) == 0
    short = stopped(seen, expected, last_year, silent_year)
    return [label for label, stop in zip(places, short, strict=True) if stop]
