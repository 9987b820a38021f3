"""The map pages and their data endpoints, on the real PostGIS: login, roles, offline assets, constant page
weight, server-side aggregates that add up, the public map's suppression of small cells."""

from __future__ import annotations

import json
import re
import time
from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient

from service.api import create_app
from service.demo import write_bulk_reports
from service.errors import ConfigError
from service.geo import to_lambert
from service.ingest.followup import DEVICE_SOURCE
from service.maps.background import build_layer
from service.zone import km_outside, zone_outline, zone_polygon
from tests.conftest import PASSWORDS, ROOT
from tests.helpers import ingest, nearest_postcodes, write

ZONE = "5.40,50.50,5.62,50.65"  # the whole police zone and more
URL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""")


def _app(settings, **changes):
    return TestClient(create_app(settings.model_copy(update={"map_cache_seconds": 0, **changes})))


@pytest.fixture()
def client(settings, conn):
    with _app(settings) as c:
        yield c


@pytest.fixture()
def bulk(conn, settings, tmp_path) -> int:
    """3,000 reports at real addresses of the zone, two years up to 2026-11-01; returns how many are mapped."""
    path = tmp_path / "bulk.csv"
    icar = ROOT / "geodata" / "icar_seraing_neupre.csv"
    write_bulk_reports(path, 3000, addresses=icar, seed=5, end=date(2026, 11, 1))
    ingest(conn, settings, path, source="bulk")
    return _count(conn)


def _count(conn, where: str = "true", params: tuple = ()) -> int:
    sql = f"SELECT count(*) FROM reports WHERE geom IS NOT NULL AND duplicate_of IS NULL AND {where}"
    return int(conn.execute(sql, params).fetchone()[0])


def _login(client, role: str, **extra) -> object:
    return client.post(
        "/connexion",
        data={"identifiant": f"test.{role}", "mot_de_passe": PASSWORDS[role], **extra},
        follow_redirects=False,
    )


def _page(client, role: str) -> str:
    assert _login(client, role).status_code == 303
    r = client.get("/carte")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    return r.text


# --- login and roles -------------------------------------------------------------------------------------------


def test_a_browser_without_session_is_sent_to_the_french_login_form(client, accounts):
    r = client.get("/carte", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/connexion?suite=/carte"
    form = client.get(r.headers["location"])
    assert form.status_code == 200
    assert 'action="/connexion"' in form.text and 'name="mot_de_passe"' in form.text
    assert 'value="/carte"' in form.text and "Se connecter" in form.text and 'lang="fr"' in form.text


def test_the_site_root_sends_a_person_to_the_map_or_the_login_form(client, accounts):
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    r = client.get("/", headers=browser, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/connexion?suite=/carte"
    assert client.get("/", headers=browser).url.path == "/connexion"  # followed: the French login form
    _login(client, "lecteur")
    r = client.get("/", headers=browser, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/carte"
    index = client.get("/", headers={"Accept": "application/json"})
    assert index.status_code == 200 and index.json()["carte"] == "/carte"


def test_the_legend_gives_each_priority_class_its_share_of_the_points(client, accounts):
    """The map colours a point by its rank among the points shown (planification.js, rankClasses): the legend
    says the share of each colour, and the shares are those of the thresholds, adding up to 100 %."""
    import re

    from service.maps.page import STYLE

    classes = sorted(STYLE["priorite"].values(), key=lambda c: -c["seuil"])
    upper = [1.0] + [c["seuil"] for c in classes[:-1]]
    shares = [int(re.search(r"(\d+) %", c["libelle"]).group(1)) for c in classes]
    assert shares == [round((u - c["seuil"]) * 100) for u, c in zip(upper, classes, strict=True)]
    assert sum(shares) == 100
    _login(client, "lecteur")
    page = client.get("/carte").text
    for c in classes:
        assert f'background:{c["couleur"]}"></span> {c["libelle"]}' in page, c


def test_a_page_that_does_not_exist_is_a_french_page_for_a_person_and_json_for_a_program(client):
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = client.get("/carte/inexistante", headers=browser)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Page introuvable" in page.text and 'href="/carte">Ouvrir la carte</a>' in page.text
    assert client.get("/carte/inexistante").json()["erreur"] == "Adresse introuvable."
    api = client.get("/api/inexistante", headers=browser)  # the API stays JSON, whatever the client accepts
    assert api.status_code == 404 and api.json()["erreur"] == "Adresse introuvable."


def test_a_real_favicon_is_served_and_linked(client, accounts):
    import struct
    import zlib

    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/x-icon"
    reserved, kind, count = struct.unpack_from("<HHH", r.content)
    assert (reserved, kind) == (0, 1) and count >= 1  # an icon directory
    sizes = []
    for i in range(count):
        w, h, _c, _r, _planes, _bits, length, offset = struct.unpack_from("<BBBBHHII", r.content, 6 + 16 * i)
        png = r.content[offset : offset + length]
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and offset + length <= len(r.content)
        width, height = struct.unpack_from(">II", png, 16)
        assert (width, height) == (w, h)
        idat = png.index(b"IDAT")
        pixels = zlib.decompress(png[idat + 4 : idat + 4 + struct.unpack_from(">I", png, idat - 4)[0]])
        assert len(pixels) == h * (1 + 4 * w)  # RGBA rows, each with its filter byte
        sizes.append(w)
    assert 32 in sizes
    svg = client.get("/static/carte/favicon.svg")
    assert svg.status_code == 200 and svg.text.startswith("<svg")
    assert svg.headers["content-type"].startswith("image/svg")
    form = client.get("/connexion").text
    assert 'rel="icon" href="/static/carte/favicon.svg' in form and 'href="/favicon.ico"' in form
    assert 'href="data:,"' not in _page(client, "lecteur")


def test_the_login_form_sets_a_strict_http_only_cookie_and_goes_on(client, accounts):
    r = _login(client, "lecteur", suite="/carte")
    assert r.status_code == 303 and r.headers["location"] == "/carte"
    cookie = r.headers["set-cookie"].lower()
    assert cookie.startswith("hotspots_session=") and "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie.replace("httponly", "")
    assert client.get("/carte").status_code == 200
    assert client.get("/api/moi").json()["role"] == "lecteur"  # the same cookie opens the API
    out = client.get("/deconnexion", follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/carte", follow_redirects=False).status_code == 303


def test_secure_cookies_when_configured(settings, conn, accounts):
    with _app(settings, secure_cookies=True) as c:
        cookie = _login(c, "lecteur").headers["set-cookie"].lower()
    assert "; secure" in cookie


def test_a_wrong_password_shows_the_french_error_on_the_form(client, accounts):
    r = client.post(
        "/connexion",
        data={"identifiant": "test.lecteur", "mot_de_passe": "pas-le-bon-mot", "suite": "/carte"},
        follow_redirects=False,
    )
    assert r.status_code == 401 and "set-cookie" not in r.headers
    assert "Identifiant ou mot de passe incorrect." in r.text and 'id="hs-form-connexion"' in r.text
    assert 'value="test.lecteur"' in r.text  # the login is kept, the password is not
    empty = client.post("/connexion", data={"identifiant": "", "mot_de_passe": ""}, follow_redirects=False)
    assert empty.status_code == 400 and "Indiquez votre identifiant" in empty.text


def test_the_next_page_after_login_never_leaves_the_site(client, accounts):
    for target in ("https://exemple.org/piege", "//exemple.org", "/\\exemple.org"):
        assert _login(client, "lecteur", suite=target).headers["location"] == "/carte"


def test_a_reader_gets_no_visit_form_a_planner_does(settings, conn, accounts):
    with _app(settings) as reader:
        page = _page(reader, "lecteur")
        assert 'id="hs-form-visite"' not in page and '"peut_planifier": false' in page
        r = reader.post("/api/points-sensibles/PS-0001/visites", json={"date": "2026-11-01", "resultat": "pv"})
        assert r.status_code == 403
    for role in ("planificateur", "admin"):
        with _app(settings) as planner:
            page = _page(planner, role)
            assert 'id="hs-form-visite"' in page and '"peut_planifier": true' in page
            assert 'name="resultat"' in page and "Procès-verbal" in page  # outcomes from the vocabulary
            # the shift form's « Lieu » suggests the zone's communes, sections and postcodes as one types
            datalist = re.search(r'<datalist id="hs-lieux">(.*?)</datalist>', page, re.S)
            assert datalist and 'list="hs-lieux"' in page
            options = re.findall(r'<option value="([^"]*)">([^<]*)</option>', datalist.group(1))
            assert options[:3] == [
                ("Seraing", "commune"),
                ("Neupré", "commune"),
                ("Boncelles", "section de Seraing, 4100"),
            ]
            assert ("Ougrée", "section de Seraing, 4102") in options and (
                "Jemeppe",
                "section de Seraing, 4101",
            ) not in options
            assert options[-1] == ("4122", "secteur 4122 Plainevaux") and len(options) == 2 + 7 + 6


def test_the_page_has_the_french_legend_filters_and_layers(client, accounts):
    page = _page(client, "lecteur")
    for text in (
        "Légende",
        "priorité très haute",
        "persistant",
        "signalements par 100 m",
        "Visites — résultat",
        "Permis",
        "secteur postal",
        'name="depuis"',
        'name="categorie"',
        "Dépôt clandestin",
    ):
        assert text in page, text
    script = client.get("/static/carte/hotspots/planification.js").text
    for layer in (
        "Carte de chaleur des signalements",
        "Signalements groupés",
        "Points sensibles",
        "Axes problématiques",
        "Prévision du trimestre (mailles de 100 m)",
        "Visites et résultats",
        "Permis",
        "Limites des communes",
        "Secteurs",
    ):
        assert layer in script + page, layer  # the shared layers' names come with the page's words


# --- offline and scale -----------------------------------------------------------------------------------------


def test_no_external_address_but_the_tile_url_and_every_asset_is_served(settings, conn, accounts):
    tiles = "https://tuiles.exemple.be/{z}/{x}/{y}.png"
    with _app(settings, tile_url=tiles) as c:
        page = _page(c, "lecteur")
        assert set(URL.findall(page)) == {tiles}
        assets = re.findall(r'(?:src|href)="(/static/carte/[^"?]+)', page)
        assert len(assets) >= 5
        for path in assets:
            assert c.get(path).status_code == 200, path
        css = c.get("/static/carte/vendor/leaflet/leaflet.css").text
        for image in re.findall(r"url\((images/[^)]+)\)", css):
            assert c.get(f"/static/carte/vendor/leaflet/{image}").status_code == 200
    with _app(settings, tile_url="") as c:
        page = _page(c, "lecteur")
        assert URL.findall(page) == [] and "tile_layer" not in page
        assert '"fond_vectoriel_seul": true' in page


def test_the_import_form_suggests_the_sources_stored(client, accounts, conn, settings, tmp_path):
    """A partner's next file goes under its known name: « Source » offers the names stored, and what each sent."""
    csv = "Date;Catégorie;Latitude;Longitude\n01/03/2026 10:00;Dépôt clandestin;50.6097927;5.5120109\n"
    ingest(conn, settings, write(tmp_path / "asbl.csv", csv), source="ASBL Quartier Nord")
    ingest(conn, settings, write(tmp_path / "phone.csv", csv.replace("10:00", "11:00")), source=DEVICE_SOURCE)
    page = _page(client, "planificateur")
    field = page.index('name="source_import"')
    assert 'list="hs-sources"' in page[field : page.index(">", field)]
    start = page.index('<datalist id="hs-sources">')
    listed = page[start : page.index("</datalist>", start)]
    assert listed.count("<option") == 1 and '<option value="ASBL Quartier Nord">signalements</option>' in listed


