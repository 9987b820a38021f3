"""What geocoding leaves on the rows and tells a person: the commune and postcode of placed rows (so the commune
filter finds them), the summary of an import (placed, to check, failed), the review queue (pages, reason,
alternatives) and its resolution."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from importlib import resources

import numpy as np
import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.geo import to_lambert
from service.geocode.apply import GazetteerBatchGeocoder, HandPlaced, open_reviews, resolve_review
from service.geocode.doubt import doubt_placement
from service.geocode.gazetteer import load_gazetteer
from service.geocode.match import Geocoder
from service.ingest.pipeline import IngestOptions, ingest_file
from service.zone import commune_outlines, communes_at
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


#: Official addresses of Seraing (Jemeppe, Sclessin) that the coarse commune outlines put in a neighbour, and a
#: point in a wood, 700 m from any address, inside the Seraing outline.
BORDER = [
    ("G1", 50.621865, 5.484454, "Rue des Marronniers 17, 4101 Seraing", "Grâce-Hollogne"),
    ("G2", 50.591116, 5.564806, "Rue Bois de Sclessin 26, 4102 Seraing", "Liège"),
    ("G3", 50.613514, 5.482615, "Rue Champ d'Oiseaux 36, 4101 Seraing", "Flémalle"),
]


def test_a_point_takes_the_commune_of_the_official_addresses_around_it_not_of_a_coarse_outline(
    conn, settings, register, tmp_path
):
    """A citizen app's GPS fix in Jemeppe was filed under Grâce-Hollogne (7 % of Seraing's addresses lie outside
    the shipped Seraing outline); it takes its nearest official address's commune, the outline only far from
    every address."""
    outlines = commune_outlines(settings)
    for _ref, lat, lon, _address, neighbour in BORDER:
        x, y = to_lambert(lon, lat)
        assert communes_at(outlines, np.array([x]), np.array([y]))[0] == neighbour  # what the outline says
    wood = (50.5698, 5.4978)
    rows = [f"{ref};01/03/2026 10:00;depot_clandestin;;{lat};{lon}" for ref, lat, lon, _a, _n in BORDER]
    rows.append(f"W1;01/03/2026 10:00;depot_clandestin;;{wood[0]};{wood[1]}")
    path = write(tmp_path / "gps.csv", HEADER + "\n".join(rows) + "\n")
    ingest_file(conn, path, IngestOptions("reports"), settings, now=NOW, geocoder=GazetteerBatchGeocoder(register))
    found = dict(conn.execute("SELECT external_id, commune FROM reports").fetchall())
    assert found == {"G1": "Seraing", "G2": "Seraing", "G3": "Seraing", "W1": "Seraing"}
    far = conn.execute(
        "SELECT min(ST_Distance(a.geom, r.geom)) FROM reports r, gazetteer_addresses a WHERE r.external_id = 'W1'"
    ).fetchone()[0]
    assert far > 100  # the wood's point had no address near it: named by the outline
    # a point placed by hand in a review goes the same way
    text = HEADER + "V1;01/03/2026 10:00;graffiti;voir le PV de l'agent;;\n"
    ingest_file(
        conn,
        write(tmp_path / "v.csv", text),
        IngestOptions("reports"),
        settings,
        now=NOW,
        geocoder=GazetteerBatchGeocoder(register),
    )
    review = next(r for r in open_reviews(conn) if r["address"] == "voir le PV de l'agent")
    resolve_review(conn, review["id"], HandPlaced(BORDER[1][2], BORDER[1][1], outlines))
    assert conn.execute("SELECT commune FROM reports WHERE external_id = 'V1'").fetchone() == ("Seraing",)


def test_old_geocoded_rows_get_their_commune_from_the_migration(conn, imported):
    conn.execute("UPDATE reports SET commune = NULL, postcode = NULL WHERE geocode_status = 'geocode'")
    sql = resources.files("service.db").joinpath("migrations/0020_commune_of_geocoded_rows.sql").read_text()
    conn.execute(sql)
    rows = conn.execute("SELECT DISTINCT commune, postcode FROM reports WHERE geocode_status = 'geocode'").fetchall()
    assert rows == [("Seraing", "4100")]


def test_points_imported_before_the_commune_rule_are_put_right_by_the_migration(conn, settings, register, tmp_path):
    """The GPS fixes filed under the neighbour the outline named (Grâce-Hollogne, Liège) take their nearest address's
    commune; a commune of the register is kept even when another one is nearer (given so), and a point far from
    every address keeps what it had."""
    rows = [f"{ref};01/03/2026 10:00;depot_clandestin;;{lat};{lon}" for ref, lat, lon, _a, _n in BORDER]
    rows.append("W1;01/03/2026 10:00;depot_clandestin;;50.5698;5.4978")  # a wood: no address within 100 m
    path = write(tmp_path / "gps.csv", HEADER + "\n".join(rows) + "\n")
    ingest_file(conn, path, IngestOptions("reports"), settings, now=NOW, geocoder=GazetteerBatchGeocoder(register))
    before = {"G1": "Grâce-Hollogne", "G2": "Liège", "G3": "Neupré", "W1": "Flémalle"}  # as the outline had it
    for ref, commune in before.items():
        conn.execute("UPDATE reports SET commune = %s WHERE external_id = %s", (commune, ref))
    sql = resources.files("service.db").joinpath("migrations/0057_commune_of_points_near_addresses.sql").read_text()
    conn.execute(sql)
    found = dict(conn.execute("SELECT external_id, commune FROM reports").fetchall())
    assert found == {"G1": "Seraing", "G2": "Seraing", "G3": "Neupré", "W1": "Flémalle"}


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
    assert (
        "Géocodage : 6 adresses sans coordonnées — 4 placées, 1 à vérifier (point provisoire), 1 échec (sans point)"
        in (text.stdout)
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
    assert "1 autre : hotspots geocode review --page 2" in page1.stdout
    assert "numéro 5 absent du" in page1.stdout  # the reason, wrapped in its column
    assert "│ milieu de la rue " in page1.stdout and "│ adresse introuvable " in page1.stdout  # the level in words
    last = json.loads(_cli(settings, "geocode", "review", "--limite", "3", "--page", "2", "--json").stdout)
    assert (last["total"], last["pages"], len(last["verifications"])) == (4, 2, 1)


# -- A placement put in doubt: a report placed with confidence, at the wrong place ------------------------------


def _metres(a: dict, b: dict) -> float:
    """The distance between two proposals, from their WGS84 points."""
    (ax, ay), (bx, by) = to_lambert(a["lon"], a["lat"]), to_lambert(b["lon"], b["lat"])
    return float(np.hypot(ax - bx, ay - by))


def _place(conn, report_id: int) -> tuple[str, str]:
    return conn.execute("SELECT geocode_status, ST_AsText(geom) FROM reports WHERE id = %s", (report_id,)).fetchone()


def _analysed(conn) -> set[int]:
    """The ids of the reports the analysis reads (its own query)."""
    from service.analyse.store import load_reports

    return {int(i) for i in load_reports(conn, since=datetime(2000, 1, 1, tzinfo=UTC), zone=None)["id"]}


def test_a_planner_sends_a_misplaced_report_back_to_the_review_list(conn, imported, settings, auth, accounts):
    """Rue Ferrer 12 was placed with confidence, but the officer on the spot saw the dumping across the road:
    the report goes back to « Adresses à vérifier » with the reason, its current place as proposal 1 and the
    geocoder's other addresses after it; it leaves the analysis until the point is settled, then comes back."""
    report_id, before = conn.execute(
        "SELECT id, ST_AsText(geom) FROM reports WHERE external_id = 'A1' AND geocode_status = 'geocode'"
    ).fetchone()
    assert report_id in _analysed(conn)
    body = {"objet": "signalement", "numero": report_id, "motif": "  dépôt  en face,\nau n° 13 "}
    with TestClient(create_app(settings)) as app:
        refused = app.post("/api/geocodage/verifications", json=body, headers=auth["lecteur"])
        assert refused.status_code == 403
        sent = app.post("/api/geocodage/verifications", json=body, headers=auth["planificateur"])
        assert sent.status_code == 201, sent.text
        again = app.post("/api/geocodage/verifications", json=body, headers=auth["planificateur"])
        listed = app.get("/api/geocodage/verifications", params={"limite": 50}, headers=auth["lecteur"]).json()
    review = sent.json()
    assert (review["objet"], review["numero"], review["nouvelle"]) == ("signalement", report_id, True)
    assert review["motif"] == f"placement mis en doute par {accounts['planificateur']} : dépôt en face, au n° 13"
    current = review["propositions"][0]
    assert (current["numero"], current["adresse"], current["actuelle"]) == (1, "Rue Ferrer 12, 4100 Seraing", True)
    assert abs(current["lon"] - 5.5) < 0.1 and abs(current["lat"] - 50.6) < 0.1
    # then the official addresses around it, both sides of the street (odd and even numbers), nearest first
    others = review["propositions"][1:]
    assert len(others) == 3 and not any(p["actuelle"] for p in others)
    numbers = [int(re.fullmatch(r"Rue Ferrer (\d+), 4100 Seraing", p["adresse"])[1]) for p in others]
    assert 12 not in numbers and {n % 2 for n in numbers} == {0, 1}
    far = [_metres(current, p) for p in others]
    assert max(far) < 150 and far[0] == min(far), far
    # asked twice: the same open review, not a second one
    assert again.status_code == 200 and again.json()["id"] == review["id"] and again.json()["nouvelle"] is False
    assert [v["id"] for v in listed["verifications"]].count(review["id"]) == 1 and listed["total"] == 3
    assert _place(conn, report_id) == ("a_verifier", before)  # still drawn where it was, out of the analysis meanwhile
    assert report_id not in _analysed(conn)
    logged = conn.execute(
        "SELECT actor, detail FROM private.access_log WHERE action = 'placement_mis_en_doute'"
    ).fetchall()
    assert logged == [(accounts["planificateur"], {"verification": review["id"], "table": "reports", "id": report_id})]
    # settled with proposal 2: placed there by hand, back in the analysis
    resolve_review(conn, review["id"], 2, who="test")
    row = conn.execute("SELECT geocode_status, geocode_label FROM reports WHERE id = %s", (report_id,)).fetchone()
    assert row == ("manuel", others[0]["adresse"]) and report_id in _analysed(conn)


