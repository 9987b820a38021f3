"""The planning map in a real browser: headless Chromium (selenium) against a real uvicorn server on loopback,
with the demonstration data ingested and analysed. Logs in through the form, waits for every layer, counts what
each one drew, opens a sensitive point and records a visit, and fails on a blank map or a missing layer.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``make test`` installs them when run as root).
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from service.analyse.store import run_points
from service.api import create_app
from service.demo import generate_demo
from service.geocode.apply import batch_geocoder
from service.geocode.gazetteer import load_gazetteer
from service.ingest.pipeline import IngestOptions, ingest_file
from service.labels import STATE_LABELS, TREND_LABELS
from service.maps.page import STYLE
from tests.conftest import PASSWORDS, ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="Chromium absent : installez les paquets Debian « chromium » et « chromium-driver » "
    "(apt-get install -y chromium chromium-driver ; make test le fait en root).",
)

#: Layer name in window.hotspotsLayers → CSS selector of what it draws.
LAYERS = {
    "chaleur": "canvas.leaflet-heatmap-layer",
    "groupes": ".leaflet-marker-pane .hs-bulle, path.hs-signalement",
    "points_sensibles": "path.hs-point-sensible",
    "axes": "path.hs-axe",
    "visites": "path.hs-visite",
    "permis": ".leaflet-marker-pane .hs-permis",
    "communes": "path.hs-commune",
    "secteurs": "path.hs-secteur",
    "fond_rues": "path.hs-rue",
    "renvois": "path.hs-renvoi",
}

#: Counts the colours of a screenshot inside the browser (no image library needed on the Python side).
_PIXELS = """
const [data, done] = arguments;
const img = new Image();
img.onload = () => {
  const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const px = g.getImageData(0, 0, c.width, c.height).data;
  const seen = new Map(); let n = 0;
  for (let i = 0; i < px.length; i += 4 * 7) {
    const k = (px[i] << 16) | (px[i + 1] << 8) | px[i + 2];
    seen.set(k, (seen.get(k) || 0) + 1); n++;
  }
  done({colours: seen.size, dominant: Math.max(...seen.values()) / n});
};
img.src = 'data:image/png;base64,' + data;
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def demo_data(conn, settings, tmp_path):
    """The demonstration set (1,500 reports up to today), geocoded, ingested and analysed."""
    files = generate_demo(
        tmp_path / "demo",
        addresses=ROOT / "geodata" / "icar_seraing_neupre.csv",
        seed=11,
        n_reports=1500,
        end=date.today(),
    )
    load_gazetteer(conn, [ROOT / "geodata" / "icar_seraing_neupre.csv"])
    geocoder = batch_geocoder(conn)
    plan = [
        (files.commune_csv, "reports", "commune_proprete"),
        (files.patrols_xlsx, "reports", "patrouilles"),
        (files.open311_json, "reports", "app_citoyenne"),
        (files.intercommunale_csv, "reports", "intercommunale"),
        (files.visits_csv, "visits", "visites"),
        (files.permits_csv, "permits", "permis"),
        (files.service_csv, "reports", "service_environnement"),  # its neighbour-noise reports: proposed referrals
    ]
    for path, kind, source in plan:
        ingest_file(conn, path, IngestOptions(kind=kind, source=source), settings, geocoder=geocoder)  # type: ignore[arg-type]
    now = pd.Timestamp.now(tz="UTC")
    found = run_points(conn, since=(now - pd.Timedelta(days=730)).to_pydatetime(), now=now)
    conn.commit()
    assert found["points_sensibles"] > 0 and found.get("axes", 1) > 0, found
    return files


@contextmanager
def _serving(settings, **changes):
    """A real uvicorn server on a free loopback port; yields its base address."""
    import uvicorn

    app = create_app(settings.model_copy(update={"map_cache_seconds": 0, **changes}))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "le serveur ne démarre pas"
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture()
def server(settings, demo_data, accounts):
    """The service without tiles (offline: vector background), over the demonstration data."""
    with _serving(settings, tile_url="") as url:
        yield url


class _FailingTiles(BaseHTTPRequestHandler):
    """A tile server that answers every tile with an error, and counts the requests."""

    requests = 0

    def do_GET(self):
        type(self).requests += 1
        self.send_error(503, "hors service")

    def log_message(self, *args):
        pass


@pytest.fixture()
def failing_tiles():
    _FailingTiles.requests = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _FailingTiles)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--window-size=1400,1000",
        "--lang=fr-BE",  # dates and numbers of the page as a Belgian user sees them (and the README's screenshots)
    ):
        options.add_argument(arg)
    options.binary_location = CHROMIUM or ""
    # the page's date fields follow the browser's locale, which Chromium takes from the environment
    locale = {**os.environ, "LANG": "fr_BE.UTF-8", "LANGUAGE": "fr_BE:fr"}
    driver = webdriver.Chrome(service=Service(DRIVER, env=locale), options=options)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _screenshot_stats(driver, png: str) -> dict:
    return driver.execute_async_script(_PIXELS, png)


#: The README's screenshots (« Premiers pas ») are taken here, on the demonstration data: into a temporary folder,
#: or into the repository's docs/premiers-pas with ``make captures`` (HOTSPOTS_CAPTURES), whose copies are committed.
CAPTURES_ENV = "HOTSPOTS_CAPTURES"
CAPTURE_MAX_BYTES = 200_000


