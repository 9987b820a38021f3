"""Bulk writes for ingestion: COPY of validated chunks into staging tables (or, for a first load, the table), then
the merge. The COPY helpers themselves are shared with the other stages (:mod:`service.db.copy`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import psycopg
from psycopg import sql

from service.db.queries import load_queries
from service.ingest.binary import Field, FieldKind

_PKG = "service.ingest"

#: Reports travel in binary COPY with their key and fingerprint computed on the client; visits and permits
#: as CSV into a staging table that computes them.
REPORT_STAGE_COLUMNS = [
    # fixed-width fields first: the binary encoder packs them into one block (service.ingest.binary)
    "row_number",
    "observed_at",
    "closed_at",
    "geom",
    "source",
    "natural_key",
    "external_id",
    "content_hash",
    "category",
    "category_raw",
    "status",
    "description",
    "address",
    "postcode",
    "commune",
    "input_crs",
    "geocode_status",
    "extra",
    "contact_name",
    "contact_phone",
    "contact_email",
]
#: Columns of a direct load into ``reports`` (see :mod:`service.ingest.bulk`).
REPORT_DIRECT_COLUMNS = [
    "id",
    "batch_id",
    *(c for c in REPORT_STAGE_COLUMNS if not c.startswith("contact_")),
]
_FIELD_KINDS: dict[str, FieldKind] = {
    "id": "int8",
    "batch_id": "int8",
    "row_number": "int4",
    "observed_at": "timestamptz",
    "closed_at": "timestamptz",
    "geom": "point",
    "extra": "jsonb",
}
STAGE_COLUMNS: dict[str, list[str]] = {
    "reports": REPORT_STAGE_COLUMNS,
    "visits": [
        "row_number",
        "source",
        "external_id",
        "visited_epoch",
        "outcome",
        "category",
        "officer",
        "notes",
        "report_ref",
        "stop_ref",
        "site_ref",
        "address",
        "postcode",
        "commune",
        "x",
        "y",
        "input_crs",
        "geocode_status",
        "extra",
    ],
    "permits": [
        "row_number",
        "source",
        "reference",
        "permit_type",
        "env_class",
        "operator",
        "activity",
        "address",
        "postcode",
        "commune",
        "decision_date",
        "valid_until",
        "conditions",
        "opening_hours",
        "x",
        "y",
        "input_crs",
        "geocode_status",
        "extra",
    ],
}
REJECT_COLUMNS = ["row_number", "raw", "personal", "reasons"]


def _epoch_seconds(stamps: pd.Series) -> pd.Series:
    return stamps.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[s]").astype("int64")


def prepare_stage_frame(kind: str, good: pd.DataFrame) -> pd.DataFrame:
    """Add the derived columns the staging table expects, in its column order."""
    frame = good
    if kind == "visits":
        frame = frame.assign(visited_epoch=_epoch_seconds(frame["visited_at"]))
    return frame[STAGE_COLUMNS[kind]]


def create_reject_stage(conn: psycopg.Connection[Any]) -> None:
    """The batch's temporary table of rejected rows, created when the first one comes (most batches have none)."""
    conn.execute(load_queries(_PKG, "batch.sql")["create_stage_rejects"])


def drop_from_stage(conn: psycopg.Connection[Any], row_numbers: list[int]) -> None:
    """Take staged rows out of the merge (in-file repeats, rows refused after staging)."""
    if row_numbers:
        conn.execute(load_queries(_PKG, "batch.sql")["drop_from_stage"], {"rows": row_numbers})


def report_fields(frame: pd.DataFrame, columns: list[str]) -> list[Field]:
    """The binary COPY fields of ``columns`` from validated report rows (``geom`` from ``x``/``y``)."""
    fields = []
    for name in columns:
        kind = _FIELD_KINDS.get(name, "text")
        if kind == "point":
            fields.append(Field(kind, (frame["x"].to_numpy(dtype="float64"), frame["y"].to_numpy(dtype="float64"))))
        else:
            fields.append(Field(kind, frame[name]))
    return fields


#: A batch at least this large, arriving in an empty table, goes in with the table's indexes rebuilt afterwards:
#: one sorted build is much cheaper than a million single index insertions (GiST above all).
BULK_MIN_ROWS = 50_000


def is_bulk(conn: psycopg.Connection[Any], table: str, staged_rows: int) -> bool:
    """Whether ``staged_rows`` rows should be loaded with the indexes of ``table`` rebuilt afterwards: only when the
    table is empty. Dropping indexes locks the table until the batch commits, and a table that holds rows has
    readers (the maps, the lists), who must never wait for an import.

    An empty table is checked again with other writers held off (a lock that readers pass), so that no batch
    fills it between the check and the drop.
    """
    if staged_rows < BULK_MIN_ROWS:
        return False
    stored = sql.SQL(load_queries(_PKG, "batch.sql")["sources_already_stored"]).format(table=sql.Identifier(table))
    row = conn.execute(stored).fetchone()
    if row and row[0]:
        return False
    empty = sql.SQL("SELECT NOT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))
    row = conn.execute(empty).fetchone()
    if not (row and row[0]):
        return False
    conn.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(sql.Identifier(table)))
    row = conn.execute(empty).fetchone()
    return bool(row and row[0])


def merge(conn: psycopg.Connection[Any], queries: dict[str, str], batch_id: int, *, bulk: bool) -> tuple[int, int]:
    """Move the staged rows into their table. Returns (inserted, updated).

    Normal path: insert, or update when the key exists with another content. Bulk path (no stored row of these
    sources, so no key can collide): a plain insert.
    """
    params = {"batch": batch_id, "bulk": bulk}
    if bulk:
        return conn.execute(queries["insert_rows"], params).rowcount, 0
    statement = (
        f"WITH up AS ({queries['insert_rows']}\n{queries['on_conflict']}\nRETURNING (xmax = 0) AS inserted)\n"
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up"
    )
    row = conn.execute(statement.encode(), params).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])
