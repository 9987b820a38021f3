"""Candidate sites for a shift, from every source, on one value scale.

A source is anything with a ``kind`` and a ``load(conn, context)`` that returns rows of
:data:`service.plan.model.CANDIDATE_COLUMNS`; the built-in ones are the sensitive points, the problem axes, open
reports not inside a point, and follow-ups still due. A later stage (permits due for a check) adds its own with
:func:`register_source`. Then the filters and the cool-down apply the same way to every kind.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely

from service.analyse.priority import with_visit_outcome
from service.db.queries import Queries
from service.db.vocabulary import Labels
from service.plan import value as v
from service.plan.filters import resolve_places
from service.plan.model import CANDIDATE_COLUMNS, STATE_LABELS, Filters, empty_candidates
from service.plan.store import missed_stops, planned_elsewhere
from service.settings import Settings
from service.text import agreed

_PKG = "service.plan"
CRS = "EPSG:31370"


@dataclass
class CandidateContext:
    """What every source needs: settings, filters, the time of the plan, labels and gravities."""

    settings: Settings
    filters: Filters
    now: pd.Timestamp
    labels: Labels
    every_state: bool = False  # load points and axes in any state (an appointment may be at a watched one)
    starts: pd.Timestamp | None = None  # when the shift starts (None: now)
    since: pd.Timestamp = field(init=False)
    quarter: pd.Timestamp = field(init=False)

    def __post_init__(self) -> None:
        self.since = self.now - pd.Timedelta(days=self.settings.analysis_window_days)
        self.quarter = self.now - pd.Timedelta(days=91)


class CandidateSource(Protocol):
    """A kind of site the planner can send a team to."""

    kind: str

    def load(self, conn: psycopg.Connection[Any], context: CandidateContext) -> pd.DataFrame:
        """The sites of this kind as rows of :data:`CANDIDATE_COLUMNS`, valued on the scale every kind shares and
        with the reason in French, so that the planner ranks them together."""


_q = Queries(_PKG, "candidates.sql")


def _states(context: CandidateContext) -> list[str]:
    return list(STATE_LABELS) if context.every_state else list(context.filters.states)


def site_row(*, point: shapely.Point | None = None, **values: Any) -> dict[str, Any]:
    """One candidate row with every column of :data:`CANDIDATE_COLUMNS` (None when not given). A site visited at
    one spot (``point``) is entered, left and drawn there; a source of another stage builds its rows with this."""
    row: dict[str, Any] = dict.fromkeys(CANDIDATE_COLUMNS)
    if point is not None:
        row.update(entry=point, exit=point, geometry=point)
    row.update(values)
    return row


def _rows(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)


class PointSource:
    """Sensitive points: their priority from the analysis is the value (with the outcome of a visit made since:
    a visit file does not update the points until the next analysis, and a team must not go back on stale facts)."""

    kind = "point_sensible"

    def load(self, conn: psycopg.Connection[Any], context: CandidateContext) -> pd.DataFrame:
        """One row per sensitive point in the filters' states, valued by its priority with the outcome of any visit made
        since the analysis."""
        rows = []
        for r in _q.frame(conn, "points", {"states": _states(context)}).to_dict("records"):
            value, components = with_visit_outcome(r["priority"], r["priority_components"], r["last_outcome"])
            n = int(r["n_reports"] or 0)
            reason = v.reason_words(
                zone=context.settings.timezone,
                kind=self.kind,
                category_label=context.labels.category(r["category"]),
                n_reports=n,
                weeks=int(r["recurrence_weeks"] or 0),
                last_report=r["last_report"],
                now=context.now,
                trend=r["trend"],
                last_visit=r["last_visit"],
                last_outcome_label=context.labels.outcome(r["last_outcome"]),
                expected=v.expected_reports(components),
            )
            rows.append(
                site_row(
                    point=shapely.Point(r["x"], r["y"]),
                    **_common(r, self.kind),
                    label=r["label"] or r["site_id"],
                    category=r["category"],
                    categories=dict(r["categories"] or {}),
                    value=value,
                    components=components,
                    reason=reason,
                    service_min=context.settings.plan_service_point_min,
                    n_reports=n,
                    trend=r["trend"],
                )
            )
        return _rows(rows)


def _common(r: dict[str, Any], kind: str) -> dict[str, Any]:
    """The columns every source reads the same way from its query's row."""
    return {
        "site_id": r["site_id"],
        "kind": kind,
        "commune": r.get("commune"),
        "postcode": r.get("postcode"),
        "postcodes": tuple(r["postcodes"]) if r.get("postcodes") else None,
        "state": r.get("state"),
        "last_report": r.get("last_report"),
        "last_visit": r.get("last_visit"),
        "last_outcome": r.get("last_outcome"),
    }


