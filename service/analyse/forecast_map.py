"""Where next quarter's reports are expected: the forecast of the zone's 100 m cells, for the planning map.

The same forecast the back-test measures (:mod:`service.analyse.forecast`: parameters chosen on the reports' own
past, places that stopped, the addresses as exposure), made at ``now`` for the next ``HORIZON_MONTHS`` on the cells
of the zone (of the reports' and addresses' footprint without one). The map draws the cells that hold the most of
it, in the three shares of the zone the back-test scores — 1, 5 and 10 % of its cells: the ground a patrol would
cover first. Beside it, a **check** a person can read without running ``hotspots backtest``: the same forecast
made ``horizon`` months earlier, and the share of the reports of those months that each share of the zone it
chose received, against the cells a plain count of past reports would have chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from service.analyse.area import StudyArea, polygon_area, reports_footprint
from service.analyse.backtest import features_of
from service.analyse.baselines import grid_count
from service.analyse.events import time_of
from service.analyse.forecast import MIN_TRAIN_MONTHS, Features, choose, predict
from service.analyse.metrics import captured, cells_for
from service.numbers import french_number
from service.settings import DEFAULT_TIMEZONE

HORIZON_MONTHS = 3.0
#: The shares of the zone drawn, as the back-test scores them, and their names on the map.
SHARES = ((0.01, "1 %"), (0.05, "5 %"), (0.10, "10 %"))
COLUMNS = ["rang", "classe", "attendus", "geometry"]
#: With every cell: the check cell by cell (the forecast made ``horizon`` months earlier, the count, the reports
#: received since), so that a place's cells are checked among themselves (:func:`check_of`).
CHECK_COLUMNS = ("controle_prevision", "controle_comptage", "controle_recus")
NBSP = "\u00a0"


def _area(reports: gpd.GeoDataFrame, zone: BaseGeometry | None, exposure: gpd.GeoDataFrame | None) -> StudyArea:
    """The zone's cells (plus those of reports its coarse outline leaves out), else where reports and people are."""
    if zone is None:
        return reports_footprint(reports, exposure)
    also = (reports.geometry.x.to_numpy(), reports.geometry.y.to_numpy())
    return polygon_area(zone, crs=str(reports.crs), source="zone", also=also)


@dataclass(frozen=True)
class CheckCells:
    """The check, cell by cell: the forecast made ``horizon`` months earlier, the plain count of the reports before
    it, and the reports each cell received since (every cell of the zone, in the zone's order)."""

    horizon: float
    forecast: np.ndarray
    count: np.ndarray
    received: np.ndarray


def _check_cells(features: Features, origin: float, horizon: float) -> CheckCells | None:
    """The forecast made ``horizon`` months before ``origin`` (parameters chosen on what came before) and the count
    beside it, with the reports of those months, per cell; None without enough history before."""
    start, n = origin - horizon, features.area.n
    if start - features.start < MIN_TRAIN_MONTHS:
        return None
    received = features.events.counts(start, origin, n).astype(float)
    forecast = predict(features, start, horizon, choose(features, start, horizon).params)
    return CheckCells(horizon, forecast, grid_count(features, start).astype(float), received)


