"""Bulk writes for ingestion: COPY of validated chunks into session-local staging tables."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql

STAGE_COLUMNS: dict[str, list[str]] = {
    "reports": [
        "row_number",
        "source",
        "external_id",
        "category",
        "category_raw",
        "observed_at",
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
        "visited_at",
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


def copy_frame(conn: psycopg.Connection[Any], table: str, frame: pd.DataFrame) -> None:
    """COPY a DataFrame into ``table`` as CSV written by Arrow (no Python loop over rows)."""
    if frame.empty:
        return
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    buffer = io.BytesIO()
    pacsv.write_csv(arrow, buffer, write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in frame.columns)
    )
    with conn.cursor() as cur, cur.copy(statement) as copy:
        view = buffer.getbuffer()
        step = 1 << 20
        for start in range(0, len(view), step):
            copy.write(view[start : start + step])
