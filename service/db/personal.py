"""The only code that reads reporters' personal data. Every read is written to ``private.access_log``."""

from __future__ import annotations

import json
from typing import Any

import psycopg


def log_access(conn: psycopg.Connection[Any], *, actor: str, action: str, detail: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO private.access_log (actor, action, detail) VALUES (%s, %s, %s)",
        (actor, action, json.dumps(detail, ensure_ascii=False)),
    )


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
