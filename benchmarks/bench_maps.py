"""Map page weight and first-view transfer with 100,000 reports, beside naive folium pages.

Ours: the /carte page (no report inside) plus every request its first view makes (assets, aggregated report
cells, sensitive points, axes, vector background), gzip accepted as a browser does, against a real uvicorn server
on loopback; and, when Chromium is installed, the time until headless Chromium has drawn every default layer.
Naive: one folium page with a Marker per report, and one with FastMarkerCluster (both inline every point).
Run: ``python benchmarks/bench_maps.py [--reports 100000]``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: What planification.js asks for on its first view (default overlays; no tiles: vector background).
FIRST_VIEW = [
    "/static/carte/vendor/leaflet/leaflet.js",
    "/static/carte/vendor/leaflet/leaflet.css",
    "/static/carte/vendor/leaflet-heat/leaflet-heat.js",
    "/static/carte/hotspots/carte.js",
    "/static/carte/hotspots/planification.js",
    "/static/carte/hotspots/carte.css",
    "/api/carte/signalements?bbox=5.36,50.50,5.67,50.655&zoom=12&depuis={since}",
    "/api/points-sensibles",
    "/api/axes",
    "/api/carte/fond/communes",
    "/api/carte/fond/rues",
]
LATER_VIEWS = {
    "vue quartier (zoom 15)": "/api/carte/signalements?bbox=5.49,50.58,5.53,50.60&zoom=15&depuis={since}",
    "vue rue (zoom 17)": "/api/carte/signalements?bbox=5.505,50.588,5.512,50.592&zoom=17&depuis={since}",
    # the filter panel's « Lieu » (the register's place of each report, one nearest-address probe each)
    "zone, lieu 4102 Ougrée (zoom 12)": "/api/carte/signalements?bbox=5.36,50.50,5.67,50.655&zoom=12&depuis={since}"
    "&lieu=4102",
    "zone, lieu Seraing (zoom 12)": "/api/carte/signalements?bbox=5.36,50.50,5.67,50.655&zoom=12&depuis={since}"
    "&lieu=Seraing",
}


def _mb(n: float) -> str:
    return f"{n / 1e6:8.2f} Mo"


def measure_ours(url: str, token: str, since: str) -> list[tuple[str, int, float]]:
    import httpx2

    rows = []
    cookies = {"hotspots_session": token}
    with httpx2.Client(base_url=url, cookies=cookies, headers={"Accept-Encoding": "gzip"}, timeout=120) as client:
        for path in ["/carte", *FIRST_VIEW]:
            start = time.perf_counter()
            r = client.get(path.format(since=since))
            r.raise_for_status()
            rows.append((path.split("?")[0], r.num_bytes_downloaded, time.perf_counter() - start))
        for label, path in LATER_VIEWS.items():
            start = time.perf_counter()
            r = client.get(path.format(since=since))
            r.raise_for_status()
            rows.append((label, r.num_bytes_downloaded, time.perf_counter() - start))
    return rows


def browser_seconds(url: str, token: str) -> float | None:
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

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
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get(url + "/connexion")
        driver.add_cookie({"name": "hotspots_session", "value": token, "path": "/"})
        start = time.perf_counter()
        driver.get(url + "/carte")
        WebDriverWait(driver, 120, poll_frequency=0.05).until(
            lambda d: d.execute_script(
                "var s = window.hotspotsLayers; if (!s) return false;"
                "return Object.values(s).filter(v => v.affichee).every(v => v.chargee || v.erreur);"
            )
        )
        return time.perf_counter() - start
    finally:
        driver.quit()


def measure_naive(settings, limit: int) -> list[tuple[str, int, float]]:  # type: ignore[no-untyped-def]
    import folium
    from folium.plugins import FastMarkerCluster

    from service.db import connect

    with connect(settings) as conn:
        rows = conn.execute(
            "SELECT ST_Y(g), ST_X(g), category FROM (SELECT ST_Transform(geom, 4326) AS g, category FROM reports "
            "WHERE geom IS NOT NULL LIMIT %s) r",
            (limit,),
        ).fetchall()
    out = []
    start = time.perf_counter()
    fmap = folium.Map(location=[50.575, 5.515], zoom_start=13)
    for lat, lon, cat in rows:
        folium.Marker([lat, lon], popup=cat).add_to(fmap)
    html = fmap.get_root().render()
    out.append((f"folium, un Marker par signalement ({len(rows):,})", len(html.encode()), time.perf_counter() - start))
    del fmap, html
    start = time.perf_counter()
    fmap = folium.Map(location=[50.575, 5.515], zoom_start=13)
    FastMarkerCluster([[lat, lon] for lat, lon, _ in rows]).add_to(fmap)
    html = fmap.get_root().render()
    out.append((f"folium FastMarkerCluster ({len(rows):,})", len(html.encode()), time.perf_counter() - start))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--naive-max", type=int, default=100_000, help="points des pages naïves")
    args = parser.parse_args()

    from datetime import date, timedelta

    from benchmarks._database import throwaway_database
    from benchmarks._mapdata import ThreadServer, load_reports, sessions
    from service.api import create_app

    with throwaway_database(54341) as base:
        settings = base.model_copy(update={"tile_url": ""})
        setup = load_reports(settings, args.reports)
        print(
            f"{args.reports:,} signalements importés en {setup['import_s']:.1f} s, analysés en "
            f"{setup['analyse_s']:.1f} s ({setup['points']} points sensibles)\n"
        )
        token = sessions(settings, 1)[0]
        since = (date.today() - timedelta(days=365)).isoformat()
        with ThreadServer(create_app(settings)) as url:
            ours = measure_ours(url, token, since)
            browser = browser_seconds(url, token)
        naive = measure_naive(settings, args.naive_max)

    print(f"{'requête (Hotspots, première vue)':<44} {'transfert':>11} {'temps':>9}")
    first = ours[: 1 + len(FIRST_VIEW)]
    for name, size, seconds in ours:
        print(f"{name:<44} {_mb(size):>11} {seconds * 1000:>7.0f} ms")
    total = sum(s for _n, s, _t in first)
    print(
        f"{'TOTAL première vue (page + requêtes)':<44} {_mb(total):>11} {sum(t for *_x, t in first):>7.2f} s"
        "  (à la suite ; un navigateur en fait 6 à la fois)"
    )
    if browser is not None:
        print(f"{'Chromium sans tête : toutes les couches dessinées':<44} {'':>11} {browser:>7.2f} s")
    print(f"\n{'page naïve (tout dans la page)':<44} {'poids':>11} {'génération':>11}")
    page = ours[0][1]
    print(f"{'Hotspots /carte (aucun signalement dedans)':<44} {_mb(page):>11} {ours[0][2]:>9.2f} s")
    for name, size, seconds in naive:
        print(f"{name:<44} {_mb(size):>11} {seconds:>9.1f} s")
    print(
        "\nobjectifs : carte de 100 000 signalements utilisable en < 3 s, transfert < 5 Mo, "
        "poids de page indépendant du nombre de signalements"
    )


if __name__ == "__main__":
    main()
