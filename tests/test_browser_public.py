"""The public map in a real browser (see :mod:`tests.browser`), in Belgium's three languages and English: the
resident reads the header, the legend, the status line, a hexagon's popup and Leaflet's own buttons in French,
Dutch, German or English, numbers written the way that language writes them, and each hexagon coloured by its
class."""

from __future__ import annotations

import re
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from service.maps.page import PUBLIC_CLASSES
from tests.browser import NEEDS_CHROMIUM, csp_violations, screenshot_stats, serving, status_line, text_of

pytestmark = NEEDS_CHROMIUM

K = 3  # the threshold under which a hexagon is not shown (small, so that the demonstration draws several classes)

#: Each drawn hexagon: its count, its fill, and the number of the biggest one written as its popup writes it.
_HEXAGONS = """
const out = [];
window.hotspotsMap.eachLayer(l => {
  if (l.feature && l.feature.properties && l.feature.properties.groupes && l.options.fillColor)
    out.push({n: l.feature.properties.n, fill: l.options.fillColor});
});
return [out, document.querySelectorAll("path.hs-hexagone").length];
"""

#: Opens the popup of the hexagon with the most reports, as a click on it does.
_OPEN_BIGGEST = """
let best = null;
window.hotspotsMap.eachLayer(l => {
  if (l.feature && l.feature.properties && l.feature.properties.groupes && l.getBounds &&
      (!best || l.feature.properties.n > best.feature.properties.n)) best = l;
});
best.fire('click', {latlng: best.getBounds().getCenter()}, true);
return best.feature.properties.n;
"""


def _expected_fill(n: int) -> str:
    fill = None
    for factor, colour in PUBLIC_CLASSES:
        if n >= factor * K:
            fill = colour
    assert fill is not None, n
    return fill


def _loaded(browser) -> None:
    WebDriverWait(browser, 60, poll_frequency=0.25).until(
        lambda d: d.execute_script(
            "const s = window.hotspotsLayers || {}; return !!(s.hexagones && s.hexagones.chargee && "
            "s.communes && s.communes.chargee)"
        )
    )


def _button_title(browser, css: str) -> tuple[str, str]:
    el = browser.find_element(By.CSS_SELECTOR, css)
    return el.get_attribute("title"), el.get_attribute("aria-label")