def test_a_point_without_address_offers_its_place_and_keeps_it_when_it_was_right(conn, imported, settings):
    """A citizen app's GPS point (no address): its one proposal is where it is; accepting it keeps the point."""
    report_id, before = conn.execute("SELECT id, ST_AsText(geom) FROM reports WHERE external_id = 'C2'").fetchone()
    review, created = doubt_placement(conn, "reports", report_id, who="agent", geocoder=Geocoder.from_db(conn))
    assert created and review["reason"] == "placement mis en doute par agent"
    current, *around = review["alternatives"]
    assert (current["libelle"], current["niveau"], current["commune"]) == (
        "position actuelle (point sans adresse)",
        "point fourni",
        "Neupré",
    )
    assert around and all(_metres(current, p) < 150 for p in around)  # the addresses around the GPS fix
    resolve_review(conn, review["id"], 1, who="agent")
    assert _place(conn, report_id) == ("manuel", before)


def test_a_doubt_that_cannot_be_taken_says_why_and_changes_nothing(conn, imported, settings, auth):
    report_id = conn.execute("SELECT id FROM reports WHERE external_id = 'A2'").fetchone()[0]
    with TestClient(create_app(settings)) as app:
        missing = app.post("/api/geocodage/verifications", json={"numero": 999_999}, headers=auth["planificateur"])
        long = app.post(
            "/api/geocodage/verifications",
            json={"numero": report_id, "motif": "trop " * 80},
            headers=auth["planificateur"],
        )
    assert missing.status_code == 404 and missing.json()["erreur"] == "Pas de signalement n° 999999."
    assert long.status_code == 422 and long.json()["erreur"].startswith("Motif trop long (399 caractères)")
    assert conn.execute("SELECT geocode_status FROM reports WHERE id = %s", (report_id,)).fetchone() == ("geocode",)
    assert conn.execute("SELECT count(*) FROM geocode_reviews WHERE target_id = %s", (report_id,)).fetchone() == (0,)


