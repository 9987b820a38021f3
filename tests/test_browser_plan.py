"""The planner's work on the map in a real browser (see :mod:`tests.browser`): a shift planned and its sheet
downloaded, the same on a phone and on a small laptop (what fits, what folds, what a finger can still reach), the
errors said in French, and the addresses to review settled on the map.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import time
import urllib.parse
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from service.maps.page import STYLE
from tests.browser import NEEDS_CHROMIUM, capture, first_page, log_in, offline, post_json, status_line, text_of
from tests.helpers import nearest_postcodes

pytestmark = NEEDS_CHROMIUM
BRUSSELS = ZoneInfo("Europe/Brussels")  # the service's time zone (settings.timezone)


def test_a_planner_plans_a_shift_on_the_map_and_downloads_its_sheet(server, browser, conn, captures):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    # a popup is drawn again when its layer reloads: an element read meanwhile is stale, and is read again
    wait = WebDriverWait(browser, 90, poll_frequency=0.25, ignored_exceptions=(StaleElementReferenceException,))
    log_in(browser, server, wait)
    wait.until(lambda d: d.execute_script("return !!window.hotspotsTournee"))
    form = browser.find_element(By.ID, "hs-tournee")
    panel, duration = form.find_element(By.TAG_NAME, "details"), form.find_element(By.NAME, "duree")

    def opened(_driver) -> bool:
        # a panel of the same side opened by the page meanwhile folds this one (on a loaded machine, after the click)
        if panel.get_attribute("open") is None:
            panel.find_element(By.TAG_NAME, "summary").click()
        return duration.is_displayed()

    wait.until(opened)
    duration.clear()
    duration.send_keys("3h")
    teams = form.find_element(By.NAME, "equipes")
    teams.clear()
    teams.send_keys("2")
    Select(form.find_element(By.NAME, "mode")).select_by_value("voiture")
    Select(form.find_element(By.NAME, "pause")).select_by_value("15min")
    browser.execute_script("arguments[0].value = '10:00'", form.find_element(By.NAME, "pause_vers"))
    # a day shift, whenever the test runs (and on the screenshot): the service's tomorrow
    tomorrow = datetime.now(BRUSSELS).date() + timedelta(days=1)
    start = form.find_element(By.NAME, "debut")
    browser.execute_script("arguments[0].value = arguments[1]", start, f"{tomorrow}T08:00")
    form.find_element(By.NAME, "rendez_vous").send_keys("PS-0001 à 10h")
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
    # the printed sheet's colours: « équipe 1 » is the same blue on the screen and on paper (it was red on screen)
    from service.export.print_map import TEAM_COLOURS

    printed = {"rgba({}, {}, {}, 1)".format(*(int(c[i : i + 2], 16) for i in (1, 3, 5))) for c in TEAM_COLOURS[:2]}
    assert {c.replace("rgb(", "rgba(").replace(")", ", 1)") if c.startswith("rgb(") else c for c in colours} == printed
    # the report bubbles step back behind the stops (a team's blue read as one more bubble)
    faded = browser.execute_script(
        "return [...document.querySelectorAll('.leaflet-marker-pane .hs-bulle')].map(b => getComputedStyle(b).opacity)"
    )
    assert faded and set(faded) == {"0.35"}, faded
    assert {m.value_of_css_property("opacity") for m in markers} == {"1"}
    legend = "return getComputedStyle(document.querySelector('.hs-bulle-legende')).opacity"
    assert browser.execute_script(legend) == "1"  # the legend's sample keeps its colour
    # stops at (nearly) the same place are drawn apart: no number hides under another
    centres = [(r["x"] + r["width"] / 2, r["y"] + r["height"] / 2) for r in (m.rect for m in markers)]
    close = [(a, b) for i, a in enumerate(centres) for b in centres[i + 1 :] if math.dist(a, b) < 6]
    assert not close, close
    routes = browser.find_elements(By.CSS_SELECTOR, "path.hs-itineraire")
    assert len(routes) == 2
    assert len({r.get_attribute("stroke") for r in routes}) == 2
    # the panel lists the stops per team and links the five files
    panel = text_of(browser.find_element(By.ID, "hs-tournee-resultat"))
    assert f"Tournée n° {state['id']}" in panel and "Équipe 1" in panel and "Équipe 2" in panel
    assert "plan naïf" in panel
    # the break chosen in the form: kept with the plan, said in the panel after the stop it follows
    paused, at = conn.execute(
        "SELECT pause_minutes, to_char(pause_at AT TIME ZONE 'Europe/Brussels', 'HH24:MI') FROM plans WHERE id = %s",
        (state["id"],),
    ).fetchone()
    breaks = conn.execute(
        "SELECT count(*) FROM plan_stops s JOIN plans p ON p.id = s.plan_id"
        " WHERE s.plan_id = %s AND s.pause_after_minutes = 15 AND s.departure >= p.pause_at",
        (state["id"],),
    ).fetchone()[0]
    assert (paused, at) == (15, "10:00") and panel.count("puis pause de 15 min") == breaks >= 1
    # the appointment typed in the form: the stop is set at that hour (on time, or within the minute a plan allows
    # when the solver stops on its time limit on a busy machine), and the panel says so on its line
    (meeting,) = conn.execute(
        "SELECT site_id, extract(epoch FROM arrival - appointment_at)::float,"
        " to_char(appointment_at AT TIME ZONE 'Europe/Brussels', 'HH24:MI')"
        " FROM plan_stops WHERE plan_id = %s AND appointment_at IS NOT NULL",
        (state["id"],),
    ).fetchall()
    assert (meeting[0], meeting[2]) == ("PS-0001", "10:00") and 0 <= meeting[1] <= 60, meeting
    line = next(li.text for li in browser.find_elements(By.CSS_SELECTOR, ".hs-arrets li") if "PS-0001" in li.text)
    assert line.startswith("10:00 — PS-0001") and "rendez-vous à 10:00" in line, line
    links = {a.text: a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".hs-telechargements a")}
    assert {"Feuille de route (PDF)", "Tableur à remplir (XLSX)", "CSV", "GPS (GPX)", "SIG (GeoJSON)"} == set(links)
    got = browser.execute_async_script(
        "const done = arguments[1]; fetch(arguments[0], {credentials: 'same-origin'})"
        ".then(r => r.arrayBuffer().then(b => done([r.status, r.headers.get('content-type'), b.byteLength])))",
        links["Feuille de route (PDF)"],
    )
    assert got[0] == 200 and got[1] == "application/pdf" and got[2] > 10_000
    capture(browser, captures, "4-tournee", browser.get_screenshot_as_png())
    sheet = first_page(browser, links["Feuille de route (PDF)"])
    capture(browser, captures, "5-fiche-tournee", sheet, min_colours=20, max_dominant=0.97)
    # a stop's popup says when and why (clicked by script: close stops overlap on the map)
    browser.execute_script("arguments[0].click()", markers[0])
    popup = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"))
    assert "Arrivée" in text_of(popup[0]) and "Pourquoi" in text_of(popup[0])
    # the "Lien carte" of an exported list opens the map on its site
    point = conn.execute("SELECT id FROM sensitive_points ORDER BY priority DESC LIMIT 1").fetchone()[0]
    browser.get(f"{server}/carte#site={point}")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "path.hs-site-lien"))
    wait.until(lambda d: any(point in text_of(p) for p in d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content")))


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


#: The controls measured once the page has laid itself out again: the panels are fitted to each other in the frame
#: after one of them changed size (a status line rewritten by an answer arriving), so a measure taken between that
#: change and the next frame sees a panel moved down but not yet shortened (on screen, for one frame at most).
_SETTLED = (
    "const done = arguments[arguments.length - 1];"
    "requestAnimationFrame(() => requestAnimationFrame(() => done((() => {" + _CONTROLS + "})())));"
)


def _fits(browser) -> dict:
    """Every control inside the screen, none over another, once the layout has settled (a few frames at most)."""
    for _ in range(10):
        seen = browser.execute_async_script(_SETTLED)
        if not seen["overlaps"]:
            break
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


def _shift_by_api(browser, body: dict) -> dict:
    """A shift planned through the API from inside the page (POST /api/tournees): its summary, or the error."""
    answer = post_json(browser, "/api/tournees", body)
    return answer.get("tournee", answer)


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
    log_in(browser, server, wait)
    wait.until(lambda d: d.execute_script("return !!window.hotspotsPanneaux && !!window.hotspotsTournee"))
    assert browser.execute_script("return window.hotspotsPanneaux.telephone") is True
    # at first: the map, with every panel folded to its title and the layer list in its button, nothing over
    # anything; the scale in metres only
    _fits(browser)
    assert not browser.execute_script("return document.querySelector('#hs-legende details').open")
    assert not browser.execute_script("return document.querySelector('#hs-filtres details').open")
    assert not browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-expanded")
    scale = text_of(browser.find_element(By.CSS_SELECTOR, ".leaflet-control-scale"))
    assert ("km" in scale or " m" in scale) and "mi" not in scale and "ft" not in scale, scale
    # a long notice (tiles unreachable, a visit saved…) keeps the header to three lines; a tap shows it all
    line = browser.find_element(By.ID, "hs-etat")
    browser.execute_script(
        "HotspotsCarte.notice('essai', arguments[0])",
        "Les tuiles en ligne ne répondent pas : fond hors ligne affiché (rues et communes du service). Pour "
        "réessayer : « Tuiles en ligne » dans la liste des couches (en haut à droite). " * 2,
    )
    short = line.rect["height"]
    assert short <= 70, short  # three lines of the small text
    line.click()
    assert line.rect["height"] > 2 * short
    line.click()
    browser.execute_script("HotspotsCarte.notice('essai', null)")
    _fits(browser)
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
    said = text_of(error)
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
    log_in(browser, server, wait)
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
    # a screen too short for two columns (the browser's bars, a tablet held sideways): one column as on a phone,
    # the layer list folded into its button; « Planifier une tournée » was hidden under « Adresses à vérifier »
    _screen(browser, 1366, 380, mobile=False)
    browser.get(server + "/carte")
    wait.until(lambda d: d.execute_script("return !!window.hotspotsPanneaux && !!window.hotspotsTournee"))
    assert browser.execute_script("return window.hotspotsPanneaux.telephone") is True
    seen = _fits(browser)
    header = next(c for c in seen["controls"] if c["id"] == "hs-entete")
    assert header["r"] - header["l"] <= 22 * 16 + 1  # a panel keeps its width on a wide screen
    for panel in ("#hs-filtres summary", "#hs-tournee summary", "#hs-verifs summary", "#hs-legende summary"):
        assert _reachable(browser, browser.find_element(By.CSS_SELECTOR, panel)), panel
    browser.find_element(By.CSS_SELECTOR, "#hs-tournee summary").click()
    wait.until(lambda d: d.execute_script("return document.querySelector('#hs-tournee details').open"))
    assert not browser.execute_script("return document.querySelector('#hs-filtres details').open")
    _fits(browser)
    assert _reachable(browser, browser.find_element(By.CSS_SELECTOR, "#hs-tournee [name=duree]"))


def test_the_panel_says_a_break_taken_on_arrival_before_a_first_stop_set_after_it(server, browser, conn):
    """A 3 h shift from 08:00 with a 30 min break, nothing worth the trip but an appointment at 10:00: the team
    rests on arrival there, then waits. The map's panel says so on that stop's line, before its hour."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 90, poll_frequency=0.25)
    log_in(browser, server, wait)
    tomorrow = datetime.now(BRUSSELS).date() + timedelta(days=1)
    body = {
        "duree": "3h",
        "pause": "30min",
        "debut": f"{tomorrow:%d/%m/%Y} 8h",
        "priorite_min": 1e9,
        "rendez_vous": "PS-0001 10h",
    }
    plan = _shift_by_api(browser, body)
    assert "plan_id" in plan, plan
    (rest,) = conn.execute(
        "SELECT pause_before_minutes FROM plan_stops WHERE plan_id = %s", (plan["plan_id"],)
    ).fetchone()
    assert rest == 30
    browser.get(f"{server}/carte#tournee={plan['plan_id']}")
    browser.refresh()
    wait.until(lambda d: d.execute_script("return window.hotspotsTournee && window.hotspotsTournee.etat") == "dessinee")
    (line,) = [li.text for li in browser.find_elements(By.CSS_SELECTOR, ".hs-arrets li")]
    assert line.startswith("pause de 30 min à l'arrivée, puis 10:00 — PS-0001"), line
    assert "puis pause" not in line


