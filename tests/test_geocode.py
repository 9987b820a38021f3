"""The offline geocoder: normalisation rules, each match level, bad input, accuracy, ingestion and review."""

from __future__ import annotations

import csv
import json
import re
import subprocess

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient

from service.api import create_app
from service.db import connect
from service.demo.addresses import evaluation_set
from service.errors import InvalidValueError
from service.geo import to_lambert
from service.geocode.apply import GazetteerBatchGeocoder, HandPlaced, check_in_zone, open_reviews, resolve_review
from service.geocode.evaluate import evaluate
from service.geocode.gazetteer import load_gazetteer
from service.geocode.match import Geocoder
from service.geocode.normalise import parse_address, street_key
from service.ingest.pipeline import IngestOptions, ingest_file
from service.zone import zone_polygon
from tests.conftest import DATA, ROOT
from tests.helpers import NOW, cli_env, registered_geocoder, run_cli, write

ZONE = ROOT / "geodata" / "icar_seraing_neupre.csv"


@pytest.fixture(scope="module")
def geocoder(settings) -> Geocoder:
    return registered_geocoder(settings, ZONE)


PARSE = [
    ("r. de la Boverie 12", "rue boverie", 12, "", "", "", ""),
    ("Rue Boverie,12 bte 3", "rue boverie", 12, "", "3", "", ""),
    ("12 rue de la boverie 4100 seraing", "rue boverie", 12, "", "", "4100", "seraing"),
    ("Av. du Centenaire (face au n°45)", "avenue centenaire", 45, "", "", "", ""),
    ("Chée de Liège 8", "chaussee liege", 8, "", "", "", ""),
    ("Pl. des Verriers", "place verriers", None, "", "", "", ""),
    ("Rue Ferrer 12A", "rue ferrer", 12, "a", "", "", ""),
    ("Rue Ferrer 12/3", "rue ferrer", 12, "", "3", "", ""),
    ("Rue Ferrer 12-14", "rue ferrer", 12, "", "", "", ""),
    ("Rue Ferrer SN", "rue ferrer", None, "", "", "", ""),
    ("RUE FERRER N°45, 4100", "rue ferrer", 45, "", "", "4100", ""),
    ("Rue du 1er Mai 20", "rue 1er mai", 20, "", "", "", ""),
    ("Bd Pasteur 3, Ougrée", "boulevard pasteur", 3, "", "", "", "ougree"),
    ("Stwg op Antwerpen 10", "steenweg op antwerpen", 10, "", "", "", ""),
    # as officers type them: the number before the street after « face au » (its « r » was read as a suffix), a
    # number glued to the name or to its « n », a stretch « entre … et … » (its middle), « à côté du 12 de la rue »
    ("face au 12 rue Ferrer", "rue ferrer", 12, "", "", "", ""),
    ("devant le n°12 rue Ferrer", "rue ferrer", 12, "", "", "", ""),
    ("à côté du 12 de la rue Ferrer", "rue ferrer", 12, "", "", "", ""),
    ("rue ferrer12", "rue ferrer", 12, "", "", "", ""),
    ("Rue Ferrer n12", "rue ferrer", 12, "", "", "", ""),
    ("N63", "n63", None, "", "", "", ""),  # a national road, not a number
    ("Rue Ferrer 12 ter", "rue ferrer", 12, "", "", "", ""),
    ("Rue Ferrer au numéro 12", "rue ferrer", 12, "", "", "", ""),
    ("Rue Ferrer 12, 14 et 16", "rue ferrer", 12, "", "", "", ""),  # several numbers: the first, said
    ("Rue Ferrer entre le 10 et le 20", "rue ferrer", 14, "", "", "", ""),
    ("Rue Ferrer entre 11 et 21, 4100 Seraing", "rue ferrer", 15, "", "", "4100", "seraing"),
    # what registers add around an address: a country's « B- », a flat or a floor, a dash for a comma
    ("Rue Ferrer 12 B-4100 Seraing", "rue ferrer", 12, "", "", "4100", "seraing"),
    ("Rue Ferrer 12 app. 3", "rue ferrer", 12, "", "", "", ""),
    ("Rue Ferrer 12 1er étage", "rue ferrer", 12, "", "", "", ""),
    ("Rue Ferrer 12 rez-de-chaussée", "rue ferrer", 12, "", "", "", ""),
    ("Rue Ferrer 12 - Seraing", "rue ferrer", 12, "", "", "", "seraing"),
    ("Rue Ferrer 12 - 14", "rue ferrer", 12, "", "", "", ""),
    # a name first, its street word after, as registers sorted by name write them
    ("Ferrer (rue) 12", "rue ferrer", 12, "", "", "", ""),
    ("FERRER, Rue 12, 4100 Seraing", "rue ferrer", 12, "", "", "4100", "seraing"),
    ("Boverie (Rue de la) 201", "rue boverie", 201, "", "", "", ""),
    ("Abbaye, Rue de l' 20", "rue abbaye", 20, "", "", "", ""),
    # where on the street, in other words
    ("Rue Ferrer vers le 12", "rue ferrer", 12, "", "", "", ""),
    ("Rue Ferrer (au niveau du 12)", "rue ferrer", 12, "", "", "", ""),
    ("Kerkstraat ter hoogte van nr 12", "kerk straat", 12, "", "", "", ""),  # the glued street word split off
]


