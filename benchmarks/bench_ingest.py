"""Ingestion benchmark: 1,000,000 pre-geocoded reports, end to end, beside a plain COPY of the same file.

Targets (2-core machine): ≥ 100,000 rows/s end to end with validation, peak RSS < 1 GB.
Run: ``python benchmarks/bench_ingest.py [--rows N]``. Uses ``DATABASE_URL`` when set (the tables are emptied!),
else a throwaway managed cluster in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._database import throwaway_database  # noqa: E402
from service.db import connect  # noqa: E402
from service.demo import write_bulk_reports  # noqa: E402
from service.settings import Settings  # noqa: E402

TARGET_RATE = 100_000
TARGET_RSS_MB = 1024


def _plain_copy(settings: Settings, path: Path) -> float:
    """Baseline: COPY the raw CSV into an unindexed table of text columns."""
    with connect(settings) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw")
        conn.execute(
            "CREATE TABLE bench_raw (id text, date text, categorie text, adresse text, code_postal text, "
            "commune text, lat text, lon text, description text)"
        )
        conn.commit()
        start = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY bench_raw FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as fh,
        ):
            while block := fh.read(1 << 20):
                copy.write(block)
        conn.commit()
        elapsed = time.perf_counter() - start
        conn.execute("DROP TABLE bench_raw")
        conn.commit()
    return elapsed


def _cli_ingest(settings: Settings, path: Path) -> tuple[float, dict[str, object], float]:
    """Run ``hotspots ingest reports`` in a child process: wall time, JSON summary, the child's peak RSS (MB)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTSPOTS_")}
    env.update(HOTSPOTS_DATA_DIR=str(settings.data_dir), HOTSPOTS_PG_PORT=str(settings.pg_port))
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "service", "ingest", "reports", str(path), "--json", "--source", "bench"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"ingestion failed:\n{done.stderr}")
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, json.loads(done.stdout), rss_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated file in benchmarks/out/")
    args = parser.parse_args()

    out_dir = ROOT / "benchmarks" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    data = out_dir / f"bulk_{args.rows}.csv"
    if not data.exists():
        print(f"writing {args.rows:,} rows to {data.name}…", flush=True)
        write_bulk_reports(data, args.rows, addresses=ROOT / "geodata" / "icar_seraing_neupre.csv", seed=1)

    try:
        with throwaway_database(54331) as settings:
            copy_s = _plain_copy(settings, data)
            first_s, first, rss1 = _cli_ingest(settings, data)
            again_s, again, rss2 = _cli_ingest(settings, data)
    finally:
        if not args.keep:
            data.unlink(missing_ok=True)

    n = args.rows
    rows = [
        ("plain COPY (baseline, no validation, no index)", copy_s, n / copy_s, 1.0, None),
        ("hotspots ingest, empty table", first_s, n / first_s, copy_s / first_s, rss1),
        ("hotspots ingest, same file again (all duplicates)", again_s, n / again_s, copy_s / again_s, rss2),
    ]
    print(f"\nIngestion of {n:,} pre-geocoded reports ({data.stat().st_size / 1e6 if data.exists() else 0:.0f} MB)")
    print(f"{'run':<52} {'seconds':>8} {'rows/s':>10} {'vs COPY':>8} {'peak RSS':>9}")
    for name, secs, rate, ratio, rss in rows:
        rss_txt = f"{rss:.0f} MB" if rss is not None else "-"
        print(f"{name:<52} {secs:>8.2f} {rate:>10,.0f} {ratio:>8.2f} {rss_txt:>9}")
    print(f"\ntargets: ≥ {TARGET_RATE:,} rows/s end to end, peak RSS < {TARGET_RSS_MB} MB")
    print(
        "first run :",
        "OK" if n / first_s >= TARGET_RATE and rss1 < TARGET_RSS_MB else "MISSED",
        f"(inserted {first['inserted']:,}, rejected {first['rejected']:,})",
    )
    print("steps (s) :", first["timings"])
    print(
        "re-run    :", f"duplicates {again['duplicates']:,}, inserted {again['inserted']}, updated {again['updated']}"
    )
    print("steps (s) :", again["timings"])


if __name__ == "__main__":
    main()
