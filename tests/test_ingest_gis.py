"""GIS files as a town's GIS service exports them (QGIS, ArcGIS): GeoPackage, Shapefile alone or zipped, read as a
GeoJSON is — at import, and by the back-test and the analysis of a file."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime

import geopandas as gpd
import gpxpy
import numpy as np
import openpyxl
import pandas as pd
import pypdf
import pypdfium2 as pdfium
import pytest
import shapely

from service.errors import InputFileError
from service.ingest.points import read_points
from service.ingest.read import detect_format
from tests.conftest import DATA, ROOT
from tests.helpers import count, ingest, rejects, run_cli

ICAR = ROOT / "geodata" / "icar_seraing_neupre.csv"
BLACKBURN = DATA / "real" / "lancashire_asb_blackburn.tab"


def _constats(n: int = 12) -> gpd.GeoDataFrame:
    """Findings at real addresses of Seraing and Neupré, in Lambert 72 as the town's GIS keeps them: a file number,
    the finding's time (a DATETIME field), its category and its address."""
    addresses = pd.read_csv(ICAR).sample(n, random_state=7)
    return gpd.GeoDataFrame(
        {
            "N_dossier": [f"SIG-{i:03d}" for i in range(n)],
            "Date_constat": [datetime(2026, 3, 2 + i, 9 + i % 8, 15) for i in range(n)],
            "Categorie": ["Dépôt clandestin", "Tags", "Déjections canines"] * (n // 3),
            "Adresse": (addresses["street"] + " " + addresses["housenumber"].astype(str)).to_numpy(),
        },
        geometry=gpd.points_from_xy(addresses["lon"], addresses["lat"]),
        crs="EPSG:4326",
    ).to_crs("EPSG:31370")


def _pixels(data: bytes, page: int) -> np.ndarray:
    bitmap = pdfium.PdfDocument(data)[page].render(scale=2, rev_byteorder=True)  # RGB at 144 dpi
    return bitmap.to_numpy()[:, :, :3].astype(int)


def _near(pixels: np.ndarray, hex_colour: str, tolerance: int) -> int:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels - rgb).max(axis=2) <= tolerance).sum())


def _stored(conn) -> pd.DataFrame:
    rows = conn.execute(
        "SELECT external_id, category, ST_X(geom), ST_Y(geom), observed_at FROM reports ORDER BY external_id"
    ).fetchall()
    return pd.DataFrame(rows, columns=["id", "category", "x", "y", "when"]).set_index("id")