@pytest.fixture(scope="module")
def captures(tmp_path_factory) -> Path:
    folder = os.environ.get(CAPTURES_ENV)
    path = Path(folder) if folder else tmp_path_factory.mktemp("premiers-pas")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _small_png(png: bytes, *, width: int = 1000) -> bytes:
    """A screenshot made small enough for the README: at most ``width`` pixels wide, 256-colour palette."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    palette = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    palette.save(out, "PNG", optimize=True)
    return out.getvalue()


def _capture(driver, folder: Path, name: str, png: bytes, *, min_colours: int = 40, max_dominant: float = 0.9) -> Path:
    """Write screenshot ``name`` for the README, checked non-blank (same check as the map's) and small."""
    small = _small_png(png)
    stats = _screenshot_stats(driver, base64.b64encode(small).decode("ascii"))
    assert stats["colours"] >= min_colours and stats["dominant"] < max_dominant, (name, stats)
    assert len(small) < CAPTURE_MAX_BYTES, (name, len(small))
    path = folder / f"{name}.png"
    path.write_bytes(small)
    return path


def _text(element) -> str:
    """All the text of an element. Selenium's ``.text`` gives only what is on screen, and a tall popup may be
    partly scrolled out of its box."""
    return str(element.get_attribute("textContent") or "").strip()


def _status(driver) -> str:
    return driver.execute_script("var e = document.getElementById('hs-etat'); return e ? e.textContent : ''")


def _layers(driver) -> dict:
    return driver.execute_script("return JSON.parse(JSON.stringify(window.hotspotsLayers || {}))")


def _log_in(browser, server: str, wait) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/carte")
    assert "/connexion?suite=/carte" in browser.current_url
    browser.find_element(By.NAME, "identifiant").send_keys("test.planificateur")
    browser.find_element(By.NAME, "mot_de_passe").send_keys(PASSWORDS["planificateur"])
    browser.find_element(By.CSS_SELECTOR, "#hs-form-connexion button").click()
    wait.until(lambda d: d.current_url.endswith("/carte") and d.execute_script("return !!window.hotspotsLayers"))


def _fetch_json(driver, url: str):
    """A GET of the API from inside the page (with its session cookie)."""
    return driver.execute_async_script(
        "const done = arguments[1]; fetch(arguments[0], {credentials: 'same-origin'})"
        ".then(r => r.json()).then(done, e => done({erreur: String(e)}));",
        url,
    )


#: Bubbles of reports whose number is hidden by a sensitive point drawn over it, and how many bubbles overlap a
#: point at all (so that the first count means something).
_COVERED_BUBBLES = """
const points = [...document.querySelectorAll('path.hs-point-sensible, path.hs-point-sensible-centre')];
const boxes = points.map(p => p.getBoundingClientRect());
let overlapping = 0, covered = [];
for (const bubble of document.querySelectorAll('.leaflet-marker-pane .hs-bulle')) {
  const r = bubble.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (!boxes.some(b => x >= b.left && x <= b.right && y >= b.top && y <= b.bottom)) continue;
  overlapping++;
  const top = document.elementFromPoint(x, y);
  if (top && top.closest('path.hs-point-sensible, path.hs-point-sensible-centre')) covered.push(bubble.textContent);
}
return {overlapping: overlapping, covered: covered};
"""


def test_the_planning_map_draws_every_layer(server, browser, tmp_path, conn, captures):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60, poll_frequency=0.25)
    browser.get(server + "/carte")
    assert "/connexion?suite=/carte" in browser.current_url
    login = browser.find_element(By.CSS_SELECTOR, "main.hs-connexion")
    _capture(browser, captures, "1-connexion", login.screenshot_as_png, min_colours=8, max_dominant=0.97)
    browser.find_element(By.NAME, "identifiant").send_keys("test.planificateur")
    browser.find_element(By.NAME, "mot_de_passe").send_keys(PASSWORDS["planificateur"])
    browser.find_element(By.CSS_SELECTOR, "#hs-form-connexion button").click()
    wait.until(lambda d: d.current_url.endswith("/carte") and d.execute_script("return !!window.hotspotsLayers"))

    # switch on every overlay the user can toggle (some start hidden)
    for box in browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays input"):
        if not box.is_selected():
            box.click()

    def all_loaded(d):
        state = _layers(d)
        return len(state) == len(LAYERS) and all(v["affichee"] and v["chargee"] for v in state.values())

    try:
        wait.until(all_loaded)
    finally:
        shot = tmp_path / "carte.png"
        browser.save_screenshot(str(shot))
        print(f"\ncapture d'écran de la carte : {shot}")
        print("état des couches :", _layers(browser))
        journal = browser.get_log("browser")
        print("journal :", [e["message"][:300] for e in journal])
    assert not _csp_violations(journal), _csp_violations(journal)
    state = _layers(browser)
    drawn = {name: len(browser.find_elements(By.CSS_SELECTOR, css)) for name, css in LAYERS.items()}
    print("couches :", {k: (v["elements"], drawn[k]) for k, v in state.items()})
    for name in LAYERS:
        assert state[name]["erreur"] is None, (name, state[name])
        assert state[name]["elements"] > 0, f"couche vide : {name}"
        assert drawn[name] > 0, f"couche non dessinée : {name}"
    assert drawn["secteurs"] >= 6 and drawn["fond_rues"] > 500
    assert browser.execute_script("return window.hotspotsVue.total") > 500

    # the screenshot is a map, not a blank page; the same check says so of a blank page
    stats = _screenshot_stats(browser, browser.get_screenshot_as_base64())
    assert stats["colours"] > 40 and stats["dominant"] < 0.9, stats
    assert Path(shot).stat().st_size > 20_000
    _capture(browser, captures, "2-carte", browser.get_screenshot_as_png())

    # the sensitive points are coloured by priority rank: the highest-priority point in the top class's colour,
    # and more than one class on the map
    listing = _fetch_json(browser, "/api/points-sensibles")["features"]
    top = max(listing, key=lambda f: f["properties"]["priorite"])["properties"]["id"]
    centre = f"path.hs-point-sensible-centre.hs-ps-{top.replace('-', '_')}"
    fill = browser.execute_script("return document.querySelector(arguments[0]).getAttribute('fill')", centre)
    assert fill == STYLE["priorite"]["tres_haute"]["couleur"], (top, fill)
    fills = browser.execute_script(
        "return [...document.querySelectorAll('path.hs-point-sensible-centre')].map(p => p.getAttribute('fill'))"
    )
    colours = {c["couleur"] for c in STYLE["priorite"].values()}
    assert set(fills) <= colours and len(set(fills)) >= 2, fills

    # the numbers of the report bubbles stay readable: no sensitive point is drawn over them
    bubbles = browser.execute_script(_COVERED_BUBBLES)
    assert bubbles["overlapping"] > 0 and bubbles["covered"] == [], bubbles

    # the top point's popup: stats in words, history, the visit form; record a visit through it
    before = _fetch_json(browser, f"/api/points-sensibles/{top}")["properties"]
    last = (before["visites"] or [{}])[0].get("resultat")
    outcome = "a_revoir" if last == "pv" else "pv"  # a visit outcome that changes the point's priority
    browser.execute_script(
        "document.querySelector(arguments[0]).dispatchEvent(new MouseEvent('click', {bubbles: true}))", centre
    )
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content form.hs-visite"))
    popup = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content")
    content = _text(popup)
    # once the popup has faded in and the map has panned to show it whole
    opacity = "return getComputedStyle(document.querySelector('.leaflet-popup')).opacity"
    wait.until(lambda d: d.execute_script(opacity) == "1")
    time.sleep(0.6)
    box = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content-wrapper")
    _capture(browser, captures, "3-point-sensible", box.screenshot_as_png, min_colours=8, max_dominant=0.97)
    assert "Priorité" in content and "Historique des analyses" in content and "Dernière visite" in content
    rows = {
        _text(tr.find_element(By.TAG_NAME, "th")): _text(tr.find_element(By.TAG_NAME, "td"))
        for tr in popup.find_elements(By.CSS_SELECTOR, "table:first-of-type tr")
    }
    assert rows["Tendance"] in TREND_LABELS.values() and rows["État"] in STATE_LABELS.values(), rows
    assert "_" not in rows["Tendance"] + rows["État"]
    # the priority explained: its three named factors, each in words (the number alone said nothing)
    parts = before["composantes_priorite"]
    gravity = browser.execute_script(
        "return (1 * arguments[0]).toLocaleString('fr-BE', {maximumFractionDigits: 2})", parts["gravite"]
    )
    assert rows["Pourquoi"].startswith(f"gravité {gravity} (catégories du point) × prévision "), rows["Pourquoi"]
    assert "signalements attendus en 3 mois) × suite de visite " in rows["Pourquoi"]
    form = popup.find_element(By.CSS_SELECTOR, "form.hs-visite")
    form.find_element(By.NAME, "notes").send_keys("Contrôle depuis la carte")
    browser.execute_script("arguments[0].value = arguments[1]", form.find_element(By.NAME, "resultat"), outcome)
    form.find_element(By.CSS_SELECTOR, "button").click()
    # the popup stays open with the confirmation and the new last visit, whatever the layers do meanwhile
    try:
        wait.until(lambda d: "Visite enregistrée" in _text(d.find_element(By.CSS_SELECTOR, ".hs-retour")))
    except TimeoutException:
        answer = [_text(e) for e in browser.find_elements(By.CSS_SELECTOR, ".hs-retour")]
        pytest.fail(f"visite non enregistrée ; réponse du formulaire : {answer}, état : « {_status(browser)} »")
    # read now: the taller popup may pan the map, and the reports reloaded for the new view then say their count
    status_after_visit = _status(browser)
    assert "Visite n°" in status_after_visit, status_after_visit
    time.sleep(1.0)  # the visits layer reloads meanwhile; the popup must survive it
    popup = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content")
    assert "Visite enregistrée" in _text(popup.find_element(By.CSS_SELECTOR, ".hs-retour"))
    last = _text(popup.find_element(By.CSS_SELECTOR, ".hs-derniere-visite td"))
    assert last.startswith(date.today().strftime("%d/%m/%Y")), last
    # the popup shows the point's new priority (the visit's outcome changed it), beside the old one
    after = _fetch_json(browser, f"/api/points-sensibles/{top}")["properties"]["priorite"]
    assert after != before["priorite"]
    shown = browser.execute_script(
        "return (1 * arguments[0]).toLocaleString('fr-BE', {maximumFractionDigits: 1})", after
    )
    cell = ".leaflet-popup-content .hs-priorite td"
    wait.until(lambda d: _text(d.find_element(By.CSS_SELECTOR, cell)).startswith(shown + " (avant la visite"))
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM visits WHERE notes = 'Contrôle depuis la carte'")
        assert cur.fetchone()[0] == 1

    # the confirmation stays in the status line when the view reloads (it used to be overwritten by the count)
    assert "Visite n°" in _status(browser)
    views = "return window.hotspotsLayers.groupes.chargements"
    reloads = browser.execute_script(views)
    browser.execute_script("window.hotspotsMap.panBy([60, 0], {animate: false})")
    wait.until(lambda d: d.execute_script(views) > reloads)
    status = _status(browser)
    assert "Visite n°" in status and "signalements dans la vue" in status, status

    # closing the popup reloads the sensitive points with the visit taken into account
    loads = "return window.hotspotsLayers.points_sensibles.chargements"
    before = browser.execute_script(loads)
    browser.execute_script("document.querySelector('.leaflet-popup-close-button').click()")
    wait.until(lambda d: d.execute_script(loads) > before)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"))  # after its fade-out
    assert len(browser.find_elements(By.CSS_SELECTOR, LAYERS["points_sensibles"])) > 0

    # an axis's popup gives its priority and why (it said neither: the planner ranks axes by it)
    browser.execute_script(
        "document.querySelector(arguments[0]).dispatchEvent(new MouseEvent('click', {bubbles: true}))",
        LAYERS["axes"],
    )
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content .hs-pourquoi td"))
    popup = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content")
    rows = {
        _text(tr.find_element(By.TAG_NAME, "th")): _text(tr.find_element(By.TAG_NAME, "td"))
        for tr in popup.find_elements(By.CSS_SELECTOR, "table:first-of-type tr")
    }
    axis = _fetch_json(browser, f"/api/axes/{rows['Axe']}")["properties"]
    shown = browser.execute_script(
        "return (1 * arguments[0]).toLocaleString('fr-BE', {maximumFractionDigits: 1})", axis["priorite"]
    )
    assert rows["Priorité"] == shown, rows
    expected = "gravité " if axis["composantes_priorite"]["prevision"] else "aucun signalement attendu hors des"
    assert rows["Pourquoi"].startswith(expected), rows
    browser.execute_script("document.querySelector('.leaflet-popup-close-button').click()")
    _check_content_security_policy(browser)


