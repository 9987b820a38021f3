"""A batch is stored whole or not at all: kill the client, or stop the database, in the middle of one."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.db import connect
from service.db.cluster import ClusterManager, find_bin_dir
from service.demo import write_bulk_reports
from service.settings import Settings
from tests.conftest import ROOT
from tests.helpers import cli_env, count, ingest

ROWS = 150_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("atomicity") / "gros_export.csv"
    write_bulk_reports(path, ROWS, addresses=ROOT / "geodata" / "icar_seraing_neupre.csv", seed=7)
    return path


def _start_ingest(settings: Settings, path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "service", "ingest", "reports", str(path), "--json"],
        env=cli_env(settings, HOTSPOTS_CHUNK_ROWS="10000"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def _wait_until_copying(settings: Settings, proc: subprocess.Popen[str]) -> None:
    """Wait until the batch's transaction is open and rows are being copied (into staging, or straight into the
    empty table for a large first load)."""
    deadline = time.monotonic() + 120
    with connect(settings, autocommit=True) as watch:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(proc.communicate())
            row = watch.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()"
                " AND query ILIKE 'COPY%%FROM STDIN%%'"
            ).fetchone()
            if row and row[0]:
                time.sleep(0.5)  # well inside the batch: several chunks already copied
                return
            time.sleep(0.05)
    raise AssertionError("the import never started copying")


def _wait_backends_gone(settings: Settings) -> None:
    with connect(settings, autocommit=True) as watch:
        for _ in range(200):
            row = watch.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()"
                " AND backend_type = 'client backend' AND xact_start IS NOT NULL"
            ).fetchone()
            if row and row[0] == 0:
                return
            time.sleep(0.05)


def _nothing_stored(settings: Settings) -> None:
    with connect(settings) as check:
        assert count(check, "reports") == 0
        assert count(check, "rejected_rows") == 0
        assert count(check, "ingestion_batches", "status <> 'refuse'") == 0


def _indexes(conn) -> list[tuple[str, str]]:
    return conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'reports' ORDER BY 1").fetchall()


def test_killed_process_leaves_nothing_and_rerun_completes(conn, settings, big_file):
    indexes_before = _indexes(conn)
    proc = _start_ingest(settings, big_file)
    _wait_until_copying(settings, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    _wait_backends_gone(settings)
    _nothing_stored(settings)

    summary = ingest(conn, settings, big_file, now=None)  # the bulk file's dates run up to today
    assert (summary.rows_in, summary.inserted, summary.rejected) == (ROWS, ROWS, 0)
    assert summary.details["index_reconstruits"] is True  # a large first load rebuilds the indexes…
    assert _indexes(conn) == indexes_before  # …exactly as they were
    assert count(conn, "reports") == ROWS
    assert count(conn, "ingestion_batches", "status = 'termine'") == 1
    again = ingest(conn, settings, big_file, now=None)
    assert (again.inserted, again.duplicates, again.details["index_reconstruits"]) == (0, ROWS, False)


@pytest.mark.minuterie  # (libfaketime's moved clock stops the timers it waits on: make test-date leaves it out)
def test_database_stopped_mid_batch_leaves_nothing_and_rerun_completes(settings, big_file):
    if not settings.managed:
        pytest.skip("needs the managed cluster")
    with connect(settings) as c:
        c.execute("TRUNCATE reports, rejected_rows, ingestion_batches RESTART IDENTITY CASCADE")
        c.commit()
    proc = _start_ingest(settings, big_file)
    _wait_until_copying(settings, proc)
    manager = ClusterManager(settings)
    bin_dir = find_bin_dir(settings)
    assert bin_dir is not None
    manager._run([str(bin_dir / "pg_ctl"), "-D", str(manager.dir), "-m", "immediate", "-w", "stop"])
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, (out, err)
    assert "Rien n'a été enregistré" in err
    # French end to end: neither libpq's English text nor psycopg's own warnings reach the person
    for english in ("server closed", "terminating", "error ignored", "psycopg", "Traceback", "connection"):
        assert english not in err, (english, err)
    manager.up()  # crash recovery
    _nothing_stored(settings)

    proc = _start_ingest(settings, big_file)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    with connect(settings) as c:
        assert count(c, "reports") == ROWS
        assert c.execute("SELECT rows_in, inserted FROM ingestion_batches WHERE status = 'termine'").fetchall() == [
            (ROWS, ROWS)
        ]
