"""``hotspots backtest`` as a user runs it: a real month-only file from another country, files anyone can check,
a polygon for the area, the zone on the database, and clear refusals."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from service.analyse.backtest import CEILING, COUNT, KDE, MODEL
from service.geocode.gazetteer import load_gazetteer
from tests.conftest import DATA, ROOT
from tests.helpers import NOW, cli_env, ingest, run_cli, write
from tests.test_analyse import _at_random_addresses, _centres, _planted

BLACKBURN = DATA / "real" / "lancashire_asb_blackburn.tab"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env)


@pytest.fixture(scope="module")
def blackburn(tmp_path_factory):
    """The back-test of the real Blackburn sample, with its files: (summary printed, output folder)."""
    out = tmp_path_factory.mktemp("blackburn")
    done = _cli("backtest", "--input", str(BLACKBURN), "--out", str(out), "--json", "--horizons", "mois,trimestre")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), out


def test_summary_names_the_area_and_keeps_every_figure(blackburn):
    result, out = blackburn
    written = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert written == result
    assert result["crs"] == "EPSG:32630"  # lon/lat in England: its UTM zone
    assert (result["area_source"], result["hors_surface"]) == ("footprint", 0)
    assert result["area_km2"] == pytest.approx(result["cellules"] * 0.01)
    # month-only data: the last whole quarter is the test, every earlier month the training
    assert (result["train_until"], result["test_until"]) == ("2022-09-30", "2022-12-31")
    assert result["apprentissage"] + result["test"] == 4098
    assert {r["methode"] for r in result["table"]} == {MODEL, COUNT, KDE, CEILING}
    rolling = result["fenetres_glissantes"]
    assert {g["horizon"] for g in rolling["gains"]} == {"mois", "trimestre"}
    assert len(rolling["parametres"]) == 9 + 7  # nine months and seven quarters after three months of training
    assert all(p["note"] for p in rolling["parametres"])
    places = result["points_sensibles_contre_comptage"]
    assert places["lieux"] == 10 and places["points_sensibles"]["aire_km2"] == pytest.approx(
        places["comptage"]["aire_km2"], rel=0.01
    )


def test_the_cells_file_lets_anyone_recompute_the_pai(blackburn):
    result, out = blackburn
    with (out / "cellules.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["x", "y", "cote_m", "rang", "score"]
        cells = pd.DataFrame(list(reader)).astype(float)
    assert len(cells) == result["cellules"] and (cells["cote_m"] == 100).all()
    assert sorted(cells["rang"].astype(int)) == list(range(1, len(cells) + 1))
    assert cells.sort_values("rang")["score"].is_monotonic_decreasing
    # the test events, read and projected here without the service
    source = pd.read_csv(BLACKBURN, sep="\t")
    test = source[source["month"] >= "2022-10-01"]
    xy = gpd.GeoSeries(gpd.points_from_xy(test["longitude"], test["latitude"]), crs=4326).to_crs(result["crs"])
    keys = set(zip(np.floor(cells["x"] / 100).astype(int), np.floor(cells["y"] / 100).astype(int), strict=True))
    event_cells = list(zip(np.floor(xy.x / 100).astype(int), np.floor(xy.y / 100).astype(int), strict=True))
    assert all(c in keys for c in event_cells)  # the footprint holds every event
    k = round(0.01 * len(cells))
    chosen = cells.nsmallest(k, "rang")
    top = set(zip(np.floor(chosen["x"] / 100).astype(int), np.floor(chosen["y"] / 100).astype(int), strict=True))
    hits = sum(c in top for c in event_cells)
    pai = hits / len(event_cells) / (k / len(cells))
    ours = next(r for r in result["table"] if r["methode"] == MODEL and r["couverture"] == 0.01)
    assert ours["PAI"] == pytest.approx(pai, abs=1e-3) and ours["mailles"] == k


def test_text_output_puts_the_forecast_beside_the_baselines(tmp_path):
    done = _cli("backtest", "--input", str(BLACKBURN), "--horizons", "mois", env=cli_env_wide())
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "Surface étudiée : l'emprise des événements" in text and "8,3 km²" in text
    for name in (MODEL, COUNT, KDE, CEILING, "Fenêtres glissantes", "lieux les plus comptés", "demi-vie (mois) : "):
        assert name in text, name
    # French numbers and words, as everywhere else in the service (it printed 8.3 km², demi_vie_mois = 2.0, False)
    assert "demi_vie_mois" not in text and "False" not in text and "saisonnalité : non" in text
    assert re.search(r"apprentissage jusqu'au \d\d/\d\d/2022 \(\d[\d ]* événements\)", text), text
    split_rows = [line for line in text.splitlines() if line.startswith("│ " + MODEL)]
    assert split_rows and all(re.search(r"│ \d+,\d{2} +│ \d,\d{3} +│$", line) for line in split_rows), split_rows


def cli_env_wide() -> dict[str, str]:
    import os

    return {**os.environ, "COLUMNS": "250"}


def test_a_zone_file_is_the_area_and_events_outside_it_are_left_out(tmp_path):
    box = shapely.box(-2.50, 53.735, -2.47, 53.755)  # part of the sample, in lon/lat
    zone = tmp_path / "zone.geojson"
    gpd.GeoDataFrame({"nom": ["centre"]}, geometry=[box], crs=4326).to_file(zone, driver="GeoJSON")
    done = _cli("backtest", "--input", str(BLACKBURN), "--zone", str(zone), "--json", "--horizons", "mois")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    area = gpd.GeoSeries([box], crs=4326).to_crs(result["crs"]).area.iloc[0] / 1e6
    assert result["area_source"] == "file" and result["area_km2"] == pytest.approx(area, rel=0.05)
    source = pd.read_csv(BLACKBURN, sep="\t")
    inside = source["longitude"].between(-2.50, -2.47) & source["latitude"].between(53.735, 53.755)
    assert result["hors_surface"] == pytest.approx((~inside).sum(), rel=0.05)  # cells by centre, not exact edges


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--horizons", "semaine"], "horizon inconnu : semaine"),
        (["--train-until", "2022-13-01"], "--train-until « 2022-13-01 » n'est pas une date"),
        (["--train-until", "2021-01-31", "--test-until", "2021-06-30"], "découpage inutilisable : 0 points"),
    ],
    ids=["horizon", "date", "empty-split"],
)
def test_bad_options_are_refused_in_french(args, message):
    done = _cli("backtest", "--input", str(BLACKBURN), *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_zone_file_without_polygon_is_refused(tmp_path):
    points = tmp_path / "points.geojson"
    gpd.GeoDataFrame(geometry=gpd.points_from_xy([-2.48], [53.75]), crs=4326).to_file(points, driver="GeoJSON")
    done = _cli("backtest", "--input", str(BLACKBURN), "--zone", str(points))
    assert done.returncode == 2 and "--zone points.geojson : aucun polygone" in done.stderr


def test_on_the_database_the_area_is_the_zone_and_the_register_is_the_exposure(conn, settings, tmp_path):
    rng = np.random.default_rng(12)
    bx, by = _at_random_addresses(1500, rng)
    px, py = _planted(rng, _centres()[:3], per=60)
    x, y = np.concatenate([bx, px]), np.concatenate([by, py])
    lon, lat = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=31370).to_crs(4326).pipe(lambda g: (g.x, g.y))
    now = pd.Timestamp(NOW)
    dates = (now - pd.to_timedelta(rng.uniform(1, 600, len(x)), unit="D")).tz_convert("Europe/Brussels")
    lines = ["id;date;categorie;lon;lat"] + [
        f"R{i};{d:%d/%m/%Y %H:%M};depot_clandestin;{a:.7f};{b:.7f}"
        for i, (d, a, b) in enumerate(zip(dates, lon, lat, strict=True))
    ]
    ingest(conn, settings, write(tmp_path / "r.csv", "\n".join(lines) + "\n"))
    load_gazetteer(conn, [ROOT / "geodata" / "icar_seraing_neupre.csv"])
    done = subprocess.run(
        [sys.executable, "-m", "service", "backtest", "--json", "--horizons", "trimestre"],
        env=cli_env(settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    # Seraing (32.4 km²) and Neupré (34.0 km²), plus the cells of reports the coarse outlines leave outside
    assert result["area_source"] == "zone" and 66 <= result["area_km2"] <= 75
    assert result["crs"] == "EPSG:31370" and result["evenements"] == len(x)
    assert result["axes"] is not None and result["axes"]["troncons"] > 100  # the register's streets
    assert result["points_sensibles_contre_comptage"]["points_sensibles"]["captures"] > 0


def _police_export(path, source: pd.DataFrame, without_point: list[int], bad_month: int) -> None:
    """The sample as the police open-data site publishes it (``Month``, ``Longitude``, ``Latitude``…), some rows
    with no location (as published for crimes that cannot be mapped) and one with a month that does not exist."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Crime ID", "Month", "Reported by", "Longitude", "Latitude", "Location", "Crime type"])
        for i, row in enumerate(source.itertuples(index=False)):
            lon, lat = ("", "") if i in without_point else (row.longitude, row.latitude)
            month = "2022-13" if i == bad_month else row.month[:7]
            writer.writerow(["", month, "Lancashire Constabulary", lon, lat, row.location, "Anti-social behaviour"])


