"""The planning map in a real browser: headless Chromium (selenium) against a real uvicorn server on loopback,
with the demonstration data ingested and analysed. Logs in through the form, waits for every layer, counts what
each one drew, opens a sensitive point and records a visit, and fails on a blank map or a missing layer.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``make test`` installs them when run as root).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from service.analyse.store import run_points
from service.api import create_app
from service.demo import generate_demo
from service.geocode.apply import batch_geocoder
from service.geocode.gazetteer import load_gazetteer
from service.ingest.pipeline import IngestOptions, ingest_file
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
    ]
    for path, kind, source in plan:
        ingest_file(conn, path, IngestOptions(kind=kind, source=source), settings, geocoder=geocoder)  # type: ignore[arg-type]
    now = pd.Timestamp.now(tz="UTC")
    found = run_points(conn, since=(now - pd.Timedelta(days=730)).to_pydatetime(), now=now)
    conn.commit()
    assert found["points_sensibles"] > 0 and found.get("axes", 1) > 0, found
    return files


@pytest.fixture()
def server(settings, demo_data, accounts):
    """A real uvicorn server on a free loopback port, without tiles (offline: vector background)."""
    import uvicorn

    app = create_app(settings.model_copy(update={"tile_url": "", "map_cache_seconds": 0}))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "le serveur ne démarre pas"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


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
    ):
        options.add_argument(arg)
    options.binary_location = CHROMIUM or ""
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _screenshot_stats(driver, png: str) -> dict:
    return driver.execute_async_script(_PIXELS, png)


def _text(element) -> str:
    """All the text of an element. Selenium's ``.text`` gives only what is on screen, and a tall popup may be
    partly scrolled out of its box."""
    return str(element.get_attribute("textContent") or "").strip()


def _status(driver) -> str:
    return driver.execute_script("var e = document.getElementById('hs-etat'); return e ? e.textContent : ''")


def _layers(driver) -> dict:
    return driver.execute_script("return JSON.parse(JSON.stringify(window.hotspotsLayers || {}))")


def test_the_planning_map_draws_every_layer(server, browser, tmp_path, conn):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60, poll_frequency=0.25)
    browser.get(server + "/carte")
    assert "/connexion?suite=/carte" in browser.current_url
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

    # a sensitive point's popup: stats, history, the visit form; record a visit through it
    browser.execute_script(
        "document.querySelector('path.hs-point-sensible-centre')"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))"
    )
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content form.hs-visite"))
    popup = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content")
    content = _text(popup)
    assert "Priorité" in content and "Historique des analyses" in content and "Dernière visite" in content
    form = popup.find_element(By.CSS_SELECTOR, "form.hs-visite")
    form.find_element(By.NAME, "notes").send_keys("Contrôle depuis la carte")
    form.find_element(By.CSS_SELECTOR, "button").click()
    # the popup stays open with the confirmation and the new last visit, whatever the layers do meanwhile
    try:
        wait.until(lambda d: "Visite enregistrée" in _text(d.find_element(By.CSS_SELECTOR, ".hs-retour")))
    except TimeoutException:
        answer = [_text(e) for e in browser.find_elements(By.CSS_SELECTOR, ".hs-retour")]
        pytest.fail(f"visite non enregistrée ; réponse du formulaire : {answer}, état : « {_status(browser)} »")
    # read now: the taller popup may pan the map, and the reports reloaded for the new view then say their count
    status_after_visit = _status(browser)
    time.sleep(1.0)  # the visits layer reloads meanwhile; the popup must survive it
    popup = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content")
    assert "Visite enregistrée" in _text(popup.find_element(By.CSS_SELECTOR, ".hs-retour"))
    last = _text(popup.find_element(By.CSS_SELECTOR, ".hs-derniere-visite td"))
    assert last.startswith(date.today().strftime("%d/%m/%Y")), last
    assert "Visite n°" in status_after_visit, status_after_visit
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM visits WHERE notes = 'Contrôle depuis la carte'")
        assert cur.fetchone()[0] == 1

    # closing the popup reloads the sensitive points with the visit taken into account
    loads = "return window.hotspotsLayers.points_sensibles.chargements"
    before = browser.execute_script(loads)
    browser.execute_script("document.querySelector('.leaflet-popup-close-button').click()")
    wait.until(lambda d: d.execute_script(loads) > before)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"))  # after its fade-out
    assert len(browser.find_elements(By.CSS_SELECTOR, LAYERS["points_sensibles"])) > 0
    _check_content_security_policy(browser)


def test_the_blank_page_check_does_fail(browser):
    """The screenshot check above would catch a blank map: a blank page does not pass it."""
    browser.get("about:blank")
    stats = _screenshot_stats(browser, browser.get_screenshot_as_base64())
    assert not (stats["colours"] > 40 and stats["dominant"] < 0.9)


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
