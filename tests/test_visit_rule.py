"""What counts as a visit of a site is one rule in the database (``visit_counts_for``, migration 0053), read alike
by the API, the planner and the analysis: recorded on the site, or made close to it (25 m of a point's outline,
15 m of an axis's line)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import psycopg

from service.analyse.store import load_previous

_RUN = "INSERT INTO analysis_runs (kind) VALUES ('points') RETURNING id"
_POINT = """INSERT INTO sensitive_points (id, state, geom, point, n_reports, priority, first_run_id, last_run_id)
    VALUES ('PS-0001', 'actif', ST_Buffer(ST_SetSRID(ST_MakePoint(232500, 145000), 31370), 40),
            ST_SetSRID(ST_MakePoint(232500, 145000), 31370), 12, 1.5, %(run)s, %(run)s)"""
_AXIS = """INSERT INTO problem_axes (id, run_id, first_run_id, street, municipality, segments, length_m, reports,
        rate_per_100m, expected, q_max, geom)
    VALUES ('AX-0001', %(run)s, %(run)s, 'Rue Ferrer', 'Seraing', 2, 200, 9, 4.5, 1.0, 0.01,
            ST_SetSRID(ST_MakeLine(ST_MakePoint(233000, 146000), ST_MakePoint(233200, 146000)), 31370))"""
_VISIT = """INSERT INTO visits (source, natural_key, content_hash, visited_at, outcome, geom, geocode_status,
        point_id, axis_id)
    VALUES ('test', %(key)s, 'x', %(at)s, 'nettoye',
            CASE WHEN %(x)s::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 31370) END,
            'fourni', %(point)s, %(axis)s)"""
_COUNTS = """SELECT v.natural_key FROM visits v, sensitive_points p, problem_axes a
    WHERE {site} ORDER BY v.natural_key"""


def _sites(conn: psycopg.Connection[Any]) -> None:
    run = conn.execute(_RUN).fetchone()
    assert run is not None
    conn.execute(_POINT, {"run": run[0]})
    conn.execute(_AXIS, {"run": run[0]})
    visits = [
        # key, x, y, recorded on point, on axis
        ("p-on-site-no-place", None, None, "PS-0001", None),
        ("p-20m-from-outline", 232560, 145000, None, None),  # 60 m from the centre, 20 m from the 40 m outline
        ("p-30m-from-outline", 232570, 145000, None, None),
        ("a-on-site-no-place", None, None, None, "AX-0001"),
        ("a-14m-from-line", 233100, 146014, None, None),
        ("a-20m-from-line", 233100, 146020, None, None),
    ]
    for key, x, y, point, axis in visits:
        at = pd.Timestamp("2026-11-20 10:00", tz="Europe/Brussels")
        conn.execute(_VISIT, {"key": key, "at": at, "x": x, "y": y, "point": point, "axis": axis})
    conn.commit()


def test_a_visit_counts_on_the_site_or_near_it_and_no_further(conn: psycopg.Connection[Any]) -> None:
    _sites(conn)
    on_point = [r[0] for r in conn.execute(_COUNTS.format(site="visit_counts_for(v, p)"))]
    on_axis = [r[0] for r in conn.execute(_COUNTS.format(site="visit_counts_for(v, a)"))]
    assert on_point == ["p-20m-from-outline", "p-on-site-no-place"]
    assert on_axis == ["a-14m-from-line", "a-on-site-no-place"]


def test_the_analysis_sees_a_cleaning_recorded_on_the_point_without_a_place(conn: psycopg.Connection[Any]) -> None:
    """A « nettoyé » entered on the point (a stop of a plan, the point's page) counts for its resolved state even
    when the visit has no coordinates of its own."""
    _sites(conn)
    conn.execute("DELETE FROM visits WHERE natural_key <> 'p-on-site-no-place'")
    conn.commit()
    previous = load_previous(conn).set_index("id")
    assert previous.loc["PS-0001", "cleaned_at"] == pd.Timestamp("2026-11-20 10:00", tz="Europe/Brussels")
