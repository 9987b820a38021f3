"""Travel-matrix benchmark: 500 and 1,000 places (real addresses of Liège) on the OpenStreetMap streets of Liège,
beside the straight-line matrix (distance × detour factor) that is used without a network.

Target: a matrix of 500 places on a city network in well under a few seconds (the planner builds one per plan,
over every site point, both ends of each axis, start and end: up to about 1,000 places).
Run: ``python benchmarks/bench_travel.py [--places 500 1000] [--network FILE] [--repeat 3] [--port 54343]``
(a throwaway managed cluster, or DATABASE_URL: its road network is then replaced).

``--grille N`` writes and loads instead a synthetic ``.osm.pbf``: a street grid of N × N junctions 35 m apart
(two ways every three blocks), far denser than a real network, to see how loading and the matrix scale; places
are then drawn at random in a 3 km square at its centre.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._database import throwaway_database  # noqa: E402
from service.db import connect  # noqa: E402
from service.geo import project  # noqa: E402
from service.plan.network import load_network  # noqa: E402
from service.plan.travel import RoadNetwork, TravelMatrix, travel_matrix  # noqa: E402


def _addresses(n: int, seed: int) -> np.ndarray:
    """``n`` official addresses of the commune of Liège (the network's coverage), Lambert 72."""
    register = pd.read_csv(ROOT / "geodata" / "icar_liege_province.csv.gz", usecols=["municipality", "lat", "lon"])
    liege = register[register["municipality"] == "Liège"].sample(n=n, random_state=seed)
    x, y = project(liege["lon"].to_numpy(float), liege["lat"].to_numpy(float), "EPSG:4326")
    return np.column_stack([x, y])


def _grid(n: int, folder: Path) -> Path:
    """A synthetic .osm.pbf street grid of ``n`` × ``n`` junctions (see the module doc)."""
    import osmium
    from osmium.osm.mutable import Node, Way

    path = folder / f"grille_{n}.osm.pbf"
    writer = osmium.SimpleWriter(str(path), overwrite=True)

    def ident(i: int, j: int) -> int:
        return i * n + j + 1

    for i in range(n):
        for j in range(n):
            writer.add_node(Node(id=ident(i, j), location=(5.4 + j * 0.0005, 50.5 + i * 0.0003)))
    way = 1
    for i in range(n):
        for j0 in range(0, n - 1, 3):
            span = range(j0, min(j0 + 4, n))
            writer.add_way(Way(id=way, nodes=[ident(i, j) for j in span], tags={"highway": "residential"}))
            writer.add_way(Way(id=way + 1, nodes=[ident(j, i) for j in span], tags={"highway": "footway"}))
            way += 2
    writer.close()
    return path


def _random_places(n: int, seed: int, network: RoadNetwork) -> np.ndarray:
    import shapely

    xmin, ymin, xmax, ymax = shapely.total_bounds(network.geoms)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(cx - 1500, cx + 1500, n), rng.uniform(cy - 1500, cy + 1500, n)])


def _best(repeat: int, **kwargs):  # type: ignore[no-untyped-def]
    """Best and median seconds of ``repeat`` runs of travel_matrix(**kwargs), and its result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = travel_matrix(**kwargs)
        times.append(time.perf_counter() - start)
    return min(times), float(np.median(times)), result


def _fr(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}".replace(",", " ").replace(".", ",")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--places", type=int, nargs="+", default=[500, 1000])
    parser.add_argument("--modes", nargs="+", default=["voiture", "pied"])
    parser.add_argument("--network", type=Path, default=ROOT / "geodata" / "osm_streets_liege.geojson")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--port", type=int, default=54343)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--grille", type=int, default=0, help="synthetic N × N grid instead of --network")
    args = parser.parse_args()

    rows = []
    with throwaway_database(args.port) as settings, connect(settings) as conn:
        if args.grille:
            start = time.perf_counter()
            args.network = _grid(args.grille, settings.data_dir)
            print(f"grille écrite en {_fr(time.perf_counter() - start)} s")
        start = time.perf_counter()
        loaded = load_network(conn, args.network, settings=settings)
        load_s = time.perf_counter() - start
        print(
            f"réseau : {loaded.file}, {_fr(loaded.edges, 0)} tronçons, {_fr(loaded.vertices, 0)} nœuds, "
            f"{_fr(loaded.length_km, 1)} km, {loaded.components} parties (la plus grande "
            f"{_fr(loaded.largest_component_share * 100, 1)} %), chargé en {_fr(load_s)} s"
        )
        for mode in args.modes:
            start = time.perf_counter()
            network = RoadNetwork.from_db(conn, mode)
            read_s = time.perf_counter() - start
            assert network is not None
            print(f"graphe « {mode} » lu de la base en {_fr(read_s, 3)} s")
            for n in args.places:
                xy = _random_places(n, args.seed, network) if args.grille else _addresses(n, args.seed)
                best, median, matrix = _best(args.repeat, xy=xy, mode=mode, settings=settings, network=network)
                base_best, base_median, _ = _best(args.repeat, xy=xy, mode=mode, settings=settings, network=None)
                rows.append((mode, n, best, median, base_best, base_median, matrix, _legs(matrix)))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print()
    print(
        "| mode | lieux | matrice sur le réseau (meilleur / médiane) | vol d'oiseau × 1,3 (meilleur / médiane) "
        "| trajets par le réseau | lieux hors réseau | réseau / ligne droite (médiane) | tracé d'un trajet |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for mode, n, best, median, base_best, base_median, matrix, leg_ms in rows:
        off = ~np.eye(n, dtype=bool)
        via = matrix.via_network & off
        straight = matrix.metres[via] / _straight(matrix)[via]
        print(
            f"| {mode} | {_fr(n, 0)} | {_fr(best)} / {_fr(median)} s | {_fr(base_best, 3)} / {_fr(base_median, 3)} s "
            f"| {_fr(via.sum() / off.sum() * 100, 1)} % | {matrix.off_network_count} "
            f"| {_fr(float(np.median(straight)))} | {_fr(leg_ms, 1)} ms |"
        )
    print(f"\nmémoire maximale du processus : {_fr(peak_mb, 0)} Mo")


def _straight(matrix: TravelMatrix) -> np.ndarray:
    xy = matrix._xy
    out = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(out, 1.0)
    return out


def _legs(matrix: TravelMatrix, count: int = 50) -> float:
    """Mean time to draw one leg along the streets (the route of a plan: a few dozen legs)."""
    pairs = np.argwhere(matrix.via_network & ~np.eye(len(matrix.on_network), dtype=bool))[:count]
    start = time.perf_counter()
    for i, j in pairs:
        matrix.leg_geometry(int(i), int(j))
    return (time.perf_counter() - start) / max(len(pairs), 1) * 1000


if __name__ == "__main__":
    main()
