"""What the browser tests share: headless Chromium (selenium) against a real uvicorn server on loopback over the
demonstration data, the screenshot checks (a blank map fails them), the README's captures, and small readers of
what the page shows. The fixtures are offered to every test through ``tests/conftest.py``.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``make test`` installs them when run as root).
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from service.analyse.store import run_points
from service.api import create_app
from service.db import connect
from service.demo import DEMO_INGESTION, DemoFiles, generate_demo
from service.demo.load import note_planted_interventions
from service.geocode.apply import batch_geocoder
from service.geocode.gazetteer import load_gazetteer
from service.ingest.pipeline import IngestOptions, ingest_file
from tests.conftest import _DATA_TABLES, PASSWORDS, ROOT, empty_data_tables
from tests.helpers import serving as serving_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
#: Skip a browser test where Chromium is missing, saying how to install it.
NEEDS_CHROMIUM = pytest.mark.skipif(
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
    "prevision": "path.hs-prevision",
    "visites": "path.hs-visite",
    "permis": ".leaflet-marker-pane .hs-permis",
    "interventions": ".leaflet-marker-pane .hs-intervention",
    "communes": "path.hs-commune",
    "secteurs": "path.hs-secteur",
    "fond_rues": "path.hs-rue",
    "renvois": "path.hs-renvoi",
}

#: Counts the colours of a screenshot inside the browser (no image library needed on the Python side).
PIXELS = """
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_demo(conn, settings, folder: Path) -> DemoFiles:
    """The demonstration set (1,500 reports up to today), geocoded, ingested and analysed into an emptied database."""
    files = generate_demo(
        folder,
        addresses=ROOT / "geodata" / "icar_seraing_neupre.csv",
        seed=11,
        n_reports=1500,
        end=date.today(),
    )
    load_gazetteer(conn, [ROOT / "geodata" / "icar_seraing_neupre.csv"])
    geocoder = batch_geocoder(conn)
    for attr, kind, source in DEMO_INGESTION:  # the seven intake files, as « hotspots demo » imports them
        options = IngestOptions(kind=kind, source=source)  # type: ignore[arg-type]
        ingest_file(conn, getattr(files, attr), options, settings, geocoder=geocoder)
    note_planted_interventions(
        conn, files.truth, geocoder.geocoder, "Europe/Brussels"
    )  # the camera at the corner it ended
    now = pd.Timestamp.now(tz="UTC")
    found = run_points(conn, since=(now - pd.Timedelta(days=730)).to_pydatetime(), now=now)
    conn.commit()
    assert found["points_sensibles"] > 0 and found.get("axes", 1) > 0, found
    return files


#: What tells whether the address register changed since a snapshot (a reload writes new rows: new xmin).
_GAZETTEER_PRINT = """
SELECT (SELECT count(*) FROM gazetteer_addresses), (SELECT max(xmin::text::bigint) FROM gazetteer_addresses),
       (SELECT count(*) FROM gazetteer_streets), (SELECT max(xmin::text::bigint) FROM gazetteer_streets)
"""


@dataclass
class DemoSnapshot:
    """The database after :func:`build_demo`: each emptied table's rows (binary COPY, referenced tables first),
    its sequences, the address register it was built on, and where the reports' write counter stood (its last
    analysis read them all)."""

    files: DemoFiles
    copies: list[tuple[str, bytes]]
    sequences: list[tuple[str, int, bool]]
    gazetteer: tuple[Any, ...]
    report_version: int | None

    @classmethod
    def take(cls, conn, files: DemoFiles) -> DemoSnapshot:
        copies = []
        for table in emptied_tables(conn):
            with conn.cursor().copy(f"COPY {table} TO STDOUT (FORMAT binary)") as copy:
                data = b"".join(bytes(block) for block in copy)
            copies.append((table, data))
        sequences = conn.execute(
            """SELECT s.oid::regclass::text, (pg_sequence_last_value(s.oid) IS NOT NULL),
                      coalesce(pg_sequence_last_value(s.oid), 1)
               FROM pg_class s JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
                                                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
               WHERE s.relkind = 'S' AND d.refobjid::regclass::text = ANY(%s)""",
            ([table for table, _ in copies],),
        ).fetchall()
        gazetteer = conn.execute(_GAZETTEER_PRINT).fetchone()
        kept = [(name, int(value), bool(called)) for name, called, value in sequences]
        return cls(files, copies, kept, gazetteer, _report_version(conn))

    def restore(self, conn) -> bool:
        """Put the rows back into the emptied tables; False (nothing written) when the address register changed
        since (another test loaded its own): the demonstration must then be built again on it."""
        if conn.execute(_GAZETTEER_PRINT).fetchone() != self.gazetteer:
            return False
        for table, data in self.copies:
            with conn.cursor().copy(f"COPY {table} FROM STDIN (FORMAT binary)") as copy:
                copy.write(data)
        for name, value, called in self.sequences:
            conn.execute("SELECT setval(%s, %s, %s)", (name, value, called))
        # copying the reports back moved their write counter: an analysis that had read them all still has, as
        # after the build (else every server started on it would analyse again, redrawing the map mid-test)
        conn.execute(
            "UPDATE analysis_runs SET report_version = %s WHERE report_version = %s",
            (_report_version(conn), self.report_version),
        )
        conn.commit()
        return True


