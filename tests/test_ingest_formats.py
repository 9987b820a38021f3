"""Each input format and layout that reaches the service, read into the same schema."""

from __future__ import annotations

import json

import openpyxl
import pytest
from pyproj import Transformer

from tests.conftest import DATA
from tests.helpers import count, ingest, rejects

FMT = DATA / "formats"


def _rows(conn, sql="true"):
    cur = conn.execute(
        "SELECT external_id, category, status, address, geocode_status, input_crs, ST_X(geom), ST_Y(geom), "
        f"to_char(observed_at AT TIME ZONE 'Europe/Brussels', 'YYYY-MM-DD HH24:MI'), extra FROM reports WHERE {sql} "
        "ORDER BY external_id"
    )
    return cur.fetchall()


def test_dutch_export_with_lambert72_and_decimal_commas(conn, settings):
    s = ingest(conn, settings, FMT / "gent_sluikstort.csv")
    assert (s.rows_in, s.inserted, s.rejected) == (2, 2, 0)
    assert s.details["separateur"] == ";"
    rows = _rows(conn)
    assert [r[1] for r in rows] == ["depot_clandestin", "terrain_malpropre"]
    assert rows[0][3] == "Rue Ferrer 12"  # street and number columns joined
    assert rows[0][5] == "EPSG:31370"
    assert rows[0][6] == pytest.approx(230917.7) and rows[0][7] == pytest.approx(144970.3)
    assert rows[0][8] == "2026-03-10 08:12"


def test_german_export_with_german_headers_categories_states_and_dates(conn, settings):
    """German, Belgium's third official language: an export with German headers (« Straße », « Längengrad »),
    categories and states in German (a label, a word people write: « Hundehaufen ») and dates as German writes
    them (« 10.03.2026 », « Dienstag, 10. März 2026 um 14:30 Uhr »)."""
    s = ingest(conn, settings, FMT / "meldungen_de.csv")
    assert (s.rows_in, s.inserted, s.rejected) == (3, 3, 0)
    rows = _rows(conn)
    assert [r[0] for r in rows] == ["M-2026-0001", "M-2026-0002", "M-2026-0003"]
    assert [(r[1], r[2]) for r in rows] == [
        ("depot_clandestin", "nouveau"),
        ("sacs_hors_jour", "en_cours"),
        ("dejections", "clos"),
    ]
    assert [r[8] for r in rows] == ["2026-03-10 08:12", "2026-03-10 14:30", "2026-03-11 17:40"]
    assert rows[0][3] == "Rue Ferrer 12" and rows[1][3] == "Place des Verriers 3"  # Straße and Hausnummer joined
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True).transform(5.5052, 50.6043)
    assert rows[0][6] == pytest.approx(x, abs=0.01) and rows[0][7] == pytest.approx(y, abs=0.01)  # « 50,6043 »
    assert [r[4] for r in rows][1:] == ["a_geocoder", "a_geocoder"]  # no coordinates: the address is looked up
    described = conn.execute("SELECT description FROM reports WHERE external_id = 'M-2026-0001'").fetchone()
    assert described[0] == "Säcke und eine Matratze neben dem Glascontainer"


def test_fixmystreet_states_and_english_categories(conn, settings):
    s = ingest(conn, settings, FMT / "fixmystreet.csv")
    assert s.inserted == 3
    assert [(r[1], r[2]) for r in _rows(conn)] == [
        ("depot_clandestin", "nouveau"),
        ("graffiti", "en_cours"),
        ("vehicule_abandonne", "clos"),
    ]
    assert _rows(conn)[0][8] == "2026-02-01 09:00"  # offset honoured


def test_windows1252_commune_export_without_coordinates_goes_to_geocoding(conn, settings):
    s = ingest(conn, settings, FMT / "commune_cp1252.csv")
    assert s.details["encodage"] == "cp1252"
    assert s.details["a_geocoder"] == 2
    rows = _rows(conn)
    assert [r[4] for r in rows] == ["a_geocoder", "a_geocoder"]
    assert [r[1] for r in rows] == ["depot_clandestin", "sacs_hors_jour"]
    assert rows[0][3] == "r. Ferrer 12"
    row = conn.execute("SELECT description FROM reports WHERE external_id = '2026/0001'").fetchone()
    assert row[0] == "Sacs éventrés près du mur"  # accents decoded from Windows-1252


