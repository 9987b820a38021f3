"""Order candidate sites into routes within a time budget: a prize-collecting vehicle routing problem.

The budget rarely covers every site, so the question is which sites to visit and in which order to collect the
most value; the rest are dropped, each with its reason. Solved with PyVRP (hybrid genetic search, the state of
the art for vehicle routing, with optional "prize" clients, several vehicles and shift durations).

An axis is walked from one end to the other: it is two mutually exclusive clients, one per direction, each
entered at one end and left at the other (the travel matrix between places is asymmetric for them).

:func:`naive_routes` is what a planner does by hand — the highest values first until the budget is full, each
team's sites visited nearest-first: the comparison printed beside every plan. Its variant that skips what does
not fit and goes on down the list is the solver's starting solution, so a plan is never worse than either.
:func:`exact_best` enumerates small instances for the tests and benchmark.

Some sites have a time window (``early``, ``late``: when the visit may start, minutes from the shift's start): the
opening hours of a company, or an appointment, which every plan must visit (``required``). A team arriving early
waits there. The naive planner places the appointments first, in time order, then the rest where they fit; PyVRP
takes every window as its clients' and the appointments as required clients. A company closed at noon has two
windows (``choices``): PyVRP gets one client per window, mutually exclusive like an axis's directions; the other
planners take the first window not yet closed when the team gets there.
"""

from __future__ import annotations

import itertools
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyvrp
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

#: A route: (candidate, reversed) in visit order; reversed means an axis walked from its exit to its entry.
Route = list[tuple[int, bool]]

#: The solver stops after this many iterations without improvement (deterministic for a seed), or at the time
#: limit, whichever comes first.
NO_IMPROVEMENT_ITERATIONS = 3_000
#: An appointment met this many minutes late still counts as met (the travel times are read to the second).
WINDOW_SLACK_MIN = 1.0
#: Value scale of the solver's integer prizes: travel costs one unit per second, so a prize this large makes
#: collected value come first and travel time only break ties.
PRIZE_SCALE = 10_000_000
_EPS = 1e-6
_NO_LIMIT = int(np.iinfo(np.int64).max)