@pytest.mark.parametrize(("text", "key", "number", "suffix", "box", "postcode", "locality"), PARSE)
def test_normalisation_rules(geocoder, text, key, number, suffix, box, postcode, locality):
    p = parse_address(text, localities=geocoder._locality_re)
    assert (street_key(p.street), p.number, p.suffix, p.box, p.postcode, p.locality) == (
        key,
        number,
        suffix,
        box,
        postcode,
        locality,
    )


def test_number_notes(geocoder):
    assert parse_address("Rue Ferrer 12-14").number_range == (12, 14)
    assert parse_address("Rue Ferrer 12 et 14").notes == ["numéros 12 et 14 : placé au 12"]
    between = parse_address("Rue Ferrer entre le 10 et le 20")
    assert between.number_range == (10, 20) and between.notes == ["entre les numéros 10 et 20 : placé au milieu, au 14"]
    r = geocoder.geocode("face au 12 rue Ferrer")
    assert (r.level, r.label, r.reason) == ("adresse", "Rue Ferrer 12, 4100 Seraing", "position relative à un numéro")


@pytest.mark.parametrize(
    ("text", "label", "reason"),
    [
        ("Seraing - Rue Ferrer 12", "Rue Ferrer 12, 4100 Seraing", "commune écrite avant la rue"),
        ("Rue Ferrer 12, B-4100 Seraing, Belgique", "Rue Ferrer 12, 4100 Seraing", "« Belgique » ignoré"),
        ("Rue Ferrer 12 - arrière du bâtiment", "Rue Ferrer 12, 4100 Seraing", "« arrière du bâtiment » ignoré"),
        ("Parking de la rue Ferrer 12", "Rue Ferrer 12, 4100 Seraing", "« Parking de la » ignoré"),
        ("École rue Ferrer 12", "Rue Ferrer 12, 4100 Seraing", "« École » ignoré"),  # as written
    ],
)
def test_what_registers_write_around_an_address_is_set_aside_and_said(geocoder, text, label, reason):
    """Each of these failed (« rue introuvable ») or lost its number; the words set aside are said."""
    r = geocoder.geocode(text)
    assert (r.level, r.label) == ("adresse", label) and reason in (r.reason or ""), r


