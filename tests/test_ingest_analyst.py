"""Files as an analyst receives them (``tests/data/analyste``, written by ``make_analyst_files.py``): each was
refused or half rejected before, and now reads as a person expects, with rejects numbered as the file shows."""

from __future__ import annotations

import subprocess
import sys

import pytest

from service.errors import InputFileError
from service.ingest.pipeline import IngestOptions, ingest_file
from tests.conftest import DATA, ROOT
from tests.helpers import NOW, cli_env, ingest, rejects

FILES = DATA / "analyste"


def _stored(conn):
    return conn.execute(
        "SELECT external_id, category, address, commune, "
        "to_char(observed_at AT TIME ZONE 'Europe/Brussels', 'YYYY-MM-DD HH24:MI'), round(ST_X(geom)), "
        "round(ST_Y(geom)) FROM reports ORDER BY observed_at, external_id"
    ).fetchall()


def test_excel_export_in_windows_1252_with_written_dates_and_plural_labels(conn, settings):
    """« Date du constat », « lundi 2 mars 2026 à 08h27 », « Dépôts sauvages », « 50,6097927 »: all read; the
    row typed twice counts once; a second import of the same file changes nothing."""
    s = ingest(conn, settings, FILES / "export_excel_cp1252.csv")
    assert (s.rows_in, s.inserted, s.duplicates, s.rejected) == (6, 5, 1, 0)
    rows = {r[0]: r for r in _stored(conn)}
    assert rows["ENV/2026/0001"][1:5] == ("depot_clandestin", "Rue Ferrer 12", "Seraing", "2026-03-02 08:27")
    assert rows["ENV/2026/0001"][5:] == (230918, 144970)  # decimal commas, WGS84 → Lambert 72
    assert rows["ENV/2026/0002"][1] == "dejections" and rows["ENV/2026/0002"][4] == "2026-03-03 00:00"
    assert rows["ENV/2026/0003"][4] == "2025-12-01 14:05"
    assert rows["ENV/2026/0004"][1] == "affichage_sauvage"
    assert rows["ENV/2026/0005"][2:4] == ("Rue de la Station 20", "Luik")  # text stored as given
    again = ingest(conn, settings, FILES / "export_excel_cp1252.csv")
    assert (again.inserted, again.updated, again.duplicates, again.rejected) == (0, 0, 6, 0)


def test_title_and_blank_line_above_the_header_are_skipped_and_rows_keep_their_line_numbers(conn, settings):
    """The file was refused whole (« colonnes trouvées : 'Export des plaintes…' »); now the title, its date (two
    cells: « Édité le;01/12/2026 ») and the blank line are passed over, and a bad row is reported with the line
    number a spreadsheet shows."""
    s = ingest(conn, settings, FILES / "titre_au_dessus.csv")
    assert (s.rows_in, s.inserted, s.rejected) == (3, 2, 1)
    assert s.details["lignes_au_dessus_de_l_entete"] == 3  # said in the summary, not skipped silently
    assert rejects(conn, s.batch_id) == {
        6: [
            "date: date illisible (formats acceptés : 25/11/2026 14:30, 25/11/2026 14h30, "
            "25/11/2026, 25 novembre 2026 14h30, 25.11.2026 14:30 Uhr, 2026-11-25T14:30, "
            "2026-11-25 14:30:00+01:00)"
        ]
    }
    assert [r[1:5] for r in _stored(conn)] == [
        ("graffiti", "Rue Ferrer 12", "Seraing", "2026-03-02 10:00"),
        ("incineration", "Rue de la Station 20", "Seraing", "2026-03-12 14:30"),
    ]


def test_empty_column_names_after_the_last_titled_column_are_named_not_refused(conn, settings):
    """« Date;…;Commune;; »: the file was refused whole (« colonnes en double dans l'en-tête : '' »); the empty
    names become colonne_7, colonne_8 as in a workbook, and the rows are read."""
    s = ingest(conn, settings, FILES / "colonnes_vides_en_fin.csv")
    assert (s.rows_in, s.inserted, s.rejected) == (2, 2, 0)
    assert s.details["colonnes_ignorees"] == ["colonne_7", "colonne_8"]


def test_workbook_opening_on_a_note_is_read_from_its_table_sheet(conn, settings):
    """The first sheet only holds a note: the sheet with a table is read, below its blank rows and title."""
    s = ingest(conn, settings, FILES / "deux_feuilles.xlsx")
    assert (s.rows_in, s.inserted, s.rejected) == (3, 2, 1)
    assert (s.details["feuille"], s.details["feuilles"]) == ("Données", ["Lisez-moi", "Données"])
    assert s.details["lignes_au_dessus_de_l_entete"] == 3
    assert list(rejects(conn, s.batch_id)) == [7]  # the row number the spreadsheet shows
    assert [r[1:5] for r in _stored(conn)] == [
        ("depot_clandestin", "Rue Ferrer 12", "Seraing", "2026-03-02 10:30"),
        ("dejections", "Place des Verriers 3", "Seraing", "2026-03-03 11:00"),
    ]


