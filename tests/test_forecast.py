"""The forecast behind the ranking: parameters chosen on the past only, what each term buys, fair measures."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from service.analyse.area import footprint_area, polygon_area
from service.analyse.backtest import (
    CEILING,
    COUNT,
    KDE,
    MODEL,
    RollingOptions,
    features_of,
    origins_for,
    rolling_backtest,
)
from service.analyse.baselines import kde
from service.analyse.events import events_on, time_of
from service.analyse.forecast import ForecastParams, choose, predict
from service.analyse.metrics import captured, cells_for

CRS = "EPSG:31370"
START = pd.Timestamp("2023-01-01", tz="Europe/Brussels")


def _frame(x, y, when, category="depot_clandestin") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": np.arange(len(x)), "category": category, "observed_at": pd.DatetimeIndex(when).tz_convert("UTC")},
        geometry=gpd.points_from_xy(x, y),
        crs=CRS,
    )


def _town(rng: np.random.Generator, n: int, months: int) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """Background reports at 800 homes of a 6 × 6 km town, spread over ``months``."""
    homes = np.column_stack([rng.uniform(230000, 236000, 800), rng.uniform(140000, 146000, 800)])
    pick = homes[rng.integers(0, len(homes), n)] + rng.normal(0, 5, (n, 2))
    when = START + pd.to_timedelta(rng.uniform(0, months * 30.44, n), unit="D")
    return pick[:, 0], pick[:, 1], pd.DatetimeIndex(when)


def _places(rng, centres, months_active, per_month, *, spread=15.0):
    xs, ys, whens = [], [], []
    for (cx, cy), (first, last) in zip(centres, months_active, strict=True):
        n = int(per_month * (last - first))
        xs.append(cx + rng.normal(0, spread, n))
        ys.append(cy + rng.normal(0, spread, n))
        whens.append(START + pd.to_timedelta(rng.uniform(first * 30.44, last * 30.44, n), unit="D"))
    return np.concatenate(xs), np.concatenate(ys), pd.DatetimeIndex(np.concatenate(whens))


def _moving_places(seed: int) -> gpd.GeoDataFrame:
    """Twenty busy places over 18 months; half of them stop at month 9 and ten new ones start then."""
    rng = np.random.default_rng(seed)
    bx, by, bw = _town(rng, 6000, 18)
    centres = [(rng.uniform(230500, 235500), rng.uniform(140500, 145500)) for _ in range(30)]
    active = [(0, 18)] * 10 + [(0, 9)] * 10 + [(9, 18)] * 10
    px, py, pw = _places(rng, centres, active, per_month=4)
    return _frame(np.r_[bx, px], np.r_[by, py], bw.append(pw))


def _steady_places(seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    bx, by, bw = _town(rng, 6000, 18)
    centres = [(rng.uniform(230500, 235500), rng.uniform(140500, 145500)) for _ in range(20)]
    px, py, pw = _places(rng, centres, [(0, 18)] * 20, per_month=3)
    return _frame(np.r_[bx, px], np.r_[by, py], bw.append(pw))


def test_parameters_and_forecast_never_see_the_test_period():
    pts = _moving_places(1)
    features = features_of(pts)
    origin = 12.0
    before = choose(features, origin, 3.0)
    expected = predict(features, origin, 3.0, before.params)
    # the same past with a different future: a new hot place and nothing else after the origin
    past = pts[pd.to_datetime(pts["observed_at"]) < features.events.timestamp(origin)]
    rng = np.random.default_rng(9)
    fx, fy, fw = _places(rng, [(233000.0, 143000.0)], [(12, 18)], per_month=50)
    other = pd.concat([past, _frame(fx, fy, fw)], ignore_index=True)
    changed = features_of(gpd.GeoDataFrame(other, crs=CRS), features.area)
    after = choose(changed, origin, 3.0)
    assert after.params == before.params and after.score == pytest.approx(before.score)
    assert np.allclose(predict(changed, origin, 3.0, after.params), expected)


def test_recent_reports_weigh_more_when_places_move():
    """Half the busy places stop and new ones start: the plain count keeps ranking the dead ones first."""
    result = rolling_backtest(_moving_places(2), options=RollingOptions(horizons=("mois", "trimestre")))
    gains = result.gains.set_index(["horizon", "couverture"])
    for horizon in ("mois", "trimestre"):
        assert gains.loc[(horizon, 0.01), "meilleure_reference"] == COUNT
        assert gains.loc[(horizon, 0.01), "gain"] >= 0.08
        assert gains.loc[(horizon, 0.01), "gain_bas"] > 0  # never below the count at the 95 % interval
    late = [p for p in result.params if p["origine"] >= "2023-11"]
    assert all(p["demi_vie_mois"] is not None for p in late)  # the repeat term was chosen, on the past


def test_steady_places_keep_the_long_term_rate():
    """When nothing moves, the validation must not swap the long-term rate for a lucky recent one."""
    result = rolling_backtest(_steady_places(3), options=RollingOptions(horizons=("trimestre",)))
    gains = result.gains.set_index("couverture")
    assert (gains["gain"] > -0.03).all()  # the price of choosing on a few noisy folds stays small


def test_shrinkage_toward_the_neighbourhood_ranks_small_counts():
    """Streets where every home reports a little: a cell with one report in a busy street beats an isolated
    one-report cell; the plain count ties them."""
    rng = np.random.default_rng(4)
    busy = np.column_stack([np.repeat(np.arange(230000, 232000, 100.0) + 50, 1), np.full(20, 140050.0)])
    x = np.r_[np.repeat(busy[:, 0], 3), 238050.0]
    y = np.r_[np.repeat(busy[:, 1], 3), 148050.0]
    when = START + pd.to_timedelta(rng.uniform(0, 300, len(x)), unit="D")
    pts = _frame(x, y, when)
    features = features_of(pts)
    busy_cell = features.area.index_of(np.array([231050.0]), np.array([140050.0]))[0]
    lone_cell = features.area.index_of(np.array([238050.0]), np.array([148050.0]))[0]
    plain = predict(features, 11.0, 1.0, ForecastParams(shrink=0.0))
    pooled = predict(features, 11.0, 1.0, ForecastParams(shrink=2.0, radius=300.0))
    assert pooled[busy_cell] > pooled[lone_cell]
    assert plain[busy_cell] / plain[lone_cell] < pooled[busy_cell] / pooled[lone_cell]


def test_yearly_seasonality_is_used_when_past_years_show_it():
    """Twenty places busy every summer (June to August), twenty every winter (December to February), the same
    total. On 1 June the recent months favour the winter places; the yearly profile, which the validation picks
    on the same month of a past year, puts the summer places first — and June proves it right."""
    rng = np.random.default_rng(5)
    xs, ys, whens, cats = [], [], [], []
    summer = [(230500.0 + 250 * i, 141000.0) for i in range(20)]
    winter = [(230500.0 + 250 * i, 144000.0) for i in range(20)]
    for year in range(4):
        for month in range(12):
            day = START + pd.DateOffset(years=year, months=month)
            for places, category, season in ((summer, "bruit", (5, 6, 7)), (winter, "dejections", (11, 0, 1))):
                n = 12 if month in season else 1
                for cx, cy in places:
                    xs.append(cx + rng.normal(0, 10, n))
                    ys.append(cy + rng.normal(0, 10, n))
                    whens.append(day + pd.to_timedelta(rng.uniform(0, 28, n), unit="D"))
                    cats += [category] * n
    bx, by, bw = _town(rng, 2000, 48)
    pts = _frame(np.r_[np.concatenate(xs), bx], np.r_[np.concatenate(ys), by],
                 pd.DatetimeIndex(np.concatenate(whens)).append(bw), np.r_[cats, ["autre"] * 2000])  # fmt: skip
    features = features_of(pts)
    june = time_of(pd.Timestamp("2026-06-01", tz="Europe/Brussels"), features.events.month0)
    in_summer = features.area.index_of(np.array([c[0] for c in summer]), np.array([c[1] for c in summer]))
    in_winter = features.area.index_of(np.array([c[0] for c in winter]), np.array([c[1] for c in winter]))
    choice = choose(features, june, 1.0)
    assert choice.params.seasonal
    seasonal = predict(features, june, 1.0, choice.params)
    flat = predict(features, june, 1.0, replace(choice.params, seasonal=False))
    assert seasonal[in_summer].min() > seasonal[in_winter].max()
    assert flat[in_summer].mean() < flat[in_winter].mean()
    test = features.events.counts(june, june + 1.0, features.area.n)
    k = cells_for(0.01, features.area.n)
    assert captured(seasonal, test, k) > 1.5 * captured(flat, test, k)


def test_fft_kernel_density_equals_the_direct_sum():
    rng = np.random.default_rng(6)
    x, y = rng.uniform(230000, 232000, 300), rng.uniform(140000, 142000, 300)
    pts = _frame(x, y, START + pd.to_timedelta(rng.uniform(0, 60, 300), unit="D"))
    features = features_of(pts)
    got = kde(features, 3.0, 200.0)
    counts = np.bincount(features.events.cell, minlength=features.area.n)
    sigma = 200.0 / 100.0
    dx = (features.area.ix[:, None] - features.area.ix[None, :]) / sigma
    dy = (features.area.iy[:, None] - features.area.iy[None, :]) / sigma
    weights = np.exp(-0.5 * (dx**2 + dy**2)) * ((np.abs(dx) <= 4) & (np.abs(dy) <= 4))
    reach = int(np.ceil(4 * sigma))
    norm = np.exp(-0.5 * (np.arange(-reach, reach + 1) / sigma) ** 2).sum() ** 2
    assert np.allclose(got, weights @ counts / norm, rtol=1e-6, atol=1e-9)


def test_tied_cells_at_the_cut_count_pro_rata():
    score = np.array([5.0, 2.0, 2.0, 2.0, 2.0, 0.0])
    test = np.array([1.0, 4.0, 0.0, 0.0, 0.0, 9.0])
    # two slots among four tied cells holding 4 test reports: half of them, whatever the row order
    assert captured(score, test, 3) == pytest.approx(1.0 + 2.0)
    assert captured(score[::-1], test[::-1], 3) == pytest.approx(3.0)


def test_month_only_dates_sit_mid_month_and_whole_months_are_tested():
    x = np.arange(24) * 200.0 + 230000.0
    when = pd.DatetimeIndex([pd.Timestamp(f"2022-{m:02d}-01", tz="Europe/Brussels") for m in range(1, 13)] * 2)
    pts = _frame(x, np.full(24, 140000.0), when)
    events = events_on(pts, footprint_area(pts.geometry.x, pts.geometry.y, crs=CRS))
    assert events.month_only and set(np.round(events.t % 1, 3)) == {0.5}
    assert events.end == 12.0  # December is a whole month of published data
    assert origins_for(events, 3, RollingOptions(min_train_months=3)) == [3, 4, 5, 6, 7, 8, 9]


def test_a_polygon_area_counts_its_cells_and_leaves_outside_events_out():
    import shapely

    square = shapely.box(230000, 140000, 231000, 141000)  # 1 km²
    area = polygon_area(square, crs=CRS, source="file")
    assert area.n == 100 and area.area_km2 == pytest.approx(1.0)
    inside = area.index_of(np.array([230050.0, 231500.0]), np.array([140050.0, 140050.0]))
    assert inside[0] >= 0 and inside[1] == -1


def test_every_method_ranks_the_same_cells_and_the_ceiling_is_reached_only_by_itself():
    result = rolling_backtest(_moving_places(7), options=RollingOptions(horizons=("mois",), max_origins=4))
    windows = result.windows
    assert set(windows["methode"]) == {MODEL, COUNT, KDE, CEILING}
    assert windows.groupby(["origine", "couverture"])["mailles"].nunique().eq(1).all()
    assert (windows.loc[windows["methode"] == CEILING, "PEI*"] == 1).all()
    summary = result.summary
    assert (summary["PAI_bas"] <= summary["PAI"]).all() and (summary["PAI"] <= summary["PAI_haut"]).all()
    assert len(result.params) == 4 and {"demi_vie_mois", "lissage_evenements", "bande_kde_m"} <= set(result.params[0])


def test_the_first_sensitive_points_capture_more_than_the_busiest_places():
    """Ten dumping corners cleaned up three months before the cut still hold the most reports; ten newer ones
    are where the next quarter's reports go. The points ranked by their forecast find the new ones; discs of
    the same areas placed where the most reports were (the count) sit on the old ones."""
    from service.analyse.backtest_points import points_vs_places

    rng = np.random.default_rng(8)
    bx, by, bw = _town(rng, 4000, 15)
    centres = [(230500.0 + 500 * (i % 10), 140500.0 + 2500 * (i // 10)) for i in range(20)]
    px, py, pw = _places(rng, centres, [(0, 9)] * 10 + [(6, 15)] * 10, per_month=8)
    pts = _frame(np.r_[bx, px], np.r_[by, py], bw.append(pw))
    cut = pd.Timestamp("2024-01-01", tz="Europe/Brussels").tz_convert("UTC")
    end = pd.Timestamp("2024-04-01", tz="Europe/Brussels").tz_convert("UTC")
    result = points_vs_places(pts, cut=cut, end=end, top=10)
    ours, count = result["points_sensibles"], result["comptage"]
    assert result["lieux"] == 10 and ours["aire_km2"] == pytest.approx(count["aire_km2"], rel=0.01)
    assert ours["captures"] > 1.5 * count["captures"]
    new_in_test = int(((pw >= cut) & (pw < end)).sum())  # only the new corners are still active
    assert ours["captures"] >= 0.9 * new_in_test


def test_a_sensitive_point_is_forecast_from_its_own_reports_not_its_cell_s_share(monkeypatch):
    """Two corners 40 m apart in one 100 m cell, 24 reports each: one active the first six months and silent for a
    year, the other active the last six. By share of the cell's reports both took half its forecast (the silent
    corner « 5,6 reports expected » a year after its last one); from their own reports, the active corner takes
    most, and the two still add up to the cell's forecast (the check of a stopped place, which leaves the silent
    corner nothing, is left out for that sum)."""
    from service.analyse import forecast as forecast_module
    from service.analyse.forecast import Features
    from service.analyse.place_forecast import place_forecasts

    monkeypatch.setattr(forecast_module, "STOP_LEVEL", 0.0)

    rng = np.random.default_rng(5)
    town = _moving_places(2)  # places that move: the repeat term is chosen
    old_x, old_y, old_w = _places(rng, [(238010.0, 143010.0)], [(0, 6)], per_month=4, spread=3.0)
    new_x, new_y, new_w = _places(rng, [(238050.0, 143050.0)], [(12, 18)], per_month=4, spread=3.0)
    corners = _frame(np.r_[old_x, new_x], np.r_[old_y, new_y], old_w.append(new_w))
    reports = gpd.GeoDataFrame(pd.concat([town, corners], ignore_index=True), crs=CRS)
    labels = np.r_[np.full(len(town), -1), np.zeros(len(old_x), int), np.ones(len(new_x), int)]
    now = (START + pd.Timedelta(days=18 * 30.44)).tz_convert("UTC")
    forecast, choice = place_forecasts(reports, labels, [0, 1], now=now)
    assert choice.params.half_life is not None
    assert forecast[1] > 3 * forecast[0] > 0  # by share of the cell: equal
    area = footprint_area(reports.geometry.x.to_numpy(), reports.geometry.y.to_numpy(), cell=100.0, crs=CRS)
    cells = area.index_of(corners.geometry.x.to_numpy(), corners.geometry.y.to_numpy())
    assert len(set(cells)) == 1  # one cell, and nothing else in it
    events = events_on(reports, area)
    expected = predict(Features(events, area), time_of(now, events.month0), 3.0, replace(choice.params, shrink=0.0))
    assert forecast[0] + forecast[1] == pytest.approx(expected[cells[0]], rel=1e-9)


def test_a_place_that_stopped_is_forecast_from_its_reports_since_then(monkeypatch):
    """Four corners of a town over 18 months, all busy the first year. One goes on (4 reports a month); one stops
    at month 12 (a camera); one falls from 8 a month to 1; one eases from 6 a month to 4. The stopped corner was
    still forecast several reports next quarter from its old ones: now nothing; the one that fell to 1 a month is
    forecast from its last six months; the two that go on keep the forecast they had."""
    from service.analyse import place_forecast
    from service.analyse.place_forecast import place_forecasts

    rng = np.random.default_rng(11)
    town = _steady_places(3)
    centres = [(231000.0, 141000.0), (233000.0, 141000.0), (235000.0, 141000.0), (231000.0, 145000.0)]
    lives = [[((0, 18), 4)], [((0, 12), 4)], [((0, 12), 8), ((12, 18), 1)], [((0, 12), 6), ((12, 18), 4)]]
    xs, ys, whens, labels = [], [], [], [np.full(len(town), -1)]
    for corner, (centre, spans) in enumerate(zip(centres, lives, strict=True)):
        for span, per_month in spans:
            x, y, w = _places(rng, [centre], [span], per_month=per_month, spread=4.0)
            xs.append(x), ys.append(y), whens.append(w), labels.append(np.full(len(x), corner))
    corners = _frame(np.concatenate(xs), np.concatenate(ys), pd.DatetimeIndex(np.concatenate(whens)))
    reports = gpd.GeoDataFrame(pd.concat([town, corners], ignore_index=True), crs=CRS)
    labels = np.concatenate(labels)
    now = (START + pd.Timedelta(days=18 * 30.44)).tz_convert("UTC")
    forecast, _ = place_forecasts(reports, labels, [0, 1, 2, 3], now=now)
    monkeypatch.setattr(place_forecast, "stopped_places", lambda *args: [])
    unchecked, _ = place_forecasts(reports, labels, [0, 1, 2, 3], now=now)
    assert unchecked[1] > 3 and forecast[1] == 0
    assert unchecked[2] > 6 and 1.0 < forecast[2] < 6.0  # one a month: three next quarter
    assert forecast[0] == unchecked[0] == pytest.approx(12, rel=0.4)
    assert forecast[3] == unchecked[3] > 8


def test_a_place_of_one_season_is_not_taken_for_a_place_that_stopped(monkeypatch):
    """A corner with reports every June to August (a summer's noise, garden burning), silent the rest of the year.
    On the first of May its last six months hold nothing of what its summers made it expect, and it was taken for a
    place that stopped: nothing expected, on the eve of its season. The same months of the year before were as
    quiet: the season, not a stop. A corner silent for a whole year is still a stop."""
    from service.analyse import place_forecast
    from service.analyse.place_forecast import place_forecasts

    rng = np.random.default_rng(12)
    bx, by, bw = _town(rng, 9000, 29)
    summers = [(5 + 12 * k, 8 + 12 * k) for k in range(2)]  # June to August 2023 and 2024
    sx, sy, sw = _places(rng, [(232000.0, 142000.0)] * 2, summers, per_month=6, spread=4.0)
    gx, gy, gw = _places(rng, [(234000.0, 144000.0)], [(0, 10)], per_month=6, spread=4.0)  # gone in Nov. 2023
    corners = _frame(np.r_[bx, sx, gx], np.r_[by, sy, gy], bw.append(sw).append(gw))
    labels = np.r_[np.full(len(bx), -1), np.zeros(len(sx), int), np.ones(len(gx), int)]
    now = pd.Timestamp("2025-05-01", tz="Europe/Brussels").tz_convert("UTC")
    forecast, choice = place_forecasts(corners, labels, [0, 1], now=now)
    assert not choice.params.seasonal  # the town's months are flat: the forecast does not see the season itself
    monkeypatch.setattr(place_forecast, "stopped_places", lambda *args: [])
    unchecked, _ = place_forecasts(corners, labels, [0, 1], now=now)
    assert forecast[0] == unchecked[0] > 2  # its own reports speak for it, as with no check
    assert unchecked[1] > 0.5 and forecast[1] == 0  # the corner gone for eighteen months expects nothing


def test_a_long_history_is_back_tested_on_its_latest_windows():
    """Twelve years of reports: the windows are the latest ones, the training behind them is the whole past."""
    rng = np.random.default_rng(10)
    bx, by, bw = _town(rng, 6000, 144)
    px, py, pw = _places(rng, [(232000.0, 142000.0), (234000.0, 144000.0)], [(0, 144)] * 2, per_month=3)
    pts = _frame(np.r_[bx, px], np.r_[by, py], bw.append(pw))
    result = rolling_backtest(pts, options=RollingOptions(horizons=("annee",), max_origins=3))
    assert sorted(result.windows["origine"].unique()) == ["2033-11", "2033-12", "2034-01"]
    assert result.gains["fenetres"].eq(3).all() and len(result.params) == 3


def _corners_that_stop(seed: int) -> tuple[gpd.GeoDataFrame, list[tuple[float, float]]]:
    """A town over 30 months (January 2023 to June 2025) with five busy corners: one steady (4 reports a month),
    one stopped at the end of November 2024 (8 a month: a camera), one fallen then from 8 a month to 1, one eased
    from 6 to 4, one busy every summer only (June to August, 6 a month); their centres in that order."""
    rng = np.random.default_rng(seed)
    bx, by, bw = _town(rng, 9000, 30)
    centres = [(231050.0, 141050.0), (233050.0, 141050.0), (235050.0, 141050.0), (231050.0, 145050.0)]
    lives = [[((0, 30), 4)], [((0, 23), 8)], [((0, 23), 8), ((23, 30), 1)], [((0, 23), 6), ((23, 30), 4)]]
    centres.append((233050.0, 145050.0))
    lives.append([((5, 8), 6), ((17, 20), 6)])
    xs, ys, whens = [bx], [by], [bw]
    for centre, spans in zip(centres, lives, strict=True):
        for span, per_month in spans:
            x, y, w = _places(rng, [centre], [span], per_month=per_month, spread=4.0)
            xs.append(x), ys.append(y), whens.append(w)
    return _frame(np.concatenate(xs), np.concatenate(ys), pd.DatetimeIndex(np.concatenate(whens))), centres


def test_a_cell_that_stopped_is_forecast_from_its_reports_since_then(monkeypatch):
    """On the first of June 2025, the corner silent for six months was still forecast more than the steady one
    from its old reports, and the one fallen to a report a month nearly as much: both are now forecast from their
    last six months; the steady corner, the one that eased off and the summer corner on the eve of its season (as
    quiet the same months a year before) keep the forecast they had."""
    from service.analyse import forecast as forecast_module

    pts, centres = _corners_that_stop(13)
    features = features_of(pts)
    cells = features.area.index_of(np.array([c[0] for c in centres]), np.array([c[1] for c in centres]))
    origin = time_of(pd.Timestamp("2025-06-01", tz="Europe/Brussels"), features.events.month0)
    params = ForecastParams(shrink=0.0)
    gone = features.stopped_cells(origin, params)
    assert gone[cells].tolist() == [False, True, True, False, False]
    checked = predict(features, origin, 3.0, params)
    monkeypatch.setattr(forecast_module, "STOP_LEVEL", 0.0)
    unchecked = predict(features_of(pts), origin, 3.0, params)
    steady, stopped, fallen, eased, summer = cells
    assert unchecked[stopped] > unchecked[steady] and checked[stopped] == 0
    assert unchecked[fallen] > 10 and 1.5 < checked[fallen] < 6  # a report a month: three next quarter
    for cell in (steady, eased, summer):
        assert checked[cell] == unchecked[cell] > 1


def test_the_back_test_counts_the_cells_that_stopped():
    """The rolling back-test says, for each origin, how many cells it forecast from their reports since they
    stopped: the corner's camera and the fallen corner among them once they have been quiet for a few months."""
    pts, _ = _corners_that_stop(14)
    result = rolling_backtest(pts, options=RollingOptions(horizons=("mois",), max_origins=24))
    stopped = {p["origine"]: p["mailles_arretees"] for p in result.params}
    assert len(stopped) == 24
    assert min(stopped[month] for month in ("2025-04", "2025-05", "2025-06")) >= 2


def test_the_map_s_forecast_cells_are_the_zone_s_first_shares_and_nothing_without_a_past():
    """The map's forecast layer (service.analyse.forecast_map): the first 1, 5 and 10 % of the area's cells by the
    forecast, the steady corner among the first and the corner that stopped six months ago not; no reports, or
    none before the day asked, draw nothing."""
    from service.analyse.forecast_map import forecast_cells

    pts, centres = _corners_that_stop(13)
    now = pd.Timestamp("2025-06-01", tz="Europe/Brussels")
    cells = forecast_cells(pts, now=now)
    n = cells.attrs["mailles_zone"]
    assert cells["classe"].value_counts().to_dict() == {
        "1 %": cells_for(0.01, n),
        "5 %": cells_for(0.05, n) - cells_for(0.01, n),
        "10 %": cells_for(0.10, n) - cells_for(0.05, n),
    }
    steady, stopped = (gpd.points_from_xy([x], [y])[0] for x, y in centres[:2])
    first = cells[cells["classe"] == "1 %"]
    assert first.contains(steady).any() and not cells.contains(stopped).any()
    assert cells.attrs["mailles_arretees"] >= 1 and cells.crs == pts.crs
    # its check: made three months earlier, the forecast's first 1 % received more of the months since than the
    # count's, which still held the corner that had stopped
    check = cells.attrs["controle"]
    first_share = check["parts"][0]
    assert check["mois"] == 3 and check["signalements"] > 100 and first_share["part"] == "1 %"
    assert first_share["prevision"] > first_share["comptage"]
    assert forecast_cells(pts.iloc[:0], now=now).empty
    assert forecast_cells(pts, now=pd.Timestamp("2022-01-01", tz="Europe/Brussels")).empty


def test_every_cell_is_kept_for_the_places_and_a_place_ranks_its_own_cells():
    """Every cell of the area is kept (its share none beyond the first 10 %), the first ones the same as without;
    a place's cells (here, the area's eastern half, where the steady corner is not) get their own first 10 %, by
    what each expects, the cells expecting nothing left out."""
    from service.analyse.forecast_map import forecast_cells, place_shares, shares_of

    pts, _centres = _corners_that_stop(13)
    now = pd.Timestamp("2025-06-01", tz="Europe/Brussels")
    first = forecast_cells(pts, now=now)
    every = forecast_cells(pts, now=now, every_cell=True)
    n = every.attrs["mailles_zone"]
    assert len(every) == n and list(every["rang"]) == list(range(1, n + 1))
    assert every["classe"].notna().sum() == len(first)
    assert (every.iloc[: len(first)]["attendus"].to_numpy() == first["attendus"].to_numpy()).all()
    assert every.iloc[: len(first)].geometry.geom_equals(first.geometry).all()
    # a place: the cells east of the middle, in the zone's order
    east = every[every.geometry.centroid.x > every.geometry.centroid.x.median()]
    kept, shares = place_shares(east["attendus"].to_numpy())
    m = len(east)
    assert len(kept) == cells_for(0.10, m) and list(kept) == list(range(len(kept)))
    assert list(shares).count("1 %") == cells_for(0.01, m)
    assert list(shares).count("5 %") == cells_for(0.05, m) - cells_for(0.01, m)
    assert len(set(east.iloc[kept]["rang"]) - set(first["rang"])) > 0  # cells of its own, beyond the zone's first
    # the shares of a handful of cells, nothing expected in some
    assert list(shares_of(np.array([5.0, 3.0, 0.0]))) == ["1 %", None, None]
    assert list(shares_of(np.array([4.0] * 30 + [0.0] * 10))) == ["1 %", "5 %"] + ["10 %"] * 2 + [None] * 36
    none, _ = place_shares(np.array([]))
    assert len(none) == 0


def test_a_place_is_checked_on_its_own_cells():
    """The check of any set of cells (the zone's, or a place's): of the reports received since the forecast was
    made, the share in the first 1, 5 and 10 % of those cells by that forecast, beside the plain count's; said
    with whose shares they are."""
    from service.analyse.forecast_map import CheckCells, check_of, check_words

    forecast = np.arange(100, 0, -1, dtype=float)  # the first cells first
    count = np.arange(100, dtype=float)  # the count prefers the last ones
    received = np.zeros(100)
    received[[0, 3, 50, 97]] = [4, 2, 3, 1]
    check = check_of(CheckCells(3.0, forecast, count, received))
    assert check == {
        "mois": 3.0,
        "signalements": 10,
        "parts": [
            {"part": "1 %", "prevision": 0.4, "comptage": 0.0},
            {"part": "5 %", "prevision": 0.6, "comptage": 0.1},
            {"part": "10 %", "prevision": 0.6, "comptage": 0.1},
        ],
    }
    said = check_words(check, where="du lieu")
    assert (
        said is not None
        and "cette prévision mettait dans ses 1\u00a0%, 5\u00a0% et 10\u00a0% du lieu 40\u00a0%" in said
    )
    assert said.endswith(
        "des 10 signalements qui ont suivi ; le comptage des signalements passés, 0\u00a0%, 10\u00a0% et 10\u00a0%."
    )
    assert check_of(CheckCells(3.0, forecast, count, np.zeros(100))) is None  # nothing received: nothing to check
    assert check_of(None) is None


def test_the_analysis_summary_says_the_map_s_forecast_in_words_even_when_there_is_none():
    """The run's summary row for the map's forecast: what it draws and its check; no past at all, no cells, said so
    (it failed on the missing figures)."""
    from rich.console import Console

    from service.cli.summary import analysis_table

    console = Console(record=True, width=300)
    facts = {"mailles": 672, "mailles_zone": 6722, "attendus_zone": 499.2, "horizon_mois": 3.0}
    check = "Vérifiée sur les 3 derniers mois : faite à leur début, cette prévision mettait …"
    console.print(analysis_table({"carte_prevision": {**facts, "controle_phrase": check}}))
    console.print(analysis_table({"carte_prevision": {"mailles": 0, "attendus_zone": 0.0}}))
    text = console.export_text()
    assert "672 mailles (les 10 % des 6 722 de la zone où le plus est attendu) ; 499,2 signalements attendus" in text
    assert "aux 3 prochains mois. Vérifiée sur les 3 derniers mois" in text
    assert "aucune maille (aucun signalement avant le jour de l'analyse)" in text
