"""HDBSCAN, per-category points, stretches along a street, axis identities and the back-test of the axes, on
planted truth over the real addresses of Seraing and Neupré."""

from __future__ import annotations

import json
import subprocess

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from service.analyse.axes import network_from_addresses, problem_axes, segment
from service.analyse.backtest_axes import METHODS, backtest_axes
from service.analyse.identity import Lifecycle, assign_axis_identities
from service.analyse.points import CRS, PointParams, sensitive_points, sensitive_points_by_category
from service.analyse.store import run_points
from service.analyse.stretches import attach_stretches, split_stretches
from service.api.geojson import statement
from service.geocode.gazetteer import load_gazetteer
from tests.conftest import ROOT
from tests.helpers import NOW, ingest, run_cli, write
from tests.test_analyse import ADDRESSES, EXPOSURE, NOW_TS, _at_random_addresses, _centres, _planted, _reports

HDBSCAN = PointParams(algorithm="hdbscan")
STREETS = gpd.GeoDataFrame(ADDRESSES[["street", "municipality"]], geometry=EXPOSURE.geometry.to_numpy(), crs=CRS)
NETWORK = network_from_addresses(STREETS)
SEGMENTS = segment(NETWORK)


def _recall_precision(found: gpd.GeoDataFrame, centres: list[tuple[float, float]]) -> tuple[float, float]:
    truth = np.array(centres)
    got = np.array([(p.x, p.y) for p in found["point"]]).reshape(-1, 2)
    if len(got) == 0:
        return 0.0, 0.0
    d = np.hypot(got[:, None, 0] - truth[None, :, 0], got[:, None, 1] - truth[None, :, 1])
    return float((d.min(axis=0) < 60).mean()), float((d.min(axis=1) < 60).mean())


def _longest(street: str) -> shapely.LineString:
    lines = NETWORK[NETWORK["street"] == street]
    return lines.geometry.iloc[int(np.argmax(lines.length))]


