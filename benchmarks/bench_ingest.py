"""Ingestion benchmark: 1,000,000 pre-geocoded reports, end to end, beside a plain COPY of the same file.

Targets (2-core machine): ≥ 100,000 rows/s end to end with validation, peak RSS < 1 GB.
Run: ``python benchmarks/bench_ingest.py [--rows N] [--repeat R] [--floor]``. Uses ``DATABASE_URL`` when set
(the tables are emptied!), else a throwaway managed cluster in a temporary directory.

Each repetition runs, in this order: the plain COPY baseline, a first load into the empty table, and the same
file again. Timings on a shared machine are noisy: the table shows each repetition's ratio to the COPY run just
before it, and the medians. ``--floor`` also measures what the server alone needs for the loaded rows: a binary
COPY FREEZE into an emptied, index-free copy of ``reports``, then its keys and indexes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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
    child = subprocess.Popen(
        [sys.executable, "-m", "service", "ingest", "reports", str(path), "--json", "--source", "bench"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak RSS, not the largest of all children
    elapsed = time.perf_counter() - start
    out, err = child.stdout.read() if child.stdout else "", child.stderr.read() if child.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"ingestion failed:\n{err}")
    return elapsed, json.loads(out), usage.ru_maxrss / 1024


def _empty_tables(settings: Settings) -> None:
    with connect(settings) as conn:
        conn.execute("TRUNCATE reports, rejected_rows, ingestion_batches CASCADE")
        conn.commit()


#: Steps of the main thread (reading and validation run beside them in a thread).
_MAIN_STEPS = (
    "ouverture",
    "préparation",
    "attente_lecture",
    "empreintes",
    "doublons_fichier",
    "envoi",
    "copie",
    "reprise",
    "index",
    "fusion",
    "quasi_doublons",
    "cloture",
    "commit",
)


def _steps(wall: float, timings: dict[str, float]) -> str:
    main_thread = sum(timings.get(k, 0.0) for k in _MAIN_STEPS)
    shown = {k: round(v, 2) for k, v in timings.items() if v >= 0.01}
    shown["hors étapes (démarrage, connexion, sortie)"] = round(wall - main_thread, 2)
    return ", ".join(f"{k} {v}" for k, v in shown.items())


def _floor(settings: Settings) -> dict[str, float]:
    """Server-side floor for the loaded rows: binary COPY FREEZE into an emptied index-free copy, then indexes."""
    columns = (
        "id, source, natural_key, external_id, content_hash, category, category_raw, observed_at, status, "
        "description, address, postcode, commune, geom, input_crs, geocode_status, extra, batch_id, row_number"
    )
    out: dict[str, float] = {}
    with connect(settings) as conn:
        data = bytearray()
        with conn.cursor().copy(f"COPY (SELECT {columns} FROM reports ORDER BY id) TO STDOUT (FORMAT binary)") as cp:
            for block in cp:
                data += block
        conn.execute("DROP TABLE IF EXISTS floor_reports")
        conn.execute("CREATE TABLE floor_reports (LIKE reports INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        conn.commit()
        conn.execute("SET maintenance_work_mem = '512MB'")
        start = time.perf_counter()
        conn.execute("TRUNCATE floor_reports")
        with conn.cursor().copy(f"COPY floor_reports ({columns}) FROM STDIN (FORMAT binary, FREEZE)") as cp:
            view = memoryview(data)
            for at in range(0, len(view), 1 << 20):
                cp.write(view[at : at + (1 << 20)])
        out["COPY binaire FREEZE"] = time.perf_counter() - start
        for name, ddl in (
            ("clé primaire", "ALTER TABLE floor_reports ADD PRIMARY KEY (id)"),
            ("clé unique", "ALTER TABLE floor_reports ADD UNIQUE (source, natural_key)"),
            ("GiST", "CREATE INDEX ON floor_reports USING gist (geom)"),
            ("date", "CREATE INDEX ON floor_reports (observed_at)"),
        ):
            start = time.perf_counter()
            conn.execute(ddl)
            out[name] = time.perf_counter() - start
        start = time.perf_counter()
        conn.commit()
        out["commit"] = time.perf_counter() - start
        conn.execute("DROP TABLE floor_reports")
        conn.commit()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (medians are reported)")
    parser.add_argument("--floor", action="store_true", help="also measure the server-side floor")
    parser.add_argument("--keep", action="store_true", help="keep the generated file in benchmarks/out/")
    args = parser.parse_args()

    out_dir = ROOT / "benchmarks" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    data = out_dir / f"bulk_{args.rows}.csv"
    if not data.exists():
        print(f"writing {args.rows:,} rows to {data.name}…", flush=True)
        write_bulk_reports(data, args.rows, addresses=ROOT / "geodata" / "icar_seraing_neupre.csv", seed=1)
    size_mb = data.stat().st_size / 1e6
    n = args.rows
    runs: list[dict[str, Any]] = []
    floor: dict[str, float] = {}
    try:
        with throwaway_database(54331) as settings:
            for _ in range(args.repeat):
                _empty_tables(settings)
                copy_s = _plain_copy(settings, data)
                first_s, first, rss1 = _cli_ingest(settings, data)
                again_s, again, rss2 = _cli_ingest(settings, data)
                runs.append({"copy": copy_s, "first": (first_s, first, rss1), "again": (again_s, again, rss2)})
                print(
                    f"run {len(runs)}: COPY {copy_s:.2f} s, first load {first_s:.2f} s "
                    f"({copy_s / first_s:.2f} × COPY), again {again_s:.2f} s ({copy_s / again_s:.2f} × COPY)",
                    flush=True,
                )
            if args.floor:
                floor = _floor(settings)
    finally:
        if not args.keep:
            data.unlink(missing_ok=True)

    def med(values: list[float]) -> float:
        return statistics.median(values)

    copy_s = med([r["copy"] for r in runs])
    table = [("plain COPY (baseline: CSV text, no validation, no index)", copy_s, 1.0, None)]
    for key, label in (("first", "hotspots ingest, empty table"), ("again", "hotspots ingest, same file again")):
        secs = med([r[key][0] for r in runs])
        ratio = med([r["copy"] / r[key][0] for r in runs])
        table.append((label, secs, ratio, max(r[key][2] for r in runs)))
    print(f"\nIngestion of {n:,} pre-geocoded reports ({size_mb:.0f} MB), median of {len(runs)} run(s)")
    print(f"{'run':<58} {'seconds':>8} {'rows/s':>10} {'vs COPY':>8} {'peak RSS':>9}")
    for name, secs, ratio, rss in table:
        rss_txt = f"{rss:.0f} MB" if rss is not None else "-"
        print(f"{name:<58} {secs:>8.2f} {n / secs:>10,.0f} {ratio:>8.2f} {rss_txt:>9}")
    best = min(runs, key=lambda r: r["first"][0])
    first_s, first, rss1 = best["first"]
    again_s, again, _ = best["again"]
    print(f"\ntargets: ≥ {TARGET_RATE:,} rows/s end to end, peak RSS < {TARGET_RSS_MB} MB")
    rate = n / table[1][1]
    print(
        "first load:",
        "OK" if rate >= TARGET_RATE and table[1][3] < TARGET_RSS_MB else "MISSED",
        f"(median {rate:,.0f} rows/s; inserted {first['inserted']:,}, rejected {first['rejected']:,}, "
        f"direct load {first['details'].get('chargement_direct')})",
    )
    print(f"steps of the fastest first load ({first_s:.2f} s):", _steps(first_s, first["timings"]))
    print(
        "again     :", f"duplicates {again['duplicates']:,}, inserted {again['inserted']}, updated {again['updated']}"
    )
    print(f"steps of that run's second load ({again_s:.2f} s):", _steps(again_s, again["timings"]))
    if floor:
        total = sum(floor.values())
        print(
            f"\nserver floor for these rows: {total:.2f} s ({n / total:,.0f} rows/s) = "
            + ", ".join(f"{k} {v:.2f}" for k, v in floor.items())
        )


if __name__ == "__main__":
    main()
