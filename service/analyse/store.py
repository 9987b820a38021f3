"""Read what the analysis needs from PostGIS and store its results (the only SQL of the analyse stage)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from shapely.geometry.base import BaseGeometry

from service.analyse.axes import AxisParams
from service.analyse.axis_priority import axis_priorities
from service.analyse.checks import check_points
from service.analyse.forecast_map import check_arrays, forecast_cells, layer_summary
from service.analyse.identity import Lifecycle, assign_axis_identities, assign_identities, next_number
from service.analyse.pipeline import MIN_CATEGORY_REPORTS, Analysis, find_hotspots, point_params, street_network
from service.analyse.points import ALL_CATEGORIES, CRS, PointParams
from service.analyse.priority import with_visit_outcome
from service.db.queries import Queries
from service.settings import Settings
from service.zone import zone_outline, zone_polygon

_PKG = "service.analyse"


_points = Queries(_PKG, "points.sql")
_axes = Queries(_PKG, "axes.sql")


def load_reports(
    conn: psycopg.Connection[Any],
    *,
    since: datetime,
    until: datetime | None = None,
    zone: BaseGeometry | None,
    category: str | None = None,
    received_by: datetime | None = None,
) -> gpd.GeoDataFrame:
    """The reports the analysis counts in the period (placed, no near-duplicate, none referred elsewhere), as
    Lambert 72 points. With ``zone`` (the police zone, :func:`service.zone.zone_polygon`), a report placed outside
    it is left out and its id kept in ``attrs["hors_zone"]``: one point stored thousands of km away (a hand
    placement with longitude and latitude swapped) would otherwise stretch the study area, stop every analysis
    and make a notebook's grids fill the memory. Every caller says which zone (None: all, for tests).
    ``category``: that category's reports only; ``received_by``: those the service had received by then (what an
    analysis made at that moment read)."""
    params = {"since": since, "until": until, "category": category, "received_by": received_by}
    frame = _points.frame(conn, "reports", params)
    outside: list[int] = []
    if zone is not None and len(frame):
        inside = shapely.contains_xy(zone, frame["x"].to_numpy(float), frame["y"].to_numpy(float))
        outside = [int(i) for i in frame.loc[~inside, "id"]]
        frame = frame[inside].reset_index(drop=True)
    reports = gpd.GeoDataFrame(
        frame.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=CRS
    )
    reports.attrs["hors_zone"] = outside
    return reports


def load_previous(conn: psycopg.Connection[Any]) -> gpd.GeoDataFrame:
    """The stored sensitive points with their last cleaning visit: a new run keeps their ids and states."""
    frame = _points.frame(conn, "previous")
    geoms = [shapely.from_wkb(bytes(g)) for g in frame["geom"]]
    frame["point"] = [shapely.from_wkb(bytes(p)) for p in frame["point"]]
    return gpd.GeoDataFrame(frame.drop(columns=["geom"]), geometry=geoms, crs=CRS)


def load_previous_axes(conn: psycopg.Connection[Any]) -> gpd.GeoDataFrame:
    """The stored problem axes with their last cleaning visit: a new run keeps their ids and states."""
    frame = _axes.frame(conn, "previous_axes")
    geoms = [shapely.from_wkb(bytes(g)) for g in frame["geom"]]
    return gpd.GeoDataFrame(frame.drop(columns=["geom"]), geometry=geoms, crs=CRS)


def load_address_streets(conn: psycopg.Connection[Any]) -> gpd.GeoDataFrame | None:
    """Every address of the register as a point with its street and commune (the exposure: where people live),
    or None when no register is loaded."""
    frame = _points.frame(conn, "exposure_streets")
    if frame.empty:
        return None
    return gpd.GeoDataFrame(
        frame[["street", "municipality"]], geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=CRS
    )


def _none_if_missing(value: Any) -> Any:
    return None if value is None or (not isinstance(value, list | dict | str) and pd.isna(value)) else value


def _store_axes(conn: psycopg.Connection[Any], *, run: int, everything: gpd.GeoDataFrame) -> None:
    """Axes found now (upserted) and previous ones not found again (new state), then a history snapshot."""
    q = _axes
    for _i, row in everything.iterrows():
        priority = {
            "priority": _none_if_missing(row.get("priority")),
            "priority_components": json.dumps(row.get("priority_components") or {}),
            "forecast_reports": _none_if_missing(row.get("forecast_reports")),
        }
        if not row["found_now"]:
            conn.execute(q("set_axis_state"), {"id": row["id"], "state": row["state"], "run": run, **priority})
            continue
        conn.execute(
            q("upsert_axis"),
            {
                "id": row["id"],
                "run": run,
                "state": row["state"],
                "street": row["street"],
                "municipality": row["municipality"],
                "segments": int(row["segments"]),
                "length_m": float(row["length_m"]),
                "reports": int(row["reports"]),
                "rate": float(row["rate_per_100m"]),
                "expected": float(row["expected"]),
                "ratio": _none_if_missing(row["ratio"]),
                "q_max": float(row["q_max"]),
                "origin": row["origin"],
                "cluster_reports": int(row["cluster_reports"]),
                "first_report": _none_if_missing(row["first_report"]),
                "last_report": _none_if_missing(row["last_report"]),
                "geom": shapely.to_wkb(row.geometry),
                **priority,
            },
        )
    conn.execute(q("axis_snapshot"), {"run": run, "ids": everything["id"].tolist()})


def _point_identities(
    points: gpd.GeoDataFrame, previous: gpd.GeoDataFrame, scopes: list[str], now: pd.Timestamp
) -> gpd.GeoDataFrame:
    """Ids and states, scope by scope (a category's points are matched to that category's points only); the
    points of scopes not searched this run are left as they are."""
    number = next_number(previous)
    frames = []
    for scope in scopes:
        current = points[points["category_scope"] == scope].reset_index(drop=True)
        before = previous[previous["category_scope"] == scope].reset_index(drop=True)
        done = assign_identities(current, before, Lifecycle(now, first_number=number))
        done["category_scope"] = scope
        number = next_number(pd.concat([previous[["id"]], done[["id"]]]))
        frames.append(done)
    return pd.concat(frames, ignore_index=True)


@dataclass
class StoredInputs:
    """What a database run analyses: the reports (near-duplicates and referred ones left out), the register's
    address points with their street names (the null model and the streets), the categories' gravity and the
    visits (``visited_at``, ``outcome``)."""

    reports: gpd.GeoDataFrame
    exposure: gpd.GeoDataFrame | None
    gravity: dict[str, float]
    visits: gpd.GeoDataFrame


def load_inputs(
    conn: psycopg.Connection[Any],
    *,
    since: datetime,
    until: datetime | None = None,
    zone: BaseGeometry | None = None,
) -> StoredInputs:
    """The inputs of an analysis of the reports stored for [``since``, ``until``) (those outside ``zone`` left
    out, see :func:`load_reports`); refuses (InputFileError) a report set no analysis can answer."""
    reports = load_reports(conn, since=since, until=until, zone=zone)
    check_points(reports, name="signalements de la base")
    visits = _points.frame(conn, "visits")
    return StoredInputs(
        reports=reports,
        exposure=load_address_streets(conn),
        gravity=dict(conn.execute(_points("gravity")).fetchall()),
        visits=gpd.GeoDataFrame(
            visits[["visited_at", "outcome"]], geometry=gpd.points_from_xy(visits["x"], visits["y"]), crs=CRS
        ),
    )


def _axes_now(
    conn: psycopg.Connection[Any],
    found: Analysis,
    inputs: StoredInputs,
    points: gpd.GeoDataFrame,
    now: pd.Timestamp,
    zone: str,
) -> gpd.GeoDataFrame | None:
    """The axes found matched to the stored ones, with their priority (the current points along them count; their
    forecast on the months of ``zone``)."""
    if found.axes is None:
        return None
    axes = assign_axis_identities(found.axes, load_previous_axes(conn), Lifecycle(now))
    current = points[points["found_now"].astype(bool) & points["category_scope"].eq(ALL_CATEGORIES)]
    return axis_priorities(
        axes,
        inputs.reports,
        now=now,
        points=gpd.GeoDataFrame(current, geometry="geometry", crs=CRS),
        exposure=inputs.exposure,
        gravity=inputs.gravity,
        visits=inputs.visits,
        zone=zone,
    )


def _forecast_window(*, now: pd.Timestamp, since: datetime, until: datetime | None) -> dict[str, Any]:
    """The moment and the reports' period of the run's forecast: a category's layer is made on the same
    (:mod:`service.analyse.forecast_category`)."""
    return {
        "origine": now.isoformat(),
        "depuis": since.isoformat(),
        "jusqu_a": until.isoformat() if until is not None else None,
    }


def _store_forecast(conn: psycopg.Connection[Any], *, run: int, cells: gpd.GeoDataFrame) -> None:
    """The run's forecast cells (:func:`service.analyse.forecast_map.forecast_cells`) in place of the last run's,
    with their check cell by cell when it was made."""
    conn.execute(_points("clear_forecast_cells"))
    forecast, count, received = check_arrays(cells)
    rows = [
        {
            "run": run,
            "rank": int(rank),
            "share": share if isinstance(share, str) else None,  # beyond the first 10 %: none
            "expected": float(expected),
            "wkb": shapely.to_wkb(cell),
            "check_forecast": _finite(forecast[i]),
            "check_count": _finite(count[i]),
            "check_received": _finite(received[i]),
        }
        for i, (rank, share, expected, cell) in enumerate(
            cells[["rang", "classe", "attendus", "geometry"]].itertuples(index=False)
        )
    ]
    with conn.cursor() as cur:
        cur.executemany(_points("insert_forecast_cell"), rows)


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _store_points(conn: psycopg.Connection[Any], *, run: int, everything: gpd.GeoDataFrame) -> None:
    """Points found now (upserted) and previous ones not found again (new state), a history snapshot, and each
    point of the run named after its nearest official address."""
    for _i, row in everything.iterrows():
        if not row["found_now"]:
            conn.execute(_points("set_state"), {"id": row["id"], "state": row["state"], "run": run})
            continue
        conn.execute(
            _points("upsert_point"),
            {
                "id": row["id"],
                "state": row["state"],
                "geom": shapely.to_wkb(row.geometry),
                "point": shapely.to_wkb(row["point"]),
                "n_reports": int(row["n_reports"]),
                "main_category": row["main_category"],
                "categories": json.dumps(row["categories"]),
                "first_report": row["first_report"],
                "last_report": row["last_report"],
                "recurrence_weeks": int(row["recurrence_weeks"]),
                "trend": row["trend"],
                "q_min": float(row["q_min"]),
                "priority": float(row["priority"]),
                "priority_components": json.dumps(row["priority_components"]),
                "report_ids": [int(r) for r in row["report_ids"]],
                "category_scope": row["category_scope"],
                "run": run,
            },
        )
    conn.execute(_points("snapshot"), {"run": run, "ids": everything["id"].tolist()})
    conn.execute(_points("label_points"), {"run": run})


def _summary(
    inputs: StoredInputs,
    found: Analysis,
    points: gpd.GeoDataFrame,
    axes: gpd.GeoDataFrame | None,
    params: PointParams,
) -> dict[str, Any]:
    found_now = points["found_now"].astype(bool)
    return {
        "signalements": len(inputs.reports),
        "hors_zone": inputs.reports.attrs.get("hors_zone", []),
        "points_sensibles": int((found_now & points["category_scope"].eq(ALL_CATEGORIES)).sum()),
        "points_par_categorie": int((found_now & points["category_scope"].ne(ALL_CATEGORIES)).sum()),
        "etirements_vers_axes": len(found.stretches),
        "axes_problematiques": int(axes["found_now"].astype(bool).sum()) if axes is not None else 0,
        "etats": points["state"].value_counts().to_dict(),
        "etats_axes": axes["state"].value_counts().to_dict() if axes is not None else {},
        "algorithme": params.algorithm,
        "modele_nul": found.found.attrs.get("null", "exposure" if inputs.exposure is not None else "uniform"),
        "min_samples": found.found.attrs.get("min_samples"),
        "prevision": found.found.attrs.get("forecast"),
    }


def unfollow_visit_outcomes(conn: psycopg.Connection[Any], points: Sequence[str]) -> int:
    """The sensitive points ``points``, whose visits of a withdrawn batch are gone, take the outcome of their
    latest visit left (none: no visit) into their priority again, as :func:`follow_visit_outcomes` gave it.
    Returns how many points changed; their rows stay locked until the caller commits."""
    if not points:
        return 0
    q = _points
    left = conn.execute(q("points_visits_withdrawn"), {"points": list(points)}).fetchall()
    for point_id, outcome, priority, components in left:
        value, factors = with_visit_outcome(priority, components, outcome)
        conn.execute(q("set_point_priority"), {"id": point_id, "priority": value, "components": json.dumps(factors)})
    return len(left)


def stored_queries() -> Queries:
    """The named queries of the stored analysis (``sql/points.sql``)."""
    return _points


def lock_analysis(conn: psycopg.Connection[Any]) -> None:
    """Wait for any other analysis to end, and hold the lock until this connection's transaction ends: two runs
    at once would give the same new place two numbers."""
    conn.execute(_points("lock_analysis"))


def run_points(
    conn: psycopg.Connection[Any],
    *,
    since: datetime,
    now: pd.Timestamp,
    params: PointParams | None = None,
    until: datetime | None = None,
    by_category: bool = False,
    axis_params: AxisParams | None = None,
    zone: BaseGeometry | None = None,
    outline: BaseGeometry | None = None,
) -> dict[str, Any]:
    """Find the sensitive points and problem axes of the reports stored for [``since``, ``until``)
    (:func:`service.analyse.pipeline.find_hotspots`, the streets drawn through the address register), match them
    to the stored ones, and save the run. With ``by_category`` each category with enough reports is also
    clustered on its own. Reports placed outside ``zone`` are left out and named in the summary (``hors_zone``).
    The map's forecast cells are those of ``outline`` (the zone's communes without the margin; else ``zone``).
    Refuses (InputFileError) a report set no analysis can answer."""
    params = params or PointParams()
    lock_analysis(conn)
    version = conn.execute(_points("report_version")).fetchone()
    inputs = load_inputs(conn, since=since, until=until, zone=zone)
    found = find_hotspots(
        inputs.reports,
        now=now,
        params=params,
        exposure=inputs.exposure,
        streets=street_network(addresses=inputs.exposure),
        by_category=by_category,
        gravity=inputs.gravity,
        visits=inputs.visits,
        axis_params=axis_params,
    )
    counts = inputs.reports["category"].value_counts()
    scopes = [ALL_CATEGORIES] + (sorted(counts[counts >= MIN_CATEGORY_REPORTS].index) if by_category else [])
    points = _point_identities(found.points, load_previous(conn), scopes, now)
    axes = _axes_now(conn, found, inputs, points, now, params.timezone)
    cells = forecast_cells(
        inputs.reports,
        now=now,
        zone=outline or zone,
        exposure=inputs.exposure,
        timezone=params.timezone,
        every_cell=True,  # a place's cells ranked among themselves on the map
    )
    with conn.transaction():
        created = conn.execute(
            _points("new_run"),
            {"params": json.dumps(params.__dict__, default=str), "report_version": version[0] if version else None},
        ).fetchone()
        run = created[0]  # type: ignore[index]
        _store_points(conn, run=run, everything=points)
        if axes is not None:
            _store_axes(conn, run=run, everything=axes)
        _store_forecast(conn, run=run, cells=cells)
        layer = {**layer_summary(cells), **_forecast_window(now=now, since=since, until=until)}
        summary = {**_summary(inputs, found, points, axes, params), "carte_prevision": layer}
        conn.execute(_points("close_run"), {"run": run, "summary": json.dumps(summary)})
    return {"run": run, **summary}


def run_analysis(
    conn: psycopg.Connection[Any],
    settings: Settings,
    *,
    now: pd.Timestamp,
    since: pd.Timestamp | None = None,
    until: pd.Timestamp | None = None,
    params: PointParams | None = None,
    by_category: bool | None = None,
) -> dict[str, Any]:
    """:func:`run_points` with the service's settings for what is not given: the last ``analysis_window_days``,
    the settings' algorithm and radius, their per-category choice (``hotspots analyse``, the demonstration)."""
    start = since if since is not None else now - pd.Timedelta(days=settings.analysis_window_days)
    return run_points(
        conn,
        since=start.to_pydatetime(),
        until=until.to_pydatetime() if until is not None else None,
        now=now,
        params=params or point_params(settings),
        by_category=settings.analysis_by_category if by_category is None else by_category,
        zone=zone_polygon(settings),
        outline=zone_outline(settings),
    )


def follow_visit_outcomes(
    conn: psycopg.Connection[Any], *, visit_ids: Sequence[int] = (), batch_id: int | None = None
) -> int:
    """The sensitive points whose latest visit is one of ``visit_ids`` (or of the import batch ``batch_id``) take
    that visit's outcome into their priority at once (:func:`service.analyse.priority.with_visit_outcome`: only
    the "suite de visite" factor changes; the lifecycle waits for the next run). The visits recorded one by one
    (the API) and those imported from a plan's sheet both go through here. Returns how many points changed; their
    rows stay locked until the caller commits."""
    q = _points
    revisited = conn.execute(q("points_revisited"), {"visits": list(visit_ids), "batch": batch_id}).fetchall()
    for point_id, outcome, priority, components in revisited:
        value, factors = with_visit_outcome(priority, components, outcome)
        conn.execute(q("set_point_priority"), {"id": point_id, "priority": value, "components": json.dumps(factors)})
    return len(revisited)