def _along(street: str, start: float, stop: float, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """``n`` reports spread along the longest derived line of ``street`` between ``start`` and ``stop`` metres."""
    line = _longest(street)
    at = shapely.line_interpolate_point(line, rng.uniform(start, stop, n))
    return shapely.get_x(at) + rng.normal(0, 5, n), shapely.get_y(at) + rng.normal(0, 5, n)


@pytest.mark.parametrize("seed", [3, 13])
def test_hdbscan_finds_the_planted_clusters(seed):
    rng = np.random.default_rng(seed)
    bx, by = _at_random_addresses(3000, rng)
    px, py = _planted(rng, _centres())
    pts = _reports(np.concatenate([bx, px]), np.concatenate([by, py]), rng)
    found = sensitive_points(pts, exposure=EXPOSURE, params=HDBSCAN, now=NOW_TS)
    assert _recall_precision(found, _centres()) == (1.0, 1.0)
    assert found.attrs["algorithm"] == "hdbscan" and found.attrs["min_cluster_size"] >= 4
    # each place holds most of its 40 planted reports, not a handful of them
    assert (found["n_reports"] >= 30).all()


def test_hdbscan_finds_nothing_in_noise():
    rng = np.random.default_rng(1)
    b = EXPOSURE.total_bounds
    uniform = _reports(rng.uniform(b[0], b[2], 3000), rng.uniform(b[1], b[3], 3000), rng)
    assert sensitive_points(uniform, params=HDBSCAN, now=NOW_TS).empty
    at_homes = _reports(*_at_random_addresses(4000, rng), rng)
    assert sensitive_points(at_homes, exposure=EXPOSURE, params=HDBSCAN, now=NOW_TS).empty


def test_unknown_algorithm_is_refused():
    with pytest.raises(ValueError, match="algorithme « optics » inconnu"):
        PointParams(algorithm="optics")


def test_per_category_points_carry_their_category():
    rng = np.random.default_rng(21)
    bx, by = _at_random_addresses(3000, rng)
    background = _reports(bx, by, rng, category="sacs_hors_jour")
    gx, gy = _planted(rng, _centres()[:2], per=30)
    graffiti = _reports(gx, gy, rng, category="graffiti")
    dx, dy = _planted(rng, _centres()[2:4], per=30)
    dumping = _reports(dx, dy, rng, category="depot_clandestin")
    pts = gpd.GeoDataFrame(pd.concat([background, graffiti, dumping], ignore_index=True), crs=CRS)
    for params in (PointParams(), HDBSCAN):
        found = sensitive_points_by_category(pts, exposure=EXPOSURE, params=params, now=NOW_TS)
        assert set(found["category_scope"]) == {"toutes", "graffiti", "depot_clandestin"}
        for category, centres in (("graffiti", _centres()[:2]), ("depot_clandestin", _centres()[2:4])):
            own = found[found["category_scope"] == category]
            assert _recall_precision(own, centres) == (1.0, 1.0), (params.algorithm, category)
            assert (own["main_category"] == category).all()
            assert all(set(c) == {category} for c in own["categories"])
        # across categories a 30-report corner can drown in 3000 ordinary reports; no false point either way
        recall, precision = _recall_precision(found[found["category_scope"] == "toutes"], _centres()[:4])
        assert precision == 1.0 and recall >= 0.5
    alone = sensitive_points_by_category(pts, by_category=False, exposure=EXPOSURE, now=NOW_TS)
    assert set(alone["category_scope"]) == {"toutes"}


def _stretch_and_corner(rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, tuple[float, float]]:
    bx, by = _at_random_addresses(3000, rng)
    sx, sy = _along("Rue Ferrer", 100, 500, 150, rng)  # 400 m of one street
    corner = _centres()[1]
    cx, cy = _planted(rng, [corner], per=50)
    return _reports(np.concatenate([bx, sx, cx]), np.concatenate([by, sy, cy]), rng), corner


@pytest.mark.parametrize("algorithm", ["dbscan", "hdbscan"])
def test_a_stretch_along_a_street_is_an_axis_and_a_corner_stays_a_point(algorithm):
    pts, corner = _stretch_and_corner(np.random.default_rng(11))
    found = sensitive_points(
        pts, exposure=EXPOSURE, params=PointParams(algorithm=algorithm), now=NOW_TS, segments=SEGMENTS
    )
    points, stretches = split_stretches(found, SEGMENTS)
    assert list(stretches["street"]) == ["Rue Ferrer"]
    stretch = stretches.iloc[0]
    assert stretch["length_m"] >= 300 and stretch["length_m"] / stretch["width_m"] >= 3
    assert stretch["street_share"] >= 0.9 and stretch["n_reports"] >= 140
    # the corner stays a point, and it is the only point
    assert _recall_precision(points, [corner]) == (1.0, 1.0)
    assert (points["kind"] == "point").all() and points["length_m"].iloc[0] < 120
    axes, segment_stats = problem_axes(pts, SEGMENTS, exposure=STREETS)
    with_stretch = attach_stretches(axes, stretches, segment_stats)
    ferrer = with_stretch[with_stretch["street"] == "Rue Ferrer"]
    assert len(ferrer) == 1 and ferrer["origin"].iloc[0] == "troncons+grappe"
    assert ferrer["cluster_reports"].iloc[0] == stretch["n_reports"]
    assert len(with_stretch) == len(axes)  # attached, not added


@pytest.mark.parametrize("algorithm", ["dbscan", "hdbscan"])
@pytest.mark.parametrize("street", ["Avenue Davy", "Rue des Nations", "Rue du Cornillon"])
def test_reports_spread_evenly_along_a_curved_street_make_an_axis_not_a_point(street, algorithm):
    """A street that bends: its reports' rectangle is not thin (Avenue Davy: about 190 × 160 m), yet they are
    spread along 450 m of it; the old rule made it a large point beside the axis."""
    rng = np.random.default_rng(11)
    bx, by = _at_random_addresses(3000, rng)
    line = _longest(street)
    sx, sy = _along(street, 0, min(line.length, 450), 160, rng)
    corner = next(c for c in _centres() if line.distance(shapely.Point(c)) > 500)
    cx, cy = _planted(rng, [corner], per=50)  # a dumping corner elsewhere stays a point
    pts = _reports(np.r_[bx, sx, cx], np.r_[by, sy, cy], rng)
    found = sensitive_points(
        pts, exposure=EXPOSURE, params=PointParams(algorithm=algorithm), now=NOW_TS, segments=SEGMENTS
    )
    points, stretches = split_stretches(found, SEGMENTS)
    assert list(stretches["street"]) == [street]
    assert stretches["n_reports"].iloc[0] >= 140 and stretches["street_spread_m"].iloc[0] >= 300
    assert (points["street"] != street).all()  # no sensitive point left beside the axis
    assert _recall_precision(points, [corner]) == (1.0, 1.0)
    axes, segment_stats = problem_axes(pts, SEGMENTS, exposure=STREETS)
    with_stretch = attach_stretches(axes, stretches, segment_stats)
    assert with_stretch.loc[with_stretch["street"] == street, "origin"].isin(["troncons+grappe", "grappe"]).any()


def test_a_corner_on_a_curved_street_stays_a_point():
    rng = np.random.default_rng(12)
    bx, by = _at_random_addresses(3000, rng)
    line = _longest("Avenue Davy")
    corner = shapely.line_interpolate_point(line, 200).coords[0]
    cx, cy = _planted(rng, [corner], per=60)
    sx, sy = _along("Avenue Davy", 0, line.length, 12, rng)  # a few ordinary reports up and down the street
    pts = _reports(np.r_[bx, cx, sx], np.r_[by, cy, sy], rng)
    found = sensitive_points(pts, exposure=EXPOSURE, now=NOW_TS, segments=SEGMENTS)
    points, stretches = split_stretches(found, SEGMENTS)
    assert stretches.empty and _recall_precision(points, [corner]) == (1.0, 1.0)


def test_a_stretch_with_no_axis_of_its_own_becomes_one():
    pts, _corner = _stretch_and_corner(np.random.default_rng(11))
    found = sensitive_points(pts, exposure=EXPOSURE, now=NOW_TS, segments=SEGMENTS)
    _points, stretches = split_stretches(found, SEGMENTS)
    axes, segment_stats = problem_axes(pts, SEGMENTS, exposure=STREETS)
    without_ferrer = axes[axes["street"] != "Rue Ferrer"]
    added = attach_stretches(without_ferrer, stretches, segment_stats)
    new = added[added["origin"] == "grappe"]
    assert list(new["street"]) == ["Rue Ferrer"] and len(added) == len(without_ferrer) + 1
    # made of the street's segments that hold the stretch: as long as it, and holding its reports
    assert new["length_m"].iloc[0] >= 300
    assert new["reports"].iloc[0] >= 0.9 * stretches["n_reports"].iloc[0]


def test_without_streets_every_cluster_stays_a_point():
    pts, _corner = _stretch_and_corner(np.random.default_rng(11))
    found = sensitive_points(pts, exposure=EXPOSURE, now=NOW_TS)
    assert (found["kind"] == "point").all() and found["street"].isna().all()
    assert (found["length_m"] >= 300).any()  # the stretch is there, as a long point


def test_axis_identities_follow_the_street():
    line, other = _longest("Rue Ferrer"), _longest("Rue de la Boverie")
    assert line.length > 900
    previous = gpd.GeoDataFrame(
        {
            "id": ["AX-0001", "AX-0002"],
            "state": ["actif", "resolu"],
            "street": ["Rue Ferrer", "Rue de la Boverie"],
            "municipality": ["Seraing", "Seraing"],
            "last_report": [NOW_TS] * 2,
        },
        geometry=[shapely.ops.substring(line, 0, 300), shapely.ops.substring(other, 0, 200)],
        crs=CRS,
    )
    current = gpd.GeoDataFrame(
        {"street": ["Rue Ferrer", "Rue de la Boverie", "Rue Ferrer"], "municipality": ["Seraing"] * 3},
        geometry=[
            shapely.ops.substring(line, 100, 400),  # grew by one segment, lost one: the same axis
            shapely.ops.substring(other, 0, 200),  # back after being resolved
            shapely.ops.substring(line, 600, 800),  # the same street, farther on: another axis
        ],
        crs=CRS,
    )
    done = assign_axis_identities(current, previous, Lifecycle(NOW_TS))
    assert list(zip(done["id"], done["state"], strict=True)) == [
        ("AX-0001", "actif"),
        ("AX-0002", "reouvert"),
        ("AX-0003", "nouveau"),
    ]


def _ingest_points(conn, settings, path, x, y, rng, first_id=0, categories=None):
    lon, lat = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=CRS).to_crs("EPSG:4326").pipe(lambda g: (g.x, g.y))
    dates = (NOW_TS - pd.to_timedelta(rng.uniform(1, 600, len(x)), unit="D")).tz_convert("Europe/Brussels")
    categories = ["depot_clandestin"] * len(x) if categories is None else categories
    lines = ["id;date;categorie;lon;lat"] + [
        f"R{first_id + i};{d:%d/%m/%Y %H:%M};{c};{a:.7f};{b:.7f}"
        for i, (d, c, a, b) in enumerate(zip(dates, categories, lon, lat, strict=True))
    ]
    ingest(conn, settings, write(path, "\n".join(lines) + "\n"))