def test_the_public_map_speaks_french_dutch_german_and_english(settings, demo_data, browser, tmp_path):
    with serving(settings, tile_url="", public_map=True, public_min_count=K) as server:
        # a Dutch-speaking resident follows a link in Dutch
        browser.get(server + "/carte/publique?langue=nl")
        _loaded(browser)
        journal = browser.get_log("browser")
        assert not csp_violations(journal), csp_violations(journal)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl"
        header = text_of(browser.find_element(By.ID, "hs-entete"))
        assert header.startswith("Gemelde milieuhinder — Seraing en Neupré"), header
        assert f"zones met minder dan {K} meldingen worden niet getoond" in header
        status = status_line(browser)
        assert re.fullmatch(
            rf"Offline achtergrondkaart: straten en gemeenten van de dienst zelf\. [\d.]+ meldingen in beeld; "
            rf"[\d.]+ in zones met minder dan {K}, niet getoond\.",
            status,
        ), status
        legend = text_of(browser.find_element(By.ID, "hs-legende"))
        assert legend.startswith("Legende") and "Meldingen per zeshoekige zone:" in legend
        assert f"{K} tot {2 * K - 1}" in legend and f"{20 * K} of meer" in legend and "gemeente" in legend
        assert _button_title(browser, ".leaflet-control-zoom-in") == ("Inzoomen", "Inzoomen")
        assert _button_title(browser, ".leaflet-control-zoom-out") == ("Uitzoomen", "Uitzoomen")
        overlays = text_of(browser.find_element(By.CSS_SELECTOR, ".leaflet-control-layers"))
        assert "Meldingen per zone" in overlays and "Gemeentegrenzen" in overlays
        assert "Straten (offline achtergrond)" in overlays

        # every hexagon in the colour of its class, more than one class on the map, none under the threshold
        # the layers and their drawn paths read in one go: a view that settles later reloads the hexagons between
        # two reads (once in CI: 27 layers, then 14 paths of the next view)
        hexagons, drawn = browser.execute_script(_HEXAGONS)
        assert len(hexagons) >= 5, hexagons
        assert all(h["fill"] == _expected_fill(h["n"]) for h in hexagons), hexagons
        assert len({h["fill"] for h in hexagons}) >= 2
        assert drawn == len(hexagons)
        shot = tmp_path / "publique-nl.png"
        browser.save_screenshot(str(shot))
        print(f"\ncapture d'écran de la carte publique : {shot}")
        stats = screenshot_stats(browser, browser.get_screenshot_as_base64())
        assert stats["colours"] > 20 and stats["dominant"] < 0.95, stats

        # a hexagon's popup: its count and its groups in Dutch, the close button says « Sluiten »
        n = browser.execute_script(_OPEN_BIGGEST)
        popup = WebDriverWait(browser, 10).until(lambda d: d.find_element(By.CSS_SELECTOR, ".leaflet-popup-content"))
        heading = text_of(popup.find_element(By.TAG_NAME, "h3"))
        assert heading == f"{n:,} meldingen".replace(",", "."), heading
        rows = [text_of(th) for th in popup.find_elements(By.TAG_NAME, "th")]
        assert rows[:2] == ["Afval en sluikstort", "Netheid van de openbare ruimte"], rows
        cells = " ".join(text_of(td) for td in popup.find_elements(By.TAG_NAME, "td"))
        assert re.fullmatch(rf"((\d+|minder dan {K}) ?)+", cells), cells
        close = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-close-button")
        assert close.get_attribute("aria-label") == "Sluiten"
        # the map moved under the open popup (its own pan, a finger): the hexagons wait, the popup stays open,
        # and they are drawn again for the new view once it is closed
        loads = browser.execute_script("return window.hotspotsLayers.hexagones.chargements")
        browser.execute_script("window.hotspotsMap.panBy([60, 40], {animate: false})")
        time.sleep(1.0)
        assert browser.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content h3")
        assert browser.execute_script("return window.hotspotsLayers.hexagones.chargements") == loads
        close.click()
        WebDriverWait(browser, 20).until(
            lambda d: d.execute_script("return window.hotspotsLayers.hexagones.chargements") == loads + 1
        )

        # the resident switches to English with the link in the header
        browser.find_element(By.CSS_SELECTOR, ".hs-langues a[hreflang='en']").click()
        WebDriverWait(browser, 20).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
        _loaded(browser)
        assert "langue=en" in browser.current_url
        assert text_of(browser.find_element(By.ID, "hs-entete")).startswith(
            "Reported environmental nuisances — Seraing and Neupré"
        )
        english = status_line(browser)
        assert re.search(r"[\d,]+ reports? in view; [\d,]+ in areas with fewer than \d+, not shown\.", english), english
        assert _button_title(browser, ".leaflet-control-zoom-in") == ("Zoom in", "Zoom in")
        groups = [text_of(o) for o in browser.find_elements(By.CSS_SELECTOR, "#hs-filtres option")]
        assert groups[:2] == ["All", "Waste and dumping"], groups

        # a resident of the German-speaking Community takes German from the same header
        browser.find_element(By.CSS_SELECTOR, ".hs-langues a[hreflang='de']").click()
        WebDriverWait(browser, 20).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de")
        _loaded(browser)
        assert text_of(browser.find_element(By.ID, "hs-entete")).startswith(
            "Gemeldete Umweltbelästigungen — Seraing und Neupré"
        )
        german = status_line(browser)
        assert re.search(r"[\d.]+ Meldungen? im Bild; [\d.]+ in Zonen mit weniger als \d+, nicht angezeigt\.", german)
        assert _button_title(browser, ".leaflet-control-zoom-in") == ("Vergrößern", "Vergrößern")
        groups = [text_of(o) for o in browser.find_elements(By.CSS_SELECTOR, "#hs-filtres option")]
        assert groups[:2] == ["Alle", "Abfall und wilde Müllablagerungen"], groups

        # without a choice, the browser's own language (French here, the page's default too)
        browser.get(server + "/carte/publique")
        _loaded(browser)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
        assert re.search(r"[\d\u202f ]+ signalements dans la vue ; ", status_line(browser)), status_line(browser)
        assert _button_title(browser, ".leaflet-control-zoom-in") == ("Zoom avant", "Zoom avant")
        current = browser.find_element(By.CSS_SELECTOR, ".hs-langues [aria-current='page']")
        assert current.text == "FR"
