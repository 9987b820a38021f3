"""The planning map in a real browser (see :mod:`tests.browser`): logs in through the form, waits for every layer,
counts what each one drew, opens a sensitive point and records a visit, and fails on a blank map or a missing layer;
without internet tiles it falls back to its own background; the page runs under its security policy.
"""

from __future__ import annotations

import math
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import shapely.geometry

from service.labels import STATE_LABELS, TREND_LABELS
from service.maps.page import STYLE
from tests.browser import (
    LAYERS,
    NEEDS_CHROMIUM,
    FailingTiles,
    capture,
    check_content_security_policy,
    csp_violations,
    fetch_json,
    layers_state,
    log_in,
    map_ready,
    screenshot_stats,
    serving,
    status_line,
    text_of,
)
from tests.conftest import PASSWORDS

pytestmark = NEEDS_CHROMIUM

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


def loads_of(layer: str) -> str:
    """The script that reads how many times ``layer`` has loaded."""
    return f"return window.hotspotsLayers.{layer}.chargements"


def test_the_planning_map_draws_every_layer(server, browser, tmp_path, conn, captures):
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    # a popup is drawn again when its content arrives or its layer reloads: an element read meanwhile is stale, and
    # is read again
    wait = WebDriverWait(browser, 60, poll_frequency=0.25, ignored_exceptions=(StaleElementReferenceException,))
    browser.get(server + "/carte")
    assert "/connexion?suite=/carte" in browser.current_url
    login = browser.find_element(By.CSS_SELECTOR, "main.hs-connexion")
    capture(browser, captures, "1-connexion", login.screenshot_as_png, min_colours=8, max_dominant=0.97)
    browser.find_element(By.NAME, "identifiant").send_keys("test.planificateur")
    browser.find_element(By.NAME, "mot_de_passe").send_keys(PASSWORDS["planificateur"])
    browser.find_element(By.CSS_SELECTOR, "#hs-form-connexion button").click()
    wait.until(map_ready)
    # the activity report, printed, one click from the map: the last month, the last quarter, the year so far
    reports = browser.find_elements(By.CSS_SELECTOR, ".hs-bilans a")
    year = datetime.now(ZoneInfo("Europe/Brussels")).year
    assert [text_of(a) for a in reports] == ["mois dernier", "trimestre dernier", f"{year} (en cours)"]
    opened = browser.execute_async_script(
        "const done = arguments[1]; fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.arrayBuffer()"
        ".then(b => done([r.status, r.headers.get('content-type'), new TextDecoder().decode(b.slice(0, 5))])))",
        reports[2].get_attribute("href"),
    )
    assert opened == [200, "application/pdf", "%PDF-"], opened

    # switch on every overlay the user can toggle (some start hidden)
    for box in browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays input"):
        if not box.is_selected():
            box.click()

    def all_loaded(d):
        state = layers_state(d)
        return len(state) == len(LAYERS) and all(v["affichee"] and v["chargee"] for v in state.values())

    try:
        wait.until(all_loaded)
    finally:
        shot = tmp_path / "carte.png"
        browser.save_screenshot(str(shot))
        print(f"\ncapture d'écran de la carte : {shot}")
        print("état des couches :", layers_state(browser))
        journal = browser.get_log("browser")
        print("journal :", [e["message"][:300] for e in journal])
    assert not csp_violations(journal), csp_violations(journal)
    state = layers_state(browser)
    drawn = {name: len(browser.find_elements(By.CSS_SELECTOR, css)) for name, css in LAYERS.items()}
    print("couches :", {k: (v["elements"], drawn[k]) for k, v in state.items()})
    for name in LAYERS:
        assert state[name]["erreur"] is None, (name, state[name])
        assert state[name]["elements"] > 0, f"couche vide : {name}"
        assert drawn[name] > 0, f"couche non dessinée : {name}"
    assert drawn["secteurs"] >= 6 and drawn["fond_rues"] > 500
    # the camera the demo noted at the corner it ended: its mark and its popup
    mark = browser.find_element(By.CSS_SELECTOR, LAYERS["interventions"])
    assert text_of(mark) == "Cam"
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", mark)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content h3"))
    assert text_of(browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content h3")) == "Caméra posée"
    rows = {
        text_of(tr.find_element(By.TAG_NAME, "th")): text_of(tr.find_element(By.TAG_NAME, "td"))
        for tr in browser.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content tr")
    }
    assert (rows["Jusqu'au"], rows["Notée par"]) == ("en place", "demo"), rows
    assert rows["Note"].startswith("Action coordonnée : dépôts enlevés, caméra de surveillance placée"), rows
    withdraw = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content button.hs-retirer")
    assert text_of(withdraw) == "Retirer (notée par erreur)"
    browser.execute_script("arguments[0].click()", withdraw)  # a first click asks again, nothing is sent
    assert text_of(withdraw) == "Confirmer le retrait"
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM interventions WHERE withdrawn_at IS NULL")
        assert cur.fetchone()[0] == 1
    browser.execute_script("arguments[0].click()", withdraw)
    out = ".leaflet-popup-content .hs-retour"
    wait.until(lambda d: text_of(d.find_element(By.CSS_SELECTOR, out)).endswith(" retirée."))
    with conn.cursor() as cur:
        cur.execute("SELECT withdrawn_by FROM interventions")
        assert cur.fetchall() == [("test.planificateur",)]
    loads = "return window.hotspotsLayers.interventions.chargements"
    before = browser.execute_script(loads)
    browser.execute_script("document.querySelector('.leaflet-popup-close-button').click()")
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"))
    wait.until(lambda d: d.execute_script(loads) > before)
    assert not browser.find_elements(By.CSS_SELECTOR, LAYERS["interventions"])  # its mark is gone
    assert browser.execute_script("return window.hotspotsVue.total") > 500

    # the screenshot is a map, not a blank page; the same check says so of a blank page
    stats = screenshot_stats(browser, browser.get_screenshot_as_base64())
    assert stats["colours"] > 40 and stats["dominant"] < 0.9, stats
    assert Path(shot).stat().st_size > 20_000
    capture(browser, captures, "2-carte", browser.get_screenshot_as_png())

    # the forecast's cells in the blue of their share of the zone, the darkest for the first 1 %: as many of each as
    # the layer's answer holds
    forecast = fetch_json(browser, "/api/prevision")["features"]
    fills = browser.execute_script(
        "return [...document.querySelectorAll('path.hs-prevision')].map(p => [p.getAttribute('fill'),"
        " p.getAttribute('fill-opacity')])"
    )
    shares = STYLE["prevision"]
    wanted = [shares[f["properties"]["part"]] for f in forecast]
    assert sorted(fills) == sorted([s["couleur"], str(s["opacite"])] for s in wanted) and len(fills) > 100
    assert {fill for fill, _ in fills} == {s["couleur"] for s in shares.values()}
    check = browser.find_element(By.CSS_SELECTOR, "#hs-legende .hs-prevision-controle")  # under the legend's blues
    said = fetch_json(browser, "/api/prevision")["prevision"]["controle_phrase"].replace("\u00a0", " ")
    assert check.is_displayed() and text_of(check) == said
    assert said.startswith("Vérifiée sur les 3 derniers mois")

    # a category chosen in the filters: the layer becomes its reports' forecast, and the legend says whose; back to
    # every category, the layer of the analysis again
    def filter_category(code: str) -> None:
        before = browser.execute_script(loads_of("prevision"))
        browser.execute_script(
            "var f = document.getElementById('hs-filtres'); f.elements.categorie.value = arguments[0];"
            " f.requestSubmit();",
            code,
        )
        wait.until(lambda d: d.execute_script(loads_of("prevision")) > before)

    drawn = "return document.querySelectorAll('path.hs-prevision').length"
    filter_category("depot_clandestin")
    dumping = fetch_json(browser, "/api/prevision?categorie=depot_clandestin")
    assert browser.execute_script(drawn) == len(dumping["features"]) > 100
    assert [f["geometry"] for f in dumping["features"][:20]] != [f["geometry"] for f in forecast[:20]]
    assert text_of(check) == "Prévision des signalements « Dépôt clandestin ». " + dumping["prevision"][
        "controle_phrase"
    ].replace("\u00a0", " ")
    assert "signalements « Dépôt clandestin » qui ont suivi" in text_of(check)
    filter_category("")
    assert browser.execute_script(drawn) == len(forecast) and text_of(check) == said

    # the sensitive points are coloured by priority rank: the highest-priority point in the top class's colour,
    # and more than one class on the map
    listing = fetch_json(browser, "/api/points-sensibles")["features"]
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
    before = fetch_json(browser, f"/api/points-sensibles/{top}")["properties"]
    last = (before["visites"] or [{}])[0].get("resultat")
    outcome = "a_revoir" if last == "pv" else "pv"  # a visit outcome that changes the point's priority
    browser.execute_script(
        "document.querySelector(arguments[0]).dispatchEvent(new MouseEvent('click', {bubbles: true}))", centre
    )
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content form.hs-visite"))
    popup = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content")
    content = text_of(popup)
    # once the popup has faded in and the map has panned to show it whole
    opacity = "return getComputedStyle(document.querySelector('.leaflet-popup')).opacity"
    wait.until(lambda d: d.execute_script(opacity) == "1")
    time.sleep(0.6)
    box = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content-wrapper")
    capture(browser, captures, "3-point-sensible", box.screenshot_as_png, min_colours=8, max_dominant=0.97)
    assert "Priorité" in content and "Historique des analyses" in content and "Dernière visite" in content
    # « Y aller »: the phone's navigation app opened on the point, at its centre (where its marker stands)
    go = popup.find_element(By.CSS_SELECTOR, ".hs-y-aller a")
    assert text_of(go) == "Y aller (GPS du téléphone)"
    lat, lon = (float(v) for v in go.get_attribute("href").removeprefix("geo:").split("?")[0].split(","))
    geometry = fetch_json(browser, f"/api/points-sensibles/{top}")["geometry"]
    centre_lonlat = shapely.geometry.shape(geometry).centroid
    assert math.dist((lon, lat), (centre_lonlat.x, centre_lonlat.y)) < 1e-4, (lon, lat, geometry["type"])
    rows = {
        text_of(tr.find_element(By.TAG_NAME, "th")): text_of(tr.find_element(By.TAG_NAME, "td"))
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
        wait.until(lambda d: "Visite enregistrée" in text_of(d.find_element(By.CSS_SELECTOR, ".hs-retour")))
    except TimeoutException:
        answer = [text_of(e) for e in browser.find_elements(By.CSS_SELECTOR, ".hs-retour")]
        pytest.fail(f"visite non enregistrée ; réponse du formulaire : {answer}, état : « {status_line(browser)} »")
    # read now: the taller popup may pan the map, and the reports reloaded for the new view then say their count
    status_after_visit = status_line(browser)
    assert "Visite n°" in status_after_visit, status_after_visit
    time.sleep(1.0)  # the visits layer reloads meanwhile; the popup must survive it
    popup = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content")
    assert "Visite enregistrée" in text_of(popup.find_element(By.CSS_SELECTOR, ".hs-retour"))
    last = text_of(popup.find_element(By.CSS_SELECTOR, ".hs-derniere-visite td"))
    assert last.startswith(datetime.now(ZoneInfo("Europe/Brussels")).strftime("%d/%m/%Y")), last  # the service's day
    # the popup shows the point's new priority (the visit's outcome changed it), beside the old one
    after = fetch_json(browser, f"/api/points-sensibles/{top}")["properties"]["priorite"]
    assert after != before["priorite"]
    shown = browser.execute_script(
        "return (1 * arguments[0]).toLocaleString('fr-BE', {maximumFractionDigits: 1})", after
    )
    cell = ".leaflet-popup-content .hs-priorite td"
    wait.until(lambda d: text_of(d.find_element(By.CSS_SELECTOR, cell)).startswith(shown + " (avant la visite"))
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM visits WHERE notes = 'Contrôle depuis la carte'")
        assert cur.fetchone()[0] == 1

    # the confirmation stays in the status line when the view reloads (it used to be overwritten by the count)
    assert "Visite n°" in status_line(browser)
    views = "return window.hotspotsLayers.groupes.chargements"
    reloads = browser.execute_script(views)
    browser.execute_script("window.hotspotsMap.panBy([60, 0], {animate: false})")
    wait.until(lambda d: d.execute_script(views) > reloads)
    status = status_line(browser)
    assert "Visite n°" in status and "signalements dans la vue" in status, status

    # closing the popup reloads the sensitive points with the visit taken into account
    loads = "return window.hotspotsLayers.points_sensibles.chargements"
    before = browser.execute_script(loads)
    browser.execute_script("document.querySelector('.leaflet-popup-close-button').click()")
    wait.until(lambda d: d.execute_script(loads) > before)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"))  # after its fade-out
    assert len(browser.find_elements(By.CSS_SELECTOR, LAYERS["points_sensibles"])) > 0

    # the visited point's popup asks whether the action worked: opened, it shows what /api/effet says of its first
    # visit (the three counts and the verdict), or why it cannot say yet
    browser.execute_script(
        "document.querySelector(arguments[0]).dispatchEvent(new MouseEvent('click', {bubbles: true}))", centre
    )
    block = ".leaflet-popup-content details.hs-effet"
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, block))
    assert text_of(browser.find_element(By.CSS_SELECTOR, block + " summary")) == "L'action a-t-elle servi ?"
    browser.execute_script("document.querySelector(arguments[0]).open = true", block)
    wait.until(lambda d: text_of(d.find_element(By.CSS_SELECTOR, block + " .hs-effet-texte")) not in ("", "Calcul…"))
    status, effect = browser.execute_async_script(
        "const done = arguments[1]; fetch(arguments[0], {credentials: 'same-origin'})"
        ".then(r => r.json().then(b => done([r.status, b])))",
        f"/api/effet?lieu={top}",
    )
    said = text_of(browser.find_element(By.CSS_SELECTOR, block))
    if status == 200:
        counts = [
            (text_of(tr.find_element(By.TAG_NAME, "th")), text_of(tr.find_element(By.TAG_NAME, "td")))
            for tr in browser.find_elements(By.CSS_SELECTOR, block + " .hs-effet-comptes tr")
        ]
        numbers = browser.execute_script(
            "return arguments[0].map(c => [c.avant, c.apres].map(n => n.toLocaleString('fr-BE')).join(' → '))",
            [effect["lieu_compte"], effect["tampon"], effect["temoin"]],
        )
        assert counts == list(zip(("Le lieu", "Autour (200 m)", "Reste de la zone"), numbers, strict=True)), counts
        assert effect["phrases"][0] in said and effect["phrases"][2] in said
        sheet = browser.find_element(By.CSS_SELECTOR, block + " a").get_attribute("href")
        assert sheet.endswith(f"/api/effet?lieu={top}&format=pdf"), sheet
    else:
        assert effect["erreur"] in said, (said, effect)
    browser.execute_script("document.querySelector('.leaflet-popup-close-button').click()")
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"))

    # a planner notes an intervention there (a camera since 1 August): the block then speaks of it
    browser.execute_script(
        "document.querySelector(arguments[0]).dispatchEvent(new MouseEvent('click', {bubbles: true}))", centre
    )
    noted = ".leaflet-popup-content details.hs-intervention"
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, noted))
    # a popup is drawn again when its layer reloads: an element read meanwhile is stale, and is read again
    read = WebDriverWait(browser, 60, poll_frequency=0.25, ignored_exceptions=(StaleElementReferenceException,))
    summary = read.until(lambda d: text_of(d.find_element(By.CSS_SELECTOR, noted + " summary")))
    assert summary == "Noter une intervention"
    browser.execute_script(
        "const box = document.querySelector(arguments[0]); box.open = true; const f = box.querySelector('form');"
        "f.elements.type.value = 'camera'; f.elements.date.value = '2026-08-01';"
        "f.elements.note.value = 'Caméra mobile n° 2'; f.querySelector('button').click();",
        noted,
    )
    answer = noted + " .hs-retour"
    try:
        wait.until(lambda d: text_of(d.find_element(By.CSS_SELECTOR, answer)).startswith("Intervention n° "))
    except TimeoutException:
        said = browser.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map(e => [e.textContent, e.closest('details').open])",
            answer,
        )
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM interventions WHERE note = 'Caméra mobile n° 2'")
            stored = cur.fetchone()[0]
        pytest.fail(f"intervention : réponse {said}, enregistrée {stored} fois, couches {layers_state(browser)}")
    assert text_of(browser.find_element(By.CSS_SELECTOR, answer)).endswith(" notée : caméra posée, le 01/08/2026.")
    # the filters applied meanwhile reload the layers, but the point's own layer waits for its popup to close:
    # redrawing it would close the popup under the person reading it
    points = "return window.hotspotsLayers.points_sensibles.chargements"
    points_before, visits_before = browser.execute_script(points), browser.execute_script(loads_of("visites"))
    browser.execute_script("document.getElementById('hs-filtres').requestSubmit()")
    wait.until(lambda d: d.execute_script(loads_of("visites")) > visits_before)
    assert browser.execute_script(points) == points_before
    assert text_of(browser.find_element(By.CSS_SELECTOR, answer)).startswith("Intervention n° ")
    browser.execute_script("document.querySelector(arguments[0]).open = true", block)
    wait.until(lambda d: text_of(d.find_element(By.CSS_SELECTOR, block + " .hs-effet-texte")) not in ("", "Calcul…"))
    effect = browser.execute_async_script(
        "const done = arguments[1]; fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.json()).then(done)",
        f"/api/effet?lieu={top}",
    )
    assert "(caméra posée, intervention n° " in effect["phrases"][0], effect
    assert effect["phrases"][0] in text_of(browser.find_element(By.CSS_SELECTOR, block))
    with conn.cursor() as cur:
        cur.execute("SELECT kind, site_id FROM interventions WHERE note = 'Caméra mobile n° 2'")
        assert cur.fetchall() == [("camera", top)]
    # « Rendez-vous ici »: the point goes into the shift form's appointments, the form opens for the hour
    button = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content button.hs-rdv-ici")
    assert text_of(button) == "Rendez-vous ici (tournée)"
    # a secondary action: outlined in the service's blue, not filled like the visit's « Enregistrer »
    assert button.value_of_css_property("color") == button.value_of_css_property("border-top-color")
    assert button.value_of_css_property("color") in ("rgb(31, 78, 121)", "rgba(31, 78, 121, 1)")
    assert button.value_of_css_property("background-color") in ("rgb(255, 255, 255)", "rgba(255, 255, 255, 1)")
    browser.execute_script("arguments[0].click()", button)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"))
    wait.until(lambda d: d.execute_script(points) > points_before)  # the wait is over once the popup is closed
    field = browser.find_element(By.CSS_SELECTOR, "#hs-tournee input[name=rendez_vous]")
    assert field.get_attribute("value") == f"{top} " and browser.execute_script(
        "return document.activeElement === arguments[0] && arguments[0].closest('details').open", field
    )
    browser.execute_script("arguments[0].value = ''; arguments[0].closest('details').open = false", field)

    # an axis's popup gives its priority and why (it said neither: the planner ranks axes by it)
    browser.execute_script(
        "document.querySelector(arguments[0]).dispatchEvent(new MouseEvent('click', {bubbles: true}))",
        LAYERS["axes"],
    )
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content .hs-pourquoi td"))
    popup = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content")
    rows = {
        text_of(tr.find_element(By.TAG_NAME, "th")): text_of(tr.find_element(By.TAG_NAME, "td"))
        for tr in popup.find_elements(By.CSS_SELECTOR, "table:first-of-type tr")
    }
    axis = fetch_json(browser, f"/api/axes/{rows['Axe']}")["properties"]
    shown = browser.execute_script(
        "return (1 * arguments[0]).toLocaleString('fr-BE', {maximumFractionDigits: 1})", axis["priorite"]
    )
    assert rows["Priorité"] == shown, rows
    expected = "gravité " if axis["composantes_priorite"]["prevision"] else "aucun signalement attendu hors des"
    assert rows["Pourquoi"].startswith(expected), rows
    browser.execute_script("document.querySelector('.leaflet-popup-close-button').click()")

    # the corner silent since its camera: nothing is expected there, and its popup says why (not « ≈ 0 »)
    silent = [f["properties"] for f in listing if not f["properties"]["composantes_priorite"]["prevision"]]
    assert len(silent) == 1, [f["properties"]["composantes_priorite"] for f in listing]
    browser.execute_script(
        "document.querySelector(arguments[0]).dispatchEvent(new MouseEvent('click', {bubbles: true}))",
        f"path.hs-point-sensible-centre.hs-ps-{silent[0]['id'].replace('-', '_')}",
    )
    wait.until(
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content .hs-pourquoi td")
            and text_of(d.find_element(By.CSS_SELECTOR, ".leaflet-popup-content h3")).startswith(silent[0]["id"])
        )
    )
    why = text_of(browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content .hs-pourquoi td"))
    day = browser.execute_script("return window.HotspotsCarte.day(arguments[0])", silent[0]["dernier"])
    assert why == (
        f"aucun signalement attendu en 3 mois : aucun depuis le {day}, bien moins que ce que le lieu recevait "
        "(le lieu a changé)"
    ), why
    browser.execute_script("document.querySelector('.leaflet-popup-close-button').click()")
    check_content_security_policy(browser)


def test_unreachable_tiles_give_way_to_the_offline_background(settings, conn, accounts, browser, failing_tiles):
    """No internet: the tiles fail, the map shows its own street background by itself, says so, asks for no
    more tiles, and names the streets at close zoom."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60, poll_frequency=0.25)
    with serving(settings, tile_url=failing_tiles + "/{z}/{x}/{y}.png") as server:
        log_in(browser, server, wait)
        wait.until(lambda d: d.execute_script("return window.hotspotsFond && window.hotspotsFond.mode") == "hors_ligne")
        fond = browser.execute_script("return window.hotspotsFond")
        assert fond["raison"] == "tuiles_injoignables" and fond["tuiles_chargees"] == 0, fond
        wait.until(lambda d: d.execute_script("return window.hotspotsLayers.fond_rues.chargee"))
        assert len(browser.find_elements(By.CSS_SELECTOR, "path.hs-rue")) > 500
        assert not browser.find_elements(By.CSS_SELECTOR, "img.leaflet-tile")
        assert "fond hors ligne affiché" in status_line(browser) and "injoignables" in status_line(browser)
        radio = browser.execute_script(
            "return [...document.querySelectorAll('.leaflet-control-layers-base label')]"
            ".filter(l => l.querySelector('input').checked).map(l => l.textContent.trim())"
        )
        assert radio == ["Rues (fond hors ligne)"], radio

        # moving around asks the dead tile server for nothing more
        asked = FailingTiles.requests
        assert 0 < asked < 80, asked
        browser.execute_script("window.hotspotsMap.setZoom(14, {animate: false}); window.hotspotsMap.panBy([200, 100])")
        time.sleep(1.5)
        assert FailingTiles.requests == asked

        # at close zoom, the streets in view carry their names; at the zone's zoom, none
        assert not browser.find_elements(By.CSS_SELECTOR, ".hs-nom-rue")
        streets = fetch_json(browser, "/api/carte/fond/rues")["features"]
        line = max(streets, key=lambda f: len(f["geometry"]["coordinates"]))
        coords = line["geometry"]["coordinates"]
        lon, lat = coords[len(coords) // 2] if line["geometry"]["type"] == "LineString" else coords[0][0]
        browser.execute_script(
            "window.hotspotsMap.setView([arguments[0], arguments[1]], 17, {animate: false})", lat, lon
        )
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-pane .hs-nom-rue"))
        names = {text_of(e) for e in browser.find_elements(By.CSS_SELECTOR, ".hs-nom-rue")}
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
    stats = screenshot_stats(browser, browser.get_screenshot_as_base64())
    assert not (stats["colours"] > 40 and stats["dominant"] < 0.9)
