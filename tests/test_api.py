"""The API skeleton on the real database: health, readiness, GeoJSON reads, no personal data, French errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from tests.conftest import DATA
from tests.helpers import ingest


@pytest.fixture()
def client(settings, conn, auth):
    """A client logged in as a reader (``lecteur``)."""
    with TestClient(create_app(settings), headers=dict(auth["lecteur"])) as c:
        yield c


def test_health_and_readiness(client):
    assert client.get("/api/health").json()["statut"] == "ok"
    ready = client.get("/api/ready").json()
    assert ready["statut"] == "pret" and ready["migration"] >= 11 and ready["notifications"] is True


def test_reports_are_wgs84_geojson_without_personal_data(client, conn, settings):
    ingest(conn, settings, DATA / "formats" / "fixmystreet.csv")
    ingest(conn, settings, DATA / "formats" / "commune_cp1252.csv")  # has reporter contacts, no coordinates
    body = client.get("/api/signalements").json()
    # reports still waiting for geocoding are listed too, with a null geometry
    assert body["type"] == "FeatureCollection" and len(body["features"]) == body["total"] == 5
    placed = [f for f in body["features"] if f["geometry"] is not None]
    assert len(placed) == 3
    lon, lat = placed[0]["geometry"]["coordinates"]
    assert 5.4 < lon < 5.6 and 50.5 < lat < 50.7
    assert "Lejeune" not in str(body) and "04 336" not in str(body)
    only = client.get("/api/signalements", params={"categorie": "graffiti"}).json()
    assert [f["properties"]["identifiant"] for f in only["features"]] == ["FMS-2"]
    box = client.get("/api/signalements", params={"bbox": "5.50,50.60,5.52,50.62"}).json()
    assert {f["properties"]["identifiant"] for f in box["features"]} == {"FMS-1", "FMS-3"}
    paged = client.get("/api/signalements", params={"limite": 1, "decalage": 1, "tri": "id"}).json()
    assert [f["id"] for f in paged["features"]] == [2] and paged["total"] == 5
    waiting = client.get("/api/signalements", params={"geocodage": "a_geocoder"}).json()
    assert waiting["total"] == 2 and all(f["geometry"] is None for f in waiting["features"])


def test_every_sort_key_orders_the_list_and_ties_go_newest_first(client, conn, settings):
    ingest(conn, settings, DATA / "formats" / "fixmystreet.csv")
    ingest(conn, settings, DATA / "formats" / "commune_cp1252.csv")
    every = client.get("/api/signalements").json()["features"]
    by_id = {f["id"]: f["properties"] for f in every}
    fields = {"date": "date", "categorie": "categorie", "statut": "statut", "id": "id"}
    assert all(by_id[i][field] is not None for i in by_id for field in fields.values())
    for key, field in fields.items():
        for sort, descending in ((key, False), (f"-{key}", True)):
            ids = [f["id"] for f in client.get("/api/signalements", params={"tri": sort}).json()["features"]]
            newest_first = sorted(by_id, reverse=True)  # ties: the newest id first (a stable sort keeps that)
            assert ids == sorted(newest_first, key=lambda i, f=field: by_id[i][f], reverse=descending), sort
    assert client.get("/api/signalements", params={"tri": "adresse"}).status_code == 422  # not a sort key


def test_one_record_has_its_list_properties_and_its_details(client, conn, settings):
    ingest(conn, settings, DATA / "formats" / "fixmystreet.csv")
    listed = client.get("/api/signalements", params={"tri": "id"}).json()["features"][0]
    one = client.get(f"/api/signalements/{listed['id']}").json()
    assert one["geometry"] == listed["geometry"] and one["properties"].items() >= listed["properties"].items()
    assert {"description", "lot", "ligne", "visites", "points_sensibles"} <= set(one["properties"])
    assert client.get("/api/signalements/999999").status_code == 404


def test_invalid_input_gets_a_french_error_and_no_500(client):
    r = client.get("/api/signalements", params={"bbox": "n'importe quoi"})
    assert r.status_code == 422 and r.json()["champ"] == "bbox"
    for box in ("5.49,50.58,5.53,150", "5.49,nan,5.53,50.62", "5.53,50.58,5.49,50.62"):  # the map's rule: one rule
        for path in ("/api/signalements", "/api/visites", "/api/permis", "/api/carte/signalements"):
            r = client.get(path, params={"bbox": box, "zoom": 14})
            assert r.status_code == 422 and r.json()["champ"] == "bbox", (path, box)
    r = client.get("/api/signalements", params={"limite": 0})
    assert r.status_code == 422 and r.json()["champ"] == "limite" and "petite" in r.json()["erreur"]


def test_points_and_axes_are_feature_collections(client):
    for path in ("/api/points-sensibles", "/api/axes"):
        body = client.get(path).json()
        assert body["type"] == "FeatureCollection" and body["features"] == []
    assert client.get("/api/points-sensibles", params={"etat": ["actif", "nouveau"]}).status_code == 200


# -- security headers and cross-origin writes ----------------------------------------------------------------
def _policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy of a response, directive → sources."""
    directives = [d.split() for d in response.headers["content-security-policy"].split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def test_every_answer_carries_the_security_headers(client, settings):
    for path in (
        "/api/health",
        "/api/signalements",
        "/api/nulle-part",
        "/connexion",
        "/static/carte/hotspots/carte.js",
    ):
        r = client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY", path
        assert r.headers["referrer-policy"] == "same-origin", path
        assert _policy(r)["frame-ancestors"] == ["'none'"], path
        assert "strict-transport-security" not in r.headers, path  # plain HTTP: no HSTS
    api = _policy(client.get("/api/signalements"))
    assert api["default-src"] == ["'none'"]
    login = _policy(client.get("/connexion"))
    assert login["script-src"] == ["'self'"] and login["form-action"] == ["'self'"]
    with TestClient(create_app(settings.model_copy(update={"secure_cookies": True}))) as secure:
        assert secure.get("/api/health").headers["strict-transport-security"].startswith("max-age=")


def test_the_map_page_policy_allows_only_its_own_inline_scripts_and_the_tile_server(client, settings):
    import base64
    import hashlib
    import re

    page = client.get("/carte", follow_redirects=False)
    assert page.status_code == 200
    policy = _policy(page)
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    assert inline, "la page n'a plus de script en ligne : la règle des empreintes est-elle encore utile ?"
    hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline}
    assert set(policy["script-src"]) == {"'self'", *hashes}  # never 'unsafe-inline'
    assert policy["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org"]
    assert policy["connect-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    for tiles, expected in (
        ("", ["'self'", "data:"]),
        ("https://{s}.tuiles.example.be/{z}/{x}/{y}.png", ["'self'", "data:", "https://*.tuiles.example.be"]),
    ):
        with TestClient(create_app(settings.model_copy(update={"tile_url": tiles})), headers=client.headers) as c:
            assert _policy(c.get("/carte"))["img-src"] == expected
    docs = client.get("/docs")
    assert any(s.startswith("'sha256-") for s in _policy(docs)["script-src"])


