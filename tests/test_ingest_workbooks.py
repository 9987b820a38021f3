"""OpenDocument (.ods), Excel 97–2003 (.xls) and Excel binary (.xlsb) registers, as LibreOffice and Excel save
them, read as an XLSX is; and reports placed by their address found as near-duplicates of another source's."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from service.errors import InputFileError
from service.geocode.apply import open_reviews
from service.ingest.pipeline import IngestOptions, ingest_file
from service.ingest.read import detect_format
from tests.conftest import DATA
from tests.helpers import NOW, cli_env, count, ingest, rejects, run_cli, write, zone_batch_geocoder

ROWS = [
    (datetime(2026, 11, 14, 9, 12), "Dépôt clandestin", "Rue Ferrer 12", "Seraing", "sacs poubelle"),
    (datetime(2026, 11, 15, 0, 0), "Déjections canines", "rue Wettinck 4", "Seraing", None),
    (datetime(2026, 11, 16, 14, 30), "Tags", "Place Mercier 12", "Ougrée", "tag sur la façade"),
    (datetime(2026, 11, 17, 8, 0), "Poubelle renversée", "Rue Ferrer 14", "Seraing", None),
]
COLUMNS = ["Date du constat", "Catégorie", "Adresse", "Commune", "Remarques"]
DATA_CSV = DATA / "formats" / "registre_groupes_de_colonnes.csv"


def _ods(path: Path) -> Path:
    """As LibreOffice saves a register: a note sheet first, a title and a blank row above the header, real date
    cells."""
    with pd.ExcelWriter(path, engine="odf") as book:
        notes = pd.DataFrame([["Registre des constats du service Environnement"]])
        notes.to_excel(book, sheet_name="Lisez-moi", index=False, header=False)
        title = pd.DataFrame([["Constats - novembre 2026"]])
        title.to_excel(book, sheet_name="Registre", index=False, header=False)
        # pandas' OpenDocument writer goes on below what the sheet holds: one blank row, then the header (row 3)
        pd.DataFrame(ROWS, columns=COLUMNS).to_excel(book, sheet_name="Registre", index=False, startrow=1)
    return path


def _xls(path: Path) -> Path:
    """As Excel 97–2003 saved a register: a title row, then the header, date cells formatted « jj/mm/aaaa hh:mm »."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Plaintes")
    dated = xlwt.easyxf(num_format_str="DD/MM/YYYY HH:MM")
    sheet.write(0, 0, "Export des plaintes - novembre 2026")
    for j, name in enumerate(COLUMNS):
        sheet.write(2, j, name)
    for i, row in enumerate(ROWS, start=3):
        sheet.write(i, 0, row[0], dated)
        for j, value in enumerate(row[1:], start=1):
            if value is not None:
                sheet.write(i, j, value)
    book.save(str(path))
    return path


def _xlsb(path: Path) -> Path:
    """As Excel saves a large register in its binary format: a note sheet first, then a title row, a blank row
    and the header, real date cells."""
    from pyxlsbwriter import XlsbWriter

    with XlsbWriter(str(path)) as book:
        book.add_sheet("Lisez-moi")
        book.write_sheet([["Registre des constats du service Environnement"]])
        book.add_sheet("Registre")
        width = len(COLUMNS)  # the writer wants rows of one width: the title's and the blank row's cells empty
        title, blank = ["Constats - novembre 2026"] + [None] * (width - 1), [None] * width
        book.write_sheet([title, blank, COLUMNS, *[list(row) for row in ROWS]])
    return path


@pytest.fixture()
def geocoder(conn, settings):
    return zone_batch_geocoder(conn, settings)


@pytest.mark.parametrize(
    ("write_book", "name", "fmt"),
    [(_ods, "registre.ods", "ods"), (_xls, "registre.xls", "xls"), (_xlsb, "registre.xlsb", "xlsb")],
)
def test_a_register_saved_as_ods_or_xls_is_read_as_an_xlsx(conn, settings, tmp_path, geocoder, write_book, name, fmt):
    """All three were refused (« format non pris en charge : enregistrez en .xlsx ou en .csv »; an .xlsb, taken
    for an .xlsx, as an unreadable workbook)."""
    path = write_book(tmp_path / name)
    assert detect_format(path) == fmt
    s = ingest_file(conn, path, IngestOptions(kind="reports", source="registre"), settings, geocoder=geocoder, now=NOW)
    assert s.balanced and (s.rows_in, s.inserted, s.rejected) == (4, 3, 1), s
    assert conn.execute("SELECT file_format FROM ingestion_batches WHERE id = %s", (s.batch_id,)).fetchone() == (fmt,)
    # the header under its title, the rows numbered as the spreadsheet shows them
    refused = rejects(conn, s.batch_id)
    assert list(refused) == [7] and refused[7][0].startswith("catégorie: catégorie inconnue"), refused
    rows = conn.execute(
        "SELECT category, geocode_label, description, "
        "to_char(observed_at AT TIME ZONE 'Europe/Brussels', 'YYYY-MM-DD HH24:MI') FROM reports ORDER BY observed_at"
    ).fetchall()
    assert rows == [
        ("depot_clandestin", "Rue Ferrer 12, 4100 Seraing", "sacs poubelle", "2026-11-14 09:12"),
        ("dejections", "Rue Joseph Wettinck 4, 4101 Seraing", None, "2026-11-15 00:00"),
        ("graffiti", "Place Cardinal Mercier 12, 4102 Seraing", "tag sur la façade", "2026-11-16 14:30"),
    ]
    if fmt in ("ods", "xlsb"):  # the note sheet in front is passed over, and said
        assert s.details["feuille"] == "Registre"


