"""Permits, advice sheets, digests and referral rules on 100,000 reports, beside naive ways of doing the same.

In a throwaway database: the zone's address register, N reports (two years, pre-geocoded, demo categories) and P
permits at random official addresses with the demo's activities. Then, each timed three times (median):

* linking every permit to its reports (``permit_links``: one query, the categories each permit concerns, a
  GiST-indexed ``ST_DWithin``) — beside one query per permit (the round trips a naive loop makes) and beside reading
  every report into Python and querying a k-d tree (scipy ``cKDTree``) with the category filter in pandas;
* the follow-up list of all the permits (links, visits, assessment, the sheet);
* the advice sheet's facts at 200 m and 1,000 m, and its PDF;
* a section's digest (facts, HTML with its map image, PDF);
* the activity report of the year (its reports counted per register commune and sector, ``official_place``), and
  the per-report lookup of the register's commune beside reading the commune as written;
* the referral rules on one imported batch of 100 reports (``propose_referrals``) with the table full, and the
  whole import of that batch.

Run: ``python benchmarks/bench_permits.py [--reports 100000] [--permits 1000] [--port 54405]``.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REPEATS = 3


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Median seconds of ``REPEATS`` runs, and the last result."""
    times, result = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def write_permits(path: Path, n: int, seed: int = 3) -> None:
    from service.demo.vocab import PERMIT_ACTIVITIES

    icar = pd.read_csv(ROOT / "geodata" / "icar_seraing_neupre.csv", dtype={"postcode": str})
    rng = np.random.default_rng(seed)
    rows = icar.iloc[rng.choice(len(icar), n, replace=False)]
    names = {"environnement": "Permis d'environnement", "urbanisme": "Permis d'urbanisme", "unique": "Permis unique"}
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter=";")
        out.writerow(
            [
                "Référence",
                "Type de permis",
                "Classe",
                "Activité",
                "Adresse",
                "Code postal",
                "Commune",
                "Date décision",
                "Fin validité",
                "Conditions",
                "Latitude",
                "Longitude",
            ]
        )
        for k, r in enumerate(rows.itertuples()):
            activity, kind, classes, _ = PERMIT_ACTIVITIES[k % len(PERMIT_ACTIVITIES)]
            klass = str(classes[k % len(classes)]) if classes else ""
            decided = date(2010, 1, 1) + timedelta(days=int(rng.integers(0, 5000)))
            until = (decided + timedelta(days=365 * (10 if klass == "3" else 20))).strftime("%d/%m/%Y") if klass else ""
            out.writerow(
                [
                    f"B/{k:05d}",
                    names[kind],
                    klass,
                    activity,
                    f"{r.street} {r.housenumber}",
                    r.postcode,
                    r.municipality,
                    decided.strftime("%d/%m/%Y"),
                    until,
                    "Conditions sectorielles",
                    f"{r.lat:.6f}",
                    f"{r.lon:.6f}",
                ]
            )


def naive_per_permit(conn: Any, settings: Any, permits: pd.DataFrame) -> int:
    """One query per permit (its categories, its distance) returning the same rows: what a loop would do."""
    from service.permits.links import concerned_categories, load_rules

    rules = load_rules(conn)
    rows: list[tuple[Any, ...]] = []
    for p in permits.to_dict("records"):
        cats = concerned_categories(p["activity"], p["permit_type"], rules)
        rows += conn.execute(
            """SELECT p.id, r.id, r.category, r.observed_at, ST_Distance(r.geom, p.geom) FROM reports r, permits p
               WHERE p.id = %s AND ST_DWithin(r.geom, p.geom, %s) AND r.category = ANY(%s)
                 AND r.duplicate_of IS NULL AND r.referral_id IS NULL""",
            (int(p["id"]), settings.permit_link_m, cats),
        ).fetchall()
    return len(pd.DataFrame(rows, columns=["permit_id", "report_id", "category", "observed_at", "distance_m"]))


