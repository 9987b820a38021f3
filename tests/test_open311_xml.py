"""Open311 GeoReport v2 in XML, the spec's required format: served for every endpoint and read on import.

The served side is checked with a public GeoReport v2 client library (``georeport`` from PyPI: GET services,
requests and one request, in XML and in JSON) against a real server on loopback; that library cannot post, so
``POST requests.xml`` and the errors are read with a real XML parser (defusedxml) against the spec's shapes.
``open311_giessen_services.xml`` is a real ``services.xml`` capture (Gießen, Mark-a-Spot server; from
bensheldon/open311status, MIT licence, © 2018 Code for America); ``open311_chicago_requests.xml`` is the real
Chicago capture of ``open311_chicago_requests.json`` written in the spec's XML layout.
"""

from __future__ import annotations

import json
from datetime import datetime
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring
from fastapi.testclient import TestClient

from service.accounts import add_open311_client
from service.api import create_app
from service.errors import InputFileError
from service.ingest.pipeline import IngestOptions, ingest_file
from tests.conftest import DATA
from tests.helpers import NOW, count, ingest, rejects, serving, write

V2 = "/api/open311/v2"


@pytest.fixture()
def key(conn):
    return add_open311_client(conn, "Seraing Propre")


@pytest.fixture()
def app(settings, conn):
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture()
def server(settings, conn):
    # the three requests posted below share one 100 m square: three are enough there to show its point
    with serving(create_app(settings.model_copy(update={"public_min_count": 3}))) as url:
        yield f"{url}{V2}"


def _post(app, key, suffix: str, **fields):
    form = {"api_key": key, "service_code": "depot_clandestin", "lat": "50.6043", "long": "5.5052", **fields}
    return app.post(f"{V2}/requests.{suffix}", data=form)


def _children(element: Element) -> dict[str, str | None]:
    return {child.tag: child.text for child in element}


def test_a_georeport_client_reads_every_endpoint_in_xml_as_in_json(server, conn, key, app):
    from georeport import GeoReport

    ids = [_post(app, key, "json", description="Sacs").json()[0]["service_request_id"] for _ in range(2)]
    ids.append(_post(app, key, "xml", service_code="graffiti").content)  # posted in XML too (parsed below)
    ids[2] = fromstring(ids[2]).find("request/service_request_id").text
    as_xml, as_json = GeoReport(server, output_format="xml"), GeoReport(server, output_format="json")

    services_xml, services_json = as_xml.get_service_list(), as_json.get_service_list()
    assert len(services_xml) == len(services_json) > 10
    for x, j in zip(services_xml, services_json, strict=True):
        assert x["service_code"] == j["service_code"] and x["service_name"] == j["service_name"]
        assert x["metadata"] == "false" and x["type"] == "realtime" and x["group"] == j["group"]

    listing_xml, listing_json = as_xml.get_service_requests(), as_json.get_service_requests()
    assert sorted(r["service_request_id"] for r in listing_xml) == sorted(ids)
    by_id = {r["service_request_id"]: r for r in listing_json}
    for r in listing_xml:
        j = by_id[r["service_request_id"]]
        assert r["status"] == j["status"] == "open" and r["service_code"] == j["service_code"]
        assert r["requested_datetime"] == j["requested_datetime"]
        assert float(r["lat"]) == j["lat"] and float(r["long"]) == j["long"]
        assert "description" not in r  # the public listing carries no text, in either form

    one = as_xml.get_service_request(ids[2])
    assert one["service_request_id"] == ids[2] and one["service_code"] == "graffiti"
    assert as_json.get_service_request(ids[2])["service_request_id"] == ids[2]
    filtered = as_xml.get_service_requests(service_code="graffiti")
    assert isinstance(filtered, dict) and filtered["service_request_id"] == ids[2]  # one <request>: one dict


def test_post_requests_xml_answers_the_spec_shape_and_stores_the_report(app, conn, key):
    r = _post(app, key, "xml", description="Pneus abandonnés", first_name="Marie", last_name="Dubois")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/xml")
    root = fromstring(r.content)
    assert root.tag == "service_requests" and [c.tag for c in root] == ["request"]
    answer = _children(root[0])
    assert set(answer) == {"service_request_id", "service_notice", "account_id"} and answer["account_id"] is None
    assert answer["service_notice"].startswith("Merci")
    source = conn.execute("SELECT source FROM reports WHERE id = %s", (int(answer["service_request_id"]),))
    assert source.fetchone()[0] == "open311:Seraing Propre"


def test_errors_come_back_as_xml_errors(app, conn, key):
    no_key = app.post(f"{V2}/requests.xml", data={"service_code": "graffiti", "lat": "50.6", "long": "5.5"})
    assert no_key.status_code == 403
    root = fromstring(no_key.content)
    assert root.tag == "errors" and _children(root[0])["code"] == "403"
    assert "api_key" in _children(root[0])["description"]
    far = _post(app, key, "xml", lat="50.85", long="4.35")
    assert far.status_code == 400 and "zone" in fromstring(far.content).find("error/description").text
    missing = app.get(f"{V2}/requests/424242.xml")
    assert missing.status_code == 404 and fromstring(missing.content).find("error/code").text == "404"
    bad = app.get(f"{V2}/requests.xml", params={"status": "peut-être"})
    assert bad.status_code == 422 and fromstring(bad.content).tag == "errors"
    assert count(conn, "reports") == 0


