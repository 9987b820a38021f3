"""Faults under a running server: the database stopped in the middle of a request, a restore while the server
keeps bodies ready, a large import into a table that readers are reading."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from service.api import create_app
from service.db import connect
from service.db.cluster import ClusterManager, find_bin_dir
from service.settings import Settings
from tests.conftest import DATA, empty_data_tables
from tests.helpers import serving


def _stop_database(settings: Settings, mode: str = "immediate") -> None:
    manager = ClusterManager(settings)
    bin_dir = find_bin_dir(settings)
    assert bin_dir is not None
    manager._run([str(bin_dir / "pg_ctl"), "-D", str(manager.dir), "-m", mode, "-w", "stop"])


def _browser(url: str, method: str, path: str, form: str | None) -> tuple[int, dict[str, str], str]:
    """A request as a browser makes it (asking for HTML; a form posted as a form)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    if form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=form, headers=headers)
    r = conn.getresponse()
    page = r.read().decode()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, page


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
        empty_data_tables(c)
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
            # a person's browser gets a French page, not the JSON: the map, the login form, an address that is not
            for method, path, form in (("GET", "/carte", None), ("POST", "/connexion", "identifiant=a&mot_de_passe=b")):
                status, headers, page = _browser(url, method, path, form)
                assert status == 503 and headers["content-type"].startswith("text/html"), (path, status)
                assert "Service momentanément indisponible" in page and "base de données" in page, page
                assert f'href="{path}">Réessayer</a>' in page and int(headers["retry-after"]) > 0
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


_RUN = "INSERT INTO analysis_runs (kind) VALUES ('points') RETURNING id"
_POINT = """INSERT INTO sensitive_points (id, state, geom, point, n_reports, priority, first_run_id, last_run_id)
    VALUES (%(id)s, 'actif', ST_Buffer(ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370), 40),
            ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370), 12, 1.5, %(run)s, %(run)s)"""
_AXIS = """INSERT INTO problem_axes (id, run_id, first_run_id, street, municipality, segments, length_m, reports,
        rate_per_100m, expected, q_max, geom)
    VALUES (%(id)s, %(run)s, %(run)s, 'Rue Ferrer', 'Seraing', 2, 200, 9, 4.5, 1.0, 0.01,
            ST_SetSRID(ST_MakeLine(ST_MakePoint(%(x)s, %(y)s), ST_MakePoint(%(x)s + 200, %(y)s)), 31370))"""


def _place(settings: Settings, what: str, **values: Any) -> None:
    with connect(settings) as c:
        run = c.execute(_RUN).fetchone()
        assert run is not None
        c.execute(what, {**values, "run": run[0]})
        c.commit()


def test_a_restore_under_a_running_server_is_served_at_once(
    settings: Settings, emptied: None, tokens: dict[str, str], tmp_path: Path
) -> None:
    """Kept bodies of the data the restore removed are never given again, and the pooled connections (which keep
    PostGIS's type ids from before the restore) are replaced: no 500 on a point's or an axis's page."""
    from service.db.backup import backup, restore
    from tests.helpers import ingest

    with connect(settings) as c:
        ingest(c, settings, DATA / "formats" / "fixmystreet.csv")
    _place(settings, _POINT, id="PS-0001", x=232500, y=145000)
    _place(settings, _AXIS, id="AX-0001", x=232000, y=145200)
    dump = backup(settings, tmp_path / "avant.dump")

    # after the backup: a second point, more reports
    _place(settings, _POINT, id="PS-0002", x=233500, y=146000)
    with connect(settings) as c:
        ingest(c, settings, DATA / "formats" / "gent_sluikstort.csv", source="gent")

    app = create_app(settings.model_copy(update={"map_cache_seconds": 3600}))
    view = "/api/carte/signalements?bbox=3.0,50.0,6.5,51.5&zoom=9"
    with serving(app) as url:
        api = Api(url, tokens["lecteur"])
        # the server keeps the lists and the view ready, and its pooled connections have used PostGIS
        assert [f["id"] for f in api.get("/api/points-sensibles")[2]["features"]] == ["PS-0001", "PS-0002"]
        assert api.get("/api/points-sensibles/PS-0001")[0] == 200 and api.get("/api/axes/AX-0001")[0] == 200
        reports_before = api.get("/api/signalements")[2]["total"]
        view_before = api.get(view)[2]["total"]
        assert reports_before == view_before > 3

        restore(settings, dump)
        assert app.state.hotspots.watcher.sync()  # every notification committed so far has reached the server

        points = api.get("/api/points-sensibles")
        assert points[0] == 200 and [f["id"] for f in points[2]["features"]] == ["PS-0001"]
        for path in ("/api/points-sensibles/PS-0001", "/api/axes/AX-0001"):
            status, _headers, body, _took = api.get(path)
            assert status == 200, (path, body)
        assert api.get("/api/points-sensibles/PS-0002")[0] == 404
        assert api.get("/api/signalements")[2]["total"] == 3
        assert api.get(view)[2]["total"] == 3


#: Lock modes that let readers of the table through (a reader's own AccessShareLock conflicts only with
#: AccessExclusiveLock).
_READER_FRIENDLY = {
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
}


def test_a_large_import_into_a_table_with_reports_never_blocks_its_readers(
    settings: Settings, emptied: None, tmp_path: Path
) -> None:
    """60,000 reports of a new source into a table holding another source's: the indexes stay (they are only
    dropped for an empty table), so a reader with a 1 s lock time-out is served all along the import."""
    import subprocess
    import sys

    from service.demo import write_bulk_reports
    from tests.conftest import ROOT
    from tests.helpers import cli_env, ingest

    addresses = ROOT / "geodata" / "icar_seraing_neupre.csv"
    stored, big = tmp_path / "commune.csv", tmp_path / "intercommunale.csv"
    write_bulk_reports(stored, 3_000, addresses=addresses, seed=3)
    write_bulk_reports(big, 60_000, addresses=addresses, seed=9)
    with connect(settings) as c:
        assert ingest(c, settings, stored, source="commune", now=None).inserted == 3_000

    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "ingest", "reports", str(big), "--source", "intercommunale", "--json"],
        env=cli_env(settings, HOTSPOTS_CHUNK_ROWS="10000"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    modes: set[str] = set()
    reads_during_import = 0
    with connect(settings, autocommit=True) as reader:
        reader.execute("SET lock_timeout = '1s'")
        while proc.poll() is None:
            held = reader.execute(
                "SELECT l.mode FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                " WHERE l.relation = 'reports'::regclass AND l.pid <> pg_backend_pid() AND l.granted"
            ).fetchall()
            modes |= {mode for (mode,) in held}
            # what the map asks: reports of a view, through the spatial index
            reader.execute(
                "SELECT count(*) FROM reports WHERE geom && ST_MakeEnvelope(230000, 143000, 232000, 145000, 31370)"
            ).fetchone()
            reads_during_import += bool(held)
            time.sleep(0.05)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    summary = json.loads(out)
    assert summary["rows_in"] == 60_000 and summary["details"]["index_reconstruits"] is False
    assert reads_during_import >= 3, "le lecteur n'a pas lu pendant l'import"
    assert "AccessExclusiveLock" not in modes and modes <= _READER_FRIENDLY, modes
