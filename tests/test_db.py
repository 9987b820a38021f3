"""The managed cluster, migrations and backups, on the real PostgreSQL/PostGIS."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.db import cluster, connect, ensure_database
from service.db.backup import backup, restore
from service.db.cluster import ClusterManager
from service.db.migrate import available_migrations, check_schema, migrate
from service.errors import ConfigError, DatabaseError
from service.settings import load_settings
from tests.conftest import DATA, ROOT, worker_pg_port
from tests.helpers import cli_env, count, ingest

IS_ROOT = os.geteuid() == 0


def test_up_is_idempotent_and_reports_status(settings):
    if not settings.managed:
        pytest.skip("external database")
    manager = ClusterManager(settings)
    first = manager.up()
    assert manager.up() == first
    status = manager.status()
    assert status.running and status.initialised and status.postgis_installed
    assert status.server_user == (settings.pg_system_user if IS_ROOT else pwd.getpwuid(os.geteuid()).pw_name)


@pytest.mark.skipif(not IS_ROOT, reason="only meaningful when run as root")
def test_server_runs_as_an_unprivileged_user_when_root(settings):
    if not settings.managed:
        pytest.skip("external database")
    cluster_dir = ClusterManager(settings).dir
    owner = pwd.getpwuid(cluster_dir.stat().st_uid).pw_name
    assert owner == settings.pg_system_user
    assert cluster_dir.stat().st_mode & 0o777 == 0o700
    pid = int((cluster_dir / "postmaster.pid").read_text().split()[0])
    assert pwd.getpwuid(Path(f"/proc/{pid}").stat().st_uid).pw_name == settings.pg_system_user


def test_processes_started_together_on_a_fresh_machine_install_postgis_once(tmp_path, monkeypatch):
    """The suite's two workers (or a server and a command) each find PostGIS missing: the second waits for the
    first's installation and does not run apt-get again (it failed on dpkg's lock). apt-get is a stand-in that
    writes down how it was called."""
    calls = tmp_path / "apt-get.calls"
    fake = tmp_path / "apt-get"
    fake.write_text(f'#!/bin/sh\necho "$*" >> {calls}\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    marker = tmp_path / "postgis.control"
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(marker)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as h:
        assert h.stdout is not None and h.stdout.readline() == "installe\n"
        cluster._apt_install(["postgresql-15-postgis-3"], installed=marker.exists)
    assert marker.exists() and not calls.exists()  # waited for the other one, then found it done
    # alone, it installs, and waits for any other apt-get on the machine
    cluster._apt_install(["postgresql-15-postgis-3"], installed=lambda: False)
    assert calls.read_text().splitlines() == [
        "-o DPkg::Lock::Timeout=300 update -qq",
        "-o DPkg::Lock::Timeout=300 install -y -qq postgresql-15-postgis-3",
    ]


#: Another process installing PostGIS: it holds the lock a second, then the package is there.
HOLDER = """
import pathlib, sys, time
from service.db.cluster import apt_lock
with apt_lock():
    print("installe", flush=True)
    time.sleep(1)
    pathlib.Path(sys.argv[1]).touch()