def test_database_axes_keep_their_ids_and_a_new_street_gets_a_new_one(conn, settings, tmp_path):
    rng = np.random.default_rng(31)
    load_gazetteer(conn, [ROOT / "geodata" / "icar_seraing_neupre.csv"])
    bx, by = _at_random_addresses(1500, rng)
    sx, sy = _along("Rue Ferrer", 0, 600, 120, rng)
    _ingest_points(conn, settings, tmp_path / "a.csv", np.concatenate([bx, sx]), np.concatenate([by, sy]), rng)
    since = NOW - pd.Timedelta(days=730)
    first = run_points(conn, since=since, now=NOW_TS)
    axes_1 = dict(conn.execute("SELECT id, street FROM problem_axes WHERE state = 'nouveau'").fetchall())
    assert "Rue Ferrer" in axes_1.values() and first["etats_axes"] == {"nouveau": len(axes_1)}
    conn.commit()  # as the command does; the next import starts with a rollback
    # a few more reports on the same street, and a new problem street
    ax, ay = _along("Rue Ferrer", 0, 600, 10, rng)
    nx, ny = _along("Rue de la Boverie", 0, 600, 120, rng)
    _ingest_points(
        conn, settings, tmp_path / "b.csv", np.concatenate([ax, nx]), np.concatenate([ay, ny]), rng, first_id=10_000
    )
    second = run_points(conn, since=since, now=NOW_TS)
    axes_2 = conn.execute("SELECT id, street, state FROM problem_axes ORDER BY id").fetchall()
    ferrer_1 = {i for i, s in axes_1.items() if s == "Rue Ferrer"}
    assert {i for i, s, st in axes_2 if s == "Rue Ferrer" and st == "actif"} == ferrer_1
    boverie = [(i, st) for i, s, st in axes_2 if s == "Rue de la Boverie"]
    assert boverie and all(st == "nouveau" and i not in axes_1 for i, st in boverie)
    assert second["etats_axes"].get("nouveau", 0) >= 1
    history = conn.execute(
        "SELECT count(DISTINCT run_id), count(DISTINCT axis_id) FROM problem_axis_history"
    ).fetchone()
    assert history == (2, len(axes_2))
    api = conn.execute("SELECT count(*) FROM problem_axes WHERE first_run_id = %s", (first["run"],)).fetchone()
    assert api[0] == len(axes_1)