def _at_place(
    r: dict[str, Any], kind: str, n: int, assessed: tuple[dict[str, float], str], service_min: float
) -> dict[str, Any]:
    """A site seen at its point (``x``, ``y``) — an open report, a follow-up — of one category seen ``n`` times,
    valued by the product of its factors (``assessed``: the factors and the reason in words)."""
    components, reason = assessed
    return site_row(
        point=shapely.Point(r["x"], r["y"]),
        **_common(r, kind),
        label=r["label"] or r["site_id"],
        category=r["category"],
        categories={r["category"]: n} if r["category"] else {},
        value=v.product(components),
        components=components,
        reason=reason,
        service_min=service_min,
        n_reports=n,
    )


def axis_line(geom: shapely.Geometry) -> shapely.LineString:
    """The street walked along an axis: its lines merged; when they do not join, the longest part."""
    merged = shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom
    if merged.geom_type == "LineString":
        return merged
    parts = list(getattr(merged, "geoms", [merged]))
    lines = [p for p in parts if p.geom_type == "LineString"]
    return max(lines, key=lambda p: p.length) if lines else shapely.LineString([geom.centroid, geom.centroid])


class AxisSource:
    """Problem axes, with their priority from the analysis (the points' formula on the reports along them);
    walked from one end to the other."""

    kind = "axe"

    def load(self, conn: psycopg.Connection[Any], context: CandidateContext) -> pd.DataFrame:
        """One row per problem axis in the filters' states, walked end to end (its time follows its length); an axis
        whose reports are a sensitive point's is left out for that point."""
        params = {"states": _states(context), "since": context.since, "quarter": context.quarter}
        walk = context.settings.plan_axis_walk_kmh * 1000 / 60  # metres a minute
        rows = []
        for r in _q.frame(conn, "axes", params).to_dict("records"):
            line = axis_line(shapely.from_wkb(bytes(r["geom"])))
            categories = dict(r["categories"] or {})
            if r["priority"] is not None:
                value, components = with_visit_outcome(r["priority"], r["priority_components"], r["last_outcome"])
            else:  # an axis stored before axes had a priority: last quarter's reports stand for its forecast
                components = v.factors(
                    gravity=v.mean_gravity(categories, context.labels.gravity),
                    expected=float(r["recent"] or 0),
                    last_outcome=r["last_outcome"],
                )
                value = v.product(components)
            main = max(categories, key=lambda c: categories[c]) if categories else None
            n = int(r["n_reports"] or 0)
            covered = list(r["points_along"] or []) if not n else []
            reason = v.reason_words(
                zone=context.settings.timezone,
                kind=self.kind,
                category_label=context.labels.category(main),
                n_reports=n,
                weeks=int(r["weeks"] or 0),
                last_report=r["last_report"],
                now=context.now,
                last_visit=r["last_visit"],
                last_outcome_label=context.labels.outcome(r["last_outcome"]),
                length_m=line.length,
                expected=v.expected_reports(components),
            )
            rows.append(
                site_row(
                    **_common(r, self.kind),
                    label=r["label"],
                    category=main,
                    categories=categories,
                    value=value,
                    components=components,
                    reason=reason,
                    service_min=line.length / walk + context.settings.plan_service_axis_extra_min,
                    n_reports=n,
                    length_m=round(line.length, 1),
                    entry=shapely.Point(line.coords[0]),
                    exit=shapely.Point(line.coords[-1]),
                    line=line,
                    geometry=line.interpolate(0.5, normalized=True),
                    skip=(
                        f"ses signalements sont ceux du point sensible {', '.join(covered)}, proposé à sa place"
                        if covered
                        else None
                    ),
                )
            )
        return _rows(rows)