def test_a_geopackage_from_qgis_is_imported_with_its_points_dates_and_refusals(conn, settings, tmp_path):
    """A GeoPackage in Lambert 72 as a town's GIS keeps it: every point is stored where it was drawn (to the
    centimetre), at the time its DATETIME field says (Brussels time), its category read like a spreadsheet's. An
    unhealthy building drawn as its footprint and a fouled stretch of pavement drawn as a line are one place each,
    stored at a point inside them and said in the import's notes; a polygon drawn over a whole neighbourhood is a
    row refused, its reason naming the shape and its size."""
    from service.ingest.batch import reject_words

    layer = _constats()
    building = layer.loc[4, "geometry"].buffer(12)
    pavement = shapely.LineString(
        [layer.loc[9, "geometry"].coords[0], (layer.loc[9, "geometry"].x + 60, layer.loc[9, "geometry"].y)]
    )
    layer.loc[4, "geometry"] = building
    layer.loc[9, "geometry"] = pavement
    layer.loc[7, "geometry"] = layer.loc[7, "geometry"].buffer(400)
    path = tmp_path / "constats_qgis.gpkg"
    layer.to_file(path, layer="constats", driver="GPKG")
    assert detect_format(path) == "gpkg"
    summary = ingest(conn, settings, path)
    assert (summary.rows_in, summary.inserted, summary.rejected) == (12, 11, 1)
    assert rejects(conn, summary.batch_id) == {
        8: ["géométrie: 1 131 m d'étendue : trop grand pour un seul lieu (au plus 250 m) ; dessinez un point"]
    }
    reasons = conn.execute("SELECT reasons FROM rejected_rows WHERE batch_id = %s", (summary.batch_id,)).fetchone()[0]
    assert reject_words(reasons) == (
        "géométrie « Polygon » : 1 131 m d'étendue : trop grand pour un seul lieu (au plus 250 m) ; dessinez un point"
    )
    assert summary.notes() == [
        "2 lignes dont l'objet est une surface ou une ligne d'au plus 250 m (un bâtiment, un tronçon) : placées en "
        "un point à l'intérieur (le milieu d'une ligne), la forme gardée avec elles (WKT)."
    ]
    # nothing drawn is lost: each shape kept with its report, in degrees (the file's system, read as WGS84)
    kept_shapes = dict(
        conn.execute(
            "SELECT external_id, extra->>'géométrie d''origine (WKT)' FROM reports "
            "WHERE extra ? 'géométrie d''origine (WKT)' ORDER BY external_id"
        ).fetchall()
    )
    assert sorted(kept_shapes) == ["SIG-004", "SIG-009"]
    drawn = gpd.GeoSeries([building, pavement], crs="EPSG:31370").to_crs("EPSG:4326")
    for ref, original in zip(("SIG-004", "SIG-009"), drawn, strict=True):
        back = shapely.from_wkt(kept_shapes[ref])
        assert back.geom_type == original.geom_type and back.hausdorff_distance(original) < 1e-6
    stored = _stored(conn)
    kept = layer.drop(index=7).set_index("N_dossier")
    assert list(stored.index) == list(kept.index)
    points = kept.drop(index=["SIG-004", "SIG-009"])
    assert np.allclose(stored.loc[points.index, "x"], points.geometry.x, atol=0.01)
    assert np.allclose(stored.loc[points.index, "y"], points.geometry.y, atol=0.01)
    inside = shapely.Point(stored.loc["SIG-004", "x"], stored.loc["SIG-004", "y"])
    assert building.buffer(0.01).contains(inside)
    middle = shapely.Point(stored.loc["SIG-009", "x"], stored.loc["SIG-009", "y"])
    assert middle.distance(pavement.interpolate(0.5, normalized=True)) < 0.01
    local = pd.to_datetime(stored["when"], utc=True).dt.tz_convert("Europe/Brussels").dt.strftime("%d/%m/%Y %H:%M")
    assert local["SIG-000"] == "02/03/2026 09:15" and local["SIG-011"] == "13/03/2026 12:15"
    assert set(stored["category"]) == {"depot_clandestin", "graffiti", "dejections"}


def test_a_geopackage_s_instants_keep_their_offset(conn, settings, tmp_path):
    """A GeoPackage whose times are stored in UTC (as ArcGIS writes them): 08:15 UTC is 09:15 in Brussels in
    March and 10:15 in July, not 08:15 read as Brussels time; 23:30 UTC on Christmas Eve is Christmas Day."""
    layer = _constats(3)
    layer["Date_constat"] = pd.to_datetime(["2026-03-02 08:15Z", "2026-07-02 08:15Z", "2025-12-24 23:30Z"])
    path = tmp_path / "constats_utc.gpkg"
    layer.to_file(path, driver="GPKG")
    assert ingest(conn, settings, path).inserted == 3
    when = pd.to_datetime(_stored(conn)["when"], utc=True).dt.tz_convert("Europe/Brussels")
    assert when.dt.strftime("%d/%m %H:%M").tolist() == ["02/03 09:15", "02/07 10:15", "25/12 00:30"]


def test_a_zipped_shapefile_without_its_prj_is_placed_by_its_numbers(conn, settings, tmp_path):
    """A shapefile sent zipped, its .prj left out: its numbers are Lambert 72 by their ranges, as a CSV's are."""
    folder = tmp_path / "export"
    folder.mkdir()
    short = {"N_dossier": "dossier", "Date_constat": "date", "Categorie": "categorie", "Adresse": "adresse"}
    layer = _constats(6).rename(columns=short)  # a shapefile's names: ten letters at most; its dates as text
    layer.assign(date=layer["date"].dt.strftime("%d/%m/%Y %H:%M")).to_file(folder / "constats.shp")
    (folder / "constats.prj").unlink()
    archive = tmp_path / "constats.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in folder.iterdir():
            zipped.write(part, part.name)
    assert detect_format(archive) == "shp"
    summary = ingest(conn, settings, archive)
    assert (summary.inserted, summary.rejected) == (6, 0), rejects(conn, summary.batch_id)
    stored = _stored(conn)
    assert np.allclose(stored["x"].to_numpy(), _constats(6).geometry.x.to_numpy(), atol=0.01)


