"""The register export (« Registre des signalements »): a real register export with reporters and closing dates is
imported, then exported through the API and the command, and each file is opened with a real reader: the order,
the words, the dates and the decimal comma a Belgian Excel shows, and no personal data anywhere."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from service.api import create_app
from service.db.connect import connect
from service.db.vocabulary import load_labels
from service.errors import InvalidValueError
from service.export.reports import read_reports, report_filter
from service.geocode.apply import GazetteerBatchGeocoder
from service.geocode.gazetteer import load_gazetteer
from service.geocode.match import Geocoder
from service.ingest.pipeline import IngestOptions, ingest_file
from tests.conftest import DATA, ROOT
from tests.helpers import NOW, cli_env, run_cli

FILE = DATA / "formats" / "declarants_clotures.csv"
#: Four reports in the sections of both communes (Ougrée, Jemeppe, Neuville-en-Condroz, Plainevaux).
SECTIONS = DATA / "formats" / "registre_sections.csv"
#: What the file says of its reporters and in its descriptions: none of it may leave in an export.
PERSONAL = ("Jacquet", "0475 22 81 06", "Hansen", "hansen.l@example.be", "Delvaux", "Pneus abandonnés", "talus")


@pytest.fixture()
def register(conn, settings):
    load_gazetteer(conn, [ROOT / "geodata" / "icar_seraing_neupre.csv"])
    geocoder = GazetteerBatchGeocoder(Geocoder.from_db(conn))
    summary = ingest_file(conn, FILE, IngestOptions("reports"), settings, now=NOW, geocoder=geocoder)
    conn.commit()
    assert summary.inserted == 4  # three rows refused (their closing date), see test_personal_retention
    return summary


def test_the_register_export_as_a_workbook_in_date_order_with_the_closing_dates(settings, register, auth):
    with TestClient(create_app(settings)) as client:
        answer = client.get("/api/exports/signalements", params={"format": "xlsx"}, headers=auth["planificateur"])
        reader = client.get("/api/exports/signalements", headers=auth["lecteur"])
    assert answer.status_code == 200, answer.text
    assert 'filename="signalements_' in answer.headers["content-disposition"]
    assert reader.status_code == 403
    wb = load_workbook(io.BytesIO(answer.content))
    ws = wb.worksheets[0]
    assert wb.sheetnames == ["Signalements", "Informations"]  # not « Sites », the site list's tab
    header = [c.value for c in ws[1]]
    assert header[:8] == [
        "Signalement",
        "Source",
        "N° à la source",
        "Signalé le",
        "Catégorie",
        "Statut",
        "Clos le",
        "Jours jusqu'à la clôture",
    ]
    col = {name: i for i, name in enumerate(header)}
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [r[col["N° à la source"]] for r in rows] == ["2023/0101", "2025/0033", "2025/0450", "2025/0530"]
    first = list(ws[2])
    assert first[col["Signalé le"]].value == datetime(2023, 1, 10, 8, 15)  # Brussels wall clock, a real date
    assert first[col["Clos le"]].value == datetime(2023, 1, 20, 16, 30)
    assert first[col["Clos le"]].number_format == "DD/MM/YYYY HH:MM"
    assert first[col["Jours jusqu'à la clôture"]].value == pytest.approx(10.3)
    assert first[col["Jours jusqu'à la clôture"]].number_format == "0.0"
    assert [r[col["Statut"]] for r in rows] == ["Clos", "Clos", "En cours", "Clos"]
    assert [r[col["Catégorie"]] for r in rows][:2] == ["Dépôt clandestin", "Déjections canines"]
    assert rows[2][col["Clos le"]] is None and rows[3][col["Jours jusqu'à la clôture"]] == 0
    assert rows[0][col["Placement"]] == "adresse trouvée" and rows[0][col["Commune"]] == "Seraing"
    info = {row[0].value: row[1].value for row in wb["Informations"].iter_rows(min_row=4) if row[0].value}
    assert info["Signalements"] == "4" and info["Clos"] == "3" and info["Clos à une date connue"] == "3"
    assert info["Filtres"] == "tous les signalements"
    every_cell = " ".join(str(c.value) for sheet in wb.worksheets for row in sheet.iter_rows() for c in row)
    assert not [word for word in PERSONAL if word in every_cell]


def test_the_register_export_as_csv_from_the_command_with_a_period_and_a_status(settings, register, tmp_path):
    env = cli_env(settings, COLUMNS="200")
    out = tmp_path / "clos_2025.csv"
    done = run_cli("export", "signalements", "--periode", "2025", "--statut", "Clos", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())
    assert "2 signalements écrits" in said and "(csv) : du 01/01/2025 au 31/12/2025 ; statut Clos ; 2 clos" in said
    text = out.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [r["N° à la source"] for r in rows] == ["2025/0033", "2025/0530"]
    # closed « 05/02/2025 » (the day alone in the file): shown as written, not « 05/02/2025 00:00 », an hour nobody
    # wrote; 22 days after the 14th, as one counts on a calendar, not 21,6 from the report's hour to that midnight
    assert rows[0]["Signalé le"] == "14/01/2025 10:05" and rows[0]["Clos le"] == "05/02/2025"
    assert rows[0]["Jours jusqu'à la clôture"] == "22,0"
    assert rows[1]["Jours jusqu'à la clôture"] == "0,0"  # closed the day it was made (the day alone in the file)
    # the workbook keeps a real date, formatted without its hour
    book = tmp_path / "clos_2025.xlsx"
    done = run_cli("export", "signalements", "--periode", "2025", "--statut", "Clos", "--out", str(book), env=env)
    assert done.returncode == 0, done.stderr
    sheet = load_workbook(book)["Signalements"]
    header = [c.value for c in sheet[1]]
    made, closed = sheet.cell(2, header.index("Signalé le") + 1), sheet.cell(2, header.index("Clos le") + 1)
    assert (made.value, made.number_format) == (datetime(2025, 1, 14, 10, 5), "DD/MM/YYYY HH:MM")
    assert (closed.value, closed.number_format) == (datetime(2025, 2, 5), "DD/MM/YYYY")
    assert not [word for word in PERSONAL if word in text]
    with connect(settings) as conn:  # the session speaks the service's time zone, as the export's
        days = "SELECT days_to_close(%s::timestamptz, %s::timestamptz)"
        assert conn.execute(days, ("2025-06-06 08:45+02", "2025-06-12 00:00+02")).fetchone() == (6.0,)
        assert conn.execute(days, ("2025-06-06 08:45+02", "2025-06-12 20:45+02")).fetchone() == (6.5,)
        assert conn.execute(days, ("2025-06-06 08:45+02", "2025-06-12 00:00+00")).fetchone() == (5.0 + 17.25 / 24,)

    geo = tmp_path / "tout.geojson"
    assert run_cli("export", "signalements", "--out", str(geo), env=env).returncode == 0
    features = json.loads(geo.read_text(encoding="utf-8"))["features"]
    assert len(features) == 4 and features[0]["geometry"]["type"] == "Point"
    assert features[0]["properties"]["Clos le"] == "2023-01-20T16:30:00+01:00"

    walked = run_cli("export", "signalements", "--out", str(tmp_path / "x.gpx"), env=env)
    assert walked.returncode != 0 and "ne s'écrit pas en « gpx »" in walked.stderr
    assert "csv, xlsx, geojson, pdf" in walked.stderr and "GPX est pour les sites à contrôler" in walked.stderr
    both = run_cli("export", "signalements", "--periode", "2025", "--depuis", "2025-01-01", "--out", str(out), env=env)
    assert both.returncode != 0 and "--periode et --depuis/--jusqua ensemble" in both.stderr
    unknown = run_cli("export", "signalements", "--statut", "fermé bis", "--out", str(out), env=env)
    assert unknown.returncode != 0 and "statut inconnu : « fermé bis »" in unknown.stderr
    assert "clos (Clos)" in unknown.stderr


def test_a_list_longer_than_the_limit_is_refused_not_cut(conn, register):
    filters = report_filter(load_labels(conn))
    assert len(read_reports(conn, filters, limit=4)) == 4
    with pytest.raises(InvalidValueError, match="plus de 3 signalements pour ces filtres : l'export ne les coupe pas"):
        read_reports(conn, filters, limit=3)


def test_the_api_refuses_an_empty_period_and_an_unknown_category(settings, register, auth):
    with TestClient(create_app(settings)) as client:
        empty = client.get(
            "/api/exports/signalements",
            params={"depuis": "2025-03-01", "jusqu_a": "2025-02-01"},
            headers=auth["planificateur"],
        )
        unknown = client.get("/api/exports/signalements", params={"categorie": "pneus"}, headers=auth["planificateur"])
        year_one = client.get(
            "/api/exports/signalements", params={"depuis": "0001-01-01"}, headers=auth["planificateur"]
        )
        control = client.get("/api/exports/signalements", params={"source": "app\x1b"}, headers=auth["planificateur"])
        quarter = client.get(
            "/api/exports/signalements",
            params={"periode": "2025-T2", "format": "geojson", "categorie": "depot_clandestin"},
            headers=auth["planificateur"],
        )
    assert empty.status_code == 422 and "période vide" in empty.json()["erreur"]
    assert unknown.status_code == 422 and unknown.json()["erreur"] == "catégorie inconnue : « pneus »"
    assert year_one.status_code == 422 and year_one.json()["erreur"] == "jour hors des dates possibles : 01/01/0001"
    assert control.status_code == 422
    assert control.json()["erreur"] == "source illisible : caractère de contrôle invisible (U+001B)"
    assert quarter.status_code == 200 and quarter.json()["features"] == []  # its dumping rows were refused


def test_the_register_export_by_place_takes_communes_sections_and_postcodes(conn, settings, register, auth, tmp_path):
    geocoder = GazetteerBatchGeocoder(Geocoder.from_db(conn))
    more = ingest_file(conn, SECTIONS, IngestOptions("reports"), settings, now=NOW, geocoder=geocoder)
    conn.commit()
    assert more.inserted == 5
    env = cli_env(settings, COLUMNS="200")

    def numbers(*places: str) -> list[str]:
        out = tmp_path / "lieux.csv"
        asked = [option for place in places for option in ("--lieu", place)]
        done = run_cli("export", "signalements", *asked, "--out", str(out), env=env)
        assert done.returncode == 0, done.stderr
        rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig")), delimiter=";"))
        seen.update({r["N° à la source"]: (r["Commune"], r["Code postal"], r["Section"]) for r in rows})
        return [r["N° à la source"] for r in rows]

    seen: dict[str, tuple[str, str, str]] = {}

    # a section: its postcode (4102), whatever locality the report was written with; the last one is a provisional
    # point (its address was not found), in Ougrée by the postcode its locality gave
    assert numbers("ougree") == ["2025/0601", "2025/0605"]
    assert numbers("Neupré") == ["2025/0603", "2025/0604"]  # a commune: all its sections
    assert numbers("4101", "Plainevaux") == ["2025/0602", "2025/0604"]
    assert len(numbers("Seraing")) == 4 + 3  # the first file's four and the Ougrée and Jemeppe rows
    # the commune of the official address the report was placed at, whatever locality it was written with; the
    # section of a postcode only one section uses (4100 is both Seraing's and Boncelles')
    assert seen["2025/0601"] == ("Seraing", "4102", "Ougrée")
    assert seen["2025/0602"] == ("Seraing", "4101", "Jemeppe-sur-Meuse")
    assert seen["2025/0604"] == ("Neupré", "4122", "Plainevaux")
    assert seen["2023/0101"] == ("Seraing", "4100", "")
    assert seen["2025/0605"] == ("Seraing", "4102", "Ougrée")
    # without a point, the locality typed names the register's commune (case, accents and spaces aside)
    ask = "SELECT official_commune(%s, NULL), official_postcode(%s, NULL)"
    assert conn.execute(ask, (" JEMEPPE ", " 4101")).fetchone() == ("Seraing", "4101")
    assert conn.execute(ask, ("rotheux-rimiere", None)).fetchone() == ("Neupré", None)
    assert conn.execute(ask, ("Liège", "4000")).fetchone() == ("Liège", "4000")  # outside the zone: as typed
    assert conn.execute(ask, ("  ", "")).fetchone() == (None, None)
    # and the postcode of the locality typed, when it has only one: a section, not Seraing (4100, 4101, 4102)
    both = "SELECT * FROM official_place(%s, %s, NULL)"
    assert conn.execute(both, ("OUGREE", None)).fetchone() == ("Seraing", "4102")
    assert conn.execute(both, ("rotheux-rimiere", "")).fetchone() == ("Neupré", "4120")
    assert conn.execute(both, ("Seraing", None)).fetchone() == ("Seraing", None)
    assert conn.execute(both, ("Jemeppe", "4102")).fetchone() == ("Seraing", "4102")  # the postcode typed first
    said = run_cli("export", "signalements", "--lieu", "Jemeppe", "--out", str(tmp_path / "j.csv"), env=env)
    assert "1 signalement écrit dans" in " ".join(said.stdout.split()) and "lieu Jemeppe" in said.stdout
    outside = run_cli("export", "signalements", "--lieu", "Liège", "--out", str(tmp_path / "l.csv"), env=env)
    assert outside.returncode != 0 and "lieu inconnu dans la zone : « Liège »" in outside.stderr
    with TestClient(create_app(settings)) as client:
        answer = client.get(
            "/api/exports/signalements",
            params={"format": "geojson", "lieu": ["Rotheux-Rimière", "Neuville-en-Condroz"]},
            headers=auth["planificateur"],
        )
        old_name = client.get("/api/exports/signalements", params={"commune": "NEUPRE"}, headers=auth["planificateur"])
    assert answer.status_code == 200, answer.text
    assert [f["properties"]["N° à la source"] for f in answer.json()["features"]] == ["2025/0603"]
    assert old_name.status_code == 200 and old_name.text.count("2025/06") == 2


def test_the_register_printed_is_a_table_a_person_reads_and_a_long_one_is_refused(
    conn, settings, register, auth, tmp_path, monkeypatch
):
    """``--format pdf``: the register on A4, its filters and counts in words, then one line per report in date
    order with the dates, the days (decimal comma) and the place as the register names them; more than
    MAX_PRINTED reports is refused with what to do, and nothing is written."""
    import pypdf
    import pypdfium2 as pdfium

    geocoder = GazetteerBatchGeocoder(Geocoder.from_db(conn))
    ingest_file(conn, SECTIONS, IngestOptions("reports"), settings, now=NOW, geocoder=geocoder)
    conn.commit()
    out = tmp_path / "registre.pdf"
    env = cli_env(settings, COLUMNS="200")
    done = run_cli("export", "signalements", "--lieu", "Ougrée", "--lieu", "Seraing", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.metadata.title == "Registre des signalements"
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Registre des signalements" in text and "lieu Ougrée ou Seraing" in text
    for header in ("N°", "Signalé le", "Catégorie", "Statut", "Clos le", "Jours", "Adresse", "Lieu"):
        assert header in text, header
    assert "page 1 / 1" in text and "Sans données personnelles" in text
    assert not [word for word in PERSONAL if word in text]
    # the lines in date order, as the CSV of the same filters gives them: the first file's four, then those of
    # Ougrée and Jemeppe (Seraing's sections)
    numbers = [n for n in text.split() if n.startswith("SIG-")]
    with TestClient(create_app(settings)) as client:
        rows = client.get(
            "/api/exports/signalements", params={"lieu": ["Ougrée", "Seraing"]}, headers=auth["planificateur"]
        ).text
        pdf = client.get(
            "/api/exports/signalements", params={"format": "pdf", "lieu": "4102"}, headers=auth["planificateur"]
        )
    listed = list(csv.DictReader(io.StringIO(rows.lstrip("\ufeff")), delimiter=";"))
    assert numbers == [r["Signalement"] for r in listed] and len(numbers) == 7
    assert "14/01/2025 10:05" in text and "05/02/2025 22,0" in text  # the day alone, in whole days
    assert "00:00" not in text
    assert "4102 Ougrée" in text and "4100 Seraing" in text  # a postcode of two sections: the commune
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert 'filename="signalements_' in pdf.headers["content-disposition"]
    page = pdfium.PdfDocument(pdf.content)[0]
    assert round(page.get_width()) == 595 and round(page.get_height()) == 842  # A4 portrait
    monkeypatch.setattr("service.export.reports.MAX_PRINTED", 3)
    with TestClient(create_app(settings)) as client:
        refused = client.get("/api/exports/signalements", params={"format": "pdf"}, headers=auth["planificateur"])
    assert refused.status_code == 422
    assert refused.json()["erreur"] == "9 signalements : trop pour un registre imprimé (au plus 3)"
    assert "XLSX" in refused.json()["conseil"]