@pytest.mark.parametrize(
    ("text", "ignored"),
    [
        ("Rue Ferrer, devant l'école", "« devant l'école » ignoré"),
        ("rue Ferrer au bout", "« au bout » ignoré"),
        ("Rue Ferrer le long du parc", "« le long du parc » ignoré"),
    ],
)
def test_words_after_a_street_saying_where_on_it_are_set_aside(geocoder, text, ignored):
    """Without a number, the words after the street made it unknown (« rue introuvable »): the street is found,
    its point provisional (the middle of the street, to check), and the words set aside are said."""
    r = geocoder.geocode(text)
    assert (r.level, r.label) == ("rue", "Rue Ferrer, 4100 Seraing"), r
    assert ignored in (r.reason or "") and "point provisoire" in (r.reason or ""), r


@pytest.mark.parametrize(
    ("locality", "label"),
    [
        ("Neupré (Plainevaux)", "Rue de la Paix 4, 4120 Neupré"),
        ("4120 Neupré", "Rue de la Paix 4, 4120 Neupré"),
        ("NEUPRE (4120)", "Rue de la Paix 4, 4120 Neupré"),
        ("Neupré, Belgique", "Rue de la Paix 4, 4120 Neupré"),
        ("Seraing - Jemeppe", "Rue de la Paix 4, 4100 Seraing"),
    ],
)
def test_a_locality_column_as_registers_fill_it_places_an_ambiguous_street(geocoder, locality, label):
    """« Rue de la Paix » is in Seraing and in Neupré: a locality column written « Neupré (Plainevaux) » was not
    known, and yet it silenced the ambiguity, and the address went to Seraing without a word."""
    r = geocoder.geocode("Rue de la Paix 4", locality=locality)
    assert (r.level, r.label) == ("adresse", label), r


def test_an_unknown_locality_is_no_hint_and_is_said(geocoder):
    """A locality the register does not know neither chooses among same-named streets nor passes unsaid."""
    assert geocoder.geocode("Rue de la Paix 4", locality="Liège").level == "ambigu"
    r = geocoder.geocode("Rue Ferrer 12", locality="Tilff")
    assert r.label == "Rue Ferrer 12, 4100 Seraing"
    assert "localité « Tilff » inconnue du registre : pas prise en compte" in (r.reason or ""), r


def test_words_before_a_street_are_set_aside_only_for_a_street_found_as_written(geocoder):
    """« Parking rue Ferrer » is on Rue Ferrer; « Vieille Voie de Tilff » is a name, not « Rue de Tilff »."""
    assert geocoder.geocode("Parking rue Ferrer").label == "Rue Ferrer, 4100 Seraing"
    assert geocoder.geocode("Vieille Voie de Tilff 5").level == "echec"
    assert parse_address("Rue Ferrer s/n").no_number
    assert parse_address("Av. du Centenaire (face au n°45)").relative


def _interpolation_case(geocoder: Geocoder) -> tuple[str, float, float]:
    """A street where number n is missing but n-2 and n+2 exist: the expected point is between them."""
    for s in geocoder.streets:
        nums = set(s.numbers.tolist())
        for n in sorted(nums):
            if n + 2 not in nums and n + 4 in nums and n % 2 == 0 and not s.suffixes[list(s.numbers).index(n)]:
                i, j = list(s.numbers).index(n), list(s.numbers).index(n + 4)
                return (
                    f"{s.name} {n + 2}, {s.postcodes[0]} {s.municipality}",
                    (s.xs[i] + s.xs[j]) / 2,
                    (s.ys[i] + s.ys[j]) / 2,
                )
    raise AssertionError("no interpolation case in the register")


