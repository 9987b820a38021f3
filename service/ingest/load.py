"""Bulk writes for ingestion: COPY of validated chunks into session-local staging tables."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

STAGE_COLUMNS: dict[str, list[str]] = {
    "reports": [
        "row_number",
        "source",
        "external_id",
        "category",
        "category_raw",
        "observed_epoch",
        "status",
        "description",
        "address",
        "postcode",
        "commune",
        "x",
        "y",
        "input_crs",
        "geocode_status",
        "extra",
        "contact_name",
        "contact_phone",
        "contact_email",
    ],
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
    if kind == "reports":
        frame = frame.assign(observed_epoch=_epoch_seconds(frame["observed_at"]))
    elif kind == "visits":
        frame = frame.assign(visited_epoch=_epoch_seconds(frame["visited_at"]))
    return frame[STAGE_COLUMNS[kind]]


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as headerless CSV, written by Arrow (no Python loop over rows); NULL is an unquoted empty field."""
    if frame.empty:
        return b""
    buffer = io.BytesIO()
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), buffer, write_options=options)
    return buffer.getvalue()


def copy_statement(table: str, columns: list[str]) -> sql.Composed:
    return sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )


@contextmanager
def streaming_copy(conn: psycopg.Connection[Any], table: str, columns: list[str]) -> Iterator[psycopg.Copy]:
    """One COPY kept open for a whole batch. Writes are queued to a thread, so Python validates the next chunk
    while the server parses this one (the two cores work at once)."""
    with conn.cursor() as cur, cur.copy(copy_statement(table, columns), writer=QueuedLibpqWriter(cur)) as copy:
        yield copy


def copy_frame(conn: psycopg.Connection[Any], table: str, frame: pd.DataFrame) -> None:
    """COPY a small DataFrame into ``table`` in one go."""
    if frame.empty:
        return
    with conn.cursor() as cur, cur.copy(copy_statement(table, list(frame.columns))) as copy:
        copy.write(csv_bytes(frame))
