"""Plan stage: choose the sites of a shift and order them into routes within a time budget.

- :mod:`service.plan.candidates`: the candidate sites (sensitive points, problem axes, open reports, follow-ups,
  and any source registered later) on one value scale (:mod:`service.plan.value`), filtered, with a cool-down;
- :mod:`service.plan.filters`: the filters as typed (codes or French labels, places of the zone), checked once;
- :mod:`service.plan.travel`: travel times between places (road network when loaded, straight line otherwise);
- :mod:`service.plan.solve`: the prize-collecting routing problem (PyVRP) and the naive planner it is compared to;
- :mod:`service.plan.shift`: :func:`plan_shift`, the one entry point;
- :mod:`service.plan.store`: plans, stops and routes in PostGIS.
"""

from __future__ import annotations

from service.plan.model import Filters, Plan, ShiftRequest, parse_duration
from service.plan.shift import plan_shift, store_plan
from service.plan.store import StoredPlan, cancel_plan, list_plans, load_plan, save_plan, summary_json

__all__ = [
    "Filters",
    "Plan",
    "ShiftRequest",
    "StoredPlan",
    "cancel_plan",
    "list_plans",
    "load_plan",
    "parse_duration",
    "plan_shift",
    "save_plan",
    "store_plan",
    "summary_json",
]