def test_each_level(geocoder):
    r = geocoder.geocode("Rue Ferrer 12, 4100 Seraing")
    assert (r.level, r.label, r.score) == ("adresse", "Rue Ferrer 12, 4100 Seraing", 1.0)
    assert abs(r.lon - 5.5120109) < 1e-5 and abs(r.lat - 50.6097927) < 1e-5
    text, x, y = _interpolation_case(geocoder)
    r = geocoder.geocode(text)
    assert r.level == "adresse_interpolee" and np.hypot(r.x - x, r.y - y) < 1.0
    assert geocoder.geocode("Rue Ferrer SN").level == "rue"
    r = geocoder.geocode("coin rue Ferrer et rue Cockerill")
    assert r.level == "intersection" and r.label == "Rue Ferrer / Rue Cockerill, Seraing"
    assert geocoder.geocode("Jemeppe").level == "section"
    assert geocoder.geocode("", postcode="4122").level == "code_postal"
    r = geocoder.geocode("Rue de la Paix 4")
    assert r.level == "ambigu" and r.x is None
    assert {a["commune"] for a in r.alternatives} == {"Seraing", "Neupré"}
    assert geocoder.geocode("Rue de la Paix 4", locality="Neupré").municipality == "Neupré"
    assert geocoder.geocode("Rue Fereer 12").level == "adresse"  # a typo
    assert geocoder.geocode("Rue Schmitz 1").level == "echec"


@pytest.mark.parametrize("text", ["rue des boeufs 3 seraing", "Rue des Bœufs 3, 4100 Seraing", "RUE DES BOEUFS N°3"])
def test_a_ligature_written_as_two_letters_is_the_same_street(geocoder, text):
    """« Rue des Bœufs » is typed « boeufs » on most keyboards: the same street, found at its number (before, the
    register's « œ » was dropped, and « boeufs » was only a near name)."""
    r = geocoder.geocode(text)
    assert (r.level, r.label, r.score, r.reason) == ("adresse", "Rue des Bœufs 3, 4100 Seraing", 1.0, None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "aucun nom de rue reconnaissable"),
        ("x" * 10_000, "texte trop long (10000 caractères)"),
        ("???", "aucun nom de rue reconnaissable"),
        ("agent.dupont@police.be", "ce texte n'est pas une adresse (e-mail ou lien)"),
        ("voir PV", "rue introuvable dans le registre"),
        ("'; DROP TABLE reports; --", "rue introuvable dans le registre"),
        ("<script>alert(1)</script>", "rue introuvable dans le registre"),
        (
            "Grand-Place 1, 1000 Bruxelles",
            "rue introuvable dans le registre; code postal 1000 absent du registre chargé",
        ),
    ],
)
def test_bad_input_fails_with_a_reason_never_an_exception(geocoder, text, reason):
    r = geocoder.geocode(text)
    assert (r.level, r.x, r.reason) == ("echec", None, reason)


@pytest.mark.parametrize(
    ("text", "label", "reason"),
    [
        ("Rue Ferrer 12, 4010 Seraing", "Rue Ferrer 12, 4100 Seraing", "« Seraing »"),
        ("Rue de la Paix 4, 4210 Plainevaux", "Rue de la Paix 4, 4120 Neupré", "« Plainevaux »"),
    ],
)
def test_a_postcode_typo_beside_a_known_commune_is_read_by_the_commune(geocoder, text, label, reason):
    """« 4010 Seraing »: the postcode is no one's, the commune is the register's. The address failed as « rue
    introuvable » (a street that the register has); it is placed in the commune named, and the reason says why."""
    r = geocoder.geocode(text)
    assert (r.level, r.label, r.score) == ("adresse", label, 0.9), r  # a little less sure than written right
    assert (
        r.reason == f"code postal {text.split(', ')[1][:4]} absent du registre chargé : lu d'après la localité {reason}"
    )


def test_accuracy_on_clean_and_messy_register_addresses(geocoder):
    report = evaluate(geocoder, evaluation_set(ZONE, n=400, seed=3))
    assert report["propre"]["niveau_adresse_exact"] >= 0.99
    assert report["desordonne"]["a_moins_de_50m"] >= 0.95
    assert report["desordonne"]["confiant_mais_faux"] <= 0.005


def test_reverse_geocoding(geocoder):
    r = geocoder.reverse(230918.8, 144971.0)
    assert r["label"] == "Rue Ferrer 12, 4100 Seraing" and r["distance_m"] < 2