def _first_stop_popup(browser, wait) -> tuple[str, bool]:
    """The drawn shift's first stop marker clicked: its popup's words, and whether it holds a form."""
    click = (
        "var s = document.querySelector('.leaflet-marker-pane .hs-arret span'); if (s) s.click(); "
        "var p = document.querySelector('.hs-arret-popup'); return p ? [p.textContent, !!p.querySelector('form')]"
        " : null"
    )
    wait.until(lambda d: d.execute_script(click))
    words, has_form = browser.execute_script(click)
    return words, has_form


def test_a_shift_followed_by_its_link_is_cancelled_from_the_list_and_drawn_grey(server, browser, conn):
    """A shift's link followed on a map already open (/carte#tournee=N: only the « # » part changes, no new page)
    draws that shift; before, nothing happened until the page was reloaded. The latest shifts are listed under the
    form, with where each stands, and one not yet done is cancelled there (it could be only from the command line
    or the API). A cancelled shift is drawn grey and dashed, not in the teams' colours (it was taken for one the
    teams were out on), and its stops' popups say where to record a visit instead of offering a form the service
    would refuse."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 90, poll_frequency=0.25)
    log_in(browser, server, wait)
    tomorrow = datetime.now(BRUSSELS).date() + timedelta(days=1)
    live = _shift_by_api(browser, {"duree": "2h", "debut": f"{tomorrow:%d/%m/%Y} 8h"})
    assert live.get("stops"), live
    drawn = "const s = window.hotspotsTournee; return s && s.etat === 'dessinee' ? [s.id, s.annulee, s.couleurs] : null"
    fills = (
        "return [...document.querySelectorAll('.leaflet-marker-pane .hs-arret span')]"
        ".map(e => getComputedStyle(e).backgroundColor)"
    )
    try:
        browser.execute_script("window.location.hash = arguments[0]", f"tournee={live['plan_id']}")
        wait.until(lambda d: (d.execute_script(drawn) or [None])[0] == live["plan_id"])
        _, cancelled, colours = browser.execute_script(drawn)
        assert cancelled is False and colours["1"] != "#9e9e9e"  # team 1's colour
        live_fills = set(browser.execute_script(fills))
        assert len(live_fills) == 1 and live_fills != {"rgb(158, 158, 158)"}, live_fills
        assert "Annulée" not in text_of(browser.find_element(By.ID, "hs-tournee-resultat"))
        # the latest shifts, under the form: where each stands, and « Annuler » for one not yet done
        browser.execute_script(
            "document.querySelector('#hs-tournee details.hs-volet').open = true;"
            "document.querySelector('#hs-tournee details.hs-tournees').open = true"
        )
        item = (
            'const a = document.querySelector(".hs-tournees-liste a[href=\'#tournee=" + arguments[0] + "\']");'
            "return a ? [a.closest('li').textContent, !!a.closest('li').querySelector('button.hs-annuler')] : null"
        )
        wait.until(lambda d: d.execute_script(item, live["plan_id"]))
        line, can_cancel = browser.execute_script(item, live["plan_id"])
        stops = len(live["stops"])
        assert line == (
            f"n° {live['plan_id']} — {tomorrow:%d/%m/%Y} 08:00, {stops} arrêt{'s' if stops > 1 else ''} dont 0 fait "
            "— prévue Annuler"
        ), line
        assert can_cancel
        browser.execute_script(
            'window.confirm = () => true; document.querySelector(".hs-tournees-liste a[href=\'#tournee=" + '
            "arguments[0] + \"']\").closest('li').querySelector('button.hs-annuler').click()",
            live["plan_id"],
        )
        # cancelled: the list says so (no more button), and the shift on the map is drawn again, grey
        wait.until(lambda d: "— annulée le " in (d.execute_script(item, live["plan_id"]) or [""])[0])
        line, can_cancel = browser.execute_script(item, live["plan_id"])
        assert line.endswith(f"— annulée le {datetime.now(BRUSSELS):%d/%m/%Y}") and not can_cancel, line
        wait.until(lambda d: (d.execute_script(drawn) or [None, None])[1] is True)
        assert "Tournée n° " + str(live["plan_id"]) + " annulée" in status_line(browser)
        assert browser.execute_script(drawn)[2] == {"1": "#9e9e9e"}
        assert set(browser.execute_script(fills)) == {"rgb(158, 158, 158)"}
        routes = browser.find_elements(By.CSS_SELECTOR, "path.hs-itineraire")
        assert routes and {r.get_attribute("stroke-dasharray") for r in routes} == {"6 8"}
        assert {r.get_attribute("stroke") for r in routes} == {"#9e9e9e"}
        panel = text_of(browser.find_element(By.ID, "hs-tournee-resultat"))
        assert panel.startswith("Annulée le " + f"{datetime.now(BRUSSELS):%d/%m/%Y}"), panel
        words, has_form = _first_stop_popup(browser, wait)
        assert not has_form, words
        assert re.search(r"Tournée annulée : notez une visite sur le site (PS|AX)-\d{4} lui-même\.", words), words
        # the list shows the latest ones; the older are a click away (they were only in the command line and the API)
        older = _shift_by_api(browser, {"duree": "1h", "debut": f"{tomorrow:%d/%m/%Y} 14h"})
        shown = "return [...document.querySelectorAll('.hs-tournees-liste li')].map(li => li.textContent)"
        browser.execute_script(
            "const box = document.querySelector('#hs-tournee details.hs-tournees'); box.dataset.limite = '1';"
            "box.open = false; box.open = true"
        )
        wait.until(lambda d: (d.execute_script(shown) or [""])[-1] == "Plus anciennes")
        first_page = browser.execute_script(shown)
        assert len(first_page) == 2 and first_page[0].startswith(f"n° {older['plan_id']} — "), first_page
        browser.find_element(By.CSS_SELECTOR, ".hs-tournees-liste button.hs-plus-anciennes").click()
        wait.until(lambda d: len(d.execute_script(shown)) >= 2 and d.execute_script(shown)[1] != "Plus anciennes")
        listed = browser.execute_script(shown)
        assert listed[1].startswith(f"n° {live['plan_id']} — "), listed
    finally:  # its sites free for the other tests' shifts
        conn.execute(
            "UPDATE plans SET cancelled_at = coalesce(cancelled_at, now()) WHERE id = ANY(%s)",
            ([live["plan_id"], *([older["plan_id"]] if "older" in locals() and "plan_id" in older else [])],),
        )


def test_a_reader_given_a_shift_s_link_sees_the_shift_without_its_forms(server, browser, conn):
    """A reader (the chief, a colleague) given a shift's link (/carte#tournee=N, the QR code of its sheet) saw the
    map without the shift: only a planner's page drew it. The shift is now drawn for a reader too, with its panel
    of stops, but without the downloads nor the visit forms, which a reader may not use."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 90, poll_frequency=0.25)
    log_in(browser, server, wait)
    tomorrow = datetime.now(BRUSSELS).date() + timedelta(days=1)
    plan = _shift_by_api(browser, {"duree": "2h", "debut": f"{tomorrow:%d/%m/%Y} 14h"})
    assert plan.get("stops"), plan
    try:
        browser.delete_all_cookies()
        log_in(browser, server, wait, role="lecteur")
        assert not browser.find_elements(By.ID, "hs-tournee")  # no planning form for a reader
        browser.get(f"{server}/carte#tournee={plan['plan_id']}")
        browser.refresh()
        drawn = "const s = window.hotspotsTournee; return s && s.etat === 'dessinee' ? [s.id, s.arrets] : null"
        wait.until(lambda d: d.execute_script(drawn))
        assert browser.execute_script(drawn) == [plan["plan_id"], len(plan["stops"])]
        box = browser.find_element(By.ID, "hs-tournee-vue")
        assert box.is_displayed()
        panel = text_of(box)
        assert panel.startswith(f"Tournée n° {plan['plan_id']} : {len(plan['stops'])} arrêts"), panel
        assert "À télécharger" not in panel and "Équipe 1" in panel
        words, has_form = _first_stop_popup(browser, wait)
        assert words.startswith("1. ") and "Arrivée" in words and not has_form, words
    finally:  # its sites free for the other tests' shifts
        conn.execute("UPDATE plans SET cancelled_at = coalesce(cancelled_at, now()) WHERE id = %s", (plan["plan_id"],))