@dataclass(frozen=True)
class Instance:
    """Everything the solvers need, in minutes, indexed by place (start, end, entries and exits of sites)."""

    travel: np.ndarray  # (P, P) minutes from place to place
    start: int
    end: int
    entry: np.ndarray  # place of each candidate's entry
    exit: np.ndarray  # place of each candidate's exit (= entry for a point)
    service: np.ndarray  # minutes on site
    value: np.ndarray
    budget: float
    teams: int
    early: np.ndarray | None = None  # windows: the visit starts at ``early`` at the soonest (waiting there)…
    late: np.ndarray | None = None  # …and no later than ``late`` (0 and inf where a site has no window)
    required: np.ndarray | None = None  # bool: sites every plan must visit (the appointments)
    #: the sites with several windows (a company closed at noon: its morning and its afternoon), in order; their
    #: first is ``early``/``late``
    choices: dict[int, tuple[tuple[float, float], ...]] | None = None

    @property
    def n(self) -> int:
        """How many candidates (the length of every per-candidate array)."""
        return len(self.value)

    def ends(self, c: int, rev: bool) -> tuple[int, int]:
        """(place entered, place left) of candidate ``c`` in the given direction."""
        return (int(self.exit[c]), int(self.entry[c])) if rev else (int(self.entry[c]), int(self.exit[c]))

    def reversible(self, c: int) -> bool:
        """Whether candidate ``c`` (an axis) may be walked either way: its entry and exit differ."""
        return bool(self.entry[c] != self.exit[c])

    def route_minutes(self, route: Route) -> float:
        """Travel, waiting and service from the start, through ``route``, to the end; inf when the route reaches a
        site after its window (an appointment missed, a company closed)."""
        t, here, timed = 0.0, self.start, self.early is not None
        for c, rev in route:
            a, b = self.ends(c, rev)
            t += float(self.travel[here, a])
            if timed:
                t = self.visit_start(c, t)
                if not np.isfinite(t):
                    return t
            t += self.service[c]
            here = b
        return float(t + self.travel[here, self.end])

    def windows_of(self, c: int) -> tuple[tuple[float, float], ...]:
        """The windows of ``c`` in order ((0, inf) without one)."""
        if self.choices is not None and c in self.choices:
            return self.choices[c]
        if self.early is None or self.late is None:
            return ((0.0, float("inf")),)
        return ((float(self.early[c]), float(self.late[c])),)

    def window_at(self, c: int, t: float) -> int:
        """Which window of ``c`` a team there at minute ``t`` visits in: the first not yet closed (it waits for its
        opening); -1 when all have closed."""
        for k, (_early, late) in enumerate(self.windows_of(c)):
            if t <= late + WINDOW_SLACK_MIN:
                return k
        return -1

    def visit_start(self, c: int, t: float) -> float:
        """When the visit of ``c`` starts for a team there at minute ``t``: at once, or once its window opens;
        inf when every window of ``c`` has closed (an appointment missed, a company closed for the day)."""
        k = self.window_at(c, t)
        return max(t, self.windows_of(c)[k][0]) if k >= 0 else float("inf")

    @property
    def timed(self) -> bool:
        """Whether some sites have a time window (an appointment, opening hours): routes are timed with their waits."""
        return self.early is not None

    def is_required(self, c: int) -> bool:
        """Whether every plan must visit ``c`` (an appointment)."""
        return self.required is not None and bool(self.required[c])

    def served(self, routes: list[Route]) -> int:
        """How many required sites ``routes`` visit."""
        return sum(1 for route in routes for c, _ in route if self.is_required(c))

    def alone_minutes(self, c: int) -> float:
        """The shortest route visiting only ``c``."""
        return min(self.route_minutes([(c, rev)]) for rev in ((False, True) if self.reversible(c) else (False,)))

    def value_of(self, routes: list[Route]) -> float:
        """The value ``routes`` collect: the sum of their candidates' values, which the solvers maximise."""
        return float(sum(self.value[c] for route in routes for c, _ in route))


@dataclass
class Solved:
    """Routes per team, and how the solver got there."""

    routes: list[Route]
    runtime_s: float
    iterations: int
    time_limit_reached: bool
    solver: str
    details: dict[str, Any] = field(default_factory=dict)


def nearest_first(inst: Instance, chosen: list[int]) -> Route:
    """Visit ``chosen`` from the start, always going to the nearest remaining site (either end of an axis)."""
    left = list(chosen)
    route: Route = []
    here = inst.start
    while left:
        best: tuple[float, int, bool] | None = None
        for c in left:
            for rev in (False, True) if inst.reversible(c) else (False,):
                d = float(inst.travel[here, inst.ends(c, rev)[0]])
                if best is None or d < best[0] - _EPS:
                    best = (d, c, rev)
        assert best is not None
        _, c, rev = best
        route.append((c, rev))
        left.remove(c)
        here = inst.ends(c, rev)[1]
    return route


def naive_routes(inst: Instance, *, keep_trying: bool = False) -> list[Route]:
    """What a planner does by hand: take the highest values first, each into the first team whose route, visited
    nearest-first, still fits in the budget, until the next one fits nowhere (the budget is full).

    With ``keep_trying``, a site that does not fit is skipped and the next ones are still tried (a stronger
    baseline, used as the solver's starting point and shown beside the other in the benchmark).
    """
    chosen: list[list[int]] = [[] for _ in range(inst.teams)]
    routes: list[Route] = [[] for _ in range(inst.teams)]
    fixed = _appointments_first(inst, routes, chosen)
    for c in sorted(range(inst.n), key=lambda i: (-inst.value[i], i)):
        if inst.is_required(c):
            continue
        placed = False
        for team in range(inst.teams):
            trial = _inserted(inst, routes[team], c) if fixed[team] else nearest_first(inst, [*chosen[team], c])
            if trial is not None and inst.timed and not np.isfinite(inst.route_minutes(trial)):
                trial = _inserted(inst, routes[team], c)  # nearest-first came after closing time: fit it in
            if trial is not None and inst.route_minutes(trial) <= inst.budget + _EPS:
                chosen[team].append(c)
                routes[team] = trial
                placed = True
                break
        if not placed and not keep_trying:
            break
    return routes