class ReportSource:
    """Open reports on their own (not inside a point nor along an axis): a fresh dumping to see within 48 h."""

    kind = "signalement"

    def load(self, conn: psycopg.Connection[Any], context: CandidateContext) -> pd.DataFrame:
        """One row per recent open report outside any point or axis, valued by how often it was seen and whether it is
        under 48 h old (a fresh dumping is still there to be seen)."""
        since = context.now - pd.Timedelta(days=context.settings.plan_report_max_age_days)
        rows = []
        for r in _q.frame(conn, "reports", {"since": since}).to_dict("records"):
            observed = pd.Timestamp(r["observed_at"])
            fresh = (context.now - observed) <= pd.Timedelta(hours=v.FRESH_HOURS)
            seen = 1 + int(r["seen_again"] or 0)
            components = v.factors(
                gravity=context.labels.gravity.get(r["category"], 1.0),
                expected=seen,  # not forecast by the analysis: the times it was seen stand for it
                last_outcome=None,  # never visited (the points' factor for "no visit yet")
                fresh=fresh,
            )
            reason = v.reason_words(
                zone=context.settings.timezone,
                kind=self.kind,
                category_label=context.labels.category(r["category"]),
                n_reports=seen,
                last_report=observed,
                now=context.now,
                fresh=fresh,
            )
            r.update(state=r["status"], last_report=observed)
            rows.append(_at_place(r, self.kind, seen, (components, reason), context.settings.plan_service_report_min))
        return _rows(rows)


class FollowUpSource:
    """Places where the last visit asked for a follow-up ("à revoir") and nobody went back yet."""

    kind = "suivi"

    def load(self, conn: psycopg.Connection[Any], context: CandidateContext) -> pd.DataFrame:
        """One row per place whose last visit said « à revoir », valued by last quarter's reports near it."""
        rows = []
        params = {"since": context.since, "quarter": context.quarter}
        for r in _q.frame(conn, "followups", params).to_dict("records"):
            n = int(r["n_reports"] or 0)
            components = v.factors(
                gravity=context.labels.gravity.get(r["category"], 1.0) if r["category"] else 1.0,
                expected=max(float(r["recent"] or 0), 1.0),  # last quarter's reports near it (at least the visit)
                last_outcome="a_revoir",
            )
            reason = v.reason_words(
                zone=context.settings.timezone,
                kind=self.kind,
                category_label=context.labels.category(r["category"]),
                n_reports=n,
                now=context.now,
                last_visit=r["last_visit"],
                last_outcome_label=context.labels.outcome("a_revoir"),
            )
            r.update(state="a_revoir", last_report=None)
            rows.append(_at_place(r, self.kind, n, (components, reason), context.settings.plan_service_followup_min))
        return _rows(rows)


_SOURCES: dict[str, CandidateSource] = {}
#: Modules of later stages that register a source of their own when imported (they import this module, so they
#: are imported on first use rather than here).
PLUGINS = ("service.permits.candidates",)


def register_source(source: CandidateSource) -> None:
    """Add (or replace) a kind of candidate site; every plan from now on may take it."""
    _SOURCES[source.kind] = source


for _source in (PointSource(), AxisSource(), ReportSource(), FollowUpSource()):
    register_source(_source)


def sources() -> dict[str, CandidateSource]:
    """The registered sources by kind (those of :data:`PLUGINS` included)."""
    for module in PLUGINS:
        importlib.import_module(module)
    return dict(_SOURCES)


def known_places(conn: psycopg.Connection[Any]) -> list[str]:
    """The communes, sections and postcodes of the zone's address register (empty when none is loaded)."""
    return [str(name) for name in _q.frame(conn, "localities", {})["name"]]


def place_postcodes(conn: psycopg.Connection[Any], places: Sequence[str]) -> list[str]:
    """The postcodes that stand for ``places``: those typed as such, and those of each commune or section named
    (a section is known by its postcodes, :mod:`service.geocode.sections`); a row is in a place when its
    commune is one of ``places`` or its postcode one of these: a report whose locality says only « Plainevaux »
    is in Neupré, one written « Seraing » with the postcode 4102 is in Ougrée."""
    from service.geocode.normalise import fold

    wanted = {fold(p) for p in places}
    postcodes: set[str] = {p.strip() for p in places if p.strip().isdigit()}
    if wanted:
        for row in _q.frame(conn, "place_postcodes", {}).to_dict("records"):
            if fold(row["name"]) in wanted:
                postcodes.update(row["postcodes"])
    return sorted(postcodes)


