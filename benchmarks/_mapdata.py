"""Shared set-up of the map benchmarks: N demo reports ingested and analysed in a throwaway database, a session."""

from __future__ import annotations

import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from service.accounts import add_user, authenticate, open_session
from service.analyse.store import run_points
from service.db import connect
from service.demo import write_bulk_reports
from service.ingest.pipeline import IngestOptions, ingest_file
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "mot-de-passe-du-banc"


def load_reports(settings: Settings, n: int) -> dict[str, Any]:
    """Ingest ``n`` reports (two years up to yesterday) and run the analysis; returns timings."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "signalements.csv"
        icar = ROOT / "geodata" / "icar_seraing_neupre.csv"
        write_bulk_reports(path, n, addresses=icar, seed=7, end=date.today() - timedelta(days=1))
        start = time.perf_counter()
        with connect(settings) as conn:
            ingest_file(conn, path, IngestOptions(kind="reports", source="banc"), settings)
            out["import_s"] = time.perf_counter() - start
            now = pd.Timestamp.now(tz="UTC")
            start = time.perf_counter()
            found = run_points(conn, since=(now - pd.Timedelta(days=730)).to_pydatetime(), now=now)
            conn.commit()
            out["analyse_s"] = time.perf_counter() - start
            out["points"] = found.get("points_sensibles")
            conn.execute("ANALYZE reports")
            conn.commit()
    return out


def sessions(settings: Settings, count: int, role: str = "planificateur") -> list[str]:
    """``count`` session tokens of one benchmark account."""
    with connect(settings) as conn:
        if conn.execute("SELECT 1 FROM users WHERE login = 'banc.carte'").fetchone() is None:
            add_user(conn, "banc.carte", PASSWORD, role, full_name="Banc d'essai")
        user = authenticate(conn, "banc.carte", PASSWORD)
        return [open_session(conn, user)[0] for _ in range(count)]


class ThreadServer:
    """A real uvicorn server for ``app`` on a free loopback port, in a thread (``with ThreadServer(app) as url``)."""

    def __init__(self, app: Any) -> None:
        import socket
        import threading

        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