def test_an_xlsb_is_known_by_its_content_and_a_damaged_one_refused(conn, settings, tmp_path):
    """A binary workbook saved under an .xlsx name (a mail client, a hurried rename) is still read as what it is;
    one cut short is refused naming its format, and nothing is stored."""
    renamed = _xlsb(tmp_path / "registre.xlsb").rename(tmp_path / "registre_novembre.xlsx")
    assert detect_format(renamed) == "xlsb"
    assert ingest(conn, settings, renamed, source="registre").rows_in == 4
    whole = renamed.read_bytes()
    cut = tmp_path / "coupe.xlsb"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputFileError, match=r"coupe\.xlsb : classeur Excel binaire \(\.xlsb\) illisible ou endommagé"):
        ingest(conn, settings, cut)
    assert conn.execute("SELECT status FROM ingestion_batches ORDER BY id").fetchall() == [("termine",), ("refuse",)]


def test_a_damaged_or_protected_workbook_is_refused_and_nothing_is_stored(conn, settings, tmp_path):
    whole = _ods(tmp_path / "registre.ods").read_bytes()
    cut = write(tmp_path / "coupe.ods", "")
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputFileError, match=r"coupe\.ods : classeur .* illisible ou endommagé"):
        ingest(conn, settings, cut)
    fake = tmp_path / "ancien.xls"
    fake.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(InputFileError, match=r"ancien\.xls : classeur Excel 97–2003 \(\.xls\) illisible"):
        ingest(conn, settings, fake)
    assert count(conn, "reports") == 0  # each refusal is kept, with its reason, as the import's trace
    refused = conn.execute("SELECT file_name, file_format, status, error FROM ingestion_batches ORDER BY id").fetchall()
    assert [(name, fmt, status, "illisible ou endommagé" in error) for name, fmt, status, error in refused] == [
        ("coupe.ods", "ods", "refuse", True),
        ("ancien.xls", "xls", "refuse", True),
    ]


