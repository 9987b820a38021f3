"""Sensitive points on planted truth: found when real, absent on noise, stable across runs."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from service.analyse.checks import check_points
from service.analyse.identity import Lifecycle, assign_identities
from service.analyse.points import CRS, sensitive_points
from service.analyse.store import run_points
from service.cli.summary import analysis_table
from service.errors import InputFileError
from service.geocode.gazetteer import load_gazetteer
from service.zone import zone_polygon
from tests.conftest import ROOT
from tests.helpers import NOW, ingest, run_cli, write

NOW_TS = pd.Timestamp(NOW)
ADDRESSES = pd.read_csv(ROOT / "geodata" / "icar_seraing_neupre.csv")


def _address_points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(ADDRESSES["lon"], ADDRESSES["lat"]), crs="EPSG:4326").to_crs(
        CRS
    )


EXPOSURE = _address_points()


def _reports(x, y, rng, *, category="depot_clandestin", days=700) -> gpd.GeoDataFrame:
    n = len(x)
    observed = NOW_TS - pd.to_timedelta(rng.uniform(1, days, n), unit="D")
    return gpd.GeoDataFrame(
        {"id": np.arange(n), "category": category, "observed_at": observed}, geometry=gpd.points_from_xy(x, y), crs=CRS
    )


def _at_random_addresses(n, rng, jitter=8.0):
    i = rng.integers(0, len(EXPOSURE), n)
    return (
        EXPOSURE.geometry.x.to_numpy()[i] + rng.normal(0, jitter, n),
        EXPOSURE.geometry.y.to_numpy()[i] + rng.normal(0, jitter, n),
    )


def _planted(rng, centres, per=40, radius=25.0):
    xs, ys = [], []
    for cx, cy in centres:
        xs.append(cx + rng.normal(0, radius / 2, per))
        ys.append(cy + rng.normal(0, radius / 2, per))
    return np.concatenate(xs), np.concatenate(ys)


def reports_file(
    path, rng, now, *, background: int, corners: int, first: int = 0, category="depot_clandestin", skip: int = 0
):
    """(a file of ``category`` reports (dumping) of the 600 days before ``now``: ``background`` at random
    addresses, 40 around each of ``corners`` planted corners after the first ``skip``, ids from ``R{first}``; how
    many)."""
    bx, by = _at_random_addresses(background, rng)
    px, py = _planted(rng, _centres()[skip : skip + corners]) if corners else (np.empty(0), np.empty(0))
    x, y = np.concatenate([bx, px]), np.concatenate([by, py])
    lon, lat = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=CRS).to_crs("EPSG:4326").pipe(lambda g: (g.x, g.y))
    dates = (now - pd.to_timedelta(rng.uniform(1, 600, len(x)), unit="D")).tz_convert("Europe/Brussels")
    lines = ["id;date;categorie;lon;lat"] + [
        f"R{first + i};{d:%d/%m/%Y %H:%M};{category};{a:.7f};{b:.7f}"
        for i, (d, a, b) in enumerate(zip(dates, lon, lat, strict=True))
    ]
    return write(path, "\n".join(lines) + "\n"), len(x)


CENTRES_IDX = [100, 5000, 9000, 15000, 22000]


def _centres():
    return [(EXPOSURE.geometry.x.iloc[i], EXPOSURE.geometry.y.iloc[i]) for i in CENTRES_IDX]


def test_uniform_noise_gives_no_sensitive_point():
    rng = np.random.default_rng(1)
    b = EXPOSURE.total_bounds
    pts = _reports(rng.uniform(b[0], b[2], 3000), rng.uniform(b[1], b[3], 3000), rng)
    assert sensitive_points(pts, now=NOW_TS).empty


def test_reports_at_random_addresses_give_none_under_the_exposure_null():
    rng = np.random.default_rng(2)
    pts = _reports(*_at_random_addresses(4000, rng), rng)
    assert sensitive_points(pts, exposure=EXPOSURE, now=NOW_TS).empty
    # the uniform null mistakes where people live for hot spots: that is why exposure is the default
    assert len(sensitive_points(pts, now=NOW_TS)) > 0


def test_planted_clusters_are_found_with_recall_and_precision():
    rng = np.random.default_rng(3)
    bx, by = _at_random_addresses(3000, rng)
    px, py = _planted(rng, _centres())
    pts = _reports(np.concatenate([bx, px]), np.concatenate([by, py]), rng)
    found = sensitive_points(pts, exposure=EXPOSURE, now=NOW_TS)
    centres = np.array(_centres())
    found_xy = np.array([(p.x, p.y) for p in found["point"]])
    d = np.hypot(found_xy[:, None, 0] - centres[None, :, 0], found_xy[:, None, 1] - centres[None, :, 1])
    recall = float((d.min(axis=0) < 60).mean())
    precision = float((d.min(axis=1) < 60).mean())
    assert recall == 1.0 and precision == 1.0, (recall, precision)
    assert (found["n_reports"] >= 25).all()
    # the priority is a product of named factors a person can read, the forecast among them
    for components, priority, expected in zip(
        found["priority_components"], found["priority"], found["forecast_reports"], strict=True
    ):
        assert set(components) == {"gravite", "prevision", "suite_visite"}
        assert components["prevision"] == pytest.approx(np.log1p(expected), abs=1e-2)
        assert priority == pytest.approx(np.prod(list(components.values())), rel=1e-2)
    assert found["priority"].is_monotonic_decreasing and found.attrs["forecast"]["plis_validation"] >= 1


def _run(pts):
    return sensitive_points(pts, exposure=EXPOSURE, now=NOW_TS)


def test_identities_survive_new_reports_and_a_30_m_shift():
    rng = np.random.default_rng(4)
    bx, by = _at_random_addresses(3000, rng)
    px, py = _planted(rng, _centres())
    first = assign_identities(
        _run(_reports(np.concatenate([bx, px]), np.concatenate([by, py]), rng)),
        gpd.GeoDataFrame(columns=["id", "state", "point", "last_report"], geometry=[], crs=CRS),
        Lifecycle(NOW_TS),
    )
    assert (first["state"] == "nouveau").all() and len(first) == 5
    centres = _centres()
    centres[0] = (centres[0][0] + 30, centres[0][1])  # the first corner drifts 30 m
    centres.append((EXPOSURE.geometry.x.iloc[12000], EXPOSURE.geometry.y.iloc[12000]))  # a new place
    px, py = _planted(np.random.default_rng(5), centres)
    second = assign_identities(
        _run(_reports(np.concatenate([bx, px]), np.concatenate([by, py]), rng)), first, Lifecycle(NOW_TS)
    )
    assert sorted(second.loc[second["state"] == "actif", "id"]) == sorted(first["id"])
    assert list(second.loc[second["state"] == "nouveau", "id"]) == ["PS-0006"]


def test_lifecycle_watched_resolved_reopened():
    poly = gpd.GeoSeries.from_xy([230000], [144000], crs=CRS).buffer(30)
    pt = gpd.GeoSeries.from_xy([230000], [144000], crs=CRS).iloc[0]
    previous = gpd.GeoDataFrame(
        {
            "id": ["PS-0001", "PS-0002"],
            "state": ["actif", "surveille"],
            "point": [pt, pt],
            "last_report": [NOW_TS - pd.Timedelta(weeks=20)] * 2,
            "cleaned_at": [pd.NaT, NOW_TS - pd.Timedelta(weeks=10)],
        },
        geometry=[poly.iloc[0], poly.iloc[0]],
        crs=CRS,
    )
    empty = sensitive_points(_reports([], [], np.random.default_rng(0)), now=NOW_TS)
    after = assign_identities(empty, previous, Lifecycle(NOW_TS)).set_index("id")["state"].to_dict()
    assert after == {"PS-0001": "surveille", "PS-0002": "resolu"}


@pytest.mark.parametrize(
    ("xs", "ys", "message"),
    [
        ([], [], "aucun point utilisable"),
        ([230000.0], [144000.0], "seulement 1 point ;"),
        ([230000.0] * 20, [144000.0] * 20, "tous les points sont au même endroit"),
        (list(np.linspace(5.50, 5.51, 20)), list(np.linspace(50.60, 50.61, 20)), "des degrés lus comme des mètres"),
    ],
)
def test_bad_point_sets_are_refused_with_a_reason(xs, ys, message):
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xs, ys), crs=CRS)
    with pytest.raises(InputFileError) as info:
        check_points(pts)
    assert message in info.value.message


def test_database_run_keeps_ids_between_runs(conn, settings, tmp_path):
    path, n = reports_file(tmp_path / "r.csv", np.random.default_rng(6), NOW_TS, background=1500, corners=3)
    ingest(conn, settings, path)
    load_gazetteer(conn, [ROOT / "geodata" / "icar_seraing_neupre.csv"])
    first = run_points(conn, since=NOW - pd.Timedelta(days=730), now=NOW_TS)
    second = run_points(conn, since=NOW - pd.Timedelta(days=730), now=NOW_TS)
    assert (first["points_sensibles"], first["etats"], first["modele_nul"]) == (3, {"nouveau": 3}, "exposure")
    assert second["etats"] == {"actif": 3}
    history = conn.execute("SELECT count(*), count(DISTINCT point_id) FROM sensitive_point_history").fetchone()
    assert history == (6, 3)
    labels = conn.execute(
        "SELECT s.address_label, (SELECT min(ST_Distance(a.geom, s.point)) FROM gazetteer_addresses a) "
        "FROM sensitive_points s"
    ).fetchall()
    assert all(label and label.endswith(("Seraing", "Neupré")) and dist < 40 for label, dist in labels)

    # one report stored thousands of km away (placed by hand with longitude and latitude swapped, before such a
    # placement was refused) stopped every analysis with « système de coordonnées incorrect ? --crs »
    far = conn.execute(
        "UPDATE reports SET geom = ST_Transform(ST_SetSRID(ST_MakePoint(50.61, 5.51), 4326), 31370) "
        "WHERE external_id = 'R7' RETURNING id"
    ).fetchone()[0]
    with pytest.raises(InputFileError, match="système de coordonnées"):
        run_points(conn, since=NOW - pd.Timedelta(days=730), now=NOW_TS)
    third = run_points(conn, since=NOW - pd.Timedelta(days=730), now=NOW_TS, zone=zone_polygon(settings))
    assert (third["hors_zone"], third["points_sensibles"], third["signalements"]) == ([far], 3, n - 1)
    shown = Console(record=True, width=200)
    shown.print(analysis_table(third))
    assert f"signalements hors de la zone, écartés │ 1 (n° {far}) : leur point est à corriger" in shown.export_text()


def _cli(*args):
    return run_cli("analyse", *args)


def test_offline_analysis_of_any_point_file(tmp_path):
    rng = np.random.default_rng(8)
    bx, by = _at_random_addresses(1500, rng)
    px, py = _planted(rng, _centres()[:2])
    g = gpd.GeoSeries(gpd.points_from_xy(np.concatenate([bx, px]), np.concatenate([by, py])), crs=CRS).to_crs(4326)
    dates = NOW_TS - pd.to_timedelta(rng.uniform(1, 600, len(g)), unit="D")
    rows = [f"{d:%Y-%m-%dT%H:%M:%S},depot_clandestin,{p.x:.7f},{p.y:.7f}" for d, p in zip(dates, g, strict=True)]
    src = write(tmp_path / "points.csv", "date,category,lon,lat\n" + "\n".join(rows) + "\n")
    addresses = ROOT / "geodata" / "icar_seraing_neupre.csv"
    done = _cli("--input", str(src), "--exposure", str(addresses), "--out", str(tmp_path / "out"), "--json")
    assert done.returncode == 0, done.stderr
    summary = json_loads(done.stdout)
    assert (summary["points"], summary["points_sensibles"], summary["null"]) == (len(g), 2, "exposure")
    found = gpd.read_file(tmp_path / "out" / "sensitive_points.geojson")
    assert len(found) == 2 and found.crs.to_epsg() == 4326


def json_loads(text):
    import json

    return json.loads(text)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("date,category,lon,lat\n", "seulement une ligne d'en-tête"),
        ("date,category,lon,lat\n2026-01-05T10:00:00,graffiti,5.51,50.61\n", "seulement 1 point ;"),
        ("date,category,lon,lat\n" + "2026-01-05T10:00:00,graffiti,5.51,50.61\n" * 12, "tous les points sont au même"),
        ("date,category,lon,lat\n" + ",graffiti,5.51,50.61\n" * 12, "aucun point utilisable"),
        (
            "date,category,x,y\n" + "".join(f"2026-01-05T10:00:00,graffiti,5.5{i},50.6{i}\n" for i in range(12)),
            "des degrés lus comme des mètres",
        ),
    ],
    ids=["empty", "single", "identical", "no-dates", "wrong-crs"],
)
def test_offline_bad_inputs_get_a_clear_message(tmp_path, content, message):
    src = write(tmp_path / "points.csv", content)
    done = _cli("--input", str(src), "--out", str(tmp_path / "out"))
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_problem_axes_on_the_derived_network():
    from service.analyse.axes import network_from_addresses, problem_axes, segment

    addresses = gpd.GeoDataFrame(ADDRESSES[["street", "municipality"]], geometry=EXPOSURE.geometry.to_numpy(), crs=CRS)
    segments = segment(network_from_addresses(addresses))
    assert segments.length.median() == pytest.approx(100, abs=15)
    rng = np.random.default_rng(9)
    bx, by = _at_random_addresses(3000, rng)
    street = addresses[addresses["street"] == "Rue Ferrer"]
    i = rng.integers(0, len(street), 120)
    sx = street.geometry.x.to_numpy()[i] + rng.normal(0, 5, 120)
    sy = street.geometry.y.to_numpy()[i] + rng.normal(0, 5, 120)
    axes, stats_ = problem_axes(
        _reports(np.concatenate([bx, sx]), np.concatenate([by, sy]), rng), segments, exposure=addresses
    )
    assert list(axes["street"]) == ["Rue Ferrer"]
    assert axes["segments"].iloc[0] >= 5 and axes["reports"].iloc[0] >= 120  # one merged axis, not scattered bits
    assert {"rate_per_100m", "expected", "q"} <= set(stats_.columns)
    noise = _reports(bx, by, rng)
    assert problem_axes(noise, segments, exposure=addresses)[0].empty


def test_backtest_scores_the_forecast_beside_the_baselines_and_the_ceiling():
    from service.analyse.backtest import CEILING, COUNT, KDE, MODEL, backtest

    rng = np.random.default_rng(3)
    bx, by = _at_random_addresses(4000, rng)
    px, py = _planted(rng, _centres(), per=80)
    pts = _reports(np.concatenate([bx, px]), np.concatenate([by, py]), rng)
    split = NOW_TS - pd.Timedelta(days=180)
    result = backtest(pts, train_until=split, test_until=NOW_TS, exposure=EXPOSURE)
    table = result.table
    assert set(table["methode"]) == {MODEL, COUNT, KDE, CEILING}
    assert list(table["couverture"].unique()) == [0.01, 0.05, 0.10]
    assert (table["PAI"] > 1).all() and table["PEI*"].between(0, 1).all()
    ours = table[table["methode"] == MODEL].set_index("couverture")
    # the planted corners keep going: the first 1 % of the area holds (nearly) all their future reports
    planted_test = int((pd.to_datetime(pts["observed_at"]).iloc[4000:] >= split).sum())
    assert ours.loc[0.01, "captures"] >= 0.95 * planted_test
    assert (table.loc[table["methode"] == CEILING, "PEI*"] == 1).all()
    assert result.train + result.test == len(pts)
    # the area is the event footprint, not the bounding box: every cell of it holds at least one report
    assert result.area.source == "footprint" and result.area.n == len(result.cells)
    box = (np.ptp(pts.geometry.x) // 100 + 1) * (np.ptp(pts.geometry.y) // 100 + 1)
    assert result.area.n < box / 2


def test_backtest_cli_refuses_an_empty_split(tmp_path):
    rows = "".join(f"2026-01-{d:02d}T10:00:00,graffiti,5.5{d},50.6{d}\n" for d in range(1, 13))
    src = write(tmp_path / "p.csv", "date,category,lon,lat\n" + rows)
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "service",
            "backtest",
            "--input",
            str(src),
            "--train-until",
            "2025-01-01",
            "--test-until",
            "2025-06-01",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and "découpage inutilisable : 0 points d'apprentissage" in done.stderr


def test_emerging_hotspot_categories_on_planted_histories():
    from service.analyse.significance import local_hotspots
    from service.analyse.trends import classify, emerging_hotspots

    rng = np.random.default_rng(10)
    bx, by = _at_random_addresses(3000, rng)
    when = list(NOW_TS - pd.to_timedelta(rng.uniform(1, 700, len(bx)), unit="D"))
    xs, ys = [bx], [by]
    histories = {"persistant": (700, 1), "consecutif": (150, 1), "historique": (700, 330)}  # (from, to) days ago
    centres = dict(zip(histories, _centres()[:3], strict=True))
    for name, (start, stop) in histories.items():
        n = 200 if name != "consecutif" else 60
        cx, cy = centres[name]
        xs.append(cx + rng.normal(0, 12, n))
        ys.append(cy + rng.normal(0, 12, n))
        when += list(NOW_TS - pd.to_timedelta(rng.uniform(stop, start, n), unit="D"))
    x, y = np.concatenate(xs), np.concatenate(ys)
    ex = (EXPOSURE.geometry.x.to_numpy(), EXPOSURE.geometry.y.to_numpy())
    grid = local_hotspots(x, y, exposure_xy=ex)
    cube = emerging_hotspots(
        x,
        y,
        pd.Series(when),
        x0=grid.attrs["x0"],
        y0=grid.attrs["y0"],
        shape=grid.attrs["shape"],
        exposure_xy=ex,
        end=NOW_TS,
    )
    for name, (cx, cy) in centres.items():
        ix, iy = int((cx - grid.attrs["x0"]) // 100), int((cy - grid.attrs["y0"]) // 100)
        got = cube[(cube["ix"] == ix) & (cube["iy"] == iy)]["category"].tolist()
        assert got == [name], (name, got)
    # the definitions themselves, step by step
    flags = np.array
    assert classify(flags([0] * 12 + [1], bool), flags([0] * 13, bool), np.arange(13)) == "nouveau"
    assert classify(flags([1] * 13, bool), flags([0] * 13, bool), np.arange(13)) == "en_intensification"
    assert classify(flags([1] * 13, bool), flags([0] * 13, bool), np.arange(13)[::-1]) == "en_diminution"
    assert classify(flags([1, 0, 1, 0, 1], bool), flags([0, 1, 0, 0, 0], bool), np.ones(5)) == "oscillant"
    assert classify(flags([1, 0, 1, 0, 1], bool), flags([0] * 5, bool), np.ones(5)) == "sporadique"