def test_the_page_weighs_the_same_with_no_report_and_with_thousands(settings, conn, accounts, tmp_path):
    with _app(settings) as c:
        empty = _page(c, "planificateur")
        path = tmp_path / "many.csv"
        write_bulk_reports(
            path, 5000, addresses=ROOT / "geodata" / "icar_seraing_neupre.csv", seed=2, end=date(2026, 11, 1)
        )
        ingest(conn, settings, path, source="bulk")
        assert _count(conn) > 4900
        full = c.get("/carte").text
    # the same but for the import form's suggestion of the one source stored (a name, not the reports)
    source = '\n        <option value="bulk">signalements</option>'
    assert source in full and len(full.replace(source, "", 1).encode()) == len(empty.encode())
    some = conn.execute("SELECT address FROM reports LIMIT 5").fetchall()
    assert not any(a in full for (a,) in some)


# --- aggregated report data ------------------------------------------------------------------------------------


def _cells(client, **params):
    r = client.get("/api/carte/signalements", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    return r.json()


def test_a_kept_view_is_made_again_as_soon_as_reports_change(settings, conn, accounts, bulk):
    with _app(settings, map_cache_seconds=3600) as c:
        _login(c, "lecteur")
        before = _cells(c, bbox=ZONE, zoom=13)
        assert _cells(c, bbox=ZONE, zoom=13) == before  # kept
        conn.execute(
            "UPDATE reports SET duplicate_of = (SELECT min(id) FROM reports) WHERE id = (SELECT max(id) FROM reports)"
        )
        conn.commit()
        assert c.app.state.hotspots.watcher.sync()  # a change from elsewhere counts once its notification is in
        after = _cells(c, bbox=ZONE, zoom=13)
    assert after["total"] == before["total"] - 1 == bulk - 1


def test_close_views_share_one_kept_body(settings, conn, accounts, bulk):
    with _app(settings, map_cache_seconds=3600) as c:
        _login(c, "lecteur")
        pool = c.app.state.hotspots.pool
        first = _cells(c, bbox="5.500,50.580,5.540,50.610", zoom=14)
        used = pool.get_stats()["requests_num"]
        moved = _cells(c, bbox="5.5003,50.5801,5.5402,50.6102", zoom=14)  # panned by a few metres
        assert moved == first and pool.get_stats()["requests_num"] == used  # the same body, from memory
        far = _cells(c, bbox="5.45,50.55,5.49,50.58", zoom=14)
        assert far["emprise"] != first["emprise"] and pool.get_stats()["requests_num"] > used


def test_the_cells_of_a_view_add_up_to_its_reports(client, conn, accounts, bulk):
    _login(client, "lecteur")
    whole = _cells(client, bbox=ZONE, zoom=13)
    assert whole["mode"] == "mailles" and whole["taille_m"] == 800
    assert sum(f["properties"]["n"] for f in whole["features"]) == whole["total"] == bulk
    assert sum(n for _lat, _lon, n in whole["chaleur"]) == bulk
    assert len(whole["features"]) < bulk / 5  # aggregated, not one marker per report

    since, until = datetime(2025, 11, 1), datetime(2026, 5, 1)
    part = _cells(
        client,
        bbox="5.49,50.57,5.53,50.60",
        zoom=15,
        depuis=since.isoformat(),
        jusqu_a=until.isoformat(),
        categorie=["depot_clandestin", "dejections"],
    )
    xmin, ymin, xmax, ymax = part["emprise_lambert72"]
    expected = _count(
        conn,
        "ST_X(geom) >= %s AND ST_X(geom) < %s AND ST_Y(geom) >= %s AND ST_Y(geom) < %s "
        "AND observed_at >= %s AND observed_at < %s AND category IN ('depot_clandestin', 'dejections')",
        (xmin, xmax, ymin, ymax, since, until),
    )
    assert 0 < expected < bulk
    assert sum(f["properties"]["n"] for f in part["features"]) == part["total"] == expected
    w, s, e, n = part["emprise"]
    assert w <= 5.49 and s <= 50.57 and e >= 5.53 and n >= 50.60  # the counted extent covers the view


def _nearest_postcodes(conn) -> dict[int, str]:
    """Report id → the postcode of its nearest official address within 250 m, found by geopandas (not by the
    database's functions): what the map's place filter must agree with."""
    rows = conn.execute(
        "SELECT id, ST_X(geom), ST_Y(geom) FROM reports WHERE geom IS NOT NULL AND duplicate_of IS NULL"
    ).fetchall()
    return nearest_postcodes(conn, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])


