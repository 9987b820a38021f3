"""Judge a method by the future: fit on the past, count how many of the next period's reports it captured.

Every method ranks the same grid cells of one **study area** (:mod:`service.analyse.area`: the zone, a polygon
file or the event footprint — never a bounding box); at 1 %, 5 % and 10 % of that area we report, for the test
period:

* hit rate: share of the test reports (those inside the area) in the chosen cells;
* PAI (predictive accuracy index): hit rate / area share — 1 is no better than chance;
* PEI* (Hunt's predictive efficiency): reports captured / the most any choice of that many cells could capture.

Methods: the forecast of :mod:`service.analyse.forecast` (parameters chosen inside the training window), the
baselines of :mod:`service.analyse.baselines` (grid count, FFT kernel density) and the perfect-foresight
ceiling. :func:`backtest` scores one split; :func:`rolling_backtest` scores many: rolling origins at month starts,
training on everything before each origin and testing on the next month, quarter and year, with the mean and a
bootstrap 95 % interval over the test windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from service.analyse.area import StudyArea, exposure_per_cell, footprint_area
from service.analyse.baselines import choose_bandwidth, grid_count, kde
from service.analyse.events import Events, events_on, time_of
from service.analyse.forecast import Choice, Features, choose, predict
from service.analyse.metrics import COVERAGES, best_capture, captured, cells_for
from service.settings import DEFAULT_TIMEZONE

MODEL = "prévision Hotspots"
COUNT = "comptage par maille"
KDE = "densité de noyau (KDE)"
CEILING = "plafond (prévision parfaite)"
BASELINES = (COUNT, KDE)
METHODS = (MODEL, COUNT, KDE, CEILING)
HORIZONS = {"mois": 1, "trimestre": 3, "annee": 12}


def features_of(
    points: gpd.GeoDataFrame,
    area: StudyArea | None = None,
    exposure: gpd.GeoDataFrame | None = None,
    zone: str = DEFAULT_TIMEZONE,
) -> Features:
    """The events of ``points`` on ``area`` (default: their own footprint), on the months of ``zone``, ready for
    the forecast."""
    area = area or footprint_area(points.geometry.x.to_numpy(), points.geometry.y.to_numpy(), crs=str(points.crs))
    return Features(events_on(points, area, zone), area, exposure=exposure_per_cell(area, exposure))


def method_scores(
    features: Features, origin: float, horizon: float, *, folds: int = 5
) -> tuple[dict[str, np.ndarray], Choice, float]:
    """({method: score per cell} without the ceiling, the forecast's parameters, the KDE bandwidth) at ``origin``."""
    choice = choose(features, origin, horizon, folds=folds)
    bandwidth = choose_bandwidth(features, origin, horizon, folds=folds)
    scores = {
        MODEL: predict(features, origin, horizon, choice.params),
        COUNT: grid_count(features, origin),
        KDE: kde(features, origin, bandwidth),
    }
    return scores, choice, bandwidth


def _rows(scores: dict[str, np.ndarray], test: np.ndarray, coverages: tuple[float, ...]) -> list[dict[str, Any]]:
    n, total = len(test), float(test.sum())
    rows = []
    for method, score in {**scores, CEILING: test}.items():
        for coverage in coverages:
            k = cells_for(coverage, n)
            hits = captured(score, test, k)
            best = best_capture(test, k)
            rows.append(
                {
                    "methode": method,
                    "couverture": coverage,
                    "mailles": k,
                    "captures": round(hits, 2),
                    "taux_de_capture": round(hits / total, 4) if total else None,
                    "PAI": round(hits / total / (k / n), 3) if total else None,
                    "PEI*": round(hits / best, 3) if best > 0 else None,
                }
            )
    return rows


@dataclass(frozen=True)
class SplitResult:
    """One split: the table (method × coverage), the cells ranked by the forecast, its parameters."""

    table: pd.DataFrame
    cells: pd.DataFrame
    choice: Choice
    bandwidth: float
    train: int
    test: int
    outside: int
    area: StudyArea
    #: cells forecast from their reports since they stopped (:meth:`Features.stopped_cells`)
    stopped: int = 0


def backtest(
    points: gpd.GeoDataFrame,
    *,
    train_until: pd.Timestamp,
    test_until: pd.Timestamp,
    area: StudyArea | None = None,
    exposure: gpd.GeoDataFrame | None = None,
    folds: int = 5,
    zone: str = DEFAULT_TIMEZONE,
) -> SplitResult:
    """Train on the points before ``train_until``, test on [``train_until``, ``test_until``) (UTC instants;
    the CLI turns its inclusive days into these exclusive bounds); months are those of ``zone``."""
    features = features_of(points, area, exposure, zone)
    events, area = features.events, features.area
    origin, stop = time_of(train_until, events.month0, zone), time_of(test_until, events.month0, zone)
    train, test_n = int((events.t < origin).sum()), int(((events.t >= origin) & (events.t < stop)).sum())
    if train < 10 or test_n < 1:
        raise ValueError(f"découpage inutilisable : {train} points d'apprentissage, {test_n} de test")
    scores, choice, bandwidth = method_scores(features, origin, stop - origin, folds=folds)
    test = events.counts(origin, stop, area.n)
    x, y = area.centres()
    model = scores[MODEL]
    order = np.lexsort((np.arange(area.n), -model))
    rank = np.empty(area.n, dtype=np.int64)
    rank[order] = np.arange(1, area.n + 1)
    cells = pd.DataFrame({"x": x, "y": y, "cote_m": area.cell, "rang": rank, "score": model}).sort_values("rang")
    return SplitResult(
        table=pd.DataFrame(_rows(scores, test, COVERAGES)),
        cells=cells.reset_index(drop=True),
        choice=choice,
        bandwidth=bandwidth,
        train=train,
        test=test_n,
        outside=events.outside,
        area=area,
        stopped=int(features.stopped_cells(origin, choice.params).sum()),
    )


@dataclass(frozen=True)
class RollingOptions:
    """Which windows: horizons by name, the shortest training, at most this many (latest) origins each."""

    horizons: tuple[str, ...] = ("mois", "trimestre", "annee")
    min_train_months: int = 3
    max_origins: int = 12
    folds: int = 5
    bootstrap: int = 2000
    random_state: int = 0

    def __post_init__(self) -> None:
        unknown = [h for h in self.horizons if h not in HORIZONS]
        if unknown:
            raise ValueError(f"horizon inconnu : {', '.join(unknown)} (choisissez parmi {', '.join(HORIZONS)})")


@dataclass(frozen=True)
class RollingResult:
    """Per-window rows, their summary with intervals, the gains over the best baseline, the parameters."""

    windows: pd.DataFrame
    summary: pd.DataFrame
    gains: pd.DataFrame
    params: list[dict[str, Any]] = field(default_factory=list)


def origins_for(events: Events, horizon: int, options: RollingOptions) -> list[int]:
    """Month starts with ``min_train_months`` before them and a whole test window after (the latest ones)."""
    first = int(np.floor(events.t.min())) if len(events) else 0
    last_start = int(np.floor(events.end)) - horizon
    found = list(range(first + options.min_train_months, last_start + 1))
    return found[-options.max_origins :]


def rolling_backtest(
    points: gpd.GeoDataFrame,
    *,
    area: StudyArea | None = None,
    exposure: gpd.GeoDataFrame | None = None,
    options: RollingOptions | None = None,
    zone: str = DEFAULT_TIMEZONE,
) -> RollingResult:
    """Every rolling window of every horizon (:class:`RollingOptions`, months of ``zone``), summarised
    (:func:`summarise`)."""
    options = options or RollingOptions()
    features = features_of(points, area, exposure, zone)
    events = features.events
    rows: list[dict[str, Any]] = []
    params: list[dict[str, Any]] = []
    for name in options.horizons:
        horizon = HORIZONS[name]
        for origin in origins_for(events, horizon, options):
            test = events.counts(origin, origin + horizon, features.area.n)
            if test.sum() == 0:
                continue
            scores, choice, bandwidth = method_scores(features, origin, horizon, folds=options.folds)
            label = events.month_label(origin)
            for row in _rows(scores, test, COVERAGES):
                rows.append({"horizon": name, "origine": label, "test": int(test.sum()), **row})
            stopped = int(features.stopped_cells(origin, choice.params).sum())
            params.append(
                {
                    "horizon": name,
                    "origine": label,
                    **choice.describe(),
                    "mailles_arretees": stopped,
                    "bande_kde_m": bandwidth,
                }
            )
    windows = pd.DataFrame(rows)
    summary, gains = summarise(windows, bootstrap=options.bootstrap, random_state=options.random_state)
    return RollingResult(windows=windows, summary=summary, gains=gains, params=params)


def _interval(values: np.ndarray, draws: np.ndarray) -> tuple[float, float]:
    means = values[draws].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def summarise(
    windows: pd.DataFrame, *, bootstrap: int = 2000, random_state: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(summary, gains) of the per-window rows.

    Summary: per horizon, method and coverage, the mean PAI with its bootstrap 95 % interval over the test
    windows (windows resampled with replacement), the mean PEI* and hit rate. Gains: the forecast against the
    best baseline (the one with the higher mean PAI there): relative gain of the mean PAI, its paired interval
    (the same resampled windows for both), and the share of the gap between that baseline and the ceiling that
    the forecast closes.
    """
    if windows.empty:
        return pd.DataFrame(), pd.DataFrame()
    rng = np.random.default_rng(random_state)
    summary_rows, gain_rows = [], []
    for (horizon, coverage), part in windows.groupby(["horizon", "couverture"], sort=False):
        pai = part.pivot(index="origine", columns="methode", values="PAI").astype(float)
        n = len(pai)
        draws = rng.integers(0, n, size=(bootstrap, n))
        for method in pai.columns:
            values = pai[method].to_numpy()
            low, high = _interval(values, draws)
            own = part[part["methode"] == method]
            summary_rows.append(
                {
                    "horizon": horizon,
                    "couverture": coverage,
                    "methode": method,
                    "fenetres": n,
                    "PAI": round(float(values.mean()), 2),
                    "PAI_bas": round(low, 2),
                    "PAI_haut": round(high, 2),
                    "PEI*": round(float(own["PEI*"].astype(float).mean()), 3),
                    "taux_de_capture": round(float(own["taux_de_capture"].astype(float).mean()), 4),
                }
            )
        best = max(BASELINES, key=lambda m: pai[m].mean())
        model, base, ceiling = pai[MODEL].to_numpy(), pai[best].to_numpy(), pai[CEILING].to_numpy()
        ratio = model[draws].mean(axis=1) / base[draws].mean(axis=1) - 1
        gap = ceiling.mean() - base.mean()
        closed = (model[draws].mean(axis=1) - base[draws].mean(axis=1)) / np.maximum(
            ceiling[draws].mean(axis=1) - base[draws].mean(axis=1), 1e-9
        )
        gain_rows.append(
            {
                "horizon": horizon,
                "couverture": coverage,
                "meilleure_reference": best,
                "fenetres": n,
                "gain": round(float(model.mean() / base.mean() - 1), 4),
                "gain_bas": round(float(np.percentile(ratio, 2.5)), 4),
                "gain_haut": round(float(np.percentile(ratio, 97.5)), 4),
                "ecart_comble": round(float((model.mean() - base.mean()) / gap), 3) if gap > 0 else None,
                "ecart_comble_bas": round(float(np.percentile(closed, 2.5)), 3),
                "fenetres_gagnees": int((model > base).sum()),
                "fenetres_perdues": int((model < base).sum()),
            }
        )
    return pd.DataFrame(summary_rows), pd.DataFrame(gain_rows)
