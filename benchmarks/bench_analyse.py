"""Full analysis at 100k and 1M reports with DBSCAN and with HDBSCAN, beside PostGIS ST_ClusterDBSCAN.

"Full analysis": the sensitive points (significance grid, clustering, cluster tests, space-time trends,
stretch rule against the street segments) and the problem axes (segment tests, stretches attached), on the
network derived from the address register; ``--par-categorie`` adds a run per category. The network itself
(built once per run from the register, the same whatever the reports) is timed apart.

Targets (2 cores): 100k reports full analysis < 10 s; 1M < 2 min and < 4 GB RSS.
Each measure runs in its own process so that its peak memory is its own. Run: ``python benchmarks/bench_analyse.py``
(``--sans-postgis`` skips the slow ST_ClusterDBSCAN baseline).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CRS = "EPSG:31370"


def make_points(n: int, seed: int = 1):  # type: ignore[no-untyped-def]
    """Reports at random addresses of the zone, plus 20 planted corners holding 15 % of them."""
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    a = pd.read_csv(ROOT / "geodata" / "icar_seraing_neupre.csv")
    addr = gpd.GeoDataFrame(geometry=gpd.points_from_xy(a["lon"], a["lat"]), crs="EPSG:4326").to_crs(CRS)
    ax, ay = addr.geometry.x.to_numpy(), addr.geometry.y.to_numpy()
    planted = int(n * 0.15)
    i = rng.integers(0, len(ax), n - planted)
    centres = rng.integers(0, len(ax), 20)
    j = rng.choice(centres, planted)
    x = np.concatenate([ax[i] + rng.normal(0, 8, n - planted), ax[j] + rng.normal(0, 15, planted)])
    y = np.concatenate([ay[i] + rng.normal(0, 8, n - planted), ay[j] + rng.normal(0, 15, planted)])
    when = pd.Timestamp("2026-11-01", tz="UTC") - pd.to_timedelta(rng.uniform(1, 700, n), unit="D")
    cats = rng.choice(["depot_clandestin", "sacs_hors_jour", "dejections"], n)
    pts = gpd.GeoDataFrame(
        {"id": np.arange(n), "category": cats, "observed_at": when}, geometry=gpd.points_from_xy(x, y), crs=CRS
    )
    pts.attrs["centres"] = np.unique(np.column_stack([ax[centres], ay[centres]]), axis=0)
    return pts, addr


def recall_precision(found, centres: np.ndarray, within: float = 60.0) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Share of planted corners with a point within 60 m, share of points within 60 m of a planted corner."""
    got = np.array([(p.x, p.y) for p in found["point"]]).reshape(-1, 2)
    if len(got) == 0:
        return 0.0, 0.0
    d = np.hypot(got[:, None, 0] - centres[None, :, 0], got[:, None, 1] - centres[None, :, 1])
    return round(float((d.min(axis=0) < within).mean()), 3), round(float((d.min(axis=1) < within).mean()), 3)


def child(n: int, algorithm: str, by_category: bool) -> None:
    from service.analyse.axes import network_from_addresses, problem_axes, segment
    from service.analyse.points import PointParams, sensitive_points_by_category
    from service.analyse.stretches import attach_stretches, split_stretches

    pts, addr = make_points(n)
    centres = pts.attrs.pop("centres")
    a = pd.read_csv(ROOT / "geodata" / "icar_seraing_neupre.csv")
    addr["street"], addr["municipality"] = a["street"].to_numpy(), a["municipality"].to_numpy()
    start = time.perf_counter()
    segments = segment(network_from_addresses(addr))
    network_s = time.perf_counter() - start
    start = time.perf_counter()
    found = sensitive_points_by_category(
        pts,
        by_category=by_category,
        exposure=addr,
        params=PointParams(algorithm=algorithm),
        now=pd.Timestamp("2026-11-01", tz="UTC"),
        segments=segments,
    )
    points, stretches = split_stretches(found, segments)
    axes, stats = problem_axes(pts, segments, exposure=addr)
    axes = attach_stretches(axes, stretches, stats)
    elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    recall, precision = recall_precision(points[points["category_scope"] == "toutes"], centres)
    print(
        json.dumps(
            {
                "recall": recall,
                "precision": precision,
                "corners": len(centres),
                "stretches": len(stretches),
                "n": n,
                "seconds": round(elapsed, 2),
                "network_s": round(network_s, 2),
                "points": int(points["category_scope"].eq("toutes").sum()),
                "axes": len(axes),
                "rss_mb": round(rss),
            }
        )
    )


def postgis_baseline(n: int) -> float:
    from benchmarks._database import throwaway_database
    from service.db import connect

    pts, _addr = make_points(n)
    with throwaway_database(54333) as settings, connect(settings) as conn:
        conn.execute("CREATE TEMP TABLE p (id int, x float8, y float8)")
        with conn.cursor() as cur, cur.copy("COPY p FROM STDIN") as copy:
            for i, (x, y) in enumerate(zip(pts.geometry.x, pts.geometry.y, strict=True)):
                copy.write_row((i, x, y))
        conn.execute("CREATE TEMP TABLE g AS SELECT id, ST_SetSRID(ST_MakePoint(x, y), 31370) AS geom FROM p")
        conn.execute("CREATE INDEX ON g USING gist (geom)")
        conn.execute("ANALYZE g")
        start = time.perf_counter()
        conn.execute(
            "SELECT count(DISTINCT c) FROM (SELECT ST_ClusterDBSCAN(geom, eps := 60, minpoints := 20) "
            "OVER () AS c FROM g) q"
        ).fetchone()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--algorithmes", default="dbscan,hdbscan")
    parser.add_argument("--par-categorie", action="store_true")
    parser.add_argument("--sans-postgis", action="store_true")
    parser.add_argument("--child", type=int)
    parser.add_argument("--algorithme", default="dbscan")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.algorithme, args.par_categorie)
        return
    print(
        f"{'reports':>10} {'algorithme':>10} {'analyse (s)':>12} {'points':>7} {'rappel':>7} {'précision':>9} "
        f"{'axes':>5} {'peak RSS':>9} {'réseau (s)':>10} {'ST_ClusterDBSCAN (s)':>21}  target"
    )
    for n in (int(s) for s in args.sizes.split(",")):
        baseline = "—" if args.sans_postgis else f"{postgis_baseline(n):.2f}"
        for algorithm in args.algorithmes.split(","):
            command = [sys.executable, __file__, "--child", str(n), "--algorithme", algorithm]
            if args.par_categorie:
                command.append("--par-categorie")
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            target = "< 10 s" if n <= 100_000 else "< 120 s, < 4 GB"
            print(
                f"{n:>10,} {algorithm:>10} {r['seconds']:>12} {r['points']:>7} {r['recall']:>7} {r['precision']:>9} "
                f"{r['axes']:>5} {r['rss_mb']:>6} MB "
                f"{r['network_s']:>10} {baseline:>21}  {target}",
                flush=True,
            )


if __name__ == "__main__":
    main()