def test_best_address_layout_with_dutch_names(settings):
    with connect(settings) as conn:
        loaded = load_gazetteer(conn, [DATA / "best_address_sample.csv"])
        g = Geocoder.from_db(conn)
    assert loaded.addresses >= 27_167 + 2
    assert g.geocode("Chaussée de Mons 475, 1070 Anderlecht").label == "Chaussée de Mons 475, 1070 Anderlecht"
    assert g.geocode("Bergense Steenweg 603, Anderlecht").level == "adresse"


def test_ingestion_geocodes_rows_without_coordinates_and_queues_doubts(conn, settings, geocoder, tmp_path):
    hook = GazetteerBatchGeocoder(geocoder)
    s = ingest_file(
        conn, DATA / "formats" / "commune_cp1252.csv", IngestOptions("reports"), settings, now=NOW, geocoder=hook
    )
    assert s.details["geocodage"] == {"attempted": 2, "placed": 2, "to_review": 0, "failed": 0}
    rows = conn.execute(
        "SELECT external_id, geocode_status, geocode_level, geocode_label, ST_X(geom), ST_Y(geom) "
        "FROM reports ORDER BY external_id"
    ).fetchall()
    assert [r[1:4] for r in rows] == [
        ("geocode", "adresse", "Rue Ferrer 12, 4100 Seraing"),
        ("geocode", "adresse", "Place des Verriers 3, 4100 Seraing"),
    ]
    assert np.hypot(rows[0][4] - 230917.7, rows[0][5] - 144970.3) < 1.0

    doubtful = write(
        tmp_path / "doutes.csv",
        "id;date;categorie;adresse\nD1;01/03/2026 10:00;graffiti;Rue de la Paix 4"
        "\nD2;01/03/2026 11:00;graffiti;Rue Ferrer SN\nD3;01/03/2026 12:00;graffiti;voir PV\n",
    )
    s = ingest_file(conn, doubtful, IngestOptions("reports"), settings, now=NOW, geocoder=hook)
    assert (s.inserted, s.details["geocodage"]["to_review"]) == (3, 3)  # nothing dropped
    reviews = open_reviews(conn)
    assert [r["level"] for r in reviews] == ["ambigu", "rue", "echec"]
    done = resolve_review(conn, reviews[0]["id"], 1)
    assert done["libelle"] == reviews[0]["alternatives"][0]["libelle"]
    resolve_review(conn, reviews[2]["id"], HandPlaced(5.5120109, 50.6097927))
    rows = conn.execute(
        "SELECT external_id, geocode_status, geom IS NOT NULL FROM reports WHERE external_id LIKE 'D%' ORDER BY 1"
    ).fetchall()
    assert rows == [("D1", "manuel", True), ("D2", "a_verifier", True), ("D3", "manuel", True)]
    assert len(open_reviews(conn)) == 1