def test_unreachable_tiles_give_way_to_the_offline_background(settings, conn, accounts, browser, failing_tiles):
    """No internet: the tiles fail, the map shows its own street background by itself, says so, asks for no
    more tiles, and names the streets at close zoom."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60, poll_frequency=0.25)
    with _serving(settings, tile_url=failing_tiles + "/{z}/{x}/{y}.png") as server:
        _log_in(browser, server, wait)
        wait.until(lambda d: d.execute_script("return window.hotspotsFond && window.hotspotsFond.mode") == "hors_ligne")
        fond = browser.execute_script("return window.hotspotsFond")
        assert fond["raison"] == "tuiles_injoignables" and fond["tuiles_chargees"] == 0, fond
        wait.until(lambda d: d.execute_script("return window.hotspotsLayers.fond_rues.chargee"))
        assert len(browser.find_elements(By.CSS_SELECTOR, "path.hs-rue")) > 500
        assert not browser.find_elements(By.CSS_SELECTOR, "img.leaflet-tile")
        assert "fond hors ligne affiché" in _status(browser) and "injoignables" in _status(browser)
        radio = browser.execute_script(
            "return [...document.querySelectorAll('.leaflet-control-layers-base label')]"
            ".filter(l => l.querySelector('input').checked).map(l => l.textContent.trim())"
        )
        assert radio == ["Rues (fond hors ligne)"], radio

        # moving around asks the dead tile server for nothing more
        asked = _FailingTiles.requests
        assert 0 < asked < 80, asked
        browser.execute_script("window.hotspotsMap.setZoom(14, {animate: false}); window.hotspotsMap.panBy([200, 100])")
        time.sleep(1.5)
        assert _FailingTiles.requests == asked

        # at close zoom, the streets in view carry their names; at the zone's zoom, none
        assert not browser.find_elements(By.CSS_SELECTOR, ".hs-nom-rue")
        streets = _fetch_json(browser, "/api/carte/fond/rues")["features"]
        line = max(streets, key=lambda f: len(f["geometry"]["coordinates"]))
        coords = line["geometry"]["coordinates"]
        lon, lat = coords[len(coords) // 2] if line["geometry"]["type"] == "LineString" else coords[0][0]
        browser.execute_script(
            "window.hotspotsMap.setView([arguments[0], arguments[1]], 17, {animate: false})", lat, lon
        )
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-pane .hs-nom-rue"))
        names = {_text(e) for e in browser.find_elements(By.CSS_SELECTOR, ".hs-nom-rue")}
        assert line["properties"]["rue"] in names, (line["properties"]["rue"], names)
        assert names <= {f["properties"]["rue"] for f in streets}
        browser.execute_script("window.hotspotsMap.setZoom(13, {animate: false})")
        wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".hs-nom-rue"))

        # the tab's icon is a real image the browser draws
        size = browser.execute_async_script(
            "const done = arguments[0]; const img = new Image();"
            "img.onload = () => done([img.naturalWidth, img.naturalHeight]); img.onerror = () => done(null);"
            "img.src = '/favicon.ico';"
        )
        assert size is not None and size[0] >= 16 and size[0] == size[1], size
        assert browser.find_elements(By.CSS_SELECTOR, "link[rel=icon][href*='favicon']")


def test_the_blank_page_check_does_fail(browser):
    """The screenshot check above would catch a blank map: a blank page does not pass it."""
    browser.get("about:blank")
    stats = _screenshot_stats(browser, browser.get_screenshot_as_base64())
    assert not (stats["colours"] > 40 and stats["dominant"] < 0.9)


def _first_page(driver, url: str) -> bytes:
    """The first page of the PDF the page offers for download, as a PNG (pypdfium2)."""
    import pypdfium2 as pdfium

    data = driver.execute_async_script(
        "const done = arguments[1]; fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.blob())"
        ".then(b => { const f = new FileReader(); f.onload = () => done(f.result.split(',')[1]);"
        " f.readAsDataURL(b); });",
        url,
    )
    page = pdfium.PdfDocument(base64.b64decode(data))[0]
    out = io.BytesIO()
    page.render(scale=1.6, rev_byteorder=True).to_pil().save(out, "PNG")
    return out.getvalue()


def test_a_planner_plans_a_shift_on_the_map_and_downloads_its_sheet(server, browser, conn, captures):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    # a popup is drawn again when its layer reloads: an element read meanwhile is stale, and is read again
    wait = WebDriverWait(browser, 90, poll_frequency=0.25, ignored_exceptions=(StaleElementReferenceException,))
    _log_in(browser, server, wait)
    wait.until(lambda d: d.execute_script("return !!window.hotspotsTournee"))
    form = browser.find_element(By.ID, "hs-tournee")
    form.find_element(By.TAG_NAME, "summary").click()
    duration = form.find_element(By.NAME, "duree")
    duration.clear()
    duration.send_keys("3h")
    teams = form.find_element(By.NAME, "equipes")
    teams.clear()
    teams.send_keys("2")
    Select(form.find_element(By.NAME, "mode")).select_by_value("voiture")
    tomorrow = date.today() + timedelta(days=1)  # a day shift, whenever the test runs (and on the screenshot)
    start = form.find_element(By.NAME, "debut")
    browser.execute_script("arguments[0].value = arguments[1]", start, f"{tomorrow}T08:00")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: d.execute_script("return window.hotspotsTournee.etat") in ("dessinee", "erreur"))
    state = browser.execute_script("return JSON.parse(JSON.stringify(window.hotspotsTournee))")
    assert state["etat"] == "dessinee", state
    stored = conn.execute("SELECT count(*) FROM plan_stops WHERE plan_id = %s", (state["id"],)).fetchone()[0]
    # one numbered marker per stored stop, numbered 1… within each team, in the team's colour
    markers = browser.find_elements(By.CSS_SELECTOR, ".leaflet-marker-pane .hs-arret span")
    assert len(markers) == state["arrets"] == stored > 0
    assert "1" in {m.text for m in markers}
    assert state["equipes"] == [1, 2]
    colours = {m.value_of_css_property("background-color") for m in markers}
    assert len(colours) == 2, colours  # each team its own colour
    # stops at (nearly) the same place are drawn apart: no number hides under another
    centres = [(r["x"] + r["width"] / 2, r["y"] + r["height"] / 2) for r in (m.rect for m in markers)]
    close = [(a, b) for i, a in enumerate(centres) for b in centres[i + 1 :] if math.dist(a, b) < 6]
    assert not close, close
    routes = browser.find_elements(By.CSS_SELECTOR, "path.hs-itineraire")
    assert len(routes) == 2
    assert len({r.get_attribute("stroke") for r in routes}) == 2
    # the panel lists the stops per team and links the five files
    panel = _text(browser.find_element(By.ID, "hs-tournee-resultat"))
    assert f"Tournée n° {state['id']}" in panel and "Équipe 1" in panel and "Équipe 2" in panel
    assert "plan naïf" in panel
    links = {a.text: a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".hs-telechargements a")}
    assert {"Feuille de route (PDF)", "Tableur à remplir (XLSX)", "CSV", "GPS (GPX)", "SIG (GeoJSON)"} == set(links)
    got = browser.execute_async_script(
        "const done = arguments[1]; fetch(arguments[0], {credentials: 'same-origin'})"
        ".then(r => r.arrayBuffer().then(b => done([r.status, r.headers.get('content-type'), b.byteLength])))",
        links["Feuille de route (PDF)"],
    )
    assert got[0] == 200 and got[1] == "application/pdf" and got[2] > 10_000
    _capture(browser, captures, "4-tournee", browser.get_screenshot_as_png())
    sheet = _first_page(browser, links["Feuille de route (PDF)"])
    _capture(browser, captures, "5-fiche-tournee", sheet, min_colours=20, max_dominant=0.97)
    # a stop's popup says when and why (clicked by script: close stops overlap on the map)
    browser.execute_script("arguments[0].click()", markers[0])
    popup = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"))
    assert "Arrivée" in _text(popup[0]) and "Pourquoi" in _text(popup[0])
    # the "Lien carte" of an exported list opens the map on its site
    point = conn.execute("SELECT id FROM sensitive_points ORDER BY priority DESC LIMIT 1").fetchone()[0]
    browser.get(f"{server}/carte#site={point}")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "path.hs-site-lien"))
    wait.until(lambda d: any(point in _text(p) for p in d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content")))


# -- Content-Security-Policy (kept apart from the map checks above) -------------------------------------------
def _csp_violations(journal: list[dict]) -> list[str]:
    return [e["message"][:300] for e in journal if "Content Security Policy" in e["message"]]


def _check_content_security_policy(browser) -> None:
    """Everything the page did ran under the service's policy without a violation; a script injected into the
    page is refused (and shows in the log: the check above can fail)."""
    assert not _csp_violations(browser.get_log("browser"))
    browser.execute_script(
        "var s = document.createElement('script'); s.textContent = 'window.hsInjecte = 1;';"
        "document.body.appendChild(s);"
    )
    assert browser.execute_script("return window.hsInjecte === undefined")
    assert _csp_violations(browser.get_log("browser")), "le script injecté n'a pas été signalé"


# -- On a phone and on a small laptop: what fits, what folds, what a person can still reach -------------------
#: Every control on screen, its box, and the pairs of them that overlap (a panel hiding another's text).
_CONTROLS = """
const shown = [...document.querySelectorAll('.leaflet-control-container .leaflet-control')]
  .filter(e => e.offsetParent !== null)
  .map(e => { const r = e.getBoundingClientRect();
              return {id: e.id || e.className.split(' ')[0], l: r.left, t: r.top, r: r.right, b: r.bottom}; });
