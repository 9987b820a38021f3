"""The only code that reads reporters' personal data and the access log, and the one function that writes to the
log (:func:`log_access`: personal-data reads, exports, account and record changes). Every read is logged; so is
every erasure, at a reporter's request or when the retention (``personal_retention_months``) is over."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from service.db.queries import Queries
from service.db.redact import MAYBE_PERSONAL, redact
from service.errors import NotFoundError

_q = Queries("service.db", "retention.sql")

#: Who erases by the server's own daily check, in the access log.
AUTOMATIC = "serveur"


def log_access(conn: psycopg.Connection[Any], *, actor: str, action: str, detail: dict[str, Any]) -> None:
    """Write one act to the access log (who did what, with its details), in the caller's transaction: the act
    and its log line are kept or lost together."""
    conn.execute(
        "INSERT INTO private.access_log (actor, action, detail) VALUES (%s, %s, %s)",
        (actor, action, json.dumps(detail, ensure_ascii=False)),
    )


def audit(conn: psycopg.Connection[Any], actor: str, action: str, **detail: Any) -> None:
    """Write who did what (an export, an account or record change) to the access log and commit: what the API's
    routes and the commands call after an act worth tracing."""
    log_access(conn, actor=actor, action=action, detail=detail)
    conn.commit()


def access_log(conn: psycopg.Connection[Any], *, limit: int, action: str | None = None) -> list[dict[str, Any]]:
    """The last ``limit`` entries of the access log (of one ``action`` when given), newest first."""
    rows = conn.execute(
        """SELECT id, at, actor, action, detail FROM private.access_log
           WHERE (%(action)s::text IS NULL OR action = %(action)s) ORDER BY id DESC LIMIT %(limit)s""",
        {"action": action, "limit": limit},
    ).fetchall()
    return [{"id": r[0], "date": r[1], "qui": r[2], "action": r[3], "detail": r[4]} for r in rows]


def rejected_row_contacts(
    conn: psycopg.Connection[Any], batch_id: int, *, actor: str, reason: str
) -> dict[int, dict[str, Any]]:
    """Personal columns of a batch's rejected rows (row number → {header: value}); the read is logged."""
    rows = conn.execute(
        """SELECT r.row_number, c.raw FROM rejected_rows r
           JOIN private.rejected_row_contacts c ON c.rejected_row_id = r.id
           WHERE r.batch_id = %s""",
        (batch_id,),
    ).fetchall()
    log_access(
        conn,
        actor=actor,
        action="lecture_rejets_personnels",
        detail={"lot": batch_id, "lignes": len(rows), "motif": reason},
    )
    return {int(n): dict(raw) for n, raw in rows}


def reporter_contacts(
    conn: psycopg.Connection[Any], report_ids: list[int], *, actor: str, reason: str
) -> dict[int, dict[str, Any]]:
    """Contact details of reporters for the given reports; the read is logged."""
    rows = conn.execute(
        "SELECT report_id, name, phone, email FROM private.reporter_contacts WHERE report_id = ANY(%s)",
        (report_ids,),
    ).fetchall()
    log_access(
        conn,
        actor=actor,
        action="lecture_declarants",
        detail={"signalements": report_ids[:100], "n": len(rows), "motif": reason},
    )
    return {int(r[0]): {"nom": r[1], "telephone": r[2], "email": r[3]} for r in rows}


def reporter_of(conn: psycopg.Connection[Any], report_id: int, *, actor: str, reason: str) -> dict[str, Any] | None:
    """The contact details of one report's reporter (None when none were given); the read is logged. A French
    404 when there is no such report."""
    if conn.execute("SELECT 1 FROM reports WHERE id = %s", (report_id,)).fetchone() is None:
        raise NotFoundError(f"Aucun signalement « {report_id} ».", hint="Vérifiez l'identifiant.")
    return reporter_contacts(conn, [report_id], actor=actor, reason=reason).get(report_id)


def store_network_coordinator(
    conn: psycopg.Connection[Any], network_id: int, *, name: str | None, phone: str | None, email: str | None
) -> None:
    """Keep the contact of a prevention network's coordinator apart (schema ``private``): the given fields set, the
    others kept as they were (nothing read back)."""
    conn.execute(
        """INSERT INTO private.network_coordinators AS c (network_id, name, phone, email) VALUES (%s, %s, %s, %s)
           ON CONFLICT (network_id) DO UPDATE SET name = COALESCE(EXCLUDED.name, c.name),
               phone = COALESCE(EXCLUDED.phone, c.phone), email = COALESCE(EXCLUDED.email, c.email),
               updated_at = now()""",
        (network_id, name, phone, email),
    )


