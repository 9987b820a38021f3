"""The analysis on another city's data: long histories, any metric CRS, one rule for dates, an honest null."""

from __future__ import annotations

import json
import os
import subprocess

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from service.analyse.points import sensitive_points
from tests.helpers import run_cli, write
from tests.test_analyse import EXPOSURE, NOW_TS, _at_random_addresses, _centres, _planted, _reports

CHICAGO = (-87.6298, 41.8781)  # a city in UTM zone 16 north (EPSG:32616)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env)


def _city(rng: np.random.Generator, n: int = 1500, corners: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, is_planted) in EPSG:32616 around Chicago: a street grid of homes and ``corners`` dumping corners."""
    cx, cy = gpd.GeoSeries.from_xy([CHICAGO[0]], [CHICAGO[1]], crs="EPSG:4326").to_crs("EPSG:32616").iloc[0].coords[0]
    homes = np.column_stack([rng.integers(-40, 40, 3000) * 100.0 + cx, rng.integers(-40, 40, 3000) * 100.0 + cy])
    pick = homes[rng.integers(0, len(homes), n)] + rng.normal(0, 8, (n, 2))
    centres = [(cx + 1234.0, cy - 876.0), (cx - 2210.0, cy + 1530.0)][:corners]
    px, py = _planted(rng, centres, per=40)
    planted = np.r_[np.zeros(n, bool), np.ones(len(px), bool)]
    return np.r_[pick[:, 0], px], np.r_[pick[:, 1], py], planted


# --- item 8: a zone with 15 years of reports can be analysed --------------------------------------------------


def test_fifteen_years_of_history_are_analysed_with_their_trends():
    from service.analyse.significance import local_hotspots
    from service.analyse.trends import emerging_hotspots

    rng = np.random.default_rng(81)
    years = 15 * 365.25
    bx, by = _at_random_addresses(3000, rng)
    when = list(NOW_TS - pd.to_timedelta(rng.uniform(1, years, len(bx)), unit="D"))
    (ax, ay), (hx, hy) = _centres()[:2]
    xs, ys = [bx, ax + rng.normal(0, 12, 1500), hx + rng.normal(0, 12, 1000)], [by, ay + rng.normal(0, 12, 1500)]
    ys.append(hy + rng.normal(0, 12, 1000))
    when += list(NOW_TS - pd.to_timedelta(rng.uniform(1, years, 1500), unit="D"))  # all along
    when += list(NOW_TS - pd.to_timedelta(rng.uniform(5 * 365.25, years, 1000), unit="D"))  # stopped 5 years ago
    x, y = np.concatenate(xs), np.concatenate(ys)
    ex = (EXPOSURE.geometry.x.to_numpy(), EXPOSURE.geometry.y.to_numpy())
    grid = local_hotspots(x, y, exposure_xy=ex)
    cube = emerging_hotspots(
        x, y, pd.Series(when), x0=grid.attrs["x0"], y0=grid.attrs["y0"], shape=grid.attrs["shape"],
        exposure_xy=ex, end=NOW_TS,
    )  # fmt: skip
    assert cube["steps"].iloc[0] == round(years / 56)  # equal ~8-week steps over the whole 15 years

    def at(cx: float, cy: float) -> pd.DataFrame:
        ix, iy = int((cx - grid.attrs["x0"]) // 100), int((cy - grid.attrs["y0"]) // 100)
        return cube[(cube["ix"] == ix) & (cube["iy"] == iy)]

    assert at(hx, hy)["category"].tolist() == ["historique"]
    assert at(ax, ay)["hot_steps"].iloc[0] >= 0.8 * cube["steps"].iloc[0]
    pts = gpd.GeoDataFrame(
        {"id": np.arange(len(x)), "category": "depot_clandestin", "observed_at": when},
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:31370",
    )
    found = sensitive_points(pts, exposure=EXPOSURE, now=NOW_TS)
    assert len(found) == 2 and "historique" in set(found["trend"])
    assert pd.to_datetime(found["first_report"]).min() < NOW_TS - pd.Timedelta(days=14 * 365)


def test_fifteen_years_through_the_command(tmp_path):
    rng = np.random.default_rng(82)
    bx, by = _at_random_addresses(1200, rng)
    px, py = _planted(rng, _centres()[:2], per=60)
    g = gpd.GeoSeries(gpd.points_from_xy(np.r_[bx, px], np.r_[by, py]), crs="EPSG:31370").to_crs(4326)
    dates = NOW_TS - pd.to_timedelta(rng.uniform(1, 15 * 365.25, len(g)), unit="D")
    rows = [f"{d:%Y-%m-%dT%H:%M:%S},depot_clandestin,{p.x:.7f},{p.y:.7f}" for d, p in zip(dates, g, strict=True)]
    src = write(tmp_path / "quinze_ans.csv", "date,category,lon,lat\n" + "\n".join(rows) + "\n")
    done = _cli("analyse", "--input", str(src), "--out", str(tmp_path / "out"), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["points"] == len(g)


# --- item 9: any metric CRS, WGS84 GeoJSON out, with the representative point -----------------------------------


def _chicago_file(tmp_path, rng, *, xy: bool) -> tuple:
    x, y, planted = _city(rng)
    dates = NOW_TS - pd.to_timedelta(rng.uniform(1, 600, len(x)), unit="D")
    if xy:
        rows = [f"{d:%Y-%m-%dT%H:%M:%S},graffiti,{a:.2f},{b:.2f}" for d, a, b in zip(dates, x, y, strict=True)]
        return write(tmp_path / "chicago_xy.csv", "date,category,x,y\n" + "\n".join(rows) + "\n"), x, y, planted
    g = gpd.GeoSeries(gpd.points_from_xy(x, y), crs="EPSG:32616").to_crs(4326)
    rows = [f"{d:%Y-%m-%dT%H:%M:%S},graffiti,{p.x:.7f},{p.y:.7f}" for d, p in zip(dates, g, strict=True)]
    return write(tmp_path / "chicago.csv", "date,category,lon,lat\n" + "\n".join(rows) + "\n"), x, y, planted


@pytest.mark.parametrize(("xy", "crs"), [(False, "EPSG:32616"), (True, "EPSG:32616"), (False, None)])
def test_analyse_in_another_crs_writes_wgs84_with_the_point(tmp_path, xy, crs):
    src, *_ = _chicago_file(tmp_path, np.random.default_rng(91), xy=xy)
    out = tmp_path / "out"
    done = _cli("analyse", "--input", str(src), "--out", str(out), "--json", *(["--crs", crs] if crs else []))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["crs"] == "EPSG:32616"  # given, or the UTM zone of the points when lon/lat and no --crs
    found = gpd.read_file(out / "sensitive_points.geojson")
    assert found.crs.to_epsg() == 4326 and len(found) == 2
    # each hull carries its representative point, inside it, in Chicago
    for row in found.itertuples():
        assert row.geometry.contains(shapely.Point(row.point_lon, row.point_lat))
        assert abs(row.point_lon - CHICAGO[0]) < 0.1 and abs(row.point_lat - CHICAGO[1]) < 0.1


def test_degrees_are_refused_by_the_pure_function_with_a_reason():
    pts = gpd.GeoDataFrame(
        {"category": ["graffiti"] * 12, "observed_at": [NOW_TS] * 12},
        geometry=gpd.points_from_xy(np.linspace(5.5, 5.6, 12), np.linspace(50.6, 50.7, 12)),
        crs="EPSG:4326",
    )
    with pytest.raises(ValueError, match="système métrique"):
        sensitive_points(pts, now=NOW_TS)


def test_an_unknown_or_degree_crs_for_metres_is_refused(tmp_path):
    src, *_ = _chicago_file(tmp_path, np.random.default_rng(92), xy=True)
    done = _cli("analyse", "--input", str(src), "--out", str(tmp_path / "o"), "--crs", "EPSG:999999")
    assert done.returncode == 2 and "--crs « EPSG:999999 » : système de coordonnées inconnu" in done.stderr
    feet = _cli("analyse", "--input", str(src), "--out", str(tmp_path / "o"), "--crs", "EPSG:2263")
    assert feet.returncode == 2 and "n'est pas un système métrique" in feet.stderr


# --- item 10: one rule for dates, written in the help ------------------------------------------------------------


def _days_file(tmp_path):
    """Reports every day of March 2026 at 23:30 Brussels time (the hour that a UTC cut would misplace)."""
    rng = np.random.default_rng(101)
    bx, by = _at_random_addresses(31 * 20, rng)
    g = gpd.GeoSeries(gpd.points_from_xy(bx, by), crs="EPSG:31370").to_crs(4326)
    days = np.repeat(pd.date_range("2026-03-01", "2026-03-31"), 20)
    rows = [f"{d:%Y-%m-%d}T23:30:00,graffiti,{p.x:.7f},{p.y:.7f}" for d, p in zip(days, g, strict=True)]
    return write(tmp_path / "mars.csv", "date,category,lon,lat\n" + "\n".join(rows) + "\n")


def test_the_last_day_named_is_included_in_analyse_and_backtest(tmp_path):
    src = _days_file(tmp_path)
    done = _cli(
        "analyse", "--input", str(src), "--out", str(tmp_path / "a"), "--json",
        "--depuis", "2026-03-10", "--jusqua", "2026-03-20",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["points"], summary["hors_fenetre"]) == (11 * 20, 20 * 20)  # 10th to 20th, both included
    done = _cli(
        "backtest", "--input", str(src), "--train-until", "2026-03-20", "--test-until", "2026-03-25", "--json",
        "--horizons", "mois",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["apprentissage"], result["test"]) == (20 * 20, 5 * 20)
    assert (result["train_until"], result["test_until"]) == ("2026-03-20", "2026-03-25")


@pytest.mark.parametrize("command", ["analyse", "backtest"])
def test_the_date_rule_is_in_the_help(command):
    done = _cli(command, "--help", env={**os.environ, "COLUMNS": "250"})
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert text.count("jour compris") >= 2, text


# --- item 12: without exposure, the null is uniform over the event footprint, not the bounding box ----------------


def test_reports_where_people_live_are_not_sensitive_points_under_the_footprint_null():
    rng = np.random.default_rng(2)
    pts = _reports(*_at_random_addresses(4000, rng), rng)
    found = sensitive_points(pts, now=NOW_TS)
    assert found.attrs["null"] == "footprint"
    # 4000 reports over the 100 m cells they touch, not over the ~150 km² box around Seraing and Neupré
    cells = len(np.unique(np.floor(np.c_[pts.geometry.x, pts.geometry.y] / 100), axis=0))
    assert found.attrs["null_area_km2"] == pytest.approx(cells / 100, rel=0.02)
    # the bounding-box null put two thirds of these ordinary reports inside "sensitive points"
    assert found["n_reports"].sum() / len(pts) < 0.2


def test_the_summary_says_which_null_was_used(tmp_path):
    src, *_ = _chicago_file(tmp_path, np.random.default_rng(93), xy=False)
    done = _cli("analyse", "--input", str(src), "--out", str(tmp_path / "out"), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["null"] == "footprint" and 0 < summary["null_area_km2"] < 100
    written = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert written["null"] == "footprint"


@pytest.mark.parametrize(
    ("written", "month"),
    [
        ("2022-03", "2022-03-01"),
        ("2022/3", "2022-03-01"),
        ("03/2022", "2022-03-01"),
        ("3-2022", "2022-03-01"),
        ("03.2022", "2022-03-01"),
        ("mars 2022", "2022-03-01"),
        ("Mar-22", "2022-03-01"),
        ("maart 2022", "2022-03-01"),
        ("March 2022", "2022-03-01"),
        ("févr. 2022", "2022-02-01"),
        ("2022-03-17", "2022-03-17"),
    ],
)
def test_a_month_column_is_read_as_spreadsheets_and_people_write_it(tmp_path, written, month):
    """A month-only file kept in a Belgian spreadsheet writes « 03/2022 » or « mars 2022 », an English one
    « Mar-22 » (Excel's mmm-yy): every row was left out (« aucun point utilisable »). Each is now the first of its
    month; a whole date in the same column keeps its day; a month that does not exist is a row left out, named."""
    from service.ingest.points import read_points

    src = tmp_path / "mois.csv"
    src.write_text(f"mois;lon;lat\n{written};5,5120;50,6098\n13/2022;5,5121;50,6099\n", encoding="utf-8")
    points = read_points(src)
    assert len(points) == 1
    day = pd.Timestamp(points["observed_at"].iloc[0]).tz_convert("Europe/Brussels")
    assert day.strftime("%Y-%m-%d %H:%M") == f"{month} 00:00"
    assert points.attrs["left_out"]["sans_date"] == {"lignes": 1, "premieres": [3]}