def _report_version(conn) -> int | None:
    """The reports' write counter (:mod:`service.analyse.refresh`), None before any write."""
    return conn.execute("SELECT CASE WHEN is_called THEN last_value END FROM report_data_version").fetchone()[0]


def emptied_tables(conn) -> list[str]:
    """The tables the per-test TRUNCATE … CASCADE empties, each after the tables it references."""
    references: dict[str, set[str]] = {}
    for table, referenced in conn.execute(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"
    ).fetchall():
        references.setdefault(table, set()).add(referenced)
    emptied = {name.strip() for name in _DATA_TABLES.split(",")}
    grown = True
    while grown:  # CASCADE: whatever references an emptied table is emptied too
        more = {table for table, refs in references.items() if refs & emptied} - emptied
        emptied |= more
        grown = bool(more)
    ordered: list[str] = []
    while len(ordered) < len(emptied):
        waiting = emptied - set(ordered)
        ready = sorted(t for t in waiting if not (references.get(t, set()) & waiting) - {t})
        assert ready, f"références circulaires entre {sorted(emptied - set(ordered))}"
        ordered += ready
    return ordered


@pytest.fixture(scope="session")
def demo_snapshot(settings, tmp_path_factory) -> DemoSnapshot:
    """The demonstration set built once per test process (about 9 s), then copied back for each test (well
    under a second)."""
    with connect(settings) as c:
        empty_data_tables(c)
        files = build_demo(c, settings, tmp_path_factory.mktemp("demo"))
        return DemoSnapshot.take(c, files)


@pytest.fixture()
def demo_data(conn, settings, demo_snapshot, tmp_path):
    """The demonstration set (1,500 reports up to today), geocoded, ingested and analysed, in the emptied
    database: copied from the process's snapshot, or built again if the address register changed since."""
    if demo_snapshot.restore(conn):
        return demo_snapshot.files
    files = build_demo(conn, settings, tmp_path / "demo")
    vars(demo_snapshot).update(vars(DemoSnapshot.take(conn, files)))  # the process's snapshot is this one now
    return files


@contextmanager
def serving(settings, **changes):
    """The service (map answers never kept ready: each test sees its own changes) on a real uvicorn server; yields
    its base address."""
    with serving_app(create_app(settings.model_copy(update={"map_cache_seconds": 0, **changes}))) as url:
        yield url


@pytest.fixture()
def server(settings, demo_data, accounts):
    """The service without tiles (offline: vector background), over the demonstration data."""
    with serving(settings, tile_url="") as url:
        yield url


class FailingTiles(BaseHTTPRequestHandler):
    """A tile server that answers every tile with an error, and counts the requests."""

    requests = 0

    def do_GET(self):
        type(self).requests += 1
        self.send_error(503, "hors service")

    def log_message(self, *args):
        pass


@pytest.fixture()
def failing_tiles():
    FailingTiles.requests = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FailingTiles)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def device_zone() -> str:
    """The time zone of the browser's device, empty for the machine's (a test parametrized on ``device_zone`` sets
    another: a phone set to another zone, a test machine in UTC)."""
    return ""


@pytest.fixture()
def browser(device_zone):
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
    # the page's date fields follow the browser's locale, which Chromium takes from the environment (its clock too)
    locale = {**os.environ, "LANG": "fr_BE.UTF-8", "LANGUAGE": "fr_BE:fr"}
    if device_zone:
        locale["TZ"] = device_zone
    driver = webdriver.Chrome(service=Service(DRIVER, env=locale), options=options)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot_stats(driver, png: str) -> dict:
    return driver.execute_async_script(PIXELS, png)


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