def test_rows_a_file_gives_no_point_or_no_date_for_are_counted_and_named(tmp_path):
    """A police export leaves the location of a few incidents blank: the back-test left them out and said nothing
    (« 4 091 événements » for a file of 4 098 rows). It now says how many rows were not counted, why, and the first
    line numbers, in the text and in the JSON; the offline analysis says it too."""
    source = pd.read_csv(BLACKBURN, sep="\t")
    without_point = [3, 40, 41, 700, 1500, 2500]  # data rows: file lines 5, 42, 43, 702, 1502 and 2502
    path = tmp_path / "2022-12-lancashire-street.csv"
    _police_export(path, source, without_point, bad_month=9)
    done = _cli("backtest", "--input", str(path), "--horizons", "mois", "--fenetres-max", "2", env=cli_env_wide())
    assert done.returncode == 0, done.stderr
    said = "7 lignes du fichier non comptées : 6 sans coordonnées lisibles (lignes 5, 42, 43, 702, 1502…) ; "
    assert said + "1 sans date lisible (ligne 11)." in done.stdout, done.stdout[:600]
    as_json = _cli("backtest", "--input", str(path), "--horizons", "mois", "--fenetres-max", "2", "--json")
    result = json.loads(as_json.stdout)
    assert result["evenements"] == len(source) - 7
    assert result["lignes_non_comptees"] == {
        "sans_point": {"lignes": 6, "premieres": [5, 42, 43, 702, 1502]},
        "sans_date": {"lignes": 1, "premieres": [11]},
    }
    analysed = _cli("analyse", "--input", str(path), "--out", str(tmp_path / "analyse"), env=cli_env_wide())
    assert analysed.returncode == 0, analysed.stderr
    row = next(line for line in analysed.stdout.splitlines() if "lignes écartées (sans coordonnées" in line)
    assert "7 lignes du fichier non comptées : 6 sans coordonnées lisibles" in row, analysed.stdout