@pytest.fixture()
def cookie_client(settings, conn, accounts):
    """A browser-like client: logged in through the form, so that it holds only the session cookie."""
    from tests.conftest import PASSWORDS

    with TestClient(create_app(settings)) as c:
        r = c.post(
            "/connexion",
            data={"identifiant": accounts["planificateur"], "mot_de_passe": PASSWORDS["planificateur"]},
            headers={"Origin": "http://testserver"},
            follow_redirects=False,
        )
        assert r.status_code == 303 and c.cookies.get("hotspots_session")
        yield c


REPORT = {"date": "2026-03-01T10:00", "categorie": "graffiti", "lon": 5.5052, "lat": 50.6043}


def test_cookie_writes_from_another_origin_are_refused(cookie_client, conn, auth):
    from tests.helpers import count

    # a page of the same host on another port (same site, so the SameSite=Strict cookie goes with it)
    for foreign in (
        {"Origin": "http://testserver:8081"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Referer": "http://testserver:8081/piege.html"},
        {"Origin": "null"},
        {},
    ):
        r = cookie_client.post("/api/signalements", json=REPORT, headers=foreign)
        assert r.status_code == 403, (foreign, r.text)
        assert "autre origine" in r.json()["erreur"] and "Bearer" in r.json()["conseil"]
    upload = cookie_client.post(
        "/api/imports/signalements",
        files={"fichier": ("x.csv", b"id;date;categorie;lat;lon\nX1;2026-03-01T10:00;graffiti;50.6043;5.5052\n")},
        headers={"Origin": "http://testserver:8081"},
    )
    assert upload.status_code == 403
    assert count(conn, "reports") == 0 and count(conn, "ingestion_batches") == 0

    # the service's own pages, and scripts with their token, write as before
    for own in ({"Origin": "http://testserver"}, {"Sec-Fetch-Site": "same-origin"}):
        assert (
            cookie_client.post("/api/signalements", json=REPORT | {"identifiant": str(own)}, headers=own).status_code
            == 201
        )
    script = {**auth["planificateur"], "Origin": "http://ailleurs.example"}
    assert (
        cookie_client.post("/api/signalements", json=REPORT | {"identifiant": "s"}, headers=script).status_code == 201
    )
    assert count(conn, "reports") == 3


def test_logins_and_logouts_from_another_origin_are_refused(cookie_client, accounts):
    from tests.conftest import PASSWORDS

    form = {"identifiant": accounts["lecteur"], "mot_de_passe": PASSWORDS["lecteur"]}
    assert cookie_client.post("/connexion", data=form, headers={"Origin": "http://testserver:8081"}).status_code == 403
    out = cookie_client.get("/deconnexion", headers={"Sec-Fetch-Site": "same-site"}, follow_redirects=False)
    assert out.status_code == 403
    assert cookie_client.get("/api/moi").json()["role"] == "planificateur"  # still logged in
    assert (
        cookie_client.get("/deconnexion", headers={"Sec-Fetch-Site": "same-origin"}, follow_redirects=False).status_code
        == 303
    )