def test_a_planner_imports_a_filled_in_sheet_and_a_register_from_the_map_and_reads_what_became_of_them(
    server, browser, conn, tmp_path
):
    """Back from the field, the filled-in sheet could be imported only from the command line or by a script (the
    API): a planner on the map had no way to send it. The shift panel takes the file, and says what became of it in
    the import's own words (the sum, the stops not made, the rows to correct and why); the shift shown marks the
    stop done. A register of reports goes through the same panel, and its geocoding is said too. The import runs in
    the background, and a bar says how far it is."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 90, poll_frequency=0.25)
    log_in(browser, server, wait)
    began = datetime.now(BRUSSELS) - timedelta(hours=2)
    plan = _shift_by_api(browser, {"duree": "3h", "debut": f"{began:%d/%m/%Y %H}h{began:%M}"})
    assert len(plan.get("stops", [])) >= 2, plan
    first, second = (s["ref"] for s in plan["stops"][:2])
    visited = datetime.now(BRUSSELS) - timedelta(hours=1)
    sheet = tmp_path / "feuille_remplie.csv"
    sheet.write_text(
        "Arrêt;Date de visite;Résultat;Agent\r\n"
        f"{first};{visited:%d/%m/%Y %H:%M};Nettoyé;INP Lambert\r\n"
        f"{second};;;\r\n"
        "T999-E9-99;" + f"{visited:%d/%m/%Y %H:%M};RAS;INP Lambert\r\n",
        encoding="utf-8",
    )
    try:
        browser.execute_script("window.location.hash = arguments[0]", f"tournee={plan['plan_id']}")
        drawn = "const s = window.hotspotsTournee; return s && s.etat === 'dessinee' ? s.id : null"
        wait.until(lambda d: d.execute_script(drawn) == plan["plan_id"])
        assert not text_of(browser.find_element(By.CSS_SELECTOR, ".hs-arrets li")).endswith("✓")
        browser.execute_script(
            "document.querySelector('#hs-tournee details.hs-volet').open = true;"
            "document.querySelector('#hs-tournee details.hs-feuille').open = true"
        )
        browser.find_element(By.CSS_SELECTOR, "#hs-tournee details.hs-feuille input[type=file]").send_keys(str(sheet))
        browser.find_element(By.CSS_SELECTOR, "#hs-tournee button.hs-importer").click()
        said = (  # the no-break spaces French sets before « : » read as spaces
            "return [...document.querySelectorAll('#hs-tournee .hs-import-resultat p')]"
            ".map(p => p.textContent.replace(/\\u00a0/g, ' '))"
        )
        wait.until(lambda d: (d.execute_script(said) or [""])[0].startswith("Lot n° "))
        lines = browser.execute_script(said)
        # run in the background and asked after (a large register held the page in front of a sentence): the bar
        # is gone once the account is there
        asked = "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes(arguments[0]))"
        assert browser.execute_script(asked, "/api/imports/suivis/"), browser.execute_script(asked, "/api/imports")
        assert not browser.find_elements(By.CSS_SELECTOR, "#hs-tournee progress.hs-import-avancement")
        assert lines[0].startswith("Lot n° ") and lines[0].endswith(" (feuille_remplie.csv) : 1 visite enregistrée.")
        assert lines[1] == (
            "Contrôle : 3 lignes = 1 insérée + 0 mise à jour + 0 doublon (0 déjà en base, 0 répété dans le fichier, "
            "0 quasi-doublon lié) + 2 rejetées."
        )
        assert lines[2] == (
            "2 lignes non enregistrées, dont 1 arrêt non fait (ni résultat ni date : rien à encoder, leurs sites "
            "restent à planifier) et 1 à corriger :"
        )
        assert lines[3].startswith("  • ligne 4 — ") and "T999-E9-99" in lines[3] and "arrêt inconnu" in lines[3]
        # the shift shown is drawn again: its first stop done; the status line says the batch
        wait.until(lambda d: text_of(d.find_element(By.CSS_SELECTOR, ".hs-arrets li")).endswith("✓"))
        wait.until(lambda d: lines[0] in status_line(d))
        outcome = conn.execute(
            "SELECT v.outcome, v.officer FROM visits v JOIN plan_stops s ON s.id = v.plan_stop_id WHERE s.ref = %s",
            (first,),
        ).fetchall()
        assert outcome == [("nettoye", "INP Lambert")]
        # a register of reports, from the same panel: placed at its address, the geocoding said as the terminal says it
        register = tmp_path / "registre_carte.csv"
        register.write_text(
            "N° dossier;Date signalement;Catégorie;Adresse;Code postal;Localité\r\n"
            f"R-CARTE-1;{visited:%d/%m/%Y %H:%M};Dépôt clandestin;Rue Ferrer 12;4100;Seraing\r\n",
            encoding="utf-8",
        )
        browser.execute_script("document.querySelector('#hs-tournee select[name=type_import]').value = 'signalements'")
        # its source named on the map (it took the file's name), its separator and encoding said (else recognised)
        browser.execute_script(
            "const box = document.querySelector('#hs-tournee details.hs-feuille');"
            "box.querySelector('details.hs-import-options').open = true;"
            "box.querySelector('[name=source_import]').value = ' Intercommunale ';"
            "box.querySelector('[name=separateur_import]').value = ';';"
            "box.querySelector('[name=encodage_import]').value = 'utf-8'"
        )
        labels = browser.execute_script(
            "return [...document.querySelectorAll('#hs-tournee details.hs-import-options label')]"
            ".map(l => l.firstChild.textContent.trim() || l.textContent.trim())"
        )
        assert labels == [
            "Source",
            "Feuille",
            "Toutes les feuilles (un registre tenu par mois : chaque feuille en un lot)",
            "Séparateur",
            "Encodage",
            "Coordonnées",
            "Fichier de correspondance (--correspondance)",
        ], labels

        def imported(path) -> list[str]:
            """The file chosen in the map's import panel and sent: the account's lines, once shown."""
            chooser = browser.find_element(By.CSS_SELECTOR, "#hs-tournee details.hs-feuille input[name=feuille]")
            chooser.send_keys(str(path))
            browser.find_element(By.CSS_SELECTOR, "#hs-tournee button.hs-importer").click()
            wait.until(lambda d: f"{path.name}) :" in (d.execute_script(said) or [""])[0])
            return browser.execute_script(said)

        lines = imported(register)
        assert lines[0].endswith(" (registre_carte.csv) : 1 signalement enregistré."), lines
        assert lines[1].startswith("Contrôle : 1 ligne = 1 insérée + "), lines
        assert lines[2].startswith("Géocodage : 1 adresse sans coordonnées — 1 placée, 0 à vérifier"), lines
        placed = conn.execute("SELECT geocode_status, source FROM reports WHERE external_id = 'R-CARTE-1'").fetchall()
        assert len(placed) == 1 and placed[0][0] not in ("a_geocoder", "echec"), placed
        assert placed[0][1] == "intercommunale", placed  # the demo's own spelling of the source, and said so
        assert (
            "Source « Intercommunale » rangée sous « intercommunale », le nom que le service lui connaît"
            in " ".join(lines)
        ), lines
        sent = browser.execute_script(asked, "/api/imports/signalements/suivi")
        assert any("source=Intercommunale" in u and "separateur=%3B" in u and "encodage=utf-8" in u for u in sent), sent
        assert not any("feuille=" in u for u in sent), sent  # a CSV: no sheet asked, none sent
        assert not any("crs=" in u for u in sent), sent  # the coordinates' system recognised, none sent
        # the wrong file after all: taken back under its account, saying why, its report gone
        withdrawn = browser.find_element(By.CSS_SELECTOR, "#hs-tournee .hs-import-resultat details.hs-annuler-lot")
        batch = conn.execute("SELECT batch_id FROM reports WHERE external_id = 'R-CARTE-1'").fetchone()[0]
        assert text_of(withdrawn.find_element(By.TAG_NAME, "summary")) == (
            f"Annuler cet import (lot n° {batch}, registre_carte.csv)"
        )
        withdrawn.find_element(By.TAG_NAME, "summary").click()
        withdrawn.find_element(By.CSS_SELECTOR, "button.hs-annuler").click()  # no reason given yet: asked for one
        assert "au moins 5 caractères" in text_of(withdrawn.find_element(By.CSS_SELECTOR, ".hs-annulation"))
        withdrawn.find_element(By.NAME, "motif_annulation").send_keys("registre de test, pas le vrai")
        withdrawn.find_element(By.CSS_SELECTOR, "button.hs-annuler").click()
        wait.until(lambda d: text_of(withdrawn.find_element(By.CSS_SELECTOR, ".hs-annulation")).startswith("Lot n° "))
        assert text_of(withdrawn.find_element(By.CSS_SELECTOR, ".hs-annulation")).startswith(
            f"Lot n° {batch} (registre_carte.csv) annulé : 1 signalement retiré."
        )
        assert conn.execute("SELECT count(*) FROM reports WHERE external_id = 'R-CARTE-1'").fetchone() == (0,)
        assert conn.execute(
            "SELECT status, withdrawn_reason FROM ingestion_batches WHERE id = %s", (batch,)
        ).fetchone() == (
            "annule",
            "registre de test, pas le vrai",
        )
        # the recent imports under the panel: this one withdrawn (by whom, why), the shift's sheet before it takeable
        recent = browser.find_element(By.CSS_SELECTOR, "#hs-tournee details.hs-lots")
        recent.find_element(By.TAG_NAME, "summary").click()
        wait.until(lambda d: "registre_carte.csv" in text_of(recent))
        items = recent.find_elements(By.CSS_SELECTOR, "ol > li")
        first_item = text_of(items[0])
        assert first_item.startswith(f"n° {batch} — registre_carte.csv (signalements), "), first_item
        assert ": annulé le " in first_item and " : registre de test, pas le vrai" in first_item, first_item
        assert not items[0].find_elements(By.CSS_SELECTOR, "details.hs-annuler-lot")  # nothing left to take back
        sheet_batch = conn.execute(
            "SELECT max(id) FROM ingestion_batches WHERE kind = 'visits' AND status = 'termine'"
        ).fetchone()[0]
        sheet_item = next(i for i in items if text_of(i).startswith(f"n° {sheet_batch} — "))
        assert ": terminé, 1 enregistré" in text_of(sheet_item), text_of(sheet_item)
        assert sheet_item.find_elements(By.CSS_SELECTOR, "details.hs-annuler-lot")
        # an association's export in its own words, with the mapping file that names its columns and its values,
        # and its coordinates said to be WGS84: the same panel reads it as « hotspots ingest --correspondance »
        # the day before the visit: a fixed hour today may still be ahead when the suite runs in the night
        reported = visited - timedelta(days=1)
        export = tmp_path / "asbl_quartier.csv"
        export.write_text(
            f"Quand;Quoi;Nord;Est\r\n{reported:%d/%m/%Y} 10:00;Vieux frigos;50.6043;5.5052\r\n", encoding="utf-8"
        )
        mapping = tmp_path / "asbl_quartier.toml"
        mapping.write_text(
            '[colonnes]\nobserved_at = "Quand"\ncategory = "Quoi"\nlat = "Nord"\nlon = "Est"\n'
            '[valeurs.category]\n"Vieux frigos" = "depot_clandestin"\n[defauts]\nsource = "asbl_quartier"\n',
            encoding="utf-8",
        )
        browser.execute_script(
            "const box = document.querySelector('#hs-tournee details.hs-feuille');"
            "box.querySelector('[name=source_import]').value = 'asbl_quartier';"
            "box.querySelector('[name=crs_import]').value = 'EPSG:4326'"
        )
        browser.find_element(By.CSS_SELECTOR, "#hs-tournee [name=correspondance_import]").send_keys(str(mapping))
        lines = imported(export)
        assert lines[0].endswith(" (asbl_quartier.csv) : 1 signalement enregistré."), lines
        stored = conn.execute("SELECT category, source FROM reports WHERE source = 'asbl_quartier'").fetchall()
        assert stored == [("depot_clandestin", "asbl_quartier")], stored
        sent = browser.execute_script(asked, "/api/imports/signalements/suivi")
        assert any("crs=EPSG%3A4326" in u for u in sent), sent
        # next month's export from the same association: the mapping kept by the service for its source (from any
        # browser, and for « hotspots ingest ») is applied without choosing the file again, and said; « Oublier »
        # forgets it
        kept = "#hs-tournee .hs-correspondance-gardee"
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, kept).is_displayed())
        assert text_of(browser.find_element(By.CSS_SELECTOR, kept)).startswith(
            "Correspondance gardée pour les signalements de « asbl_quartier » : asbl_quartier.toml (le "
        )
        assert conn.execute("SELECT source, name, file_name, kind FROM source_mappings").fetchall() == [
            ("asbl quartier", "asbl_quartier", "asbl_quartier.toml", "reports")  # found by its key, named as imported
        ]
        # kept for the association's reports: a permits file of the same source is not read through it
        choose = "const s = document.querySelector('#hs-tournee select[name=type_import]');"
        browser.execute_script(choose + "s.value = 'permis'; s.dispatchEvent(new Event('change'))")
        wait.until(lambda d: not d.find_element(By.CSS_SELECTOR, kept).is_displayed())
        browser.execute_script(choose + "s.value = 'signalements'; s.dispatchEvent(new Event('change'))")
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, kept).is_displayed())
        later = tmp_path / "asbl_quartier_mois_suivant.csv"
        later.write_text(
            f"Quand;Quoi;Nord;Est\r\n{reported:%d/%m/%Y} 11:00;Vieux frigos;50.6045;5.5055\r\n", encoding="utf-8"
        )
        # typed another way, its acronym with dots: the form folds it as the service does and shows the mapping
        browser.execute_script(
            "const f = document.querySelector('#hs-tournee [name=source_import]');"
            "f.value = 'x'; f.dispatchEvent(new Event('input'))"
        )
        wait.until(lambda d: not d.find_element(By.CSS_SELECTOR, kept).is_displayed())
        browser.execute_script(
            "const f = document.querySelector('#hs-tournee [name=source_import]');"
            "f.value = ' A.S.B.L.-Quartier '; f.dispatchEvent(new Event('input'))"
        )
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, kept).is_displayed())
        lines = imported(later)
        assert lines[2].startswith(
            "Correspondance gardée pour « asbl_quartier » appliquée : asbl_quartier.toml (gardée le "
        ), lines
        stored = conn.execute("SELECT category FROM reports WHERE source = 'asbl_quartier'").fetchall()
        assert stored == [("depot_clandestin",), ("depot_clandestin",)], stored
        # the partner renamed its columns: the refusal says the kept mapping was applied and how to set it aside
        renamed = tmp_path / "asbl_quartier_nouvelles_colonnes.csv"
        renamed.write_text(
            f"Date;Type;Nord;Est\r\n{reported:%d/%m/%Y} 12:00;Vieux frigos;50.6046;5.5056\r\n", encoding="utf-8"
        )
        browser.find_element(By.CSS_SELECTOR, "#hs-tournee details.hs-feuille input[name=feuille]").send_keys(
            str(renamed)
        )
        browser.find_element(By.CSS_SELECTOR, "#hs-tournee button.hs-importer").click()
        error = "#hs-tournee .hs-import-resultat .hs-erreur"
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, error))
        refusal = text_of(browser.find_element(By.CSS_SELECTOR, error))
        assert "La correspondance gardée pour « asbl_quartier » (asbl_quartier.toml, du " in refusal, refusal
        assert (
            ") a été appliquée ; si la source a changé ses colonnes, écartez-la : « Oublier » sous le champ de "
            "correspondance (carte)" in refusal
        ), refusal
        browser.find_element(By.CSS_SELECTOR, kept + " button.hs-oublier-correspondance").click()
        wait.until(lambda d: not d.find_element(By.CSS_SELECTOR, kept).is_displayed())
        assert conn.execute("SELECT count(*) FROM source_mappings").fetchone() == (0,)
        # the association's name typed a letter off: a new source, stored apart but pointed out in the account,
        # whose button puts its rows under the known name
        misspelt = tmp_path / "asbl_quartiers_mai.csv"
        misspelt.write_text(
            "N° dossier;Date;Catégorie;Latitude;Longitude\r\n"
            f"R-FUSION-1;{reported:%d/%m/%Y} 13:00;Tags;50.6100;5.5000\r\n",
            encoding="utf-8",
        )
        browser.execute_script(
            "const box = document.querySelector('#hs-tournee details.hs-feuille');"
            "box.querySelector('[name=source_import]').value = 'ASBL Quartiers';"
            "box.querySelector('[name=crs_import]').value = ''"
        )
        lines = imported(misspelt)
        assert lines[0].endswith(" (asbl_quartiers_mai.csv) : 1 signalement enregistré."), lines
        warned = "Attention : source « ASBL Quartiers » nouvelle pour le service, proche de « asbl_quartier » qu'il"
        assert any(line.startswith(warned) for line in lines), lines
        merge = browser.find_element(By.CSS_SELECTOR, "#hs-tournee .hs-fusion-source button")
        assert text_of(merge) == "Ranger les lignes de « ASBL Quartiers » sous « asbl_quartier »"
        merge.click()
        merged = "#hs-tournee .hs-fusion-source [role=status]"
        wait.until(lambda d: text_of(d.find_element(By.CSS_SELECTOR, merged)))
        said_merged = text_of(browser.find_element(By.CSS_SELECTOR, merged))
        assert said_merged == "Source « ASBL Quartiers » fusionnée dans « asbl_quartier » : 1 signalement.", said_merged
        assert conn.execute("SELECT source FROM reports WHERE external_id = 'R-FUSION-1'").fetchall() == [
            ("asbl_quartier",)
        ]
        # a register kept one sheet per month, « Toutes les feuilles » ticked: the total and the sheet of notes not
        # read first, then each month's batch
        import openpyxl

        book = openpyxl.Workbook()
        book["Sheet"].title = "Lisez-moi"
        book["Lisez-moi"].append(["Registre 2026 du service Environnement"])
        for month, ref in (("Janvier", "R-MOIS-1"), ("Février", "R-MOIS-2")):
            sheet = book.create_sheet(month)
            sheet.append(["N° dossier", "Date", "Catégorie", "Latitude", "Longitude"])
            sheet.append([ref, datetime(reported.year, reported.month, reported.day, 9, 0), "Tags", 50.6043, 5.5052])
        workbook = tmp_path / "registre_par_mois.xlsx"
        book.save(workbook)
        browser.execute_script(
            "const box = document.querySelector('#hs-tournee details.hs-feuille');"
            "box.querySelector('[name=crs_import]').value = '';"
            "box.querySelector('[name=correspondance_import]').value = '';"
            "box.querySelector('[name=toutes_feuilles_import]').checked = true"
        )
        chooser = browser.find_element(By.CSS_SELECTOR, "#hs-tournee details.hs-feuille input[name=feuille]")
        chooser.send_keys(str(workbook))
        browser.find_element(By.CSS_SELECTOR, "#hs-tournee button.hs-importer").click()
        wait.until(lambda d: "feuilles importées" in (d.execute_script(said) or [""])[0])
        lines = browser.execute_script(said)
        assert lines[0] == "2 feuilles importées en autant de lots : 2 enregistrements créés.", lines
        assert lines[1].startswith("Feuille « Lisez-moi » non lue : "), lines
        batches = [line for line in lines if line.startswith("Lot n° ")]
        assert [b.endswith(" (registre_par_mois.xlsx) : 1 signalement enregistré.") for b in batches] == [True, True]
        assert "Feuille « Janvier »." in lines and "Feuille « Février »." in lines
        assert lines.index("Feuille « Janvier ».") < lines.index("Feuille « Février »."), lines
        sent = browser.execute_script(asked, "/api/imports/signalements/suivi")
        assert any("toutes_les_feuilles=true" in u for u in sent), sent
        browser.execute_script("document.querySelector('[name=toutes_feuilles_import]').checked = false")
        # what the bar says on the way, as a large register's job tells it: the share read, then the last step
        steps = (
            "const out = document.createElement('div'), H = HotspotsCarte, seen = [];"
            "for (const job of arguments[0]) { H.importProgress(out, 'registre_2025.csv', job);"
            " const bar = out.querySelector('progress'); seen.push([out.querySelector('p').textContent, bar.position,"
            " bar.getAttribute('aria-label')]); } return seen"
        )
        jobs = [
            {"etat": "envoi"},
            {"etat": "lecture", "lu": 1572864, "total": 6291456},
            {"etat": "enregistrement", "secondes": 1.2},
            {"etat": "enregistrement", "secondes": 12.4},
            # every sheet of a register kept by month: which sheet, the bar starting again with each
            {"etat": "lecture", "lu": 3145728, "total": 6291456, "feuille": {"nom": "Février", "rang": 2, "sur": 12}},
        ]
        assert browser.execute_script(steps, jobs) == [
            ["Envoi de registre_2025.csv…", -1, "Envoi de registre_2025.csv…"],
            [
                "Lecture et contrôle de registre_2025.csv : 25 % (1,5 Mo sur 6 Mo)…",
                0.25,
                "Lecture et contrôle de registre_2025.csv : 25 % (1,5 Mo sur 6 Mo)…",
            ],
            [
                "Géocodage et enregistrement des lignes de registre_2025.csv…",
                -1,
                "Géocodage et enregistrement des lignes de registre_2025.csv…",
            ],
            [
                "Géocodage et enregistrement des lignes de registre_2025.csv… (12 s)",
                -1,
                "Géocodage et enregistrement des lignes de registre_2025.csv… (12 s)",
            ],
            [
                "Feuille 2 sur 12 (« Février ») — Lecture et contrôle de registre_2025.csv : 50 % (3 Mo sur 6 Mo)…",
                0.5,
                "Feuille 2 sur 12 (« Février ») — Lecture et contrôle de registre_2025.csv : 50 % (3 Mo sur 6 Mo)…",
            ],
        ]
    finally:  # its sites free for the other tests' shifts; the module's reports as they were
        conn.execute("UPDATE plans SET cancelled_at = coalesce(cancelled_at, now()) WHERE id = %s", (plan["plan_id"],))
        conn.execute("DELETE FROM reports WHERE external_id IN ('R-CARTE-1', 'R-MOIS-1', 'R-MOIS-2', 'R-FUSION-1')")
        conn.execute(  # next month's export, kept as the first one was before it
            "DELETE FROM reports WHERE source = 'asbl_quartier' AND observed_at = "
            "(SELECT max(observed_at) FROM reports WHERE source = 'asbl_quartier') "
            "AND (SELECT count(*) FROM reports WHERE source = 'asbl_quartier') > 1"
        )


def test_mappings_an_earlier_map_kept_in_the_browser_are_given_to_the_service(server, browser, conn):
    """Before the service kept them, the map kept a source's mapping in the browser alone. Opened once, the map
    gives those to the service — not over a mapping the service already keeps for the source — and takes them out of
    the browser: nothing chosen before is lost, and the next file is read the same way from any computer."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from service.ingest.kept_mapping import keep_mapping, kept_mapping

    keep_mapping(conn, "asbl", "asbl_service.toml", '[colonnes]\nobserved_at = "Quand"\n', by="test.admin")
    conn.commit()
    wait = WebDriverWait(browser, 60, poll_frequency=0.25)
    log_in(browser, server, wait)
    old = {
        "asbl": {"nom": "asbl_navigateur.toml", "texte": '[colonnes]\nobserved_at = "Date"\n', "le": "2026-11-02"},
        "comite de quartier": {"nom": "comite.yaml", "texte": "colonnes:\n  category: Quoi\n", "le": "2026-11-03"},
        # a text broken in the browser: refused by the service, not kept in the browser either
        "vieux registre": {"nom": "vieux.toml", "texte": "[colonnes\n", "le": "2026-10-01"},
    }
    browser.execute_script("localStorage.setItem('hotspots.correspondances', JSON.stringify(arguments[0]))", old)
    browser.refresh()
    wait.until(lambda d: d.execute_script("return localStorage.getItem('hotspots.correspondances')") is None)
    moved = kept_mapping(conn, "comite de quartier")
    assert moved is not None and (moved.file_name, moved.content) == ("comite.yaml", "colonnes:\n  category: Quoi\n")
    assert moved.kept_by == "test.planificateur"
    still = kept_mapping(conn, "asbl")
    assert still is not None and still.file_name == "asbl_service.toml"
    assert kept_mapping(conn, "vieux registre") is None
    # the source typed in the import's options, for a register of reports (what the browser's mappings were kept
    # for), shows its kept mapping, with who kept it
    browser.execute_script(
        "document.querySelector('#hs-tournee details.hs-volet').open = true;"
        "const box = document.querySelector('#hs-tournee details.hs-feuille');"
        "box.open = true; box.querySelector('details.hs-import-options').open = true;"
        "box.querySelector('select[name=type_import]').value = 'signalements';"
        "box.querySelector('[name=source_import]').value = 'Comite  de quartier';"
        "box.querySelector('[name=source_import]').dispatchEvent(new Event('input'))"
    )
    line = browser.find_element(By.CSS_SELECTOR, "#hs-tournee .hs-correspondance-gardee")
    wait.until(lambda d: line.is_displayed())
    shown = "Correspondance gardée pour les signalements de « comite de quartier » : comite.yaml (le "
    assert text_of(line).startswith(shown), text_of(line)
    assert ", par test.planificateur), appliquée si aucun fichier n'est choisi." in text_of(line), text_of(line)