const overlaps = [];
for (let i = 0; i < shown.length; i++) for (let j = i + 1; j < shown.length; j++) {
  const a = shown[i], b = shown[j];
  if (a.l < b.r - 1 && b.l < a.r - 1 && a.t < b.b - 1 && b.t < a.b - 1) overlaps.push([a.id, b.id]);
}
return {controls: shown, overlaps: overlaps, width: innerWidth, height: innerHeight};
"""

#: Whether the element's centre is really what a finger or a mouse reaches there (not covered by another box).
_REACHABLE = """
const r = arguments[0].getBoundingClientRect();
const x = r.left + r.width / 2, y = r.top + r.height / 2;
const top = document.elementFromPoint(x, y);
return x >= 0 && y >= 0 && x <= innerWidth && y <= innerHeight && !!top && arguments[0].contains(top);
"""


def _screen(browser, width: int, height: int, *, mobile: bool) -> None:
    """The page as a phone (touch, narrow) or a laptop shows it, before it loads."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )
    browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": mobile})


def _fits(browser) -> dict:
    """Every control inside the screen, none over another."""
    seen = browser.execute_script(_CONTROLS)
    for c in seen["controls"]:
        inside = c["l"] >= 0 and c["t"] >= 0 and c["r"] <= seen["width"] + 0.5 and c["b"] <= seen["height"] + 0.5
        assert inside, (c, seen["width"], seen["height"])
    assert not seen["overlaps"], json.dumps(seen)
    return seen