def test_database_per_category_points_are_stored_apart_and_keep_their_ids(conn, settings, tmp_path):
    rng = np.random.default_rng(41)
    load_gazetteer(conn, [ROOT / "geodata" / "icar_seraing_neupre.csv"])
    bx, by = _at_random_addresses(1500, rng)
    gx, gy = _planted(rng, _centres()[:2], per=30)
    cats = ["sacs_hors_jour"] * len(bx) + ["graffiti"] * len(gx)
    x, y = np.concatenate([bx, gx]), np.concatenate([by, gy])
    _ingest_points(conn, settings, tmp_path / "a.csv", x, y, rng, categories=cats)
    since = NOW - pd.Timedelta(days=730)
    first = run_points(conn, since=since, now=NOW_TS, by_category=True)
    stored = conn.execute("SELECT id, category_scope, main_category FROM sensitive_points ORDER BY id").fetchall()
    graffiti = [(i, m) for i, scope, m in stored if scope == "graffiti"]
    assert len(graffiti) == 2 and all(m == "graffiti" for _i, m in graffiti)
    assert first["points_par_categorie"] == sum(1 for _i, scope, _m in stored if scope != "toutes")
    assert len({i for i, _s, _m in stored}) == len(stored)  # one sequence of ids for every search
    query = statement("sensitive_points", {})
    filters = {"states": None, "min_priority": None, "category": None, "trends": None, "places": None, "postcodes": []}
    listed = {f["id"] for f in conn.execute(query, {**filters, "scope": "toutes"}).fetchone()[0]["features"]}
    assert listed == {i for i, scope, _m in stored if scope == "toutes"}
    by_graffiti = {f["id"] for f in conn.execute(query, {**filters, "scope": "graffiti"}).fetchone()[0]["features"]}
    assert by_graffiti == {i for i, _m in graffiti}
    second = run_points(conn, since=since, now=NOW_TS, by_category=True)
    again = conn.execute("SELECT id, state FROM sensitive_points WHERE category_scope = 'graffiti'").fetchall()
    assert sorted(i for i, _st in again) == sorted(i for i, _m in graffiti) and {st for _i, st in again} == {"actif"}
    # a run without the option leaves the per-category points as they were
    run_points(conn, since=since, now=NOW_TS)
    kept = conn.execute("SELECT state, last_run_id FROM sensitive_points WHERE category_scope = 'graffiti'").fetchall()
    assert {(st, run) for st, run in kept} == {("actif", second["run"])}