def test_a_report_drawn_as_a_building_s_footprint_shows_it_on_the_map(server, browser, conn, settings, tmp_path):
    """A report drawn in QGIS as an unhealthy building's footprint is stored at a point inside it: its popup says it
    was drawn, and the footprint is outlined on the map (grey, dashed) while the popup is open, gone after."""
    import shapely
    import shapely.geometry
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.helpers import ingest

    footprint = shapely.Point(5.5120, 50.6098).buffer(0.00012)
    feature = {
        "type": "Feature",
        "properties": {"id": "QGIS-1", "date": f"{date.today() - timedelta(days=3):%Y-%m-%d}T09:15:00",
                       "categorie": "insalubrite"},
        "geometry": shapely.geometry.mapping(footprint),
    }  # fmt: skip
    path = tmp_path / "batiments.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    assert ingest(conn, settings, path, now=None).inserted == 1
    conn.commit()
    (report,) = conn.execute("SELECT id FROM reports WHERE external_id = 'QGIS-1'").fetchone()
    wait = WebDriverWait(browser, 60, poll_frequency=0.25)
    log_in(browser, server, wait)
    browser.execute_script("window.hotspotsMap.setView([50.6098, 5.5120], 18, {animate: false})")
    opened = (
        "var id = arguments[0], found = false; window.hotspotsMap.eachLayer(function (l) {"
        " if (l.feature && l.feature.id === id && l.openPopup) { l.openPopup(); found = true; } });"
        " return found;"
    )
    wait.until(lambda d: d.execute_script(opened, report))
    rows = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup table tr"))
    said = {text_of(r.find_element(By.TAG_NAME, "th")): text_of(r.find_element(By.TAG_NAME, "td")) for r in rows}
    assert said["Forme"] == "dessinée dans le fichier importé : son contour sur la carte", said
    outline = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "path.hs-forme-dessinee"))[0]
    assert (outline.get_attribute("stroke"), outline.get_attribute("stroke-dasharray")) == ("#333", "4 3")
    # the outline drawn where the footprint is: its box on the screen that of the footprint's corners
    corners = browser.execute_script(
        "var m = window.hotspotsMap; return [m.latLngToContainerPoint([arguments[1], arguments[0]]),"
        " m.latLngToContainerPoint([arguments[3], arguments[2]])].map(p => [p.x, p.y]);",
        *footprint.bounds,
    )
    size = outline.size
    assert abs(size["width"] - abs(corners[1][0] - corners[0][0])) < 4, (size, corners)
    assert abs(size["height"] - abs(corners[1][1] - corners[0][1])) < 4, (size, corners)
    browser.execute_script("window.hotspotsMap.closePopup()")
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "path.hs-forme-dessinee"))