def _appointments_first(inst: Instance, routes: list[Route], chosen: list[list[int]]) -> list[bool]:
    """Put the appointments into ``routes`` in time order, each in the first team whose route still keeps them
    all (as a planner fills an agenda); returns which teams have one (their other sites are inserted, not reordered)."""
    early = inst.early
    if not inst.timed or early is None:
        return [False] * inst.teams
    for c in sorted((i for i in range(inst.n) if inst.is_required(i)), key=lambda i: (early[i], i)):
        for team in range(inst.teams):
            trial = [*routes[team], (c, False)]
            if inst.route_minutes(trial) <= inst.budget + _EPS:
                routes[team] = trial
                chosen[team].append(c)
                break
    return [bool(route) for route in routes]


def _inserted(inst: Instance, route: Route, c: int) -> Route | None:
    """``route`` with ``c`` at its cheapest place that misses no appointment; None when there is none."""
    extra, _team, pos, rev = cheapest_insertion(inst, [route], c)
    return None if not np.isfinite(extra) else [*route[:pos], (c, rev), *route[pos:]]


def cheapest_insertion(inst: Instance, routes: list[Route], c: int) -> tuple[float, int, int, bool]:
    """(extra minutes, team, position, reversed) of the cheapest place to add ``c`` to ``routes`` (with
    appointments, counting the waits and never missing one)."""
    if inst.timed:
        return _timed_insertion(inst, routes, c)
    best = (np.inf, -1, -1, False)
    for team, route in enumerate(routes):
        outs = [inst.start] + [inst.ends(d, r)[1] for d, r in route]
        ins = [inst.ends(d, r)[0] for d, r in route] + [inst.end]
        for pos in range(len(route) + 1):
            for rev in (False, True) if inst.reversible(c) else (False,):
                a, b = inst.ends(c, rev)
                extra = (
                    inst.travel[outs[pos], a]
                    + inst.service[c]
                    + inst.travel[b, ins[pos]]
                    - inst.travel[outs[pos], ins[pos]]
                )
                if extra < best[0] - _EPS:
                    best = (float(extra), team, pos, rev)
    return best


def _timed_insertion(inst: Instance, routes: list[Route], c: int) -> tuple[float, int, int, bool]:
    """:func:`cheapest_insertion` when sites have windows: each trial route timed whole (waits move with it)."""
    best = (np.inf, -1, -1, False)
    for team, route in enumerate(routes):
        before = inst.route_minutes(route)
        for pos in range(len(route) + 1):
            for rev in (False, True) if inst.reversible(c) else (False,):
                extra = inst.route_minutes([*route[:pos], (c, rev), *route[pos:]]) - before
                if extra < best[0] - _EPS:
                    best = (float(extra), team, pos, rev)
    return best


def fill_up(inst: Instance, routes: list[Route]) -> list[Route]:
    """Add, highest value first, every left-out site that still fits somewhere (cheapest insertion)."""
    routes = [list(r) for r in routes]
    used = {c for r in routes for c, _ in r}
    for c in sorted((i for i in range(inst.n) if i not in used), key=lambda i: (-inst.value[i], i)):
        extra, team, pos, rev = cheapest_insertion(inst, routes, c)
        if team >= 0 and inst.route_minutes(routes[team]) + extra <= inst.budget + _EPS:
            routes[team].insert(pos, (c, rev))
    return routes


#: A PyVRP client: a site, walked in one direction (an axis), visited in one of its windows.
Client = tuple[int, bool, int]