def test_backtest_of_the_axes_on_planted_streets():
    rng = np.random.default_rng(12)
    bx, by = _at_random_addresses(4000, rng)
    xs, ys = [bx], [by]
    for street in ("Rue Ferrer", "Rue de la Boverie", "Rue Damry"):
        sx, sy = _along(street, 0, 500, 150, rng)
        xs.append(sx)
        ys.append(sy)
    pts = _reports(np.concatenate(xs), np.concatenate(ys), rng)
    split = NOW_TS - pd.Timedelta(days=180)
    table = backtest_axes(pts, SEGMENTS, train_until=split, test_until=NOW_TS, exposure=STREETS)
    assert set(table["methode"]) == set(METHODS) and sorted(table["couverture"].unique()) == [0.01, 0.05, 0.10]
    assert (table["longueur_m"] <= table["couverture"] * table.attrs["street_length_m"] + 1).all()
    assert (table["PAI"] > 1).all() and table["PEI*"].between(0, 1).all()
    ours = table[table["methode"] == METHODS[0]].set_index("couverture")
    # the three planted streets (1.5 km of 280) hold about a tenth of the future reports: 1 % of the length
    # captures most of them
    when = pd.to_datetime(pts["observed_at"], utc=True)
    planted_test = int(((when > split) & (pts.index >= 4000)).sum())
    assert ours.loc[0.01, "captures"] >= 0.75 * planted_test
    assert ours.loc[0.01, "PAI"] > 5
    assert table.attrs["test_on_streets"] <= table.attrs["test"]
    # beyond the planted streets, the other reports follow the homes: the forecast ranks a stretch of two or
    # three reports by its addresses, the count cannot tell it from any other
    count = table[table["methode"] == METHODS[1]].set_index("couverture")
    for coverage in (0.05, 0.10):
        assert ours.loc[coverage, "captures"] >= 1.08 * count.loc[coverage, "captures"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args)


