"""What officers record after the fact: a report's status, category or description changed, and a visit's outcome
recorded on the report, sensitive point or axis it was made at (the API's follow-up routes call these).

The visit itself is stored through ingestion's rules like any other; here it is attached to its site, and a point
visited takes the outcome into its priority at once (:func:`service.analyse.store.follow_visit_outcomes`, the
same rule as for the visits imported from a plan's sheet).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import pandas as pd
import psycopg

from service.analyse.store import follow_visit_outcomes
from service.db.personal import log_access
from service.db.queries import Queries
from service.errors import ConflictError, NotFoundError, ValidationFailedError
from service.ingest.vocabulary import Vocabulary, load_vocabularies

#: Where a visit can be recorded, by the names of the API's paths.
Target = Literal["signalements", "points-sensibles", "axes"]
_PLACE = {"signalements": "report_place", "points-sensibles": "point_place", "axes": "axis_place"}
_WHAT = {"signalements": "signalement", "points-sensibles": "point sensible", "axes": "axe"}


_q = Queries("service.ingest", "followup.sql")


def _code(vocabulary: Vocabulary, value: str, field: str) -> str:
    code = vocabulary.map(pd.Series([value], dtype="string")).iloc[0]
    if code is None or pd.isna(code):
        raise ValidationFailedError(
            f"{field} inconnu(e) : « {value} »",
            [{"champ": field, "valeur": value, "motif": f"valeurs possibles : {vocabulary.describe()}"}],
            hint="Utilisez un code ou un libellé de la liste.",
        )
    return str(code)


@dataclass(frozen=True)
class ReportChange:
    """What officers change on a report after the fact (None: unchanged); status and category as a code or a
    label of their vocabulary. A wrong place or date is corrected at the source and imported again."""

    status: str | None = None
    category: str | None = None
    description: str | None = None


def update_report(conn: psycopg.Connection[Any], report_id: int, change: ReportChange, *, actor: str) -> None:
    """Apply ``change`` and log who changed what; a French error names an unknown value. Nothing is committed
    here."""
    status, category, description = change.status, change.category, change.description
    vocab = load_vocabularies(conn)
    with conn.transaction():
        row = conn.execute(_q("report_for_update"), {"id": report_id}).fetchone()
        if row is None:
            raise NotFoundError(f"Aucun signalement « {report_id} ».", hint="Vérifiez l'identifiant.")
        _id, old_category, old_status, old_description = row
        params = {
            "id": report_id,
            "category": _code(vocab.categories, category, "categorie") if category else old_category,
            "category_raw": category,
            "status": _code(vocab.statuses, status, "statut") if status else old_status,
            "description": description if description is not None else old_description,
        }
        conn.execute(_q("update_report"), params)
        given = {"statut": status, "categorie": category, "description": description}
        detail = {"signalement": report_id, **{k: v for k, v in given.items() if v is not None}}
        log_access(conn, actor=actor, action="modification_signalement", detail=detail)


@dataclass(frozen=True)
class Site:
    """Where a visit was made: a point in Lambert 72 (None when the site has none), an address, a category."""

    x: float | None
    y: float | None
    address: str | None
    category: str | None


def visit_site(conn: psycopg.Connection[Any], target: Target, site_id: str) -> Site:
    """The place of the report, point or axis a visit is recorded on; a French 404 when there is none."""
    key: int | str = int(site_id) if target == "signalements" else site_id
    row = conn.execute(_q(_PLACE[target]), {"id": key}).fetchone()
    conn.rollback()
    if row is None:
        raise NotFoundError(f"Aucun {_WHAT[target]} « {site_id} ».", hint="Vérifiez l'identifiant dans la liste.")
    return Site(*row)


#: The source of the visits an officer records on the map, and the prefix of the keys their devices give them.
DEVICE_SOURCE = "api"
DEVICE_KEY = "terrain-"


def visit_received(conn: psycopg.Connection[Any], key: str, attached: dict[str, Any]) -> int | None:
    """The visit already received under the device's ``key`` (a retry after a lost answer or a dead zone), or
    None. ``attached`` is where this sending puts the visit (``{"point_id": "PS-0003"}``, ``{"plan_stop_id": 41}``):
    a key already used for another place is refused, since a device's key names one visit."""
    cur = conn.execute(_q("visit_by_key"), {"source": DEVICE_SOURCE, "key": DEVICE_KEY + key})
    row = cur.fetchone()
    if row is None:
        return None
    found = dict(zip([d.name for d in cur.description or []], row, strict=True))
    if any(found[column] != value for column, value in attached.items()):
        raise ConflictError(
            f"identifiant de visite « {key} » déjà reçu pour un autre lieu (visite n° {found['id']})",
            hint="Chaque visite encodée sur un appareil a son propre identifiant : rechargez la page et réessayez.",
        )
    return int(found["id"])