def checked_places(conn: psycopg.Connection[Any], places: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The places a filter names, as the register names them (a French error for one outside the zone,
    :func:`service.plan.filters.resolve_places`), and the postcodes that stand for them (:func:`place_postcodes`):
    the two arrays of the SQL ``in_places`` and ``place_matches`` (migration 0067)."""
    named = resolve_places(places, known_places(conn)) if places else ()
    return named, (tuple(place_postcodes(conn, named)) if named else ())


def _matches_place(frame: pd.DataFrame, places: tuple[str, ...], postcodes: Sequence[str]) -> np.ndarray:
    """Rows in one of ``places``: a commune name, or a postcode of :func:`place_postcodes` (for an axis, any of
    the sectors it runs through)."""
    from service.geocode.normalise import fold

    wanted = {fold(p) for p in places}
    codes = set(postcodes)
    commune = frame["commune"].fillna("").map(fold)
    through = frame["postcodes"].map(lambda sectors: isinstance(sectors, tuple | list) and bool(codes & set(sectors)))
    matched: np.ndarray = (commune.isin(wanted) | frame["postcode"].fillna("").isin(codes) | through).to_numpy(
        dtype=bool
    )
    return matched


#: The sites left out before solving: each with its reason in full and its motive in a few words (« visité(s)
#: récemment »), by which a summary counts them.
EXCLUDED_COLUMNS = ["site_id", "kind", "label", "reason", "motive"]
VISITED = "visité(s) récemment"
PLANNED = "déjà prévu(s) dans une autre tournée"
AWAITING = "dans une tournée passée dont la feuille n'est pas rentrée"
DOUBLED = "proposé(s) à travers un point sensible"
#: How far back a stop a shift did not get to is recalled in the site's reason.
MISSED_DAYS = 14


def motives_counted(motives: Iterable[str]) -> str:
    """Sites left out, counted by motive, most first: « 11 visités récemment, 1 fermé pendant la tournée » (the
    motives keep « (s) », agreed here)."""
    return ", ".join(f"{n} {agreed(n, words)}" for words, n in Counter(motives).most_common())


def _planned_words(stop: pd.Series, zone: str, wait_days: int) -> tuple[str, str]:
    """(why a site already in another shift is left out and how to plan it here instead, its motive)."""
    at = pd.Timestamp(stop["arrival"] if not pd.isna(stop["arrival"]) else stop["starts_at"]).tz_convert(zone)
    plan = int(stop["plan_id"])
    if stop["over"]:
        free = pd.Timestamp(stop["ends_at"]).tz_convert(zone) + pd.Timedelta(days=wait_days)
        return (
            f"dans la tournée n° {plan} du {at:%d/%m/%Y} (arrêt {stop['ref']}), passée sans aucune visite rentrée : "
            "une équipe y est peut-être allée ; importez d'abord sa feuille (hotspots ingest visits FICHIER), ou "
            f"annulez-la si elle n'a pas eu lieu (hotspots tournees annuler {plan}) ; sinon le site redevient libre "
            f"le {free:%d/%m/%Y à %H:%M}"
        ), AWAITING
    return (
        f"déjà prévu dans la tournée n° {plan} (arrêt {stop['ref']}, le {at:%d/%m/%Y} vers {at:%H:%M}) : pour le "
        f"planifier ici, annulez-la d'abord (hotspots tournees annuler {plan})"
    ), PLANNED


def _with_missed_stops(conn: psycopg.Connection[Any], frame: pd.DataFrame, context: CandidateContext) -> pd.DataFrame:
    """Each site a recent shift did not get to (its other stops made) says so in its reason, unless it was visited
    since: the officers know it has waited (« prévu le 05/12/2026 dans la tournée n° 12, arrêt T12-E1-03, pas
    fait »). Its value does not change."""
    missed = missed_stops(conn, context.now, days=MISSED_DAYS)
    missed = missed[missed["site_id"].isin(frame["site_id"])].set_index("site_id")
    if missed.empty:
        return frame
    zone = context.settings.timezone
    frame = frame.copy()
    for i, r in zip(frame.index, frame.to_dict("records"), strict=True):
        if r["site_id"] not in missed.index:
            continue
        stop = missed.loc[r["site_id"]]
        when = pd.Timestamp(stop["starts_at"]).tz_convert(zone)
        last = r["last_visit"]
        if last is not None and not pd.isna(last) and pd.Timestamp(last) >= when:
            continue  # visited since, another way
        said = f"prévu le {when:%d/%m/%Y} dans la tournée n° {int(stop['plan_id'])}, arrêt {stop['ref']}, pas fait"
        frame.at[i, "reason"] = f"{r['reason']} ; {said}" if r["reason"] else said
    return frame


def load_candidates(
    conn: psycopg.Connection[Any], context: CandidateContext, *, forced: frozenset[str] = frozenset()
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Every candidate of the filters' kinds, filtered, and those left out before solving with the reason why.
    The ``forced`` sites (the shift's appointments) are kept whatever the filters and the cool-down say.

    Returns ``(candidates, excluded)``; candidates are sorted by value (highest first) then id, so that the
    same database gives the same frame (and the solver, with the same seed, the same plan).
    """
    f = context.filters
    registered = sources()
    kinds = list(registered) if forced else [k for k in f.kinds if k in registered]
    context = replace(context, every_state=bool(forced))
    frames = [registered[k].load(conn, context) for k in kinds]
    frames = [fr for fr in frames if not fr.empty]
    if not frames:
        return empty_candidates(), pd.DataFrame(columns=EXCLUDED_COLUMNS)
    frame = pd.concat(frames, ignore_index=True)
    keep = frame["kind"].isin(f.kinds).to_numpy(dtype=bool, copy=True)
    if context.every_state:
        stateless = ~frame["kind"].isin(["point_sensible", "axe"]).to_numpy(dtype=bool)
        keep &= stateless | frame["state"].isin(f.states).to_numpy(dtype=bool)
    if f.categories:
        wanted = set(f.categories)
        keep &= frame["categories"].map(lambda cats: bool(wanted & set(cats or {}))).to_numpy()
    if f.places:
        keep &= _matches_place(frame, f.places, place_postcodes(conn, f.places))
    if f.min_value is not None:
        keep &= frame["value"].to_numpy(dtype=float) >= f.min_value
    is_forced = frame["site_id"].isin(forced).to_numpy(dtype=bool)
    frame = frame[keep | is_forced].reset_index(drop=True)

    excluded = []
    cooldown = pd.Timedelta(days=context.settings.plan_cooldown_days)
    out = np.zeros(len(frame), dtype=bool)
    wait_days = context.settings.plan_sheet_wait_days
    elsewhere = planned_elsewhere(conn, context.now, context.starts, wait_days=wait_days).set_index("site_id")
    for i, r in enumerate(frame.to_dict("records")):
        if r["site_id"] in forced:
            continue
        if isinstance(r["skip"], str):  # (a column of None may come back as NaN from the frames' concatenation)
            out[i] = True
            excluded.append((r, r["skip"], DOUBLED))
            continue
        if r["site_id"] in elsewhere.index:  # another team is going there, or went and its sheet is not back
            out[i] = True
            excluded.append((r, *_planned_words(elsewhere.loc[r["site_id"]], context.settings.timezone, wait_days)))
            continue
        last = r["last_visit"]
        if last is None or pd.isna(last) or r["kind"] == "suivi":
            continue
        last = pd.Timestamp(last)
        stamp = last.tz_convert(context.settings.timezone).strftime("%d/%m/%Y")
        outcome = context.labels.outcome(r["last_outcome"]) or ""
        if f.not_visited_since is not None and last >= pd.Timestamp(f.not_visited_since):
            out[i] = True
            excluded.append((r, f"visité le {stamp} ({outcome.lower()}), après la date demandée", VISITED))
        elif context.now - last < cooldown and r["last_outcome"] != "a_revoir":
            out[i] = True
            days = context.settings.plan_cooldown_days
            reason = f"visité le {stamp} ({outcome.lower()}) : pas de nouvelle visite avant {days} jours"
            excluded.append((r, reason, VISITED))
    frame = frame[~out]
    frame = _with_missed_stops(conn, frame, context)
    excluded_frame = pd.DataFrame(
        [
            {"site_id": r["site_id"], "kind": r["kind"], "label": r["label"], "reason": why, "motive": motive}
            for r, why, motive in excluded
        ],
        columns=EXCLUDED_COLUMNS,
    )
    frame = frame.sort_values(["value", "site_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS), excluded_frame