def test_cli_single_and_batch(settings, geocoder, tmp_path):
    env = cli_env(settings)
    done = run_cli("geocode", "12 r. Ferrer, Seraing", env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["label"] == "Rue Ferrer 12, 4100 Seraing"
    src = write(tmp_path / "in.csv", "id;adresse\n1;Rue Ferrer 12\n2;???\n3;Pl. des Verriers 3\n")
    out = tmp_path / "out.csv"
    batch = run_cli("geocode", "--batch", str(src), "--column", "adresse", "--out", str(out), env=env, timeout=120)
    assert batch.returncode == 0, batch.stderr
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [r["niveau"] for r in rows] == ["adresse", "echec", "adresse"]
    assert {"lon", "lat", "x_31370", "y_31370", "niveau", "score", "libelle"} <= set(rows[0])


def test_review_in_french_and_a_hand_placed_point_outside_the_zone_is_refused(conn, settings, geocoder, tmp_path):
    """The review speaks of « signalement », not of a table; longitude and latitude typed the wrong way round
    are refused with the right order in the hint, and the row still waits, its review still open."""
    hook = GazetteerBatchGeocoder(geocoder)
    doubtful = write(tmp_path / "doutes.csv", "id;date;categorie;adresse\nD1;01/03/2026 10:00;graffiti;voir PV\n")
    ingest_file(conn, doubtful, IngestOptions("reports"), settings, now=NOW, geocoder=hook)
    conn.commit()
    review_id = open_reviews(conn)[0]["id"]
    env = cli_env(settings)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli("geocode", *args, env=env, timeout=120)

    listed = cli("review")
    assert "signalement" in listed.stdout and "reports" not in listed.stdout
    swapped = cli("place", str(review_id), "--lon", "50.6097927", "--lat", "5.5120109")
    assert swapped.returncode != 0
    said = " ".join((swapped.stdout + swapped.stderr).split())
    assert "hors de la zone de police" in said and "rien n'est enregistré" in said
    assert "Longitude et latitude sont inversées : essayez --lon 5.5120109 --lat 50.6097927" in said
    with pytest.raises(InvalidValueError, match="hors de la zone de police"):
        resolve_review(conn, review_id, HandPlaced(4.3517, 50.8503, zone=zone_polygon(settings)))  # Brussels
    row = conn.execute("SELECT geocode_status FROM reports WHERE external_id = 'D1'").fetchone()
    assert row == ("a_verifier",) and [r["id"] for r in open_reviews(conn)] == [review_id]
    placed = cli("place", str(review_id), "--lon", "5.5120109", "--lat", "50.6097927")
    assert placed.returncode == 0, placed.stderr
    assert f"Vérification n° {review_id} réglée : signalement n° 1 → point placé à la main" in placed.stdout
    assert "Seraing" in placed.stdout


def test_hand_placed_hint_gives_a_point_inside_a_concave_zone() -> None:
    """A zone shaped like a C (two communes on either side of a third one that is not the zone's) has its centroid
    in the hollow: the example point of the refusal must still be one the person can give and have accepted."""
    x0, y0 = to_lambert(5.40, 50.55)
    ring = shapely.box(x0, y0, x0 + 20_000, y0 + 20_000).difference(
        shapely.box(x0 + 6_000, y0 + 6_000, x0 + 20_000, y0 + 14_000)
    )
    assert not ring.contains(ring.centroid)  # the hollow is where the centroid lies
    with pytest.raises(InvalidValueError) as refused:
        check_in_zone(HandPlaced(4.3517, 50.8503, zone=ring), *to_lambert(4.3517, 50.8503))  # Brussels
    example = re.search(r"un point de la zone : --lon ([\d.]+) --lat ([\d.]+)\)", refused.value.hint or "")
    assert example, refused.value.hint
    assert ring.contains(shapely.Point(to_lambert(float(example[1]), float(example[2]))))
    # a narrow zone (a valley 300 m wide): the example keeps the decimals it needs to stay inside
    valley = shapely.box(x0, y0 + 500, x0 + 20_000, y0 + 800)
    with pytest.raises(InvalidValueError) as refused:
        check_in_zone(HandPlaced(4.3517, 50.8503, zone=valley), *to_lambert(4.3517, 50.8503))
    example = re.search(r"un point de la zone : --lon ([\d.]+) --lat ([\d.]+)\)", refused.value.hint or "")
    assert example, refused.value.hint
    assert valley.contains(shapely.Point(to_lambert(float(example[1]), float(example[2]))))


@pytest.mark.parametrize(
    ("text", "label", "ignored"),
    [
        ("Rue de la Station 12, 4101 Luik", "Rue de la Station 12, 4101 Seraing", "« Luik » ignoré"),
        ("Avenue Général Leman 4, Lüttich", "Avenue Général Leman 4, 4101 Seraing", "« Lüttich » ignoré"),
        ("Rue de la Station 12 4101 Seraing (Luik)", "Rue de la Station 12, 4101 Seraing", "« Luik » ignoré"),
        # 12B is not in the register, 12 is: said as such, not as « nom de rue approché »
        ("r. de la Station 12 B", "Rue de la Station 12, 4101 Seraing", "numéro 12B absent du registre : placé au 12"),
        ("Av Gén Leman 4 bt 2 4101 Jemeppe s/Meuse", "Avenue Général Leman 4, 4101 Seraing", None),
        ("Rue Ferrer 12, Seraing", "Rue Ferrer 12, 4100 Seraing", None),
        # the commune first, as some forms and officers write it
        ("Seraing, Rue Ferrer 12", "Rue Ferrer 12, 4100 Seraing", "commune écrite avant la rue"),
        ("4100 Seraing, rue Ferrer n°12", "Rue Ferrer 12, 4100 Seraing", "commune écrite avant la rue"),
        ("Jemeppe, Avenue Général Leman 4", "Avenue Général Leman 4, 4101 Seraing", "commune écrite avant la rue"),
    ],
)
def test_a_commune_written_in_dutch_or_german_does_not_hide_the_street(geocoder, text, label, ignored):
    """« …, Luik » or « (Lüttich) » after the number used to be read as part of the street name: « rue
    introuvable ». The place is now set aside, and the reason says so."""
    result = geocoder.geocode(text)
    assert (result.level, result.label) == ("adresse", label)
    assert result.score >= 0.75
    if ignored:
        assert ignored in (result.reason or "")
    if ignored and "12B" in ignored:  # the street name itself was exact
        assert "nom de rue approché" not in (result.reason or "")


def test_a_planner_settles_the_doubts_from_the_map(conn, settings, geocoder, auth, tmp_path):
    """The review over the API, as the map's panel uses it: the doubts with their proposals as WGS84 points, a
    proposal accepted, a point placed by hand (outside the zone refused, nothing stored), each step in the log."""
    hook = GazetteerBatchGeocoder(geocoder)
    doubtful = write(
        tmp_path / "doutes.csv",
        "id;date;categorie;adresse\nD1;01/03/2026 10:00;graffiti;Rue de la Paix 4"
        "\nD2;01/03/2026 11:00;graffiti;Rue Ferrer SN\nD3;01/03/2026 12:00;graffiti;voir PV\n",
    )
    ingest_file(conn, doubtful, IngestOptions("reports"), settings, now=NOW, geocoder=hook)
    conn.commit()
    url = "/api/geocodage/verifications"
    planner = auth["planificateur"]
    with TestClient(create_app(settings)) as client:
        listed = client.get(url, headers=auth["lecteur"]).json()
        assert listed["total"] == 3 and [v["niveau"] for v in listed["verifications"]] == ["ambigu", "rue", "echec"]
        ambiguous, street, failed = listed["verifications"]
        assert (ambiguous["objet"], ambiguous["adresse"]) == ("signalement", "Rue de la Paix 4")
        assert street["motif"] == "sans numéro" and street["propositions"][0]["adresse"].startswith("Rue Ferrer")
        # the level in words, for the map's popup and the command (« rue, score 0,6 » said nothing to an officer)
        assert [v["niveau_libelle"] for v in listed["verifications"]] == [
            "plusieurs adresses possibles",
            "milieu de la rue",
            "adresse introuvable",
        ]
        assert street["propositions"][0]["niveau_libelle"] == "milieu de la rue"
        proposals = ambiguous["propositions"]
        assert len(proposals) >= 2 and [p["numero"] for p in proposals] == list(range(1, len(proposals) + 1))
        assert all(5.4 < p["lon"] < 5.7 and 50.5 < p["lat"] < 50.7 for p in proposals)  # in the zone, WGS84
        assert client.get(url, params={"limite": 1, "debut": 2}, headers=planner).json()["verifications"] == [failed]

        def settle(review: dict, answer: dict, headers: dict = planner):
            return client.post(f"{url}/{review['id']}", json=answer, headers=headers)

        assert settle(ambiguous, {"proposition": 1}, auth["lecteur"]).status_code == 403
        neither = settle(ambiguous, {"proposition": 1, "lon": 5.51, "lat": 50.61})
        assert neither.status_code == 422 and neither.json()["erreur"].startswith("Réponse incomplète")
        brussels = settle(failed, {"lon": 4.3517, "lat": 50.8503})
        assert brussels.status_code == 422
        said = brussels.json()["erreur"]
        assert "Le point lon 4.3517, lat 50.8503 est hors de la zone de police" in said and "rien n'est" in said
        hint = brussels.json()["conseil"]
        example = re.search(r"un point de la zone : lon ([\d.]+), lat ([\d.]+)\)", hint)
        assert example, hint  # a point of the service's own zone, whatever zone it is set for
        assert shapely.contains_xy(zone_polygon(settings), *to_lambert(float(example[1]), float(example[2])))
        assert settle(ambiguous, {"proposition": 9}).status_code == 404
        accepted = settle(ambiguous, {"proposition": 2})
        assert accepted.status_code == 200 and accepted.json()["libelle"] == proposals[1]["adresse"]
        placed = settle(failed, {"lon": 5.5120109, "lat": 50.6097927}).json()
        assert placed["objet"] == "signalement" and placed["commune"] == "Seraing" and placed["libelle"] is None
        assert abs(placed["lon"] - 5.5120109) < 1e-6 and abs(placed["lat"] - 50.6097927) < 1e-6
        twice = settle(failed, {"lon": 5.5120109, "lat": 50.6097927})
        assert twice.status_code == 404 and "déjà traitée" in twice.json()["erreur"]
        assert client.get(url, headers=planner).json()["total"] == 1
    rows = conn.execute(
        "SELECT external_id, geocode_status, geocode_label, ST_Distance(geom, ST_SetSRID(ST_MakePoint(%s, %s), 31370))"
        " FROM reports ORDER BY external_id",
        to_lambert(5.5120109, 50.6097927),
    ).fetchall()
    assert [r[:3] for r in rows] == [
        ("D1", "manuel", proposals[1]["adresse"]),
        ("D2", "a_verifier", rows[1][2]),
        ("D3", "manuel", None),
    ]
    assert rows[2][3] < 0.01
    logged = conn.execute(
        "SELECT actor, detail->>'verification' FROM private.access_log WHERE action = 'verification_geocodage' "
        "ORDER BY id"
    ).fetchall()
    assert logged == [("test.planificateur", str(ambiguous["id"])), ("test.planificateur", str(failed["id"]))]


def test_a_sheet_names_a_typed_address_as_the_register_spells_it(conn, geocoder):
    """A report given with coordinates keeps the address as typed; the sheet writes it as the register does when the
    register has that street and number near the point — never the nearest address in place of another."""
    x, y = conn.execute(
        "SELECT ST_X(geom), ST_Y(geom) FROM gazetteer_addresses WHERE street = 'Rue Émile Royer' AND house_number = '6'"
    ).fetchone()

    def label(typed: str | None, dx: float) -> str | None:
        point = "ST_SetSRID(ST_MakePoint(%s, %s), 31370)"
        return conn.execute(f"SELECT official_label(%s, {point})", (typed, x + dx, y)).fetchone()[0]

    assert label("RUE EMILE ROYER 6", 20) == "Rue Émile Royer 6, 4101 Seraing"  # case and accents
    assert label("rue émile-royer 6, Jemeppe", 20) == "Rue Émile Royer 6, 4101 Seraing"  # what follows the comma
    assert label("Rue Émile Royer 8", 20) is not None and "Royer 8," in label("Rue Émile Royer 8", 20)
    assert label("devant l'église", 20) is None  # no address: shown as typed
    assert label("Rue Émile Royer 6", 400) is None  # the same address far from the point is not this place
    assert label("Rue Émile Royer 9999", 20) is None and label(None, 20) is None