def test_a_requests_xml_file_imports_like_its_json(conn, settings):
    s = ingest(conn, settings, DATA / "formats" / "open311_seraing.xml")
    assert (s.format, s.rows_in, s.inserted, s.rejected) == ("open311", 2, 2, 0)
    rows = conn.execute(
        "SELECT external_id, category, status, description, address, geocode_status FROM reports ORDER BY 1"
    ).fetchall()
    assert rows == [
        (
            "SP-2026-0412",
            "depot_clandestin",
            "clos",
            "Matelas et sacs au coin de la rue",
            "Rue Ferrer 14, 4100 Seraing",
            "fourni",
        ),
        ("SP-2026-0418", "dejections", "nouveau", None, "Place des Verriers 3, 4100 Seraing", "a_geocoder"),
    ]
    # GeoReport v2 has no closing date: the closed request was closed at its last update, the open one is not
    closing = conn.execute("SELECT external_id, closed_at FROM reports ORDER BY 1").fetchall()
    assert closing == [("SP-2026-0412", datetime.fromisoformat("2026-10-16T11:02:00+02:00")), ("SP-2026-0418", None)]
    chicago_xml = ingest(conn, settings, DATA / "open311_chicago_requests.xml")
    chicago_json = ingest(conn, settings, DATA / "open311_chicago_requests.json")
    assert (chicago_xml.format, chicago_xml.rows_in, chicago_xml.rejected) == ("open311", 2, 2)
    assert rejects(conn, chicago_xml.batch_id) == rejects(conn, chicago_json.batch_id)


def test_a_services_list_or_a_bad_xml_file_is_refused_with_what_it_is(conn, settings, tmp_path):
    cases = [
        (DATA / "open311_giessen_services.xml", "c'est une liste de services (services.xml)"),
        (write(tmp_path / "tronque.xml", "<service_requests><request><status>open"), "XML invalide à la ligne 1"),
        (
            write(tmp_path / "bombe.xml", '<!DOCTYPE x [<!ENTITY a "aaaa">]><service_requests>&a;</service_requests>'),
            "XML refusé (déclaration DTD ou entités",
        ),
        (
            write(
                tmp_path / "erreur.xml",
                "<errors><error><code>403</code><description>Clé refusée</description></error></errors>",
            ),
            "réponse d'erreur du serveur Open311 (Clé refusée)",
        ),
    ]
    for path, message in cases:
        with pytest.raises(InputFileError) as info:
            ingest_file(conn, path, IngestOptions(kind="reports"), settings, now=NOW)
        assert message in info.value.message, info.value.message
    assert count(conn, "reports") == 0


def test_a_closed_request_s_last_update_is_its_closing_date_and_a_bad_one_is_refused(conn, settings, tmp_path):
    """The JSON feed as the XML one: ``updated_datetime`` of a closed request is when it was closed (the closing
    delays and the retention count from it). One closed before it was made is refused, naming the feed's field and
    both dates; the feed's other requests are stored."""
    feed = [
        {
            "service_request_id": "SP-2026-0501",
            "status": "closed",
            "service_code": "depot_clandestin",
            "requested_datetime": "2026-10-02T08:15:00+02:00",
            "updated_datetime": "2026-10-05T14:40:00+02:00",
            "address": "Rue Ferrer 14, 4100 Seraing",
        },
        {
            "service_request_id": "SP-2026-0502",
            "status": "closed",
            "service_code": "dejections",
            "requested_datetime": "2026-10-09T10:00:00+02:00",
            "updated_datetime": "2026-10-08T09:00:00+02:00",
            "address": "Place des Verriers 3, 4100 Seraing",
        },
        {
            "service_request_id": "SP-2026-0503",
            "status": "open",
            "service_code": "dejections",
            "requested_datetime": "2026-10-11T16:20:00+02:00",
            "updated_datetime": "2026-10-12T09:00:00+02:00",
            "address": "Place des Verriers 3, 4100 Seraing",
        },
    ]
    path = write(tmp_path / "requests.json", json.dumps(feed))
    s = ingest(conn, settings, path)
    assert (s.format, s.rows_in, s.inserted, s.rejected) == ("open311", 3, 2, 1)
    stored = conn.execute("SELECT external_id, status, closed_at FROM reports ORDER BY 1").fetchall()
    assert stored == [
        ("SP-2026-0501", "clos", datetime.fromisoformat("2026-10-05T14:40:00+02:00")),
        ("SP-2026-0503", "nouveau", None),
    ]
    (reasons,) = rejects(conn, s.batch_id).values()
    assert reasons == ["date de clôture: date de clôture avant la date du signalement : corrigez l'une ou l'autre"]
    said = conn.execute("SELECT reasons::text FROM rejected_rows WHERE batch_id = %s", (s.batch_id,)).fetchone()[0]
    assert "updated_datetime (demande close)" in said and "2026-10-08T09:00:00+02:00" in said, said
