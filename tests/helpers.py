"""Small helpers shared by the tests."""

from __future__ import annotations

import json
import locale
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from service.demo import DEMO_INGESTION
from service.ingest.pipeline import BatchSummary, IngestOptions, ingest_file
from service.settings import Settings
from tests.conftest import ROOT

#: A fixed clock for tests: files carry dates before it.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def ingest(
    conn: psycopg.Connection[Any],
    settings: Settings,
    path: Path,
    kind: str = "reports",
    *,
    now: datetime | None = NOW,
    **options: Any,
) -> BatchSummary:
    """Ingest with the test clock (``now=None`` for the real one) and check the batch's accounting."""
    summary = ingest_file(conn, path, IngestOptions(kind=kind, **options), settings, now=now)  # type: ignore[arg-type]
    assert summary.balanced, summary
    return summary


def rejects(conn: psycopg.Connection[Any], batch_id: int) -> dict[int, list[str]]:
    """Row number → list of "champ: motif" of a batch's rejected rows."""
    rows = conn.execute(
        "SELECT row_number, reasons FROM rejected_rows WHERE batch_id = %s ORDER BY row_number", (batch_id,)
    ).fetchall()
    return {n: [f"{r['champ']}: {r['motif']}" for r in reasons] for n, reasons in rows}


def count(conn: psycopg.Connection[Any], table: str, where: str = "true") -> int:
    row = conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()
    assert row is not None
    return int(row[0])


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment for running ``python -m service`` against the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTSPOTS_", "DATABASE_URL", "PG"))}
    env.update(
        HOTSPOTS_DATA_DIR=str(settings.data_dir),
        HOTSPOTS_PG_PORT=str(settings.pg_port),
        HOTSPOTS_GEODATA_DIR=str(settings.geodata_dir),
        **extra,
    )
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    return env


