"""Faults under a running server: the database stopped in the middle of a request, a restore while the server
keeps bodies ready, a large import into a table that readers are reading."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from service.api import create_app
from service.db import connect
from service.db.cluster import ClusterManager, find_bin_dir
from service.settings import Settings
from tests.conftest import _DATA_TABLES, DATA
from tests.helpers import serving


def _stop_database(settings: Settings, mode: str = "immediate") -> None:
    manager = ClusterManager(settings)
    bin_dir = find_bin_dir(settings)
    assert bin_dir is not None
    manager._run([str(bin_dir / "pg_ctl"), "-D", str(manager.dir), "-m", mode, "-w", "stop"])


class Api:
    """A few plain HTTP calls to a running server (each on its own connection, with a time limit)."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.token = token

    def get(self, path: str, timeout: float = 60) -> tuple[int, dict[str, str], Any, float]:
        start = time.monotonic()
        client = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            client.request("GET", path, headers={"Authorization": f"Bearer {self.token}"})
            response = client.getresponse()
            raw = response.read()
            headers = {k.lower(): v for k, v in response.getheaders()}
        finally:
            client.close()
        body = json.loads(raw) if headers.get("content-type", "").split(";")[0].endswith("json") else raw
        return response.status, headers, body, time.monotonic() - start


@pytest.fixture()
def emptied(settings: Settings, accounts: dict[str, str]) -> Iterator[None]:
    """Empty data tables, through a connection of its own (the ``conn`` fixture's would not survive a restart)."""
    with connect(settings) as c:
        c.execute(f"TRUNCATE {_DATA_TABLES} RESTART IDENTITY CASCADE")
        c.commit()
    yield


def _assert_french_503(status: int, headers: dict[str, str], body: Any, what: str) -> None:
    assert status == 503, (what, status, body)
    assert isinstance(body, dict) and "base de données" in body["erreur"].lower(), (what, body)
    assert body["conseil"], (what, body)
    assert int(headers["retry-after"]) > 0, (what, headers)


def test_database_stopped_mid_request_every_route_says_so_at_once_then_recovers(
    settings: Settings, emptied: None, tokens: dict[str, str]
) -> None:
    if not settings.managed:
        pytest.skip("needs the managed cluster")
    from tests.helpers import ingest

    with connect(settings) as c:
        ingest(c, settings, DATA / "formats" / "fixmystreet.csv")
    app = create_app(settings)
    with serving(app) as url:
        api = Api(url, tokens["lecteur"])
        assert api.get("/api/signalements")[0] == 200
        assert api.get("/api/health")[2]["base"] == "disponible"

        # a request waiting inside the database (behind a lock) when the database stops
        answers: list[tuple[int, dict[str, str], Any, float]] = []
        locker = connect(settings)  # closed by the stop, not committed
        try:
            locker.execute("LOCK TABLE reports IN ACCESS EXCLUSIVE MODE")
            asking = threading.Thread(target=lambda: answers.append(api.get("/api/signalements?source=fms")))
            asking.start()
            with connect(settings, autocommit=True) as watch:
                for _ in range(400):
                    waiting = watch.execute(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE wait_event_type = 'Lock' AND query LIKE '%%reports%%'"
                    ).fetchone()
                    if waiting and waiting[0]:
                        break
                    time.sleep(0.05)
                else:
                    pytest.fail("la requête n'attend jamais dans la base")
            _stop_database(settings)
            asking.join(60)
        finally:
            locker.close()
        try:
            assert answers, "pas de réponse"
            _assert_french_503(*answers[0][:3], "requête en cours")

            # while it is down: every route answers at once (no 30 s wait for a pooled connection), in French
            for path in ("/api/health", "/api/ready", "/api/points-sensibles", "/api/signalements", "/api/axes"):
                status, headers, body, took = api.get(path)
                _assert_french_503(status, headers, body, path)
                assert took < 10, (path, took)
            assert api.get("/api/health")[2]["base"] == "indisponible"
        finally:
            ClusterManager(settings).up()

        # back by itself: no restart of the server
        deadline = time.monotonic() + 60
        while True:
            status, _headers, body, _took = api.get("/api/signalements")
            if status == 200:
                break
            assert time.monotonic() < deadline, (status, body)
            time.sleep(0.2)
        assert body["total"] == 3
        health = api.get("/api/health")
        assert health[0] == 200 and health[2]["statut"] == "ok" and health[2]["base"] == "disponible"
        assert api.get("/api/ready")[0] == 200
