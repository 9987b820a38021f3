"""COPY into PostgreSQL from pandas frames, and a table's indexes suspended around a large load.

Every stage that writes many rows at once (ingestion, the address register, the geocoder's results, the road
network) goes through these: CSV written by Arrow (no Python loop over rows), one ``COPY`` per frame or one kept
open for a whole batch.
"""

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


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as headerless CSV, written by Arrow (no Python loop over rows); NULL is an unquoted empty field."""
    if frame.empty:
        return b""
    buffer = io.BytesIO()
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), buffer, write_options=options)
    return buffer.getvalue()


def copy_statement(
    table: str, columns: list[str], *, binary: bool = False, freeze: bool = False, schema: str | None = None
) -> sql.Composed:
    """``COPY table (columns) FROM STDIN`` in CSV (or binary) format, names quoted as identifiers."""
    options = "FORMAT binary" if binary else "FORMAT csv"
    return sql.SQL("COPY {} ({}) FROM STDIN ({}{})").format(
        sql.Identifier(schema, table) if schema else sql.Identifier(table),
        sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        sql.SQL(options),
        sql.SQL(", FREEZE" if freeze else ""),
    )


@contextmanager
def streaming_copy(
    conn: psycopg.Connection[Any],
    table: str,
    columns: list[str],
    *,
    binary: bool = False,
    freeze: bool = False,
    queued: bool = True,
) -> Iterator[psycopg.Copy]:
    """One COPY kept open for a whole batch. Writes are queued to a thread, so Python validates the next chunk
    while the server parses this one (the two cores work at once); a small batch (``queued=False``) writes
    directly, without starting a thread."""
    statement = copy_statement(table, columns, binary=binary, freeze=freeze)
    with conn.cursor() as cur, cur.copy(statement, writer=QueuedLibpqWriter(cur) if queued else None) as copy:
        yield copy


def copy_frame(conn: psycopg.Connection[Any], table: str, frame: pd.DataFrame) -> None:
    """COPY a small DataFrame into ``table`` in one go (its columns are the table's columns of the same names)."""
    if frame.empty:
        return
    with conn.cursor() as cur, cur.copy(copy_statement(table, list(frame.columns))) as copy:
        copy.write(csv_bytes(frame))


@contextmanager
def indexes_suspended(conn: psycopg.Connection[Any], table: str) -> Iterator[int]:
    """Drop the table's indexes and unique constraints (not its primary key) for the block, then rebuild them
    from their own definitions.

    Inside the caller's transaction: if the block fails, the rollback restores them too. The table stays locked
    until the end of the transaction (readers wait), which is why only large loads into an empty table do this.
    """
    constraints = conn.execute(
        """SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
           WHERE c.conrelid = %s::regclass AND c.contype = 'u'""",
        (table,),
    ).fetchall()
    indexes = conn.execute(
        """SELECT i.relname, pg_get_indexdef(i.oid)
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
           WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)""",
        (table,),
    ).fetchall()
    for name, _definition in constraints:
        conn.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(table), sql.Identifier(name)))
    for name, _ddl in indexes:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    yield len(constraints) + len(indexes)
    conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for name, definition in constraints:
        conn.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(sql.Identifier(table), sql.Identifier(name))
            + sql.SQL(definition)  # the server's own text for this constraint
        )
    for _name, ddl in indexes:
        conn.execute(ddl)
