"""The figures of the activity report, computed from the counts read in the database (pure functions: DataFrames
in, DataFrames out, so that the command line, the API and a notebook share them).

A change from one year to the next is called significant only when chance alone would rarely give it: the two
counts are taken as Poisson counts over windows of known length, and the exact conditional test (the count of the
period given the sum of both, binomial with the share of days) gives a p-value; over the rows of one table, the
Benjamini–Hochberg procedure keeps the expected share of false alarms under 5 % (a table of fifteen categories
would otherwise show one « significant » change in two years out of three by chance alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from scipy.stats import binomtest, false_discovery_control

from service.numbers import SPACE, french_number
from service.prevention.period import Period

#: The false-discovery rate under which a table's changes are called significant.
ALPHA = 0.05
#: A report visited within this many days counts as followed up quickly.
QUICK_DAYS = 7


@dataclass(frozen=True)
class Window:
    """A half-open window of time [start, end) (UTC)."""

    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def days(self) -> float:
        """Its length in days (a window of a period in progress stops today)."""
        return float((self.end - self.start) / pd.Timedelta(days=1))


@dataclass(frozen=True)
class Windows:
    """The period (up to now when it is in progress), the same length just before it and a year earlier; whether
    the service already had reports at the start of each comparison window (give or take a tenth of it, a week at
    most)."""

    period: Period
    now: Window
    previous: Window
    year_before: Window
    in_progress: bool
    previous_complete: bool
    year_complete: bool

    @property
    def previous_is_year_before(self) -> bool:
        """A year's period before it is the year before: one comparison column, not the same twice."""
        return self.previous == self.year_before

    def params(self) -> dict[str, datetime]:
        """The windows as the parameters of ``sql/activity.sql``."""
        return {
            "start": self.now.start.to_pydatetime(),
            "end": self.now.end.to_pydatetime(),
            "prev_start": self.previous.start.to_pydatetime(),
            "prev_end": self.previous.end.to_pydatetime(),
            "year_start": self.year_before.start.to_pydatetime(),
            "year_end": self.year_before.end.to_pydatetime(),
        }


def windows_of(period: Period, *, now: pd.Timestamp, first_report: pd.Timestamp | None) -> Windows:
    """The three windows of ``period``: a period in progress is compared over the same number of days, before it
    and a year earlier (« 2026 up to 2 December » with « 2025 up to 2 December »)."""
    start, end = period.bounds()
    in_progress = now < end
    stop = min(end, now)
    length = stop - start
    previous_start = period.previous().bounds()[0]
    year_start = _a_year_before(start, period.zone)
    first = first_report if first_report is not None else stop
    slack = min(pd.Timedelta(days=7), length / 10)  # the first report on the window's second day still covers it
    return Windows(
        period=period,
        now=Window(start, stop),
        previous=Window(previous_start, min(previous_start + length, start)),
        year_before=Window(year_start, year_start + length),
        in_progress=in_progress,
        previous_complete=first <= previous_start + slack,
        year_complete=first <= year_start + slack,
    )


def _a_year_before(stamp: pd.Timestamp, zone: str) -> pd.Timestamp:
    local = stamp.tz_convert(zone)
    return (local - pd.DateOffset(years=1)).tz_convert("UTC")


def compare(counts: pd.DataFrame, labels: dict[str, str], windows: Windows) -> pd.DataFrame:
    """One row per key of ``counts`` (``key``, ``n``, ``n_prev``, ``n_year``), most reports first: its words, the
    three counts, the change over a year (a fraction; none without a count a year earlier or without data then),
    the test's p-value adjusted over the table and whether the change is significant."""
    columns = ["key", "libelle", "n", "n_prev", "n_year", "evolution", "p_ajuste", "significatif"]
    if counts.empty:
        return pd.DataFrame(columns=columns)
    out = counts.copy()
    for column in ("n", "n_prev", "n_year"):
        out[column] = out[column].astype(int)
    out = out[(out["n"] + out["n_prev"] + out["n_year"]) > 0]
    out["libelle"] = [labels.get(k, k) if k else "(non précisée)" for k in out["key"]]
    share = windows.now.days / (windows.now.days + windows.year_before.days)
    p = [_p_value(int(a), int(b), share) for a, b in zip(out["n"], out["n_year"], strict=True)]
    out["evolution"] = np.where(out["n_year"] > 0, out["n"] / out["n_year"].where(out["n_year"] > 0) - 1, np.nan)
    out["p_ajuste"] = adjusted(np.array(p, dtype=float))
    if not windows.year_complete:
        out["evolution"] = np.nan
        out["p_ajuste"] = np.nan
    out["significatif"] = out["p_ajuste"] < ALPHA
    out = out.sort_values(["n", "n_year", "libelle"], ascending=[False, False, True], kind="stable")
    return out[columns].reset_index(drop=True)


