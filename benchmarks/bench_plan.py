"""Shift planning on the demo zone: value collected against the naive planner, OR-Tools and the exact optimum.

Side by side in one run (``make bench-plan``):

1. a 4 h shift on the analysed demo data (by car, bicycle and on foot; one and two teams): the value Hotspots
   collects (PyVRP, default settings: ≤ 2 s) against the **naive planner** (highest priorities until the budget is
   full, visited nearest-first) and its kinder variant (a site that does not fit is skipped, the next tried), and
   against **OR-Tools** given 30 s on the same instance — targets: ≥ 20 % more than the naive planner, within 2 % of
   OR-Tools;
2. small instances (10 candidates drawn from the demo's, 90 min by car): Hotspots against the **exact optimum**
   (enumerated) — target: within 1 %;
3. 500 candidates (the demo's, plus open reports at random official addresses) and 5 teams — target: < 10 s.

Travel: straight line × 1.3 (no road network loaded). Run: ``python benchmarks/bench_plan.py`` (``--rapide``: 5 s
for OR-Tools instead of 30, fewer small instances).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._database import throwaway_database  # noqa: E402
from benchmarks._ortools_plan import ortools_routes  # noqa: E402
from service.plan.solve import Instance, exact_best, naive_routes, solve_routes  # noqa: E402

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def load_demo(settings, out: Path):  # type: ignore[no-untyped-def]
    """The analysed demo data set in the throwaway database (as ``hotspots demo`` makes it, fixed dates)."""
    from service.analyse.store import run_points
    from service.db import connect
    from service.demo import DEMO_INGESTION, generate_demo
    from service.geocode.apply import batch_geocoder
    from service.geocode.gazetteer import load_gazetteer
    from service.ingest.pipeline import IngestOptions, ingest_file

    files = generate_demo(
        out, addresses=settings.geodata_dir / "icar_seraing_neupre.csv", seed=7, end=date(2026, 11, 15)
    )
    with connect(settings) as conn:
        load_gazetteer(conn, [settings.geodata_dir / "icar_seraing_neupre.csv"])
        conn.commit()
        geocoder = batch_geocoder(conn)
        for attr, kind, source in DEMO_INGESTION:
            ingest_file(
                conn,
                getattr(files, attr),
                IngestOptions(kind=kind, source=source),
                settings,  # type: ignore[arg-type]
                geocoder=geocoder,
                now=NOW,
            )
        run_points(conn, since=datetime(2024, 11, 1, tzinfo=UTC), now=pd.Timestamp(NOW))


def demo_instance(conn, settings, *, mode: str, teams: int, budget: float):  # type: ignore[no-untyped-def]
    """The solver's instance for a shift from the default station, as ``hotspots plan`` builds it."""
    from service.db.vocabulary import load_labels
    from service.plan.candidates import CandidateContext, load_candidates
    from service.plan.model import Filters, Place
    from service.plan.places import parse_coordinates
    from service.plan.shift import build_instance, place_coordinates
    from service.plan.travel import travel_matrix

    context = CandidateContext(settings=settings, filters=Filters(), now=pd.Timestamp(NOW), labels=load_labels(conn))
    candidates, _ = load_candidates(conn, context)
    x, y = parse_coordinates("5.5092003, 50.6149603")  # Place Communale 1, Seraing
    start = Place("station", x, y)
    travel = travel_matrix(place_coordinates(candidates, start, start), mode=mode, settings=settings, network=None)
    return candidates, build_instance(candidates, budget=budget, teams=teams, travel=travel), start


def upper_bound(inst: Instance) -> float:
    """The most value any plan could collect: a knapsack of the teams' total minutes in which each site costs its
    time on site plus the cheapest way in (from the start or from any other site), the rest of the travel left out.
    Every route pays at least that for each site it visits, so no planner can beat this bound; when it is close to
    the naive planner's value, no optimiser can gain much over it on this instance."""
    places = inst.travel.shape[0]
    weights = []
    for c in range(inst.n):
        own = {int(inst.entry[c]), int(inst.exit[c]), inst.end}
        before = [p for p in range(places) if p not in own]
        ways_in = [int(inst.entry[c]), int(inst.exit[c])] if inst.reversible(c) else [int(inst.entry[c])]
        cheapest_in = min(float(inst.travel[before, a].min()) for a in ways_in)
        weights.append(int(np.floor(inst.service[c] + cheapest_in)))  # rounded down: the bound stays a bound
    capacity = int(np.floor(inst.budget)) * inst.teams
    best = np.zeros(capacity + 1)
    for w, v in zip(weights, inst.value, strict=True):
        if w <= capacity:
            best[w:] = np.maximum(best[w:], best[: capacity + 1 - w] + v)
    return float(best[-1])


def _pct(a: float, b: float) -> str:
    return "—" if b <= 0 else f"{(a / b - 1) * 100:+.1f} %"


