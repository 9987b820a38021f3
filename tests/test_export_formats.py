"""One plan → five files, each opened by a real reader: the same stops in the same order, French words with their
accents, decimal commas in the CSV, real dates and drop-down lists in the XLSX, WGS84 in the GeoJSON, valid GPX,
and a printed sheet whose map shows the routes in their colours.

The plan is made on the analysed demo data (once for the module); a small hand-built sheet covers the edge cases
(an axis, an empty list of dropped sites, text that a spreadsheet would run as a formula).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime, timedelta
from types import SimpleNamespace

import geopandas as gpd
import gpxpy
import numpy as np
import openpyxl
import pandas as pd
import pypdf
import pypdfium2 as pdfium
import pytest
import shapely
from openpyxl.utils import get_column_letter

from service.db import connect
from service.db.vocabulary import load_labels
from service.errors import InvalidValueError
from service.export import (
    FORMATS,
    LIST_COLUMNS,
    PLAN_COLUMNS,
    load_sheet_background,
    parse_formats,
    render,
    write_pack,
)
from service.export.pdf_sheet import PRINTED_LEFT_OUT, render_pdf, team_colour
from service.export.print_map import AXIS_COLOUR
from service.export.sheet import Sheet, sheet_from_plan
from service.export.sites import site_filters, site_list
from service.geocode.match import Geocoder
from service.numbers import french_number
from service.plan import ShiftRequest, load_plan, plan_shift, save_plan
from tests.helpers import NOW, load_analysed_demo

#: The service's time zone in these tests (the settings' default).
ZONE = "Europe/Brussels"
DATE = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$")


@pytest.fixture(scope="module")
def pack(settings, tmp_path_factory):
    """A two-team, four-hour plan on the analysed demo data, stored, read back and written in every format."""
    load_analysed_demo(settings, tmp_path_factory.mktemp("demo"))
    with connect(settings) as conn:
        request = ShiftRequest(starts_at=NOW + timedelta(days=3), budget_minutes=240, teams=2, time_limit_s=1.0)
        plan = plan_shift(conn, settings, request, geocoder=Geocoder.from_db(conn), now=NOW)
        plan_id = save_plan(conn, plan)
        conn.commit()
        sheet = sheet_from_plan(
            load_plan(conn, plan_id), load_labels(conn), zone=ZONE, base_url="http://hotspots.test/"
        )
        background = load_sheet_background(conn, settings, sheet)
    out = tmp_path_factory.mktemp("pack")
    paths = write_pack(sheet, out, FORMATS, background=background)
    return SimpleNamespace(plan_id=plan_id, sheet=sheet, paths={p.suffix[1:]: p for p in paths}, background=background)


def _refs(sheet: Sheet) -> list[str]:
    return list(sheet.rows["Arrêt"])


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def _pixels(data: bytes, page: int = 0) -> np.ndarray:
    pdf = pdfium.PdfDocument(data)
    bitmap = pdf[page].render(scale=2, rev_byteorder=True)  # RGB, not the default BGR
    assert bitmap.mode in ("RGB", "RGBA", "RGBX"), bitmap.mode
    return bitmap.to_numpy()[:, :, :3].astype(int)


def _near(pixels: np.ndarray, hex_colour: str, tolerance: int = 40) -> int:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels - rgb).max(axis=2) <= tolerance).sum())


def test_the_pack_has_five_files_named_after_the_plan(pack):
    assert sorted(pack.paths) == sorted(FORMATS)
    assert {p.name for p in pack.paths.values()} == {f"tournee_{pack.plan_id}.{fmt}" for fmt in FORMATS}
    assert len(pack.sheet.rows) > 5 and pack.sheet.rows["Équipe"].nunique() == 2
    assert pack.background.streets, "the map's streets come from the official addresses"
    # words, not codes, wherever a person reads a state, a category or a trend
    for column in ("État", "Catégorie", "Tendance", "Suite de la dernière visite", "Type"):
        assert not pack.sheet.rows[column].dropna().str.contains("_").any(), pack.sheet.rows[column].unique()


def test_csv_is_for_a_belgian_excel(pack):
    raw = pack.paths["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == PLAN_COLUMNS and "Catégorie" in rows[0] and "Dernière visite" in rows[0]
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert [r["Arrêt"] for r in body] == _refs(pack.sheet)
    assert all(re.fullmatch(r"\d+,\d{2}", r["Priorité"]) for r in body)  # decimal comma, never a point
    assert all(re.fullmatch(r"50,\d{6}", r["Latitude"]) for r in body)
    assert all(DATE.match(r["Arrivée"]) for r in body)
    first = pack.sheet.rows["Arrivée"].iloc[0]
    assert body[0]["Arrivée"] == first.tz_convert("Europe/Brussels").strftime("%d/%m/%Y %H:%M")
    assert {"Point sensible", "Axe problématique"} <= {r["Type"] for r in body}  # labels, not codes
    assert "Dépôt clandestin" in {r["Catégorie"] for r in body}
    assert {r["Source"] for r in body} == {"tournee"} and {r["Tournée"] for r in body} == {str(pack.plan_id)}
    # and pandas reads the numbers back as numbers with the Belgian settings
    frame = pd.read_csv(pack.paths["csv"], sep=";", decimal=",", encoding="utf-8-sig")
    assert frame["Priorité"].dtype == float
    assert frame["Priorité"].round(2).tolist() == pack.sheet.rows["Priorité"].round(2).tolist()


def test_xlsx_is_the_table_the_officer_fills_in(pack):
    book = openpyxl.load_workbook(pack.paths["xlsx"])
    ws = book.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header == PLAN_COLUMNS
    col = {name: i + 1 for i, name in enumerate(header)}
    n = len(pack.sheet.rows)
    assert ws.max_row == n + 1
    assert [ws.cell(row=i, column=col["Arrêt"]).value for i in range(2, n + 2)] == _refs(pack.sheet)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:AE{n + 1}"
    arrival = ws.cell(row=2, column=col["Arrivée"])
    assert isinstance(arrival.value, datetime) and arrival.value.tzinfo is None
    assert arrival.number_format == "DD/MM/YYYY HH:MM"
    expected = pack.sheet.rows["Arrivée"].iloc[0].tz_convert("Europe/Brussels").tz_localize(None)
    assert arrival.value == expected.to_pydatetime()  # local time, as the officer reads it
    priority = ws.cell(row=2, column=col["Priorité"])
    assert isinstance(priority.value, float) and priority.number_format == "0.00"
    assert ws.cell(row=2, column=col["Latitude"]).number_format == "0.000000"
    for i in range(2, n + 2):
        link = ws.cell(row=i, column=col["Lien carte"])
        site = ws.cell(row=i, column=col["Site"]).value
        assert link.value == "Voir sur la carte" and link.hyperlink.target == f"http://hotspots.test/carte#site={site}"
    assert ws.column_dimensions[get_column_letter(col["Pourquoi"])].width == 60  # "Pourquoi" is wide, and wraps
    assert 8 <= ws.column_dimensions["A"].width < 12
    (validation,) = ws.data_validations.dataValidation
    assert validation.type == "list" and str(validation.sqref) == "{0}2:{0}{1}".format(
        get_column_letter(col["Résultat"]), n + 1
    )
    assert header.index("Résultat") == header.index("Fait") + 1  # the first box to fill, after « Fait »
    assert [s.strip('"') for s in validation.formula1.split(",")] == pack.sheet.outcome_labels
    assert "Procès-verbal" in validation.formula1 and "À revoir" in validation.formula1
    info = book["Informations"]
    texts = [c.value for row in info.iter_rows() for c in row if isinstance(c.value, str)]
    assert pack.sheet.title in texts and any("vol d'oiseau × 1,3" in t for t in texts)
    assert any(t.startswith("Sites non retenus") for t in texts)


def test_geojson_has_stops_axes_and_routes_in_wgs84(pack):
    frame = gpd.read_file(pack.paths["geojson"])  # pyogrio
    assert frame.crs.to_epsg() == 4326
    stops = frame[frame["role"] == "arret"]
    assert list(stops["Arrêt"]) == _refs(pack.sheet)
    assert stops.geometry.geom_type.eq("Point").all()
    assert stops.geometry.x.between(5.40, 5.60).all() and stops.geometry.y.between(50.50, 50.65).all()
    n_axes = int(pack.sheet.places["line"].notna().sum())
    axes = frame[frame["role"] == "axe"]
    assert n_axes > 0 and len(axes) == n_axes and axes.geometry.geom_type.eq("LineString").all()
    routes = frame[frame["role"] == "itineraire"]
    assert sorted(routes["Équipe"].astype(int)) == [1, 2] and routes.geometry.geom_type.eq("LineString").all()
    raw = json.loads(pack.paths["geojson"].read_text(encoding="utf-8"))
    first = raw["features"][0]["properties"]
    assert datetime.fromisoformat(first["Arrivée"]).utcoffset() == timedelta(hours=1)  # Brussels, winter
    assert first["Priorité"] == pack.sheet.rows["Priorité"].iloc[0] and "crs" not in raw


def test_gpx_waypoints_routes_and_axes_in_visit_order(pack):
    data = pack.paths["gpx"].read_text(encoding="utf-8")
    gpx = gpxpy.parse(data)
    assert gpx.version == "1.1" and gpx.name == pack.sheet.title
    rows = pack.sheet.rows
    expected = [f"E{t}·{o:02d} {s}" for t, o, s in zip(rows["Équipe"], rows["Ordre"], rows["Site"], strict=True)]
    assert [w.name.split(" ")[0] + " " + w.name.split(" ")[1] for w in gpx.waypoints] == expected
    assert "Dépôt clandestin" in " ".join(w.description for w in gpx.waypoints)
    assert [r.number for r in gpx.routes] == [1, 2]
    for team, route in enumerate(gpx.routes, start=1):
        names = [p.name for p in route.points]
        assert names[0].startswith("Départ : ") and names[-1].startswith("Arrivée : ")
        visited = [nm.split(" ")[0] for nm in names[1:-1] if "(fin de l'axe)" not in nm]
        assert visited == [e.split(" ")[0] for e in expected if e.startswith(f"E{team}·")]
    assert len(gpx.tracks) == int(rows["Type"].eq("Axe problématique").sum()) > 0
    assert all(len(t.segments[0].points) >= 2 for t in gpx.tracks)
    # the schema's order of elements (strict GPS readers refuse another)
    root = ET.fromstring(data.encode("utf-8"))
    tags = [child.tag.split("}")[1] for child in root]
    assert tags == sorted(tags, key=["metadata", "wpt", "rte", "trk"].index)


def test_pdf_job_sheet_reads_in_french_with_every_stop(pack):
    data = pack.paths["pdf"].read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.metadata.title == pack.sheet.title
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.1)  # A4
    text = _pdf_text(data)
    positions = [text.index(ref) for ref in _refs(pack.sheet)]
    assert positions == sorted(positions), "stops in visit order"
    for words in (
        "premier arrêt à",
        "Équipe 1",
        "Équipe 2",
        "Pourquoi",
        "Dernière visite",
        "Procès-verbal",
        "À revoir",
        "Dépôt clandestin",
        "Sites non retenus",
        "distance à vol d'oiseau × 1,3",
        "Fond : rues tracées d'après les adresses officielles",
        "gravité",
    ):
        assert words in text, words
    first_dropped = pack.sheet.dropped["Site"].iloc[0]
    assert first_dropped in text and "durée épuisée" in text
    # each page says its number out of the total, in the header (the total is known once the stops have flowed)
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 3  # the map page, then one page of stops at least per team
    assert all(f"page {n} / {len(pages)}" in page for n, page in enumerate(pages, start=1))


def test_each_stop_s_gps_position_opens_the_phone_s_navigation_from_the_pdf(pack):
    """Read on a phone, the sheet's « GPS 50.61812, 5.48123 » is a ``geo:`` link (RFC 5870) that the navigation
    app opens on the site: one per stop, in visit order, at the stop's own coordinates (to the metre)."""
    reader = pypdf.PdfReader(io.BytesIO(pack.paths["pdf"].read_bytes()))
    links = [
        annot.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annot in page.get("/Annots") or []
        if str(annot.get_object()["/A"].get("/URI", "")).startswith("geo:")
    ]
    rows = pack.sheet.rows
    assert len(links) == len(rows)
    for link, lat, lon in zip(links, rows["Latitude"], rows["Longitude"], strict=True):
        got = [float(v) for v in link.removeprefix("geo:").split(",")]
        assert got == pytest.approx([lat, lon], abs=1e-5), (link, lat, lon)


