"""The routing core on instances built by hand: budget, teams, axes walked end to end, the naive planner, and the
solver against exact enumeration (no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from service.errors import InvalidValueError
from service.plan.model import parse_duration
from service.plan.solve import Instance, brute_force_best, exact_best, naive_routes, solve_routes


def _instance(n: int, seed: int, *, budget: float, teams: int = 1, axes: float = 0.3, spread: float = 3000.0):
    """Sites scattered around a start at (0, 0), about a third of them axes (two ends 100–400 m apart),
    travel at 25 km/h × 1.3, values drawn like real priorities (a few large, many small)."""
    rng = np.random.default_rng(seed)
    places = [(0.0, 0.0), (0.0, 0.0)]
    entry, exit_, service = [], [], []
    for _ in range(n):
        p = rng.uniform(-spread, spread, 2)
        entry.append(len(places))
        places.append(tuple(p))
        if rng.random() < axes:
            q = p + rng.uniform(-300, 300, 2)
            exit_.append(len(places))
            places.append(tuple(q))
            service.append(float(np.hypot(*(q - p))) / (4000 / 60) + 5)
        else:
            exit_.append(entry[-1])
            service.append(15.0)
    xy = np.array(places)
    travel = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) * 1.3 / (25_000 / 60)
    return Instance(
        travel, 0, 1, np.array(entry), np.array(exit_), np.array(service), rng.gamma(1.2, 8, n), budget, teams
    )


def _check(inst: Instance, routes) -> None:
    seen = [c for r in routes for c, _ in r]
    assert len(seen) == len(set(seen)), "un site dans deux tournées"
    for r in routes:
        assert inst.route_minutes(r) <= inst.budget + 1e-6
        for c, rev in r:
            assert not rev or inst.reversible(c)


@pytest.mark.parametrize("seed", range(6))
def test_solver_matches_exact_enumeration_on_small_instances(seed):
    inst = _instance(9, seed, budget=75)
    best, route = exact_best(inst)
    assert inst.route_minutes(route) <= inst.budget + 1e-6
    solved = solve_routes(inst, seed=1)
    _check(inst, solved.routes)
    assert inst.value_of(solved.routes) >= best * 0.99
    assert inst.value_of(solved.routes) <= best + 1e-6  # the enumeration is the optimum


def test_exact_enumeration_agrees_with_brute_force():
    for seed in range(3):
        inst = _instance(6, seed + 10, budget=60)
        assert exact_best(inst)[0] == pytest.approx(brute_force_best(inst))


def test_several_teams_share_no_site_and_each_fits_the_budget():
    inst = _instance(60, 3, budget=120, teams=3)
    solved = solve_routes(inst, seed=2)
    _check(inst, solved.routes)
    assert len(solved.routes) == 3 and all(solved.routes)
    assert inst.value_of(solved.routes) >= inst.value_of(naive_routes(inst))


def test_same_seed_same_plan():
    inst = _instance(40, 5, budget=120, teams=2)
    first = solve_routes(inst, seed=7, time_limit_s=30)
    again = solve_routes(inst, seed=7, time_limit_s=30)
    assert not first.time_limit_reached
    assert first.routes == again.routes


def test_an_axis_is_entered_at_one_end_and_left_at_the_other():
    # one axis whose two ends are 600 m apart, on the way between the start and a valuable point
    xy = np.array([(0, 0), (2000, 0), (500, 0), (1100, 0), (1500, 0)], dtype=float)
    travel = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) / (25_000 / 60)
    inst = Instance(
        travel, 0, 1, np.array([2, 4]), np.array([3, 4]), np.array([14.0, 15.0]), np.array([5.0, 9.0]), 60.0, 1
    )
    solved = solve_routes(inst, seed=1)
    assert solved.routes == [[(0, False), (1, False)]]
    # walked the other way round (end → start), the same axis costs the detour back
    assert inst.route_minutes([(0, True), (1, False)]) > inst.route_minutes([(0, False), (1, False)])


def test_naive_planner_takes_the_highest_values_until_the_budget_is_full():
    xy = np.array([(0, 0), (0, 0), (6000, 0), (200, 0), (300, 0)], dtype=float)
    travel = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) / (25_000 / 60)
    inst = Instance(
        travel, 0, 1, np.array([2, 3, 4]), np.array([2, 3, 4]), np.full(3, 15.0), np.array([10.0, 4.0, 3.0]), 45.0, 1
    )
    # the far site (value 10) takes 28.8 + 15 min: it fits alone, then nothing else fits beside it
    assert naive_routes(inst) == [[(0, False)]]
    assert naive_routes(inst, keep_trying=True) == [[(0, False)]]
    solved = solve_routes(inst, seed=1)
    assert inst.value_of(solved.routes) == pytest.approx(10.0)  # 10 > 4 + 3: the far site is still the best use
    inst_short = Instance(travel, 0, 1, inst.entry, inst.exit, inst.service, inst.value, 40.0, 1)
    assert naive_routes(inst_short) == [[]]  # the top site does not fit: the naive planner stops there
    assert inst_short.value_of(solve_routes(inst_short, seed=1).routes) == pytest.approx(7.0)


@pytest.mark.parametrize(("text", "minutes"), [("4h", 240), ("3h30", 210), ("90min", 90), ("2,5h", 150), ("45", 45)])
def test_durations_read_as_people_write_them(text, minutes):
    assert parse_duration(text) == minutes


def test_an_unreadable_duration_is_refused_in_french():
    with pytest.raises(InvalidValueError, match="durée illisible"):
        parse_duration("quatre heures")


def _with_appointments(inst: Instance, at: dict[int, float]) -> Instance:
    """``inst`` with an appointment (minutes from the start) at each site of ``at``."""
    from dataclasses import replace

    early = np.zeros(inst.n)
    late = np.full(inst.n, np.inf)
    required = np.zeros(inst.n, dtype=bool)
    for c, minute in at.items():
        early[c] = late[c] = minute
        required[c] = True
    return replace(inst, early=early, late=late, required=required)


def _best_keeping_appointments(inst: Instance) -> float:
    """Best value over every ordered subset that visits all the appointments in time (for ≤ 6 sites)."""
    import itertools

    best = -1.0
    must = {c for c in range(inst.n) if inst.is_required(c)}
    for size in range(len(must), inst.n + 1):
        for subset in itertools.permutations(range(inst.n), size):
            if not must <= set(subset):
                continue
            for dirs in itertools.product(*[(False, True) if inst.reversible(c) else (False,) for c in subset]):
                route = list(zip(subset, dirs, strict=True))
                if inst.route_minutes(route) <= inst.budget + 1e-6:
                    best = max(best, inst.value_of([route]))
    return best


def _arrivals(inst: Instance, route) -> dict[int, float]:
    """Minute of the start of each visit of ``route`` (after any wait)."""
    t, here, out = 0.0, inst.start, {}
    for c, rev in route:
        a, b = inst.ends(c, rev)
        t += inst.travel[here, a]
        t = inst.visit_start(c, t)
        out[c] = t
        t += inst.service[c]
        here = b
    return out


@pytest.mark.parametrize("seed", range(5))
def test_an_appointment_is_kept_at_its_time_even_at_a_low_value_site(seed):
    """The site of least value, set at minute 40 of a 75-minute shift: every plan visits it at that minute
    (waiting if early), and the solver still finds the best value an enumeration of every route finds."""
    plain = _instance(6, seed, budget=75)
    low = int(np.argmin(plain.value))
    inst = _with_appointments(plain, {low: 40.0})
    best = _best_keeping_appointments(inst)
    assert best >= 0, "the enumeration finds a route keeping the appointment"
    for routes in (solve_routes(inst, seed=1).routes, naive_routes(inst), naive_routes(inst, keep_trying=True)):
        _check(inst, routes)
        (route,) = [r for r in routes if any(c == low for c, _ in r)]
        assert _arrivals(inst, route)[low] == pytest.approx(40.0, abs=1.0)
    assert inst.value_of(solve_routes(inst, seed=1).routes) == pytest.approx(best, abs=1e-6)
    assert inst.value_of(solve_routes(inst, seed=1).routes) <= inst.value_of(solve_routes(plain, seed=1).routes) + 1e-6


def test_two_appointments_at_once_need_two_teams():
    inst = _with_appointments(_instance(8, 3, budget=120, teams=1), {0: 60.0, 1: 60.0})
    one = solve_routes(inst, seed=1).routes
    assert inst.served(one) == 1  # one team cannot be at two places at once: the plan stage says so
    two = _with_appointments(_instance(8, 3, budget=120, teams=2), {0: 60.0, 1: 60.0})
    routes = solve_routes(two, seed=1).routes
    _check(two, routes)
    assert two.served(routes) == 2 and all(sum(two.is_required(c) for c, _ in r) == 1 for r in routes)


def test_a_missed_appointment_makes_the_route_impossible():
    inst = _with_appointments(_instance(4, 0, budget=120, axes=0), {0: 1.0})
    assert inst.travel[inst.start, inst.entry[0]] > 2  # the site is more than a minute away
    assert inst.route_minutes([(0, False)]) == float("inf")
    with pytest.raises(ValueError, match="sans rendez-vous"):
        exact_best(inst)


def test_an_appointment_range_lets_the_visit_start_anywhere_in_it():
    """A range of 30 minutes at the least valuable site: every plan starts its visit within it, and the solver
    matches the enumeration of every route keeping it."""
    from dataclasses import replace

    for seed in range(3):
        plain = _instance(6, seed, budget=75)
        low = int(np.argmin(plain.value))
        timed = _with_appointments(plain, {low: 20.0})
        inst = replace(timed, late=np.where(timed.required, 50.0, np.inf))
        solved = solve_routes(inst, seed=1).routes
        _check(inst, solved)
        (route,) = [r for r in solved if any(c == low for c, _ in r)]
        assert 20.0 <= _arrivals(inst, route)[low] <= 51.0
        assert inst.value_of(solved) == pytest.approx(_best_keeping_appointments(inst), abs=1e-6)


def _with_two_windows(inst: Instance, windows: dict[int, tuple[tuple[float, float], ...]]) -> Instance:
    """``inst`` where each site of ``windows`` may only be visited in them (a company closed at noon), optional."""
    from dataclasses import replace

    early, late = np.zeros(inst.n), np.full(inst.n, np.inf)
    for c, spans in windows.items():
        early[c], late[c] = spans[0]
    return replace(inst, early=early, late=late, required=np.zeros(inst.n, dtype=bool), choices=windows)


@pytest.mark.parametrize("seed", range(4))
def test_a_site_closed_at_noon_is_visited_in_its_morning_or_its_afternoon(seed):
    """The two most valuable sites open only in the first quarter of an hour and again after minute 45 of a
    75-minute shift: every plan visits them inside one of their windows, and the solver finds the best value an
    enumeration of every route finds — at least what it finds with their first window only."""
    plain = _instance(6, seed, budget=75, axes=0)
    top = [int(c) for c in np.argsort(-plain.value)[:2]]
    both = _with_two_windows(plain, dict.fromkeys(top, ((0.0, 15.0), (45.0, 60.0))))
    first = _with_two_windows(plain, dict.fromkeys(top, ((0.0, 15.0),)))
    for routes in (solve_routes(both, seed=1).routes, naive_routes(both), naive_routes(both, keep_trying=True)):
        _check(both, routes)
        for route in routes:
            for c, at in _arrivals(both, route).items():
                if c in top:
                    assert 0.0 <= at <= 16.0 or 45.0 <= at <= 61.0, (c, at)
    best = _best_keeping_appointments(both)
    assert both.value_of(solve_routes(both, seed=1).routes) == pytest.approx(best, abs=1e-6)
    assert best >= _best_keeping_appointments(first) - 1e-6


def test_the_afternoon_window_is_taken_when_the_morning_is_out_of_reach():
    """A site whose first window closes before a team can get there, and opens again 20 minutes after it could
    arrive: the team comes in the second (waiting for it); with the first only, the site cannot be visited at all."""
    plain = _instance(3, 0, budget=120, axes=0)
    far = int(np.argmax(plain.travel[plain.start, plain.entry]))
    going = float(plain.travel[plain.start, plain.entry[far]])
    assert going > 6
    both = _with_two_windows(plain, {far: ((0.0, going / 2), (going + 20, going + 40))})
    assert both.window_at(far, going) == 1 and both.visit_start(far, going) == pytest.approx(going + 20)
    (route,) = [r for r in solve_routes(both, seed=1).routes if any(c == far for c, _ in r)]
    assert _arrivals(both, route)[far] >= going + 20 - 1e-6
    morning = _with_two_windows(plain, {far: ((0.0, going / 2),)})
    assert morning.route_minutes([(far, False)]) == float("inf")
    assert all(c != far for r in solve_routes(morning, seed=1).routes for c, _ in r)


def test_a_break_due_before_a_first_stop_s_window_is_taken_on_arrival_there():
    """One team, a 30 min break due at working minute 30, and a first stop whose appointment is at minute 90 (wholly
    after the break): nothing comes before it, so the team rests on arrival (``pause_before``), then waits; the
    visit still starts at minute 90. A window before the break leaves the break where it falls (after the stop)."""
    import pandas as pd

    from service.plan.timing import Timing, schedule

    starts = pd.Timestamp("2026-11-20 08:00", tz="Europe/Brussels")
    for minute, before, after in ((90.0, 30.0, 0.0), (35.0, 0.0, 30.0)):
        inst = _with_appointments(_instance(3, 0, budget=90, axes=0), {0: minute - 30 * (minute >= 60)})
        timing = Timing(
            early=np.array([minute, np.nan, np.nan]),
            late=np.array([minute, np.nan, np.nan]),
            mid=30.0,
            pause=30.0,
            required=np.array([True, False, False]),
        )
        (stop,) = schedule(inst, [[(0, False)]], starts, timing).stops
        assert stop.arrival == starts + pd.Timedelta(minutes=minute)
        assert (stop.pause_before, stop.pause_after) == (before, after)


def test_a_place_that_stopped_is_said_to_expect_nothing_not_about_zero():
    """The list to inspect said « environ 0 signalement attendu » of the demo's corner silent for a year."""
    from service.plan.value import reason_words

    now = pd.Timestamp("2026-12-06 10:00", tz="UTC")
    last = pd.Timestamp("2025-12-04 09:00", tz="UTC")
    words = {
        expected: reason_words(
            zone="Europe/Brussels",
            kind="point_sensible",
            category_label="Dépôt clandestin",
            n_reports=81,
            now=now,
            weeks=40,
            last_report=last,
            trend="historique",
            expected=expected,
        )
        for expected in (0.0, 0.04, 1.0, 5.61)
    }
    assert "aucun signalement attendu au prochain trimestre" in words[0.0] and "environ" not in words[0.0]
    assert "aucun signalement attendu" in words[0.04]  # what rounds to 0,0 is said as nothing
    assert "environ 1 signalement attendu au prochain trimestre" in words[1.0]
    assert "environ 5,6 signalements attendus au prochain trimestre" in words[5.61]
    assert "le dernier il y a 367 jours" in words[0.0]
