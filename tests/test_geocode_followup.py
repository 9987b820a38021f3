"""What geocoding leaves on the rows and tells a person: the commune and postcode of placed rows (so the commune
filter finds them), the summary of an import (placed, to check, failed), the review queue (pages, reason,
alternatives) and its resolution."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.geocode.apply import GazetteerBatchGeocoder, HandPlaced, open_reviews, resolve_review
from service.geocode.gazetteer import load_gazetteer
from service.geocode.match import Geocoder
from service.ingest.pipeline import IngestOptions, ingest_file
from service.zone import commune_outlines
from tests.helpers import NOW, cli_env, run_cli, write

HEADER = "id;date;categorie;adresse;lat;lon\n"
#: Six reports written as a citizen app sends them: four placed with confidence, one on its street only (no
#: number 5 in Rue Cockerill), one that is no address; two given with coordinates only (Seraing, Neupré).
ROWS = [
    "A1;01/03/2026 10:00;graffiti;Rue Ferrer 12, 4100 Seraing;;",
    "A2;01/03/2026 10:05;graffiti;Place des Verriers 3, 4100 Seraing;;",
    "A3;01/03/2026 10:10;graffiti;Rue Cockerill 2, 4100 Seraing;;",
    "A4;01/03/2026 10:15;graffiti;Rue Cockerill 4, 4100 Seraing;;",
    "A5;01/03/2026 10:20;graffiti;Rue Cockerill 5, 4100 Seraing;;",
    "A6;01/03/2026 10:25;graffiti;voir le PV de l'agent;;",
    "C1;01/03/2026 10:30;graffiti;;50.6098;5.5119",
    "C2;01/03/2026 10:35;graffiti;;50.5510;5.4860",
]


@pytest.fixture(scope="module")
def register(settings):
    from service.db import connect

    with connect(settings) as c:
        load_gazetteer(c, [settings.geodata_dir / "icar_seraing_neupre.csv"])
        return Geocoder.from_db(c)


@pytest.fixture()
def imported(conn, settings, register, tmp_path):
    path = write(tmp_path / "app_citoyenne.csv", HEADER + "\n".join(ROWS) + "\n")
    return ingest_file(
        conn, path, IngestOptions("reports"), settings, now=NOW, geocoder=GazetteerBatchGeocoder(register)
    )


def test_placed_rows_get_the_commune_and_postcode_of_their_address(conn, imported, settings, auth):
    query = "SELECT external_id, geocode_status, commune, postcode FROM reports ORDER BY 1"
    rows = {r[0]: r[1:] for r in conn.execute(query)}
    assert rows["A1"] == ("geocode", "Seraing", "4100") and rows["A3"] == ("geocode", "Seraing", "4100")
    assert rows["C1"] == ("fourni", "Seraing", None) and rows["C2"] == ("fourni", "Neupré", None)
    assert rows["A5"] == ("a_verifier", "Seraing", "4100")  # its street is in Seraing; the number is to check
    assert rows["A6"][0] == "a_verifier" and rows["A6"][1] is None
    with TestClient(create_app(settings)) as app:
        found = app.get("/api/signalements", params={"commune": "Seraing"}, headers=auth["lecteur"]).json()
        ids = {f["properties"]["id"] for f in found["features"]}
        neupre = app.get("/api/signalements", params={"commune": "neupre"}, headers=auth["lecteur"]).json()
    seraing = {i for (i,) in conn.execute("SELECT id FROM reports WHERE commune = 'Seraing'")}
    assert len(ids) == len(seraing) == 6 and ids == seraing
    assert len(neupre["features"]) == 1


def test_a_given_commune_is_kept(conn, settings, register, tmp_path):
    text = "id;date;categorie;adresse;localite\nB1;01/03/2026;graffiti;Rue Ferrer 12;Jemeppe\n"
    path = write(tmp_path / "c.csv", text)
    ingest_file(conn, path, IngestOptions("reports"), settings, now=NOW, geocoder=GazetteerBatchGeocoder(register))
    assert conn.execute("SELECT commune, postcode FROM reports").fetchone() == ("Jemeppe", "4100")


def test_a_queued_row_says_why_and_offers_choices(conn, imported):
    reviews = {r["address"]: r for r in open_reviews(conn)}
    assert set(reviews) == {"Rue Cockerill 5, 4100 Seraing", "voir le PV de l'agent"}
    street = reviews["Rue Cockerill 5, 4100 Seraing"]
    assert (street["level"], round(street["score"], 2)) == ("rue", 0.51)
    assert street["reason"].startswith("numéro 5 absent du registre pour Rue Cockerill (numéros du registre : 1 à")
    labels = [a["libelle"] for a in street["alternatives"]]
    assert labels[0] == "Rue Cockerill, 4100 Seraing"  # the provisional point itself, first
    assert labels[1:4] == [f"Rue Cockerill {n}, 4100 Seraing" for n in (1, 4, 6)]
    assert all(a["commune"] == "Seraing" and a["code_postal"] == "4100" for a in street["alternatives"][1:])
    failed = reviews["voir le PV de l'agent"]
    assert failed["level"] == "echec" and failed["reason"]


def test_resolving_a_review_sets_the_commune(conn, imported, settings):
    reviews = {r["address"]: r for r in open_reviews(conn)}
    resolve_review(conn, reviews["Rue Cockerill 5, 4100 Seraing"]["id"], 2)
    outlines = commune_outlines(settings)
    resolve_review(conn, reviews["voir le PV de l'agent"]["id"], HandPlaced(5.4860, 50.5510, outlines))
    query = "SELECT external_id, geocode_status, commune, postcode, geocode_label FROM reports"
    rows = {r[0]: r[1:] for r in conn.execute(query)}
    assert rows["A5"] == ("manuel", "Seraing", "4100", "Rue Cockerill 1, 4100 Seraing")
    assert rows["A6"][:2] == ("manuel", "Neupré")


def test_old_geocoded_rows_get_their_commune_from_the_migration(conn, imported):
    conn.execute("UPDATE reports SET commune = NULL, postcode = NULL WHERE geocode_status = 'geocode'")
    sql = resources.files("service.db").joinpath("migrations/0020_commune_of_geocoded_rows.sql").read_text()
    conn.execute(sql)
    rows = conn.execute("SELECT DISTINCT commune, postcode FROM reports WHERE geocode_status = 'geocode'").fetchall()
    assert rows == [("Seraing", "4100")]


def _cli(settings, *args):
    return run_cli(*args, env=cli_env(settings, COLUMNS="200"))


def test_the_import_summary_tells_what_geocoding_did(conn, settings, register, tmp_path):
    path = write(tmp_path / "app_citoyenne.csv", HEADER + "\n".join(ROWS) + "\n")
    done = _cli(settings, "ingest", "reports", str(path), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["geocodage"] == {"adresses": 6, "placees": 4, "a_verifier": 1, "echecs": 1, "en_attente": 0}
    again = write(tmp_path / "autre.csv", HEADER + "\n".join(r.replace("A", "B", 1) for r in ROWS[:6]) + "\n")
    text = _cli(settings, "ingest", "reports", str(again))
    assert text.returncode == 0, text.stderr
    assert "Géocodage : 6 adresse(s) sans coordonnées — 4 placée(s), 1 à vérifier (point provisoire), 1 échec(s)" in (
        text.stdout
    )
    assert "hotspots geocode review" in text.stdout and "à géocoder" not in text.stdout
    assert "volet « Adresses à vérifier » de la carte" in " ".join(text.stdout.split())


def test_the_review_list_pages_and_says_how_many_are_left(conn, settings, imported, tmp_path):
    more = write(tmp_path / "plus.csv", HEADER + "\n".join(r.replace("A", "D", 1) for r in ROWS[:6]) + "\n")
    hook = GazetteerBatchGeocoder(Geocoder.from_db(conn))
    ingest_file(conn, more, IngestOptions("reports"), settings, now=NOW, geocoder=hook)
    page1 = _cli(settings, "geocode", "review", "--limite", "3")
    assert page1.returncode == 0, page1.stderr
    assert "1 à 3 sur 4 (page 1/2)" in page1.stdout
    assert "1 autre(s) : hotspots geocode review --page 2" in page1.stdout
    assert "numéro 5 absent du registre" in page1.stdout
    last = json.loads(_cli(settings, "geocode", "review", "--limite", "3", "--page", "2", "--json").stdout)
    assert (last["total"], last["pages"], len(last["verifications"])) == (4, 2, 1)