def check_arrays(cells: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A layer's check cell by cell (:data:`CHECK_COLUMNS`: forecast, count, received) as numbers, NaN where none
    was made (a layer of the first 10 % only, an empty one, too little history)."""
    forecast, count, received = (
        cells[c].to_numpy(dtype=float) if c in cells.columns else np.full(len(cells), np.nan) for c in CHECK_COLUMNS
    )
    return forecast, count, received


def check_of(check: CheckCells | None) -> dict[str, Any] | None:
    """The share of the reports of the check's months that fell in each share of its cells (the zone's, or a
    place's) the forecast made at their start chose, beside the cells a plain count chose; None without a check or
    without reports since."""
    if check is None:
        return None
    total, n = float(check.received.sum()), len(check.received)
    if total == 0:
        return None
    shares = []
    for share, name in SHARES:
        k = cells_for(share, n)
        shares.append(
            {
                "part": name,
                "prevision": round(captured(check.forecast, check.received, k) / total, 3),
                "comptage": round(captured(check.count, check.received, k) / total, 3),
            }
        )
    return {"mois": check.horizon, "signalements": int(total), "parts": shares}


def check_words(check: dict[str, Any] | None, label: str | None = None, where: str = "de la zone") -> str | None:
    """The check in a sentence: « Vérifiée sur les 3 derniers mois : faite au début, cette prévision mettait dans
    ses 1 %, 5 % et 10 % de la zone 18 %, 41 % et 55 % des 576 signalements qui ont suivi ; le comptage des
    signalements passés, 15 %, 35 % et 50 %. » With a category's ``label``, « des 57 signalements « Dépôt
    clandestin » qui ont suivi ». ``where``: whose shares (« de la zone », « de Neupré »)."""
    if not check:
        return None
    parts = [{**p, "part": p["part"].replace(" ", NBSP)} for p in check["parts"]]  # « 5 % » never cut at its %
    names = ", ".join(p["part"] for p in parts[:-1]) + f" et {parts[-1]['part']}"

    def shares(key: str) -> str:
        values = [f"{french_number(100 * p[key], 0)}{NBSP}%" for p in parts]
        return ", ".join(values[:-1]) + f" et {values[-1]}"

    return (
        f"Vérifiée sur les {french_number(check['mois'], 0)} derniers mois : faite à leur début, cette prévision "
        f"mettait dans ses {names} {where} {shares('prevision')} des "
        f"{french_number(check['signalements'], 0)} signalements{f' « {label} »' if label else ''} qui ont suivi ; "
        f"le comptage des signalements passés, {shares('comptage')}."
    )


def layer_summary(cells: gpd.GeoDataFrame, label: str | None = None) -> dict[str, Any]:
    """What a forecast layer (:func:`forecast_cells`) holds, for the run's summary and the map's legend."""
    facts = cells.attrs
    return {
        "mailles": int(cells["classe"].notna().sum()),
        "mailles_zone": facts.get("mailles_zone"),
        "attendus_zone": round(float(facts.get("attendus_zone", 0.0)), 1),
        "horizon_mois": facts.get("horizon_mois"),
        "mailles_arretees": facts.get("mailles_arretees"),
        "controle": facts.get("controle"),
        "controle_phrase": check_words(facts.get("controle"), label),
    }


def shares_of(expected: np.ndarray) -> np.ndarray:
    """The share each of ``expected``'s cells falls in, the cells ranked most first (``expected`` in that order):
    « 1 % », « 5 % » or « 10 % » of them, None beyond the first 10 % or where none is expected. The zone's cells
    get theirs so, and a place's cells among themselves (:func:`place_shares`)."""
    n = len(expected)
    out = np.full(n, None, dtype=object)
    if n == 0:
        return out
    bounds = np.array([cells_for(share, n) for share, _ in SHARES])
    names = np.array([name for _, name in SHARES], dtype=object)
    first = np.arange(bounds[-1])
    out[first] = names[np.searchsorted(bounds, first + 1, side="left")]
    out[expected <= 0] = None
    return out


def place_shares(expected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A place's cells (a commune, a postcode), in the zone's order: which of them hold the most of what the place
    expects — the first 10 % of the place's cells, ranked among themselves — and each one's share of the place. A
    rural commune has few cells in the zone's first 10 %: its own are what its patrol covers first."""
    shares = shares_of(expected)
    kept = np.flatnonzero(shares != None)  # noqa: E711 (an array of objects: None compared cell by cell)
    return kept, shares[kept]


def forecast_cells(
    reports: gpd.GeoDataFrame,
    *,
    now: pd.Timestamp,
    zone: BaseGeometry | None = None,
    exposure: gpd.GeoDataFrame | None = None,
    horizon: float = HORIZON_MONTHS,
    timezone: str = DEFAULT_TIMEZONE,
    every_cell: bool = False,
) -> gpd.GeoDataFrame:
    """The cells of the zone that hold the most of the reports expected in the ``horizon`` months after ``now``:
    the first 10 % of its cells by forecast (those expecting none left out), each with its ``rang`` (1 = the most),
    its ``classe`` (« 1 % », « 5 % » or « 10 % »: the first share of the zone it falls in) and its ``attendus``
    (reports expected), as 100 m squares in the reports' CRS. ``every_cell``: every cell of the zone, ``classe``
    None beyond the first 10 %, and the check cell by cell (:data:`CHECK_COLUMNS`): a place's cells are ranked and
    checked among themselves. ``attrs``: the cells of the zone, the reports expected in the whole zone, the horizon,
    the forecast's settings and the zone's check."""
    empty = gpd.GeoDataFrame(columns=COLUMNS, geometry="geometry", crs=reports.crs)
    if reports.empty:
        return empty
    area = _area(reports, zone, exposure)
    features = features_of(reports, area, exposure, timezone)
    origin = time_of(now, features.events.month0, timezone)
    if not (features.events.t < origin).any():
        return empty
    choice = choose(features, origin, horizon)
    expected = predict(features, origin, horizon, choice.params)
    order = np.lexsort((np.arange(area.n), -expected))
    shares = shares_of(expected[order])
    kept = np.arange(area.n) if every_cell else np.flatnonzero(shares != None)  # noqa: E711
    cells = order[kept]
    cx, cy = area.centres()
    half = area.cell / 2
    squares = shapely.box(cx[cells] - half, cy[cells] - half, cx[cells] + half, cy[cells] + half)
    out = gpd.GeoDataFrame(
        {"rang": kept + 1, "classe": shares[kept], "attendus": expected[cells], "geometry": squares},
        geometry="geometry",
        crs=reports.crs,
    )
    check = _check_cells(features, origin, horizon)
    if every_cell:  # the check cell by cell, for a place's own check
        arrays = (check.forecast, check.count, check.received) if check else (np.full(area.n, np.nan),) * 3
        for column, values in zip(CHECK_COLUMNS, arrays, strict=True):
            out[column] = values[cells]
    out.attrs.update(
        mailles_zone=area.n,
        attendus_zone=float(expected.sum()),
        horizon_mois=horizon,
        parametres=choice.describe(),
        mailles_arretees=int(features.stopped_cells(origin, choice.params).sum()),
        controle=check_of(check),
    )
    return out
