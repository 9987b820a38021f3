"""Looking at an analysis: concentration curves, trend cells and the parameter sweep, on planted data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from service.analyse.axes import network_from_addresses, segment
from service.analyse.explore import (
    concentration_by_area,
    concentration_by_street,
    parameter_sweep,
    share_needed,
    trend_cells,
)
from tests.test_analyse import ADDRESSES, EXPOSURE, NOW_TS, _at_random_addresses, _centres, _planted, _reports


def _streets():
    named = EXPOSURE.assign(street=ADDRESSES["street"].to_numpy(), municipality=ADDRESSES["municipality"].to_numpy())
    return segment(network_from_addresses(named))


SEGMENTS = _streets()


def test_the_curve_of_reports_on_one_corner_rises_at_once():
    rng = np.random.default_rng(1)
    cx, cy = _centres()[0]
    corner = _reports(cx + rng.normal(0, 5, 300), cy + rng.normal(0, 5, 300), rng)
    curve = concentration_by_area(corner, exposure=EXPOSURE)
    assert curve.iloc[0].tolist() == [0.0, 0.0] and curve.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
    assert np.all(np.diff(curve["part_signalements"]) >= 0) and np.all(np.diff(curve["part_surface"]) > 0)
    # 300 reports within a few metres: at most 4 cells of 100 m (a corner may straddle a cell line) hold them all
    assert share_needed(curve, 1.0) <= 4 / curve.attrs["cells"]
    assert curve.attrs["reports_in_area"] == 300


def test_reports_spread_like_the_addresses_are_barely_concentrated_and_planted_corners_are():
    rng = np.random.default_rng(2)
    spread = _reports(*_at_random_addresses(3000, rng), rng)
    flat = share_needed(concentration_by_area(spread, exposure=EXPOSURE))
    hot = _reports(*_planted(rng, _centres(), per=400, radius=20.0), rng)
    mixed = pd.concat([spread, hot], ignore_index=True)
    concentrated = share_needed(concentration_by_area(mixed, exposure=EXPOSURE))
    assert concentrated < flat / 2, (concentrated, flat)


def test_the_street_curve_counts_length_and_only_reports_near_a_street():
    rng = np.random.default_rng(3)
    on_streets = _reports(*_at_random_addresses(2000, rng, jitter=3.0), rng)
    far = _reports(np.full(50, 10_000.0), np.full(50, 10_000.0), rng)  # nowhere near the zone's streets
    curve = concentration_by_street(pd.concat([on_streets, far], ignore_index=True), SEGMENTS)
    assert curve.attrs["reports_on_streets"] <= 2000 and curve.attrs["segments"] == len(SEGMENTS)
    assert curve.attrs["length_m"] == pytest.approx(SEGMENTS.length.sum())
    assert curve["part_longueur"].iloc[-1] == pytest.approx(1.0)
    # busiest metres first: the curve is concave (its slope never rises)
    slopes = np.diff(curve["part_signalements"]) / np.diff(curve["part_longueur"])
    assert np.all(np.diff(slopes) <= 1e-9)


def test_trend_cells_are_squares_with_the_emerging_categories():
    rng = np.random.default_rng(4)
    background = _reports(*_at_random_addresses(1500, rng), rng)
    cx, cy = _centres()[1]
    recent = _reports(cx + rng.normal(0, 10, 120), cy + rng.normal(0, 10, 120), rng, days=40)
    cells = trend_cells(pd.concat([background, recent], ignore_index=True), exposure=EXPOSURE, now=NOW_TS)
    assert len(cells) > 0 and cells.crs.to_epsg() == 31370
    assert set(cells.geom_type) == {"Polygon"} and np.allclose(cells.area, 100 * 100)
    hit = cells[cells.contains(shapely.Point(cx, cy))]
    assert len(hit) == 1 and hit["category"].iloc[0] in {"nouveau", "consecutif", "en_intensification"}


def test_the_sweep_runs_both_null_models_and_the_exposure_one_finds_nothing_on_reports_that_follow_people():
    rng = np.random.default_rng(5)
    spread = _reports(*_at_random_addresses(3000, rng), rng)
    sweep = parameter_sweep(spread, exposure=EXPOSURE, eps_values=(40.0, 60.0), now=NOW_TS, segments=SEGMENTS)
    assert list(sweep["modele_nul"]) == ["emprise", "emprise", "exposition", "exposition"]
    assert list(sweep["eps_m"]) == [40.0, 60.0, 40.0, 60.0]
    exposure_rows = sweep[sweep["modele_nul"] == "exposition"]
    # reports that follow the inhabitants: nothing for the exposure model
    assert (exposure_rows["points"] + exposure_rows["etirements"]).sum() == 0
    planted = pd.concat([spread, _reports(*_planted(rng, _centres(), per=60), rng)], ignore_index=True)
    found = parameter_sweep(planted, exposure=EXPOSURE, eps_values=(60.0,), now=NOW_TS, segments=SEGMENTS)
    assert (found["points"] + found["etirements"] >= 4).all(), found  # the planted corners, by either model
    assert sweep["part_des_signalements"].between(0, 1).all()
    with pytest.raises(ValueError, match="modèle nul"):
        parameter_sweep(spread, exposure=EXPOSURE, null_models=("gaussien",))
    without = parameter_sweep(spread, exposure=None, eps_values=(60.0,), now=NOW_TS)
    assert list(without["modele_nul"]) == ["emprise"]
