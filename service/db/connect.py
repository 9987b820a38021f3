"""Connections: resolve where the database is, open single connections or a pool."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from service.errors import DatabaseError
from service.settings import Settings


def resolve_conninfo(settings: Settings) -> str:
    """The connection string: ``DATABASE_URL`` when given, else the managed cluster's socket."""
    if settings.database_url:
        return settings.database_url
    from service.db.cluster import ClusterManager

    return ClusterManager(settings).conninfo()


def _configure(conn: psycopg.Connection[Any], settings: Settings) -> None:
    conn.execute("SET TIME ZONE 'Europe/Brussels'")
    # staging tables of large imports live in session memory; must be set before a session's first temp table
    conn.execute("SET temp_buffers = '256MB'")
    if settings.statement_timeout_ms:
        conn.execute(f"SET statement_timeout = {int(settings.statement_timeout_ms)}")
    conn.commit()


def connect(settings: Settings, *, autocommit: bool = False) -> psycopg.Connection[Any]:
    """One connection, configured like the pool's (time zone, statement timeout)."""
    try:
        conn = psycopg.connect(resolve_conninfo(settings), autocommit=False)
    except psycopg.OperationalError as exc:
        raise DatabaseError(
            f"Connexion à la base impossible : {str(exc).strip()}",
            hint="Démarrez la base avec « hotspots db up » ou vérifiez DATABASE_URL.",
        ) from exc
    _configure(conn, settings)
    conn.autocommit = autocommit
    return conn


def open_pool(settings: Settings, *, min_size: int = 1, max_size: int | None = None) -> ConnectionPool:
    """A psycopg pool whose connections are configured like :func:`connect`'s (``pool_max_size`` at most unless
    ``max_size`` is given)."""
    pool = ConnectionPool(
        resolve_conninfo(settings),
        min_size=min_size,
        max_size=max_size or settings.pool_max_size,
        configure=lambda conn: _configure(conn, settings),
        open=False,
    )
    try:
        pool.open(wait=True, timeout=30)
    except Exception as exc:
        pool.close()
        raise DatabaseError(f"Ouverture du pool de connexions impossible : {exc}") from exc
    return pool


def ensure_database(settings: Settings) -> str:
    """Bring the database to a usable state: start the managed cluster if needed, apply migrations."""
    from service.db.migrate import migrate

    if settings.managed:
        from service.db.cluster import ClusterManager

        ClusterManager(settings).up()
    with connect(settings) as conn:
        migrate(conn)
    return resolve_conninfo(settings)