def test_reporter_contacts_are_kept_apart(conn, settings):
    ingest(conn, settings, FMT / "commune_cp1252.csv")
    contacts = conn.execute("SELECT name, phone, email FROM private.reporter_contacts").fetchall()
    assert contacts == [("Mme Lejeune", "04 336 12 34", "l.lejeune@example.be")]
    # nothing personal in the public table
    public = json.dumps(conn.execute("SELECT to_jsonb(r) FROM reports r").fetchall(), default=str)
    assert "Lejeune" not in public and "04 336" not in public


def test_utf8_bom_wgs84_and_lambert2008_give_the_same_points(conn, settings):
    ingest(conn, settings, FMT / "bom_wgs84.csv", source="a")
    ingest(conn, settings, FMT / "lambert2008.csv", source="b")
    pts = conn.execute(
        "SELECT a.external_id, b.external_id, ST_Distance(a.geom, b.geom), a.input_crs, b.input_crs "
        "FROM reports a JOIN reports b ON a.address = b.address AND a.source = 'a' AND b.source = 'b'"
    ).fetchall()
    assert len(pts) == 2
    for _a, _b, dist, crs_a, crs_b in pts:
        assert (crs_a, crs_b) == ("EPSG:4326", "EPSG:3812")
        assert dist < 2.0  # metres, after two different projections


def test_a_row_of_column_groups_above_the_header_is_skipped(conn, settings, tmp_path):
    """« Identification ; ; Localisation ; ; ; Constat » over the columns' names, under a title: the file was
    refused (« colonnes obligatoires absentes », the groups taken for the columns). Also in a workbook, where the
    groups are merged cells."""
    s = ingest(conn, settings, FMT / "registre_groupes_de_colonnes.csv")
    assert (s.inserted, s.rejected, s.details["lignes_au_dessus_de_l_entete"]) == (2, 0, 2)
    assert [(r[0], r[1], r[3]) for r in _rows(conn)] == [
        ("S-1", "depot_clandestin", "Rue Ferrer 12"),
        ("S-2", "graffiti", "Rue Ferrer 14"),
    ]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Identification", None, "Localisation", None, None, "Constat"])
    sheet.merge_cells("A1:B1")
    sheet.merge_cells("C1:E1")
    sheet.append(["N° dossier", "Date", "Rue", "N°", "Commune", "Catégorie"])
    sheet.append(["S-3", "13/03/2026 08:00", "Rue Ferrer", 16, "Seraing", "Dépôt clandestin"])
    book.save(tmp_path / "groupes.xlsx")
    s = ingest(conn, settings, tmp_path / "groupes.xlsx")
    assert (s.inserted, s.rejected, s.details["lignes_au_dessus_de_l_entete"]) == (1, 0, 1)
    assert conn.execute("SELECT address FROM reports WHERE external_id = 'S-3'").fetchone() == ("Rue Ferrer 16",)


def test_xlsx_patrol_sheet(conn, settings):
    s = ingest(conn, settings, FMT / "patrouille.xlsx")
    assert (s.format, s.inserted, s.rejected) == ("xlsx", 2, 0)
    rows = _rows(conn)
    assert [r[1] for r in rows] == ["depot_clandestin", "incineration"]
    assert rows[0][3] == "Rue Ferrer 12" and rows[0][8] == "2026-03-02 07:45"
    assert rows[0][5] == "EPSG:31370"


def test_geojson_points_null_geometry_and_unknown_properties(conn, settings):
    s = ingest(conn, settings, FMT / "signalements.geojson")
    assert (s.format, s.inserted, s.rejected) == ("geojson", 2, 0)
    rows = _rows(conn)
    assert rows[0][0] == "J1" and rows[0][4] == "fourni"
    assert rows[1][0] == "J2" and rows[1][4] == "a_geocoder"
    assert rows[1][9] == {"lieu_dit": "près de l'arrêt"}  # unmapped columns are kept, not dropped


def test_open311_capture_from_another_city_is_rejected_row_by_row(conn, settings):
    s = ingest(conn, settings, DATA / "open311_chicago_requests.json")
    assert (s.format, s.rows_in, s.rejected, s.inserted) == ("open311", 2, 2, 0)
    got = rejects(conn, s.batch_id)
    for reasons in got.values():
        assert any(r.startswith("catégorie: catégorie inconnue") for r in reasons)
        assert any(r.startswith("coordonnées: coordonnées hors de Belgique") for r in reasons)
    assert count(conn, "reports") == 0