def test_the_map_opens_without_network_from_what_the_device_kept_and_forgets_it_at_logout(
    settings, demo_data, accounts, browser
):
    """In a dead zone, a phone that reloads the map's tab found no page at all: the map had to be open already. The
    page, its scripts and the layers last seen are now kept on the device (a service worker) and given back when
    the service cannot be reached, and the status line says the map is offline and since when; online, the
    service's answers always come first. Logging out forgets what was kept."""
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.browser import map_ready, serving

    wait = WebDriverWait(browser, 60, poll_frequency=0.25)
    controlled = "return !!(navigator.serviceWorker && navigator.serviceWorker.controller)"
    points = (
        "const l = window.hotspotsLayers && window.hotspotsLayers.points_sensibles;"
        " return l && l.chargee && !l.erreur ? l.elements : null"
    )
    kept = (
        "const done = arguments[0]; caches.keys().then(names => Promise.all(names.map(n => caches.open(n)"
        ".then(c => c.keys())))).then(all => done([].concat(...all).map(r => new URL(r.url).pathname)),"
        " e => done(String(e)));"
    )
    with serving(settings, tile_url="") as url:
        log_in(browser, url, wait)
        wait.until(lambda d: d.execute_script(controlled))
        browser.refresh()  # now through the worker: what the map asks is kept as it comes
        wait.until(map_ready)
        seen = wait.until(lambda d: d.execute_script(points))
        wait.until(lambda d: {"/carte", "/api/points-sensibles", "/api/axes"} <= set(d.execute_async_script(kept)))
        assert "Hors ligne : la carte" not in status_line(browser)  # online: the service's answers
        paths = browser.execute_async_script(kept)
        assert not any(p.startswith(("/api/signalements/", "/api/exports", "/api/correspondances")) for p in paths)
    # the service gone (the same address answers nothing): the map opens all the same, from the device
    browser.get(url + "/carte")
    wait.until(map_ready)
    assert wait.until(lambda d: d.execute_script(points)) == seen
    wait.until(
        lambda d: "Hors ligne : la carte et les couches telles que gardées sur cet appareil le " in status_line(d)
    )
    assert "les visites encodées attendent le réseau." in status_line(browser)
    # another address (another service): kept, then logged out: nothing of it stays on the device
    with serving(settings, tile_url="") as other:
        browser.get(other + "/carte")  # the session cookie is the machine's, whatever the port
        wait.until(map_ready)
        wait.until(lambda d: d.execute_script(controlled))
        browser.refresh()
        wait.until(map_ready)
        wait.until(lambda d: "/carte" in d.execute_async_script(kept))
        # each view panned to is its own answer: the latest ones only are kept (two here, 150 by default)
        browser.execute_async_script(
            "const done = arguments[0]; navigator.serviceWorker.register('/sw.js?vues=2', {scope: '/'})"
            ".then(() => done(true), e => done(String(e)));"
        )
        wait.until(
            lambda d: "vues=2" in (d.execute_script("return navigator.serviceWorker.controller.scriptURL") or "")
        )
        for lat, lon in ((50.60, 5.50), (50.61, 5.52), (50.58, 5.53), (50.57, 5.49)):
            loads = browser.execute_script("return window.hotspotsLayers.groupes.chargements")
            browser.execute_script(
                "window.hotspotsMap.setView([arguments[0], arguments[1]], 15, {animate: false})", lat, lon
            )
            wait.until(lambda d, n=loads: d.execute_script("return window.hotspotsLayers.groupes.chargements") > n)
        views = lambda d: [p for p in d.execute_async_script(kept) if p == "/api/carte/signalements"]  # noqa: E731
        wait.until(lambda d: len(views(d)) == 2)
        time.sleep(1)  # every answer's keeping done: still the latest two only (five views were seen)
        assert len(views(browser)) == 2
        browser.get(other + "/deconnexion")
        wait.until(lambda d: "/connexion" in d.current_url)
        assert browser.execute_async_script(kept) == []


def test_the_map_says_what_went_wrong_in_french(server, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60, poll_frequency=0.25)
    log_in(browser, server, wait)
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


def test_a_layer_shows_the_last_view_asked_when_an_older_answer_comes_back_later(server, browser):
    """A layer's answers can come back out of order (the wide view's, slower, after the close view asked next):
    the late older answer must not replace the newer one on the map. Two loads of one layer are held and answered
    newest first; the layer keeps the newest. Before, the older one drew over it (a report's dot, asked at the
    street's zoom, gave way to the zone's bubbles until the next move)."""
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60, poll_frequency=0.25)
    log_in(browser, server, wait)
    wait.until(lambda d: d.execute_script("return !!window.hotspotsMap"))
    shown = browser.execute_async_script(
        """
const done = arguments[arguments.length - 1];
const map = window.hotspotsMap, pending = [];
const layer = new HotspotsCarte.Overlay(map, "essai_ordre", "Essai", function (group) {
  const asked = pending.length + 1;
  return new Promise(function (resolve) {
    pending.push(function () {
      group.clearLayers();
      group.addLayer(L.marker(map.getCenter(), { title: "vue " + asked }));
      resolve(1);
    });
  });
});
layer.group.addTo(map);  // the first load (the view when the layer is shown)
layer.refresh();         // the second, asked after it (the map moved)
pending[1]();            // the newer answer first
setTimeout(function () {
  pending[0]();          // then the older one, late
  setTimeout(function () {
    const titles = layer.group.getLayers().map(function (m) { return m.options.title; });
    done([titles, window.hotspotsLayers.essai_ordre.chargee]);
  }, 50);
}, 50);
"""
    )
    assert shown == [["vue 2"], True]


#: The zone's postcode sectors as the map's « Lieu » names them.
SECTOR_LABELS = {
    "4100": "4100 Seraing, Boncelles",
    "4101": "4101 Jemeppe-sur-Meuse",
    "4102": "4102 Ougrée",
    "4120": "4120 Ehein, Rotheux-Rimière",
    "4121": "4121 Neuville-en-Condroz",
    "4122": "4122 Plainevaux",
}


