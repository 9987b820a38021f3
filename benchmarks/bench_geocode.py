"""Geocoder benchmark: accuracy on register addresses written clean and messy, throughput and latency with the
Liège-province register (406k addresses) loaded, beside a plain pg_trgm nearest-label query.

Targets: ≥ 99 % exact on clean strings, ≥ 95 % within 50 m on messy ones, confidently wrong < 0.5 %,
≥ 2,000 addresses/s in batch, single look-up p95 < 20 ms.
Run: ``python benchmarks/bench_geocode.py [--n 2000]`` (a throwaway managed cluster, or DATABASE_URL).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._database import throwaway_database  # noqa: E402
from service.db import connect  # noqa: E402
from service.demo.addresses import evaluation_set, person_street_set  # noqa: E402
from service.geocode.evaluate import WITHIN_M, WRONG_M, evaluate  # noqa: E402
from service.geocode.gazetteer import load_gazetteer  # noqa: E402
from service.geocode.match import Geocoder  # noqa: E402

BASELINE_SQL = """
SELECT ST_X(geom), ST_Y(geom) FROM bench_labels
ORDER BY label <-> lower(unaccent(%(q)s)) LIMIT 1
"""


def _baseline(conn, queries) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The plain trigram answer: the register label nearest to the whole query string."""
    conn.execute(
        "CREATE TEMP TABLE bench_labels AS SELECT lower(unaccent(street || ' ' || house_number || ' ' || postcode "
        "|| ' ' || municipality)) AS label, geom FROM gazetteer_addresses"
    )
    conn.execute("CREATE INDEX ON bench_labels USING gist (label gist_trgm_ops)")
    out: dict[str, object] = {}
    start = time.perf_counter()
    timings = []
    for kind, part in queries.groupby("kind"):
        errors = []
        for q in part.itertuples():
            text = " ".join(str(v) for v in (q.query, q.postcode, q.locality) if isinstance(v, str))
            t0 = time.perf_counter()
            row = conn.execute(BASELINE_SQL, {"q": text}).fetchone()
            timings.append(time.perf_counter() - t0)
            errors.append(np.hypot(row[0] - q.x, row[1] - q.y) if row else np.inf)
        err = np.array(errors)
        out[str(kind)] = {
            "a_moins_de_50m": round(float((err <= WITHIN_M).mean()), 4),
            "plus_de_100m": round(float((err > WRONG_M).mean()), 4),
        }
    out["adresses_par_seconde"] = round(len(queries) / (time.perf_counter() - start))
    out["latence_p95_ms"] = round(float(np.percentile(timings, 95)) * 1000, 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="addresses sampled (each gives a clean and a messy query)")
    parser.add_argument("--baseline-n", type=int, default=300, help="queries for the (slow) trigram baseline")
    args = parser.parse_args()

    with throwaway_database(54332) as settings, connect(settings) as conn:
        t0 = time.perf_counter()
        loaded = load_gazetteer(conn, [ROOT / "geodata" / "icar_liege_province.csv.gz"])
        t1 = time.perf_counter()
        geocoder = Geocoder.from_db(conn)
        t2 = time.perf_counter()
        queries = evaluation_set(ROOT / "geodata" / "icar_seraing_neupre.csv", n=args.n)
        ours = evaluate(geocoder, queries)
        sample = queries.groupby("kind").head(args.baseline_n // 2)
        base_report = _baseline(conn, sample)
        conn.rollback()
        persons = person_street_set(ROOT / "geodata" / "icar_seraing_neupre.csv")
        named = evaluate(geocoder, persons)
        base_named = _baseline(conn, persons)
        conn.rollback()

    print(
        f"register: {loaded.addresses:,} addresses, {loaded.streets:,} streets, loaded in {t1 - t0:.1f} s; "
        f"geocoder built in {t2 - t1:.1f} s"
    )
    print(f"queries: {args.n} clean + {args.n} messy (baseline on {len(sample)})\n")
    print(f"{'measure':<60} {'hotspots':>10} {'trigram':>10} {'target':>10}")
    rows = [
        ("clean: exact address within 50 m", ours["propre"]["niveau_adresse_exact"], None, "≥ 0.99"),
        ("clean: within 50 m", ours["propre"]["a_moins_de_50m"], base_report["propre"]["a_moins_de_50m"], ""),
        (
            "messy: within 50 m",
            ours["desordonne"]["a_moins_de_50m"],
            base_report["desordonne"]["a_moins_de_50m"],
            "≥ 0.95",
        ),
        ("messy: confidently wrong (adresse, > 100 m)", ours["desordonne"]["confiant_mais_faux"], None, "< 0.005"),
        ("messy: more than 100 m off (any level)", None, base_report["desordonne"]["plus_de_100m"], ""),
        ("addresses per second (batch)", ours["adresses_par_seconde"], base_report["adresses_par_seconde"], "≥ 2000"),
        ("single look-up p95 (ms)", ours["latence_p95_ms"], base_report["latence_p95_ms"], "< 20"),
    ]
    for kind, words in (("sans_prenom", "given name left out"), ("initiales", "given name as initials")):
        rows += [
            (
                f"persons' streets, {words} ({len(persons) // 2}): within 50 m",
                named[kind]["a_moins_de_50m"],
                base_named[kind]["a_moins_de_50m"],
                "",
            ),
            (f"persons' streets, {words}: sure and within 50 m", named[kind]["sur_a_moins_de_50m"], None, ""),
            (f"persons' streets, {words}: sure and > 100 m off", named[kind]["sur_a_plus_de_100m"], None, ""),
        ]
    for name, a, b, target in rows:
        print(f"{name:<60} {'' if a is None else a:>10} {'' if b is None else b:>10} {target:>10}")
    print("\nlevels, messy:", ours["desordonne"]["niveaux"])


if __name__ == "__main__":
    main()
