"""Referrals in PostGIS: refer a report or a site, confirm a proposal, withdraw; every step in the audit log.

A referral covers the reports of its target at the time it is made (a report; a sensitive point's reports; the
reports along an axis over the analysis window), minus those already referred elsewhere. While it is active those
reports carry ``reports.referral_id`` and leave the hotspot counts (analysis, map, planner); withdrawing it puts
them back. Nothing is deleted: the referral and the list of its reports stay as history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import pandas as pd
import psycopg

from service.db.personal import log_access
from service.db.queries import Queries, frame_of
from service.errors import ConflictError, InvalidValueError, NotFoundError
from service.geocode.normalise import fold
from service.settings import Settings

TargetKind = Literal["signalement", "point_sensible", "axe"]
#: Words for the kinds of target and the statuses (what a person reads).
TARGET_LABELS: dict[str, str] = {"signalement": "Signalement", "point_sensible": "Point sensible", "axe": "Axe"}
STATUS_LABELS: dict[str, str] = {"propose": "Proposé", "actif": "Renvoyé", "retire": "Retiré", "refuse": "Refusé"}
STATUSES = tuple(STATUS_LABELS)
#: Shortest reason accepted for a referral or a withdrawal.
MIN_REASON = 3


_q = Queries("service.referrals", "referrals.sql")


@dataclass(frozen=True)
class Target:
    """What is referred: a report (its database id) or a site (``PS-0001``, ``AX-0003``)."""

    kind: TargetKind
    id: str

    @property
    def site_id(self) -> str:
        """The id as lists and maps show it (``SIG-123`` for a report)."""
        return f"SIG-{self.id}" if self.kind == "signalement" else self.id


_REPORT = re.compile(r"^(?:sig-?)?(\d{1,18})$", re.IGNORECASE)
_SITE = re.compile(r"^(PS|AX)-(\d{1,9})$", re.IGNORECASE)


def parse_target(text: str) -> Target:
    """``123`` or ``SIG-123`` (a report), ``PS-0001`` (a sensitive point), ``AX-0003`` (an axis)."""
    cleaned = (text or "").strip()
    if match := _REPORT.match(cleaned):
        return Target("signalement", str(int(match.group(1))))
    if match := _SITE.match(cleaned):
        prefix = match.group(1).upper()
        return Target("point_sensible" if prefix == "PS" else "axe", f"{prefix}-{match.group(2)}")
    raise InvalidValueError(
        f"objet à renvoyer illisible : « {cleaned} »",
        hint="Donnez un numéro de signalement (123 ou SIG-123), un point sensible (PS-0001) ou un axe (AX-0003).",
    )


def recipients(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """Active recipients: code → French label (the Mediation service first)."""
    return {code: label for code, label, _kind, _syn in conn.execute(_q("recipients")).fetchall()}


def resolve_recipient(conn: psycopg.Connection[Any], text: str) -> str:
    """The recipient named by ``text`` (code, label or synonym; case and accents ignored), or a French error listing
    the recipients."""
    wanted = fold(text or "")
    rows = conn.execute(_q("recipients")).fetchall()
    for code, label, _kind, synonyms in rows:
        if wanted and wanted in {fold(code), fold(code.replace("_", " ")), fold(label), *map(fold, synonyms)}:
            return str(code)
    raise InvalidValueError(
        f"destinataire du renvoi inconnu : « {text} »",
        hint="Destinataires : " + ", ".join(f"{code} ({label})" for code, label, _k, _s in rows) + ".",
    )


def _reason(text: str | None, what: str) -> str:
    cleaned = (text or "").strip()
    if len(cleaned) < MIN_REASON:
        raise InvalidValueError(
            f"motif {what} manquant ou trop court", hint="Dites en quelques mots pourquoi (au moins 3 caractères)."
        )
    return cleaned


def _stamp(value: Any, zone: str) -> str:
    return pd.Timestamp(value).tz_convert(zone).strftime("%d/%m/%Y") if value is not None else "?"


def _refuse_if_open(conn: psycopg.Connection[Any], target: Target, labels: dict[str, str], zone: str) -> None:
    found = conn.execute(_q("open_for_target"), {"kind": target.kind, "id": target.id}).fetchone()
    if found is None:
        return
    ref_id, status, recipient, referred_at, proposed_at = found
    who = labels.get(recipient, recipient)
    if status == "actif":
        raise ConflictError(
            f"{target.site_id} est déjà renvoyé (renvoi n° {ref_id} : {who}, le {_stamp(referred_at, zone)}).",
            hint=f"Rien n'a changé. Pour le renvoyer ailleurs, retirez d'abord le renvoi n° {ref_id}.",
        )
    raise ConflictError(
        f"Un renvoi de {target.site_id} est déjà proposé (n° {ref_id} : {who}, le {_stamp(proposed_at, zone)}).",
        hint=f"Rien n'a changé. Confirmez la proposition n° {ref_id}, ou refusez-la avant d'en faire une autre.",
    )


def _target_reports(
    conn: psycopg.Connection[Any], target: Target, settings: Settings, now: datetime, labels: dict[str, str]
) -> tuple[list[int], str | None, Any]:
    """(reports to refer, place label, geometry WKB) of ``target``; a French error when it does not exist or when
    nothing is left to refer."""
    if target.kind == "signalement":
        row = conn.execute(_q("report_target"), {"id": int(target.id)}).fetchone()
        if row is None:
            raise NotFoundError(f"Aucun signalement n° {target.id}.", hint="Vérifiez le numéro (hotspots : SIG-…).")
        rid, referral, duplicate_of, label, geom, referred_to = row
        if referral is not None:
            raise ConflictError(
                f"Le signalement n° {rid} est déjà renvoyé (renvoi n° {referral} : "
                f"{labels.get(referred_to, referred_to)}).",
                hint=f"Rien n'a changé. Pour le renvoyer ailleurs, retirez d'abord le renvoi n° {referral}.",
            )
        if duplicate_of is not None:
            raise InvalidValueError(
                f"Le signalement n° {rid} est un quasi-doublon du n° {duplicate_of} : il n'est pas compté.",
                hint=f"Renvoyez le signalement n° {duplicate_of}.",
            )
        return [int(rid)], label, geom
    if target.kind == "point_sensible":
        row = conn.execute(_q("point_target"), {"id": target.id}).fetchone()
        what = "point sensible"
    else:
        since = pd.Timestamp(now) - pd.Timedelta(days=settings.analysis_window_days)
        row = conn.execute(_q("axis_target"), {"id": target.id, "since": since.to_pydatetime()}).fetchone()
        what = "axe"
    if row is None:
        raise NotFoundError(f"Aucun {what} « {target.id} ».", hint="Vérifiez l'identifiant (liste : hotspots analyse).")
    _id, label, geom, free, total = row
    if not free:
        detail = (
            "il n'a aucun signalement"
            if not total
            else ("son signalement est déjà renvoyé" if total == 1 else f"ses {total} signalements sont déjà renvoyés")
        )
        raise ConflictError(
            f"Rien à renvoyer pour {target.id} : {detail}.", hint="Rien n'a changé. Voir la liste : hotspots renvois."
        )
    return [int(r) for r in free], label, geom


def refer(
    conn: psycopg.Connection[Any],
    settings: Settings,
    target: Target,
    recipient: str,
    reason: str,
    *,
    actor: str,
    now: datetime | None = None,
) -> int:
    """Refer ``target`` to ``recipient`` (a code, label or synonym) at once; return the referral's number.

    In one transaction with its audit-log line: the referral, its reports, and their leaving the hotspot counts.
    A French error and nothing changed when the target is unknown, already referred or proposed, or empty."""
    when = now or datetime.now(UTC)
    why = _reason(reason, "du renvoi")
    code = resolve_recipient(conn, recipient)
    labels = recipients(conn)
    with conn.transaction():
        _refuse_if_open(conn, target, labels, settings.timezone)
        reports, label, geom = _target_reports(conn, target, settings, when, labels)
        row = conn.execute(
            _q("insert"),
            {
                "kind": target.kind,
                "id": target.id,
                "recipient": code,
                "status": "actif",
                "reason": why,
                "rule": None,
                "label": label,
                "geom": geom,
                "proposed_at": None,
                "proposed_by": None,
                "referred_at": when,
                "referred_by": actor,
            },
        ).fetchone()
        assert row is not None
        referral = int(row[0])
        conn.execute(_q("link_reports"), {"referral": referral, "reports": reports})
        conn.execute(_q("mark_reports"), {"referral": referral})
        log_access(
            conn,
            actor=actor,
            action="renvoi",
            detail={
                "renvoi": referral,
                "cible": target.site_id,
                "destinataire": code,
                "motif": why,
                "signalements": len(reports),
            },
        )
    return referral


def _locked_status(conn: psycopg.Connection[Any], referral_id: int) -> str:
    row = conn.execute(_q("lock_one"), {"id": referral_id}).fetchone()
    if row is None:
        raise NotFoundError(f"Aucun renvoi n° {referral_id}.", hint="Voir la liste : hotspots renvois liste.")
    return str(row[0])


@dataclass(frozen=True)
class Decision:
    """Who decides on a referral (the login written to the log), why (the rule's reason is kept when a confirmation
    gives none; a withdrawal must say why), and when (now by default)."""

    actor: str
    reason: str | None = None
    at: datetime | None = None


def confirm(conn: psycopg.Connection[Any], referral_id: int, decision: Decision) -> None:
    """A planner confirms a proposed referral: its report leaves the counts from now on (audit-logged)."""
    actor, when = decision.actor, decision.at or datetime.now(UTC)
    why = _reason(decision.reason, "du renvoi") if decision.reason is not None else None
    with conn.transaction():
        status = _locked_status(conn, referral_id)
        if status != "propose":
            raise ConflictError(
                f"Le renvoi n° {referral_id} n'est pas une proposition (état : {STATUS_LABELS[status].lower()}).",
                hint="Rien n'a changé. Seule une proposition se confirme.",
            )
        taken = conn.execute(_q("already_referred"), {"id": referral_id}).fetchall()
        if taken:
            report, other = taken[0]
            raise ConflictError(
                f"Le signalement n° {report} de la proposition n° {referral_id} est déjà renvoyé (renvoi n° {other}).",
                hint=f"Rien n'a changé. Refusez la proposition n° {referral_id}.",
            )
        conn.execute(_q("confirm"), {"id": referral_id, "at": when, "by": actor, "reason": why})
        conn.execute(_q("mark_reports"), {"referral": referral_id})
        log_access(conn, actor=actor, action="renvoi_confirme", detail={"renvoi": referral_id, "motif": why})


def withdraw(conn: psycopg.Connection[Any], referral_id: int, decision: Decision) -> str:
    """Withdraw an active referral (its reports come back into the counts) or refuse a proposal; returns the new
    status. Audit-logged; a French error and nothing changed when it is already closed or no reason is given."""
    actor, when = decision.actor, decision.at or datetime.now(UTC)
    why = _reason(decision.reason, "du retrait")
    with conn.transaction():
        status = _locked_status(conn, referral_id)
        if status in ("retire", "refuse"):
            raise ConflictError(
                f"Le renvoi n° {referral_id} est déjà {STATUS_LABELS[status].lower()}.", hint="Rien n'a changé."
            )
        new = "retire" if status == "actif" else "refuse"
        conn.execute(
            _q("close"), {"id": referral_id, "status": new, "at": when, "by": actor, "reason": why, "from": status}
        )
        if status == "actif":
            conn.execute(_q("unmark_reports"), {"referral": referral_id})
        action = "renvoi_retire" if new == "retire" else "renvoi_refuse"
        log_access(conn, actor=actor, action=action, detail={"renvoi": referral_id, "motif": why})
    return new


def propose_referrals(conn: psycopg.Connection[Any], settings: Settings, *, batch_id: int | None = None) -> int:
    """Run the active rules (``referral_rules``) over one batch's reports (every report when ``batch_id`` is None)
    and record a proposal for each report they match; returns how many. Changes no count: a proposal waits for a
    planner. A report already referred, proposed or refused once is left alone."""
    cur = conn.execute(_q("propose"), {"batch": batch_id, "private_m": settings.referral_private_address_m})
    return max(cur.rowcount, 0)


def list_referrals(
    conn: psycopg.Connection[Any],
    *,
    statuses: tuple[str, ...] = (),
    recipient: str | None = None,
    report_id: int | None = None,
    target: str | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """Referrals, newest first, with their place (Lambert 72 ``x``, ``y``), main category and report count."""
    unknown = [s for s in statuses if s not in STATUS_LABELS]
    if unknown:
        raise InvalidValueError(
            f"état de renvoi inconnu : « {unknown[0]} »",
            hint="États : " + ", ".join(f"{c} ({w.lower()})" for c, w in STATUS_LABELS.items()) + ".",
        )
    cur = conn.execute(
        _q("list"),
        {
            "statuses": list(statuses) or None,
            "recipient": recipient,
            "report": report_id,
            "target": target,
            "limit": limit,
        },
    )
    frame = frame_of(cur)
    return frame.astype(object).where(frame.notna(), None)  # empty cells as None, not NaN


def get_referral(conn: psycopg.Connection[Any], referral_id: int) -> dict[str, Any]:
    """One referral with the reports it covers (ids, categories, dates, whether each is still out of the counts)."""
    cur = conn.execute(_q("one"), {"id": referral_id})
    row = cur.fetchone()
    if row is None:
        raise NotFoundError(f"Aucun renvoi n° {referral_id}.", hint="Voir la liste : hotspots renvois liste.")
    out = dict(zip([d.name for d in cur.description or []], row, strict=True))
    reports = conn.execute(_q("reports_of"), {"id": referral_id}).fetchall()
    out["reports"] = [
        {"id": r[0], "category": r[1], "observed_at": r[2], "status": r[3], "out_of_counts": bool(r[4])}
        for r in reports
    ]
    return out
