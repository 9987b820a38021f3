"""The offline geocoder in the German-speaking Community, on the real register of Eupen (from the province's
ICAR file in ``geodata/``): a street or square word written whole, short or glued to its name, with « ß » or
« ss », and the postcode and commune after it as German writes them."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator

import pytest

from service.db import connect
from service.geocode.gazetteer import load_gazetteer
from service.geocode.match import Geocoder
from service.geocode.normalise import street_key
from tests.conftest import ROOT
from tests.helpers import cli_env, run_cli

PROVINCE = ROOT / "geodata" / "icar_liege_province.csv.gz"
ZONE = ROOT / "geodata" / "icar_seraing_neupre.csv"


@pytest.fixture(scope="module")
def eupen(settings, tmp_path_factory) -> Iterator[Geocoder]:
    """A register with Eupen's addresses added; taken out again afterwards (the other tests know the zone's)."""
    path = tmp_path_factory.mktemp("eupen") / "icar_eupen.csv"
    with gzip.open(PROVINCE, "rt", encoding="utf-8") as source, path.open("w", encoding="utf-8", newline="") as out:
        reader = csv.DictReader(source)
        writer = csv.DictWriter(out, fieldnames=list(reader.fieldnames or []))
        writer.writeheader()
        writer.writerows(row for row in reader if row["municipality"] == "Eupen")
    with connect(settings) as conn:
        load_gazetteer(conn, [path])
        geocoder = Geocoder.from_db(conn)
    yield geocoder
    with connect(settings) as conn:
        conn.execute("DELETE FROM gazetteer_addresses WHERE municipality = 'Eupen'")
        load_gazetteer(conn, [ZONE])  # rebuilds the streets and localities without Eupen's


@pytest.mark.parametrize(
    ("written", "street"),
    [
        ("Aachener Straße", "Aachener Str."),
        ("Aachener Straße", "Aachener Strasse"),
        ("Hauptstraße", "Hauptstr."),
        ("Hauptstraße", "Hauptstrasse"),
        ("Kerkstraat", "Kerkstr."),
        ("Marktplatz", "Marktpl."),
        ("Marktplatz", "Markt Platz"),
        ("Rathausplatz", "Rathaus Pl."),
        ("Marktplein", "Markt pln"),
    ],
)
def test_a_street_word_whole_short_or_glued_is_one_word(written, street):
    assert street_key(written) == street_key(street)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Aachener Str. 15, 4700 Eupen", "Aachener Straße 15, 4700 Eupen"),
        ("Aachener Strasse 29 Eupen", "Aachener Straße 29, 4700 Eupen"),
        ("Gospertstr. 4, Eupen", "Gospertstraße 4, 4700 Eupen"),
        ("Hookstrasse 2, 4700 Eupen", "Hookstraße 2, 4700 Eupen"),
        ("Haasstraße 3", "Haasstraße 3, 4700 Eupen"),
        ("Apollonienstr. 3, 4701 Eupen", "Apollonienstraße 3, 4701 Eupen"),
        ("Bergstr 2 Eupen", "Bergstraße 2, 4700 Eupen"),
        ("Marktpl. 3, 4700 Eupen", "Marktplatz 3, 4700 Eupen"),
        ("Rathaus Platz 9 Eupen", "Rathausplatz 9, 4700 Eupen"),
    ],
)
def test_german_addresses_are_placed_at_their_number_as_written(eupen, text, label):
    """Each one the register's street itself, not « nom de rue approché » (the fuzzy match that found them before,
    at 0,88 to 0,93, with a reason an officer had to read)."""
    found = eupen.geocode(text)
    assert (found.level, found.label, found.score, found.reason) == ("adresse", label, 1.0, None), found


SECTIONS = """section,commune,codes_postaux,nom_complet
Eupen,Eupen,4700,
Kettenis,Eupen,4701,
Ivoz-Ramet,Flémalle,4400,
Mons-lez-Liège,Flémalle,4400,
Mons,Flémalle,4400,Mons-lez-Liège
"""


def test_another_zone_s_sections_are_read_from_its_own_table(settings, tmp_path):
    """The ICAR register names no section (former commune). A zone that gives its own table
    (HOTSPOTS_SECTIONS_FILE) to ``hotspots gazetteer load`` gets its sections known: « Kettenis » or « Ivoz-Ramet »
    after a street is a place of the commune, not a word the geocoder ignores and says so, and alone it is found
    as the section. A table that cannot serve stops the load and names its line."""
    register = tmp_path / "icar_eupen_flemalle.csv"
    with gzip.open(PROVINCE, "rt", encoding="utf-8") as source, register.open("w", encoding="utf-8", newline="") as out:
        reader = csv.DictReader(source)
        writer = csv.DictWriter(out, fieldnames=list(reader.fieldnames or []))
        writer.writeheader()
        writer.writerows(row for row in reader if row["municipality"] in ("Eupen", "Flémalle"))
    table = tmp_path / "sections_zone.csv"
    table.write_text(SECTIONS, encoding="utf-8")
    broken = tmp_path / "sections_cassees.csv"
    broken.write_text(SECTIONS.replace("Kettenis,Eupen,4701,", "Kettenis,Eupen,47O1,"), encoding="utf-8")
    try:
        refused = run_cli("gazetteer", "load", str(register), env=cli_env(settings, HOTSPOTS_SECTIONS_FILE=str(broken)))
        assert refused.returncode != 0
        said = " ".join(refused.stderr.split())
        assert "Table des sections sections_cassees.csv, ligne 3 : code postal « 47O1 »" in said, said
        with connect(settings) as conn:  # nothing of the refused load reached the register
            assert (
                conn.execute("SELECT count(*) FROM gazetteer_addresses WHERE municipality = 'Flémalle'").fetchone()[0]
                == 0
            )
        # nor does the server start on it: the map page and the activity report would refuse later, to their users
        refused = run_cli("serve", "--port", "0", env=cli_env(settings, HOTSPOTS_SECTIONS_FILE=str(broken)), timeout=60)
        assert refused.returncode != 0
        assert "Table des sections sections_cassees.csv, ligne 3" in " ".join(refused.stderr.split()), refused.stderr
        done = run_cli("gazetteer", "load", str(register), env=cli_env(settings, HOTSPOTS_SECTIONS_FILE=str(table)))
        assert done.returncode == 0, done.stderr
        with connect(settings) as conn:
            geocoder = Geocoder.from_db(conn)
        for text, label in (
            ("Apollonienstraße 3, Kettenis", "Apollonienstraße 3, 4701 Eupen"),
            ("Allée Chantemerle 2, Ivoz-Ramet", "Allée Chantemerle 2, 4400 Flémalle"),
            ("Allée Chantemerle 2, 4400 Mons", "Allée Chantemerle 2, 4400 Flémalle"),
        ):
            found = geocoder.geocode(text)
            assert (found.level, found.label, found.score, found.reason) == ("adresse", label, 1.0, None), found
        alone = geocoder.geocode("Kettenis")
        assert (alone.level, alone.label) == ("section", "Kettenis (Eupen)")
    finally:
        with connect(settings) as conn:
            conn.execute("DELETE FROM gazetteer_addresses WHERE municipality = 'Flémalle'")
            load_gazetteer(conn, [ZONE])  # Eupen's stay for the module's fixture to take out