"""


@pytest.mark.skipif(not IS_ROOT, reason="only meaningful when run as root")
def test_data_dir_the_server_user_cannot_enter_is_refused():
    private = Path(tempfile.mkdtemp(prefix="hotspots-private-"))
    private.chmod(0o700)
    try:
        s = load_settings(database_url=None, data_dir=private / "data")
        with pytest.raises(ConfigError) as info:
            ClusterManager(s).up()
        assert "ne peut pas entrer dans" in info.value.message
        assert "HOTSPOTS_DATA_DIR" in (info.value.hint or "")
    finally:
        shutil.rmtree(private)


def test_initdb_that_cannot_look_up_its_user_is_run_once_more(monkeypatch):
    """On a fresh machine, initdb once failed with « could not look up effective user ID »: the account database
    changed while packages added their system users. The cluster manager looks the user up again and runs initdb
    once more (the first run is a stand-in that fails as that one did; the second is the real initdb)."""
    base = Path(tempfile.mkdtemp(prefix="hotspots-initdb-"))
    base.chmod(0o755)
    s = load_settings(database_url=None, data_dir=base, pg_port=worker_pg_port() + 2)
    manager = ClusterManager(s)
    real = ClusterManager._run
    failed: list[list[str]] = []

    def once(self: ClusterManager, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        if Path(args[0]).name == "initdb" and not failed:
            failed.append(args)
            raise DatabaseError(
                "La commande initdb a échoué (code 1) : initdb: error: could not look up effective user ID 999: "
                "user does not exist"
            )
        return real(self, args, check=check)

    monkeypatch.setattr(ClusterManager, "_run", once)
    try:
        bin_dir = cluster.ensure_server_software(s)
        manager.init(bin_dir)
        assert failed and manager.initialised()
        assert (manager.dir / "run").is_dir() and (manager.dir / "log").is_dir()
        assert manager.dir.stat().st_uid == manager.server_user().pw_uid

        # any other failure of initdb is said as it is, not tried again
        def full(self: ClusterManager, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
            failed.append(args)
            raise DatabaseError("La commande initdb a échoué (code 1) : No space left on device")

        monkeypatch.setattr(ClusterManager, "_run", full)
        other = ClusterManager(load_settings(database_url=None, data_dir=base / "autre", pg_port=s.pg_port))
        with pytest.raises(DatabaseError, match="No space left on device"):
            other.init(bin_dir)
        assert len(failed) == 2
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_full_lifecycle_in_a_fresh_directory():
    base = Path(tempfile.mkdtemp(prefix="hotspots-life-"))
    base.chmod(0o755)
    port = worker_pg_port() + 1
    s = load_settings(database_url=None, data_dir=base, pg_port=port)
    manager = ClusterManager(s)
    try:
        assert not manager.initialised()
        ensure_database(s)
        with connect(s) as conn:
            conn.execute("CREATE TABLE keep_me (v int)")
            conn.execute("INSERT INTO keep_me VALUES (42)")
            conn.commit()
        assert manager.down() is True
        assert manager.running() is False
        assert manager.down() is False
        ensure_database(s)
        with connect(s) as conn:
            assert conn.execute("SELECT v FROM keep_me").fetchone() == (42,)
            versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
            assert versions == [m.version for m in available_migrations()]
    finally:
        manager.down()
        shutil.rmtree(base, ignore_errors=True)


def test_migrations_are_recorded_and_rerun_is_a_no_op(conn):
    assert migrate(conn) == []
    rows = conn.execute("SELECT version, checksum FROM schema_migrations ORDER BY version").fetchall()
    assert rows == [(m.version, m.checksum) for m in available_migrations()]


def test_an_edited_migration_is_refused(conn):
    original = conn.execute("SELECT checksum FROM schema_migrations WHERE version = 2").fetchone()[0]
    conn.execute("UPDATE schema_migrations SET checksum = 'modifiee' WHERE version = 2")
    conn.commit()
    try:
        with pytest.raises(DatabaseError) as info:
            migrate(conn)
        assert "a été modifiée après son application" in info.value.message
    finally:
        conn.rollback()
        conn.execute("UPDATE schema_migrations SET checksum = %s WHERE version = 2", (original,))
        conn.commit()


def test_geometry_is_lambert72_with_spatial_indexes(conn):
    cols = conn.execute(
        "SELECT f_table_name, srid, type FROM geometry_columns WHERE f_table_schema = 'public' ORDER BY 1"
    ).fetchall()
    assert set(cols) >= {
        ("permits", 31370, "POINT"),
        ("reports", 31370, "POINT"),
        ("visits", 31370, "POINT"),
        ("gazetteer_addresses", 31370, "POINT"),
        ("gazetteer_streets", 31370, "POINT"),
    }
    assert {srid for _t, srid, _k in cols} == {31370}
    gist = {r[0] for r in conn.execute("SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")}
    assert {"permits", "reports", "visits", "gazetteer_addresses"} <= gist
    ext = {r[0] for r in conn.execute("SELECT extname FROM pg_extension")}
    assert {"postgis", "pg_trgm", "unaccent"} <= ext


def test_batch_counts_must_add_up_in_the_database(conn):
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "INSERT INTO ingestion_batches (kind, file_name, file_sha256, file_bytes, file_format, status, rows_in, "
            "inserted) VALUES ('reports', 'x.csv', 'abc', 1, 'csv', 'termine', 5, 4)"
        )
    conn.rollback()


def test_backup_and_restore_round_trip(conn, settings, tmp_path):
    ingest(conn, settings, DATA / "formats" / "commune_cp1252.csv")
    ingest(conn, settings, DATA / "formats" / "fixmystreet.csv")
    snapshot = conn.execute("SELECT id, external_id, ST_AsText(geom), observed_at FROM reports ORDER BY id").fetchall()
    contacts = conn.execute("SELECT * FROM private.reporter_contacts").fetchall()
    conn.commit()
    dump = backup(settings, tmp_path / "sauvegarde.dump")
    assert dump.stat().st_size > 0
    conn.execute("DELETE FROM private.reporter_contacts")
    conn.execute("DELETE FROM reports")
    conn.commit()
    assert count(conn, "reports") == 0
    conn.close()
    restore(settings, dump)
    with connect(settings) as again:
        assert (
            again.execute("SELECT id, external_id, ST_AsText(geom), observed_at FROM reports ORDER BY id").fetchall()
            == snapshot
        )
        assert again.execute("SELECT * FROM private.reporter_contacts").fetchall() == contacts
        assert again.execute("SELECT count(*) FROM categories").fetchone()[0] == 16  # bruit_voisinage: 0050


def test_the_server_refuses_a_schema_behind_and_starts_once_it_is_applied(conn, settings):
    """The server never migrates: with the last migration not recorded as applied, the application does not start
    and ``hotspots serve`` says so in French, naming ``hotspots db migrate``; once it is applied, it starts."""
    last = available_migrations()[-1]
    saved = conn.execute("SELECT name, checksum FROM schema_migrations WHERE version = %s", (last.version,)).fetchone()
    conn.execute("DELETE FROM schema_migrations WHERE version = %s", (last.version,))
    conn.commit()
    try:
        with pytest.raises(DatabaseError) as refused:
            check_schema(conn)
        assert f"{last.version:04d}_{last.name}" in refused.value.message and "en attente" in refused.value.message
        assert "hotspots db migrate" in (refused.value.hint or "")
        with pytest.raises(DatabaseError), TestClient(create_app(settings)):
            pass
        served = subprocess.run(
            [sys.executable, "-m", "service", "serve", "--port", "1"],
            env=cli_env(settings),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert served.returncode == 3 and "La base n'est pas à jour" in served.stderr, served.stderr
        assert "hotspots db migrate" in served.stderr and "Traceback" not in served.stderr
    finally:
        # its SQL did run: recording it again is what « hotspots db migrate » would leave
        conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            (last.version, saved[0], saved[1]),
        )
        conn.commit()
    assert check_schema(conn) == last.version
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/ready").json()["migration"] == last.version


def test_connections_speak_the_time_zone_of_the_settings(settings):
    for zone in ("Europe/Brussels", "UTC"):
        with connect(settings.model_copy(update={"timezone": zone})) as c:
            assert c.execute("SHOW TIME ZONE").fetchone()[0] == zone
