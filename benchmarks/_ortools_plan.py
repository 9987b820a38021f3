"""The same prize-collecting routing instance solved by OR-Tools (the benchmark's reference, not used by the service).

Each site is a node (an axis: two nodes, one per direction, in one disjunction), dropping a site costs its value
(scaled), travel costs one unit per second, and every team's time dimension (travel + service) is capped by the
budget. Guided local search for the given time.
"""

from __future__ import annotations

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from service.plan.solve import PRIZE_SCALE, Instance, Route


def ortools_routes(inst: Instance, *, seconds: float = 30.0) -> list[Route]:
    """Routes per team found by OR-Tools within ``seconds``."""
    nodes: list[tuple[int, bool] | None] = [None]  # node 0: the depot (start and end handled by the manager)
    groups: list[list[int]] = []
    for c in range(inst.n):
        members = [len(nodes)]
        nodes.append((c, False))
        if inst.reversible(c):
            members.append(len(nodes))
            nodes.append((c, True))
        groups.append(members)
    n_nodes = len(nodes) + 1  # + the end depot
    end_node = n_nodes - 1
    into = [inst.start] + [inst.ends(c, r)[0] for c, r in nodes[1:]] + [inst.end]  # type: ignore[misc]
    out_of = [inst.start] + [inst.ends(c, r)[1] for c, r in nodes[1:]] + [inst.end]  # type: ignore[misc]
    service = [0] + [round(float(inst.service[c]) * 60) for c, _r in nodes[1:]] + [0]  # type: ignore[misc]
    seconds_matrix = np.rint(inst.travel[np.ix_(out_of, into)] * 60).astype(np.int64)
    manager = pywrapcp.RoutingIndexManager(n_nodes, inst.teams, [0] * inst.teams, [end_node] * inst.teams)
    routing = pywrapcp.RoutingModel(manager)

    def transit(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return int(seconds_matrix[a, b] + service[a])

    callback = routing.RegisterTransitCallback(transit)
    routing.SetArcCostEvaluatorOfAllVehicles(callback)
    routing.AddDimension(callback, 0, int(inst.budget * 60), True, "temps")
    top = float(inst.value.max()) if inst.n else 1.0
    for c, members in enumerate(groups):
        penalty = max(1, round(float(inst.value[c]) / top * PRIZE_SCALE))
        routing.AddDisjunction([manager.NodeToIndex(m) for m in members], penalty, 1)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(params)
    routes: list[Route] = []
    for team in range(inst.teams):
        route: Route = []
        if solution is not None:
            index = routing.Start(team)
            while not routing.IsEnd(index):
                node = manager.IndexToNode(index)
                if 0 < node < end_node:
                    pair = nodes[node]
                    assert pair is not None
                    route.append(pair)
                index = solution.Value(routing.NextVar(index))
        routes.append(route)
    return routes
