"""Large first loads: rows are COPYed straight into the empty table, whose indexes are then built once.

A large file arriving when the table holds nothing yet (the first import of a history) skips the staging table
and the merge: no stored row can collide with it, and in-file repeats are removed while it streams. Inside the
batch's transaction the table is locked, emptied with TRUNCATE (foreign keys of other tables pointing at it are
set aside meanwhile), stripped of its full indexes, filled with ``COPY ... FREEZE`` and given its indexes and
keys back. A new, empty file is then written without going through the write-ahead log when the server runs
with ``wal_level = minimal`` (the managed cluster does), and its rows need no later freezing by autovacuum. If
anything fails, the rollback restores the table, its indexes and its keys as they were.

The table stays locked (readers wait) until the batch commits: acceptable for an empty table, which is why
only first loads take this path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from service.db.queries import Queries
from service.ingest.load import REPORT_DIRECT_COLUMNS
from service.ingest.stream import Clock, Span, Streamed, Target

_PKG = "service.ingest"


_q = Queries(_PKG, "bulk.sql")


@dataclass
class Suspended:
    """What :func:`empty_for_load` set aside, to put back with :func:`restore_after_load`."""

    table: str
    foreign_keys: list[tuple[str, str, str, str]] = field(default_factory=list)  # schema, table, name, definition
    constraints: list[tuple[str, str]] = field(default_factory=list)  # name, definition
    indexes: list[str] = field(default_factory=list)  # CREATE INDEX statements

    @property
    def rebuilt(self) -> int:
        """How many keys and indexes are built again."""
        return len(self.constraints) + len(self.indexes)


def _is_empty(conn: psycopg.Connection[Any], table: str) -> bool:
    row = conn.execute(sql.SQL(_q("is_empty")).format(table=sql.Identifier(table))).fetchone()
    return bool(row and row[0])


def direct_load_possible(conn: psycopg.Connection[Any], table: str, size: int, min_bytes: int) -> bool:
    """Whether a file of ``size`` bytes goes straight into ``table``: large enough, and the table empty.

    The emptiness is checked again under an exclusive lock (a concurrent batch may have filled it meanwhile);
    the lock is kept until the end of the batch either way.
    """
    if size < min_bytes or not _is_empty(conn, table):
        return False
    conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(table)))
    return _is_empty(conn, table)


def empty_for_load(conn: psycopg.Connection[Any], table: str) -> Suspended:
    """TRUNCATE the (empty, locked) table and drop its keys and full indexes."""
    params = {"table": table}
    held = Suspended(table)
    for schema, other, name, definition in conn.execute(_q("referencing_keys"), params).fetchall():
        held.foreign_keys.append((str(schema), str(other), str(name), str(definition)))
    for name, definition in conn.execute(_q("own_constraints"), params).fetchall():
        held.constraints.append((str(name), str(definition)))
    indexes = conn.execute(_q("own_full_indexes"), params).fetchall()
    held.indexes = [str(ddl) for _name, ddl in indexes]
    for schema, other, name, _definition in held.foreign_keys:
        conn.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(schema, other), sql.Identifier(name))
        )
    conn.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(table)))
    for name, _definition in reversed(held.constraints):
        conn.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(table), sql.Identifier(name)))
    for name, _ddl in indexes:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    return held


def restore_after_load(conn: psycopg.Connection[Any], held: Suspended) -> None:
    """Build the keys and indexes again from their own definitions (sorted builds), then the foreign keys."""
    conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
    table = sql.Identifier(held.table)
    for name, definition in held.constraints:
        conn.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(table, sql.Identifier(name))
            + sql.SQL(definition)  # the server's own text for this constraint
        )
    for ddl in held.indexes:
        conn.execute(ddl.encode())
    for schema, other, name, definition in held.foreign_keys:
        conn.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(sql.Identifier(schema, other), sql.Identifier(name))
            + sql.SQL(definition)
        )


def first_id(conn: psycopg.Connection[Any], table: str) -> int:
    """The first id of the rows about to be loaded (ids are given by the loader, not per row by the server)."""
    row = conn.execute(_q("first_id"), {"table": table}).fetchone()
    assert row is not None
    return int(row[0])


def last_id(conn: psycopg.Connection[Any], table: str, last: int) -> None:
    """Move the table's id sequence past the ids the loader gave."""
    conn.execute(_q("last_id"), {"table": table, "last": last})


def load_direct(
    conn: psycopg.Connection[Any],
    kind: str,
    batch_id: int,
    stream: Callable[..., Streamed],
    span: Span,
    clock: Clock,
) -> Streamed | None:
    """Stream the file straight into the emptied table (see the notes of this module).

    Returns None when the file repeats a key, which the table's unique key finds when it is built: the
    savepoint then undoes the load, and the batch goes through staging, where repeats are sorted out.
    """
    try:
        with conn.transaction():  # a savepoint: TRUNCATE and COPY FREEZE happen inside it
            held = empty_for_load(conn, kind)
            target = Target(kind, REPORT_DIRECT_COLUMNS, binary=True, batch_id=batch_id, direct=True)
            target.next_id = first_id(conn, kind)
            streamed = stream(target=target, span=span)
            if streamed.loaded:
                last_id(conn, kind, target.next_id - 1)
            restore_after_load(conn, held)
            clock.lap("index")
    except psycopg.errors.UniqueViolation:
        clock.lap("reprise")
        return None
    return streamed