def shift_cases(conn, settings, ortools_s: float) -> list[list[str]]:  # type: ignore[no-untyped-def]
    rows = []
    for mode in ("voiture", "velo", "pied"):
        for teams in (1, 2):
            _c, inst, _s = demo_instance(conn, settings, mode=mode, teams=teams, budget=240)
            began = time.perf_counter()
            ours = solve_routes(inst, seed=1, time_limit_s=settings.plan_solver_seconds)
            took = time.perf_counter() - began
            value = inst.value_of(ours.routes)
            naive = inst.value_of(naive_routes(inst))
            kinder = inst.value_of(naive_routes(inst, keep_trying=True))
            ref = inst.value_of(ortools_routes(inst, seconds=ortools_s))
            bound = upper_bound(inst)
            rows.append(
                [
                    f"4 h, {mode}, {teams} équipe(s), {inst.n} candidats (valeur totale {inst.value.sum():.0f})",
                    f"{value:.1f}",
                    f"{naive:.1f} ({_pct(value, naive)})",
                    f"{kinder:.1f} ({_pct(value, kinder)})",
                    f"{ref:.1f} ({_pct(value, ref)})",
                    f"{bound:.1f} ({_pct(bound, naive)} sur le naïf)",
                    f"{took:.2f} s",
                ]
            )
    return rows


