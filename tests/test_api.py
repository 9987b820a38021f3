"""The API skeleton on the real database: health, readiness, GeoJSON reads, no personal data, French errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from tests.conftest import DATA
from tests.helpers import ingest


@pytest.fixture()
def client(settings, conn):
    with TestClient(create_app(settings)) as c:
        yield c


def test_health_and_readiness(client):
    assert client.get("/api/health").json()["statut"] == "ok"
    ready = client.get("/api/ready").json()
    assert ready["statut"] == "pret" and ready["migration"] >= 6


def test_reports_are_wgs84_geojson_without_personal_data(client, conn, settings):
    ingest(conn, settings, DATA / "formats" / "fixmystreet.csv")
    ingest(conn, settings, DATA / "formats" / "commune_cp1252.csv")  # has reporter contacts, no coordinates
    body = client.get("/api/signalements").json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 3
    lon, lat = body["features"][0]["geometry"]["coordinates"]
    assert 5.4 < lon < 5.6 and 50.5 < lat < 50.7
    assert "Lejeune" not in str(body) and "04 336" not in str(body)
    only = client.get("/api/signalements", params={"categorie": "graffiti"}).json()
    assert [f["properties"]["identifiant"] for f in only["features"]] == ["FMS-2"]
    box = client.get("/api/signalements", params={"bbox": "5.50,50.60,5.52,50.62"}).json()
    assert {f["properties"]["identifiant"] for f in box["features"]} == {"FMS-1", "FMS-3"}
    paged = client.get("/api/signalements", params={"limite": 1, "decalage": 1}).json()
    assert len(paged["features"]) == 1


def test_invalid_input_gets_a_french_error_and_no_500(client):
    r = client.get("/api/signalements", params={"bbox": "n'importe quoi"})
    assert r.status_code == 422 and r.json()["detail"]["champ"] == "bbox"
    assert client.get("/api/signalements", params={"limite": 0}).status_code == 422


def test_points_and_axes_are_feature_collections(client):
    for path in ("/api/points-sensibles", "/api/axes"):
        body = client.get(path).json()
        assert body == {"type": "FeatureCollection", "features": []}
    assert client.get("/api/points-sensibles", params={"etat": ["actif", "nouveau"]}).status_code == 200