def test_the_command_line_puts_a_placement_in_doubt(conn, settings, imported):
    report_id = conn.execute("SELECT id FROM reports WHERE external_id = 'A3'").fetchone()[0]
    done = _cli(settings, "geocode", "doute", "signalement", f"SIG-{report_id}", "--motif", "autre commune")
    assert done.returncode == 0, done.stderr
    review_id = conn.execute("SELECT id FROM geocode_reviews WHERE target_id = %s", (report_id,)).fetchone()[0]
    said = " ".join(done.stdout.split())
    assert f"Signalement n° {report_id} mis dans les adresses à vérifier : vérification n° {review_id}, " in said
    assert "(la 1 : sa position actuelle)" in said and f"hotspots geocode accept {review_id} --choix K" in said
    wrong = _cli(settings, "geocode", "doute", "colis", "3")
    said = " ".join(wrong.stderr.split())
    assert wrong.returncode == 2 and "« colis » : donnez signalement, visite ou permis." in said
    odd = _cli(settings, "geocode", "doute", "visite", "SIG-3")
    assert odd.returncode == 2 and "« SIG-3 » : un numéro (123)." in " ".join(odd.stderr.split())


def _places(conn) -> dict[str, tuple]:
    query = "SELECT external_id, geocode_status, ST_AsText(geom), commune, geocode_label FROM reports"
    return {r[0]: r[1:] for r in conn.execute(query)}