def small_cases(conn, settings, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    _candidates, full, _ = demo_instance(conn, settings, mode="voiture", teams=1, budget=90)
    rng = np.random.default_rng(11)
    gaps, times = [], []
    for _ in range(count):
        pick = np.sort(rng.choice(full.n, 10, replace=False))
        places = sorted({0, 1, *full.entry[pick].tolist(), *full.exit[pick].tolist()})
        where = {p: i for i, p in enumerate(places)}
        inst = Instance(
            travel=full.travel[np.ix_(places, places)],
            start=where[0],
            end=where[1],
            entry=np.array([where[p] for p in full.entry[pick]]),
            exit=np.array([where[p] for p in full.exit[pick]]),
            service=full.service[pick],
            value=full.value[pick],
            budget=90.0,
            teams=1,
        )
        best, _route = exact_best(inst)
        began = time.perf_counter()
        got = inst.value_of(solve_routes(inst, seed=1).routes)
        times.append(time.perf_counter() - began)
        gaps.append(0.0 if best <= 0 else (best - got) / best * 100)
    return [
        f"{count} instances de 10 candidats, 90 min",
        f"écart moyen {np.mean(gaps):.2f} %, pire {np.max(gaps):.2f} %",
        f"optimum atteint {sum(g < 1e-9 for g in gaps)}/{count}",
        f"{np.median(times):.2f} s (médiane)",
    ]


def large_case(conn, settings, ortools_s: float) -> list[str]:  # type: ignore[no-untyped-def]
    """500 candidates: the demo's, plus lone open reports at random official addresses (values like the demo's)."""
    from service.plan.model import CANDIDATE_COLUMNS
    from service.plan.shift import build_instance, place_coordinates
    from service.plan.travel import travel_matrix

    candidates, _inst, start = demo_instance(conn, settings, mode="voiture", teams=5, budget=240)
    rng = np.random.default_rng(5)
    addresses = pd.read_csv(ROOT / "geodata" / "icar_seraing_neupre.csv")
    from service.geo import LAMBERT72, WGS84, project

    pick = addresses.sample(500 - len(candidates), random_state=5)
    xs, ys = project(pick["lon"].to_numpy(), pick["lat"].to_numpy(), WGS84, LAMBERT72)
    reports = candidates[candidates["kind"] == "signalement"]["value"].to_numpy()
    extra = []
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        p = shapely.Point(x, y)
        extra.append(
            dict.fromkeys(CANDIDATE_COLUMNS)
            | {
                "site_id": f"X-{i}",
                "kind": "signalement",
                "value": float(rng.choice(reports)),
                "service_min": 10.0,
                "entry": p,
                "exit": p,
                "geometry": p,
                "components": {},
                "categories": {},
            }
        )
    import geopandas as gpd

    big = gpd.GeoDataFrame(
        pd.concat([candidates, pd.DataFrame(extra)], ignore_index=True), geometry="geometry", crs="EPSG:31370"
    )
    began = time.perf_counter()
    travel = travel_matrix(place_coordinates(big, start, start), mode="voiture", settings=settings, network=None)
    inst = build_instance(big, budget=240, teams=5, travel=travel)
    solved = solve_routes(inst, seed=1, time_limit_s=settings.plan_solver_seconds)
    took = time.perf_counter() - began
    value = inst.value_of(solved.routes)
    ref = inst.value_of(ortools_routes(inst, seconds=ortools_s))
    naive = inst.value_of(naive_routes(inst))
    plain = [
        f"{inst.n} candidats, 5 équipes, 4 h",
        f"{value:.1f}",
        f"{naive:.1f} ({_pct(value, naive)})",
        f"{ref:.1f} ({_pct(value, ref)})",
        f"{took:.2f} s",
    ]
    return [
        plain,
        _with_appointments(big, inst, value),
        _all_open_from_eight(inst, value),
        _closed_at_noon(inst, value),
    ]


def _all_open_from_eight(inst: Instance, plain_value: float) -> list[str]:
    """The same instance where every site keeps opening hours (08:00–17:00, the visit ending by closing) and the
    shift starts at 07:00: every route is timed with its waits (the solver's and the naive planner's slow path)."""
    from dataclasses import replace

    early = np.full(inst.n, 60.0)
    timed = replace(inst, early=early, late=540.0 - inst.service, required=np.zeros(inst.n, dtype=bool))
    return _timed_row("idem, tous ouverts 8 h-17 h, départ 7 h", timed, plain_value)


def _closed_at_noon(inst: Instance, plain_value: float) -> list[str]:
    """The same instance where every site is open 08:00–12:00 and 13:00–17:00 and the shift runs from 10:00 to
    14:00: two windows a site (twice the solver's clients), the hour at noon lost to every visit."""
    from dataclasses import replace

    spans = {c: ((0.0, 120.0 - float(inst.service[c])), (180.0, 420.0 - float(inst.service[c]))) for c in range(inst.n)}
    early, late = np.zeros(inst.n), np.array([spans[c][0][1] for c in range(inst.n)])
    timed = replace(inst, early=early, late=late, required=np.zeros(inst.n, dtype=bool), choices=spans)
    return _timed_row("idem, fermés de 12 h à 13 h, 10 h-14 h", timed, plain_value)


def _timed_row(case: str, timed: Instance, plain_value: float) -> list[str]:
    """A row of the table for an instance with windows: the solver's value and time beside the naive planner's
    (OR-Tools is not given the windows); ``{kept}`` in ``case`` is how many appointments the solver kept."""
    began = time.perf_counter()
    solved = solve_routes(timed, seed=1, time_limit_s=2.0)
    took = time.perf_counter() - began
    value = timed.value_of(solved.routes)
    naive = timed.value_of(naive_routes(timed))
    return [
        case.format(kept=timed.served(solved.routes)),
        f"{value:.1f} ({_pct(value, plain_value)} sans)",
        f"{naive:.1f} ({_pct(value, naive)})",
        "—",
        f"{took:.2f} s (calcul)",
    ]


def _with_appointments(big, inst, plain_value: float) -> list[str]:  # type: ignore[no-untyped-def]
    """The same instance with five appointments at added sites (09:00, 09:30 … 11:00 of an 08:00 shift): what the
    appointments cost in value and in time (OR-Tools is not given the windows)."""
    from dataclasses import replace

    sites = [c for c in range(inst.n) if str(big["site_id"].iloc[c]).startswith("X-")][:5]
    early = np.zeros(inst.n)
    required = np.zeros(inst.n, dtype=bool)
    for k, c in enumerate(sites):
        early[c] = 60 + 30 * k
        required[c] = True
    timed = replace(inst, early=early, late=np.where(required, early, np.inf), required=required)
    return _timed_row("idem, 5 rendez-vous ({kept}/5 tenus)", timed, plain_value)


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rapide", action="store_true", help="OR-Tools 5 s, 5 petites instances")
    parser.add_argument("--port", type=int, default=54410)
    args = parser.parse_args(argv)
    ortools_s = 5.0 if args.rapide else 30.0
    from service.db import connect

    with throwaway_database(args.port) as settings, tempfile.TemporaryDirectory() as tmp:
        print("Préparation : jeu de démonstration importé et analysé…", flush=True)
        load_demo(settings, Path(tmp))
        with connect(settings) as conn:
            print(f"\n1. Tournée de 4 h sur la zone de démonstration (OR-Tools : {ortools_s:.0f} s)\n")
            _table(
                [
                    "cas",
                    "Hotspots",
                    "naïf",
                    "naïf (continue)",
                    f"OR-Tools {ortools_s:.0f} s",
                    "borne haute",
                    "temps Hotspots",
                ],
                shift_cases(conn, settings, ortools_s),
            )
            print("2. Petites instances contre l'optimum exact (énumération)\n")
            _table(
                ["cas", "écart à l'optimum", "optimum", "temps"],
                [small_cases(conn, settings, 5 if args.rapide else 20)],
            )
            print(f"3. 500 candidats, 5 équipes (OR-Tools : {ortools_s:.0f} s)\n")
            _table(
                ["cas", "Hotspots", "naïf", f"OR-Tools {ortools_s:.0f} s", "temps Hotspots (matrice + calcul)"],
                large_case(conn, settings, ortools_s),
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
