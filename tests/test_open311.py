"""The Open311 GeoReport v2 subset: services, requests GET/POST, api_key, spec-shaped errors, no personal data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.accounts import add_open311_client
from service.api import create_app
from tests.helpers import count

V2 = "/api/open311/v2"


@pytest.fixture()
def app(settings, conn):
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture()
def key(conn):
    return add_open311_client(conn, "Seraing Propre")


def test_services_list_the_categories_in_three_languages(app):
    services = app.get(f"{V2}/services.json").json()
    codes = {s["service_code"]: s for s in services}
    assert codes["depot_clandestin"]["service_name"] == "Dépôt clandestin"
    assert codes["depot_clandestin"]["metadata"] is False and codes["depot_clandestin"]["type"] == "realtime"
    dutch = {s["service_code"]: s["service_name"] for s in app.get(f"{V2}/services.json?langue=nl").json()}
    assert dutch["depot_clandestin"] == "Sluikstort"


def test_a_citizen_app_posts_a_form_and_follows_its_request(app, conn, key):
    form = {
        "api_key": key,
        "service_code": "depot_clandestin",
        "lat": "50.6043",
        "long": "5.5052",
        "description": "Matelas et sacs devant le n°12",
        "email": "habitant@example.be",
        "first_name": "Marie",
        "last_name": "Dubois",
    }
    r = app.post(f"{V2}/requests.json", data=form)
    assert r.status_code == 200, r.text
    answer = r.json()[0]
    rid = answer["service_request_id"]
    assert answer["service_notice"].startswith("Merci")
    source = conn.execute("SELECT source FROM reports WHERE id = %s", (int(rid),)).fetchone()[0]
    assert source == "open311:Seraing Propre"
    contact = conn.execute("SELECT name, email FROM private.reporter_contacts WHERE report_id = %s", (int(rid),))
    assert contact.fetchone() == ("Marie Dubois", "habitant@example.be")
    one = app.get(f"{V2}/requests/{rid}.json").json()[0]
    assert one["status"] == "open" and one["service_code"] == "depot_clandestin"
    assert abs(one["lat"] - 50.6043) < 1e-5 and abs(one["long"] - 5.5052) < 1e-5
    listing = app.get(f"{V2}/requests.json").text
    assert "Dubois" not in listing and "habitant@" not in listing and "Matelas" not in listing
    assert [x["service_request_id"] for x in app.get(f"{V2}/requests.json?status=closed").json()] == []


def test_json_posts_and_addresses_work_too(app, conn, key):
    body = {"api_key": key, "service_code": "graffiti", "address_string": "Place des Verriers 8, 4100 Seraing"}
    r = app.post(f"{V2}/requests.json", json=body)
    assert r.status_code == 200, r.text
    rid = int(r.json()[0]["service_request_id"])
    address = conn.execute("SELECT address FROM reports WHERE id = %s", (rid,)).fetchone()[0]
    assert address == "Place des Verriers 8, 4100 Seraing"


def test_errors_follow_the_spec_and_store_nothing(app, conn, key):
    no_key = app.post(f"{V2}/requests.json", data={"service_code": "graffiti", "lat": "50.6", "long": "5.5"})
    assert no_key.status_code == 403 and no_key.json()[0]["code"] == 403
    bad_key = app.post(f"{V2}/requests.json", data={"api_key": "x", "service_code": "graffiti"})
    assert bad_key.status_code == 403
    unknown = app.post(
        f"{V2}/requests.json", data={"api_key": key, "service_code": "ovni", "lat": "50.6", "long": "5.5"}
    )
    assert unknown.status_code == 400 and "ovni" in unknown.json()[0]["description"]
    nowhere = app.post(f"{V2}/requests.json", data={"api_key": key, "service_code": "graffiti"})
    assert nowhere.status_code == 400 and "lieu" in nowhere.json()[0]["description"]
    far = app.post(
        f"{V2}/requests.json", data={"api_key": key, "service_code": "graffiti", "lat": "50.85", "long": "4.35"}
    )
    assert far.status_code == 400 and "zone" in far.json()[0]["description"]
    assert app.get(f"{V2}/requests/424242.json").status_code == 404
    assert app.get(f"{V2}/requests.json?service_request_id=abc").status_code == 400
    assert count(conn, "reports") == 0 and count(conn, "ingestion_batches") == 0