def site_column(target: Target, site_id: str) -> dict[str, Any]:
    """The visit's column that names ``site_id`` of ``target`` and its value (how a visit is attached to it)."""
    if target == "signalements":
        return {"report_id": int(site_id)}
    return {"point_id" if target == "points-sensibles" else "axis_id": site_id}


@dataclass(frozen=True)
class PlanStop:
    """A shift's stop as a visit sent to it needs it: its id, and when its shift was cancelled (or None)."""

    id: int
    cancelled_at: datetime | None

    @property
    def attached(self) -> dict[str, Any]:
        """Where a visit of this stop is stored, as :func:`visit_received` compares it: at the stop, or, its shift
        cancelled, at its site with the stop kept aside."""
        if self.cancelled_at is None:
            return {"plan_stop_id": self.id}
        return {"plan_stop_id": None, "cancelled_stop_id": self.id}


def plan_stop(conn: psycopg.Connection[Any], plan_id: int, ref: str) -> PlanStop:
    """Stop ``ref`` (``T12-E1-03``) of plan ``plan_id``; a French error naming both when there is none."""
    row = conn.execute(_q("plan_stop"), {"plan": plan_id, "ref": ref}).fetchone()
    if row is None:
        raise NotFoundError(
            f"Pas d'arrêt « {ref} » dans la tournée n° {plan_id}.",
            hint=f"Les arrêts sont sur la fiche de la tournée (colonne « Arrêt ») ou dans GET /api/tournees/{plan_id}.",
        )
    return PlanStop(int(row[0]), row[1])


def outside_cancelled_shift(
    conn: psycopg.Connection[Any], visit_id: int, plan_id: int, stop: PlanStop, *, timezone: str
) -> str:
    """What the officer who sent a visit to the stop of a cancelled shift is told: where it went. « La tournée
    n° 12 a été annulée le 20/11/2026 à 10:05 : visite rattachée au site PS-0003, hors tournée. »"""
    row = conn.execute(_q("visit_site"), {"id": visit_id}).fetchone()
    when = pd.Timestamp(stop.cancelled_at).tz_convert(timezone)
    site = f"au site {row[0]}" if row and row[0] else "au site de l'arrêt"
    return f"La tournée n° {plan_id} a été annulée le {when:%d/%m/%Y à %H:%M} : visite rattachée {site}, hors tournée."


def attach_visit(conn: psycopg.Connection[Any], visit_id: int, target: Target, site_id: str) -> None:
    """Attach the stored visit to its site; a point's priority follows the visit's outcome. The point's row stays
    locked until the caller commits: other visits of the same point wait for it."""
    with conn.transaction():
        conn.execute(
            _q("attach_visit"),
            {
                "id": visit_id,
                "report": int(site_id) if target == "signalements" else None,
                "point": site_id if target == "points-sensibles" else None,
                "axis": site_id if target == "axes" else None,
            },
        )
        if target == "points-sensibles":
            follow_visit_outcomes(conn, visit_ids=[visit_id])