def test_a_place_chosen_in_the_filters_frames_the_map_and_its_export(server, browser):
    """The filters' « Lieu »: the zone's communes and postcode sectors, named as on the map. One chosen, the map
    fits its outline, draws its reports only, and the export link gives the same reports (read back from the
    CSV); « toute la zone » brings the zone back."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(browser, 60, poll_frequency=0.25, ignored_exceptions=(StaleElementReferenceException,))
    log_in(browser, server, wait)
    place = Select(browser.find_element(By.CSS_SELECTOR, "#hs-filtres select[name=lieu]"))
    assert [text_of(o) for o in place.options] == ["toute la zone", "Seraing", "Neupré", *SECTOR_LABELS.values()]
    whole = browser.execute_script("var b = window.hotspotsMap.getBounds(); return [b.getWest(), b.getEast()]")
    width = "var b = window.hotspotsMap.getBounds(); return b.getEast() - b.getWest()"
    loads = "return ['points_sensibles', 'axes'].map(n => hotspotsLayers[n]).map(l => l.chargee && l.chargements)"
    wait.until(lambda d: all(d.execute_script(loads)))
    before = browser.execute_script(loads)
    classes = "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.getAttribute('class'))"
    zone_classes = sorted(browser.execute_script(classes, "path.hs-point-sensible-centre"))
    assert zone_classes and not browser.find_elements(By.CSS_SELECTOR, ".hs-hors-lieu")
    browser.execute_script(  # the quarter's forecast too: its cells of other places are faded alike
        "[...document.querySelectorAll('.leaflet-control-layers-overlays label')]"
        ".find(l => l.textContent.trim().startsWith('Prévision du trimestre')).querySelector('input').click();"
    )
    forecast_loads = "return hotspotsLayers.prevision.chargee && hotspotsLayers.prevision.chargements"
    wait.until(lambda d: d.execute_script(forecast_loads))
    forecast_before = browser.execute_script(forecast_loads)
    place.select_by_visible_text("4102 Ougrée")
    browser.execute_script("document.getElementById('hs-filtres').requestSubmit()")
    wait.until(lambda d: (d.execute_script("return window.hotspotsLieu") or {}).get("lieu") == "4102")
    assert browser.execute_script("return window.hotspotsLieu.contours") == 1
    # its outline drawn, dashed in the service's blue, as the legend says
    outline = browser.find_elements(By.CSS_SELECTOR, "path.hs-lieu-contour")
    assert len(outline) == 1 and outline[0].get_attribute("stroke") == "#1f4e79"
    assert outline[0].get_attribute("stroke-dasharray") == "8 6"
    assert "lieu choisi dans les filtres" in text_of(browser.find_element(By.ID, "hs-legende"))
    assert browser.execute_script("return window.location.hash") == "#lieu=4102"  # a link to keep
    wait.until(lambda d: d.execute_script("return window.hotspotsMap.getCenter().lng") > 5.52)  # Ougrée, east
    west, east = browser.execute_script("var b = window.hotspotsMap.getBounds(); return [b.getWest(), b.getEast()]")
    assert east - west < (whole[1] - whole[0]) * 0.75, (whole, west, east)
    href = browser.find_element(By.ID, "hs-export-csv").get_attribute("href")
    assert "lieu=4102" in href, href
    printed = browser.find_element(By.ID, "hs-export-pdf")
    assert text_of(printed) == "à imprimer (PDF)" and "format=pdf" in printed.get_attribute("href")
    assert "lieu=4102" in printed.get_attribute("href")
    status, kind = browser.execute_script(
        "return fetch(arguments[0]).then(r => [r.status, r.headers.get('content-type')])", printed.get_attribute("href")
    )
    assert (status, kind) == (200, "application/pdf")
    text = browser.execute_script("return fetch(arguments[0]).then(r => r.text())", href)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert (
        len(rows) > 50 and {r["Code postal"] for r in rows} == {"4102"} and {r["Section"] for r in rows} == {"Ougrée"}
    )
    shown = wait.until(
        lambda d: d.execute_script(
            "return fetch('/api/carte/signalements?bbox=5.3,50.4,5.7,50.7&zoom=10&lieu=4102&depuis=' + arguments[0])"
            ".then(r => r.json()).then(b => b.total)",
            browser.find_element(By.CSS_SELECTOR, "#hs-filtres input[name=depuis]").get_attribute("value"),
        )
    )
    on_map = [r for r in rows if r["Latitude"] and not r["Doublon de"] and not r["Renvoyé"]]  # as the map counts
    assert shown == len(on_map) > 50, (shown, len(on_map))
    # the sensitive points and axes of other places stay drawn, faded; those of 4102 (the server's rule) as before,
    # each in the priority colour of its rank in the whole zone
    wait.until(lambda d: all(n and n > m for n, m in zip(d.execute_script(loads), before, strict=True)))
    ids = "return fetch(arguments[0]).then(r => r.json()).then(c => c.features.map(f => f.properties.id))"
    points_here = browser.execute_script(ids, "/api/points-sensibles?lieu=4102")
    axes_here = browser.execute_script(ids, "/api/axes?lieu=4102")
    all_axes = browser.execute_script(ids, "/api/axes")
    assert 0 < len(points_here) < len(zone_classes) and 0 < len(axes_here) < len(all_axes)
    kept = browser.execute_script(classes, "path.hs-point-sensible-centre:not(.hs-hors-lieu)")
    assert sorted(w[6:] for c in kept for w in c.split() if w.startswith("hs-ps-")) == sorted(
        re.sub(r"\W", "_", i) for i in points_here
    )
    faded = browser.find_elements(By.CSS_SELECTOR, "path.hs-point-sensible-centre.hs-hors-lieu")
    assert len(faded) == len(zone_classes) - len(points_here)
    assert {e.get_attribute("fill-opacity") for e in faded} == {"0.12"}
    assert (
        sorted(c.replace(" hs-hors-lieu", "") for c in browser.execute_script(classes, "path.hs-point-sensible-centre"))
        == zone_classes
    )
    assert len(browser.find_elements(By.CSS_SELECTOR, "path.hs-axe:not(.hs-hors-lieu)")) == len(axes_here)
    faded_axes = browser.find_elements(By.CSS_SELECTOR, "path.hs-axe.hs-hors-lieu")
    assert len(faded_axes) == len(all_axes) - len(axes_here)
    assert {e.get_attribute("stroke-opacity") for e in faded_axes} == {"0.35"}
    assert "hors du lieu choisi (estompé)" in text_of(browser.find_element(By.ID, "hs-legende"))
    wait.until(lambda d: d.execute_script(forecast_loads) > forecast_before)
    # the forecast: the place's own cells, ranked among themselves (Ougrée is dense: its first tenth is also among
    # the zone's first; a rural commune's is not, tests/test_maps.py), its shares' blues, and the legend says how
    # they are ranked
    layer = "return fetch(arguments[0]).then(r => r.json())"
    here, zone_layer = (browser.execute_script(layer, url) for url in ("/api/prevision?lieu=4102", "/api/prevision"))
    zone_first_here = [f for f in here["features"] if f["properties"]["rang_zone"] <= len(zone_layer["features"])]
    assert here["prevision"]["lieu"]["classement"] == "lieu"
    assert 0 < len(zone_first_here) <= len(here["features"]) == len({f["properties"]["rang"] for f in here["features"]})
    cells = browser.find_elements(By.CSS_SELECTOR, "path.hs-prevision")
    assert len(cells) == len(here["features"]) and not browser.find_elements(
        By.CSS_SELECTOR, "path.hs-prevision.hs-hors-lieu"
    )
    assert all("hs-prevision-lieu" in c.get_attribute("class") for c in cells)
    blues = {(p["couleur"], p["opacite"]) for p in STYLE["prevision"].values()}
    assert {(c.get_attribute("fill"), float(c.get_attribute("fill-opacity"))) for c in cells} == blues
    said = re.sub(
        r"[\u00a0\u202f]", " ", text_of(browser.find_element(By.CSS_SELECTOR, "#hs-legende .hs-prevision-controle"))
    )
    mailles = f"{here['prevision']['lieu']['mailles']:,}".replace(",", " ")
    assert (
        f"À 4102 Ougrée : ses {mailles} mailles, classées entre elles ; dessinées, les 1 %, 5 % et 10 % du lieu" in said
    ), said
    # checked on its own cells: the place's check, not the zone's
    assert said.startswith("À 4102 Ougrée : ses "), said
    assert "cette prévision mettait dans ses 1 %, 5 % et 10 % du lieu " in said, said
    assert here["prevision"]["lieu"]["controle"]["signalements"] < zone_layer["prevision"]["controle"]["signalements"]
    place.select_by_visible_text("toute la zone")
    browser.execute_script("document.getElementById('hs-filtres').requestSubmit()")
    wait.until(lambda d: (d.execute_script("return window.hotspotsLieu") or {}).get("lieu") == "")
    wait.until(lambda d: d.execute_script(width) > (whole[1] - whole[0]) * 0.9)  # the zone again
    assert not browser.find_elements(By.CSS_SELECTOR, "path.hs-lieu-contour")
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".hs-hors-lieu"))  # nothing faded on the whole zone
    assert browser.execute_script("return window.location.hash") == ""
    # a link (or a bookmark) to the map of a place opens it on that place, filters set
    browser.execute_script("window.location.hash = 'lieu=4121'; window.location.reload()")
    wait.until(lambda d: (d.execute_script("return window.hotspotsLieu") or {}).get("lieu") == "4121")

    def place_select() -> Select:
        return Select(browser.find_element(By.CSS_SELECTOR, "#hs-filtres select[name=lieu]"))

    assert text_of(place_select().first_selected_option) == "4121 Neuville-en-Condroz"
    assert "lieu=4121" in browser.find_element(By.ID, "hs-export-csv").get_attribute("href")
    assert len(browser.find_elements(By.CSS_SELECTOR, "path.hs-lieu-contour")) == 1
    # and framed on it, not left on the zone (the zone's first fit must not swallow the place's)
    wait.until(lambda d: d.execute_script(width) < (whole[1] - whole[0]) * 0.75)
    # a link to another place followed on the open map (no new page): the filters and the frame follow
    browser.execute_script("window.location.hash = 'lieu=4122'")
    wait.until(lambda d: (d.execute_script("return window.hotspotsLieu") or {}).get("lieu") == "4122")
    assert text_of(place_select().first_selected_option) == "4122 Plainevaux"
    assert "lieu=4122" in browser.find_element(By.ID, "hs-export-csv").get_attribute("href")


def test_a_planner_settles_the_addresses_to_review_on_the_map(server, browser, conn, captures):
    """The « Adresses à vérifier » panel: its count, a doubt's proposals drawn as numbered markers, one accepted
    from its popup, then another doubt's point placed by a click on the map; the database follows each answer."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60, poll_frequency=0.25, ignored_exceptions=(StaleElementReferenceException,))
    log_in(browser, server, wait)

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
    assert text_of(panel.find_element(By.TAG_NAME, "summary")) == f"Adresses à vérifier ({len(waiting)})"
    panel.find_element(By.TAG_NAME, "summary").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#hs-verifs-liste li"))
    items = browser.find_elements(By.CSS_SELECTOR, "#hs-verifs-liste li")
    assert len(items) == min(20, len(waiting))
    review_id, report_id, n_proposals = waiting[0]
    assert text_of(items[0]).startswith(f"signalement n° {report_id} — « ")
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
    assert text_of(popup[0]) == "Accepter cette adresse"
    # where the proposal stands and how sure the match is, in words (it said « rue, score 0,6 »)
    said = text_of(browser.find_element(By.CSS_SELECTOR, ".hs-verif-popup"))
    assert re.search(
        r"(adresse officielle|milieu de la rue|carrefour|numéro placé entre deux adresses voisines"
        r"|centre de la section|centre de la commune|centre du code postal) ; confiance \d",
        said,
    ), said
    opaque = "return getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    wait.until(lambda d: d.execute_script(opaque))  # the popup has faded in (the README's screenshot)
    capture(browser, captures, "6-adresse-a-verifier", browser.get_screenshot_as_png())
    popup[0].click()
    wait.until(lambda d: state().get("reglees") == 1 or state().get("erreur"))
    assert state()["erreur"] is None and state()["derniere"]["verification"] == review_id
    label = conn.execute("SELECT alternatives->0->>'libelle' FROM geocode_reviews WHERE id = %s", (review_id,))
    row = conn.execute("SELECT geocode_status, geocode_label FROM reports WHERE id = %s", (report_id,)).fetchone()
    assert row == ("manuel", label.fetchone()[0])
    wait.until(lambda d: text_of(d.find_element(By.ID, "hs-verifs-compte")) == f"({len(waiting) - 1})")
    assert "réglée : signalement n° " + str(report_id) in status_line(browser)
    # the next one placed by hand: a click on the map beside its proposals, confirmed in the popup; the map's
    # filter first opened to every report of the demo (two years), whatever the date of this one
    browser.execute_script(
        "var f = document.getElementById('hs-filtres'); f.elements.depuis.value = arguments[0]; f.requestSubmit();",
        str(date.today() - timedelta(days=1100)),
    )
    # the register export follows the filter: those days in a spreadsheet, with the session of the page
    link = browser.find_element(By.ID, "hs-export-xlsx")
    assert text_of(link) == "XLSX"
    href = link.get_attribute("href")
    assert f"depuis={date.today() - timedelta(days=1100)}" in href and "format=xlsx" in href
    fetched = browser.execute_script(
        "return fetch(arguments[0]).then(r => r.arrayBuffer().then(b => [r.status, b.byteLength]))", href
    )
    assert fetched[0] == 200 and fetched[1] > 10_000, fetched
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
    assert text_of(confirm[0]) == "Placer le point ici"
    confirm[0].click()
    wait.until(lambda d: state().get("reglees") == 2 or state().get("erreur"))
    assert state()["erreur"] is None and state()["derniere"]["libelle"] is None
    placed = conn.execute(
        "SELECT geocode_status, ST_Distance(geom, ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), 31370)) "
        "FROM reports WHERE id = %s",
        (*aimed, report_id),
    ).fetchone()
    assert placed[0] == "manuel" and placed[1] < 5, placed  # within a few metres of the pixel clicked
    # and the map draws the report there at once (one dot per report from zoom 16)
    drawn_there = (
        "var m = window.hotspotsMap, r = m.getContainer().getBoundingClientRect();"
        "var at = m.latLngToContainerPoint([arguments[1], arguments[0]]), x = r.left + at.x, y = r.top + at.y;"
        "return [...document.querySelectorAll('path.hs-signalement')].some(p => { var b = p.getBoundingClientRect();"
        " return Math.hypot(b.left + b.width / 2 - x, b.top + b.height / 2 - y) < 6; });"
    )
    assert browser.execute_script("return window.hotspotsMap.getZoom()") >= 16
    wait.until(lambda d: d.execute_script(drawn_there, *aimed))
    assert conn.execute("SELECT resolved_at IS NOT NULL FROM geocode_reviews WHERE id = %s", (review_id,)).fetchone()[0]
    assert not browser.find_elements(By.CSS_SELECTOR, ".leaflet-marker-pane .hs-proposition")  # the markers go
    # a permit placed at the register's address while the yard is elsewhere: its popup sends it back too
    browser.execute_script(
        "[...document.querySelectorAll('.leaflet-control-layers-overlays label')]"
        ".find(l => l.textContent.trim() === 'Permis').querySelector('input').click();"
        "window.hotspotsMap.setView([50.58, 5.51], 13, {animate: false});"
    )
    click = "var e = document.querySelector(arguments[0]); if (e) e.click(); return !!e;"
    wait.until(lambda d: d.execute_script(click, ".leaflet-marker-pane .hs-permis"))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup table.hs-nuisances"))  # loaded, then
    rows = {
        text_of(tr.find_element(By.TAG_NAME, "th")): text_of(tr.find_element(By.TAG_NAME, "td"))
        for tr in browser.find_elements(By.CSS_SELECTOR, ".leaflet-popup table:first-of-type tr")
    }
    # its opening hours as the register gives them (or the service's), and « Rendez-vous ici » for a booked check
    reference = text_of(browser.find_element(By.CSS_SELECTOR, ".leaflet-popup h3")).removeprefix("Permis ")
    (hours,) = conn.execute("SELECT opening_hours FROM permits WHERE reference = %s", (reference,)).fetchone()
    assert rows["Heures d'ouverture"] == (hours or "celles du service (réglage)"), (reference, rows)
    assert (
        text_of(browser.find_element(By.CSS_SELECTOR, ".leaflet-popup button.hs-rdv-ici"))
        == "Rendez-vous ici (tournée)"
    )
    doubt = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup .hs-doute button"))[0]
    assert text_of(doubt) == "Remettre à vérifier"
    wait.until(lambda d: d.execute_script(click, ".leaflet-popup .hs-doute button"))
    wait.until(lambda d: state().get("doutes") == 1 or state().get("erreur"))
    assert state()["erreur"] is None
    permit_id = conn.execute(
        "SELECT target_id FROM geocode_reviews WHERE target = 'permits' AND resolved_at IS NULL"
    ).fetchone()[0]
    assert f"Permis n° {permit_id} remis à vérifier" in status_line(browser)
    assert conn.execute("SELECT geocode_status FROM permits WHERE id = %s", (permit_id,)).fetchone() == ("a_verifier",)