def test_the_printed_sheet_cuts_the_sites_left_out_and_the_workbook_keeps_them_all(pack):
    """A short shift leaves many sites out: paper prints those of highest priority and says where the rest are."""
    dropped = pack.sheet.dropped
    assert len(dropped) > PRINTED_LEFT_OUT
    assert dropped["Priorité"].is_monotonic_decreasing
    text = " ".join(_pdf_text(pack.paths["pdf"].read_bytes()).split())
    tail = text[text.index(f"Sites non retenus ({len(dropped)})") :]
    # the reason common to them all is said once, above the list; each row keeps its own minutes
    why = "Durée épuisée : les sites retenus valent plus pour le temps qu'ils prennent."
    assert tail.count(why) == 1 and text.count("valent plus") == 1
    printed = [site for site in dropped["Site"] if re.search(rf"\b{re.escape(site)}\b", tail)]
    assert printed == list(dropped["Site"].head(PRINTED_LEFT_OUT))
    rest = dropped["Priorité"].iloc[PRINTED_LEFT_OUT]
    assert len(dropped) - PRINTED_LEFT_OUT >= 2
    assert (
        f"… et {len(dropped) - PRINTED_LEFT_OUT} autres, de priorité {french_number(rest, 2)} ou moins : "
        "la liste entière est dans le tableur (XLSX) de la même liste."
    ) in tail
    info = openpyxl.load_workbook(pack.paths["xlsx"])["Informations"]
    rows = [[c.value for c in row] for row in info.iter_rows()]
    title = next(i for i, r in enumerate(rows) if str(r[0]).startswith("Sites non retenus"))
    assert rows[title + 1][0] == why and rows[title + 2][:4] == ["Site", "Lieu", "Priorité", "Raison"]
    listed = rows[title + 3 : title + 3 + len(dropped)]
    assert [r[0] for r in listed] == list(dropped["Site"])
    assert all(str(r[3]).startswith(("durée épuisée", "trop loin", "fermé")) for r in listed)
    assert not any("valent plus" in str(r[3]) for r in listed)


