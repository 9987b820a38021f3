"""Where will next months' reports be? An expected count per grid cell, built from what works for repeat places.

For a cell ``c`` at an origin (training = every event before it), for the next ``horizon`` months:

1. **Repeat term** (self-exciting, in discrete time): each past event adds ``0.5 ** (age / half_life)``; recent
   reports weigh more, as a place that has just been hit tends to be hit again soon (near-repeat victimisation,
   dumping that draws more dumping). Divided by the weighted months it covers, it is a recent rate.
2. **Background**: the plain long-term rate of the cell (all its training events per month of training).
   The forecast rate mixes the two: ``(1 - background) * recent + background * long_term``.
3. **Pooling of small counts** (empirical Bayes, Poisson–gamma): a cell's few reports say little about it alone.
   With exposure (address points per cell), the **two-groups** model (:mod:`service.analyse.two_groups`):
   ordinary cells are pulled toward the zone's rate per address times their addresses (reports follow
   people), while the few hot places the data single out keep their own count (a dumping corner with three
   addresses); the prior chance of being hot grows with the neighbourhood's reports per address (within
   ``radius`` metres): hot places spill over the cells around them. Without exposure, the rate is pulled
   toward the rate of its neighbourhood (Gaussian weights of ``radius`` metres, the cell itself excluded) with a
   prior worth ``shrink`` events: ``(rate * months + shrink) / (months + shrink / prior)``.
4. **Places that stop**: a camera, a fence, a building pulled down. A busy cell's old reports would keep it forecast
   for many months (a quarter of the rate is long-term, and a six-month half-life still weighs last year's reports
   by a quarter). So each cell is checked against what the same time terms expected of it at the start of the last
   ``STOP_WINDOW_MONTHS``: when it received fewer than half of that, beyond chance (Poisson, one-sided,
   ``STOP_LEVEL``), and was not as quiet the same months a year before (its season), only its reports since then
   speak for it, before the pooling. The same rule checks the sensitive points (:mod:`service.analyse.place_forecast`).
5. **Yearly seasonality** (only with at least two whole years of training): each category's month profile,
   weighted by the cell's own mix of categories (noise peaks in summer, burning in spring). Weekly seasonality
   is not used: every horizon is made of whole weeks, so it cannot change the ranking.

The parameters (``half_life``, ``background``, ``shrink``, ``radius``, ``seasonal``) are chosen by rolling-origin
validation **inside the training window only** (:func:`choose`): the last origins before the forecast origin
(one horizon apart) are each forecast from their own past and scored on the months that follow them (still
before the origin), by the mean PEI* at 1 % and 5 % of the area. Nothing after the origin is ever seen. The search
is coordinate-wise (time terms, then pooling) over small grids: about 20 candidates, a few milliseconds each;
the winner replaces the defaults only if it scores at least 1 % better (few, noisy folds should not swap the
defaults for a lucky candidate). With exposure, the pooling is not searched: the two-groups model fits its scale
and its hot share on the training counts itself, and a search of its strength on a few folds only added noise on
the demonstration data. Seasonality is judged apart, on the same months of past years (the months just before
the origin belong to another season and cannot tell). The defaults: half-life 6 months, a quarter of long-term
rate, and the two-groups pooling (strength 10 events) with exposure, light neighbourhood pooling without (places
change within a year; a steady place loses little by it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import ndimage, stats

from service.analyse.area import StudyArea
from service.analyse.events import Events
from service.analyse.metrics import pei_star
from service.analyse.two_groups import GROUP_STRENGTH, two_groups_rate

#: Candidate (half_life in months, background share); (None, 1.0) is the long-term rate alone.
TIME_GRID: tuple[tuple[float | None, float], ...] = (
    *((h, b) for h in (0.5, 1.0, 2.0, 4.0, 8.0) for b in (0.0, 0.25, 0.5)),
    (12.0, 0.25),
    (None, 1.0),
)
#: Candidate (shrink in events, radius in metres); shrink 0 = no pooling with the neighbours.
SPACE_GRID: tuple[tuple[float, float], ...] = ((0.0, 150.0), (0.5, 150.0), (2.0, 150.0), (0.5, 300.0), (2.0, 300.0))
#: How a cell's few reports are pooled: toward its neighbourhood, or by the two-groups model on the addresses.
POOLINGS = ("voisinage", "adresses")
MIN_TRAIN_MONTHS = 2.0
#: A candidate replaces the current choice only if it scores this much better (relative): overlapping folds are
#: few and noisy, and on steady data the simple long-term rate should not lose to a lucky recent one.
MARGIN = 0.01
SEASONAL_MIN_MONTHS = 24.0
#: The months behind the origin in which a place's reports are compared with what was forecast for them.
STOP_WINDOW_MONTHS = 6.0
#: Chance below which so few reports in those months mean that the place has stopped (one-sided Poisson).
STOP_LEVEL = 0.01
#: ... and when they are fewer than this share of it: a place that goes on at a lower rate is not a stop (its
#: recent reports already weigh more), one that is left with less than half of them has changed.
STOP_SHARE = 0.5
#: How far back the same months of the year before are (a place's season).
YEAR_MONTHS = 12.0


def stopped(
    seen: np.ndarray, expected: np.ndarray, last_year: np.ndarray | None, silent_year: np.ndarray | None
) -> np.ndarray:
    """Which places (cells or sensitive points) have stopped: ``seen`` reports in the last ``STOP_WINDOW_MONTHS``
    fewer than half the ``expected`` ones, beyond chance. With the same months of the year before (``last_year``
    reports, and whether the place was ``silent_year`` the whole year since), a place as quiet then is in its
    season (summer noise, spring burning), not stopped, unless it has been silent a whole year."""
    short = (seen < STOP_SHARE * expected) & (stats.poisson.cdf(seen, expected) < STOP_LEVEL)
    if last_year is not None and silent_year is not None:
        short &= (last_year >= STOP_SHARE * expected) | silent_year
    return np.asarray(short)


@dataclass(frozen=True)
class ForecastParams:
    """Hyper-parameters of the forecast (module docstring); the defaults (half-life 6 months, a quarter of
    long-term rate, light pooling) stand when the training window is too short to validate anything or when no
    candidate does clearly better."""

    half_life: float | None = 6.0
    background: float = 0.25
    shrink: float = 0.5
    radius: float = 150.0
    pooling: str = "voisinage"
    seasonal: bool = False

    def __post_init__(self) -> None:
        if self.half_life is not None and self.half_life <= 0:
            raise ValueError(f"demi-vie de {self.half_life} mois : elle doit être positive")
        if not 0.0 <= self.background <= 1.0:
            raise ValueError(f"part du fond {self.background} : entre 0 et 1")
        if self.half_life is None and self.background != 1.0:
            raise ValueError("sans demi-vie, le taux à long terme est seul (part du fond 1)")
        if self.shrink < 0 or self.radius <= 0:
            raise ValueError("lissage et rayon doivent être positifs")
        if self.pooling not in POOLINGS:
            raise ValueError(f"mise en commun « {self.pooling} » : {' ou '.join(POOLINGS)}")

    def describe(self) -> dict[str, Any]:
        """The parameters under the names a person reads in the outputs."""
        return {
            "demi_vie_mois": self.half_life,
            "part_long_terme": self.background,
            "lissage_evenements": self.shrink,
            "rayon_voisinage_m": self.radius,
            "mise_en_commun": self.pooling,
            "saisonnalite": self.seasonal,
        }


@dataclass(frozen=True)
class Choice:
    """Parameters chosen for one origin, with the evidence: inner score, folds, inner horizon, a note."""

    params: ForecastParams
    score: float | None
    folds: int
    horizon: float
    note: str

    def describe(self) -> dict[str, Any]:
        """The chosen parameters and their evidence, with the French keys of the back-test report."""
        return {
            **self.params.describe(),
            "score_validation": None if self.score is None else round(self.score, 4),
            "plis_validation": self.folds,
            "horizon_validation_mois": self.horizon,
            "note": self.note,
        }


class Features:
    """The events of one area, with the per-origin sums every candidate shares (kept between calls, so that the
    inner folds of successive origins are computed once)."""

    def __init__(self, events: Events, area: StudyArea, *, exposure: np.ndarray | None = None) -> None:
        self.events = events
        self.area = area
        self.exposure = exposure
        self.start = float(np.floor(events.t.min())) if len(events) else 0.0
        self._cache: dict[tuple[Any, ...], np.ndarray] = {}
        # weight of each cell in the neighbourhood prior: its addresses (plus a floor: dumping happens where
        # nobody lives), or 1 without exposure
        if exposure is None:
            self.people = np.ones(area.n)
        else:
            self.people = exposure + max(0.1 * float(exposure.mean()), 1e-3)
        self._people_smooth: dict[float, np.ndarray] = {}

    def _memo(self, key: tuple[Any, ...], make: Callable[[], np.ndarray]) -> np.ndarray:
        if key not in self._cache:
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = make()
        return self._cache[key]

    def months(self, origin: float) -> float:
        """Months of training before ``origin`` (at least one)."""
        return max(origin - self.start, 1.0)

    def long_rate(self, origin: float) -> np.ndarray:
        """Reports per month per cell over the whole training period before ``origin`` (memoised)."""

        def make() -> np.ndarray:
            sel = self.events.t < origin
            rate: np.ndarray = np.bincount(self.events.cell[sel], minlength=self.area.n) / self.months(origin)
            return rate

        return self._memo(("long", origin), make)

    def recent_rate(self, origin: float, half_life: float) -> np.ndarray:
        """Decayed counts divided by the decayed months they cover (a rate per month)."""

        def make() -> np.ndarray:
            sel = self.events.t < origin
            weights = np.power(0.5, (origin - self.events.t[sel]) / half_life)
            covered = half_life / np.log(2) * (1 - 0.5 ** (self.months(origin) / half_life))
            rate: np.ndarray = np.bincount(self.events.cell[sel], weights=weights, minlength=self.area.n) / covered
            return rate

        return self._memo(("recent", origin, half_life), make)

    def smooth(self, values: np.ndarray, radius: float) -> np.ndarray:
        """Gaussian-weighted sum of the neighbours' values (the cell itself excluded), on the area's raster."""
        sigma = radius / self.area.cell
        raster = ndimage.gaussian_filter(self.area.to_raster(values), sigma, mode="constant", truncate=3.0)
        reach = int(3.0 * sigma + 0.5)  # scipy's kernel: radius = int(truncate * sigma + 0.5)
        kernel = np.exp(-0.5 * (np.arange(-reach, reach + 1) / sigma) ** 2)
        own = float((kernel[reach] / kernel.sum()) ** 2)
        return self.area.from_raster(raster) - own * values

    def people_smooth(self, radius: float) -> np.ndarray:
        """The smoothed address weight of each cell (never zero: it divides), computed once per radius."""
        if radius not in self._people_smooth:
            self._people_smooth[radius] = np.maximum(self.smooth(self.people, radius), 1e-12)
        return self._people_smooth[radius]

    def rate(self, origin: float, half_life: float | None, background: float) -> tuple[np.ndarray, float]:
        """(rate per month per cell, effective months behind it) of the time terms."""
        months = self.months(origin)
        if half_life is None:
            return self.long_rate(origin), months
        covered = half_life / np.log(2) * (1 - 0.5 ** (months / half_life))
        recent = self.recent_rate(origin, half_life)
        if background == 0:
            return recent, covered
        mixed = (1 - background) * recent + background * self.long_rate(origin)
        return mixed, (1 - background) * covered + background * months

    def event_rates(
        self,
        ages: np.ndarray,
        origin: float,
        half_life: float | None,
        background: float,
        *,
        months: float | None = None,
    ) -> np.ndarray:
        """What each event ``ages`` months before ``origin`` adds to its cell's :meth:`rate` (reports per
        month): the time terms are sums over events, so a cell's rate is the sum of its events' shares, and
        the events of one place give that place's own rate (0 for an event at or after ``origin``). ``months``:
        the history behind them when it is shorter than the training's (a place that changed counts from then)."""
        months = self.months(origin) if months is None else months
        long = np.full(len(ages), 1.0 / months)
        if half_life is None:
            out = long
        else:
            covered = half_life / np.log(2) * (1 - 0.5 ** (months / half_life))
            recent = np.power(0.5, np.maximum(ages, 0.0) / half_life) / covered
            out = recent if background == 0 else (1 - background) * recent + background * long
        return np.where(ages > 0, out, 0.0)

    def stopped_cells(self, origin: float, params: ForecastParams) -> np.ndarray:
        """Per cell, whether it stopped in the last ``STOP_WINDOW_MONTHS`` before ``origin`` (:func:`stopped`;
        all False when the training is too short to tell; memoised)."""

        def make() -> np.ndarray:
            start, n = origin - STOP_WINDOW_MONTHS, self.area.n
            if start - self.start < MIN_TRAIN_MONTHS:
                return np.zeros(n, dtype=bool)
            then, _ = self.rate(start, params.half_life, params.background)
            expected = then * STOP_WINDOW_MONTHS
            factor = self.seasonal_factor(start, STOP_WINDOW_MONTHS) if params.seasonal else None
            if factor is not None:
                expected = expected * factor
            last_year = silent_year = None
            if start - YEAR_MONTHS >= self.start:
                last_year = self.events.counts(start - YEAR_MONTHS, origin - YEAR_MONTHS, n)
                silent_year = self.events.counts(origin - YEAR_MONTHS, origin, n) == 0
            return stopped(self.events.counts(start, origin, n), expected, last_year, silent_year)

        key = ("stopped", origin, params.half_life, params.background, params.seasonal)
        return self._memo(key, make)

    def rate_since(self, origin: float, half_life: float | None, background: float, months: float) -> np.ndarray:
        """The time terms' rate of each cell from its reports of the last ``months`` alone, over those months."""

        def make() -> np.ndarray:
            ev = self.events
            sel = (ev.t >= origin - months) & (ev.t < origin)
            shares = self.event_rates(origin - ev.t[sel], origin, half_life, background, months=months)
            rate: np.ndarray = np.bincount(ev.cell[sel], weights=shares, minlength=self.area.n)
            return rate

        return self._memo(("since", origin, half_life, background, months), make)

    def smoothed_rate(self, origin: float, half_life: float | None, background: float, radius: float) -> np.ndarray:
        """The neighbourhood sum of :meth:`rate` (linear in the time terms, so each term is smoothed once)."""
        if half_life is None:
            return self._memo(("slong", origin, radius), lambda: self.smooth(self.long_rate(origin), radius))
        recent = self._memo(
            ("srecent", origin, half_life, radius), lambda: self.smooth(self.recent_rate(origin, half_life), radius)
        )
        if background == 0:
            return recent
        long = self._memo(("slong", origin, radius), lambda: self.smooth(self.long_rate(origin), radius))
        return (1 - background) * recent + background * long

    def seasonal_factor(self, origin: float, horizon: float) -> np.ndarray | None:
        """Per-cell factor of the yearly profile over [origin, origin + horizon), or None without two whole
        years of training."""
        years = int(self.months(origin) // 12)
        if years < 2:
            return None
        ev = self.events
        window = (ev.t >= origin - 12 * years) & (ev.t < origin)
        calendar = (ev.month0 + np.floor(ev.t[window]).astype(np.int64)) % 12
        n_cat = len(ev.categories)
        by_month = np.zeros((n_cat, 12))
        np.add.at(by_month, (ev.category[window], calendar), 1.0)
        mean = by_month.sum(axis=1, keepdims=True) / 12
        profile = (by_month + 5.0) / (mean + 5.0)  # shrunk toward a flat year by five events a month
        months = (ev.month0 + np.arange(int(np.floor(origin)), int(np.ceil(origin + horizon)))) % 12
        factor = profile[:, months].mean(axis=1)
        if np.allclose(factor, 1.0):
            return np.ones(self.area.n)
        train = ev.t < origin
        mix = np.zeros((self.area.n, n_cat))
        np.add.at(mix, (ev.cell[train], ev.category[train]), 1.0)
        overall = mix.sum(axis=0) / max(mix.sum(), 1.0)
        share = (mix + overall) / (mix.sum(axis=1, keepdims=True) + 1.0)
        return np.asarray(share @ factor)


def predict(features: Features, origin: float, horizon: float, params: ForecastParams) -> np.ndarray:
    """Expected events per cell of the area in [origin, origin + horizon), from the events before ``origin``."""
    rate, months = features.rate(origin, params.half_life, params.background)
    gone = features.stopped_cells(origin, params)
    if gone.any():  # places that stopped: their reports since, before the pooling (module docstring)
        since = features.rate_since(origin, params.half_life, params.background, STOP_WINDOW_MONTHS)
        rate = np.where(gone, since, rate)
    if params.shrink > 0:
        # the neighbours' reports per address (the cell itself excluded): what both poolings lean on
        nearby = features.smoothed_rate(origin, params.half_life, params.background, params.radius)
        per_address = nearby / features.people_smooth(params.radius)
        if params.pooling == "adresses" and features.exposure is not None:
            rate = two_groups_rate(rate * months, months, features.people, strength=params.shrink, context=per_address)
        else:
            prior = np.maximum(per_address * features.people, max(float(rate.mean()), 1e-9) * 1e-3)
            rate = (rate * months + params.shrink) / (months + params.shrink / prior)
    expected = rate * horizon
    if params.seasonal:
        factor = features.seasonal_factor(origin, horizon)
        if factor is not None:
            expected = expected * factor
    return np.asarray(expected)


def inner_origins(features: Features, origin: float, horizon: float, folds: int) -> list[float]:
    """The last ``folds`` month starts ``o`` with o + horizon <= origin and enough training before ``o``, one
    horizon apart: their test windows do not overlap (overlapping ones would count the same months again and
    make a lucky choice look consistent)."""
    last = np.floor(origin - horizon)
    found: list[float] = []
    o = last
    while len(found) < folds and o - features.start >= MIN_TRAIN_MONTHS:
        found.append(float(o))
        o -= max(1.0, np.floor(horizon))
    return found


def inner_folds(features: Features, origin: float, horizon: float, folds: int) -> tuple[list[float], float]:
    """(inner origins, their horizon): the same horizon when the training allows it, else the longest shorter
    one (3 months, then 1) that leaves at least one fold."""
    used = horizon
    inner = inner_origins(features, origin, horizon, folds)
    for shorter in (3.0, 1.0):
        if inner or shorter >= used:
            continue
        used = shorter
        inner = inner_origins(features, origin, shorter, folds)
    return inner, used


def _seasonal_helps(features: Features, origin: float, horizon: float, params: ForecastParams, folds: int) -> bool:
    """Would the yearly profile have done better the same months of past years? Only folds a whole number of
    years before the origin can tell (the months just before it are in another season), each with two whole
    years of training behind it."""
    inner = [
        origin - 12.0 * k for k in range(1, folds + 1) if origin - 12.0 * k - features.start >= SEASONAL_MIN_MONTHS
    ]
    tests = [features.events.counts(o, o + horizon, features.area.n) for o in inner]
    pairs = [(o, t) for o, t in zip(inner, tests, strict=True) if t.sum()]
    if not pairs:
        return False
    flat = np.nanmean([pei_star(predict(features, o, horizon, params), t) for o, t in pairs])
    seasonal = replace(params, seasonal=True)
    with_season = np.nanmean([pei_star(predict(features, o, horizon, seasonal), t) for o, t in pairs])
    return bool(with_season > flat * (1 + MARGIN))


def defaults_for(features: Features) -> ForecastParams:
    """The defaults: with exposure, the two-groups pooling on the addresses (reports follow people, except at a
    few hot places); without it, light pooling toward the neighbourhood."""
    if features.exposure is None:
        return ForecastParams()
    return ForecastParams(shrink=GROUP_STRENGTH, pooling="adresses")


def choose(features: Features, origin: float, horizon: float, *, folds: int = 5) -> Choice:
    """Parameters for a forecast at ``origin`` chosen on the training window only (module docstring).

    The inner folds use the same horizon when the training allows it, else the longest one that fits (a
    year-ahead forecast on one year of history is validated on quarters or months); without any fold the
    defaults are kept and the note says so."""
    inner, used = inner_folds(features, origin, horizon, folds)
    if not inner:
        return Choice(defaults_for(features), None, 0, 0.0, "historique trop court : réglages par défaut")
    tests = [features.events.counts(o, o + used, features.area.n) for o in inner]
    if all(t.sum() == 0 for t in tests):
        return Choice(defaults_for(features), None, 0, used, "aucun événement dans les plis : réglages par défaut")

    def score(p: ForecastParams) -> float:
        values = [pei_star(predict(features, o, used, p), t) for o, t in zip(inner, tests, strict=True) if t.sum()]
        return float(np.nanmean(values))

    default = defaults_for(features)
    default_score = score(default)
    best, best_score = default, default_score
    for candidate in [replace(default, half_life=h, background=b) for h, b in TIME_GRID]:
        value = score(candidate)
        if value > best_score + 1e-12:
            best, best_score = candidate, value
    # with addresses the two-groups pooling fits its own scale and hot share; searching its strength or the
    # neighbourhood's on a few folds only adds noise (benchmarks/README.md, « Back-test »)
    pooled = [] if features.exposure is not None else [replace(best, shrink=a, radius=r) for a, r in SPACE_GRID]
    for candidate in pooled:
        value = score(candidate)
        if value > best_score + 1e-12:
            best, best_score = candidate, value
    if best_score < default_score * (1 + MARGIN):  # not clearly better: keep the defaults
        best, best_score = default, default_score
    if _seasonal_helps(features, origin, used, best, folds):
        best = replace(best, seasonal=True)
    note = "validé sur l'apprentissage" if used == horizon else f"validé sur des plis de {used:g} mois"
    return Choice(best, best_score, len(inner), used, note)