def test_a_place_set_by_a_person_survives_the_source_s_next_export(conn, imported, settings, register, tmp_path):
    """The citizen app exports its reports again (each time a minute later, the same GPS points and addresses): the
    points a person placed stay where the person put them, with their commune — a GPS point too, though the app
    sends it again; a point nobody placed follows the source's new coordinates; a report whose address the source
    changed is placed anew, and its open review is settled by the source."""
    ids = dict(conn.execute("SELECT external_id, id FROM reports").fetchall())
    outlines = commune_outlines(settings)
    moved, _ = doubt_placement(conn, "reports", ids["C1"], who="agent", geocoder=register)
    resolve_review(conn, moved["id"], HandPlaced(5.5125, 50.6101, outlines), who="agent")  # across the road
    chosen, _ = doubt_placement(conn, "reports", ids["A1"], who="agent", geocoder=register)
    resolve_review(conn, chosen["id"], 2, who="agent")
    waiting, _ = doubt_placement(conn, "reports", ids["A3"], who="agent", geocoder=register)
    conn.commit()  # as the map's answers are
    before = _places(conn)
    assert before["C1"][0] == before["A1"][0] == "manuel" and before["A3"][0] == "a_verifier"

    rows = [r.replace(" 10:", " 11:") for r in ROWS]
    rows[2] = "A3;01/03/2026 11:10;graffiti;Rue Ferrer 14, 4100 Seraing;;"
    rows[7] = "C2;01/03/2026 11:35;graffiti;;50.5515;5.4866"  # the app corrected its GPS fix
    (tmp_path / "2").mkdir()
    path = write(tmp_path / "2" / "app_citoyenne.csv", HEADER + "\n".join(rows) + "\n")
    summary = ingest_file(
        conn, path, IngestOptions("reports"), settings, now=NOW, geocoder=GazetteerBatchGeocoder(register)
    )
    assert (summary.inserted, summary.updated) == (0, 8)
    after = _places(conn)
    assert after["C1"] == before["C1"] and after["A1"] == before["A1"]  # where the person put them
    assert after["A2"] == before["A2"] and before["A2"][2] == "Seraing"  # the geocoder's place and commune kept
    assert after["C2"][0] == "fourni" and after["C2"][1] != before["C2"][1]  # nobody placed it: the source's new fix
    assert after["A3"][0] == "geocode" and after["A3"][3] == "Rue Ferrer 14, 4100 Seraing"
    resolved, resolution = conn.execute(
        "SELECT resolved_at IS NOT NULL, resolution FROM geocode_reviews WHERE id = %s", (waiting["id"],)
    ).fetchone()
    assert resolved and resolution.startswith("réglée par la source : nouvelle adresse ou nouveau point (import n° ")
    assert {ids["C1"], ids["A1"], ids["A3"]} <= _analysed(conn)


