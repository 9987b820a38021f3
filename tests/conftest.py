"""A real, throwaway PostGIS for the whole test session (the managed cluster in a temporary directory).

Set HOTSPOTS_TEST_DATABASE_URL to run the suite against an existing PostGIS instead (one process: ``-n 0``), and
HOTSPOTS_TEST_PG_PORT (default 54329) to run two suites side by side. Under pytest-xdist (``make test`` runs two
processes), each worker has its own cluster, ten ports above the previous one's: the tests that start a second
cluster take the next ports of their own worker's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from service.db import connect, ensure_database
from service.db.cluster import ClusterManager
from service.settings import Settings, load_settings

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]

_DATA_TABLES = (
    "private.access_log, private.rejected_row_contacts, private.reporter_contacts, rejected_rows, visits, "
    "interventions, permits, reports, ingestion_batches, geocode_reviews, sensitive_point_history, problem_axes, "
    "sensitive_points, analysis_runs, login_failures, plan_routes, plan_dropped, plan_stops, plans, "
    "referral_reports, referrals, private.network_coordinators, network_digests, prevention_networks, import_jobs, "
    "source_mappings"
)


def pytest_configure(config: pytest.Config) -> None:
    """One external database cannot hold two test processes' data: refuse ``-n 2`` with it, before any test."""
    workers = config.getoption("numprocesses", default=None)
    if os.environ.get("HOTSPOTS_TEST_DATABASE_URL") and workers not in (None, 0, 1):
        raise pytest.UsageError("HOTSPOTS_TEST_DATABASE_URL : une seule base, un processus de tests (pytest -n 0).")


def worker_pg_port() -> int:
    """This test process's cluster port: HOTSPOTS_TEST_PG_PORT, plus ten per pytest-xdist worker before it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(os.environ.get("HOTSPOTS_TEST_PG_PORT", "54329")) + 10 * int(worker.removeprefix("gw"))


@pytest.fixture(scope="session")
def settings() -> Iterator[Settings]:
    external = os.environ.get("HOTSPOTS_TEST_DATABASE_URL")
    # /tmp, not pytest's tmp dirs: as root, the server's own user must be able to enter the directory.
    base = Path(tempfile.mkdtemp(prefix="hotspots-test-"))
    base.chmod(0o755)
    s = load_settings(
        database_url=external or None,
        data_dir=base,
        geodata_dir=ROOT / "geodata",
        pg_port=worker_pg_port(),
        chunk_rows=1_000,
        # generated requests (schemathesis) fail many logins from one address: the limits have their own test
        login_max_failures=100_000,
        login_max_failures_per_address=100_000,
    )
    ensure_database(s)
    try:
        yield s
    finally:
        if s.managed:
            ClusterManager(s).down()
        shutil.rmtree(base, ignore_errors=True)


def empty_data_tables(conn: psycopg.Connection[Any]) -> None:
    """Empty every data table (and what references them), identities restarted; vocabularies, accounts and the
    address register kept. Committed."""
    conn.execute(f"TRUNCATE {_DATA_TABLES} RESTART IDENTITY CASCADE")
    conn.commit()


@pytest.fixture()
def conn(settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    """A connection to an emptied database (vocabularies kept)."""
    with connect(settings) as c:
        empty_data_tables(c)
        yield c


@pytest.fixture()
def tmp_out(tmp_path: Path) -> Path:
    return tmp_path


#: One account per role, created once per session (accounts survive the per-test truncation).
PASSWORDS = {"lecteur": "lecteur-secret-1", "planificateur": "planif-secret-22", "admin": "admin-secret-333"}


@pytest.fixture(scope="session")
def accounts(settings: Settings) -> dict[str, str]:
    """Login of each role's test account (password in PASSWORDS)."""
    from service.accounts import add_user

    logins = {role: f"test.{role}" for role in PASSWORDS}
    with connect(settings) as c:
        for role, login in logins.items():
            if c.execute("SELECT 1 FROM users WHERE login = %s", (login,)).fetchone() is None:
                add_user(c, login, PASSWORDS[role], role, full_name=f"Agent {role}")
    return logins


@pytest.fixture(scope="session")
def tokens(settings: Settings, accounts: dict[str, str]) -> dict[str, str]:
    """A session token per role."""
    from service.accounts import authenticate, open_session

    out = {}
    with connect(settings) as c:
        for role, login in accounts.items():
            out[role], _ = open_session(c, authenticate(c, login, PASSWORDS[role]))
    return out


@pytest.fixture(scope="session")
def auth(tokens: dict[str, str]) -> dict[str, dict[str, str]]:
    """Authorization headers per role, for TestClient calls."""
    return {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}


# The browser tests' fixtures (a demo-data server, headless Chromium, the README's captures), for every test module
# that drives the map; imported last, since tests.browser reads the names above.
from tests.browser import (  # noqa: E402, F401
    browser,
    captures,
    demo_data,
    demo_snapshot,
    device_zone,
    failing_tiles,
    server,
)