DEMO_PLAN = list(DEMO_INGESTION)


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``hotspots ARGS`` in a process of its own from the project root, as a person runs it: its output and exit
    code. The process is forked from one that has loaded the service already (:mod:`tests.cli_fork`): the same
    entry point, environment, folder and files, without two to five seconds of loading each time;
    ``HOTSPOTS_TEST_CLI_FORK=0`` starts a fresh interpreter instead."""
    if os.environ.get("HOTSPOTS_TEST_CLI_FORK") == "0":
        return subprocess.run(
            [sys.executable, "-m", "service", *args],
            env=env,
            cwd=ROOT,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    return _forked_cli(list(args), env, stdin, timeout)


class _Forker:
    """The process that forks the commands (:mod:`tests.cli_fork`), started at the first command; its answers
    read from the pipe itself (a buffered reader could hold the exit line while ``select`` waits on the pipe)."""

    process: subprocess.Popen[bytes] | None = None
    pending = b""
    asked = 0

    @classmethod
    def ask(cls, request: dict[str, Any]) -> int:
        """Send ``request``; its id, which its answers carry."""
        if cls.process is None or cls.process.poll() is not None:
            clean = {k: v for k, v in os.environ.items() if not k.startswith(("HOTSPOTS_", "DATABASE_URL", "PG"))}
            cls.process = subprocess.Popen(
                [sys.executable, "-m", "tests.cli_fork"],
                cwd=ROOT,
                env=clean,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            cls.pending = b""
            assert cls.answer(0, timeout=300) == {"pret": True}
        assert cls.process.stdin is not None
        cls.asked += 1
        cls.process.stdin.write(json.dumps({**request, "id": cls.asked}).encode() + b"\n")
        cls.process.stdin.flush()
        return cls.asked

    @classmethod
    def answer(cls, asked: int, timeout: float | None = None) -> dict[str, Any] | None:
        """The next answer to request ``asked`` (an earlier one's, left by a stopped test, skipped), or None when
        ``timeout`` seconds pass first."""
        assert cls.process is not None and cls.process.stdout is not None
        fd = cls.process.stdout.fileno()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            while b"\n" not in cls.pending:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                if not select.select([fd], [], [], left)[0]:
                    return None
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise RuntimeError("le processus qui lance les commandes des tests s'est arrêté")
                cls.pending += chunk
            line, _, cls.pending = cls.pending.partition(b"\n")
            answer: dict[str, Any] = json.loads(line)
            if answer.get("id", asked) == asked:
                return answer


def _forked_cli(
    argv: list[str], env: dict[str, str] | None, stdin: str | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    """The command in a child of the forking process: what ``subprocess.run(…, capture_output=True, text=True)``
    gives, a timeout included (the child killed, then ``TimeoutExpired``)."""
    encoding = locale.getpreferredencoding(False)
    with tempfile.TemporaryDirectory(prefix="hotspots-cli-") as folder:
        files = {name: Path(folder) / name for name in ("stdin", "stdout", "stderr")}
        files["stdin"].write_bytes((stdin or "").encode(encoding))
        for name in ("stdout", "stderr"):
            files[name].touch()
        request = {
            "argv": argv,
            "env": dict(os.environ if env is None else env),
            "cwd": str(ROOT),
            **{name: str(path) for name, path in files.items()},
        }
        if stdin is None:
            request["stdin"] = os.devnull
        asked = _Forker.ask(request)
        started = _Forker.answer(asked)
        assert started is not None
        ended = _Forker.answer(asked, timeout)
        if ended is None:
            os.kill(started["pid"], signal.SIGKILL)
            _Forker.answer(asked)
            raise subprocess.TimeoutExpired(["hotspots", *argv], timeout)

        def text(name: str) -> str:
            data = files[name].read_bytes().decode(encoding)
            return data.replace("\r\n", "\n").replace("\r", "\n")

        return subprocess.CompletedProcess(
            [sys.executable, "-m", "service", *argv], ended["code"], text("stdout"), text("stderr")
        )


def zone_batch_geocoder(conn: psycopg.Connection[Any], settings: Settings) -> Any:
    """The import's geocoder over the zone's address register, loaded first when the database has none."""
    from service.geocode.apply import batch_geocoder
    from service.geocode.gazetteer import load_gazetteer

    if batch_geocoder(conn) is None:
        load_gazetteer(conn, [settings.geodata_dir / "icar_seraing_neupre.csv"])
        conn.commit()  # ingestion starts from a clean transaction (it rolls back anything pending)
    return batch_geocoder(conn)


def registered_geocoder(settings: Settings, *files: Path) -> Any:
    """A geocoder over the address registers ``files`` (the zone's by default), loaded into the database."""
    from service.db import connect
    from service.geocode.gazetteer import load_gazetteer
    from service.geocode.match import Geocoder

    with connect(settings) as conn:
        load_gazetteer(conn, list(files) or [ROOT / "geodata" / "icar_seraing_neupre.csv"])
        return Geocoder.from_db(conn)


#: Per test process, each analysed demonstration built: its files, the database's rows after it (a
#: :class:`tests.browser.DemoSnapshot`) and what the analysis returned, by (seed, reports).
_ANALYSED: dict[tuple[int, int], tuple[Path, Any, dict[str, Any]]] = {}


def load_analysed_demo(settings: Settings, out_dir: Path, *, seed: int = 7, n_reports: int = 2500) -> dict[str, Any]:
    """Empty the data tables, load the zone's address register, ingest and geocode the demo set into ``out_dir``,
    analyse it; return what the analysis said.

    For modules whose tests only read (API, maps): call it from a module-scoped fixture. Built once per test process
    (about 12 s), then its rows copied back and its files copied into ``out_dir`` (about a second); built again when
    the address register changed since.
    """
    import atexit
    import copy
    import shutil
    from datetime import date

    import pandas as pd

    from service.analyse.store import run_points
    from service.db import connect
    from service.demo import generate_demo
    from tests.browser import DemoSnapshot
    from tests.conftest import empty_data_tables

    with connect(settings) as conn:
        empty_data_tables(conn)
        kept = _ANALYSED.get((seed, n_reports))
        if kept is not None and kept[1].restore(conn):
            shutil.copytree(kept[0], out_dir, dirs_exist_ok=True)
            return copy.deepcopy(kept[2])
        built = Path(tempfile.mkdtemp(prefix="hotspots-demo-"))
        atexit.register(shutil.rmtree, built, True)
        files = generate_demo(
            built,
            addresses=settings.geodata_dir / "icar_seraing_neupre.csv",
            seed=seed,
            n_reports=n_reports,
            end=date(2026, 11, 15),
        )
        geocoder = zone_batch_geocoder(conn, settings)
        for attr, kind, source in DEMO_PLAN:
            options = IngestOptions(kind=kind, source=source)  # type: ignore[arg-type]
            ingest_file(conn, getattr(files, attr), options, settings, geocoder=geocoder, now=NOW)
        found = run_points(conn, since=datetime(2024, 11, 1, tzinfo=UTC), now=pd.Timestamp(NOW))
        conn.commit()
        _ANALYSED[(seed, n_reports)] = (built, DemoSnapshot.take(conn, files), copy.deepcopy(found))
        shutil.copytree(built, out_dir, dirs_exist_ok=True)
        return found


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """A real uvicorn server for ``app`` on a free loopback port, in a thread; yields its base URL."""
    import socket
    import threading

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "le serveur ne démarre pas"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def nearest_postcodes(
    conn: psycopg.Connection[Any], ids: list[Any], xs: list[float], ys: list[float], within: float | None = 250
) -> dict[Any, str]:
    """Id → the postcode of the official address nearest its point (Lambert 72) within ``within`` metres (None: at
    any distance, as the sensitive points are placed), found by geopandas from the register's points: the oracle of
    the place filters, made without the database's functions."""
    import geopandas as gpd

    rows = conn.execute("SELECT ST_X(geom), ST_Y(geom), postcode FROM gazetteer_addresses").fetchall()
    addresses = gpd.GeoDataFrame(
        {"postcode": [r[2] for r in rows]},
        geometry=gpd.points_from_xy([r[0] for r in rows], [r[1] for r in rows]),
        crs=31370,
    )
    places = gpd.GeoDataFrame({"id": ids}, geometry=gpd.points_from_xy(xs, ys), crs=31370)
    joined = gpd.sjoin_nearest(places, addresses, max_distance=within).drop_duplicates("id")
    return dict(zip(joined["id"], joined["postcode"], strict=True))
