"""Change notifications followed by each server process: versions that move only once a change is committed,
sessions forgotten when revoked elsewhere, and kept bodies served without a database connection."""

from __future__ import annotations

import time

import psycopg
import pytest
from fastapi.testclient import TestClient

from service.accounts import authenticate, open_session
from service.api import create_app
from service.api.watch import APPLICATION, DataWatcher
from service.db import connect, resolve_conninfo
from tests.conftest import PASSWORDS


@pytest.fixture()
def watcher(settings):
    w = DataWatcher(resolve_conninfo(settings), retry_seconds=0.2)
    w.start()
    assert w.wait_up(10), "le suivi des notifications ne démarre pas"
    yield w
    w.stop()


def _insert_visit(db) -> None:
    """A write to the visits (a statement trigger: it fires even when no row matches)."""
    db.execute("UPDATE visits SET notes = notes WHERE id = 0")


def test_a_version_moves_once_the_change_is_committed_and_only_for_its_kind(settings, conn, watcher):
    reports, analysis = watcher.version("signalements"), watcher.version("analyse")
    with connect(settings) as other:
        _insert_visit(other)
        assert watcher.sync(), "la notification témoin n'est pas arrivée"
        assert watcher.version("analyse") == analysis  # written, not committed: nothing readable has changed
        other.commit()
    assert watcher.sync()
    assert watcher.version("analyse") != analysis
    assert watcher.version("signalements") == reports

    moved = watcher.version("analyse")
    with connect(settings) as other:
        _insert_visit(other)
        other.rollback()
    assert watcher.sync() and watcher.version("analyse") == moved  # a rolled-back change moves nothing

    conn.execute("TRUNCATE visits")
    conn.commit()
    assert watcher.sync() and watcher.version("analyse") != moved


@pytest.mark.minuterie  # (libfaketime's moved clock stops the timers it waits on: make test-date leaves it out)
def test_a_lost_listening_connection_is_made_again_with_a_new_epoch(settings, watcher):
    forgotten = []
    watcher.on_change(forgotten.append)
    before = watcher.version("signalements")
    with psycopg.connect(resolve_conninfo(settings), autocommit=True) as db:  # e.g. the database restarted
        db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", [APPLICATION])
        deadline = time.monotonic() + 15
        while watcher.version("signalements") in (before, None) and time.monotonic() < deadline:
            time.sleep(0.05)
        after = watcher.version("signalements")
        assert after is not None and after[0] == before[0] + 1  # bodies kept under the old epoch never match again
        assert set(forgotten) >= {"signalements", "analyse", "comptes"}  # everything kept is forgotten
        analysis = watcher.version("analyse")
        _insert_visit(db)
    assert watcher.sync() and watcher.version("analyse") != analysis  # and changes are counted again


def test_a_stopped_watcher_gives_no_version(settings):
    w = DataWatcher(resolve_conninfo(settings))
    assert w.version("analyse") is None and not w.sync()  # not started: callers read the database
    w.start()
    assert w.wait_up(10) and w.version("analyse") is not None
    w.stop()
    assert w.version("analyse") is None


@pytest.mark.minuterie  # (libfaketime's moved clock stops the timers it waits on: make test-date leaves it out)
def test_a_watcher_that_cannot_connect_stays_down_and_says_so(tmp_path):
    w = DataWatcher(f"host={tmp_path} port=1 dbname=absente user=personne connect_timeout=1", retry_seconds=0.1)
    w.start()
    assert not w.wait_up(1.0) and w.version("signalements") is None
    w.stop()


@pytest.fixture()
def api(settings, accounts, conn):  # emptied first: the server starts on what the test sees
    with TestClient(create_app(settings.model_copy(update={"map_cache_seconds": 3600}))) as c:
        yield c


def _token(settings, role: str) -> str:
    with connect(settings) as c:
        token, _ = open_session(c, authenticate(c, f"test.{role}", PASSWORDS[role]))
    return token


def test_a_kept_list_is_served_without_a_database_connection(api, conn, settings):
    headers = {"Authorization": f"Bearer {_token(settings, 'lecteur')}"}
    pool = api.app.state.hotspots.pool
    first = api.get("/api/points-sensibles", headers=headers)
    assert first.status_code == 200
    used = pool.get_stats()["requests_num"]
    again = api.get("/api/points-sensibles", headers=headers)
    assert again.content == first.content
    assert pool.get_stats()["requests_num"] == used  # session and body from memory: no connection taken

    # a change from elsewhere (another process, the CLI): the list is made again once it is committed
    with psycopg.connect(resolve_conninfo(settings), autocommit=True) as db:
        _insert_visit(db)
    assert api.app.state.hotspots.watcher.sync()
    assert not api.app.state.hotspots.caches["analyse"]._items  # bodies of the old version are dropped, not left to age
    api.get("/api/points-sensibles", headers=headers)
    assert pool.get_stats()["requests_num"] > used

    # without notifications, every request reads the version in the database again
    api.app.state.hotspots.watcher.stop()
    used = pool.get_stats()["requests_num"]
    assert api.get("/api/points-sensibles", headers=headers).content == first.content
    assert pool.get_stats()["requests_num"] == used + 1


def test_a_session_revoked_elsewhere_is_refused_at_once(api, settings, accounts):
    token = _token(settings, "planificateur")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/moi", headers=headers).status_code == 200
    assert api.get("/api/moi", headers=headers).status_code == 200  # now known from memory
    sessions = api.app.state.hotspots.session_pool.get_stats()["requests_num"]
    assert api.get("/api/points-sensibles", headers=headers).status_code == 200
    assert api.app.state.hotspots.session_pool.get_stats()["requests_num"] == sessions

    with psycopg.connect(resolve_conninfo(settings), autocommit=True) as db:  # e.g. « hotspots users disable »
        db.execute(
            "UPDATE sessions SET revoked = true WHERE token_sha256 = encode(sha256(convert_to(%s, 'UTF8')), 'hex')",
            [token],
        )
    assert api.app.state.hotspots.watcher.sync()
    refused = api.get("/api/points-sensibles", headers=headers)
    assert refused.status_code == 401 and "Connexion requise" in refused.json()["erreur"]


def test_a_role_changed_elsewhere_applies_at_once(api, settings, accounts):
    token = _token(settings, "lecteur")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/moi", headers=headers).json()["role"] == "lecteur"
    with psycopg.connect(resolve_conninfo(settings), autocommit=True) as db:
        db.execute("UPDATE users SET role = 'planificateur' WHERE login = %s", [accounts["lecteur"]])
        try:
            assert api.app.state.hotspots.watcher.sync()
            assert api.get("/api/moi", headers=headers).json()["role"] == "planificateur"
        finally:
            db.execute("UPDATE users SET role = 'lecteur' WHERE login = %s", [accounts["lecteur"]])
    assert api.app.state.hotspots.watcher.sync()
    assert api.get("/api/moi", headers=headers).json()["role"] == "lecteur"