def test_a_workbook_refused_names_its_sheets_not_a_separator(conn, settings, tmp_path):
    """Asked to read the note sheet, the refusal lists the sheets and says --feuille, never « séparateur »."""
    with pytest.raises(InputFileError) as refused:
        ingest_file(conn, FILES / "deux_feuilles.xlsx", IngestOptions("reports", sheet="Lisez-moi"), settings, now=NOW)
    assert "Feuilles du classeur : Lisez-moi, Données" in (refused.value.hint or "")
    assert "--feuille" in (refused.value.hint or "") and "séparateur" not in (refused.value.hint or "")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "service",
            "ingest",
            "reports",
            str(FILES / "deux_feuilles.xlsx"),
            "--feuille",
            "Lisez-moi",
        ],
        env=cli_env(settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 2 and "Choisissez celle des données avec --feuille NOM" in said
    listed = subprocess.run(
        [sys.executable, "-m", "service", "batches"],
        env={**cli_env(settings), "COLUMNS": "200"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    imported = subprocess.run(
        [sys.executable, "-m", "service", "ingest", "reports", str(FILES / "deux_feuilles.xlsx")],
        env=cli_env(settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr  # the file name whole in the summary, not « deux_feuill… »
    assert "│ deux_feuilles.xlsx │ signalements │      3 │" in imported.stdout, imported.stdout
    said = " ".join(imported.stdout.split())  # which sheet, and the rows above the header, said
    assert "Feuille lue : « Données » (autres feuilles, non lues : « Lisez-moi » ; choisir : --feuille NOM, ou" in said
    assert (
        "En-tête trouvé à la ligne 4 : 3 lignes au-dessus (titre, lignes vides, groupes de colonnes) sautées." in said
    )
    shown = " ".join(listed.stdout.split())
    assert "│ refusé │" in shown and "refuse " not in shown  # the state in words, then why it was refused
    assert "Lot 1 (deux_feuilles.xlsx) refusé : deux_feuilles.xlsx : colonnes obligatoires absentes" in shown


def test_a_register_numbered_n_keeps_its_numbers_and_a_second_import_changes_nothing(conn, settings):
    """« N° » beside a whole « Adresse » numbers the register's rows: it was read as a house number nobody used,
    the rows had no identifier, and the corrected file imported again would have come in twice."""
    s = ingest(conn, settings, FILES / "registre_numerote.csv")
    assert (s.rows_in, s.inserted, s.rejected) == (3, 3, 0), rejects(conn, s.batch_id)
    rows = {r[0]: r for r in _stored(conn)}
    assert set(rows) == {"1", "2", "3"}
    assert rows["2"][1:3] == ("dejections", "Av. de la Concorde 11, 4100")  # the address as written, whole
    again = ingest(conn, settings, FILES / "registre_numerote.csv")
    assert (again.inserted, again.duplicates) == (0, 3)


def test_a_street_in_adresse_takes_the_house_number_of_the_column_beside_it(conn, settings):
    """« Adresse » = « Rue Ferrer », « N° » = 12: the number was left out and the report went to the middle of
    the street. An address that has its number keeps it."""
    s = ingest(conn, settings, FILES / "adresse_et_numero.csv")
    assert (s.rows_in, s.inserted, s.rejected) == (3, 3, 0)
    addresses = [r[0] for r in conn.execute("SELECT address FROM reports ORDER BY observed_at").fetchall()]
    assert addresses == ["Rue Ferrer 12", "Place des Verriers 3", "Rue de la Station 20"]


def test_a_police_register_s_workbook_is_read_with_its_date_time_column_its_labels_and_its_total_line(conn, settings):
    """« Date/heure constat » was named by no alias and the whole file was refused (« Date/heure clôture » was
    left unread); « incinération déchets » was
    an unknown category (its label has « de »); the foot's « Total : 3 constats » was a row « à corriger ». Now the
    date column is the one holding « date » and « constat », « N° PV » numbers the rows, the labels are read
    without their small words, and the total line is counted apart as nothing to import."""
    s = ingest(conn, settings, FILES / "registre_pv.xlsx")
    assert s.details["colonnes"]["observed_at"] == "Date/heure constat"
    assert s.details["colonnes"]["external_id"] == "N° PV"
    assert s.details["colonnes"]["closed_at"] == "Date/heure clôture"  # an optional field that names itself alone
    closed = conn.execute(
        "SELECT external_id, status, to_char(closed_at AT TIME ZONE 'Europe/Brussels', 'YYYY-MM-DD HH24:MI') "
        "FROM reports ORDER BY external_id"
    ).fetchall()
    assert closed == [
        ("PV/2026/0412", "clos", "2026-03-05 11:00"),
        ("PV/2026/0413", "nouveau", None),
        ("PV/2026/0414", "nouveau", None),
    ], closed
    assert (s.rows_in, s.inserted, s.rejected, s.details["lignes_de_total"]) == (4, 3, 1, 1)
    assert [r[:5] for r in _stored(conn)] == [
        ("PV/2026/0412", "depot_clandestin", "Rue Ferrer 12", "4100 SERAING", "2026-03-02 09:15"),
        ("PV/2026/0413", "incineration", "Place des Verriers 3", "Seraing", "2026-03-03 14:00"),
        ("PV/2026/0414", "depot_clandestin", "Rue de la Station 20", "Seraing", "2026-03-04 16:40"),
    ]
    total = "ligne: ligne de total : le pied du tableau, pas un enregistrement ; rien à importer"
    assert rejects(conn, s.batch_id) == {8: [total]}  # the row number the spreadsheet shows
    assert s.to_fix == 0 and s.to_correct == []
    assert s.reject_lines() == [
        "1 ligne non enregistrée, dont 1 ligne de total (« Total », « Sous-total »… au pied du tableau : rien à "
        "importer)."
    ]
    kept = conn.execute("SELECT raw FROM rejected_rows WHERE batch_id = %s", (s.batch_id,)).fetchone()[0]
    assert kept["N° PV"] == "Total : 3 constats"  # rejected, never dropped: the row is kept as read
    again = ingest(conn, settings, FILES / "registre_pv.xlsx")
    assert (again.inserted, again.duplicates) == (0, 3)