def _p_value(n: int, n_year: int, share: float) -> float:
    """Two-sided exact test of equal rates: ``n`` out of ``n + n_year`` against the share of days; none for 0/0."""
    if n + n_year == 0:
        return np.nan
    return float(binomtest(n, n + n_year, share).pvalue)


def adjusted(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (rows without a test keep none)."""
    out = np.full(p.shape, np.nan)
    tested = ~np.isnan(p)
    if tested.any():
        out[tested] = false_discovery_control(p[tested], method="bh")
    return out


def follow_up(rows: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Per category (and all together, last): the reports of the period, those a visit followed (one naming the
    report, or one of the sensitive point grouping it: ``sql/activity.sql``), their share, the median days to the
    first visit and the share visited within a week; then those closed, their share, and the median days to their
    closing date over the closed reports that have one (``clos_dates`` of them: an Open311 feed or an older file
    gives none). Reports sent to mediation or a partner are left out (another service follows them)."""
    columns = [
        "key",
        "libelle",
        "n",
        "visites",
        "part_visitee",
        "delai_median_j",
        "part_7_jours",
        "clos",
        "part_close",
        "clos_dates",
        "cloture_mediane_j",
    ]
    own = rows[~rows["referred"].astype(bool)] if not rows.empty else rows
    if own.empty:
        return pd.DataFrame(columns=columns)
    groups = [(str(code), group) for code, group in own.groupby("category", sort=False)]
    groups.sort(key=lambda item: (-len(item[1]), labels.get(item[0], item[0])))
    out = [_follow(code, labels.get(code, code), group) for code, group in groups]
    out.append(_follow("", "Toutes catégories", own))
    return pd.DataFrame(out, columns=columns)


def _follow(key: str, label: str, group: pd.DataFrame) -> dict[str, object]:
    days = pd.to_numeric(group["days"], errors="coerce")
    visited = days.dropna()
    n = len(group)
    closed = group["closed"].fillna(False).astype(bool)
    to_close = pd.to_numeric(group["close_days"], errors="coerce")[closed].dropna()
    return {
        "key": key,
        "libelle": label,
        "n": n,
        "visites": len(visited),
        "part_visitee": len(visited) / n if n else np.nan,
        "delai_median_j": float(visited.median()) if len(visited) else np.nan,
        "part_7_jours": float((visited <= QUICK_DAYS).sum() / n) if n else np.nan,
        "clos": int(closed.sum()),
        "part_close": float(closed.sum() / n) if n else np.nan,
        "clos_dates": len(to_close),
        "cloture_mediane_j": float(to_close.median()) if len(to_close) else np.nan,
    }


def shift_summary(shifts: pd.DataFrame) -> dict[str, float]:
    """The shifts of the period: how many, their stops, those done (a visit recorded there) and the share, and
    the shifts over without any visit recorded (their sheets not back: their stops count as not done)."""
    planned = int(shifts["stops"].sum()) if not shifts.empty else 0
    done = int(shifts["done"].sum()) if not shifts.empty else 0
    unreturned = int((shifts["over"].astype(bool) & (shifts["done"] == 0)).sum()) if not shifts.empty else 0
    return {
        "tournees": len(shifts),
        "arrets": planned,
        "arrets_faits": done,
        "part_faite": done / planned if planned else np.nan,
        "sans_feuille": unreturned,
    }


def missing(value: object) -> bool:
    """No figure here (None or NaN): a window without data, a share of nothing."""
    return value is None or value is pd.NA or (isinstance(value, float | np.floating) and bool(np.isnan(value)))


def change_words(value: object, *, space: str = SPACE) -> str:
    """A change over a year as a person reads it: ``+200 %``, ``-12 %``, ``0 %``; ``—`` without one. ``space``
    goes between thousands and before « % » (a narrow one on paper)."""
    if missing(value):
        return "—"
    percent = round(100 * float(value))  # type: ignore[arg-type]
    return f"{french_number(percent, group=space, sign=percent != 0)}{space}%"
