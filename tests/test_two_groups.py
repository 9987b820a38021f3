"""The two-groups pooling: ordinary cells ranked by their addresses, hot places by their own count."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from service.analyse.backtest import features_of
from service.analyse.forecast import ForecastParams, choose, defaults_for, predict
from service.analyse.two_groups import two_groups_rate

MONTHS = 12.0


def _zone(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """3000 cells whose reports follow their addresses (a report every 200 months per address: most cells have
    0 to 4 reports a year) and 30 hot places with few addresses and 3 reports a month: (addresses, true rate,
    training counts over a year, hot mask)."""
    rng = np.random.default_rng(seed)
    addresses = rng.integers(1, 60, 3000).astype(float)
    rate = 0.005 * addresses
    hot = np.zeros(len(addresses), dtype=bool)
    hot[rng.choice(len(addresses), 30, replace=False)] = True
    addresses[hot] = rng.integers(1, 5, hot.sum())
    rate[hot] = 3.0
    return addresses, rate, rng.poisson(rate * MONTHS).astype(float), hot


def _captured(score: np.ndarray, rate: np.ndarray, share: float) -> float:
    """Share of the expected future reports in the ``share`` best-scored cells."""
    top = np.argsort(-score, kind="stable")[: round(share * len(score))]
    return float(rate[top].sum() / rate.sum())


def test_hot_places_keep_their_own_count_and_ordinary_cells_follow_their_addresses():
    addresses, _rate, counts, hot = _zone(1)
    posterior = two_groups_rate(counts, MONTHS, addresses, strength=10.0)
    # a hot place is not dragged toward its two or three addresses
    assert np.allclose(posterior[hot], counts[hot] / MONTHS, rtol=0.1)
    # two ordinary cells with the same count: the one with more addresses is expected to report more
    ordinary = ~hot & (counts == 3)
    few, many = np.argmin(np.where(ordinary, addresses, np.inf)), np.argmax(np.where(ordinary, addresses, -1))
    assert addresses[many] > addresses[few] and posterior[many] > posterior[few]


def test_the_two_groups_forecast_closes_most_of_the_gap_between_the_count_and_the_truth():
    for seed in (2, 3, 4):
        addresses, rate, counts, _hot = _zone(seed)
        posterior = two_groups_rate(counts, MONTHS, addresses, strength=10.0)
        for share in (0.01, 0.05, 0.10):
            model, count, ceiling = (_captured(s, rate, share) for s in (posterior, counts, rate))
            assert model >= count
            if share > 0.01:  # at 1 % the hot places fill the top and the count finds them too
                assert model - count >= 0.5 * (ceiling - count) > 0


def test_a_cell_beside_hot_places_is_more_likely_hot_than_the_same_cell_in_a_quiet_street():
    """Hot places cluster (a problem street spans several cells): where the neighbourhood is hot, the prior share
    of hot cells is fitted higher, so three reports there weigh more than three reports in a quiet street."""
    rng = np.random.default_rng(6)
    addresses = rng.integers(5, 40, 3000).astype(float)
    context = rng.random(3000)  # what the neighbourhood says; the hot places all lie in its top decile
    rate = 0.005 * addresses
    hot = np.flatnonzero(context > 0.9)[:150]
    rate[hot] = rng.uniform(0.2, 3.0, len(hot))
    counts = rng.poisson(rate * MONTHS).astype(float)
    twins = np.array([np.argmax(context), np.argmin(context)])  # same reports, same addresses, two neighbourhoods
    counts[twins], addresses[twins] = 3.0, 14.0
    flat = two_groups_rate(counts, MONTHS, addresses)
    assert flat[twins[0]] == pytest.approx(flat[twins[1]])
    aware = two_groups_rate(counts, MONTHS, addresses, context=context)
    assert aware[twins[0]] > 2 * aware[twins[1]]
    # and it ranks better: more of the expected reports in the first 5 % of the cells
    assert _captured(aware, rate, 0.05) > _captured(flat, rate, 0.05)


def test_no_report_no_forecast():
    assert not two_groups_rate(np.zeros(10), MONTHS, np.ones(10), strength=10.0).any()


def test_an_unknown_pooling_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="voisinage ou adresses"):
        ForecastParams(pooling="quartier")


def _reports_and_addresses() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(5)
    homes = np.column_stack([rng.uniform(230000, 234000, 600), rng.uniform(140000, 144000, 600)])
    pick = homes[rng.integers(0, len(homes), 2000)]
    when = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.uniform(0, 700, len(pick)), unit="D")
    crs = "EPSG:31370"
    reports = gpd.GeoDataFrame(
        {"id": np.arange(len(pick)), "category": "depot_clandestin", "observed_at": when},
        geometry=gpd.points_from_xy(pick[:, 0], pick[:, 1]),
        crs=crs,
    )
    addresses = gpd.GeoDataFrame(geometry=gpd.points_from_xy(homes[:, 0], homes[:, 1]), crs=crs)
    return reports, addresses


def test_the_address_pooling_is_the_default_only_where_addresses_are_known():
    reports, addresses = _reports_and_addresses()
    without = features_of(reports)
    with_addresses = features_of(reports, without.area, addresses)
    assert defaults_for(without) == ForecastParams()
    assert defaults_for(with_addresses).pooling == "adresses"
    # without addresses the pooling falls back to the neighbourhood: the same forecast whatever is asked
    asked = ForecastParams(shrink=10.0, pooling="adresses")
    assert np.allclose(predict(without, 20.0, 1.0, asked), predict(without, 20.0, 1.0, ForecastParams(shrink=10.0)))
    # the choice is reported under the name a person reads
    assert choose(with_addresses, 20.0, 1.0).params.describe()["mise_en_commun"] in ("voisinage", "adresses")
