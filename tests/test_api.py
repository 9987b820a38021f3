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


def test_invalid_input_gets_a_french_error_and_no_500(client):
    r = client.get("/api/signalements", params={"bbox": "n'importe quoi"})
    assert r.status_code == 422 and r.json()["champ"] == "bbox"
    r = client.get("/api/signalements", params={"limite": 0})
    assert r.status_code == 422 and r.json()["champ"] == "limite" and "petite" in r.json()["erreur"]


def test_points_and_axes_are_feature_collections(client):
    for path in ("/api/points-sensibles", "/api/axes"):
        body = client.get(path).json()
        assert body["type"] == "FeatureCollection" and body["features"] == []
    assert client.get("/api/points-sensibles", params={"etat": ["actif", "nouveau"]}).status_code == 200