def _pyvrp_data(inst: Instance) -> tuple[pyvrp.ProblemData, list[Client]]:
    """The instance as PyVRP data: locations are the start, the end, then one per client (site, direction,
    window); the clients of one site are mutually exclusive."""
    clients: list[Client] = []
    groups: list[list[int]] = []
    for c in range(inst.n):
        directions = (False, True) if inst.reversible(c) else (False,)
        mine = [(c, rev, k) for rev in directions for k in range(len(inst.windows_of(c)))]
        if len(mine) > 1:
            groups.append(list(range(len(clients), len(clients) + len(mine))))
        clients += mine
    into = np.array([inst.start, inst.end] + [inst.ends(c, r)[0] for c, r, _k in clients])
    out_of = np.array([inst.start, inst.end] + [inst.ends(c, r)[1] for c, r, _k in clients])
    # rounded up: a route PyVRP finds within the budget is within it to the second (never over by a rounding)
    seconds = np.ceil(inst.travel[np.ix_(out_of, into)] * 60 - 1e-9).astype(np.int64)
    np.fill_diagonal(seconds, 0)
    top = float(inst.value.max()) if inst.n and inst.value.max() > 0 else 1.0
    group_of = {member: g for g, members in enumerate(groups) for member in members}
    locations = [pyvrp.Location(float(i), 0.0) for i in range(len(into))]
    pv_clients = [
        pyvrp.Client(
            location=2 + k,
            service_duration=round(float(inst.service[c]) * 60),
            prize=max(1, round(float(inst.value[c]) / top * PRIZE_SCALE)),
            required=inst.is_required(c) and k not in group_of,
            group=group_of.get(k),
            tw_early=_window_seconds(inst, c, w)[0],
            tw_late=_window_seconds(inst, c, w)[1],
        )
        for k, (c, _r, w) in enumerate(clients)
    ]
    depots = [pyvrp.Depot(location=0), pyvrp.Depot(location=1)]
    vehicles = [
        pyvrp.VehicleType(
            num_available=inst.teams,
            start_depot=0,
            end_depot=1,
            shift_duration=int(inst.budget * 60),
            start_late=0,  # teams leave at the start and wait at an appointment (the sheet times it so)
            unit_distance_cost=0,
            unit_duration_cost=1,
        )
    ]
    pv_groups = [pyvrp.ClientGroup(members, required=inst.is_required(clients[members[0]][0])) for members in groups]
    data = pyvrp.ProblemData(locations, pv_clients, depots, vehicles, [seconds], [seconds], pv_groups)
    return data, clients


def _window_seconds(inst: Instance, c: int, k: int) -> tuple[int, int]:
    """PyVRP's time window ``k`` of candidate ``c`` in seconds from the start (the whole day without one)."""
    early, late = inst.windows_of(c)[k]
    if not np.isfinite(late):
        return 0, _NO_LIMIT
    return round(early * 60), round(late * 60)


def _clients_of(inst: Instance, route: Route) -> list[Client]:
    """``route``'s stops as PyVRP clients: each in the window its team, timed along the route, visits it in."""
    t, here, clients = 0.0, inst.start, list[Client]()
    for c, rev in route:
        a, b = inst.ends(c, rev)
        t += float(inst.travel[here, a])
        k = max(inst.window_at(c, t), 0)
        clients.append((c, rev, k))
        t = inst.visit_start(c, t) + float(inst.service[c])
        here = b
    return clients


