"""What officers record after the fact: a report's status, category or description changed, and a visit's outcome
recorded on the report, sensitive point or axis it was made at (the API's follow-up routes call these).

The visit itself is stored through ingestion's rules like any other; here it is attached to its site, and a point
visited takes the outcome into its priority at once (:func:`service.analyse.store.follow_visit_outcomes`, the
same rule as for the visits imported from a plan's sheet).
"""

from __future__ import annotations

from dataclasses import dataclass
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


def plan_stop(conn: psycopg.Connection[Any], plan_id: int, ref: str) -> int:
    """The id of stop ``ref`` (``T12-E1-03``) of plan ``plan_id``; a French error naming both when there is none,
    or when the shift was cancelled (a phone still showing it: the visit is recorded at its site instead)."""
    row = conn.execute(_q("plan_stop"), {"plan": plan_id, "ref": ref}).fetchone()
    if row is None:
        raise NotFoundError(
            f"Pas d'arrêt « {ref} » dans la tournée n° {plan_id}.",
            hint=f"Les arrêts sont sur la fiche de la tournée (colonne « Arrêt ») ou dans GET /api/tournees/{plan_id}.",
        )
    if row[1] is not None:
        raise ConflictError(
            f"La tournée n° {plan_id} a été annulée le {row[1]:%d/%m/%Y} : son arrêt {ref} ne prend plus de visite.",
            hint="Notez la visite sur le site lui-même (sa fiche sur la carte : « Encoder une visite »).",
        )
    return int(row[0])


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
