"""200 concurrent clients on a real uvicorn server (loopback) asking for sensitive points and map data.

100,000 reports are ingested and analysed in a throwaway database; the server runs in its own processes
(``hotspots serve --workers N``), the clients in this one (asyncio, each with its own kept-alive connection, as a
browser holds, and its own session cookie). Every client opens the map a few times: the sensitive points, then
the report aggregates of a view (zoom 12 to 17 around the zone, as people pan and zoom), with a short random
pause between requests.

The baseline is the same clients asking the same number of times for ``/api/health`` (no database, no session):
what the framework, the loopback and the clients cost on this machine, beside what the map costs.
A warm-up (every client asks once for every view, not counted) comes first: measured is the service in use, not
its first minute. Each client starts after one random pause, as the clients of a service in use do not all
click in the same millisecond.
Target: p95 < 200 ms, no error. Run: ``python benchmarks/bench_api_load.py [--clients 200] [--workers 2]``.

Then a mixed read/write pass (``--clients-mixte``, 50 by default): each client asks for the sensitive points and,
one request in ten, records a visit on one of them (``POST /api/points-sensibles/{id}/visites``, as the map's
visit form does: session cookie and ``Origin``). Every visit changes what the list shows, so the list is made
again after each one. Target: p95 < 300 ms, no error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import IO, Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
LUA = Path(__file__).with_name("load_mix.lua")
sys.path.insert(0, str(ROOT))

VIEWS = [
    ("5.36,50.50,5.67,50.655", 12),
    ("5.42,50.54,5.60,50.63", 13),
    ("5.47,50.57,5.55,50.61", 14),
    ("5.49,50.58,5.53,50.60", 15),
    ("5.40,50.53,5.48,50.57", 15),
    ("5.50,50.585,5.515,50.595", 16),
    ("5.505,50.588,5.512,50.592", 17),
]
Rows = dict[str, list[tuple[float, bool]]]
T = TypeVar("T")


def _asks(kind: str, rng: random.Random) -> list[tuple[str, str]]:
    if kind == "reference":
        return [("référence /api/health", "/api/health"), ("référence /api/health", "/api/health")]
    views = VIEWS if kind == "tout" else [rng.choice(VIEWS)]
    asks = [("signalements de la vue", f"/api/carte/signalements?bbox={bbox}&zoom={zoom}") for bbox, zoom in views]
    if kind in ("carte", "tout"):
        asks.insert(0, ("points sensibles", "/api/points-sensibles"))
    return asks


class KeepAlive:
    """One kept-alive HTTP/1.1 connection, as a browser holds to the service: just enough of the protocol for
    these answers (a Content-Length or chunked body, read and not decoded), at a small fraction of a general
    client's processor time, so that the clients take little of the machine they measure."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers}.items())
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> int:
        return await self.send(f"GET {path} HTTP/1.1\r\n{self.head}\r\n".encode())

    async def post_json(self, path: str, body: bytes) -> int:
        origin = f"Origin: http://{self.host}:{self.port}\r\nContent-Type: application/json\r\n"
        head = f"POST {path} HTTP/1.1\r\n{self.head}{origin}Content-Length: {len(body)}\r\n\r\n"
        return await self.send(head.encode() + body)

    async def send(self, request: bytes) -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        writer.write(request)
        head = (await reader.readuntil(b"\r\n\r\n")).lower()
        length = re.search(rb"\r\ncontent-length:\s*(\d+)", head)
        if length:
            await reader.readexactly(int(length.group(1)))
        elif b"\r\ntransfer-encoding: chunked" in head:
            while size := int((await reader.readline()).split(b";")[0], 16):
                await reader.readexactly(size + 2)
            await reader.readline()  # the blank line after the last chunk
        if b"\r\nconnection: close" in head:
            self.close()
        return int(head[9:12])

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def client(url: str, token: str, rounds: int, rng: random.Random, kind: str, out: Rows) -> None:
    host, port = url.removeprefix("http://").split(":")
    http = KeepAlive(host, int(port), {"Cookie": f"hotspots_session={token}", "Accept-Encoding": "gzip"})
    try:
        await asyncio.sleep(rng.uniform(0.0, 0.25))  # people do not all click in the same millisecond
        for _ in range(rounds):
            for name, path in _asks(kind, rng):
                start = time.perf_counter()
                try:
                    ok = await asyncio.wait_for(http.get(path), 60) == 200
                except Exception:
                    http.close()
                    ok = False
                out.setdefault(name, []).append((time.perf_counter() - start, ok))
                await asyncio.sleep(rng.uniform(0.0, 0.25))
    finally:
        http.close()