def _reachable(browser, element) -> bool:
    return bool(browser.execute_script(_REACHABLE, element))


def _open_point_popup(browser, wait):
    """Click the highest-priority sensitive point (by script: a bubble may lie over it) and wait for its form."""
    from selenium.webdriver.common.by import By

    click = "document.querySelector('path.hs-priorite-tres_haute').dispatchEvent(new MouseEvent('click', {bubbles: 1}))"
    browser.execute_script(click)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content .hs-visite button"))
    time.sleep(0.5)  # the popup pans the map into view
    return browser.find_element(By.CSS_SELECTOR, ".leaflet-popup")


def _plan(browser, wait, duration: str) -> dict:
    from selenium.webdriver.common.by import By

    field = browser.find_element(By.CSS_SELECTOR, "#hs-tournee [name=duree]")
    field.clear()
    field.send_keys(duration)
    browser.find_element(By.CSS_SELECTOR, "#hs-tournee button[type=submit]").click()
    wait.until(lambda d: d.execute_script("return window.hotspotsTournee.etat") in ("dessinee", "erreur"))
    return browser.execute_script("return JSON.parse(JSON.stringify(window.hotspotsTournee))")


def test_on_a_phone_every_panel_fits_and_a_shift_is_planned_and_downloaded(server, browser, conn):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 90, poll_frequency=0.25)
    _screen(browser, 390, 844, mobile=True)
    _log_in(browser, server, wait)
    wait.until(lambda d: d.execute_script("return !!window.hotspotsPanneaux && !!window.hotspotsTournee"))
    assert browser.execute_script("return window.hotspotsPanneaux.telephone") is True
    # at first: the map, with every panel folded to its title and the layer list in its button, nothing over
    # anything; the scale in metres only
    _fits(browser)
    assert not browser.execute_script("return document.querySelector('#hs-legende details').open")
    assert not browser.execute_script("return document.querySelector('#hs-filtres details').open")
    assert not browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-expanded")
    scale = _text(browser.find_element(By.CSS_SELECTOR, ".leaflet-control-scale"))
    assert ("km" in scale or " m" in scale) and "mi" not in scale and "ft" not in scale, scale
    # the layer button opens the list (folding the panels), which fits the screen
    browser.find_element(By.CSS_SELECTOR, ".leaflet-control-layers-toggle").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-expanded"))
    layers = browser.execute_script("return document.querySelector('.leaflet-control-layers').getBoundingClientRect()")
    assert layers["left"] >= 0 and layers["right"] <= 390 and layers["bottom"] <= 844, layers
    # « Planifier une tournée »: opening it folds the layer list; the panel fits; a wrong duration is said in a
    # French sentence inside the screen
    browser.find_element(By.CSS_SELECTOR, "#hs-tournee summary").click()
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-expanded"))
    _fits(browser)
    state = _plan(browser, wait, "trois jours")
    assert state["etat"] == "erreur", state
    error = browser.find_element(By.CSS_SELECTOR, "#hs-tournee-resultat .hs-erreur")
    said = _text(error)
    assert "durée" in said.lower() and said.endswith(".") and "Error" not in said, said
    # a real plan: the form folds away, the downloads come first and are within reach of a finger
    assert browser.execute_script("return document.querySelector('#hs-tournee details').open")  # to correct it
    state = _plan(browser, wait, "2h")
    assert state["etat"] == "dessinee" and state["arrets"] > 0, state
    assert not browser.execute_script("return document.querySelector('#hs-tournee details').open")
    _fits(browser)
    links = browser.find_elements(By.CSS_SELECTOR, "#hs-tournee .hs-telechargements a")
    assert [a.text for a in links][:1] == ["Feuille de route (PDF)"] and len(links) == 5
    for link in links:
        assert _reachable(browser, link), link.text
    got = browser.execute_async_script(
        "const done = arguments[1]; fetch(arguments[0], {credentials: 'same-origin'})"
        ".then(r => done([r.status, r.headers.get('content-type')]))",
        links[0].get_attribute("href"),
    )
    assert got == [200, "application/pdf"]
    # the legend opens in the room under the layer button, and hides the plan's panel meanwhile
    browser.find_element(By.CSS_SELECTOR, "#hs-legende summary").click()
    wait.until(lambda d: not d.find_element(By.ID, "hs-tournee-resultat").is_displayed())
    assert browser.execute_script("return document.querySelector('#hs-legende details').open")
    _fits(browser)
    # a sensitive point's popup: the whole screen width, the left panels out of its way, its button reachable
    popup = _open_point_popup(browser, wait)
    box = popup.rect
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] >= 0 and box["y"] + box["height"] <= 844
    assert not browser.find_element(By.ID, "hs-entete").is_displayed()
    # the popup scrolls inside itself (the priority's explanation comes first): a finger scrolls down to the form
    save = popup.find_element(By.CSS_SELECTOR, ".hs-visite button")
    browser.execute_script("arguments[0].scrollIntoView({block: 'nearest'})", save)
    assert _reachable(browser, save)
    box = popup.rect
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844  # scrolling inside it did not move it off screen
    browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-close-button").click()
    wait.until(lambda d: d.find_element(By.ID, "hs-entete").is_displayed())


