"""Permits due for a check as candidate sites of kind ``permis`` for the shift planner and the site list.

Registered with :func:`service.plan.candidates.register_source` when this module is imported (the plan stage
imports it the first time it lists its sources), so that ``hotspots plan --types permis`` and ``hotspots export
sites --types permis`` take them; the follow-up list is the same candidates, written by the same writers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import psycopg
import shapely

from service.db.vocabulary import Labels, load_labels
from service.export.sheet import Sheet
from service.permits.followup import assess, reason_words
from service.permits.links import (
    concerned_categories,
    load_permits,
    load_rules,
    permit_links,
    permit_visits,
    zone_halves,
)
from service.plan.candidates import CandidateContext, register_source, site_row
from service.plan.model import CANDIDATE_COLUMNS, DEFAULT_STATES, Filters
from service.settings import Settings

KIND = "permis"


def site_id(permit_id: int) -> str:
    """``PER-12``: how lists, shift sheets and the map name a permit."""
    return f"PER-{permit_id}"


def due_permits(
    conn: psycopg.Connection[Any],
    settings: Settings,
    now: pd.Timestamp,
    labels: Labels,
    *,
    ids: list[int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(permits, assessment)`` of every permit (placed or not; or those of ``ids``), in the same order; see
    :func:`service.permits.followup.assess`."""
    permits = load_permits(conn, ids)
    rules = load_rules(conn)
    window = max(settings.permit_complaints_days, 366)
    links = permit_links(
        conn, settings, permits, since=(now - pd.Timedelta(days=window)).to_pydatetime(), until=now, rules=rules
    )
    visits = permit_visits(conn, ids)
    concerns = {
        int(p["id"]): concerned_categories(p["activity"], p["permit_type"], rules) for p in permits.to_dict("records")
    }
    zone = zone_halves(conn, now)
    assessed = assess(permits, links, visits, settings, now, gravity=labels.gravity, concerns=concerns, zone=zone)
    return permits, assessed


class PermitSource:
    """Permitted facilities due for a check (expiry, conditions, repeated complaints)."""

    kind = KIND

    def load(self, conn: psycopg.Connection[Any], context: CandidateContext) -> pd.DataFrame:
        """Due permits as plan candidates: a point at the facility, its label, value and why it is due."""
        permits, assessed = due_permits(conn, context.settings, context.now, context.labels)
        rows = []
        for p, a in zip(permits.to_dict("records"), assessed.to_dict("records"), strict=True):
            if not a["due"] or p["x"] is None or pd.isna(p["x"]):
                continue
            point = shapely.Point(float(p["x"]), float(p["y"]))
            place = p["label"] or p["reference"]
            label = f"{place} — {p['operator']} ({p['reference']})" if p["operator"] else f"{place} ({p['reference']})"
            rows.append(
                site_row(
                    point=point,
                    site_id=site_id(int(p["id"])),
                    kind=self.kind,
                    label=label,
                    commune=p["commune"],
                    postcode=p["postcode"],
                    category=a["main_category"],
                    categories=a["categories"],
                    value=a["value"],
                    components=a["components"],
                    reason=reason_words(
                        p,
                        a,
                        last_outcome_label=context.labels.outcome(a["last_outcome"]),
                        zone=context.settings.timezone,
                    ),
                    service_min=context.settings.plan_service_permit_min,
                    n_reports=a["n_reports"],
                    trend=a["trend"].analysis_code,
                    last_report=a["last_report"],
                    last_visit=a["last_visit"],
                    last_outcome=a["last_outcome"],
                    hours=p["opening_hours"] or None,
                )
            )
        return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)


register_source(PermitSource())


def followup_sheet(
    conn: psycopg.Connection[Any],
    settings: Settings,
    *,
    months: int | None = None,
    base_url: str | None = None,
    now: datetime | None = None,
    limit: int = 5000,
) -> Sheet:
    """The follow-up list (``suivi_permis.*``): the permits due, highest value first, with the sites left out for a
    recent visit; ``months`` overrides ``permit_expiry_months``. Reads only."""
    from service.export.sites import site_list

    if months is not None:
        settings = settings.model_copy(update={"permit_expiry_months": months})
    sheet = site_list(
        conn, settings, Filters(kinds=(KIND,), states=DEFAULT_STATES), limit=limit, base_url=base_url, now=now
    )
    sheet.title = "Suivi des permis"
    sheet.name = "suivi_permis"
    if not len(sheet.rows):
        sheet.notes = [n for n in sheet.notes if not n.startswith("Aucun site")]
        sheet.notes.append("Aucun permis à suivre pour l'instant.")
    everything = load_permits(conn)
    missing = [int(i) for i in everything.loc[everything["x"].isna(), "id"]]
    when = pd.Timestamp(now) if now is not None else pd.Timestamp.now(tz="UTC")
    permits, assessed = due_permits(conn, settings, when, load_labels(conn), ids=missing)
    unplaced = [
        p["reference"]
        for p, a in zip(permits.to_dict("records"), assessed.to_dict("records"), strict=True)
        if a["due"] and (p["x"] is None or pd.isna(p["x"]))
    ]
    if unplaced:
        sheet.notes.append(
            f"{len(unplaced)} permis à suivre sans lieu connu (adresse à vérifier : hotspots geocode review) : "
            + ", ".join(unplaced[:20])
            + ("…" if len(unplaced) > 20 else "")
            + "."
        )
    sheet.facts["Filtres"] = (
        f"permis qui expirent dans les {settings.permit_expiry_months} mois (ou ont expiré depuis moins d'un an), "
        f"conditions jamais contrôlées ou pas depuis {settings.permit_check_days} jours, au moins "
        f"{settings.permit_complaints_min} plaintes liées en {settings.permit_complaints_days} jours "
        f"(à moins de {settings.permit_link_m:g} m)"
    )
    return sheet