def test_one_category_of_a_police_export_is_back_tested_on_its_own_footprint(tmp_path):
    """A police export mixes crime types: ``--categorie`` (repeatable, case and spaces aside) keeps one, whose own
    footprint is the area, and the summary says which; a category the file does not hold is refused, naming the
    file's categories and how many events each has."""
    source = pd.read_csv(BLACKBURN, sep="\t")
    types = np.where(np.arange(len(source)) % 4 == 0, "Criminal damage and arson", "Anti-social behaviour")
    path = tmp_path / "2022-12-lancashire-street.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Month", "Longitude", "Latitude", "Location", "category"])
        for row, kind in zip(source.itertuples(index=False), types, strict=True):
            writer.writerow([row.month[:7], row.longitude, row.latitude, row.location, kind])
    args = ("backtest", "--input", str(path), "--horizons", "mois", "--fenetres-max", "2")
    whole = json.loads(_cli(*args, "--json").stdout)
    done = _cli(*args, "--json", "--categorie", " criminal DAMAGE and arson")
    assert done.returncode == 0, done.stderr
    one = json.loads(done.stdout)
    assert (
        one["evenements"] == int((types == "Criminal damage and arson").sum())
        and one["evenements"] < whole["evenements"]
    )
    assert one["categories"] == ["Criminal damage and arson"] and whole["categories"] is None
    assert one["area_source"] == "footprint" and one["cellules"] < whole["cellules"]  # the category's own cells
    text = _cli(*args, "--categorie", "Criminal damage and arson", env=cli_env_wide()).stdout
    assert "Seulement les événements de catégorie « Criminal damage and arson » (--categorie)." in text
    refused = _cli(*args, "--categorie", "Burglary")
    assert refused.returncode != 0
    said = " ".join(refused.stderr.split())
    assert "--categorie Burglary : aucun événement de cette catégorie." in said
    assert "Catégories présentes : Anti-social behaviour (3 073), Criminal damage and arson (1 025)." in said, said