#: Visit outcomes recorded by the mixed pass (the vocabulary's codes).
OUTCOMES = ("nettoye", "avertissement", "pv", "rien_constate", "a_revoir")
WRITE_SHARE = 0.10


async def mixed_client(url: str, token: str, rounds: int, rng: random.Random, points: list[str], out: Rows) -> None:
    """The sensitive points, and one request in ten a visit recorded on one of them."""
    host, port = url.removeprefix("http://").split(":")
    http = KeepAlive(host, int(port), {"Cookie": f"hotspots_session={token}", "Accept-Encoding": "gzip"})
    try:
        await asyncio.sleep(rng.uniform(0.0, 0.25))
        for _ in range(rounds):
            write = rng.random() < WRITE_SHARE
            start = time.perf_counter()
            try:
                if write:
                    when = time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() - rng.uniform(60, 3600)))
                    body = json.dumps(
                        {"date": when, "resultat": rng.choice(OUTCOMES), "agent": "banc", "notes": "passe mixte"}
                    ).encode()
                    status = await asyncio.wait_for(
                        http.post_json(f"/api/points-sensibles/{rng.choice(points)}/visites", body), 60
                    )
                    ok = status == 201
                else:
                    ok = await asyncio.wait_for(http.get("/api/points-sensibles"), 60) == 200
            except Exception:
                http.close()
                ok = False
            name = "visite enregistrée (POST)" if write else "points sensibles (GET)"
            out.setdefault(name, []).append((time.perf_counter() - start, ok))
            await asyncio.sleep(rng.uniform(0.0, 0.25))
    finally:
        http.close()


async def run_mixed(url: str, tokens: list[str], rounds: int, points: list[str]) -> tuple[Rows, float]:
    out: Rows = {}
    start = time.perf_counter()
    await asyncio.gather(
        *(mixed_client(url, t, rounds, random.Random(1000 + i), points, out) for i, t in enumerate(tokens))
    )
    return out, time.perf_counter() - start


