"""Rejected rows: list batches, and export a batch's rejects so a person can fix and re-ingest them."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from service.cells import neutralise_formula
from service.db.personal import rejected_row_contacts
from service.db.queries import load_queries
from service.errors import NotFoundError
from service.ingest.row_kinds import EMPTY_ROW, TOTAL_ROW
from service.ingest.validate import NOT_DONE_REASON


@dataclass(frozen=True)
class RejectExport:
    """The file of a batch's rejects: where, how many rows, which columns."""

    path: Path
    rows: int
    columns: list[str]


def list_batches(conn: psycopg.Connection[Any], *, limit: int = 20, files_only: bool = False) -> list[dict[str, Any]]:
    """The latest batches, newest first, with their account; ``files_only``: the files imported, not the records
    sent one by one through the API (a report from the citizens' app, a visit from a phone: each its own batch)."""
    cur = conn.execute(
        """SELECT id, kind, file_name, status, rows_in, inserted, updated, duplicates, rejected,
                  started_at, finished_at, error, withdrawn_at, withdrawn_by, withdrawn_reason, withdrawn_rows
           FROM ingestion_batches
           WHERE NOT (%(files)s AND options ? 'all_or_nothing')
           ORDER BY id DESC LIMIT %(limit)s""",
        {"limit": limit, "files": files_only},
    )
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def batch_exists(conn: psycopg.Connection[Any], batch_id: int) -> bool:
    """Whether an ingestion batch with this id exists, so that an unknown batch is a 404 rather than an empty list."""
    return conn.execute("SELECT 1 FROM ingestion_batches WHERE id = %s", (batch_id,)).fetchone() is not None


def rejected_rows(conn: psycopg.Connection[Any], batch_id: int, *, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` rejected rows of a batch: row number, the values as read (no personal column), reasons."""
    rows = conn.execute(
        "SELECT row_number, raw, reasons FROM rejected_rows WHERE batch_id = %s ORDER BY row_number LIMIT %s",
        (batch_id, limit),
    )
    return [{"ligne": n, "valeurs": raw, "motifs": reasons} for n, raw, reasons in rows.fetchall()]


def shown_rejects(conn: psycopg.Connection[Any], batch_id: int, *, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """(how many rows the batch rejected, the first ``limit`` of them as :func:`rejected_rows` gives them), for a
    person to read in the terminal; a French 404 for an unknown batch."""
    if not batch_exists(conn, batch_id):
        raise NotFoundError(f"Lot {batch_id} introuvable.", hint="« hotspots batches » liste les lots.")
    row = conn.execute("SELECT count(*) FROM rejected_rows WHERE batch_id = %s", (batch_id,)).fetchone()
    return (int(row[0]) if row else 0), rejected_rows(conn, batch_id, limit=limit)


#: Rows to correct named in an import's summary (the others are in ``hotspots rejects``).
SHOWN_REJECTS = 5


def reject_account(conn: psycopg.Connection[Any], batch_id: int, *, shown: int = SHOWN_REJECTS) -> dict[str, Any]:
    """The batch's rejects as its summary tells them: ``arrets_non_faits`` (a plan's stops not made) and
    ``lignes_vides`` (rows with no filled cell) and ``lignes_de_total`` (a table's total line), which have nothing to
    correct, and ``rejets_a_corriger``, the first
    rows to correct with their reasons (row, field, value, why)."""
    params = {
        "batch": batch_id,
        "not_done": NOT_DONE_REASON.split(" (", 1)[0] + "%",
        "empty": EMPTY_ROW.split(" :", 1)[0] + "%",
        "total": TOTAL_ROW.split(" :", 1)[0] + "%",
        "shown": shown,
    }
    qb = load_queries("service.ingest", "batch.sql")
    row = conn.execute(qb["nothing_to_correct"], params).fetchone()
    to_correct = [
        {"ligne": number, "motifs": reasons} for number, reasons in conn.execute(qb["rejects_to_correct"], params)
    ]
    return {
        "arrets_non_faits": int(row[0]) if row else 0,
        "lignes_vides": int(row[1]) if row else 0,
        "lignes_de_total": int(row[2]) if row else 0,
        "rejets_a_corriger": to_correct,
    }


def _safe(value: Any) -> str:
    return str(neutralise_formula("" if value is None else str(value)))


def export_rejects(
    conn: psycopg.Connection[Any], batch_id: int, out: Path, *, with_personal: bool = False, actor: str = "cli"
) -> RejectExport:
    """Write the batch's rejected rows to ``out`` (CSV, ``;``, UTF-8 with BOM for spreadsheets).

    Columns: ``ligne``, then the file's own columns in their order, then ``motifs_rejet``. Reporter contact
    columns are left out unless ``with_personal`` (the read is then logged).
    """
    batch = conn.execute("SELECT id, details FROM ingestion_batches WHERE id = %s", (batch_id,)).fetchone()
    if batch is None:
        raise NotFoundError(f"Lot {batch_id} introuvable.", hint="« hotspots batches » liste les lots.")
    rows = conn.execute(
        "SELECT row_number, raw, reasons FROM rejected_rows WHERE batch_id = %s ORDER BY row_number", (batch_id,)
    ).fetchall()
    personal = rejected_row_contacts(conn, batch_id, actor=actor, reason="export des rejets") if with_personal else {}
    conn.commit()
    # jsonb does not keep key order: the file's own column order is kept with the batch.
    hidden = set() if with_personal else set(batch[1].get("colonnes_personnelles", []))
    columns: list[str] = [c for c in batch[1].get("colonnes_fichier", []) if c not in hidden]
    for _n, raw, _r in rows:
        for key in raw:
            if key not in columns:
                columns.append(key)
    for values in personal.values():
        for key in values:
            if key not in columns:
                columns.append(key)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["ligne", *columns, "motifs_rejet"])
        for number, raw, reasons in rows:
            values = {**raw, **personal.get(int(number), {})}
            motifs = " | ".join(
                f"{r['champ']} : {r['motif']}" + (f" (valeur : {r['valeur']})" if r.get("valeur") else "")
                for r in reasons
            )
            writer.writerow([number, *(_safe(values.get(c)) for c in columns), _safe(motifs)])
    return RejectExport(out, len(rows), columns)