def small_png(png: bytes, *, width: int = 1000) -> bytes:
    """A screenshot made small enough for the README: at most ``width`` pixels wide, 256-colour palette."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    palette = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    palette.save(out, "PNG", optimize=True)
    return out.getvalue()


def capture(driver, folder: Path, name: str, png: bytes, *, min_colours: int = 40, max_dominant: float = 0.9) -> Path:
    """Write screenshot ``name`` for the README, checked non-blank (same check as the map's) and small."""
    small = small_png(png)
    stats = screenshot_stats(driver, base64.b64encode(small).decode("ascii"))
    assert stats["colours"] >= min_colours and stats["dominant"] < max_dominant, (name, stats)
    assert len(small) < CAPTURE_MAX_BYTES, (name, len(small))
    path = folder / f"{name}.png"
    path.write_bytes(small)
    return path


def text_of(element) -> str:
    """All the text of an element. Selenium's ``.text`` gives only what is on screen, and a tall popup may be
    partly scrolled out of its box. The no-break spaces French typography sets (« ») are read as spaces."""
    return str(element.get_attribute("textContent") or "").replace("\u00a0", " ").strip()


def status_line(driver) -> str:
    said = driver.execute_script("var e = document.getElementById('hs-etat'); return e ? e.textContent : ''")
    return str(said).replace("\u00a0", " ")  # the no-break spaces French typography sets are spaces to read


def layers_state(driver) -> dict:
    return driver.execute_script("return JSON.parse(JSON.stringify(window.hotspotsLayers || {}))")


def log_in(browser, server: str, wait, role: str = "planificateur") -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/carte")
    assert "/connexion?suite=/carte" in browser.current_url
    browser.find_element(By.NAME, "identifiant").send_keys(f"test.{role}")
    browser.find_element(By.NAME, "mot_de_passe").send_keys(PASSWORDS[role])
    browser.find_element(By.CSS_SELECTOR, "#hs-form-connexion button").click()
    wait.until(map_ready)


def map_ready(driver) -> bool:
    """The planning map is made, with its panels and forms on it: the objects its scripts make as they load
    (window.hotspotsLayers, window.hotspotsTournee…) exist before the map, and a test acting then may find a panel
    not yet in place."""
    return driver.current_url.endswith("/carte") and bool(driver.execute_script("return !!window.hotspotsMap"))


def fetch_json(driver, url: str):
    """A GET of the API from inside the page (with its session cookie)."""
    return driver.execute_async_script(
        "const done = arguments[1]; fetch(arguments[0], {credentials: 'same-origin'})"
        ".then(r => r.json()).then(done, e => done({erreur: String(e)}));",
        url,
    )


@contextmanager
def offline(driver):
    """The device without network for the block (Chrome's emulation: requests fail as in a dead zone), then back."""
    driver.execute_cdp_cmd("Network.enable", {})
    cut = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", cut)
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {**cut, "offline": False})


def post_json(driver, url: str, body: dict):
    """A POST of JSON to the API from inside the page (with its session cookie): the answer's JSON."""
    return driver.execute_async_script(
        "const done = arguments[2]; fetch(arguments[0], {method: 'POST', credentials: 'same-origin', headers: "
        "{'Content-Type': 'application/json'}, body: JSON.stringify(arguments[1])})"
        ".then(r => r.json()).then(done, e => done({erreur: String(e)}));",
        url,
        body,
    )


#: Bubbles of reports whose number is hidden by a sensitive point drawn over it, and how many bubbles overlap a


def first_page(driver, url: str) -> bytes:
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


# -- Content-Security-Policy ---------------------------------------------------------------------------------
def csp_violations(journal: list[dict]) -> list[str]:
    return [e["message"][:300] for e in journal if "Content Security Policy" in e["message"]]


def check_content_security_policy(browser) -> None:
    """Everything the page did ran under the service's policy without a violation; a script injected into the
    page is refused (and shows in the log: the check above can fail)."""
    assert not csp_violations(browser.get_log("browser"))
    browser.execute_script(
        "var s = document.createElement('script'); s.textContent = 'window.hsInjecte = 1;';"
        "document.body.appendChild(s);"
    )
    assert browser.execute_script("return window.hsInjecte === undefined")
    assert csp_violations(browser.get_log("browser")), "le script injecté n'a pas été signalé"