def test_a_place_filter_keeps_the_reports_the_register_puts_there(client, conn, settings, accounts, bulk):
    """The filter panel's « Lieu »: a commune, a section or a postcode sector of the zone. A report is in a place
    when its nearest official address is (as the register export counts it), whatever locality it was written
    with; the sectors share the zone's reports out, and a place outside the zone is refused by name."""
    from service.geocode.gazetteer import load_gazetteer

    load_gazetteer(conn, [settings.geodata_dir / "icar_seraing_neupre.csv"])
    conn.commit()
    _login(client, "lecteur")
    nearest = _nearest_postcodes(conn)
    sectors = {code: _cells(client, bbox=ZONE, zoom=13, lieu=code)["total"] for code in sorted(set(nearest.values()))}
    assert set(sectors) == {"4100", "4101", "4102", "4120", "4121", "4122"}
    for code, total in sectors.items():
        assert total == sum(1 for p in nearest.values() if p == code) > 0, code
    assert sum(sectors.values()) == len(nearest) == bulk  # every report in one sector
    seraing = _cells(client, bbox=ZONE, zoom=13, lieu="seraing")["total"]
    assert seraing == sectors["4100"] + sectors["4101"] + sectors["4102"]
    assert _cells(client, bbox=ZONE, zoom=13, lieu="Neupré")["total"] == bulk - seraing
    assert _cells(client, bbox=ZONE, zoom=13, lieu="OUGREE")["total"] == sectors["4102"]  # a section by its name
    both = _cells(client, bbox=ZONE, zoom=13, lieu=["4102", "Plainevaux"])
    assert both["total"] == sectors["4102"] + sectors["4122"]
    assert sum(n for _lat, _lon, n in both["chaleur"]) == both["total"]
    close = _cells(client, bbox="5.49,50.57,5.53,50.60", zoom=17, lieu="4102")  # one by one, close up
    assert close["mode"] == "points" and close["features"]
    assert {nearest[f["id"]] for f in close["features"]} == {"4102"}
    # each says where the register puts it, what the popup shows beside the address as written
    assert {(f["properties"]["commune"], f["properties"]["code_postal"]) for f in close["features"]} == {
        ("Seraing", "4102")
    }
    outside = client.get("/api/carte/signalements", params={"bbox": ZONE, "zoom": 13, "lieu": "Liège"})
    assert outside.status_code == 422
    error = outside.json()
    assert "lieu inconnu dans la zone : « Liège »" in error["erreur"] and "Ougrée" in error["conseil"]


