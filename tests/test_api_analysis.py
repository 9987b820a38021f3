"""Read endpoints on an analysed demo data set: sensitive points, axes, visits, permits, reports, geocoding.

The data is loaded once for the module; the tests at the end record visits on it (they run last, in file order).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import psycopg
import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.db.connect import resolve_conninfo
from tests.helpers import load_analysed_demo, nearest_postcodes


@pytest.fixture(scope="module")
def analysed(settings, tmp_path_factory):
    return load_analysed_demo(settings, tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def client(settings, analysed, auth):
    with TestClient(create_app(settings), headers=dict(auth["lecteur"])) as c:
        yield c


def _in_zone(lon: float, lat: float) -> bool:
    return 5.40 < lon < 5.60 and 50.50 < lat < 50.65


def test_sensitive_points_carry_stats_priority_and_last_visit(client, analysed):
    body = client.get("/api/points-sensibles").json()
    features = body["features"]
    assert len(features) == analysed["points_sensibles"] > 0
    priorities = [f["properties"]["priorite"] for f in features]
    assert priorities == sorted(priorities, reverse=True)
    first = features[0]
    assert first["geometry"]["type"] == "Polygon"
    assert _in_zone(*first["properties"]["point"]["coordinates"])
    comps = first["properties"]["composantes_priorite"]
    assert set(comps) == {"gravite", "prevision", "suite_visite"}
    assert first["properties"]["priorite"] == pytest.approx(np.prod(list(comps.values())), rel=1e-2)
    assert first["properties"]["adresse"] and first["properties"]["etat"] == "nouveau"


def test_point_filters_narrow_the_list(client):
    every = client.get("/api/points-sensibles").json()["features"]
    threshold = sorted(f["properties"]["priorite"] for f in every)[len(every) // 2]
    high = client.get("/api/points-sensibles", params={"priorite_min": threshold}).json()["features"]
    assert 0 < len(high) < len(every) and all(f["properties"]["priorite"] >= threshold for f in high)
    category = every[0]["properties"]["categorie_principale"]
    with_cat = client.get("/api/points-sensibles", params={"categorie": category}).json()["features"]
    assert with_cat and all(category in f["properties"]["categories"] for f in with_cat)
    trend = every[0]["properties"]["tendance"]
    by_trend = client.get("/api/points-sensibles", params={"tendance": trend}).json()["features"]
    assert by_trend and {f["properties"]["tendance"] for f in by_trend} == {trend}
    assert client.get("/api/points-sensibles", params={"etat": "resolu"}).json()["features"] == []


def test_one_point_has_history_reports_and_visits(client):
    first = client.get("/api/points-sensibles").json()["features"][0]
    one = client.get(f"/api/points-sensibles/{first['id']}").json()
    props = one["properties"]
    assert len(props["liste_signalements"]) == props["signalements"]
    assert [h["etat"] for h in props["historique"]] == ["nouveau"]
    assert isinstance(props["visites"], list)
    missing = client.get("/api/points-sensibles/PS-9999")
    assert missing.status_code == 404 and "PS-9999" in missing.json()["erreur"]


def test_axes_and_one_axis(client):
    axes = client.get("/api/axes").json()["features"]
    assert axes, "the demo plants problem streets"
    first = axes[0]["properties"]
    assert first["rue"] and first["taux_100m"] > 0 and first["signalements"] > 0
    # the priority the plans rank axes by, and its three factors (the popup explains it with them)
    ranked = [f["properties"] for f in axes if f["properties"]["priorite"] is not None]
    assert ranked and all(set(p["composantes_priorite"]) == {"gravite", "prevision", "suite_visite"} for p in ranked)
    assert any(p["priorite"] > 0 for p in ranked)
    word = first["rue"].split()[-1]
    named = client.get("/api/axes", params={"rue": word.lower()}).json()["features"]
    assert any(f["id"] == axes[0]["id"] for f in named)
    assert all(word.lower() in f["properties"]["rue"].lower() for f in named)
    one = client.get(f"/api/axes/{axes[0]['id']}").json()
    assert len(one["properties"]["liste_signalements"]) >= first["signalements"] * 0.5
    assert axes[0]["id"].startswith("AX-") and first["etat"] == "nouveau" and first["origine"]
    history = one["properties"]["historique"]
    assert [h["etat"] for h in history] == ["nouveau"] and history[0]["signalements"] == first["signalements"]
    assert client.get("/api/axes", params={"etat": "resolu"}).json()["features"] == []
    assert len(client.get("/api/axes", params={"etat": ["nouveau", "actif"]}).json()["features"]) == len(axes)


def test_visits_and_permits_lists_filter_and_page(client):
    visits = client.get("/api/visites", params={"limite": 5000}).json()
    assert visits["total"] == len(visits["features"]) > 0
    outcome = visits["features"][0]["properties"]["resultat"]
    some = client.get("/api/visites", params={"resultat": outcome, "limite": 5000}).json()
    assert 0 < some["total"] <= visits["total"]
    assert {f["properties"]["resultat"] for f in some["features"]} == {outcome}
    page = client.get("/api/visites", params={"limite": 2, "decalage": 2, "tri": "date"}).json()
    dates = [f["properties"]["date"] for f in page["features"]]
    assert len(dates) == 2 and dates == sorted(dates)
    permits = client.get("/api/permis").json()
    assert permits["total"] > 0
    one = permits["features"][0]["properties"]
    assert one["reference"] and one["type"] in {"environnement", "urbanisme", "unique"}
    assert client.get(f"/api/permis/{one['id']}").json()["properties"]["reference"] == one["reference"]
    # by its site too, as the follow-up list, the shift sheets and the map name it
    for site in (f"PER-{one['id']}", f"per-{one['id']}"):
        assert client.get(f"/api/permis/{site}").json()["properties"]["reference"] == one["reference"]
        assert client.get(f"/api/permis/{site}/nuisances").json()["reference"] == one["reference"]
    missing = client.get("/api/permis/PER-999999")
    assert missing.status_code == 404 and missing.json()["erreur"] == "Aucun permis n° 999999."
    assert "PER-12" in missing.json()["conseil"]  # how to name a permit
    assert client.get("/api/permis/999999").status_code == 404
    unknown = client.get("/api/permis/PE-2018-0355").json()
    assert unknown["erreur"] == "Aucun permis de référence ou de numéro « PE-2018-0355 »."


def test_report_filters_add_up(client):
    total = client.get("/api/signalements", params={"limite": 1}).json()["total"]
    by_cat = {}
    for category in ("depot_clandestin", "dejections_canines", "graffiti", "incineration_dechets"):
        by_cat[category] = client.get("/api/signalements", params={"categorie": category, "limite": 1}).json()["total"]
    both = client.get("/api/signalements", params={"categorie": ["depot_clandestin", "graffiti"], "limite": 1}).json()[
        "total"
    ]
    assert both == by_cat["depot_clandestin"] + by_cat["graffiti"] and both < total
    since = client.get("/api/signalements", params={"depuis": "2026-06-01", "limite": 1}).json()["total"]
    until = client.get("/api/signalements", params={"jusqu_a": "2026-06-01", "limite": 1}).json()["total"]
    assert since + until == total


def _ids(client, path: str, **params) -> set[int]:
    answer = client.get(path, params={**params, "limite": 5000})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"] == len(body["features"])
    return {f["id"] for f in body["features"]}


@pytest.mark.parametrize("path", ["/api/signalements", "/api/visites"])
def test_lists_filter_by_place_as_the_register_places_them(client, path):
    """``lieu`` (a commune, a section, a postcode; repeatable) keeps the rows the register puts there: the commune
    and postcode of their nearest official address, else those written. Every row is in one commune of the zone,
    whatever locality (a section, any spelling) it was written with; the old ``commune`` still works."""
    every = _ids(client, path)
    seraing, neupre = _ids(client, path, lieu="SERAING"), _ids(client, path, commune="neupre")
    assert seraing and neupre and not seraing & neupre and seraing | neupre == every
    sectors = {code: _ids(client, path, lieu=code) for code in ("4100", "4101", "4102", "4120", "4121", "4122")}
    assert set().union(*sectors.values()) <= every and sum(map(len, sectors.values())) == len(every)
    assert sectors["4100"] | sectors["4101"] | sectors["4102"] == seraing
    assert _ids(client, path, lieu="jemeppe") == sectors["4101"]  # a section by its short name
    assert _ids(client, path, lieu=["Ougrée", "4122"]) == sectors["4102"] | sectors["4122"]
    outside = client.get(path, params={"lieu": "Flémalle"})
    assert outside.status_code == 422 and "lieu inconnu dans la zone : « Flémalle »" in outside.json()["erreur"]


SECTORS = ("4100", "4101", "4102", "4120", "4121", "4122")


def _names(client, path: str, **params) -> list[str]:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return [f["id"] for f in answer.json()["features"]]


def test_points_and_axes_filter_by_place_as_the_site_list(client, settings):
    """``lieu`` on the sensitive points: the place of the official address nearest their centre at any distance
    (found here by geopandas, not by the database), as the site list; on the axes: their commune and sector. The
    order (priority, reports) stays."""
    from pyproj import Transformer

    points = client.get("/api/points-sensibles").json()["features"]
    to_lambert = Transformer.from_crs(4326, 31370, always_xy=True)
    xs, ys = to_lambert.transform(*zip(*(f["properties"]["point"]["coordinates"] for f in points), strict=True))
    with psycopg.connect(resolve_conninfo(settings)) as db:
        sector_of = nearest_postcodes(db, [f["id"] for f in points], list(xs), list(ys), within=None)
    every = [f["id"] for f in points]
    for code in SECTORS:
        assert _names(client, "/api/points-sensibles", lieu=code) == [i for i in every if sector_of.get(i) == code]
    # every point is in one sector, however far from an address (as in the site list: a point in a wood is still in
    # its commune)
    in_sectors = sorted(i for code in SECTORS for i in _names(client, "/api/points-sensibles", lieu=code))
    assert in_sectors == sorted(every)
    assert _names(client, "/api/points-sensibles", lieu="ougree") == _names(
        client, "/api/points-sensibles", lieu="4102"
    )
    seraing = _names(client, "/api/points-sensibles", lieu="Seraing")
    assert seraing == [i for i in every if sector_of.get(i) in {"4100", "4101", "4102"}] and seraing
    axes = _names(client, "/api/axes")
    by_commune = {c: set(_names(client, "/api/axes", lieu=c)) for c in ("Seraing", "Neupré")}
    assert by_commune["Seraing"] and not by_commune["Seraing"] & by_commune["Neupré"]
    assert by_commune["Seraing"] | by_commune["Neupré"] == set(axes)
    sectors = [_names(client, "/api/axes", lieu=code) for code in SECTORS]
    # no street of these axes runs through two sectors: each axis is in one (test_analyse_places has one that does)
    assert sorted(i for names in sectors for i in names) == sorted(axes)
    assert _names(client, "/api/axes", lieu=["4102", "4101"]) == [i for i in axes if i in {*sectors[1], *sectors[2]}]
    for path in ("/api/points-sensibles", "/api/axes"):
        outside = client.get(path, params={"lieu": "Ans"})
        assert outside.status_code == 422 and "lieu inconnu dans la zone : « Ans »" in outside.json()["erreur"]


def test_one_report_and_its_points(client):
    point = client.get("/api/points-sensibles").json()["features"][0]["id"]
    report_id = client.get(f"/api/points-sensibles/{point}").json()["properties"]["liste_signalements"][0]["id"]
    report = client.get(f"/api/signalements/{report_id}").json()
    assert report["properties"]["points_sensibles"] == [point]
    # where the register places it: the place the lists find it by, and no other
    placed = report["properties"]["lieu_registre"]
    assert placed["commune"] in {"Seraing", "Neupré"} and placed["code_postal"] in SECTORS
    lon, lat = report["geometry"]["coordinates"]
    around = f"{lon - 0.0005},{lat - 0.0005},{lon + 0.0005},{lat + 0.0005}"
    for code in SECTORS:
        found = client.get("/api/signalements", params={"lieu": code, "bbox": around, "limite": 500}).json()
        assert (report_id in [f["id"] for f in found["features"]]) == (code == placed["code_postal"]), code
    assert not {"nom_declarant", "telephone", "email", "declarant"} & set(report["properties"])


def test_geocode_and_reverse(client, settings):
    import csv

    with (settings.geodata_dir / "icar_seraing_neupre.csv").open(encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["street"].startswith("Rue") and r["housenumber"].isdigit())
    text = f"{row['street'].lower()} {row['housenumber']}, {row['postcode']} {row['municipality']}"
    found = client.get("/api/geocodage", params={"adresse": text}).json()
    assert found["niveau"] == "adresse" and abs(found["lat"] - float(row["lat"])) < 0.0005
    back = client.get("/api/geocodage/inverse", params={"lon": row["lon"], "lat": row["lat"]}).json()
    assert row["street"] in back["adresse"]
    assert client.get("/api/geocodage", params={"adresse": "x"}).status_code == 422


def test_export_sites_in_every_format(client, auth, settings):
    import csv
    import io
    import xml.etree.ElementTree as ET

    import openpyxl
    import pypdf

    from service.export import LIST_COLUMNS

    points = {f["id"] for f in client.get("/api/points-sensibles").json()["features"]}
    planner = auth["planificateur"]
    today = f"{datetime.now(ZoneInfo(settings.timezone)):%Y%m%d}"
    answer = client.get("/api/exports/sites", headers=planner)
    assert answer.headers["content-type"].startswith("text/csv")
    days = {today, f"{datetime.now(ZoneInfo(settings.timezone)):%Y%m%d}"}  # (midnight may pass meanwhile)
    named = answer.headers["content-disposition"]
    assert any(named == f'attachment; filename="sites_a_controler_{d}.csv"' for d in days), named
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == LIST_COLUMNS
    sites = [r[0] for r in rows[1:]]
    priorities = [float(r[LIST_COLUMNS.index("Priorité")].replace(",", ".")) for r in rows[1:]]
    assert sites and priorities == sorted(priorities, reverse=True)  # highest value first, on one scale
    assert {s.split("-")[0] for s in sites} >= {"PS", "AX"}  # points and axes side by side
    assert {r[LIST_COLUMNS.index("Type")] for r in rows[1:]} >= {"Point sensible", "Axe problématique"}
    book = openpyxl.load_workbook(io.BytesIO(client.get("/api/exports/sites?format=xlsx", headers=planner).content))
    assert [c.value for c in book.active["A"]][1:] == sites
    link = book.active.cell(row=2, column=LIST_COLUMNS.index("Lien carte") + 1).hyperlink.target
    assert link == f"http://testserver/carte#site={sites[0]}"
    gj = client.get("/api/exports/sites?format=geojson&types=point_sensible", headers=planner).json()
    stops = [f["properties"] for f in gj["features"] if f["properties"]["role"] == "arret"]
    assert stops and {p["Site"] for p in stops} <= points and {p["Type"] for p in stops} == {"Point sensible"}
    gpx = ET.fromstring(client.get("/api/exports/sites?format=gpx", headers=planner).content)
    wpts = gpx.findall("{http://www.topografix.com/GPX/1/1}wpt")
    assert [w.find("{http://www.topografix.com/GPX/1/1}name").text.split(" ")[0] for w in wpts] == sites
    assert 50.5 < float(wpts[0].get("lat")) < 50.65
    pdf = client.get("/api/exports/sites?format=pdf&lieu=Neupré", headers=planner)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.headers["content-disposition"].startswith("inline")
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Sites à contrôler" in text and "lieu Neupré" in text
    top = client.get("/api/exports/sites?format=geojson&priorite_min=1000000", headers=planner).json()
    assert top["features"] == []
    unknown = client.get("/api/exports/sites?categorie=ordures", headers=planner)
    assert unknown.status_code == 422 and "ordures" in unknown.text and "depot_clandestin" in unknown.text
    assert client.get("/api/exports/sites?format=fiches", headers=planner).status_code == 422
    assert client.get("/api/exports/sites", headers=auth["lecteur"]).status_code == 403
    from service.db import connect

    with connect(settings) as conn:  # not the ``conn`` fixture: it would empty the tables
        logged = conn.execute(
            "SELECT detail FROM private.access_log WHERE action = 'export_sites' ORDER BY id"
        ).fetchall()
    assert [d[0]["format"] for d in logged] == ["csv", "xlsx", "geojson", "gpx", "pdf", "geojson"]
    assert logged[4][0]["filtres"]["lieux"] == ["Neupré"]


def test_a_file_is_named_after_the_service_s_day_not_the_machine_s():
    """Two zones 25 hours apart are never on the same day: the name follows the zone it is given (the server's
    machine is often kept in UTC, an hour behind Brussels in winter)."""
    from service.api.files import dated_name

    zones = ("Pacific/Kiritimati", "Pacific/Pago_Pago")
    east, west = (dated_name("renvois", "xlsx", z) for z in zones)
    assert east != west
    assert [east, west] == [f"renvois_{datetime.now(ZoneInfo(z)):%Y%m%d}.xlsx" for z in zones]


def test_point_and_axis_lists_are_kept_until_the_analysis_data_change(client, settings):
    first = client.get("/api/points-sensibles", headers={"Accept-Encoding": "gzip"})
    again = client.get("/api/points-sensibles", headers={"Accept-Encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip" and again.content == first.content
    cached = client.app.state.hotspots.caches["analyse"]
    assert any(key[1] == "sensitive_points" for key in cached._items)  # the second answer came from there
    top = first.json()["features"][0]
    with psycopg.connect(resolve_conninfo(settings), autocommit=True) as db:
        db.execute("UPDATE sensitive_points SET address_label = 'Lieu renommé' WHERE id = %s", [top["id"]])
        assert client.app.state.hotspots.watcher.sync()  # a change from elsewhere counts once its notification is in
        try:
            listed = client.get("/api/points-sensibles").json()["features"]
            assert next(f for f in listed if f["id"] == top["id"])["properties"]["adresse"] == "Lieu renommé"
        finally:
            db.execute(
                "UPDATE sensitive_points SET address_label = %s WHERE id = %s",
                [top["properties"]["adresse"], top["id"]],
            )
    assert client.app.state.hotspots.watcher.sync()
    listed = client.get("/api/points-sensibles").json()["features"]
    assert next(f for f in listed if f["id"] == top["id"])["properties"]["adresse"] == top["properties"]["adresse"]


# -- follow-up writes (last) --------------------------------------------------------------------------------------


def test_a_visit_on_a_point_changes_its_priority_at_once(client, auth):
    point = client.get("/api/points-sensibles").json()["features"][0]
    before = point["properties"]
    r = client.post(
        f"/api/points-sensibles/{point['id']}/visites",
        json={"date": "19/11/2026 09:15", "resultat": "pv", "agent": "INP Dewandre", "notes": "PV dressé"},
        headers=auth["planificateur"],
    )
    assert r.status_code == 201, r.text
    assert r.json()["properties"]["point_sensible"] == point["id"]
    after = client.get(f"/api/points-sensibles/{point['id']}").json()["properties"]
    factor = after["composantes_priorite"]["suite_visite"]
    assert factor == 0.8
    expected = before["priorite"] / before["composantes_priorite"]["suite_visite"] * factor
    assert abs(after["priorite"] - expected) < 0.01
    assert after["visites"][0]["resultat"] == "pv" and after["visites"][0]["agent"] == "INP Dewandre"
    listed = client.get("/api/points-sensibles").json()["features"]
    mine = next(f for f in listed if f["id"] == point["id"])["properties"]
    assert mine["suite_visite"] == "pv" and mine["derniere_visite"].startswith("2026-11-19")
    assert (
        client.post(
            f"/api/points-sensibles/{point['id']}/visites",
            json={"date": "2026-11-19", "resultat": "pv"},
            headers=auth["lecteur"],
        ).status_code
        == 403
    )


def test_a_visit_older_than_the_points_latest_leaves_its_priority(client, auth):
    """One rule for the API and the plan sheets: a point's priority follows its latest visit, so a visit recorded
    late with an earlier date changes nothing, and a newer one takes over."""
    point = client.get("/api/points-sensibles").json()["features"][1]

    def visit(date: str, outcome: str) -> dict:
        r = client.post(
            f"/api/points-sensibles/{point['id']}/visites",
            json={"date": date, "resultat": outcome},
            headers=auth["planificateur"],
        )
        assert r.status_code == 201, r.text
        return client.get(f"/api/points-sensibles/{point['id']}").json()["properties"]

    latest = visit("18/11/2026 10:00", "nettoye")
    assert latest["composantes_priorite"]["suite_visite"] == 0.9
    late = visit("02/01/2026 10:00", "a_revoir")
    assert late["composantes_priorite"]["suite_visite"] == 0.9 and late["priorite"] == latest["priorite"]
    newer = visit("19/11/2026 16:00", "a_revoir")
    assert newer["composantes_priorite"]["suite_visite"] == 1.2
    assert newer["priorite"] == pytest.approx(latest["priorite"] / 0.9 * 1.2, abs=0.01)


def test_a_visit_on_an_axis_is_attached_to_it(client, auth):
    axis = client.get("/api/axes").json()["features"][0]
    r = client.post(
        f"/api/axes/{axis['id']}/visites",
        json={"date": "2026-11-18 14:00", "resultat": "avertissement"},
        headers=auth["planificateur"],
    )
    assert r.status_code == 201, r.text
    visits = client.get("/api/visites", params={"axe": axis["id"]}).json()
    assert visits["total"] == 1 and visits["features"][0]["properties"]["resultat"] == "avertissement"
    on_axis = client.get(f"/api/axes/{axis['id']}").json()["properties"]["visites"]  # with visits within 15 m
    assert r.json()["id"] in [v["id"] for v in on_axis]
    assert (
        client.post(
            "/api/axes/AX-inconnu/visites", json={"date": "2026-11-18", "resultat": "pv"}, headers=auth["planificateur"]
        ).status_code
        == 404
    )