def test_an_ods_archive_that_would_expand_too_far_is_refused_before_reading(conn, settings, tmp_path):
    bomb = tmp_path / "bombe.ods"
    with zipfile.ZipFile(bomb, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", b"<" + b" " * (8 << 20), compress_type=zipfile.ZIP_DEFLATED)
    with pytest.raises(InputFileError, match=r"se décompresse .* fois"):
        ingest(conn, settings, bomb)


def test_a_report_placed_by_its_address_is_a_near_duplicate_of_another_sources(conn, settings, tmp_path, geocoder):
    """The same dumping in a citizen's app (coordinates) and in the commune's register (an address): the register's
    row was linked before its address was placed, so it never was, and the dumping counted twice."""
    app = write(
        tmp_path / "app.csv",
        "id;date;categorie;lat;lon\nA1;2026-11-14T08:30;depot_clandestin;50.6097927;5.5120109\n",
    )
    ingest_file(conn, app, IngestOptions(kind="reports", source="app"), settings, geocoder=geocoder, now=NOW)
    register = write(
        tmp_path / "registre.csv",
        "Date;Catégorie;Adresse\n14/11/2026 09:12;Dépôt clandestin;Rue Ferrer 12, Seraing\n"
        "14/11/2026 09:40;Dépôt clandestin;Rue Ferrer 5000, Seraing\n",  # no such number: a provisional point
    )
    options = IngestOptions(kind="reports", source="registre")
    s = ingest_file(conn, register, options, settings, geocoder=geocoder, now=NOW)
    assert s.balanced and (s.inserted, s.details["quasi_doublons_lies"]) == (1, 1), s
    linked = conn.execute(
        "SELECT r.geocode_label, f.external_id FROM reports r JOIN reports f ON f.id = r.duplicate_of"
    ).fetchall()
    assert linked == [("Rue Ferrer 12, 4100 Seraing", "A1")]
    # a provisional point is no ground to hide a report, nor to hide another one behind it
    lon, lat = conn.execute(
        "SELECT ST_X(ST_Transform(geom, 4326)), ST_Y(ST_Transform(geom, 4326)) FROM reports "
        "WHERE geocode_status = 'a_verifier' AND duplicate_of IS NULL"
    ).fetchone()
    app2 = write(
        tmp_path / "app2.csv", f"id;date;categorie;lat;lon\nA2;2026-11-14T10:00;depot_clandestin;{lat};{lon}\n"
    )
    s = ingest_file(conn, app2, IngestOptions(kind="reports", source="app"), settings, geocoder=geocoder, now=NOW)
    assert (s.inserted, s.details["quasi_doublons_lies"]) == (1, 0), s


def test_a_report_placed_by_a_person_later_is_linked_to_its_near_duplicate(conn, settings, tmp_path, geocoder):
    """An address to check has no sure point at import, so it is linked to nothing; once a person places it, it is
    linked as the import would have linked it, and the terminal says so."""
    app = write(
        tmp_path / "app.csv",
        "id;date;categorie;lat;lon\nA1;2026-11-14T08:30;depot_clandestin;50.6097927;5.5120109\n",
    )
    ingest_file(conn, app, IngestOptions(kind="reports", source="app"), settings, geocoder=geocoder, now=NOW)
    register = write(tmp_path / "registre.csv", "Date;Catégorie;Adresse\n14/11/2026 09:40;Dépôt clandestin;voir PV\n")
    ingest_file(conn, register, IngestOptions(kind="reports", source="registre"), settings, geocoder=geocoder, now=NOW)
    conn.commit()
    (review,) = open_reviews(conn)
    placed = run_cli(
        "geocode", "place", str(review["id"]), "--lon", "5.5120500", "--lat", "50.6098200", env=cli_env(settings)
    )
    assert placed.returncode == 0, placed.stderr
    said = " ".join(placed.stdout.split())
    first = conn.execute("SELECT id FROM reports WHERE external_id = 'A1'").fetchone()[0]
    assert f"C'est un quasi-doublon du signalement n° {first} (une autre source, même catégorie" in said, said
    linked = conn.execute("SELECT duplicate_of FROM reports WHERE source = 'registre'").fetchone()
    assert linked == (first,)


def test_a_register_kept_one_sheet_per_month_is_imported_sheet_by_sheet(conn, settings, tmp_path, geocoder):
    """« --toutes-les-feuilles »: each sheet with a table of reports is its own batch (the row numbers of its
    rejects are its own); a sheet of notes is said, not imported. Without it, one sheet is read and the others
    named, with the option that reads them all."""
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Lisez-moi"
    notes.append(["Registre 2026 du service Environnement : une feuille par mois."])
    months = {
        "Janvier": [("J-1", datetime(2026, 1, 5, 9, 0), "Dépôt clandestin", "Rue Ferrer 12")],
        "Février": [
            ("F-1", datetime(2026, 2, 3, 10, 0), "Tags", "Rue Ferrer 14"),
            ("F-2", datetime(2026, 2, 4, 10, 0), "Mystère", "Rue Ferrer 16"),
        ],
        "Mars": [],  # left empty, its header only: said, and April is still imported
        "Avril": [("A-1", datetime(2026, 4, 7, 11, 0), "Tags", "Rue Ferrer 18")],
    }
    for month, rows in months.items():
        sheet = book.create_sheet(month)
        sheet.append(["N° dossier", "Date", "Catégorie", "Adresse"])
        for row in rows:
            sheet.append(list(row))
    path = tmp_path / "registre_2026.xlsx"
    book.save(path)
    env = cli_env(settings)
    one = run_cli("ingest", "reports", str(path), "--source", "registre", env=env)
    said = " ".join(one.stdout.split())
    assert one.returncode == 0, one.stderr
    assert (
        "Feuille lue : « Janvier » (autres feuilles, non lues : « Lisez-moi », « Février », « Mars », « Avril » ; "
        "choisir : --feuille" in said
    )
    assert "ou toutes : --toutes-les-feuilles)" in said
    every = run_cli("ingest", "reports", str(path), "--toutes-les-feuilles", "--source", "registre", env=env)
    said = " ".join(every.stdout.split())
    assert every.returncode == 0, every.stderr
    assert "Feuille « Janvier »." in said and "Feuille « Février »." in said
    assert "ligne 3 — Catégorie « Mystère » : catégorie inconnue" in said
    # January's row was read by the first import: a duplicate now, as any row imported again
    assert "3 feuilles importées en autant de lots : 2 enregistrements créés." in said
    assert "Feuille « Lisez-moi » non lue : colonnes obligatoires absentes" in said
    assert "Feuille « Mars » refusée : aucune ligne de données après l'en-tête." in said
    assert said.index("Feuille « Février ».") < said.index("Feuille « Avril ».")
    batches = conn.execute(
        "SELECT rows_in, inserted, rejected, status FROM ingestion_batches WHERE options->>'source' = 'registre' "
        "ORDER BY id"
    ).fetchall()
    assert batches == [
        (1, 1, 0, "termine"),
        (1, 0, 0, "termine"),
        (2, 1, 1, "termine"),
        (0, 0, 0, "refuse"),
        (1, 1, 0, "termine"),
    ]
    refused = run_cli("ingest", "reports", str(DATA_CSV), "--toutes-les-feuilles", env=env)
    assert refused.returncode != 0 and "vaut pour un classeur (XLSX, XLSB, ODS, XLS)" in " ".join(
        refused.stderr.split()
    )