def test_close_up_views_show_reports_one_by_one_up_to_a_cap(settings, conn, accounts, bulk):
    box = "5.500,50.585,5.515,50.595"
    with _app(settings) as c:
        _login(c, "lecteur")
        close = _cells(c, bbox=box, zoom=17)
        assert close["mode"] == "points" and close["total"] == len(close["features"]) > 0
        props = close["features"][0]["properties"]
        assert set(props) == {"id", "categorie", "date", "statut", "adresse", "commune", "code_postal", "forme"}
        assert props["forme"] is False  # a point, not a shape drawn in a GIS file
        xmin, ymin, xmax, ymax = close["emprise_lambert72"]
        assert close["total"] == _count(
            conn,
            "ST_X(geom) >= %s AND ST_X(geom) < %s AND ST_Y(geom) >= %s AND ST_Y(geom) < %s",
            (xmin, xmax, ymin, ymax),
        )
    with _app(settings, map_max_points=close["total"] - 1) as c:
        _login(c, "lecteur")
        capped = _cells(c, bbox=box, zoom=17)
        assert capped["mode"] == "mailles" and capped["total"] == close["total"]


def test_map_data_needs_a_login_and_a_valid_view(client, accounts):
    r = client.get("/api/carte/signalements", params={"bbox": ZONE, "zoom": 13})
    assert r.status_code == 401 and "Connexion requise" in r.json()["erreur"]
    _login(client, "lecteur")
    bad = client.get("/api/carte/signalements", params={"bbox": "5.6,50.5,5.4,50.6", "zoom": 13})
    assert bad.status_code == 422 and bad.json()["champ"] == "bbox"
    assert client.get("/api/carte/signalements", params={"bbox": ZONE, "zoom": 40}).status_code == 422


def test_vector_tiles_for_gis_clients(client, accounts, bulk):
    _login(client, "lecteur")
    seraing = client.get("/api/tuiles/13/4221/2757.mvt")  # the tile over Seraing
    assert seraing.status_code == 200 and seraing.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert b"signalements" in seraing.content
    assert client.get("/api/tuiles/13/0/0.mvt").content == b""  # the far north-west corner of the world: no report
    assert client.get("/api/tuiles/2/9/9.mvt").status_code == 404


def test_the_vector_background_from_the_shipped_files(client, accounts):
    _login(client, "lecteur")
    communes = client.get("/api/carte/fond/communes").json()
    assert {f["properties"]["nom"] for f in communes["features"] if f["properties"]["zone"]} == {"Seraing", "Neupré"}
    sections = client.get("/api/carte/fond/secteurs").json()
    assert {f["properties"]["code_postal"] for f in sections["features"]} == {
        "4100",
        "4101",
        "4102",
        "4120",
        "4121",
        "4122",
    }
    assert any("Ougrée" in f["properties"]["nom"] for f in sections["features"])
    streets = client.get("/api/carte/fond/rues", headers={"Accept-Encoding": "gzip"})
    assert streets.status_code == 200 and len(streets.json()["features"]) > 500
    assert client.get("/api/carte/fond/rivieres").status_code == 422


def test_the_maps_mark_and_frame_the_communes_the_service_is_set_for(settings, conn, accounts):
    """HOTSPOTS_ZONE_COMMUNES draws the zone on the maps too: a service set for Flémalle sees Flémalle outlined as
    its own and the maps open on Flémalle's box (as the import already refuses points outside it)."""
    with _app(settings, zone_communes=("Flémalle",), public_map=True) as c:
        _login(c, "lecteur")
        communes = c.get("/api/carte/fond/communes").json()
        page = c.get("/carte").text
        public = c.get("/carte/publique").text
    assert {f["properties"]["nom"] for f in communes["features"] if f["properties"]["zone"]} == {"Flémalle"}
    assert {"Seraing", "Neupré"} <= {f["properties"]["nom"] for f in communes["features"]}  # still drawn, not ours
    for html in (page, public):
        box = json.loads(re.search(r'"emprise_zone": (\[\[[^]]+\], \[[^]]+\]\])', html)[1])
        (south, west), (north, east) = box
        assert 50.55 < south < north < 50.63 and 5.38 < west < east < 5.49, box  # Flémalle, west of Seraing


def test_a_zone_brings_its_own_commune_outlines(settings, conn, accounts, tmp_path):
    """HOTSPOTS_COMMUNES_FILE: another zone's outlines, as a GeoPackage in Lambert 72 with the name under « nom »
    (no Dutch name, no role), are the communes the maps draw, the box they open on and the zone the import
    checks points against."""
    shipped = gpd.read_file(ROOT / "geodata" / "communes_seraing_neupre.geojson")
    theirs = shipped[shipped["name_fr"].isin(["Flémalle", "Saint-Nicolas", "Seraing"])].to_crs("EPSG:31370")
    path = tmp_path / "communes_zone_ouest.gpkg"
    theirs[["name_fr", "geometry"]].rename(columns={"name_fr": "nom"}).to_file(path)
    mine = settings.model_copy(update={"communes_file": path, "zone_communes": ("Flémalle", "Saint-Nicolas")})
    with _app(settings, communes_file=path, zone_communes=("Flémalle", "Saint-Nicolas")) as c:
        _login(c, "lecteur")
        communes = c.get("/api/carte/fond/communes").json()
        page = c.get("/carte").text
    drawn = {f["properties"]["nom"]: f["properties"]["zone"] for f in communes["features"]}
    assert drawn == {"Flémalle": True, "Saint-Nicolas": True, "Seraing": False}
    (south, west), (north, east) = json.loads(re.search(r'"emprise_zone": (\[\[[^]]+\], \[[^]]+\]\])', page)[1])
    # the box of Flémalle (west) and Saint-Nicolas (north-east), not of Seraing and Neupré (south to 50,52)
    assert (south, west, north, east) == pytest.approx((50.5544, 5.386, 50.6491, 5.5521), abs=2e-4)
    zone = zone_polygon(mine)
    flemalle_town_hall, seraing_castle = to_lambert(5.4605, 50.6040), to_lambert(5.5070, 50.6120)
    assert shapely.contains_xy(zone, *flemalle_town_hall)
    assert km_outside(zone_outline(mine), *seraing_castle) is not None
    # before the zone's register is loaded: its communes drawn, no street nor postcode area (none of Seraing's)
    nothing = gpd.GeoDataFrame(
        {"street": [], "municipality": [], "postcode": []}, geometry=gpd.points_from_xy([], []), crs="EPSG:31370"
    )
    zone_names = ("Flémalle", "Saint-Nicolas")
    assert len(build_layer(nothing, path, "communes", zone_names, ())["features"]) == 3
    assert build_layer(nothing, path, "rues", zone_names, ())["features"] == []
    assert build_layer(nothing, path, "secteurs", zone_names, ())["features"] == []


