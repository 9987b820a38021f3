"""What changed in a network's area since its last digest: new sensitive points and axes, those getting worse, those
resolved — the list a network's members can be told of.

A digest that is sent is recorded with the sites it showed (:func:`record_digest`); :func:`changes` compares the
sites of the area today with that record (a pure function over two lists of site snapshots).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from service.prevention.digest import PLAIN_TREND, Digest
from service.prevention.networks import Scope, q

#: Trends that mean a place gets worse (a site moving into one of them is « en aggravation »).
WORSE_TRENDS = ("nouveau", "consecutif", "en_intensification")
#: Priority (points) or report count (axes) up by this share or more: worse.
WORSE_RATIO = 1.2
CLOSED_STATES = ("resolu", "surveille")

#: One site as a digest records it: type, id, lieu, etat, tendance, valeur, signalements (and a ``pourquoi`` once
#: compared).
Site = dict[str, Any]


def snapshot(digest: Digest) -> list[Site]:
    """The sites a digest shows, as they are recorded with it."""
    points = [
        {
            "type": "point_sensible",
            "id": p["id"],
            "lieu": p["place"],
            "etat": p["state"],
            "tendance": p["trend"],
            "valeur": round(p["priority"], 3),
            "signalements": p["n_reports"],
        }
        for p in digest.points
    ]
    axes = [
        {
            "type": "axe",
            "id": a["id"],
            "lieu": a["place"],
            "etat": a["state"],
            "tendance": None,
            "valeur": float(a["n_reports"]),
            "signalements": a["n_reports"],
        }
        for a in digest.axes
    ]
    return points + axes


@dataclass
class Changes:
    """What a network is told about its area since its last digest: new, worse and resolved sites."""

    since: datetime | None  # when the last digest was sent (None: never)
    period: str | None  # its period
    new: list[Site] = field(default_factory=list)
    worse: list[Site] = field(default_factory=list)
    resolved: list[Site] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The changes as the API and the digest page give them (French keys)."""
        return {
            "depuis": self.since.isoformat() if self.since is not None else None,
            "periode_du_dernier_bilan": self.period,
            "nouveaux": self.new,
            "en_aggravation": self.worse,
            "resolus": self.resolved,
        }


def _why_worse(now: Site, before: Site) -> str | None:
    if now["etat"] == "reouvert" and before["etat"] != "reouvert":
        return "revenu après une accalmie"
    if now["tendance"] in WORSE_TRENDS and before["tendance"] not in WORSE_TRENDS:
        return f"tendance : {PLAIN_TREND.get(now['tendance'], now['tendance'])}"
    if (
        before["valeur"]
        and now["valeur"] >= before["valeur"] * WORSE_RATIO
        and now["signalements"] > before["signalements"]
    ):
        return f"{now['signalements']} signalements (contre {before['signalements']} au dernier bilan)"
    return None


def changes(current: list[Site], previous: list[Site] | None) -> tuple[list[Site], list[Site], list[Site]]:
    """``(new, worse, resolved)`` between two snapshots (each item: the site with a ``pourquoi``). Without a
    previous snapshot, every open site is new."""
    before = {(s["type"], s["id"]): s for s in previous or []}
    now = {(s["type"], s["id"]): s for s in current}
    new: list[Site] = []
    worse: list[Site] = []
    resolved: list[Site] = []
    for key, site in now.items():
        old = before.get(key)
        if old is None:
            if site["etat"] not in CLOSED_STATES:
                new.append(site | {"pourquoi": "nouveau depuis le dernier bilan" if previous is not None else "ouvert"})
            continue
        if site["etat"] in CLOSED_STATES and old["etat"] not in CLOSED_STATES:
            words = "résolu" if site["etat"] == "resolu" else "sous surveillance : moins de signalements"
            resolved.append(site | {"pourquoi": words})
            continue
        why = _why_worse(site, old)
        if why and site["etat"] not in CLOSED_STATES:
            worse.append(site | {"pourquoi": why})
    for key, old in before.items():
        if key not in now and old["etat"] not in CLOSED_STATES:
            resolved.append(old | {"pourquoi": "plus signalé comme site à problème"})
    return new, worse, resolved


def _scope_params(scope: Scope) -> dict[str, Any]:
    return {
        "kind": scope.kind,
        "network": scope.network_id,
        "section": scope.name if scope.kind == "section" else None,
    }


def last_digest(conn: psycopg.Connection[Any], scope: Scope) -> dict[str, Any] | None:
    """The last digest recorded for ``scope`` (id, when, period, the sites it showed), or None: the base of the
    next list of changes."""
    row = conn.execute(q("last_digest"), _scope_params(scope)).fetchone()
    if row is None:
        return None
    digest_id, issued_at, start, end, sites = row
    return {"id": digest_id, "issued_at": issued_at, "start": start, "end": end, "sites": list(sites or [])}


def issued_for_period(conn: psycopg.Connection[Any], digest: Digest) -> datetime | None:
    """When a digest of the same scope and period was last recorded as sent, or None."""
    params = _scope_params(digest.scope) | {"start": digest.period.start, "end": digest.period.end}
    row = conn.execute(q("issued_for_period"), params).fetchone()
    return row[0] if row else None


def changes_since_last(conn: psycopg.Connection[Any], digest: Digest) -> Changes:
    """What changed in the digest's area since the last digest recorded for its scope."""
    last = last_digest(conn, digest.scope)
    new, worse, resolved = changes(snapshot(digest), last["sites"] if last else None)
    period = None
    if last:
        period = f"{last['start']:%d/%m/%Y} – {last['end']:%d/%m/%Y}"
    return Changes(last["issued_at"] if last else None, period, new, worse, resolved)


def record_digest(conn: psycopg.Connection[Any], digest: Digest, *, actor: str) -> int:
    """Record that ``digest`` was sent (with the sites it showed): the next list of changes starts from it."""
    params = _scope_params(digest.scope) | {
        "start": digest.period.start,
        "end": digest.period.end,
        "by": actor,
        "sites": json.dumps(snapshot(digest), ensure_ascii=False),
    }
    row = conn.execute(q("insert_digest"), params).fetchone()
    assert row is not None
    conn.commit()
    return int(row[0])