def test_a_permit_placed_by_hand_keeps_its_place_when_the_register_is_exported_again(
    conn, settings, register, tmp_path
):
    """The permit register is exported every week; a renewed permit (a new end date, the same address) keeps the
    point a person placed on the yard, behind the address the register gives."""
    header = "reference;type_permis;classe;exploitant;activite;adresse;date_fin\n"
    row = "PE-2024-017;environnement;2;Garage Dupont SPRL;dépôt de véhicules;Rue Ferrer 12, 4100 Seraing;{}\n"
    hook = GazetteerBatchGeocoder(register)
    first = write(tmp_path / "registre_permis.csv", header + row.format("31/12/2026"))
    stored = ingest_file(conn, first, IngestOptions("permits"), settings, now=NOW, geocoder=hook)
    assert stored.inserted == 1, stored
    permit_id = conn.execute("SELECT id FROM permits").fetchone()[0]
    review, _ = doubt_placement(conn, "permits", permit_id, who="agent", reason="derrière", geocoder=register)
    resolve_review(conn, review["id"], HandPlaced(5.5130, 50.6105, commune_outlines(settings)), who="agent")
    conn.commit()
    placed = conn.execute("SELECT geocode_status, ST_AsText(geom) FROM permits WHERE id = %s", (permit_id,)).fetchone()
    (tmp_path / "semaine_2").mkdir()
    again = write(tmp_path / "semaine_2" / "registre_permis.csv", header + row.format("31/12/2031"))
    summary = ingest_file(conn, again, IngestOptions("permits"), settings, now=NOW, geocoder=hook)
    assert summary.updated == 1, summary
    row_after = conn.execute(
        "SELECT geocode_status, ST_AsText(geom), valid_until::text FROM permits WHERE id = %s", (permit_id,)
    ).fetchone()
    assert placed[0] == "manuel" and row_after == (*placed, "2031-12-31")


def test_a_visit_follows_its_report_and_keeps_a_place_set_by_hand(conn, imported, settings, register, tmp_path):
    """A visit placed from the report it names moves with a corrected report reference; a visit a person placed
    keeps that place when the officer's sheet is imported again with a corrected outcome."""
    header = "id;date;resultat;n_signalement\n"
    hook = GazetteerBatchGeocoder(register)

    def visits(name: str, *rows: str) -> None:
        (tmp_path / name).mkdir()
        path = write(tmp_path / name / "visites_agent.csv", header + "\n".join(rows) + "\n")
        ingest_file(conn, path, IngestOptions("visits"), settings, now=NOW, geocoder=hook)

    def place(ref: str) -> tuple:
        query = "SELECT geocode_status, ST_AsText(geom) FROM {} WHERE external_id = %s"
        return conn.execute(query.format("visits" if ref.startswith("V") else "reports"), (ref,)).fetchone()

    visits("1", "V1;02/03/2026 09:00;nettoye;A1", "V2;02/03/2026 09:30;avertissement;A2")
    assert place("V1") == ("signalement", place("A1")[1]) and place("V2")[1] == place("A2")[1]
    visits("2", "V1;02/03/2026 09:00;nettoye;A4", "V2;02/03/2026 09:30;avertissement;A2")  # V1: another report
    assert place("V1") == ("signalement", place("A4")[1])
    v2 = conn.execute("SELECT id FROM visits WHERE external_id = 'V2'").fetchone()[0]
    review, _ = doubt_placement(conn, "visits", v2, who="agent", geocoder=register)
    resolve_review(conn, review["id"], HandPlaced(5.5125, 50.6101, commune_outlines(settings)), who="agent")
    conn.commit()
    by_hand = place("V2")
    assert by_hand[0] == "manuel" and by_hand[1] != place("A2")[1]
    visits("3", "V1;02/03/2026 09:00;nettoye;A4", "V2;02/03/2026 09:30;pv;A2")  # the outcome corrected
    assert place("V2") == by_hand
    assert conn.execute("SELECT outcome FROM visits WHERE id = %s", (v2,)).fetchone() == ("pv",)