def test_pdf_map_page_shows_the_routes_in_their_colours(pack):
    data = pack.paths["pdf"].read_bytes()
    pixels = _pixels(data, 0)
    assert (pixels.min(axis=2) < 200).mean() > 0.02, "the first page is not blank"
    drawn = min(_near(pixels, team_colour(1)), _near(pixels, team_colour(2)))
    assert drawn > 200
    assert _near(pixels, "#f08c8d", 30) > 50  # the axes' red, drawn half transparent over white
    # two teams, two colours: a third team's colour at most in a few blended pixels where the two routes cross
    assert _near(pixels, team_colour(3)) < drawn / 100, "two teams, two colours"
    assert AXIS_COLOUR not in (team_colour(1), team_colour(2))
    # a stop page is not blank either
    assert (_pixels(data, 1).min(axis=2) < 200).mean() > 0.01


def test_pdf_job_sheet_carries_a_qr_code_of_the_plan_on_the_map(pack, settings):
    """Page 1's QR code, read by a real decoder (OpenCV) from the page as printed: the plan's page on the map, where
    the officer records each stop on the phone; the same address written under it for who cannot scan."""
    import cv2

    data = pack.paths["pdf"].read_bytes()
    link = f"http://hotspots.test/carte#tournee={pack.plan_id}"
    page = pdfium.PdfDocument(data)[0].render(scale=3).to_numpy()[:, :, :3]
    found, _points, _straight = cv2.QRCodeDetector().detectAndDecode(np.ascontiguousarray(page))
    assert found == link
    first = " ".join(pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    assert "Sur le téléphone : scannez, puis encodez le résultat de chaque arrêt." in first
    assert f"Sur la carte, pour encoder les résultats : {link}" in first  # for who cannot scan
    # the command line's default address is this computer's own, which a phone cannot open: no code then
    with connect(settings) as conn:
        local = sheet_from_plan(
            load_plan(conn, pack.plan_id), load_labels(conn), zone=ZONE, base_url="http://127.0.0.1:8000"
        )
    assert local.link is None and local.rows["Lien carte"].iloc[0].startswith("http://127.0.0.1:8000/carte#site=")
    plain = render_pdf(local, background=pack.background)
    assert (
        "Sur le téléphone" not in _pdf_text(plain)
        and not cv2.QRCodeDetector().detectAndDecode(
            np.ascontiguousarray(pdfium.PdfDocument(plain)[0].render(scale=3).to_numpy()[:, :, :3])
        )[0]
    )


def _small_sheet(*, outcome_labels: list[str] | None = None) -> Sheet:
    """Two stops of one team: a point whose texts start like formulas, and an axis."""
    arrival = pd.Timestamp("2026-11-23 08:10", tz="Europe/Brussels")
    base = dict.fromkeys(PLAN_COLUMNS)
    rows = [
        base
        | {
            "Ordre": 1,
            "Équipe": 1,
            "Arrivée": arrival,
            "Arrêt": "T9-E1-01",
            "Site": "PS-0001",
            "Type": "Point sensible",
            "Lieu": '=HYPERLINK("http://x";"clic")',
            "Commune": "Seraing",
            "Catégorie": "+Dépôt clandestin",
            "État": "Actif",
            "Priorité": 45.53,
            "Pourquoi": "-3 sacs ; @voisin",
            "Calcul de la priorité": "\tgravité 3",
            "Signalements": 12,
            "Trajet (min)": 4.2,
            "Sur place (min)": 15.0,
            "Latitude": 50.6,
            "Longitude": 5.5,
            "Fait": "non",
            "Tournée": 9,
            "Source": "tournee",
        },
        base
        | {
            "Ordre": 2,
            "Équipe": 1,
            "Arrivée": arrival + pd.Timedelta(minutes=25),
            "Arrêt": "T9-E1-02",
            "Site": "AX-0002",
            "Type": "Axe problématique",
            "Lieu": "Rue de l'Industrie (Seraing)",
            "Commune": "Seraing",
            "Catégorie": "Sacs sortis hors collecte",
            "État": "Nouveau",
            "Priorité": 3.5,
            "Pourquoi": "8 signalements",
            "Signalements": 8,
            "Trajet (min)": 3.0,
            "Sur place (min)": 9.0,
            "Latitude": 50.61,
            "Longitude": 5.51,
            "Fait": "oui",
            "Résultat": "Nettoyé",
            "Date de visite": arrival + pd.Timedelta(minutes=31),
            "Agent": "Agent Dupont",
            "Tournée": 9,
            "Source": "tournee",
        },
    ]
    axis = shapely.LineString([(231200, 145100), (231350, 145200), (231500, 145300)])
    places = gpd.GeoDataFrame(
        {"line": [None, axis], "exit": [shapely.Point(231000, 145000), shapely.Point(231500, 145300)]},
        geometry=[shapely.Point(231000, 145000), shapely.Point(231200, 145100)],
        crs="EPSG:31370",
    )
    routes = gpd.GeoDataFrame(
        {"team": [1]},
        geometry=[
            shapely.LineString(
                [(230700, 145500), (231000, 145000), (231200, 145100), (231500, 145300), (230700, 145500)]
            )
        ],
        crs="EPSG:31370",
    )
    start = {"label": "Place Communale 1, 4100 Seraing", "x": 230700.0, "y": 145500.0}
    return Sheet(
        title="Tournée n° 9 — 23/11/2026, 08:00–10:00",
        subtitle="1 équipe à pied",
        rows=pd.DataFrame(rows, columns=PLAN_COLUMNS),
        places=places,
        ordered=True,
        outcome_labels=outcome_labels or ["Nettoyé", "Procès-verbal", "=cmd|' /C calc'!A0", "À revoir"],
        timezone=ZONE,
        routes=routes,
        start=start,
        end=dict(start),
        notes=["=1+1 note"],
        facts={"Tournée": "9", "Durée": "2 h"},
        dropped=pd.DataFrame(columns=["Site", "Lieu", "Priorité", "Raison"]),
    )


def test_text_that_looks_like_a_formula_is_neutralised_in_csv_and_xlsx():
    """CSV has no cell types: a leading apostrophe. XLSX has them: the text as given, in a text cell marked
    « quote prefix » (as when a person types ``'=…``), so the officer reads « -3 sacs », not « '-3 sacs », and
    no spreadsheet runs it, even once the cell is edited."""
    sheet = _small_sheet()
    rows = list(csv.reader(io.StringIO(render(sheet, "csv").decode("utf-8-sig")), delimiter=";"))
    point = dict(zip(rows[0], rows[1], strict=True))
    assert point["Lieu"] == """'=HYPERLINK("http://x";"clic")"""
    assert point["Catégorie"] == "'+Dépôt clandestin" and point["Pourquoi"] == "'-3 sacs ; @voisin"
    assert point["Calcul de la priorité"] == "'\tgravité 3"
    assert point["Priorité"] == "45,53" and point["Trajet (min)"] == "4,2"  # numbers are not text: untouched
    data = render(sheet, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book.worksheets[0]
    col = {c.value: c.column for c in ws[1]}
    lieu = ws.cell(row=2, column=col["Lieu"])
    assert lieu.data_type == "s" and lieu.value == """=HYPERLINK("http://x";"clic")""" and lieu.quotePrefix
    categorie, pourquoi = ws.cell(row=2, column=col["Catégorie"]), ws.cell(row=2, column=col["Pourquoi"])
    assert (categorie.value, pourquoi.value) == ("+Dépôt clandestin", "-3 sacs ; @voisin")
    assert categorie.quotePrefix and pourquoi.quotePrefix
    assert not ws.cell(row=2, column=col["Site"]).quotePrefix  # plain text is left plain
    assert ws.cell(row=2, column=col["Priorité"]).value == 45.53
    assert not any(c.data_type == "f" for sheet_ in book.worksheets for row in sheet_.iter_rows() for c in row)
    with zipfile.ZipFile(io.BytesIO(data)) as parts:  # no formula element in any sheet of the file itself
        sheets = [n for n in parts.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in parts.read(n) or b"<f " in parts.read(n) for n in sheets)
    assert "'=cmd" in ws.data_validations.dataValidation[0].formula1  # a list's words live in a formula: quoted
    notes = book["Informations"]
    note = next(c for row in notes.iter_rows() for c in row if c.value == "=1+1 note")
    assert note.data_type == "s" and note.quotePrefix


def test_small_sheet_edge_cases_in_every_format(tmp_path):
    sheet = _small_sheet()
    paths = write_pack(sheet, tmp_path, "pdf,gpx,geojson")
    assert [p.name for p in paths] == ["tournee_9.pdf", "tournee_9.gpx", "tournee_9.geojson"]
    text = _pdf_text(paths[0].read_bytes())
    assert "Aucun : tous les sites candidats sont dans la tournée." in text
    assert "Rue de l'Industrie (Seraing)" in text and "T9-E1-02" in text
    assert "axe à parcourir" in text and "départ et arrivée" in text
    assert "☒ Nettoyé" in text and "☐ Procès-verbal" in text  # the outcome known once the visit is in
    assert "23/11/2026 08:41" in text and "Agent Dupont" in text
    gpx = gpxpy.parse(paths[1].read_text(encoding="utf-8"))
    assert [w.name for w in gpx.waypoints] == [
        '01 PS-0001 =HYPERLINK("http://x";"clic")',
        "02 AX-0002 Rue de l'Industrie (Seraing)",
    ]
    (track,) = gpx.tracks
    assert len(track.segments[0].points) == 3
    route_names = [p.name for p in gpx.routes[0].points]
    assert route_names[2:4] == [
        "02 AX-0002 Rue de l'Industrie (Seraing)",
        "02 AX-0002 Rue de l'Industrie (Seraing) (fin de l'axe)",
    ]
    frame = gpd.read_file(paths[2])
    assert frame["role"].tolist() == ["arret", "arret", "axe", "itineraire", "depart", "arrivee"]
    assert frame.geometry.iloc[2].geom_type == "LineString" and len(frame.geometry.iloc[2].coords) == 3


@pytest.mark.parametrize(
    ("zone", "arrival", "visit", "offset"),
    [("Europe/Brussels", "08:10", "08:41", "+01:00"), ("America/New_York", "02:10", "02:41", "-05:00")],
)
def test_every_file_shows_times_in_the_service_s_time_zone(tmp_path, zone, arrival, visit, offset):
    """The service's time zone (HOTSPOTS_TIMEZONE) is the one every file is written in: the same stops, at 8:10
    and 8:41 in Brussels, read 2:10 and 2:41 in the files of a service set to New York — the CSV, the workbook,
    the GeoJSON, the GPX and the printed sheet alike."""
    sheet = dataclasses.replace(_small_sheet(), timezone=zone)
    paths = dict(zip(FORMATS, write_pack(sheet, tmp_path, ",".join(FORMATS)), strict=True))
    rows = list(csv.reader(io.StringIO(paths["csv"].read_text(encoding="utf-8-sig")), delimiter=";"))
    point, axis = (dict(zip(rows[0], row, strict=True)) for row in rows[1:3])
    assert (point["Arrivée"], axis["Date de visite"]) == (f"23/11/2026 {arrival}", f"23/11/2026 {visit}")
    ws = openpyxl.load_workbook(paths["xlsx"]).worksheets[0]
    col = {c.value: c.column for c in ws[1]}
    assert ws.cell(row=3, column=col["Date de visite"]).value == datetime.fromisoformat(f"2026-11-23 {visit}")
    stops = [f["properties"] for f in json.loads(paths["geojson"].read_text(encoding="utf-8"))["features"]][:2]
    assert stops[1]["Date de visite"] == f"2026-11-23T{visit}:00{offset}"
    gpx = gpxpy.parse(paths["gpx"].read_text(encoding="utf-8"))
    assert f"Arrivée {arrival}" in gpx.waypoints[0].description
    text = _pdf_text(paths["pdf"].read_bytes())
    assert f"23/11/2026 {visit}" in text and f"premier arrêt à {arrival}" in text
    # French agreement on the printed sheet: « 2 arrêts », « 8 signalements », not « arrêt(s) »
    assert "Équipe 1 — 2 arrêts, premier arrêt" in " ".join(text.split()) and "8 signalements" in text
    assert "(s)" not in text


def test_a_long_outcome_list_goes_to_a_hidden_sheet():
    labels = [f"Résultat n° {i}, avec une virgule" for i in range(1, 12)]
    book = openpyxl.load_workbook(io.BytesIO(render(_small_sheet(outcome_labels=labels), "xlsx")))
    lists = book["Listes"]
    assert lists.sheet_state == "hidden"
    assert [lists.cell(row=i, column=1).value for i in range(1, 12)] == labels
    (validation,) = book.worksheets[0].data_validations.dataValidation
    assert validation.formula1 == "Listes!$A$1:$A$11" and str(validation.sqref) == "{0}2:{0}3".format(
        get_column_letter(PLAN_COLUMNS.index("Résultat") + 1)
    )


def test_formats_are_checked_and_a_failed_pack_writes_nothing(tmp_path):
    assert parse_formats("pdf, CSV,pdf") == ("pdf", "csv")
    with pytest.raises(InvalidValueError) as info:
        parse_formats("csv,fiches")
    assert "« fiches »" in info.value.message and "remplacé par « pdf »" in (info.value.hint or "")
    sheet = _small_sheet()
    broken = _small_sheet()
    broken.places = broken.places.iloc[:1]  # rows and places out of step: the GeoJSON cannot be made
    (tmp_path / "tournee_9.csv").write_text("ancien", encoding="utf-8")
    with pytest.raises(ValueError):
        write_pack(broken, tmp_path, ["csv", "geojson"])
    assert (tmp_path / "tournee_9.csv").read_text(encoding="utf-8") == "ancien"  # nothing half written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tournee_9.csv"]
    write_pack(sheet, tmp_path, ["csv"])
    assert (tmp_path / "tournee_9.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_a_service_set_in_another_time_zone_dates_its_site_list_there(pack, settings):
    """The setting reaches the list built from the database: for a service set in Kiritimati (UTC+14), each
    site's last report and last visit are written in Kiritimati time — the Brussels text of the same instant,
    moved — and the list is dated with Kiritimati's day."""
    far = settings.model_copy(update={"timezone": "Pacific/Kiritimati"})
    with connect(settings) as conn:
        labels = load_labels(conn)
        here = site_list(conn, settings, site_filters(labels), labels=labels, now=NOW)
        there = site_list(conn, far, site_filters(labels), labels=labels, now=NOW)

    def texts(sheet: Sheet, column: str) -> list[str]:
        rows = list(csv.reader(io.StringIO(render(sheet, "csv").decode("utf-8-sig")), delimiter=";"))
        at = rows[0].index(column)
        return [row[at] for row in rows[1:]]

    for column in ("Dernier signalement", "Dernière visite"):
        brussels, kiritimati = texts(here, column), texts(there, column)
        assert sum(bool(t) for t in brussels) >= 3  # the demo's sites have dates to move
        moved = [
            pd.Timestamp(datetime.strptime(t, "%d/%m/%Y %H:%M"), tz=ZONE).tz_convert("Pacific/Kiritimati")
            if t
            else None
            for t in brussels
        ]
        assert kiritimati == [f"{m:%d/%m/%Y %H:%M}" if m is not None else "" for m in moved]
        assert kiritimati != brussels
    assert there.facts["Date"] == f"{pd.Timestamp.now(tz='Pacific/Kiritimati'):%d/%m/%Y}"


def test_site_list_takes_every_kind_on_one_scale_with_its_filters(pack, settings):
    with connect(settings) as conn:
        labels = load_labels(conn)

        def listed(**filters):
            limit = filters.pop("limit", 500)
            return site_list(conn, settings, site_filters(labels, **filters), limit=limit, labels=labels, now=NOW)

        every = listed()
        kinds = set(every.rows["Type"])
        assert {"Point sensible", "Axe problématique", "Signalement à vérifier"} <= kinds
        assert list(every.rows.columns) == LIST_COLUMNS
        values = every.rows["Priorité"].tolist()
        assert values == sorted(values, reverse=True)
        only = listed(kinds=["point_sensible,axe"])
        assert set(only.rows["Type"]) == {"Point sensible", "Axe problématique"}
        assert set(only.rows["Site"]) < set(every.rows["Site"])
        neupre = listed(places=["Neupré"])
        assert len(neupre.rows) and set(neupre.rows["Commune"]) == {"Neupré"}
        with pytest.raises(InvalidValueError, match="lieu inconnu dans la zone : « Liège »"):
            listed(places=["Liège"])  # not a place of the zone: said, not an empty list
        assert site_filters(labels, categories=["Dépôt clandestin", "graffiti"]).categories == (
            "depot_clandestin",
            "graffiti",
        )
        threshold = float(every.rows["Priorité"].median())
        high = listed(min_priority=threshold)
        assert 0 < len(high.rows) < len(every.rows) and (high.rows["Priorité"] >= threshold).all()
        cut = listed(limit=3)
        assert list(cut.rows["Site"]) == list(every.rows["Site"][:3])
        assert any("Liste coupée à 3 sites" in note for note in cut.notes)
        nothing = listed(min_priority=1e6)
        assert nothing.rows.empty and "Aucun site pour ces filtres" in nothing.notes[0]
        for bad, words in (
            ({"categories": ["ordures"]}, "catégorie inconnue"),
            ({"states": ["ferme"]}, "état inconnu"),
        ):
            with pytest.raises(InvalidValueError) as info:
                site_filters(labels, **bad)
            assert words in info.value.message
        with pytest.raises(InvalidValueError) as info:
            site_filters(labels, kinds=["arbre"])
        assert "point_sensible (Point sensible)" in (info.value.hint or "")
    # the same sites in the same order in every format, and an empty list still makes valid files
    files = {fmt: render(every, fmt) for fmt in FORMATS}
    sites = list(every.rows["Site"])
    csv_rows = list(csv.reader(io.StringIO(files["csv"].decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in csv_rows[1:]] == sites
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    assert [c.value for c in book.worksheets[0]["A"]][1:] == sites
    geo = json.loads(files["geojson"])
    assert [f["properties"]["Site"] for f in geo["features"] if f["properties"]["role"] == "arret"] == sites
    assert [w.name.split(" ")[0] for w in gpxpy.parse(files["gpx"].decode("utf-8")).waypoints] == sites
    assert not gpxpy.parse(files["gpx"].decode("utf-8")).routes  # a list has no order of visit
    text = _pdf_text(files["pdf"])
    positions = [re.search(rf"{re.escape(site)}\b", text).start() for site in sites[:20]]
    assert positions == sorted(positions)
    empty = {fmt: render(nothing, fmt) for fmt in FORMATS}
    assert json.loads(empty["geojson"])["features"] == []
    assert "Aucun site pour ces critères." in _pdf_text(empty["pdf"])
    assert len(list(csv.reader(io.StringIO(empty["csv"].decode("utf-8-sig")), delimiter=";"))) == 1


def test_the_printed_map_prefers_a_loaded_road_network(pack, settings):
    """A ``road_edges`` table (made by the network loader) replaces the streets drawn from the addresses; without
    an address register, the ICAR extract of geodata/ is drawn, for a zone of Seraing and Neupré only. All in a
    transaction rolled back."""
    from service.export.print_background import ADDRESS_SOURCE, ROAD_SOURCE, load_background

    bounds = (229000.0, 143000.0, 233000.0, 147000.0)
    with connect(settings) as conn:
        conn.execute("ALTER TABLE IF EXISTS public.road_edges RENAME TO road_edges_kept")
        conn.execute("CREATE TABLE public.road_edges (id serial PRIMARY KEY, geom geometry(LineString, 4326))")
        conn.execute(
            "INSERT INTO public.road_edges (geom) VALUES "
            "(ST_Transform(ST_GeomFromText('LINESTRING(230000 145000, 231000 145500)', 31370), 4326)), "
            "(ST_Transform(ST_GeomFromText('LINESTRING(100000 100000, 100100 100000)', 31370), 4326))"
        )
        roads = load_background(conn, settings, bounds)
        conn.execute("ALTER TABLE public.road_edges ADD COLUMN name text")  # as the network loader makes it
        conn.execute("UPDATE public.road_edges SET name = 'Rue Cockerill'")
        named = load_background(conn, settings, bounds)
        conn.rollback()
        conn.execute("DELETE FROM gazetteer_addresses")
        shipped = load_background(conn, settings, bounds)
        elsewhere = load_background(conn, settings.model_copy(update={"zone_communes": ("Flémalle",)}), bounds)
        conn.rollback()
        registered = load_background(conn, settings, bounds)
    assert roads.source == ROAD_SOURCE and len(roads.streets) == 1  # the far line is not read
    (x0, y0), (x1, y1) = shapely.get_coordinates(roads.streets[0])
    assert (round(x1), round(y0)) == (231000, 145000)
    assert abs(x0 - 230000) < 0.01 and abs(y1 - 145500) < 0.01  # back in Lambert 72
    assert "Seraing" in roads.commune_names
    assert roads.street_names == [None] and named.street_names == ["Rue Cockerill"]  # named when the table does
    # drawn from the addresses, each line named after its street (what a stop's small map writes along it)
    assert len(registered.street_names) == len(registered.streets) and "Rue Cockerill" in registered.street_names
    assert shipped.source == registered.source == ADDRESS_SOURCE
    # a zone elsewhere, before its register is loaded, is not drawn Seraing's streets
    assert (elsewhere.streets, elsewhere.source) == ([], "")
    assert len(shipped.streets) > 50 and abs(len(shipped.streets) - len(registered.streets)) < 0.1 * len(
        registered.streets
    )
    assert "réseau routier chargé" in roads.attribution and "adresses officielles" in registered.attribution


def test_a_printed_map_refuses_a_missing_outlines_file_instead_of_leaving_the_communes_out(settings, tmp_path):
    from service.errors import ConfigError
    from service.export.print_background import load_background

    wrong = settings.model_copy(update={"communes_file": tmp_path / "communes.geojson"})
    with connect(settings) as conn, pytest.raises(ConfigError) as caught:
        load_background(conn, wrong, (229000.0, 143000.0, 233000.0, 147000.0))
    assert caught.value.message == f"Contours des communes introuvables : {tmp_path / 'communes.geojson'}"
    assert "HOTSPOTS_COMMUNES_FILE" in caught.value.hint


def test_a_day_written_alone_is_shown_alone_but_a_planned_hour_keeps_midnight():
    """A closing written « 05/02/2025 » is stored at that local midnight and shown as written; a stop planned at
    midnight (a night shift) keeps its hour; midnight in UTC is one o'clock in Brussels, an hour like any other."""
    from service.export.values import text_cell

    zone = "Europe/Brussels"
    midnight = pd.Timestamp("2025-02-05 00:00", tz=zone)
    assert text_cell("Clos le", midnight, zone) == "05/02/2025"
    assert text_cell("Signalé le", midnight.tz_convert("UTC"), zone) == "05/02/2025"
    assert text_cell("Arrivée", midnight, zone) == "05/02/2025 00:00"
    assert text_cell("Clos le", midnight + pd.Timedelta(minutes=1), zone) == "05/02/2025 00:01"
    assert text_cell("Clos le", pd.Timestamp("2025-02-05 00:00", tz="UTC"), zone) == "05/02/2025 01:00"


def test_a_long_printed_table_starts_below_its_facts_not_on_the_next_page():
    """A printed list (the register, the activity report's tables) longer than a page starts on the page of its
    heading when the page has room for its first rows, and runs on with its header repeated; it used to move whole
    to the next page and leave the first one blank below the facts. Without that room it starts on the next page,
    heading and all."""
    from reportlab.platypus import Spacer

    from service.export.paper import Styles, build, data_table, para, section

    st = Styles()
    rows = [[f"SIG-{i}", f"Rue Ferrer {i}", "Dépôt clandestin"] for i in range(1, 121)]

    def pages(space_mm: float) -> list[str]:
        story = [para("Registre", st.title), Spacer(1, space_mm * 72 / 25.4)]
        story += section("Signalements", [data_table(["N°", "Adresse", "Catégorie"], rows, st)], st)
        data = build(story, title="Registre", subject="", running_title="Registre", zone="Europe/Brussels", issuer="x")
        return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages]

    roomy = pages(40)
    assert "Signalements N° Adresse Catégorie SIG-1 Rue Ferrer 1" in roomy[0]
    assert roomy[1].split("N° Adresse Catégorie ", 1)[1].startswith("SIG-")  # the header again, then the rows
    numbers = [w for p in roomy for w in p.split() if w.startswith("SIG-")]
    assert numbers == [f"SIG-{i}" for i in range(1, 121)]  # every row once, in order
    tight = pages(235)  # a few millimetres left under the facts: heading and table go to the next page together
    assert "Signalements" not in tight[0]
    assert "Signalements N° Adresse Catégorie SIG-1 " in tight[1]
