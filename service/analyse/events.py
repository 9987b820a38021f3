"""Events placed on a study area and on a clock counted in months, for the forecaster and the back-test.

Time is counted in months since the first month of the data (in the service's time zone, like every date it
reads): ``t = 14.5`` is the middle of the fifteenth month. Rolling origins fall on month starts (whole numbers),
and a file published by month only (every date the first of its month at midnight, as police open data) has
its events put in the middle of their month, the best guess of when they happened.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from service.analyse.area import StudyArea
from service.settings import DEFAULT_TIMEZONE


@dataclass(frozen=True)
class Events:
    """Events of a study area: cell, time in months, category code; sorted by time."""

    cell: np.ndarray
    t: np.ndarray
    category: np.ndarray
    categories: tuple[str, ...]
    month0: int  # year * 12 + month - 1 of month 0
    month_only: bool
    outside: int  # events dropped because they fall outside the area
    zone: str = DEFAULT_TIMEZONE  # the time zone whose months the clock counts

    def __len__(self) -> int:
        return len(self.t)

    @property
    def end(self) -> float:
        """Where the data stop, in months: the end of the last month for month-only data; else the last
        event, rounded up to its month end when it falls in the last three days (a whole last month)."""
        if len(self.t) == 0:
            return 0.0
        last = float(self.t.max())
        if self.month_only:
            return float(np.floor(last) + 1)
        return float(np.ceil(last)) if np.ceil(last) - last <= 0.1 else last

    def before(self, origin: float) -> np.ndarray:
        """Mask of the events before ``origin`` (the training set of that origin)."""
        return self.t < origin

    def counts(self, start: float, stop: float, n: int) -> np.ndarray:
        """Events per cell in [start, stop)."""
        sel = (self.t >= start) & (self.t < stop)
        return np.bincount(self.cell[sel], minlength=n).astype(float)

    def month_label(self, t: float) -> str:
        """``AAAA-MM`` of the month holding ``t``."""
        index = self.month0 + int(np.floor(t))
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    def timestamp(self, t: float) -> pd.Timestamp:
        """The (UTC) instant of a whole month ``t`` (a month start in the events' time zone)."""
        index = self.month0 + round(t)
        return pd.Timestamp(year=index // 12, month=index % 12 + 1, day=1, tz=self.zone).tz_convert("UTC")


def _month_parts(when: pd.Series, zone: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """(month index year*12+month-1, fraction of the month elapsed, month-only?) in the time zone ``zone``."""
    local = pd.DatetimeIndex(pd.to_datetime(when, utc=True)).tz_convert(zone)
    month = (local.year * 12 + local.month - 1).to_numpy(np.int64)
    seconds = (
        (local.day.to_numpy() - 1) * 86400.0
        + local.hour.to_numpy() * 3600.0
        + local.minute.to_numpy() * 60.0
        + local.second.to_numpy()
    )
    fraction = seconds / (local.days_in_month.to_numpy() * 86400.0)
    return month, fraction, bool(len(fraction)) and bool(np.all(fraction == 0))


def time_of(stamp: pd.Timestamp, month0: int, zone: str = DEFAULT_TIMEZONE) -> float:
    """An instant on the clock of :class:`Events` (months since ``month0`` of ``zone``)."""
    month, fraction, _ = _month_parts(pd.Series([stamp]), zone)
    return float(month[0] - month0 + fraction[0])


def times_of(when: pd.Series, month0: int, zone: str = DEFAULT_TIMEZONE, *, month_only: bool = False) -> np.ndarray:
    """Instants on the clock of :class:`Events`, one per row and in the rows' order (mid-month for month-only
    data, as :func:`events_on` places them)."""
    month, fraction, _ = _month_parts(when, zone)
    return np.asarray((month - month0) + (0.5 if month_only else fraction), dtype=float)


def events_on(points: gpd.GeoDataFrame, area: StudyArea, zone: str = DEFAULT_TIMEZONE) -> Events:
    """The dated ``points`` (``observed_at``, optional ``category``) that fall in ``area``, on a clock of the
    months of ``zone`` (the service's time zone)."""
    month, fraction, month_only = _month_parts(points["observed_at"], zone)
    month0 = int(month.min()) if len(month) else 0
    t = (month - month0) + (0.5 if month_only else fraction)
    cell = area.index_of(points.geometry.x.to_numpy(), points.geometry.y.to_numpy())
    keep = cell >= 0
    labels = points["category"].astype(str).to_numpy() if "category" in points else np.full(len(points), "autre")
    categories, codes = np.unique(labels[keep], return_inverse=True)
    order = np.argsort(t[keep], kind="stable")
    return Events(
        cell=cell[keep][order],
        t=t[keep][order],
        category=codes.reshape(-1)[order],
        categories=tuple(str(c) for c in categories),
        month0=month0,
        month_only=month_only,
        outside=int((~keep).sum()),
        zone=zone,
    )
