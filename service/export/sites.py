"""The unordered list of sites to inspect (``hotspots export sites``, ``GET /api/exports/sites``).

The same candidates as a shift plan (:func:`service.plan.candidates.load_candidates`: sensitive points, problem
axes, open reports, follow-ups due, on one value scale, with the same filters and the same cool-down), highest
value first, written from one :class:`~service.export.sheet.Sheet` in any export format. The sites left out for a
recent visit are listed with the reason (in the XLSX's second sheet and at the end of the PDF).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pandas as pd
import psycopg
import shapely
from shapely.geometry.base import BaseGeometry

from service.db.queries import Queries
from service.db.vocabulary import Labels, load_labels
from service.errors import InvalidValueError
from service.export import Format, render_sheet
from service.export.sheet import Sheet, sheet_from_candidates
from service.plan.candidates import CandidateContext, known_places, load_candidates, sources
from service.plan.filters import resolve_codes, resolve_places
from service.plan.model import DEFAULT_STATES, KIND_LABELS, STATE_LABELS, Filters
from service.settings import Settings

_q = Queries("service.export", "reports.sql")

#: Most sites in one list (the API's ``limite`` and the CLI's ``--limite`` are bounded by it).
MAX_SITES = 5000


def site_filters(
    labels: Labels,
    *,
    categories: Iterable[str] = (),
    places: Iterable[str] = (),
    states: Iterable[str] = (),
    kinds: Iterable[str] = (),
    min_priority: float | None = None,
    not_visited_since: datetime | None = None,
) -> Filters:
    """The filters of a list, checked: codes or French labels; a French error naming the unknown value and
    the valid ones. No state given: new, active and reopened sites; no kind given: every kind."""
    kind_words = {kind: KIND_LABELS.get(kind, kind) for kind in sources()}
    chosen_states = resolve_codes(states, STATE_LABELS, "état inconnu")
    chosen_kinds = resolve_codes(kinds, kind_words, "type de site inconnu")
    if min_priority is not None and min_priority < 0:
        raise InvalidValueError(f"priorité minimale négative : {min_priority:g}", hint="Donnez 0 ou plus.")
    return Filters(
        categories=resolve_codes(categories, labels.categories, "catégorie inconnue"),
        places=tuple(p.strip() for raw in places for p in str(raw).split(",") if p.strip()),
        states=chosen_states or DEFAULT_STATES,
        kinds=chosen_kinds or tuple(kind_words),
        min_value=min_priority,
        not_visited_since=not_visited_since,
    )


def site_list(
    conn: psycopg.Connection[Any],
    settings: Settings,
    filters: Filters,
    *,
    limit: int = 500,
    base_url: str | None = None,
    labels: Labels | None = None,
    now: datetime | None = None,
) -> Sheet:
    """The sheet of the sites matching ``filters``, highest value first, at most ``limit``. Reads only."""
    labels = labels or load_labels(conn)
    filters = replace(filters, places=resolve_places(filters.places, known_places(conn)))
    when = pd.Timestamp(now) if now is not None else pd.Timestamp.now(tz="UTC")
    context = CandidateContext(settings=settings, filters=filters, now=when, labels=labels)
    candidates, excluded = load_candidates(conn, context)
    total = len(candidates)
    limit = max(1, min(limit, MAX_SITES))
    sheet = sheet_from_candidates(
        candidates.head(limit).reset_index(drop=True), labels, zone=settings.timezone, base_url=base_url
    )
    sheet.places["shape"] = drawn_shapes(conn, sheet.rows["Site"])
    sheet.facts["Filtres"] = filters.describe(labels.categories)
    if total > limit:
        sheet.subtitle = f"Les {limit} sites les plus prioritaires sur {total} — " + sheet.subtitle
        sheet.notes.append(f"Liste coupée à {limit} sites ({total} correspondent aux filtres).")
    if total == 0:
        sheet.notes.append(f"Aucun site pour ces filtres : {filters.describe(labels.categories)}.")
    sheet.dropped = pd.DataFrame(
        {
            "Site": excluded["site_id"],
            "Type": [KIND_LABELS.get(k, k) for k in excluded["kind"]],
            "Lieu": excluded["label"],
            "Raison": excluded["reason"],
        },
        columns=["Site", "Type", "Lieu", "Raison"],
    )
    return sheet


def drawn_shapes(conn: psycopg.Connection[Any], sites: pd.Series) -> list[BaseGeometry | None]:
    """For each site, its report's shape as drawn in a GIS file (a building's footprint), None for any other site
    and for a report drawn as a point: what the list's GeoJSON draws beside the point."""
    ids = {site: int(site[4:]) for site in sites if isinstance(site, str) and _REPORT_SITE.fullmatch(site)}
    if not ids:
        return [None] * len(sites)
    rows = conn.execute(_q("drawn_shapes"), {"ids": list(set(ids.values()))}).fetchall()
    shapes = {report: shapely.from_wkb(bytes(wkb)) for report, wkb in rows}
    return [shapes.get(ids[site]) if site in ids else None for site in sites]


#: A report's site name (« SIG-123 »).
_REPORT_SITE = re.compile(r"SIG-[0-9]+")


@dataclass(frozen=True)
class SiteRequest:
    """A list of sites as a person asks for it, the same from the API's query and from the command's options:
    codes or French labels, comma lists allowed, ``None`` for a filter not given; :func:`site_filters` checks it."""

    categories: Sequence[str] | None = None
    places: Sequence[str] | None = None
    states: Sequence[str] | None = None
    kinds: Sequence[str] | None = None
    min_priority: float | None = None
    limit: int = 500

    def filters(self, labels: Labels) -> Filters:
        """The checked filters (:func:`site_filters`): a French error naming an unknown value."""
        return site_filters(
            labels,
            categories=self.categories or (),
            places=self.places or (),
            states=self.states or (),
            kinds=self.kinds or (),
            min_priority=self.min_priority,
        )


@dataclass(frozen=True)
class SiteExport:
    """A list of sites rendered in one format: the file's bytes, the sheet, the filters (for the access log) and
    the labels they were read with."""

    data: bytes
    sheet: Sheet
    filters: Filters
    labels: Labels


def export_sites(
    conn: psycopg.Connection[Any], settings: Settings, fmt: Format, asked: SiteRequest, *, base_url: str | None = None
) -> SiteExport:
    """The sites to inspect as asked (:meth:`SiteRequest.filters`, :func:`site_list`), rendered in ``fmt`` (the PDF
    with its map's background). Reads only; the caller writes the export to the access log."""
    labels = load_labels(conn)
    filters = asked.filters(labels)
    sheet = site_list(conn, settings, filters, limit=asked.limit, base_url=base_url, labels=labels)
    return SiteExport(render_sheet(conn, settings, sheet, fmt), sheet, filters, labels)