async def run_load(url: str, tokens: list[str], rounds: int, kind: str) -> tuple[Rows, float]:
    out: Rows = {}
    start = time.perf_counter()
    await asyncio.gather(*(client(url, t, rounds, random.Random(i), kind, out) for i, t in enumerate(tokens)))
    return out, time.perf_counter() - start


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run the clients on uvloop when it is there (the server's own event loop), else on asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def _wait(url: str, proc: subprocess.Popen, log: IO[str]) -> None:  # type: ignore[type-arg]
    import httpx2

    for _ in range(600):
        if proc.poll() is not None:
            log.seek(0)
            raise SystemExit(f"le serveur s'est arrêté :\n{log.read()}")
        try:
            if httpx2.get(url + "/api/ready", timeout=1).status_code == 200:
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise SystemExit("le serveur ne répond pas")


def _point_ids(url: str, token: str) -> list[str]:
    import httpx2

    answer = httpx2.get(url + "/api/points-sensibles", cookies={"hotspots_session": token}, timeout=60)
    return [feature["id"] for feature in answer.json()["features"]]


def _line(name: str, rows: list[tuple[float, bool]], wall: float | None) -> str:
    times = sorted(t for t, _ok in rows)
    errors = sum(1 for _t, ok in rows if not ok)
    p95 = times[int(0.95 * (len(times) - 1))]
    rate = f"{len(times) / wall:>7.0f}/s" if wall else f"{'':>9}"
    return (
        f"{name:<28} {len(rows):>6} {statistics.median(times) * 1000:>6.0f} ms {p95 * 1000:>6.0f} ms "
        f"{times[-1] * 1000:>6.0f} ms {errors:>8} {rate}"
    )


def run_wrk(url: str, token: str, clients: int, seconds: int, mode: str, pause: tuple[int, int]) -> str | None:
    """The same clients from ``wrk`` (C, two threads: the load generator takes little of the CPU it measures);
    None when wrk is not installed (``apt-get install wrk``)."""
    if shutil.which("wrk") is None:
        return None
    command = ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s", "-s", str(LUA), url]
    done = subprocess.run(
        command,
        env={
            **os.environ,
            "HS_TOKEN": token,
            "HS_MODE": mode,
            "HS_PAUSE_MIN": str(pause[0]),
            "HS_PAUSE_MAX": str(pause[1]),
        },
        capture_output=True,
        text=True,
        check=True,
    )
    result = next(line for line in done.stdout.splitlines() if line.startswith("RESULT"))
    n, duration_us, p50, p95, top, errors = (int(v) for v in result.split()[1:])
    what = {"reference": "référence", "carte": "carte", "vues": "vues", "points": "points"}[mode]
    label = f"wrk {pause[0] / 1000:g}–{pause[1] / 1000:g} s : {what}"
    return (
        f"{label:<28} {n:>6} {p50 / 1000:>6.0f} ms {p95 / 1000:>6.0f} ms {top / 1000:>6.0f} ms {errors:>8} "
        f"{n / (duration_us / 1e6):>7.0f}/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processus serveurs (défaut : cœurs)")
    parser.add_argument("--sans-points", action="store_true", help="seulement les données de carte agrégées")
    parser.add_argument("--pool", type=int, default=None, help="HOTSPOTS_POOL_MAX_SIZE du serveur (défaut : réglage)")
    parser.add_argument("--wrk-secondes", type=int, default=30, help="durée de chaque passe wrk (si wrk est installé)")
    parser.add_argument("--clients-mixte", type=int, default=50, help="clients de la passe lecture/écriture (0 : sans)")
    parser.add_argument("--tours-mixte", type=int, default=20, help="requêtes de chaque client de la passe mixte")
    parser.add_argument("--seulement-mixte", action="store_true", help="seulement la passe lecture/écriture")
    args = parser.parse_args()

    from benchmarks._database import throwaway_database
    from benchmarks._mapdata import load_reports, sessions

    with socket.socket() as probe:  # a free loopback port (a server left over from an earlier run keeps its own)
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    results: list[tuple[str, Rows, float]] = []
    wrk_lines: list[str] = []
    mixed: tuple[Rows, float] | None = None
    reference: tuple[Rows, float] | None = None
    with throwaway_database(54342) as settings:
        load_reports(settings, args.reports)
        tokens = sessions(settings, args.clients)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTSPOTS_", "DATABASE_URL"))}
        env.update(
            HOTSPOTS_DATA_DIR=str(settings.data_dir),
            HOTSPOTS_PG_PORT=str(settings.pg_port),
            HOTSPOTS_TILE_URL="",
            PYTHONPATH=str(ROOT),
        )
        if args.pool:
            env["HOTSPOTS_POOL_MAX_SIZE"] = str(args.pool)
        command = [sys.executable, "-m", "service", "serve", "--port", str(port), "--workers", str(args.workers)]
        with tempfile.TemporaryFile(mode="w+") as log:
            proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
            try:
                url = f"http://127.0.0.1:{port}"
                _wait(url, proc, log)
                # warm-up, not counted: the first request of each view in each process makes its aggregates
                # (≈ 0.2-0.5 s each, measured cold by bench_maps.py), and each session is checked once; every
                # client asks for every view, as the processes do not take equal shares of the connections
                _run(run_load(url, tokens, 1, "tout"))
                for kind in () if args.seulement_mixte else ("reference", "vues" if args.sans_points else "carte"):
                    out, wall = _run(run_load(url, tokens, args.rounds, kind))
                    results.append((kind, out, wall))
                for pause in () if args.seulement_mixte else ((0, 250), (1000, 3000)):  # a person panning the map
                    for kind in ("reference", "vues" if args.sans_points else "carte"):
                        time.sleep(5)  # the server finishes what the previous pass left queued
                        line = run_wrk(url, tokens[0], args.clients, args.wrk_secondes, kind, pause)
                        if line is not None:
                            wrk_lines.append(line)
                if args.clients_mixte:
                    time.sleep(5)
                    points = _point_ids(url, tokens[0])
                    mixed_tokens = tokens[: args.clients_mixte]
                    # the machine's own noise at this moment: the same clients asking for /api/health
                    reference = _run(run_load(url, mixed_tokens, args.tours_mixte // 2, "reference"))
                    mixed = _run(run_mixed(url, mixed_tokens, args.tours_mixte, points))
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    print("(serveur arrêté de force : il ne s'arrêtait pas dans les 30 s)")

    _print_map_passes(args, args.pool or settings.pool_max_size, results, wrk_lines)
    if mixed is not None:
        _print_mixed_pass(args, mixed, reference)


def _print_map_passes(
    args: argparse.Namespace, pool: int, results: list[tuple[str, Rows, float]], wrk_lines: list[str]
) -> None:
    print(
        f"{args.clients} clients simultanés, {args.rounds} ouvertures de carte chacun, pauses de 0 à 250 ms, "
        f"{args.reports:,} signalements, {args.workers} processus serveur(s), pool de {pool} connexions chacun\n"
    )
    print(f"{'requête':<28} {'n':>6} {'p50':>9} {'p95':>9} {'max':>9} {'erreurs':>8} {'débit':>9}")
    for kind, out, wall in results:
        every = [row for rows in out.values() for row in rows]
        if kind != "reference":
            for name, rows in out.items():
                print(_line(name, rows, None))
        label = "référence /api/health" if kind == "reference" else "carte, toutes requêtes"
        print(_line(label, every, wall))
    if wrk_lines:
        print(f"\nLes mêmes {args.clients} clients depuis wrk ({args.wrk_secondes} s par passe) :")
        print("\n".join(wrk_lines))
    else:
        print("\n(wrk absent : apt-get install wrk pour la mesure avec un client en C)")
    print("\nObjectif : p95 < 200 ms et 0 erreur pour la carte.")


def _print_mixed_pass(
    args: argparse.Namespace, mixed: tuple[Rows, float], reference: tuple[Rows, float] | None
) -> None:
    out, wall = mixed
    print(
        f"\nPasse mixte : {args.clients_mixte} clients, {args.tours_mixte} requêtes chacun, "
        f"{WRITE_SHARE:.0%} de visites enregistrées (chaque visite change la liste des points sensibles)"
    )
    print(f"{'requête':<28} {'n':>6} {'p50':>9} {'p95':>9} {'max':>9} {'erreurs':>8} {'débit':>9}")
    for name, rows in sorted(out.items()):
        print(_line(name, rows, None))
    print(_line("mixte, toutes requêtes", [row for rows in out.values() for row in rows], wall))
    if reference is not None:
        ref_rows, ref_wall = reference
        print(_line("référence /api/health", [row for rows in ref_rows.values() for row in rows], ref_wall))
    print("Objectif : p95 < 300 ms et 0 erreur (avant ce travail : liste p95 2,3 s, visite p95 3,4 s).")


if __name__ == "__main__":
    main()
