"""200 concurrent clients on a real uvicorn server (loopback) asking for sensitive points and map data.

100,000 reports are ingested and analysed in a throwaway database; the server runs in its own process
(``hotspots serve``), the clients in this one (asyncio + httpx2), each with its own session cookie. Every client
opens the map a few times: the sensitive points, then the report aggregates of a view (zoom 12 to 17 around the
zone, as people pan and zoom), with a short random pause between requests.
Target: p95 < 200 ms, no error. Run: ``python benchmarks/bench_api_load.py [--clients 200]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


async def client(http, token: str, rounds: int, rng: random.Random, out: dict[str, list]) -> None:  # type: ignore[no-untyped-def]
    headers = {"Cookie": f"hotspots_session={token}", "Accept-Encoding": "gzip"}
    for _ in range(rounds):
        bbox, zoom = rng.choice(VIEWS)
        asks = [("signalements de la vue", f"/api/carte/signalements?bbox={bbox}&zoom={zoom}")]
        if "points sensibles" in out:
            asks.insert(0, ("points sensibles", "/api/points-sensibles"))
        for name, path in asks:
            start = time.perf_counter()
            try:
                r = await http.get(path, headers=headers)
                ok = r.status_code == 200
            except Exception:
                ok = False
            out[name].append((time.perf_counter() - start, ok))
            await asyncio.sleep(rng.uniform(0.0, 0.25))


async def run_load(url: str, tokens: list[str], rounds: int, points: bool) -> tuple[dict[str, list], float]:
    import httpx2

    out: dict[str, list] = {"points sensibles": [], "signalements de la vue": []}
    if not points:
        del out["points sensibles"]
    limits = httpx2.Limits(max_connections=len(tokens) + 10, max_keepalive_connections=len(tokens) + 10)
    async with httpx2.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client(http, t, rounds, random.Random(i), out) for i, t in enumerate(tokens)))
        return out, time.perf_counter() - start


def _wait(url: str, proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    import httpx2

    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit("le serveur s'est arrêté")
        try:
            if httpx2.get(url + "/api/health", timeout=1).status_code == 200:
                return
        except Exception:
            time.sleep(0.1)
    raise SystemExit("le serveur ne répond pas")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sans-points", action="store_true", help="seulement les données de carte agrégées")
    parser.add_argument("--pool", type=int, default=None, help="HOTSPOTS_POOL_MAX_SIZE du serveur (défaut : réglage)")
    args = parser.parse_args()

    from benchmarks._database import throwaway_database
    from benchmarks._mapdata import load_reports, sessions

    port = 54352
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
        proc = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait(url, proc)
            out, wall = asyncio.run(run_load(url, tokens, args.rounds, not args.sans_points))
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        if proc.stdout is not None:
            proc.stdout.close()

    pool = args.pool or settings.pool_max_size
    print(
        f"{args.clients} clients simultanés, {args.rounds} ouvertures de carte chacun, "
        f"{args.reports:,} signalements, pool de {pool} connexions\n"
    )
    print(f"{'requête':<26} {'n':>6} {'p50':>8} {'p95':>8} {'max':>8} {'erreurs':>8}")
    every = []
    for name, rows in out.items():
        times = sorted(t for t, _ok in rows)
        every += rows
        errors = sum(1 for _t, ok in rows if not ok)
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"{name:<26} {len(rows):>6} {statistics.median(times) * 1000:>6.0f} ms {p95 * 1000:>6.0f} ms "
            f"{times[-1] * 1000:>6.0f} ms {errors:>8}"
        )
    times = sorted(t for t, _ok in every)
    print(
        f"{'toutes':<26} {len(times):>6} {statistics.median(times) * 1000:>6.0f} ms "
        f"{times[int(0.95 * (len(times) - 1))] * 1000:>6.0f} ms {times[-1] * 1000:>6.0f} ms "
        f"{sum(1 for _t, ok in every if not ok):>8}"
    )
    print(f"\n{len(times) / wall:.0f} requêtes/s sur {wall:.1f} s ; objectif : p95 < 200 ms, 0 erreur")


if __name__ == "__main__":
    main()