def test_on_a_small_laptop_panels_and_popups_stay_clear_of_each_other(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 90, poll_frequency=0.25)
    _screen(browser, 1366, 650, mobile=False)  # a 1366 × 768 screen, less the browser's own bars
    _log_in(browser, server, wait)
    wait.until(lambda d: d.execute_script("return !!window.hotspotsPanneaux && !!window.hotspotsTournee"))
    assert browser.execute_script("return window.hotspotsPanneaux.telephone") is False
    # the layer list and the legend open side by side on the right, the filters on the left: none over another
    assert browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-expanded")
    assert browser.execute_script("return document.querySelector('#hs-legende details').open")
    _fits(browser)
    # planning folds the filters; the plan's panel ends above the map's bottom, its downloads in view
    browser.find_element(By.CSS_SELECTOR, "#hs-tournee summary").click()
    wait.until(lambda d: not d.execute_script("return document.querySelector('#hs-filtres details').open"))
    state = _plan(browser, wait, "3h")
    assert state["etat"] == "dessinee", state
    _fits(browser)
    assert _reachable(browser, browser.find_element(By.CSS_SELECTOR, "#hs-tournee .hs-telechargements a"))
    # a popup opens in the free middle of the map, under no panel
    popup = _open_point_popup(browser, wait).rect
    for c in browser.execute_script(_CONTROLS)["controls"]:
        apart = popup["x"] >= c["r"] or popup["x"] + popup["width"] <= c["l"]
        apart = apart or popup["y"] >= c["b"] or popup["y"] + popup["height"] <= c["t"]
        assert apart, (c, popup)


