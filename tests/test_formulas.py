"""Texts that start like spreadsheet formulas: stored as given on every way in (files, API records, visits, report
updates), neutralised on every way out to a spreadsheet (rejects CSV from the CLI and the API, the geocoder's
batch CSV, the workbooks), each output opened with a real reader."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.cells import neutralise_formula, workbook_bytes
from service.cli.geocode import _batch
from service.geocode.gazetteer import load_gazetteer
from service.geocode.match import Geocoder
from service.ingest.rejects import export_rejects
from tests.helpers import ingest

#: Texts a spreadsheet would run, as citizens and officers really write them (and one attack).
TEXTS = [
    "=> dépôt devant le n°5",
    '=HYPERLINK("http://exemple.invalid/x";"photo")',
    "+32 4 123 45 67 a appelé",
    "-- sacs éventrés --",
    "@voisin : encore des sacs",
]
HEADER = ["N° dossier", "Date signalement", "Catégorie", "Adresse", "Code postal", "Localité", "Description"]
HEADER += ["Latitude", "Longitude"]
PLACE = ["50.6098", "5.5119"]


def _csv(path, rows: list[list[str]]):
    """A ;-separated file as a spreadsheet writes it (texts with ; or " quoted)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([HEADER, *rows])
    return path


@pytest.fixture()
def app(settings, conn):
    with TestClient(create_app(settings)) as c:
        yield c


def test_a_file_with_formula_like_texts_is_stored_as_given(conn, settings, tmp_path):
    rows = [
        [f"S-{k}", f"14/03/2026 08:{k:02d}", "Dépôt clandestin", "Rue Ferrer 14", "4100", "Seraing", text, *PLACE]
        for k, text in enumerate(TEXTS, start=1)
    ]
    summary = ingest(conn, settings, _csv(tmp_path / "formules.csv", rows))
    assert (summary.inserted, summary.rejected) == (len(TEXTS), 0)
    stored = [d for (d,) in conn.execute("SELECT description FROM reports ORDER BY external_id")]
    assert stored == TEXTS


def test_visits_and_updates_through_the_api_store_text_as_given(app, conn, auth):
    planner = auth["planificateur"]
    body = {"date": "25/11/2026 14:30", "categorie": "graffiti", "description": TEXTS[3], "lon": 5.5052, "lat": 50.6043}
    created = app.post("/api/signalements", json=body, headers=planner)
    assert created.status_code == 201, created.text
    rid = created.json()["properties"]["id"]
    patched = app.patch(f"/api/signalements/{rid}", json={"description": TEXTS[1]}, headers=planner)
    assert patched.status_code == 200 and patched.json()["properties"]["description"] == TEXTS[1]
    visit = app.post(
        f"/api/signalements/{rid}/visites",
        json={"date": "26/11/2026 09:00", "resultat": "nettoye", "agent": TEXTS[4], "notes": TEXTS[0]},
        headers=planner,
    )
    assert visit.status_code == 201, visit.text
    assert conn.execute("SELECT officer, notes FROM visits").fetchone() == (TEXTS[4], TEXTS[0])
    assert conn.execute("SELECT description FROM reports WHERE id = %s", (rid,)).fetchone()[0] == TEXTS[1]


def _rejected_file(conn, settings, tmp_path):
    """A file whose rows are all rejected (impossible date) and carry formula-like texts."""
    rows = [[f"S-{k}", "31/02/2026 08:00", "Graffiti", t, "4100", "Seraing", t, "", ""] for k, t in enumerate(TEXTS, 1)]
    return ingest(conn, settings, _csv(tmp_path / "rejets.csv", rows))


def _check_neutralised(rows: list[dict[str, str]]) -> None:
    assert [r["Description"] for r in rows] == ["'" + t for t in TEXTS]
    assert [r["Adresse"] for r in rows] == ["'" + t for t in TEXTS]
    assert all(r["motifs_rejet"].startswith("date : date impossible") for r in rows)


def test_the_rejects_csv_neutralises_formulas(conn, settings, tmp_path):
    summary = _rejected_file(conn, settings, tmp_path)
    assert summary.rejected == len(TEXTS)
    out = export_rejects(conn, summary.batch_id, tmp_path / "rejets_export.csv").path
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    _check_neutralised(rows)
    assert [r["ligne"] for r in rows] == ["2", "3", "4", "5", "6"]


def test_the_api_rejects_csv_neutralises_formulas(app, conn, settings, auth, tmp_path):
    summary = _rejected_file(conn, settings, tmp_path)
    r = app.get(f"/api/lots/{summary.batch_id}/rejets", params={"format": "csv"}, headers=auth["planificateur"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    _check_neutralised(list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"), newline=""), delimiter=";")))
    as_json = app.get(f"/api/lots/{summary.batch_id}/rejets", headers=auth["planificateur"]).json()
    assert [x["valeurs"]["Description"] for x in as_json["rejets"]] == TEXTS  # JSON is no spreadsheet: as given


def test_the_geocoder_batch_csv_neutralises_formulas(conn, settings, tmp_path):
    load_gazetteer(conn, [settings.geodata_dir / "icar_seraing_neupre.csv"])
    conn.commit()
    source = tmp_path / "adresses.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["adresse", "remarque"])
        writer.writerow(["Rue Ferrer 14, 4100 Seraing", TEXTS[1]])
        writer.writerow([TEXTS[0], TEXTS[2]])
    out = tmp_path / "resultat.csv"
    _batch(Geocoder.from_db(conn), source, "adresse", out)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [r["remarque"] for r in rows] == ["'" + TEXTS[1], "'" + TEXTS[2]]
    assert rows[1]["adresse"] == "'" + TEXTS[0] and rows[0]["adresse"] == "Rue Ferrer 14, 4100 Seraing"
    assert rows[0]["niveau"] == "adresse" and float(rows[0]["lat"]) > 50


def test_the_one_function_leaves_numbers_and_plain_text_alone():
    assert neutralise_formula(-3.5) == -3.5 and neutralise_formula(None) is None
    assert neutralise_formula("Rue Ferrer 14") == "Rue Ferrer 14"
    assert [neutralise_formula(t)[0] for t in TEXTS] == ["'"] * len(TEXTS)


def test_a_workbook_keeps_such_texts_as_given_in_quoted_text_cells_and_runs_none():
    """An XLSX has cell types: the citizens' texts are shown as written (no apostrophe to puzzle the reader), in
    text cells marked « quote prefix », so that neither opening nor editing the cell runs them."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row, text in enumerate([*TEXTS, "Rue Ferrer 14"], start=1):
        sheet.cell(row=row, column=1, value=text)
        sheet.cell(row=row, column=2, value=-3.5)
    other = book.create_sheet("Autre")
    other["A1"] = "=1+1"
    data = workbook_bytes(book)
    read = openpyxl.load_workbook(io.BytesIO(data))
    cells = [read.active.cell(row=r, column=1) for r in range(1, len(TEXTS) + 2)]
    assert [c.value for c in cells] == [*TEXTS, "Rue Ferrer 14"]
    assert [c.data_type for c in cells] == ["s"] * len(cells)
    assert [bool(c.quotePrefix) for c in cells] == [True] * len(TEXTS) + [False]
    assert read.active.cell(row=1, column=2).value == -3.5  # a negative number stays a number
    assert read["Autre"]["A1"].value == "=1+1" and read["Autre"]["A1"].data_type == "s"  # every sheet
    with zipfile.ZipFile(io.BytesIO(data)) as parts:
        assert not any(b"<f>" in parts.read(n) for n in parts.namelist() if n.startswith("xl/worksheets/"))