def network_coordinator(
    conn: psycopg.Connection[Any], network_id: int, *, actor: str, reason: str
) -> dict[str, Any] | None:
    """The contact of a prevention network's coordinator (None when none was given); the read is logged."""
    row = conn.execute(
        "SELECT name, phone, email FROM private.network_coordinators WHERE network_id = %s", (network_id,)
    ).fetchone()
    log_access(
        conn,
        actor=actor,
        action="lecture_coordinateur",
        detail={"reseau": network_id, "trouve": row is not None, "motif": reason},
    )
    return {"nom": row[0], "telephone": row[1], "email": row[2]} if row else None


@dataclass(frozen=True)
class Erased:
    """What an erasure of expired personal data removed (or would remove, for a trial), and what it kept."""

    reporters: int  # contact details of reporters, their report closed for longer than the retention
    rejected_rows: int  # personal columns of rejected rows imported longer ago than the retention
    open_kept: int  # reports still open though received longer ago: their reporter's details stay
    before: datetime  # the limit: closed (or imported) before it
    descriptions: int = 0  # descriptions of reports closed that long ago, cleared of the personal data they held


def erase_expired_personal_data(
    conn: psycopg.Connection[Any],
    *,
    months: int,
    now: datetime,
    actor: str,
    trial: bool = False,
    quiet: bool = False,
) -> Erased:
    """Erase the contact details of the reporters of reports closed ``months`` ago or more — the last change of a
    closed report counts as its closing, which is never before it: nothing goes too soon —, the personal data
    written in their descriptions (:mod:`service.db.redact`), and the personal columns of the rows rejected by
    imports that old; an open report keeps its reporter's, who awaits an answer
    (counted, so that someone closes those done). In the caller's transaction and logged; ``quiet``: not when
    nothing went (the server's daily run). ``trial`` counts without erasing or logging."""
    import pandas as pd  # calendar months; loaded here, not by every command that writes the access log

    before = (pd.Timestamp(now) - pd.DateOffset(months=months)).to_pydatetime()
    limit = {"before": before}
    redacted = _redacted_descriptions(conn, before)
    if trial:
        reporters, rejected = conn.execute(_q("expired_counts"), limit).fetchone() or (0, 0)
    else:
        reporters = conn.execute(_q("erase_reporters"), limit).rowcount
        rejected = conn.execute(_q("erase_rejected_rows"), limit).rowcount
        with conn.cursor() as cur:
            cur.executemany(_q("redact_description"), redacted)
    (open_kept,) = conn.execute(_q("open_kept"), limit).fetchone() or (0,)
    erased = Erased(int(reporters), int(rejected), int(open_kept), before, len(redacted))
    if not trial and (reporters or rejected or redacted or not quiet):
        detail = {
            "declarants": erased.reporters,
            "lignes_rejetees": erased.rejected_rows,
            "descriptions": erased.descriptions,
            "mois": months,
        }
        log_access(conn, actor=actor, action="effacement_donnees_personnelles", detail=detail)
    return erased


def _redacted_descriptions(conn: psycopg.Connection[Any], before: datetime) -> list[dict[str, Any]]:
    """The descriptions of reports closed before ``before`` that held personal data, as they will read (telephone
    numbers, e-mails, names after a title, the reporter's name… replaced: :func:`service.db.redact.redact`)."""
    rows = conn.execute(_q("closed_descriptions"), {"before": before, "maybe": MAYBE_PERSONAL}).fetchall()
    out = []
    for report_id, text, name in rows:
        cleared, found = redact(str(text), (name,) if name else ())
        if found:
            out.append({"id": report_id, "description": cleared})
    return out


def erase_reporter(conn: psycopg.Connection[Any], report_id: int, *, actor: str, reason: str) -> bool:
    """Erase one reporter's contact details at their request (the right to erasure), and what the report's
    description holds of a person (:mod:`service.db.redact`), logged with the reason; whether there was anything.
    A French 404 when there is no such report."""
    row = conn.execute("SELECT description FROM reports WHERE id = %s", (report_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"Aucun signalement « {report_id} ».", hint="Vérifiez l'identifiant (SIG-…).")
    gone = conn.execute(_q("erase_reporter"), {"report": report_id}).fetchone()
    erased = gone is not None
    cleared, found = redact(str(row[0] or ""), (gone[0],) if gone and gone[0] else ())
    if found:
        conn.execute(_q("redact_description"), {"id": report_id, "description": cleared})
    erased = erased or bool(found)
    detail = {"signalement": report_id, "efface": erased, "motif": reason}
    log_access(conn, actor=actor, action="effacement_declarant", detail=detail)
    return erased


def open_kept_words(n: int, since_one: str, since_many: str) -> str:
    """The open reports past the retention period that keep their reporter's contact, agreed with their number:
    « 1 signalement encore ouvert depuis plus de 24 mois garde les coordonnées de son déclarant : clôturez-le s'il
    est traité »."""
    if n == 1:
        return (
            f"1 signalement encore ouvert, {since_one}, garde les coordonnées de son déclarant : clôturez-le s'il est "
            "traité"
        )
    return (
        f"{n} signalements encore ouverts, {since_many}, gardent les coordonnées de leur déclarant : clôturez ceux qui "
        "sont traités"
    )