def test_edited_outline_and_section_files_are_read_again_by_the_running_server(settings, conn, accounts, tmp_path):
    """The outlines and the sections table are kept once read, but a file edited while the server runs (communes
    merged, a section added) is what the next map, import check and layer use, without a restart."""
    shipped = gpd.read_file(ROOT / "geodata" / "communes_seraing_neupre.geojson")
    path, table = tmp_path / "communes.geojson", tmp_path / "sections.csv"
    shipped[["name_fr", "geometry"]].to_file(path)
    table.write_text((ROOT / "geodata" / "sections_seraing_neupre.csv").read_text(encoding="utf-8"), encoding="utf-8")
    mine = settings.model_copy(update={"communes_file": path, "sections_file": table})
    saint_nicolas_north = to_lambert(5.5406, 50.6355)  # 1,5 km from Seraing: outside even with the margin
    with _app(mine) as c:
        _login(c, "lecteur")
        before = c.get("/api/carte/fond/communes").json()
        areas = {f["properties"]["nom"] for f in c.get("/api/carte/fond/secteurs").json()["features"]}
        assert not shapely.contains_xy(zone_polygon(mine), *saint_nicolas_north)
        merged = shipped[shipped["name_fr"] != "Saint-Nicolas"].copy()
        both = shipped[shipped["name_fr"].isin(["Seraing", "Saint-Nicolas"])].union_all()
        merged.loc[merged["name_fr"] == "Seraing", "geometry"] = both  # as if the two communes had merged
        merged[["name_fr", "geometry"]].to_file(path)
        with table.open("a", encoding="utf-8") as fh:
            fh.write("Val-Saint-Lambert,Seraing,4100,\n")
        after = c.get("/api/carte/fond/communes").json()
        areas_after = {f["properties"]["nom"] for f in c.get("/api/carte/fond/secteurs").json()["features"]}
    names = [{f["properties"]["nom"] for f in layer["features"]} for layer in (before, after)]
    assert "Saint-Nicolas" in names[0] and "Saint-Nicolas" not in names[1] and len(names[1]) == len(names[0]) - 1
    assert shapely.contains_xy(zone_polygon(mine), *saint_nicolas_north)
    assert "4100 Seraing, Boncelles" in areas and "4100 Seraing, Boncelles, Val-Saint-Lambert" in areas_after


def test_a_commune_outline_file_that_cannot_serve_is_refused_in_french(settings, tmp_path):
    """A missing file, points instead of outlines, or no column with the communes' names: each refusal names the
    file and says what to give."""
    points = tmp_path / "mairies.geojson"
    gpd.GeoDataFrame({"nom": ["Flémalle"]}, geometry=[shapely.Point(5.46, 50.60)], crs="EPSG:4326").to_file(points)
    unnamed = tmp_path / "sans_nom.geojson"
    gpd.GeoDataFrame({"code": ["62120"]}, geometry=[shapely.box(5.4, 50.5, 5.5, 50.6)], crs="EPSG:4326").to_file(
        unnamed
    )
    for path, words, hint in (
        (tmp_path / "absent.geojson", "Contours des communes introuvables", "Vérifiez HOTSPOTS_COMMUNES_FILE"),
        (points, "des géométries qui ne sont pas des polygones", "Chaque commune est un polygone"),
        (unnamed, "aucune colonne de nom", "son nom dans une colonne name_fr ou nom ou name"),
    ):
        with pytest.raises(ConfigError, match=words) as caught:
            zone_polygon(settings.model_copy(update={"communes_file": path, "zone_communes": ("Flémalle",)}))
        assert path.name in caught.value.message and hint in (caught.value.hint or "")


# --- public map ------------------------------------------------------------------------------------------------