def test_gis_files_that_cannot_be_read_are_refused_with_the_reason(conn, settings, tmp_path):
    """A .zip without a shapefile, a layer named that does not exist (the layers named), a shapefile's .shp sent
    without its side files (GDAL's English error before), a file of lines only."""
    notes = tmp_path / "notes.zip"
    with zipfile.ZipFile(notes, "w") as zipped:
        zipped.writestr("lisez-moi.txt", "rien")
    with pytest.raises(InputFileError, match=r"l'archive ne contient aucun fichier \.shp"):
        ingest(conn, settings, notes)
    two = tmp_path / "deux_couches.gpkg"
    _constats(3).to_file(two, layer="constats", driver="GPKG")
    streets = gpd.GeoDataFrame({"nom": ["Rue Ferrer"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=31370)
    streets.to_file(two, layer="rues", driver="GPKG")
    with pytest.raises(
        InputFileError, match=r"pas de couche « plaintes » \(couches : « constats » \(Point\), « rues »"
    ):
        ingest(conn, settings, two, sheet="plaintes")
    assert ingest(conn, settings, two).inserted == 3  # the layer of points, not the streets
    alone = tmp_path / "seul"
    alone.mkdir()
    _constats(3)[["N_dossier", "geometry"]].to_file(alone / "constats.shp")
    (alone / "constats.shx").unlink(), (alone / "constats.dbf").unlink()
    with pytest.raises(InputFileError, match=r"il manque constats\.shx et constats\.dbf à côté"):
        ingest(conn, settings, alone / "constats.shp")
    lines = tmp_path / "rues.gpkg"
    streets.to_file(lines, layer="rues", driver="GPKG")
    with pytest.raises(InputFileError, match="aucune couche de points"):
        ingest(conn, settings, lines)
    assert count(conn, "reports") == 3


def test_the_back_test_reads_a_geopackage_in_the_british_grid_as_the_published_file(tmp_path):
    """Another city's incidents kept in its national grid (EPSG:27700) in a GeoPackage: the back-test reads the same
    events as from the published tab file, months and all, in the same metric system."""
    source = pd.read_csv(BLACKBURN, sep="\t")
    layer = gpd.GeoDataFrame(
        source.drop(columns=["longitude", "latitude"]),
        geometry=gpd.points_from_xy(source["longitude"], source["latitude"]),
        crs="EPSG:4326",
    ).to_crs("EPSG:27700")
    path = tmp_path / "blackburn.gpkg"
    layer.to_file(path, driver="GPKG")
    points, published = read_points(path), read_points(BLACKBURN)
    assert str(points.crs) == str(published.crs) == "EPSG:32630" and len(points) == len(published) == 4098
    assert np.allclose(np.sort(points.geometry.x), np.sort(published.geometry.x), atol=0.01)
    done = run_cli("backtest", "--input", str(path), "--horizons", "mois", "--fenetres-max", "2", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["evenements"] == 4098


def test_a_shape_drawn_in_a_gis_file_is_given_back_to_the_map(settings, conn, auth, tmp_path):
    """The footprint of an unhealthy building and a fouled stretch of pavement, drawn in QGIS: the report's detail
    gives the shape back (WGS84, as drawn), the map's reports say which were drawn (their popup draws it), a point
    has none; a kept text that cannot be read as a shape gives none rather than an error."""
    from fastapi.testclient import TestClient

    from service.api import create_app

    layer = _constats(6)
    building = layer.loc[1, "geometry"].buffer(12)
    pavement = shapely.LineString(
        [layer.loc[2, "geometry"].coords[0], (layer.loc[2, "geometry"].x + 60, layer.loc[2, "geometry"].y)]
    )
    layer.loc[1, "geometry"], layer.loc[2, "geometry"] = building, pavement
    path = tmp_path / "constats_qgis.gpkg"
    layer.to_file(path, layer="constats", driver="GPKG")
    assert ingest(conn, settings, path).inserted == 6
    ids = dict(conn.execute("SELECT external_id, id FROM reports").fetchall())
    conn.execute(
        "UPDATE reports SET extra = jsonb_set(coalesce(extra, '{}'), '{géométrie d''origine (WKT)}', "
        "'\"POLYGON ((5.5 50.6, n\"') WHERE external_id = 'SIG-003'"
    )
    conn.commit()
    drawn = gpd.GeoSeries([building, pavement], crs="EPSG:31370").to_crs("EPSG:4326")
    with TestClient(create_app(settings)) as app:
        planner = auth["planificateur"]
        for ref, original in zip(("SIG-001", "SIG-002"), drawn, strict=True):
            detail = app.get(f"/api/signalements/{ids[ref]}", headers=planner).json()
            shape = shapely.geometry.shape(detail["properties"]["forme"])
            assert shape.geom_type == original.geom_type and shape.hausdorff_distance(original) < 1e-6
            point = shapely.geometry.shape(detail["geometry"])
            assert shape.buffer(1e-6).contains(point)  # the point stored inside, or on the line's middle
        for ref in ("SIG-000", "SIG-003"):
            assert app.get(f"/api/signalements/{ids[ref]}", headers=planner).json()["properties"]["forme"] is None
        near = app.get(
            "/api/carte/signalements", params={"bbox": "5.40,50.50,5.65,50.66", "zoom": 17}, headers=planner
        ).json()
        assert near["mode"] == "points"
        marked = {f["id"]: f["properties"]["forme"] for f in near["features"]}
        assert marked == {ids[r]: r in ("SIG-001", "SIG-002", "SIG-003") for r in ids}, marked
        # the register export gives the shape too (WKT, WGS84 as its latitude and longitude), read by a spreadsheet
        # and by a CSV reader; a point, or an unreadable shape, leaves the cell empty
        book = app.get("/api/exports/signalements", params={"format": "xlsx"}, headers=planner)
        csv_file = app.get("/api/exports/signalements", params={"format": "csv"}, headers=planner)
        geojson = app.get("/api/exports/signalements", params={"format": "geojson"}, headers=planner)
    assert book.status_code == 200 and csv_file.status_code == 200 and geojson.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    header = [c.value for c in sheet[1]]
    column = header.index("Forme dessinée (WKT, WGS84)")
    assert column == len(header) - 1  # the last column: the others keep their place
    cells = {row[header.index("N° à la source")]: row[column] for row in sheet.iter_rows(min_row=2, values_only=True)}
    rows = list(csv.DictReader(io.StringIO(csv_file.content.decode("utf-8-sig")), delimiter=";"))
    assert {r["N° à la source"]: r["Forme dessinée (WKT, WGS84)"] or None for r in rows} == cells
    for ref, original in zip(("SIG-001", "SIG-002"), drawn, strict=True):
        shape = shapely.from_wkt(cells[ref])
        assert shape.geom_type == original.geom_type and shape.hausdorff_distance(original) < 3e-6  # 20 cm
    assert [cells[r] for r in ("SIG-000", "SIG-003", "SIG-004", "SIG-005")] == [None] * 4
    # the GeoJSON export draws each shape itself beside its report's point, read by a GIS reader
    (tmp_path / "signalements.geojson").write_bytes(geojson.content)
    read = gpd.read_file(tmp_path / "signalements.geojson")
    assert read.crs.to_epsg() == 4326
    assert sorted(read["role"].value_counts().items()) == [("arret", 6), ("forme", 2)]
    points = read[read["role"] == "arret"].set_index("N° à la source")
    shapes = read[read["role"] == "forme"].set_index("N° à la source")
    assert sorted(shapes.index) == ["SIG-001", "SIG-002"]
    for ref, original in zip(("SIG-001", "SIG-002"), drawn, strict=True):
        shape = shapes.loc[ref, "geometry"]
        assert shape.geom_type == original.geom_type and shape.hausdorff_distance(original) < 3e-6
        assert shape.buffer(1e-6).contains(points.loc[ref, "geometry"])
        said = shapes.loc[ref, ["Signalement", "Catégorie", "Commune"]].tolist()
        assert (
            said == points.loc[ref, ["Signalement", "Catégorie", "Commune"]].tolist() and said[0] == f"SIG-{ids[ref]}"
        )


def test_a_shift_s_sheet_and_a_list_of_sites_draw_the_footprint_a_report_was_drawn_as(settings, conn, tmp_path):
    """An unhealthy building drawn in QGIS as its footprint, then proposed as a site to check: the list of sites'
    files and the planned shift's draw the footprint beside the stop's point and say which stop it is — the GeoJSON
    as a polygon (a GIS shows the building to the team), the GPX as a closed track (the phone's map draws it), the
    printed sheet on its map and in a small map of its own in the stop's block, with its size in words; the reports
    drawn as points have no shape."""
    from service.db.vocabulary import load_labels
    from service.export import load_sheet_background, render
    from service.export.pdf_sheet import SHAPE_FILL
    from service.export.sheet import sheet_from_plan
    from service.export.sites import site_list
    from service.plan import Filters, ShiftRequest, load_plan, plan_shift, store_plan

    layer = _constats(6)
    layer["Date_constat"] = [datetime(2026, 11, 10 + i, 9, 15) for i in range(6)]  # open reports of last week
    building = layer.loc[1, "geometry"].buffer(12)
    layer.loc[1, "geometry"] = building
    path = tmp_path / "constats_qgis.gpkg"
    layer.to_file(path, layer="constats", driver="GPKG")
    assert ingest(conn, settings, path).inserted == 6
    site = "SIG-{}".format(conn.execute("SELECT id FROM reports WHERE external_id = 'SIG-001'").fetchone()[0])
    drawn = gpd.GeoSeries([building], crs="EPSG:31370").to_crs("EPSG:4326")[0]
    now = pd.Timestamp("2026-11-20 12:00", tz="UTC")
    only_reports = Filters(kinds=("signalement",))

    def read(sheet, name: str) -> gpd.GeoDataFrame:
        (tmp_path / name).write_bytes(render(sheet, "geojson"))
        return gpd.read_file(tmp_path / name)

    listed_sheet = site_list(conn, settings, only_reports, now=now)  # before the shift plans its sites
    listed = read(listed_sheet, "sites.geojson")
    shift = plan_shift(
        conn,
        settings,
        ShiftRequest(starts_at=now.to_pydatetime(), budget_minutes=240, start="50.6097, 5.5120", filters=only_reports),
        geocoder=None,
        now=now,
    )
    stored = load_plan(conn, store_plan(conn, shift).facts["id"])
    planned_sheet = sheet_from_plan(stored, load_labels(conn), zone=settings.timezone)
    planned = read(planned_sheet, "tournee.geojson")
    for read_back, keys in ((listed, ["Lieu", "Commune"]), (planned, ["Ordre", "Arrêt", "Lieu", "Commune"])):
        assert read_back.crs.to_epsg() == 4326
        shapes = read_back[read_back["role"] == "forme"]
        points = read_back[read_back["role"] == "arret"].set_index("Site")
        assert len(points) == 6 and list(shapes["Site"]) == [site], read_back[["role", "Site"]]
        shape = shapes.geometry.iloc[0]
        assert shape.geom_type == "Polygon" and shape.hausdorff_distance(drawn) < 3e-6  # 20 cm
        assert shape.contains(points.loc[site, "geometry"])
        assert shapes[keys].iloc[0].tolist() == points.loc[site, keys].tolist()  # the same stop
    size = f"surface de {building.area:.0f} m², environ 24 × 24 m"  # a circle of 12 m drawn around the address
    for sheet in (listed_sheet, planned_sheet):
        gpx = gpxpy.parse(render(sheet, "gpx").decode("utf-8"))
        (track,) = [t for t in gpx.tracks if t.type == "Forme dessinée"]
        stop = next(w for w in gpx.waypoints if site in w.name)
        assert track.name == f"Forme : {sheet.rows.set_index('Site').loc[site, 'Lieu']} ({stop.name.split(' ')[0]})"
        assert track.description == f"Dessinée dans le fichier reçu : {size}."
        ring = shapely.LineString([(p.longitude, p.latitude) for p in track.segments[0].points])
        assert ring.is_closed and ring.hausdorff_distance(drawn.exterior) < 3e-6
        pdf = render(sheet, "pdf", background=load_sheet_background(conn, settings, sheet))
        pages = [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]
        assert "forme dessinée dans le fichier reçu" in pages[0]  # the overview map's legend
        (page,) = [i for i, text in enumerate(pages) if "Forme dessinée dans le fichier reçu" in text]
        assert f"Forme dessinée dans le fichier reçu : {size}" in pages[page].replace("\u202f", " ")
        # the small map draws the building large enough to tell it from its neighbours: some 7 000 pixels filled
        # at 144 dpi (a 24 m circle across 16 mm), where the overview map gives it a few
        filled = [_near(_pixels(pdf, i), SHAPE_FILL, 12) for i in range(len(pages))]
        assert filled[page] > 4000 and filled[0] < 400, filled
        assert sum(filled) == filled[page] + filled[0]  # no other stop has a shape


def test_the_map_imports_a_geopackage(settings, conn, auth, tmp_path):
    """The map's import sends the file as it is: a GeoPackage is read by its name, as the command line reads it."""
    from fastapi.testclient import TestClient

    from service.api import create_app

    path = tmp_path / "constats.gpkg"
    _constats(6).to_file(path, driver="GPKG")
    with TestClient(create_app(settings)) as app, path.open("rb") as fh:
        r = app.post(
            "/api/imports/signalements",
            files={"fichier": ("constats.gpkg", fh, "application/geopackage+sqlite3")},
            headers=auth["planificateur"],
        )
    assert r.status_code == 200, r.text
    assert (r.json()["format"], r.json()["inserted"]) == ("gpkg", 6)


def test_a_geojson_in_lambert_72_is_read_by_the_analysis_of_a_file_where_it_lies(tmp_path):
    """A GeoJSON with the old-style « crs » member naming Lambert 72, as older GIS exports write it: the import
    honoured it, the back-test and the offline analysis read its metres as degrees. Both now agree."""
    layer = _constats(6)
    features = [
        {
            "type": "Feature",
            "properties": {"date": row.Date_constat.isoformat(), "categorie": row.Categorie},
            "geometry": {"type": "Point", "coordinates": [row.geometry.x, row.geometry.y]},
        }
        for row in layer.itertuples()
    ]
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::31370"}},
        "features": features,
    }
    path = tmp_path / "constats.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    points = read_points(path)
    assert str(points.crs) == "EPSG:31370"
    assert np.allclose(points.geometry.x, layer.geometry.x, atol=0.01)
    assert np.allclose(points.geometry.y, layer.geometry.y, atol=0.01)


def test_a_geojson_s_small_shapes_are_places_and_several_points_a_refusal(conn, settings, tmp_path):
    """A GeoJSON drawn on a web map: a building's footprint (about 20 m across) is stored at a point inside it, and
    counted as an event by the back-test's reader too; a feature holding two points is refused, naming its kind."""
    from service.ingest.batch import reject_words

    building = shapely.Point(5.5120, 50.6098).buffer(0.00012)  # degrees: about 17 m by 27 m
    features = [
        {
            "type": "Feature",
            "properties": {"id": "W-1", "date": "2026-03-12T09:15:00", "categorie": "insalubrite"},
            "geometry": shapely.geometry.mapping(building),
        },
        {
            "type": "Feature",
            "properties": {"id": "W-2", "date": "2026-03-12T10:15:00", "categorie": "depot_clandestin"},
            "geometry": {"type": "MultiPoint", "coordinates": [[5.512, 50.6098], [5.514, 50.6101]]},
        },
        {
            "type": "Feature",
            "properties": {"id": "W-3", "date": "2026-03-12T11:15:00", "categorie": "depot_clandestin"},
            "geometry": {"type": "Point", "coordinates": [5.5131, 50.6102]},
        },
    ]
    path = tmp_path / "carte_web.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    summary = ingest(conn, settings, path)
    assert (summary.inserted, summary.rejected) == (2, 1)
    reasons = conn.execute("SELECT reasons FROM rejected_rows WHERE batch_id = %s", (summary.batch_id,)).fetchone()[0]
    assert reject_words(reasons) == "géométrie « MultiPoint » : plusieurs points : un seul est attendu par ligne"
    assert summary.notes()[0].startswith("1 ligne dont l'objet est une surface ou une ligne d'au plus 250 m")
    assert summary.notes()[0].endswith("la forme gardée avec elle (WKT).")
    kept = conn.execute("SELECT extra->>'géométrie d''origine (WKT)' FROM reports WHERE external_id = 'W-1'").fetchone()
    assert shapely.from_wkt(kept[0]).equals_exact(building, tolerance=1e-7)
    lon, lat = conn.execute(
        "SELECT ST_X(ST_Transform(geom, 4326)), ST_Y(ST_Transform(geom, 4326)) FROM reports WHERE external_id = 'W-1'"
    ).fetchone()
    assert building.contains(shapely.Point(lon, lat))
    events = read_points(path)
    assert sorted(events["id"]) == ["W-1", "W-3"] and events.attrs["dropped"] == 1