def _points_file(tmp_path, rng):
    bx, by = _at_random_addresses(1500, rng)
    px, py = _planted(rng, _centres()[:2])
    g = gpd.GeoSeries(gpd.points_from_xy(np.concatenate([bx, px]), np.concatenate([by, py])), crs=CRS).to_crs(4326)
    dates = NOW_TS - pd.to_timedelta(rng.uniform(1, 600, len(g)), unit="D")
    cats = np.where(np.arange(len(g)) < len(bx), "sacs_hors_jour", "graffiti")
    rows = [f"{d:%Y-%m-%dT%H:%M:%S},{c},{p.x:.7f},{p.y:.7f}" for d, c, p in zip(dates, cats, g, strict=True)]
    return write(tmp_path / "points.csv", "date,category,lon,lat\n" + "\n".join(rows) + "\n")


def test_offline_hdbscan_per_category_in_a_window(tmp_path):
    src = _points_file(tmp_path, np.random.default_rng(8))
    addresses = ROOT / "geodata" / "icar_seraing_neupre.csv"
    out = tmp_path / "out"
    done = _cli(
        "analyse", "--input", str(src), "--exposure", str(addresses), "--out", str(out), "--json",
        "--algorithme", "hdbscan", "--par-categorie", "--depuis", "2025-06-01",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["algorithm"] == "hdbscan" and summary["hors_fenetre"] > 0
    assert summary["points"] + summary["hors_fenetre"] == 1580
    found = gpd.read_file(out / "sensitive_points.geojson")
    assert set(found["category_scope"]) == {"toutes", "graffiti"}
    assert (found.loc[found["category_scope"] == "graffiti", "main_category"] == "graffiti").all()
    assert (out / "axes.geojson").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--algorithme", "kmeans"], "--algorithme « kmeans » inconnu"),
        (["--depuis", "2026-13-01"], "--depuis « 2026-13-01 » n'est pas une date"),
        (["--depuis", "2026-06-01", "--jusqua", "2026-01-01"], "fenêtre vide"),
        (["--min-samples", "1"], "min_samples = 1"),
    ],
    ids=["algorithm", "date", "window", "min-samples"],
)
def test_offline_bad_options_get_a_clear_message(tmp_path, args, message):
    src = _points_file(tmp_path, np.random.default_rng(9))
    done = _cli("analyse", "--input", str(src), "--out", str(tmp_path / "out"), *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def test_backtest_cli_scores_the_axes_beside_the_cells(tmp_path):
    src = _points_file(tmp_path, np.random.default_rng(10))
    addresses = ROOT / "geodata" / "icar_seraing_neupre.csv"
    done = _cli(
        "backtest", "--input", str(src), "--exposure", str(addresses), "--train-until", "2026-05-20",
        "--test-until", "2026-11-20", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    axes = result["axes"]
    assert {r["methode"] for r in axes["resultats"]} == set(METHODS)
    assert axes["test_sur_rues"] <= result["test"] and axes["longueur_rues_m"] > 100_000
    assert {r["methode"] for r in result["table"]} >= {"comptage par maille"}


def test_a_leftover_piece_of_a_stretch_joins_it_but_another_nuisance_there_stays_a_point():
    segs = SEGMENTS.reset_index(drop=True)
    ferrer = segs[(segs["street"] == "Rue Ferrer")].sort_values(["line_id", "position"])
    line = ferrer[ferrer["line_id"] == ferrer["line_id"].mode().iloc[0]].index.to_numpy()
    assert len(line) >= 7

    def row(kind, category, ids):
        return {
            "kind": kind,
            "street": "Rue Ferrer",
            "main_category": category,
            "segment_ids": [int(i) for i in ids],
            "street_share": 0.9,
            "n_reports": 40,
            "report_ids": list(range(40)),
            "geometry": shapely.union_all(segs.geometry.iloc[ids].to_numpy()).buffer(15),
        }

    found = gpd.GeoDataFrame(
        [
            row("etirement", "sacs_hors_jour", line[0:4]),
            row("point", "sacs_hors_jour", line[4:5]),  # the next segment: a leftover piece
            row("point", "depot_clandestin", line[4:5]),  # a dumping corner on the same street
            row("point", "sacs_hors_jour", line[len(line) - 1 :]),  # same street, far along it
        ],
        geometry="geometry",
        crs=CRS,
    )
    points, stretches = split_stretches(found, SEGMENTS)
    assert len(stretches) == 1 and stretches["n_reports"].iloc[0] == 80
    assert stretches["segment_ids"].iloc[0] == sorted(int(i) for i in line[0:5])
    assert stretches.geometry.iloc[0].contains(found.geometry.iloc[1])
    assert sorted(points["main_category"]) == ["depot_clandestin", "sacs_hors_jour"]
    assert split_stretches(found.iloc[1:])[1].empty  # no stretch, nothing to join


def test_an_axis_is_in_every_postal_sector_its_street_runs_through(conn):
    """Route du Condroz (Neupré) has official addresses under three postcodes. An axis along it is in the sectors of
    its own street's addresses within 60 m of its line (axis_postcodes, migration 0069; checked against geopandas),
    so that a place filter on any of them finds it; a part of it, in those of that part; a street the register does
    not know there, in the sector of the address nearest its line. The site list's place filter takes any of them."""
    from service.plan.candidates import _matches_place

    load_gazetteer(conn, [ROOT / "geodata" / "icar_seraing_neupre.csv"])
    street = ADDRESSES[(ADDRESSES["street"] == "Route du Condroz") & (ADDRESSES["municipality"] == "Neupré")]
    xy = np.column_stack([EXPOSURE.geometry.x, EXPOSURE.geometry.y])[street.index]
    # the addresses in their order along the road (its main direction), joined: a line along the street
    centred = xy - xy.mean(axis=0)
    along = centred @ np.linalg.svd(centred, full_matrices=False)[2][0]
    ordered = xy[np.argsort(along)]
    codes = street["postcode"].astype(str).to_numpy()[np.argsort(along)]
    whole = shapely.LineString(ordered)
    part = shapely.LineString(ordered[: max(2, len(ordered) // 5)])

    def sectors(line: shapely.LineString, name: str = "Route du Condroz") -> list[str]:
        sql = "SELECT axis_postcodes(%s, 'Neupré', ST_GeomFromText(%s, 31370))"
        return conn.execute(sql, (name, line.wkt)).fetchone()[0]

    def oracle(line: shapely.LineString) -> list[str]:
        near = shapely.distance(shapely.points(xy), line) <= 60
        return sorted(set(street["postcode"].astype(str).to_numpy()[near]))

    assert sectors(whole) == oracle(whole) == sorted(set(codes)) and len(sectors(whole)) >= 2
    assert sectors(part) == oracle(part) and set(sectors(part)) < set(sectors(whole))
    nearest = EXPOSURE.geometry.distance(shapely.point_on_surface(whole)).idxmin()  # GEOS's point, as PostGIS's
    assert sectors(whole, "Rue Inconnue") == [str(ADDRESSES.loc[nearest, "postcode"])]  # none of its own: the nearest
    # the site list: an axis whose own postcode is one sector is found by the others it runs through
    first, *others = sectors(whole)
    frame = pd.DataFrame(
        {"commune": ["Neupré", "Neupré"], "postcode": [first, first], "postcodes": [tuple(sectors(whole)), None]}
    )
    assert _matches_place(frame, (others[0],), [others[0]]).tolist() == [True, False]