def naive_kdtree(conn: Any, settings: Any, permits: pd.DataFrame) -> int:
    """Every report read into Python, a k-d tree, the categories filtered in Python: the same rows."""
    from scipy.spatial import cKDTree

    from service.permits.links import concerned_categories, load_rules

    rules = load_rules(conn)
    cur = conn.execute(
        "SELECT id, ST_X(geom), ST_Y(geom), category, observed_at FROM reports "
        "WHERE geom IS NOT NULL AND duplicate_of IS NULL AND referral_id IS NULL"
    )
    frame = pd.DataFrame(cur.fetchall(), columns=["id", "x", "y", "category", "observed_at"])
    xy = frame[["x", "y"]].to_numpy()
    tree = cKDTree(xy)
    placed = permits[permits["x"].notna()]
    where = placed[["x", "y"]].to_numpy(dtype=float)
    hits = tree.query_ball_point(where, r=settings.permit_link_m)
    categories = frame["category"].to_numpy()
    out = []
    for k, (p, found) in enumerate(zip(placed.to_dict("records"), hits, strict=True)):
        cats = set(concerned_categories(p["activity"], p["permit_type"], rules))
        kept = [i for i in found if categories[i] in cats]
        distances = np.hypot(*(xy[kept] - where[k]).T) if kept else []
        out += [
            (p["id"], frame["id"].iat[i], categories[i], frame["observed_at"].iat[i], d)
            for i, d in zip(kept, distances, strict=True)
        ]
    return len(pd.DataFrame(out, columns=["permit_id", "report_id", "category", "observed_at", "distance_m"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--permits", type=int, default=1_000)
    parser.add_argument("--port", type=int, default=54405)
    args = parser.parse_args()

    from benchmarks._database import throwaway_database
    from service.activity.report import read_activity
    from service.db import connect
    from service.db.vocabulary import load_labels
    from service.demo import write_bulk_reports
    from service.geocode.apply import batch_geocoder
    from service.geocode.gazetteer import load_gazetteer
    from service.geocode.sections import service_sections
    from service.ingest.pipeline import IngestOptions, ingest_file
    from service.permits.advice import Reach, advice_facts, locate
    from service.permits.advice_pdf import load_advice_background, render_advice_pdf
    from service.permits.candidates import followup_sheet
    from service.permits.links import load_permits, permit_links
    from service.prevention import digest_for
    from service.prevention.period import parse_period
    from service.prevention.render import load_digest_background, render_html, render_pdf
    from service.referrals import propose_referrals

    with throwaway_database(args.port) as settings, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        icar = ROOT / "geodata" / "icar_seraing_neupre.csv"
        write_bulk_reports(folder / "s.csv", args.reports, addresses=icar, seed=7, end=date.today() - timedelta(days=1))
        write_permits(folder / "p.csv", args.permits)
        with connect(settings) as conn:
            load_gazetteer(conn, [icar])
            conn.commit()
            start = time.perf_counter()
            ingest_file(conn, folder / "s.csv", IngestOptions(kind="reports", source="banc"), settings)
            print(f"Import de {args.reports:,} signalements : {time.perf_counter() - start:.1f} s".replace(",", " "))
            ingest_file(conn, folder / "p.csv", IngestOptions(kind="permits", source="banc"), settings)
            conn.execute("ANALYZE")
            conn.commit()
            labels = load_labels(conn)
            permits = load_permits(conn)
            now = pd.Timestamp.now(tz="UTC")
            rows: list[tuple[str, float, str]] = []

            t, links = timed(lambda: permit_links(conn, settings, permits, until=now))
            rows.append((f"liens permis–signalements ({len(permits)} permis, une requête)", t, f"{len(links)} liens"))
            t, n = timed(lambda: naive_per_permit(conn, settings, permits))
            rows.append(("  référence : une requête par permis", t, f"{n} liens"))
            t, n = timed(lambda: naive_kdtree(conn, settings, permits))
            rows.append(("  référence : tout lire, arbre k-d (scipy)", t, f"{n} liens"))
            t, sheet = timed(lambda: followup_sheet(conn, settings, now=now))
            rows.append(("liste de suivi des permis (tout compris)", t, f"{len(sheet.rows)} permis à suivre"))

            geocoder = batch_geocoder(conn)
            place = locate("Place Communale 1, 4100 Seraing", geocoder.geocoder if geocoder else None, settings)
            for radius in (200, 1000):
                t, facts = timed(lambda radius=radius: advice_facts(conn, settings, place, labels, Reach(radius)))
                rows.append((f"fiche d'avis, faits à {radius} m", t, f"{facts.total} signalements"))
            t, data = timed(
                lambda: render_advice_pdf(
                    facts,
                    labels,
                    issuer=settings.service_name,
                    background=load_advice_background(conn, settings, facts),
                )
            )
            rows.append(("fiche d'avis, PDF (1 000 m, avec le fond)", t, f"{len(data) / 1e3:.0f} ko"))

            t, found = timed(lambda: digest_for(conn, settings, labels, period=f"{now:%Y}", section="Ougrée"))
            rows.append(("bilan d'une section (Ougrée, une année), faits", t, f"{found.reports} signalements"))
            background = load_digest_background(conn, settings, found)
            t, page = timed(lambda: render_html(found, issuer=settings.service_name, background=background))
            rows.append(("  page HTML (carte en image)", t, f"{len(page) / 1e3:.0f} ko"))
            t, data = timed(lambda: render_pdf(found, issuer=settings.service_name, background=background))
            rows.append(("  PDF", t, f"{len(data) / 1e3:.0f} ko"))

            period = parse_period(f"{now:%Y}", zone=settings.timezone)
            sections = service_sections(settings)
            t, activity = timed(lambda: read_activity(conn, period, now=now, sections=sections))
            communes, sectors = activity.by["commune"], activity.by["secteur"]
            rows.append(
                (
                    "bilan d'activité de l'année (tout compris)",
                    t,
                    f"{int(communes['n'].sum())} signalements, {len(communes)} communes, {len(sectors)} secteurs",
                )
            )
            official = (
                "SELECT count(DISTINCT o.commune) FROM reports r"
                " CROSS JOIN LATERAL official_place(r.commune, r.postcode, r.geom) AS o"
            )
            t, places = timed(lambda: conn.execute(official).fetchone())
            rows.append(("  commune du registre de chaque signalement (official_place)", t, f"{places[0]} communes"))
            t, typed = timed(lambda: conn.execute("SELECT count(DISTINCT commune) FROM reports").fetchone())
            rows.append(("  référence : la commune telle qu'écrite", t, f"{typed[0]} orthographes"))

            small = folder / "petit.csv"
            source = pd.read_csv(folder / "s.csv", nrows=100)
            source["id"] = "N" + source["id"].astype(str)
            source.to_csv(small, index=False)
            start = time.perf_counter()
            summary = ingest_file(conn, small, IngestOptions(kind="reports", source="banc2"), settings)
            whole = time.perf_counter() - start
            t, made = timed(lambda: propose_referrals(conn, settings, batch_id=summary.batch_id))
            conn.rollback()
            rows.append(
                (
                    f"règles de renvoi sur un lot de 100 ({args.reports:,} en base)".replace(",", " "),
                    t,
                    f"import entier du lot : {whole:.2f} s",
                )
            )
            t, made = timed(lambda: propose_referrals(conn, settings))
            conn.rollback()
            rows.append(("règles de renvoi sur toute la base", t, f"{made} proposition(s)"))

    width = max(len(r[0]) for r in rows) + 2
    print(f"{'':{width}}{'secondes':>10}  résultat")
    for label, seconds, result in rows:
        print(f"{label:{width}}{seconds:10.3f}  {result}")


if __name__ == "__main__":
    main()
