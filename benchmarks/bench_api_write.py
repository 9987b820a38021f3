"""One record written through the API, alone: what a person waits for when the map's form or an app sends one.

In a throwaway database holding the demonstration set (address register, reports geocoded and analysed), each
write is sent ``--writes`` times one after the other (after a few not counted) through FastAPI's TestClient, in
this process, with a planner's session:

* a visit with its coordinates (``POST /api/visites``);
* a visit on a sensitive point (``POST /api/points-sensibles/{id}/visites``, the map's visit form: the visit is
  stored, attached to the point, and the point's priority follows its outcome);
* a report with its coordinates (``POST /api/signalements``).

Then the same writes without HTTP (``service.api.writes.create_records``, the function the routes call): its
time, and the SQL statements and COPY it sends per record. The baseline printed beside is the path before the
in-memory one (records written to a temporary CSV file, read and checked again by the file import, three
temporary tables, the stored id looked up again; the form's attachment in a second transaction), measured with
this script on the same machine.

Run: ``python benchmarks/bench_api_write.py [--writes 200] [--reports 2000] [--port 54406]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WARM_UP = 10
#: Before the in-memory path (same script, same machine, mean of two runs; ms): (p50, p95) per write.
BASELINE: dict[str, tuple[float, float]] = {
    "visite (POST /api/visites)": (25.9, 32.8),
    "visite d'un point sensible (formulaire de la carte)": (30.2, 43.2),
    "signalement (POST /api/signalements)": (34.7, 45.0),
    "create_records, visite (sans HTTP)": (24.6, 34.4),
    "create_records, signalement (sans HTTP)": (25.8, 30.8),
}
#: ... and the SQL statements and COPY sent for one write.
BASELINE_STATEMENTS: dict[str, int] = {
    "visite (POST /api/visites)": 26,
    "visite d'un point sensible (formulaire de la carte)": 31,
    "signalement (POST /api/signalements)": 28,
    "create_records, visite (sans HTTP)": 24,
    "create_records, signalement (sans HTTP)": 26,
}


def _quantiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1e3, ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1e3


@contextmanager
def counting_statements() -> Iterator[list[int]]:
    """Count the statements (``execute``) and COPY sent by psycopg cursors meanwhile."""
    import psycopg

    box = [0]
    execute, copy = psycopg.Cursor.execute, psycopg.Cursor.copy

    def counted_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        box[0] += 1
        return execute(self, *args, **kwargs)

    def counted_copy(self: Any, *args: Any, **kwargs: Any) -> Any:
        box[0] += 1
        return copy(self, *args, **kwargs)

    psycopg.Cursor.execute = counted_execute  # type: ignore[method-assign]
    psycopg.Cursor.copy = counted_copy  # type: ignore[method-assign]
    try:
        yield box
    finally:
        psycopg.Cursor.execute = execute  # type: ignore[method-assign]
        psycopg.Cursor.copy = copy  # type: ignore[method-assign]


def _timed(send: Callable[[int], Any], n: int) -> list[float]:
    for i in range(WARM_UP):
        send(-1 - i)
    times = []
    for i in range(n):
        start = time.perf_counter()
        send(i)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=200, help="écritures mesurées par sorte")
    parser.add_argument("--reports", type=int, default=2000, help="signalements de la démonstration")
    parser.add_argument("--port", type=int, default=54406)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from benchmarks._database import throwaway_database
    from service.accounts import add_user, authenticate, open_session
    from service.api import create_app
    from service.api.writes import create_records
    from service.db import connect
    from service.demo.load import load_demo
    from service.geocode.apply import batch_geocoder

    when = (datetime.now() - timedelta(days=1)).strftime("%d/%m/%Y %H:%M")
    place = {"lon": 5.5052, "lat": 50.6043}
    rows: list[tuple[str, float, float, str]] = []
    with throwaway_database(args.port) as settings:
        start = time.perf_counter()
        load_demo(settings, n_reports=args.reports)
        print(f"Démonstration chargée et analysée : {time.perf_counter() - start:.0f} s")
        with connect(settings) as conn:
            add_user(conn, "banc.planif", "banc-secret-123", "planificateur")
            user = authenticate(conn, "banc.planif", "banc-secret-123")
            token, _ = open_session(conn, user)
            points = [r[0] for r in conn.execute("SELECT id FROM sensitive_points ORDER BY priority DESC").fetchall()]
            conn.commit()
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(create_app(settings), headers=headers) as client:

            def post(url: str, body: dict[str, Any]) -> None:
                r = client.post(url, json=body)
                assert r.status_code == 201, r.text

            writes: list[tuple[str, Callable[[int], Any]]] = [
                (
                    "visite (POST /api/visites)",
                    lambda i: post("/api/visites", {"date": when, "resultat": "pv", **place}),
                ),
                (
                    "visite d'un point sensible (formulaire de la carte)",
                    lambda i: post(
                        f"/api/points-sensibles/{points[i % len(points)]}/visites",
                        {"date": when, "resultat": "avertissement", "agent": "INP Banc"},
                    ),
                ),
                (
                    "signalement (POST /api/signalements)",
                    lambda i: post("/api/signalements", {"date": when, "categorie": "graffiti", **place}),
                ),
            ]
            for label, send in writes:
                p50, p95 = _quantiles(_timed(send, args.writes))
                with counting_statements() as counted:
                    send(args.writes)
                rows.append((label, p50, p95, f"{counted[0]} requêtes SQL et COPY"))

        with connect(settings) as conn:
            geocoder = batch_geocoder(conn)
            conn.commit()  # each record is then a batch of its own, committed as the routes' are
            for kind, record in (
                ("visits", {"date": when, "resultat": "pv", **place}),
                ("reports", {"date": when, "categorie": "graffiti", **place}),
            ):
                label = f"create_records, {'visite' if kind == 'visits' else 'signalement'} (sans HTTP)"

                def send(_i: int, kind: Any = kind, record: dict[str, Any] = record) -> None:
                    create_records(conn, settings, kind, dict(record), user, geocoder)

                times = _timed(send, args.writes)
                with counting_statements() as counted:
                    create_records(conn, settings, kind, dict(record), user, geocoder)  # type: ignore[arg-type]
                p50, p95 = _quantiles(times)
                rows.append((label, p50, p95, f"{counted[0]} requêtes SQL et COPY"))

    width = max(len(r[0]) for r in rows) + 2
    print(f"\n{args.writes} écritures de chaque sorte, l'une après l'autre (ms)")
    print(f"{'':{width}}{'avant p50':>10}{'avant p95':>10}{'p50':>8}{'p95':>8}  remarque")
    for label, p50, p95, note in rows:
        before = BASELINE.get(label)
        b50, b95 = (f"{before[0]:.1f}", f"{before[1]:.1f}") if before else ("—", "—")
        statements = BASELINE_STATEMENTS.get(label)
        if statements is not None:
            note += f" (avant : {statements})"
        print(f"{label:{width}}{b50:>10}{b95:>10}{p50:8.1f}{p95:8.1f}  {note}")


if __name__ == "__main__":
    main()