def test_the_public_map_is_off_by_default(client):
    page = client.get("/carte/publique")
    assert page.status_code == 404 and "Carte publique non publiée" in page.text and "pas activée" in page.text
    assert '<html lang="fr">' in page.text and page.headers["content-language"] == "fr"
    # a resident comes by a link in their language: the page says it in that language
    dutch = client.get("/carte/publique", params={"langue": "nl"})
    assert dutch.status_code == 404 and '<html lang="nl">' in dutch.text
    assert "<h1>Publieke kaart niet gepubliceerd</h1>" in dutch.text and "niet geactiveerd" in dutch.text
    english = client.get("/carte/publique", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "<h1>Public map not published</h1>" in english.text and english.headers["content-language"] == "en"
    data = client.get("/api/public/carte/mailles", params={"bbox": ZONE, "zoom": 13})
    assert data.status_code == 404 and "pas activée" in data.json()["erreur"]
    assert client.get("/api/public/carte/fond/communes").status_code == 404


def test_the_public_map_shows_only_cells_of_at_least_k_reports(settings, conn, bulk):
    # ten reports whose address waits for a person: their point is provisional, the public map leaves them out
    conn.execute(
        "UPDATE reports SET geocode_status = 'a_verifier' WHERE id IN (SELECT id FROM reports WHERE geom IS NOT NULL "
        "ORDER BY id LIMIT 10)"
    )
    conn.commit()
    with _app(settings, public_map=True, public_min_count=8) as c:
        page = c.get("/carte/publique")
        assert page.status_code == 200 and "moins de 8 signalements" in page.text
        assert 'id="hs-form-visite"' not in page.text
        body = c.get("/api/public/carte/mailles", params={"bbox": ZONE, "zoom": 14})
        assert body.status_code == 200
        cells = body.json()
    assert cells["taille_m"] == 400 and cells["seuil"] == 8
    assert cells["features"] and all(f["properties"]["n"] >= 8 for f in cells["features"])
    assert cells["masques"]["mailles"] > 0 and cells["masques"]["signalements"] > 0
    shown = sum(f["properties"]["n"] for f in cells["features"])
    assert shown + cells["masques"]["signalements"] == cells["total"] == bulk - 10
    for f in cells["features"]:
        groups = f["properties"]["groupes"]
        assert set(groups) <= set(cells["groupes"])
        assert all(v is None or v >= 8 for v in groups.values())
        assert f["geometry"]["type"] == "Polygon" and len(f["geometry"]["coordinates"][0]) == 7
    text = body.text
    some = conn.execute("SELECT address, description FROM reports WHERE description IS NOT NULL LIMIT 20").fetchall()
    assert not any(a in text or d in text for a, d in some)
    assert '"id"' not in text and "adresse" not in text


def test_the_public_map_speaks_dutch_german_and_english(settings, conn, bulk):
    with _app(settings, public_map=True, public_min_count=8) as c:
        french = c.get("/carte/publique")
        dutch = c.get("/carte/publique", params={"langue": "nl"})
        english = c.get("/carte/publique", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
        german = c.get("/carte/publique", headers={"Accept-Language": "de-BE,de;q=0.9,fr;q=0.5"})
        italian = c.get("/carte/publique", params={"langue": "it"}, headers={"Accept-Language": "it-IT"})
        cells = c.get("/api/public/carte/mailles", params={"bbox": ZONE, "zoom": 14, "langue": "nl"}).json()
        cells_de = c.get("/api/public/carte/mailles", params={"bbox": ZONE, "zoom": 14, "langue": "de"}).json()
        wrong = c.get("/api/public/carte/mailles", params={"bbox": ZONE, "zoom": 14, "langue": "it"})
    assert french.headers["content-language"] == "fr" and '<html lang="fr">' in french.text
    assert "Nuisances environnementales signalées — Seraing et Neupré" in french.text
    assert "Accept-Language" in french.headers["vary"]
    assert dutch.status_code == 200 and dutch.headers["content-language"] == "nl"
    page = dutch.text
    assert '<html lang="nl">' in page and "<title>Publieke kaart — Hotspots</title>" in page
    assert "Gemelde milieuhinder — Seraing en Neupré" in page
    assert "zones met minder dan 8 meldingen worden niet getoond" in page
    assert ">Afval en sluikstort</option>" in page and ">Soort hinder" in page
    # the legend's classes, multiples of the threshold, in Dutch
    assert "8 tot 15" in page and "160 of meer" in page and "Signalements" not in page
    # the script's words ride along in the page's configuration, with the Belgian Dutch locale
    assert '"locale": "nl-BE"' in page and '"zones": "Meldingen per zone"' in page
    # the language links: the current one marked, the others linked
    assert '<strong aria-current="page" lang="nl" title="Nederlands">NL</strong>' in page
    assert '<a href="?langue=fr" hreflang="fr" lang="fr" title="Français">FR</a>' in page
    assert english.headers["content-language"] == "en"
    assert "areas with fewer than 8 reports are not shown" in english.text
    assert "8 to 15" in english.text and ">Waste and dumping</option>" in english.text
    assert german.status_code == 200 and german.headers["content-language"] == "de"
    assert '<html lang="de">' in german.text and "Gemeldete Umweltbelästigungen — Seraing und Neupré" in german.text
    assert "Zonen mit weniger als 8 Meldungen werden nicht angezeigt" in german.text
    assert "8 bis 15" in german.text and ">Abfall und wilde Müllablagerungen</option>" in german.text
    assert '"locale": "de-BE"' in german.text and '"zones": "Meldungen pro Zone"' in german.text
    assert '<a href="?langue=de" hreflang="de" lang="de" title="Deutsch">DE</a>' in dutch.text
    assert italian.status_code == 200 and italian.headers["content-language"] == "fr"  # no Italian: French
    assert cells["groupes"]["dechets"] == "Afval en sluikstort" and cells["features"]
    assert cells_de["groupes"]["nuisances"] == "Lärm und Gerüche"
    assert wrong.status_code == 422


def test_the_public_cells_never_go_below_the_minimum_size(settings, conn, bulk):
    with _app(settings, public_map=True, public_min_count=1, public_cell_m=300) as c:
        close = c.get("/api/public/carte/mailles", params={"bbox": "5.50,50.585,5.515,50.595", "zoom": 18}).json()
    assert close["taille_m"] == 300 and not close["masques"]["mailles"]


def test_static_readme_lists_every_vendored_library():
    static = Path(ROOT / "service" / "maps" / "static")
    readme = (static / "README.md").read_text(encoding="utf-8")
    for folder in ("vendor/leaflet", "vendor/leaflet-heat"):
        assert (static / folder / "LICENSE").exists() and f"`{folder}/`" in readme


def test_the_forecast_layer_draws_the_zone_s_cells_where_the_most_reports_are_expected(
    client, conn, settings, accounts, tmp_path
):
    """The planning map's « Prévision du trimestre » layer: the zone's 100 m cells where the last analysis expects the
    most reports in the next three months, in the three shares of the zone the back-test scores (1, 5 and 10 % of
    its cells), most first, the three planted corners among the first; blues in the legend, apart from the
    priorities' reds; each analysis replaces the cells of the one before."""
    from collections import Counter

    import numpy as np
    import pandas as pd

    from service.analyse.metrics import cells_for
    from service.analyse.store import run_points
    from service.geocode.gazetteer import load_gazetteer
    from tests.helpers import NOW
    from tests.test_analyse import _centres, reports_file

    now = pd.Timestamp(NOW)
    path, _n = reports_file(tmp_path / "r.csv", np.random.default_rng(6), now, background=1500, corners=3)
    ingest(conn, settings, path)
    load_gazetteer(conn, [ROOT / "geodata" / "icar_seraing_neupre.csv"])
    zone = {"zone": zone_polygon(settings), "outline": zone_outline(settings)}  # as run_analysis gives them
    run_points(conn, since=NOW - pd.Timedelta(days=730), now=now, **zone)
    conn.commit()  # the analysis's transaction, seen by the application's own connections
    assert client.get("/api/prevision").status_code == 401
    page = _page(client, "lecteur")
    answer = client.get("/api/prevision")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/geo+json")
    data = answer.json()
    zone_cells, features = data["prevision"]["mailles_zone"], data["features"]
    # the communes' cells, without the margin kept to accept reports drawn just across a coarse outline
    assert zone_cells == pytest.approx(zone_outline(settings).area / 1e4, rel=0.02)
    k1, k5, k10 = (cells_for(share, zone_cells) for share in (0.01, 0.05, 0.10))
    assert Counter(f["properties"]["part"] for f in features) == {"1 %": k1, "5 %": k5 - k1, "10 %": k10 - k5}
    assert [f["properties"]["rang"] for f in features] == list(range(1, k10 + 1))
    check = data["prevision"]["controle"]
    assert [p["part"] for p in check["parts"]] == ["1 %", "5 %", "10 %"] and check["signalements"] > 50
    assert data["prevision"]["controle_phrase"].startswith("Vérifiée sur les 3 derniers mois : faite à leur début, ")
    expected = [f["properties"]["attendus"] for f in features]
    assert expected == sorted(expected, reverse=True) and data["prevision"]["horizon_mois"] == 3
    square = shapely.geometry.shape(features[0]["geometry"])
    assert square.bounds[0] > 5.40 and square.bounds[3] < 50.65  # WGS84, in the zone
    first = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in features[: k1 // 2]])
    xs, ys = zip(*_centres()[:3], strict=True)
    corners = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs="EPSG:31370").to_crs("EPSG:4326")
    assert all(first.distance(corner) < 0.002 for corner in corners)  # within about 150 m
    legend = {
        ("#08306b", 0.85): "les 1\u00a0% de la zone où le plus de signalements sont attendus",
        ("#2171b5", 0.6): "les 5\u00a0% (les suivantes)",
        ("#9ecae1", 0.35): "les 10\u00a0% (les suivantes)",
    }
    assert "Prévision du trimestre (mailles de 100 m)</h3>" in page
    for (colour, opacity), words in legend.items():
        assert f'<span class="hs-carre" style="background:{colour};opacity:{opacity}"></span> {words}' in page
    again = run_points(conn, since=NOW - pd.Timedelta(days=730), now=now, **zone)
    conn.commit()
    assert conn.execute("SELECT count(DISTINCT run_id), max(run_id) FROM forecast_cells").fetchone() == (
        1,
        again["run"],
    )


def test_the_forecast_layer_follows_the_category_chosen_in_the_filters(client, conn, settings, accounts, tmp_path):
    """A planner who chose « Déjections canines » sees where dog fouling is expected, not the dumping corners that
    fill the layer of every category; a category with too few reports, or unknown, draws nothing and says why; a
    new analysis gives the category's layer its moment."""
    import numpy as np
    import pandas as pd

    from service.analyse.forecast_category import MIN_REPORTS, category_layer
    from service.analyse.store import run_points
    from service.geocode.gazetteer import load_gazetteer
    from tests.helpers import NOW
    from tests.test_analyse import _centres, reports_file

    now, rng = pd.Timestamp(NOW), np.random.default_rng(8)
    dumping, _ = reports_file(tmp_path / "depots.csv", rng, now, background=1200, corners=3)
    dogs, n_dogs = reports_file(
        tmp_path / "chiens.csv", rng, now, background=300, corners=2, skip=3, first=5000, category="dejections"
    )
    posters, _ = reports_file(
        tmp_path / "affiches.csv", rng, now, background=12, corners=0, first=9000, category="affichage_sauvage"
    )
    for path in (dumping, dogs, posters):
        ingest(conn, settings, path)
    load_gazetteer(conn, [ROOT / "geodata" / "icar_seraing_neupre.csv"])
    zone = {"zone": zone_polygon(settings), "outline": zone_outline(settings)}
    run_points(conn, since=NOW - pd.Timedelta(days=730), now=now, **zone)
    conn.commit()
    _page(client, "lecteur")

    def corners_near_the_first(data, k):
        first = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in data["features"][:k]])
        xs, ys = zip(*_centres(), strict=True)
        corners = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs="EPSG:31370").to_crs("EPSG:4326")
        return [i for i, corner in enumerate(corners) if first.distance(corner) < 0.002]  # within about 150 m

    every = client.get("/api/prevision").json()
    assert corners_near_the_first(every, 12) == [0, 1, 2, 3, 4]  # every corner, 40 reports each
    answer = client.get("/api/prevision", params={"categorie": "dejections"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/geo+json")
    data = answer.json()
    facts = data["prevision"]
    # the dog fouling's own corners first, far ahead of any other cell; not the dumping's
    expected = [f["properties"]["attendus"] for f in data["features"]]
    first = sum(e > 10 * expected[len(expected) // 100] for e in expected)
    assert 2 <= first <= 6 and corners_near_the_first(data, first) == [3, 4]
    assert facts["categorie"] == "dejections" and facts["libelle"] == "Déjections canines"
    assert facts["signalements"] == n_dogs
    assert facts["mailles_zone"] == pytest.approx(every["prevision"]["mailles_zone"], rel=0.02)  # the same zone
    assert facts["attendus_zone"] < every["prevision"]["attendus_zone"] / 3  # a fifth of the reports
    assert " signalements « Déjections canines » qui ont suivi ; le comptage" in facts["controle_phrase"]
    ranks = [f["properties"]["rang"] for f in data["features"]]
    assert ranks == list(range(1, len(ranks) + 1)) and {f["properties"]["part"] for f in data["features"]} == {
        "1 %",
        "5 %",
        "10 %",
    }
    few = client.get("/api/prevision", params={"categorie": "affichage_sauvage"}).json()
    assert few["features"] == [] and few["prevision"]["raison"] == (
        f"trop peu de signalements « Affichage sauvage » pour une prévision propre : 12 sur la période de "
        f"l'analyse, il en faut {MIN_REPORTS}"
    )
    unknown = client.get("/api/prevision", params={"categorie": "licornes"}).json()
    assert unknown["features"] == [] and unknown["prevision"]["raison"] == "catégorie inconnue : « licornes »"
    # reports received after the analysis are not in its category's layer (the zone's layer does not have them
    # either): the layer of the same quarter, read on the same reports, until the next analysis
    more, n_more = reports_file(
        tmp_path / "chiens_2.csv", rng, now, background=60, corners=0, first=20000, category="dejections"
    )
    ingest(conn, settings, more)
    conn.commit()
    assert category_layer(conn, settings, "dejections").summary["signalements"] == n_dogs
    # a place chosen: the cells of Neupré (their centre's nearest official address there), ranked among
    # themselves: the place's own first 10 %, the zone's first cells there at their head
    from collections import Counter

    from service.analyse.forecast_map import check_words
    from service.analyse.metrics import cells_for

    neupre = gpd.read_file(ROOT / "geodata" / "communes_seraing_neupre.geojson").query("name_fr == 'Neupré'")
    outline = neupre.to_crs("EPSG:31370").geometry.iloc[0]

    def centres_of(features):
        return gpd.GeoSeries(
            [shapely.geometry.shape(f["geometry"]).centroid for f in features], crs="EPSG:4326"
        ).to_crs("EPSG:31370")

    for asked, whole in (({}, every), ({"categorie": "dejections"}, data)):
        placed = client.get("/api/prevision", params={**asked, "lieu": "Neupré"}).json()
        place, props = placed["prevision"]["lieu"], [f["properties"] for f in placed["features"]]
        assert place["classement"] == "lieu" and place["mailles"] == pytest.approx(outline.area / 1e4, rel=0.1)
        assert 0 < place["attendus"] < placed["prevision"]["attendus_zone"]
        k1, k5, k10 = (cells_for(share, place["mailles"]) for share in (0.01, 0.05, 0.10))
        assert [p["rang"] for p in props] == list(range(1, k10 + 1))
        assert Counter(p["part"] for p in props) == {"1 %": k1, "5 %": k5 - k1, "10 %": k10 - k5}
        zone_ranks = [p["rang_zone"] for p in props]
        assert zone_ranks == sorted(zone_ranks)  # the zone's order, within the place
        attendus = [p["attendus"] for p in props]
        assert attendus == sorted(attendus, reverse=True)
        deep_inside = {
            f["properties"]["rang"]
            for f, c in zip(whole["features"], centres_of(whole["features"]), strict=True)
            if outline.contains(c) and outline.exterior.distance(c) > 300
        }
        # the zone's first cells deep in Neupré are among its own first, and there are many more of its own
        assert deep_inside and deep_inside <= set(zone_ranks) and len(props) > 2 * len(deep_inside)
        outside = [c for c in centres_of(placed["features"]) if not outline.contains(c)]
        assert len(outside) <= 0.05 * len(props)
        # checked on its own cells: its reports of the check's months, in its own first shares
        zone_check, own = placed["prevision"]["controle"], place["controle"]
        assert own is not None and 0 < own["signalements"] < zone_check["signalements"]
        assert [p["part"] for p in own["parts"]] == ["1 %", "5 %", "10 %"]
        captured_shares = [p["prevision"] for p in own["parts"]]
        assert captured_shares == sorted(captured_shares) and captured_shares[0] >= 0 and captured_shares[-1] <= 1
        assert placed["prevision"]["controle_phrase"] == check_words(own, whole["prevision"].get("libelle"), "du lieu")
    # the check cell by cell adds up to the zone's
    received = conn.execute("SELECT sum(check_received) FROM forecast_cells").fetchone()[0]
    assert received == every["prevision"]["controle"]["signalements"]
    # an analysis stored before every cell was kept (its first 10 % only): the place's cells among them, as ranked
    # in the zone, and said so
    conn.execute("DELETE FROM forecast_cells WHERE share IS NULL")
    conn.commit()
    deadline = time.monotonic() + 20  # until the change notification reaches the application's cache
    while (older := client.get("/api/prevision", params={"lieu": "Neupré"}).json())["prevision"]["lieu"][
        "classement"
    ] == "lieu" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert older["prevision"]["lieu"] == {"mailles": None, "attendus": None, "classement": "zone"}
    ranks = [f["properties"]["rang"] for f in older["features"]]
    assert ranks and set(ranks) < {f["properties"]["rang"] for f in every["features"]}
    assert all(f["properties"]["rang"] == f["properties"]["rang_zone"] for f in older["features"])
    unknown_place = client.get("/api/prevision", params={"lieu": "Liège"})
    assert unknown_place.status_code == 422 and "Liège" in unknown_place.json()["erreur"]
    again = run_points(conn, since=NOW - pd.Timedelta(days=730), now=now + pd.Timedelta(days=31), **zone)
    conn.commit()
    started = conn.execute("SELECT started_at FROM analysis_runs WHERE id = %s", (again["run"],)).fetchone()[0]
    later = client.get("/api/prevision", params={"categorie": "dejections"}).json()["prevision"]
    assert pd.Timestamp(later["analyse_du"]) == pd.Timestamp(started)
    read = conn.execute(
        "SELECT count(*) FROM reports WHERE category = 'dejections' AND duplicate_of IS NULL"
    ).fetchone()
    assert later["signalements"] == read[0] and later["signalements"] >= n_dogs + n_more - 3  # near-duplicates aside