def solve_routes(inst: Instance, *, seed: int = 1, time_limit_s: float = 2.0) -> Solved:
    """The best routes PyVRP finds from the naive plan, within ``time_limit_s`` (deterministic for a seed when
    it stops on iterations without improvement before the time limit), then filled up with what still fits."""
    began = time.perf_counter()
    naive = naive_routes(inst, keep_trying=True)
    if inst.n == 0:
        return Solved(naive, 0.0, 0, False, "aucun")
    data, clients = _pyvrp_data(inst)
    index = {pair: k for k, pair in enumerate(clients)}
    start = pyvrp.Solution(data, [pyvrp.Route(data, [index[s] for s in _clients_of(inst, r)], 0) for r in naive if r])
    stop = MultipleCriteria([NoImprovement(NO_IMPROVEMENT_ITERATIONS), MaxRuntime(time_limit_s)])
    with warnings.catch_warnings():
        # PyVRP warns when its time-warp penalty reaches its bound on a tight budget; the best solution it keeps is
        # checked for feasibility below (and the naive plan taken otherwise), so the warning tells the user nothing.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = pyvrp.solve(data, stop=stop, seed=seed, display=False, collect_stats=False, initial_solution=start)
    routes: list[Route] = []
    if result.best.is_feasible():
        for route in result.best.routes():
            routes.append([clients[a.idx][:2] for a in route.schedule() if a.is_client()])
    # a solution read back in seconds may sit a few seconds over the budget in minutes: drop the last stops then
    routes = [_within_budget(inst, r) for r in routes]
    routes += [[] for _ in range(inst.teams - len(routes))]
    if (inst.served(routes), inst.value_of(routes)) < (inst.served(naive), inst.value_of(naive) - _EPS):
        routes = naive
    routes = fill_up(inst, routes)
    runtime = time.perf_counter() - began
    return Solved(
        routes=_teams_in_order(routes),
        runtime_s=runtime,
        iterations=int(result.num_iterations),
        time_limit_reached=result.runtime >= time_limit_s * 0.98,
        solver="pyvrp",
    )


def _within_budget(inst: Instance, route: Route) -> Route:
    route = list(route)
    while route and inst.route_minutes(route) > inst.budget + _EPS:
        optional = [k for k in range(len(route)) if not inst.is_required(route[k][0])] or list(range(len(route)))
        route.pop(min(optional, key=lambda k: inst.value[route[k][0]]))
    return route


def _teams_in_order(routes: list[Route]) -> list[Route]:
    """Busiest team first, so team 1 always has the route with the most stops (teams are interchangeable)."""
    return sorted(routes, key=lambda r: (-len(r), r))


def exact_best(inst: Instance) -> tuple[float, Route]:
    """The best single-team route by enumeration over subsets (Held–Karp style); for ≤ 12 candidates."""
    if inst.teams != 1 or inst.n > 12 or inst.timed:
        raise ValueError("énumération exacte : une équipe, au plus 12 sites et sans rendez-vous")
    nodes = [(c, r) for c in range(inst.n) for r in ((False, True) if inst.reversible(c) else (False,))]
    size = 1 << inst.n
    best_time: dict[tuple[int, int], tuple[float, Route]] = {}
    for k, (c, r) in enumerate(nodes):
        a, _b = inst.ends(c, r)
        best_time[(1 << c, k)] = (float(inst.travel[inst.start, a] + inst.service[c]), [(c, r)])
    for mask in range(1, size):
        for k, (c, r) in enumerate(nodes):
            state = best_time.get((mask, k))
            if state is None or state[0] > inst.budget + _EPS:
                continue
            here = inst.ends(c, r)[1]
            for k2, (c2, r2) in enumerate(nodes):
                if mask & (1 << c2):
                    continue
                t = state[0] + inst.travel[here, inst.ends(c2, r2)[0]] + inst.service[c2]
                key = (mask | (1 << c2), k2)
                if t <= inst.budget + _EPS and (key not in best_time or t < best_time[key][0] - _EPS):
                    best_time[key] = (float(t), [*state[1], (c2, r2)])
    best: tuple[float, Route] = (0.0, [])
    for (mask, k), (t, route) in best_time.items():
        c, r = nodes[k]
        if t + inst.travel[inst.ends(c, r)[1], inst.end] <= inst.budget + _EPS:
            value = float(sum(inst.value[i] for i in range(inst.n) if mask & (1 << i)))
            if value > best[0] + _EPS:
                best = (value, route)
    return best


def brute_force_best(inst: Instance) -> float:
    """Best value by trying every ordered subset (for ≤ 7 sites): the check of :func:`exact_best` itself."""
    best = 0.0
    for size in range(1, inst.n + 1):
        for subset in itertools.permutations(range(inst.n), size):
            for dirs in itertools.product(*[(False, True) if inst.reversible(c) else (False,) for c in subset]):
                route = list(zip(subset, dirs, strict=True))
                if inst.route_minutes(route) <= inst.budget + _EPS:
                    best = max(best, inst.value_of([route]))
    return best
