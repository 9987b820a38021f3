"""Read what the analysis needs from PostGIS and store its results (the only SQL of the analyse stage)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import psycopg
import shapely

from service.analyse.axes import AxisParams, network_from_addresses, problem_axes, segment
from service.analyse.checks import check_points
from service.analyse.identity import assign_identities
from service.analyse.points import CRS, PointParams, sensitive_points
from service.db.queries import load_queries

_PKG = "service.analyse"


def _frame(conn: psycopg.Connection[Any], name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    cur = conn.execute(load_queries(_PKG, "points.sql")[name], params or {})
    return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description or []])


def load_reports(conn: psycopg.Connection[Any], *, since: datetime) -> gpd.GeoDataFrame:
    frame = _frame(conn, "reports", {"since": since})
    return gpd.GeoDataFrame(
        frame.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=CRS
    )


def load_previous(conn: psycopg.Connection[Any]) -> gpd.GeoDataFrame:
    frame = _frame(conn, "previous")
    geoms = [shapely.from_wkb(bytes(g)) for g in frame["geom"]]
    frame["point"] = [shapely.from_wkb(bytes(p)) for p in frame["point"]]
    return gpd.GeoDataFrame(frame.drop(columns=["geom"]), geometry=geoms, crs=CRS)


def load_address_streets(conn: psycopg.Connection[Any]) -> gpd.GeoDataFrame | None:
    frame = _frame(conn, "exposure_streets")
    if frame.empty:
        return None
    return gpd.GeoDataFrame(
        frame[["street", "municipality"]], geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=CRS
    )


def _store_axes(
    conn: psycopg.Connection[Any],
    *,
    run: int,
    reports: gpd.GeoDataFrame,
    addresses: gpd.GeoDataFrame | None,
    params: AxisParams | None = None,
) -> int:
    """Problem axes on the network derived from the address register; replaces the stored axes."""
    q = load_queries(_PKG, "points.sql")
    if addresses is None:
        return 0
    segments = segment(network_from_addresses(addresses))
    axes, _segments = problem_axes(reports, segments, exposure=addresses, params=params)
    conn.execute(q["clear_axes"])
    for i, row in axes.iterrows():
        conn.execute(
            q["insert_axis"],
            {
                "id": f"AX-{i + 1:04d}",
                "run": run,
                "street": row["street"],
                "municipality": row["municipality"],
                "segments": int(row["segments"]),
                "length_m": float(row["length_m"]),
                "reports": int(row["reports"]),
                "rate": float(row["rate_per_100m"]),
                "expected": float(row["expected"]),
                "ratio": None if row["ratio"] is None else float(row["ratio"]),
                "q_max": float(row["q_max"]),
                "geom": shapely.to_wkb(row.geometry),
            },
        )
    return len(axes)


def run_points(
    conn: psycopg.Connection[Any],
    *,
    since: datetime,
    now: pd.Timestamp,
    params: PointParams | None = None,
) -> dict[str, Any]:
    """Find the sensitive points and problem axes of the stored reports, match the points to the stored ones,
    and save the run. Refuses (InputFileError) a report set no analysis can answer."""
    q = load_queries(_PKG, "points.sql")
    params = params or PointParams()
    reports = load_reports(conn, since=since)
    check_points(reports, name="signalements de la base")
    exposure = load_address_streets(conn)  # the register's points, with the street names the axes need
    gravity = dict(conn.execute(q["gravity"]).fetchall())
    visits = _frame(conn, "visits")
    visit_points = gpd.GeoDataFrame(
        visits[["visited_at", "outcome"]], geometry=gpd.points_from_xy(visits["x"], visits["y"]), crs=CRS
    )
    found = sensitive_points(reports, exposure=exposure, params=params, gravity=gravity, visits=visit_points, now=now)
    everything = assign_identities(found, load_previous(conn), now=now)
    with conn.transaction():
        run = conn.execute(q["new_run"], {"params": json.dumps(params.__dict__)}).fetchone()[0]  # type: ignore[index]
        for _i, row in everything.iterrows():
            if row["found_now"]:
                conn.execute(
                    q["upsert_point"],
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
                        "run": run,
                    },
                )
            else:
                conn.execute(q["set_state"], {"id": row["id"], "state": row["state"], "run": run})
        conn.execute(q["snapshot"], {"run": run, "ids": everything["id"].tolist()})
        conn.execute(q["label_points"], {"run": run})
        n_axes = _store_axes(conn, run=run, reports=reports, addresses=exposure)
        states = everything["state"].value_counts().to_dict()
        summary = {
            "signalements": len(reports),
            "points_sensibles": len(found),
            "axes_problematiques": n_axes,
            "etats": states,
            "modele_nul": found.attrs.get("null", "exposure" if exposure is not None else "uniform"),
            "min_samples": found.attrs.get("min_samples"),
        }
        conn.execute(q["close_run"], {"run": run, "summary": json.dumps(summary)})
    return {"run": run, **summary}