def test_on_a_phone_a_planner_sends_a_misplaced_report_back_and_keeps_it_where_it_was(server, browser, conn):
    """A report placed with confidence but doubted on the spot: from its popup (« Remettre à vérifier », with a
    reason), its proposals are drawn at once — its current place as 1, the addresses around it after — and stay on
    the map while a proposal's popup folds the panels of the phone; « Le laisser ici » settles it where it was."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60, poll_frequency=0.25, ignored_exceptions=(StaleElementReferenceException,))
    _screen(browser, 390, 844, mobile=True)
    log_in(browser, server, wait)
    report_id, lon, lat, before, x, y = conn.execute(
        "SELECT r.id, ST_X(ST_Transform(r.geom, 4326)), ST_Y(ST_Transform(r.geom, 4326)), ST_AsText(r.geom), "
        "ST_X(r.geom), ST_Y(r.geom) "
        "FROM reports r WHERE r.geocode_status = 'geocode' AND r.geocode_level = 'adresse' "
        "AND r.observed_at > now() - interval '60 days' ORDER BY r.observed_at DESC LIMIT 1"
    ).fetchone()

    def state() -> dict:
        return browser.execute_script("return JSON.parse(JSON.stringify(window.hotspotsVerifications || {}))")

    wait.until(lambda d: state().get("total") is not None)
    browser.execute_script("window.hotspotsMap.setView([arguments[1], arguments[0]], 18, {animate: false})", lon, lat)
    dot = (
        "var m = window.hotspotsMap, r = m.getContainer().getBoundingClientRect();"
        "var at = m.latLngToContainerPoint([arguments[1], arguments[0]]), x = r.left + at.x, y = r.top + at.y;"
        "return [...document.querySelectorAll('path.hs-signalement')].find(p => { var b = p.getBoundingClientRect();"
        " return Math.hypot(b.left + b.width / 2 - x, b.top + b.height / 2 - y) < 3; }) || null;"
    )
    wait.until(lambda d: d.execute_script(dot, lon, lat))
    browser.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", browser.execute_script(dot, lon, lat)
    )
    form = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup .hs-doute"))[0]
    assert text_of(browser.find_element(By.CSS_SELECTOR, ".leaflet-popup h3")).startswith("Signalement n° ")
    # where the address register puts it, named as the « Lieu » filter names it
    (code,) = nearest_postcodes(conn, [report_id], [x], [y]).values()
    place = browser.find_element(By.XPATH, "//div[contains(@class, 'leaflet-popup')]//tr[th='Lieu (registre)']/td")
    assert text_of(place) == SECTOR_LABELS[code]
    assert text_of(form.find_element(By.TAG_NAME, "button")) == "Remettre à vérifier"
    form.find_element(By.TAG_NAME, "input").send_keys("dépôt en face")
    form.find_element(By.TAG_NAME, "button").click()
    wait.until(lambda d: state().get("doutes") == 1 or state().get("erreur"))
    assert state()["erreur"] is None
    review_id, reason, n = conn.execute(
        "SELECT id, reason, jsonb_array_length(alternatives) FROM geocode_reviews "
        "WHERE target = 'reports' AND target_id = %s AND resolved_at IS NULL",
        (report_id,),
    ).fetchone()
    assert reason == "placement mis en doute par test.planificateur : dépôt en face" and n >= 2
    assert conn.execute("SELECT geocode_status FROM reports WHERE id = %s", (report_id,)).fetchone() == ("a_verifier",)
    # the proposals are drawn at once, numbered, and the panel opens on the list
    wait.until(lambda d: state().get("ouverte") == review_id)
    markers = browser.find_elements(By.CSS_SELECTOR, ".leaflet-marker-pane .hs-proposition span")
    assert [m.text for m in markers] == [str(i) for i in range(1, n + 1)]
    assert browser.execute_script("return document.querySelector('#hs-verifs details').open") is True
    assert f"Signalement n° {report_id} remis à vérifier (vérification n° {review_id})" in status_line(browser)
    # proposal 1's popup folds the panels of the phone; the proposals stay, and « Le laisser ici » settles it
    browser.execute_script("arguments[0].click()", markers[0])
    popup = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".hs-verif-popup"))[0]
    assert text_of(popup.find_element(By.TAG_NAME, "h3")) == "Proposition 1 (position actuelle)"
    time.sleep(0.5)  # the panels fold after the popup opens
    assert not browser.execute_script("return document.querySelector('#hs-verifs details').open")
    assert len(browser.find_elements(By.CSS_SELECTOR, ".leaflet-marker-pane .hs-proposition")) == n
    button = popup.find_element(By.TAG_NAME, "button")
    assert text_of(button) == "Le laisser ici"
    button.click()
    wait.until(lambda d: state().get("reglees") == 1 or state().get("erreur"))
    assert state()["erreur"] is None
    row = conn.execute("SELECT geocode_status, ST_AsText(geom) FROM reports WHERE id = %s", (report_id,)).fetchone()
    assert row[0] == "manuel" and row[1] == before


def test_on_a_phone_a_visit_recorded_without_network_is_kept_and_sent_once_when_it_comes_back(server, browser, conn):
    """In a dead zone the officer records the visit of a sensitive point from its popup: the phone keeps it (said in
    the form and in the header; nothing reaches the service), then sends it when the network comes back — once,
    under the key the phone gave it — and says so."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 90, poll_frequency=0.25, ignored_exceptions=(StaleElementReferenceException,))
    _screen(browser, 390, 844, mobile=True)
    log_in(browser, server, wait)
    wait.until(lambda d: d.execute_script("return !!window.hotspotsAttente"))
    point = conn.execute("SELECT id FROM sensitive_points WHERE state <> 'resolu' ORDER BY priority DESC LIMIT 1")
    point = point.fetchone()[0]
    before = conn.execute("SELECT count(*) FROM visits WHERE point_id = %s", (point,)).fetchone()[0]
    centre = f"path.hs-point-sensible-centre.hs-ps-{point.replace('-', '_')}"
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, centre))
    browser.execute_script(
        "document.querySelector(arguments[0]).dispatchEvent(new MouseEvent('click', {bubbles: true}))", centre
    )
    form = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content form.hs-visite"))[0]
    with offline(browser):
        form.find_element(By.NAME, "notes").send_keys("Dépôt enlevé, riverain averti")
        browser.execute_script("arguments[0].value = 'avertissement'", form.find_element(By.NAME, "resultat"))
        form.find_element(By.CSS_SELECTOR, "button").click()
        wait.until(lambda d: "Pas de réseau" in text_of(d.find_element(By.CSS_SELECTOR, ".hs-retour")))
        said = text_of(browser.find_element(By.CSS_SELECTOR, ".hs-retour"))
        assert said == "Pas de réseau : visite gardée sur cet appareil, envoyée dès que le réseau revient."
        assert "1 visite gardée sur cet appareil, envoyée dès que le réseau revient." in status_line(browser)
        kept = browser.execute_script("return JSON.parse(localStorage.getItem('hotspots.visites_en_attente'))")
        assert len(kept) == 1 and kept[0]["login"] == "test.planificateur" and kept[0]["lieu"] == f"point {point}"
        assert kept[0]["body"]["resultat"] == "avertissement" and len(kept[0]["body"]["identifiant"]) >= 8
        time.sleep(1)
        assert conn.execute("SELECT count(*) FROM visits WHERE point_id = %s", (point,)).fetchone()[0] == before
    # the network is back: the kept visit goes, once
    wait.until(lambda d: d.execute_script("return window.hotspotsAttente.envoyees") == 1)
    stored = conn.execute(
        "SELECT id, outcome, notes, natural_key FROM visits WHERE point_id = %s ORDER BY id DESC", (point,)
    ).fetchall()
    assert len(stored) == before + 1
    visit_id, outcome, notes, key = stored[0]
    assert (outcome, notes, key) == (
        "avertissement",
        "Dépôt enlevé, riverain averti",
        "terrain-" + kept[0]["body"]["identifiant"],
    )
    assert f"envoyée : n° {visit_id}" in status_line(browser) and "gardée sur cet appareil" not in status_line(browser)
    assert browser.execute_script("return JSON.parse(localStorage.getItem('hotspots.visites_en_attente'))") == []
    # a kept visit whose point is gone meanwhile (a re-analysis merged it): said with what was encoded, then dropped
    gone = {
        "url": "/api/points-sensibles/PS-999999/visites",
        "lieu": "point PS-999999",
        "login": "test.planificateur",
        "body": {"date": "2026-11-30T10:15", "resultat": "pv", "notes": "Sacs éventrés", "identifiant": "vtest00001"},
    }
    browser.execute_script("localStorage.setItem('hotspots.visites_en_attente', JSON.stringify([arguments[0]]))", gone)
    browser.refresh()
    wait.until(lambda d: d.execute_script("return window.hotspotsAttente && window.hotspotsAttente.refusees") == 1)
    said = status_line(browser)
    assert (
        "Visite gardée du 30/11/2026 (point PS-999999, Procès-verbal : « Sacs éventrés ») refusée par le service"
        in said
    )
    assert "refusée par le service : Aucun point sensible « PS-999999 ». " in said and "Encodez-la à nouveau." in said
    assert browser.execute_script("return JSON.parse(localStorage.getItem('hotspots.visites_en_attente'))") == []


#: A stop's marker clicked by its number (the markers are drawn again at each zoom: found anew at each try).
_CLICK_STOP = (
    "var s = [...document.querySelectorAll('.leaflet-marker-pane .hs-arret span')]"
    ".find(e => e.textContent === arguments[0]); if (s) s.click(); return !!s;"
)
#: Whether the one stop popup open is that stop's, with its visit form.
_STOP_OPENED = (
    "var p = document.querySelectorAll('.hs-arret-popup'); return p.length === 1 && "
    "p[0].querySelector('h3').textContent.startsWith(arguments[0] + '. ') && !!p[0].querySelector('form')"
)


