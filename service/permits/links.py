"""Nuisance reports linked to permitted facilities, and what a permit's record shows.

A report links to a permit when it lies within ``permit_link_m`` metres of the facility (the threshold itself
links) and its category is one the permit concerns (:func:`concerned_categories`, rules of ``permit_concerns``).
Links are computed when asked, from the reports as they are (a referred report or a near-duplicate never links):
there is nothing to keep in step at each import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import psycopg

from service.db.queries import Queries
from service.geocode.normalise import fold
from service.settings import Settings

#: A visit within this distance of a facility was made there (visits are placed at the address visited).
VISIT_NEAR_M = 50.0
#: Months compared to tell a trend of complaints: the last half of the window against the first half.
TREND_MONTHS = 12


q = Queries("service.permits", "permits.sql")


@dataclass(frozen=True)
class ConcernRule:
    """One row of ``permit_concerns``: a keyword of the activity, or a permit type, or neither (every permit)."""

    keyword: str | None
    permit_type: str | None
    categories: tuple[str, ...]


def load_rules(conn: psycopg.Connection[Any]) -> list[ConcernRule]:
    """The rules saying which report categories concern which activity or permit type."""
    return [ConcernRule(k, t, tuple(c)) for k, t, c in conn.execute(q("concern_rules")).fetchall()]


def concerned_categories(activity: str | None, permit_type: str | None, rules: Sequence[ConcernRule]) -> list[str]:
    """The categories a permit concerns: those of the keywords that start a word of its activity; when none does,
    those of its type; plus those of the rules for every permit. In rule order, each once."""
    words = f" {fold(activity or '')} "
    keyword_hits = [r for r in rules if r.keyword and re.search(rf" {re.escape(r.keyword)}", words)]
    chosen = keyword_hits or [r for r in rules if r.keyword is None and r.permit_type == permit_type]
    chosen += [r for r in rules if r.keyword is None and r.permit_type is None]
    out: list[str] = []
    for rule in chosen:
        out += [c for c in rule.categories if c not in out]
    return out


def load_permits(conn: psycopg.Connection[Any], ids: Sequence[int] | None = None) -> pd.DataFrame:
    """Permits with ``x``/``y`` (Lambert 72, NaN when not placed), label, commune, postcode, dates, conditions."""
    return q.frame(conn, "permits", {"ids": list(ids) if ids is not None else None})


def permit_links(
    conn: psycopg.Connection[Any],
    settings: Settings,
    permits: pd.DataFrame,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    rules: Sequence[ConcernRule] | None = None,
) -> pd.DataFrame:
    """Reports linked to ``permits`` (as :func:`load_permits` returns them) observed in [``since``, ``until``):
    ``permit_id``, ``report_id``, ``category``, ``observed_at``, ``distance_m``. One query for all permits."""
    rules = load_rules(conn) if rules is None else rules
    ids: list[int] = []
    cats: list[str] = []
    for p in permits.to_dict("records"):
        if p["x"] is None or pd.isna(p["x"]):
            continue
        for category in concerned_categories(p["activity"], p["permit_type"], rules):
            ids.append(int(p["id"]))
            cats.append(category)
    columns = ["permit_id", "report_id", "category", "observed_at", "distance_m"]
    if not ids:
        return pd.DataFrame(columns=columns)
    params = {"ids": ids, "categories": cats, "metres": settings.permit_link_m, "since": since, "until": until}
    with conn.transaction():
        # many short index probes: compiling them (JIT, which the cost of a thousand permits triggers) takes
        # longer than running them
        conn.execute("SET LOCAL jit = off")
        return q.frame(conn, "links", params)[columns]


def permit_visits(conn: psycopg.Connection[Any], ids: Sequence[int] | None = None) -> pd.DataFrame:
    """Visits made at each facility: ``permit_id``, ``visit_id``, ``visited_at``, ``outcome``, ``officer``."""
    return q.frame(conn, "visits", {"ids": list(ids) if ids is not None else None, "metres": VISIT_NEAR_M})


#: A rise or a fall is said only when chance alone would give so uneven a split less often than this (one side).
TREND_SIGNIFICANCE = 0.05
#: Reports of weight that draw a category's split in the rest of the zone toward the split of the days: a category
#: the zone seldom sees does not set a facility's expected split on a handful of reports.
ZONE_PRIOR_REPORTS = 20.0
#: The zone's split is said beside a trend when it is this far from even.
ZONE_SAID_FROM = 0.05


@dataclass(frozen=True)
class ZoneHalves:
    """The reports of the whole zone per category in the two halves of a trend window, and the share of the
    window's days in its last half: what a facility's complaints would look like if they followed the zone."""

    recent: Mapping[str, int]
    before: Mapping[str, int]
    days_share: float = 0.5

    def share(self, mine_recent: Mapping[str, int], mine_before: Mapping[str, int]) -> float:
        """The share of a facility's complaints expected in the last half if they rose and fell like the same
        categories in the rest of the zone (its own complaints left out: a facility that is most of its category's
        reports would otherwise be compared with itself), weighted by its complaints in each category."""
        weights, shares = [], []
        for category in set(mine_recent) | set(mine_before):
            r, b = int(mine_recent.get(category, 0)), int(mine_before.get(category, 0))
            if not r + b:
                continue
            rest_r = max(int(self.recent.get(category, 0)) - r, 0)
            rest_b = max(int(self.before.get(category, 0)) - b, 0)
            weights.append(r + b)
            shares.append((rest_r + ZONE_PRIOR_REPORTS * self.days_share) / (rest_r + rest_b + ZONE_PRIOR_REPORTS))
        return float(np.average(shares, weights=weights)) if weights else self.days_share


@dataclass(frozen=True)
class Trend:
    """Complaints of the last half of a window against the first half, in words."""

    code: str  # hausse, baisse, stable, aucun
    recent: int
    before: int
    months: int
    p_value: float = 1.0  # of the split against the expected one (exact binomial, one side)
    share: float = 0.5  # the share of the complaints expected in the last half (the rest of the zone's, or even)

    @property
    def words(self) -> str:
        """The trend in French for the advice sheet (« en hausse (9 ces 6 derniers mois, 1 les 6 mois d'avant) »;
        an uneven split that chance explains is said to be so; the zone's split when it is not even)."""
        half = self.months // 2
        if self.code == "aucun":
            return f"aucune plainte ces {self.months} derniers mois"
        counts = f"{self.recent} ces {half} derniers mois, {self.before} les {half} mois d'avant"
        if abs(self.share - 0.5) >= ZONE_SAID_FROM:
            counts += (
                f" ; ailleurs dans la zone, {round(self.share * 100)} % des plaintes de même catégorie sont de ces "
                f"{half} derniers mois"
            )
        if self.code == "stable" and self.recent != self.before:
            return f"sans tendance nette ({counts} : un écart que le hasard explique)"
        return {"hausse": "en hausse", "baisse": "en baisse", "stable": "stable"}[self.code] + f" ({counts})"

    @property
    def analysis_code(self) -> str | None:
        """The nearest trend of the analysis (its priority factor applies): rising, falling or persistent."""
        return {"hausse": "en_intensification", "baisse": "en_diminution", "stable": "persistant"}.get(self.code)


def trend_halves(end: datetime, months: int = TREND_MONTHS) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """(start, middle, end) of a trend window ending at ``end`` (UTC)."""
    stamp = pd.Timestamp(end)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return stamp - pd.DateOffset(months=months), stamp - pd.DateOffset(months=months // 2), stamp


def zone_halves(conn: psycopg.Connection[Any], end: datetime, months: int = TREND_MONTHS) -> ZoneHalves:
    """The zone's reports per category in each half of the trend window ending at ``end`` (near-duplicates and
    referred reports left out, as in the links), and the share of its days in the last half."""
    start, middle, stop = trend_halves(end, months)
    rows = conn.execute(q("zone_halves"), {"start": start, "middle": middle, "end": stop}).fetchall()
    return ZoneHalves(
        recent={c: int(r) for c, r, _ in rows},
        before={c: int(b) for c, _, b in rows},
        days_share=(stop - middle) / (stop - start),
    )


def trend_of(recent: int, before: int, months: int = TREND_MONTHS, share: float = 0.5) -> Trend:
    """Rising or falling when the split of the complaints between the two halves is one that chance gives less
    often than :data:`TREND_SIGNIFICANCE` when a share ``share`` of them is expected in the last half (exact
    binomial test, conditional on their total: at an even share, 4 against 1 is not enough, 8 against 1 is; where
    the whole zone's complaints of the same kind doubled, 8 against 3 is no rise of the facility's own); stable
    otherwise."""
    from scipy.stats import binom

    total = recent + before
    if total == 0:
        return Trend("aucun", 0, 0, months, share=share)
    rising = float(binom.sf(recent - 1, total, share))  # P(at least ``recent`` of ``total`` in the last half)
    falling = float(binom.cdf(recent, total, share))
    if rising < TREND_SIGNIFICANCE:
        return Trend("hausse", int(recent), int(before), months, rising, share)
    if falling < TREND_SIGNIFICANCE:
        return Trend("baisse", int(recent), int(before), months, falling, share)
    return Trend("stable", int(recent), int(before), months, min(rising, falling), share)


def complaint_trend(
    dates: Sequence[Any] | pd.Series,
    now: datetime,
    *,
    months: int = TREND_MONTHS,
    categories: Sequence[Any] | pd.Series | None = None,
    zone: ZoneHalves | None = None,
) -> Trend:
    """The trend (:func:`trend_of`) of the complaints dated ``dates``, over the ``months`` before ``now``; with
    their ``categories`` and the ``zone``'s halves, against the split of the same categories elsewhere in the
    zone (a season or a zone-wide rise is not the facility's)."""
    stamps = pd.to_datetime(pd.Series(list(dates), dtype=object), utc=True)
    start, middle, end = trend_halves(now, months)
    late, early = (stamps >= middle) & (stamps < end), (stamps >= start) & (stamps < middle)
    share = 0.5
    if zone is not None and categories is not None:
        kinds = pd.Series(list(categories), dtype=object).astype(str)
        share = zone.share(
            kinds[late.to_numpy()].value_counts().to_dict(), kinds[early.to_numpy()].value_counts().to_dict()
        )
    return trend_of(int(late.sum()), int(early.sum()), months, share)


def counts_by_category_and_year(links: pd.DataFrame, *, timezone: str) -> pd.DataFrame:
    """A table: one row per category, one column per year (of ``timezone``, the service's), counts; an empty table
    without links."""
    if links.empty:
        return pd.DataFrame()
    years = pd.to_datetime(links["observed_at"], utc=True).dt.tz_convert(timezone).dt.year
    table = pd.crosstab(links["category"], years)
    table.columns = [int(c) for c in table.columns]
    return table.loc[table.sum(axis=1).sort_values(ascending=False, kind="stable").index]


def as_int(value: Any) -> int | None:
    """An integer, or None for a missing value."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return None
    return int(value)