def test_the_map_says_what_went_wrong_in_french(server, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60, poll_frequency=0.25)
    _log_in(browser, server, wait)
    failed = """
const done = arguments[arguments.length - 1];
HotspotsCarte.send(arguments[0]).then(() => done('réussi'), e => done(e.message));
"""
    # the service out of reach (the page's policy refuses any other address: the fetch fails as a cut network)
    said = browser.execute_async_script(failed, "http://127.0.0.1:9/api/axes")
    assert said.startswith("Le service ne répond pas") and said.endswith("."), said
    # an answer that is not the service's JSON (a proxy's page, say)
    said = browser.execute_async_script(failed, "/static/carte/hotspots/carte.css")
    assert said.startswith("Réponse inattendue du service (200)"), said
    # the service's own message and advice, as sentences
    said = browser.execute_async_script(failed, "/api/points-sensibles/PS-999999")
    assert said != "réussi" and said.endswith(".") and "Error" not in said and ". " in said, said


def test_a_planner_settles_the_addresses_to_review_on_the_map(server, browser, conn):
    """The « Adresses à vérifier » panel: its count, a doubt's proposals drawn as numbered markers, one accepted
    from its popup, then another doubt's point placed by a click on the map; the database follows each answer."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60, poll_frequency=0.25, ignored_exceptions=(StaleElementReferenceException,))
    _log_in(browser, server, wait)

    def state() -> dict:
        return browser.execute_script("return JSON.parse(JSON.stringify(window.hotspotsVerifications || {}))")

    def open_reviews() -> list[tuple]:
        return conn.execute(
            "SELECT id, target_id, jsonb_array_length(alternatives) FROM geocode_reviews WHERE resolved_at IS NULL "
            "ORDER BY created_at, id"
        ).fetchall()

    waiting = open_reviews()
    assert len(waiting) > 2, "the demonstration data leave addresses to review"
    wait.until(lambda d: state().get("total") is not None)
    panel = browser.find_element(By.ID, "hs-verifs")
    assert _text(panel.find_element(By.TAG_NAME, "summary")) == f"Adresses à vérifier ({len(waiting)})"
    panel.find_element(By.TAG_NAME, "summary").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#hs-verifs-liste li"))
    items = browser.find_elements(By.CSS_SELECTOR, "#hs-verifs-liste li")
    assert len(items) == min(20, len(waiting))
    review_id, report_id, n_proposals = waiting[0]
    assert _text(items[0]).startswith(f"signalement n° {report_id} — « ")
    assert n_proposals > 0
    # « Voir »: the proposals as numbered markers; the first one accepted from its popup
    items[0].find_element(By.TAG_NAME, "button").click()
    wait.until(lambda d: state().get("ouverte") == review_id)
    markers = browser.find_elements(By.CSS_SELECTOR, ".leaflet-marker-pane .hs-proposition span")
    assert [m.text for m in markers] == [str(i) for i in range(1, n_proposals + 1)] and state()["propositions"] == len(
        markers
    )
    browser.execute_script("arguments[0].click()", markers[0])
    popup = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".hs-verif-popup button"))
    assert _text(popup[0]) == "Accepter cette adresse"
    popup[0].click()
    wait.until(lambda d: state().get("reglees") == 1 or state().get("erreur"))
    assert state()["erreur"] is None and state()["derniere"]["verification"] == review_id
    label = conn.execute("SELECT alternatives->0->>'libelle' FROM geocode_reviews WHERE id = %s", (review_id,))
    row = conn.execute("SELECT geocode_status, geocode_label FROM reports WHERE id = %s", (report_id,)).fetchone()
    assert row == ("manuel", label.fetchone()[0])
    wait.until(lambda d: _text(d.find_element(By.ID, "hs-verifs-compte")) == f"({len(waiting) - 1})")
    assert "réglée : signalement n° " + str(report_id) in _status(browser)
    # the next one placed by hand: a click on the map beside its proposals, confirmed in the popup
    review_id, report_id, _n = open_reviews()[0]
    first = browser.find_elements(By.CSS_SELECTOR, "#hs-verifs-liste li")[0]
    first.find_element(By.TAG_NAME, "button").click()
    wait.until(lambda d: state().get("ouverte") == review_id and state().get("placement"))
    where = browser.find_element(By.CSS_SELECTOR, ".leaflet-container")
    ActionChains(browser).move_to_element_with_offset(where, 90, 70).click().perform()
    aimed = browser.execute_script(
        "var m = window.hotspotsMap, r = m.getContainer().getBoundingClientRect();"
        "var p = m.containerPointToLatLng([r.width / 2 + 90, r.height / 2 + 70]); return [p.lng, p.lat];"
    )
    confirm = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".hs-verif-popup button"))
    assert _text(confirm[0]) == "Placer le point ici"
    confirm[0].click()
    wait.until(lambda d: state().get("reglees") == 2 or state().get("erreur"))
    assert state()["erreur"] is None and state()["derniere"]["libelle"] is None
    placed = conn.execute(
        "SELECT geocode_status, ST_Distance(geom, ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), 31370)) "
        "FROM reports WHERE id = %s",
        (*aimed, report_id),
    ).fetchone()
    assert placed[0] == "manuel" and placed[1] < 5, placed  # within a few metres of the pixel clicked
    assert conn.execute("SELECT resolved_at IS NOT NULL FROM geocode_reviews WHERE id = %s", (review_id,)).fetchone()[0]
    assert not browser.find_elements(By.CSS_SELECTOR, ".leaflet-marker-pane .hs-proposition")  # the markers go