def _shift_on_a_phone(browser, server, wait) -> dict:
    """A two-hour shift of one team planned through the API, opened by its link (/carte#tournee=N, as its sheet's)
    on a phone-sized page and drawn: its summary."""
    _screen(browser, 390, 844, mobile=True)
    log_in(browser, server, wait)
    plan = _shift_by_api(browser, {"duree": "2h", "equipes": 1})
    assert "plan_id" in plan, plan
    browser.get(f"{server}/carte#tournee={plan['plan_id']}")
    browser.refresh()  # (the same page: a new hash alone does not load it again)
    wait.until(lambda d: d.execute_script("return window.hotspotsTournee && window.hotspotsTournee.etat") == "dessinee")
    return plan


def _open_stop(browser, wait, order: str) -> None:
    """The popup of stop ``order`` (« 1 », « 2 ») opened from its marker, the one popup open."""
    browser.execute_script("window.hotspotsMap.closePopup()")
    wait.until(lambda d: d.execute_script(_CLICK_STOP, order))
    wait.until(lambda d: d.execute_script(_STOP_OPENED, order))


@pytest.mark.parametrize("device_zone", ["Pacific/Kiritimati"])  # UTC+14: never the service's hour, nor its day
def test_on_a_phone_an_officer_records_a_stop_of_the_shift_from_its_marker(server, browser, conn, captures):
    """The shift opened on the phone (/carte#tournee=N): a stop's popup carries the visit form; the outcome goes
    to the stop, the popup says « Fait : oui — Nettoyé », and the shift counts the stop as done. The phone is set
    to a time zone 13 hours from the service's: the form's date and the hours shown are the service's (a visit
    dated by the phone's clock was the day before its shift, and refused, on a device late in the evening)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 90, poll_frequency=0.25, ignored_exceptions=(StaleElementReferenceException,))
    plan = _shift_on_a_phone(browser, server, wait)
    first = conn.execute(
        "SELECT id, ref FROM plan_stops WHERE plan_id = %s ORDER BY team, ord LIMIT 1", (plan["plan_id"],)
    ).fetchone()
    _open_stop(browser, wait, "1")
    # « Y aller »: the phone's navigation app opened on the stop (a geo: link at its place, named after it)
    lat, lon, label = conn.execute(
        "SELECT ST_Y(ST_Transform(geom, 4326)), ST_X(ST_Transform(geom, 4326)), label FROM plan_stops WHERE id = %s",
        (first[0],),
    ).fetchone()
    go = browser.find_element(By.CSS_SELECTOR, ".hs-arret-popup .hs-y-aller a")
    assert text_of(go) == "Y aller (GPS du téléphone)"
    found = re.fullmatch(r"geo:([-\d.]+),([-\d.]+)\?q=\1,\2\((.*)\)", go.get_attribute("href"))
    assert found, go.get_attribute("href")
    assert [float(found[1]), float(found[2])] == pytest.approx([lat, lon], abs=1e-6)
    assert urllib.parse.unquote(found[3]) == label
    # the stop's form was made when the shift was drawn: reopened hours later, it takes the time again
    old = "document.querySelector('.hs-arret-popup form.hs-visite').elements.date.value = '2026-01-05T08:00'"
    browser.execute_script(old)
    _open_stop(browser, wait, "1")
    form = browser.find_element(By.CSS_SELECTOR, ".hs-arret-popup form.hs-visite")
    fait = browser.find_element(By.CSS_SELECTOR, ".hs-arret-popup .hs-fait td")
    assert text_of(fait) == "non"
    browser.execute_script("arguments[0].value = 'nettoye'", form.find_element(By.NAME, "resultat"))
    agent = form.find_element(By.NAME, "agent")
    assert agent.get_attribute("value") == "Agent planificateur"  # the officer logged in, by default
    here = datetime.now(BRUSSELS)
    typed = datetime.fromisoformat(form.find_element(By.NAME, "date").get_attribute("value")).replace(tzinfo=BRUSSELS)
    assert abs(typed - here) < timedelta(minutes=2), (typed, here)  # now, at the service (not on the phone)
    filters = "return [HotspotsCarte.nextDay('2026-12-02'), HotspotsCarte.nextDay('2026-12-31')]"
    assert browser.execute_script(filters) == ["2026-12-03", "2027-01-01"]  # « jusqu'au » takes its own day
    # a time without an offset (the form's, a day field's) is the service's wall clock, shown as written; one with
    # an offset is shown at the service (23:23 in UTC is 00:23 the next day in Brussels)
    shown = (
        "const H = HotspotsCarte; return [H.day('2026-12-04T23:23'), H.hour('2026-12-04T23:23'), "
        "H.day('2026-12-04'), H.day('2026-12-04T23:23:00+00:00'), H.hour('2026-12-04T23:23:00Z')]"
    )
    assert browser.execute_script(shown) == ["04/12/2026", "23:23", "04/12/2026", "05/12/2026", "00:23"]
    agent.clear()
    agent.send_keys("INP Lambert")
    form.find_element(By.CSS_SELECTOR, "button").click()
    wait.until(lambda d: "Visite enregistrée" in text_of(d.find_element(By.CSS_SELECTOR, ".hs-arret-popup .hs-retour")))
    done = text_of(browser.find_element(By.CSS_SELECTOR, ".hs-arret-popup .hs-fait td"))
    hours = {f"{t:%H:%M}" for t in (here, datetime.now(BRUSSELS))}  # (a minute may turn meanwhile)
    assert any(done == f"oui — Nettoyé ({h})" for h in hours), (done, hours)
    opaque = "return getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    wait.until(lambda d: d.execute_script(opaque))
    # the popup grew with the confirmation: still whole under the buttons at the top (it rose under them)
    clear = (
        "const p = document.querySelector('.leaflet-popup').getBoundingClientRect(); return "
        "[...document.querySelectorAll('.leaflet-top .leaflet-control')].filter(c => c.offsetParent)"
        ".map(c => c.getBoundingClientRect()).filter(c => c.left < p.right && c.right > p.left)"
        ".map(c => p.top - c.bottom)"
    )
    assert len(browser.execute_script(clear)) >= 2  # the zoom buttons and the layer list stand above it
    wait.until(lambda d: min(d.execute_script(clear)) >= 0)
    capture(browser, captures, "7-arret-au-telephone", browser.get_screenshot_as_png())  # the README's screenshot
    visit = conn.execute("SELECT outcome, officer FROM visits WHERE plan_stop_id = %s", (first[0],)).fetchall()
    assert visit == [("nettoye", "INP Lambert")]
    # the second stop in a dead zone: kept on the phone, said in its popup, sent when the network comes back
    second = conn.execute(
        "SELECT id FROM plan_stops WHERE plan_id = %s ORDER BY team, ord OFFSET 1 LIMIT 1", (plan["plan_id"],)
    ).fetchone()[0]
    _open_stop(browser, wait, "2")
    form = browser.find_element(By.CSS_SELECTOR, ".hs-arret-popup form.hs-visite")
    browser.execute_script("arguments[0].value = 'rien_constate'", form.find_element(By.NAME, "resultat"))
    with offline(browser):
        form.find_element(By.CSS_SELECTOR, "button").click()
        done = ".hs-arret-popup .hs-fait td"
        wait.until(lambda d: "gardé sur le téléphone" in text_of(d.find_element(By.CSS_SELECTOR, done)))
        assert text_of(browser.find_element(By.CSS_SELECTOR, done)).startswith("oui — Rien constaté, gardé sur le")
        assert conn.execute("SELECT count(*) FROM visits WHERE plan_stop_id = %s", (second,)).fetchone() == (0,)
    wait.until(lambda d: d.execute_script("return window.hotspotsAttente.envoyees") == 1)
    assert conn.execute("SELECT outcome FROM visits WHERE plan_stop_id = %s", (second,)).fetchall() == [
        ("rien_constate",)
    ]
    listed = browser.execute_async_script(
        "const done = arguments[1]; fetch('/api/tournees', {credentials: 'same-origin'}).then(r => r.json())"
        ".then(l => done(l.find(p => p.id === arguments[0])), e => done({erreur: String(e)}));",
        plan["plan_id"],
    )
    assert listed["done"] == 2, listed


def test_on_a_phone_a_visit_to_a_shift_cancelled_meanwhile_goes_to_its_site_and_says_so(server, browser, conn):
    """The team is out with the shift on the phone when the office cancels it: a visit kept in a dead zone, and one
    sent from a popup drawn before the cancellation, were refused for good (« Encodez-la à nouveau »), though the
    team was there. Both are now recorded at the stop's site, outside the shift, and the phone says where: in the
    header for the kept one, in the form and in the popup's « Fait » for the other."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from service.plan import cancel_plan

    wait = WebDriverWait(browser, 90, poll_frequency=0.25, ignored_exceptions=(StaleElementReferenceException,))
    plan = _shift_on_a_phone(browser, server, wait)
    stops = conn.execute(
        "SELECT ref, site_id FROM plan_stops WHERE plan_id = %s ORDER BY team, ord LIMIT 2", (plan["plan_id"],)
    ).fetchall()

    # the form's button pressed by script: the popup still pans into view after it opens, and a click at the
    # button's place may land on the field above it
    def send(form):
        browser.execute_script("arguments[0].click()", form.find_element(By.CSS_SELECTOR, "button"))

    _open_stop(browser, wait, "1")
    form = browser.find_element(By.CSS_SELECTOR, ".hs-arret-popup form.hs-visite")
    browser.execute_script("arguments[0].value = 'avertissement'", form.find_element(By.NAME, "resultat"))
    with offline(browser):
        send(form)
        wait.until(lambda d: "Pas de réseau" in text_of(d.find_element(By.CSS_SELECTOR, ".hs-arret-popup .hs-retour")))
        cancelled = cancel_plan(conn, plan["plan_id"], actor="test.bureau")  # at the office, meanwhile
        conn.commit()
    wait.until(lambda d: d.execute_script("return window.hotspotsAttente.envoyees") == 1)
    assert browser.execute_script("return window.hotspotsAttente.refusees") == 0
    when = f"{cancelled.tz_convert('Europe/Brussels'):%d/%m/%Y à %H:%M}"
    outside = f"La tournée n° {plan['plan_id']} a été annulée le {when} : visite rattachée au site"
    said = status_line(browser)
    assert f"{outside} {stops[0][1]}, hors tournée." in said, said
    recorded = conn.execute(
        "SELECT outcome, plan_stop_id, site_ref, extra ->> 'arret_tournee_annulee' FROM visits "
        "WHERE extra ->> 'arret_tournee_annulee' IN (%s, %s) ORDER BY id",
        (stops[0][0], stops[1][0]),
    ).fetchall()
    assert recorded == [("avertissement", None, stops[0][1], stops[0][0])]
    # the second stop's popup, drawn before the cancellation, still has its form: sent, the visit goes to its site
    _open_stop(browser, wait, "2")
    form = browser.find_element(By.CSS_SELECTOR, ".hs-arret-popup form.hs-visite")
    browser.execute_script("arguments[0].value = 'rien_constate'", form.find_element(By.NAME, "resultat"))
    send(form)
    back = ".hs-arret-popup .hs-retour"
    wait.until(lambda d: "Visite enregistrée" in text_of(d.find_element(By.CSS_SELECTOR, back)))
    assert text_of(browser.find_element(By.CSS_SELECTOR, back)).endswith(f"{outside} {stops[1][1]}, hors tournée.")
    done = text_of(browser.find_element(By.CSS_SELECTOR, ".hs-arret-popup .hs-fait td"))
    assert done == f"hors tournée (annulée) — Rien constaté, au site {stops[1][1]}", done
    count = "SELECT count(*) FROM visits v JOIN plan_stops s ON s.id = v.plan_stop_id WHERE s.plan_id = %s"
    assert conn.execute(count, (plan["plan_id"],)).fetchone() == (0,)  # the shift stays cancelled, with no visit
