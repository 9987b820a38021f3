"""Connections: resolve where the database is, open single connections or a pool."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from service.errors import DatabaseError
from service.settings import Settings


def resolve_conninfo(settings: Settings) -> str:
    """The connection string: ``DATABASE_URL`` when given, else the managed cluster's socket."""
    if settings.database_url:
        return settings.database_url
    from service.db.cluster import ClusterManager

    return ClusterManager(settings).conninfo()


#: SQLSTATEs that mean the server went away (administrator or crash shutdown, still starting or stopping).
_SERVER_GONE = {
    "57P01": "le serveur a été arrêté",
    "57P02": "le serveur a redémarré après un incident",
    "57P03": "le serveur démarre ou s'arrête",
}
#: What libpq says (in English) when it cannot reach or keep a server, and how a person should read it.
_CLIENT_SIDE = (
    ("no such file or directory", "aucun serveur n'écoute à cette adresse : la base est arrêtée"),
    ("connection refused", "aucun serveur n'écoute à cette adresse : la base est arrêtée"),
    ("server closed the connection", "la connexion au serveur a été coupée"),
    ("terminating connection", "la connexion au serveur a été coupée"),
    ("connection is closed", "la connexion au serveur a été coupée"),
    ("connection is lost", "la connexion au serveur a été coupée"),
    ("timeout expired", "le serveur ne répond pas (délai dépassé)"),
    ("could not translate host name", "nom d'hôte inconnu"),
    ("password authentication failed", "identifiant ou mot de passe de la base refusé"),
    ("does not exist", "base ou utilisateur inexistant"),
    ("the database system is", "le serveur démarre ou s'arrête"),
)


def is_connection_failure(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached or was lost (not a refused or timed-out query)."""
    if not isinstance(exc, psycopg.OperationalError):
        return False
    state = exc.sqlstate
    return state is None or state.startswith("08") or state in _SERVER_GONE


def describe_database_error(exc: BaseException) -> str:
    """A short French reason for a psycopg error (libpq's own text is English and technical)."""
    state = getattr(exc, "sqlstate", None)
    if state in _SERVER_GONE:
        return _SERVER_GONE[state]
    text = str(exc).lower()
    for needle, reason in _CLIENT_SIDE:
        if needle in text:
            return reason
    if state == "57014":
        return "requête interrompue (délai dépassé)"
    if state == "55P03":
        return "données verrouillées par une autre opération"
    return f"erreur de la base (code {state})" if state else "erreur de connexion à la base"


def _configure(conn: psycopg.Connection[Any], settings: Settings) -> None:
    conn.execute(sql.SQL("SET TIME ZONE {}").format(sql.Literal(settings.timezone)))
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
            f"Connexion à la base impossible : {describe_database_error(exc)}.",
            hint="Démarrez la base avec « hotspots db up » ou vérifiez DATABASE_URL.",
        ) from exc
    _configure(conn, settings)
    conn.autocommit = autocommit
    return conn


def open_pool(
    settings: Settings, *, min_size: int = 1, max_size: int | None = None, wait: bool = True
) -> ConnectionPool:
    """A psycopg pool whose connections are configured like :func:`connect`'s (``pool_max_size`` at most unless
    ``max_size`` is given); with ``wait``, its first connections are made before it is returned."""
    pool = ConnectionPool(
        resolve_conninfo(settings),
        min_size=min_size,
        max_size=max_size or settings.pool_max_size,
        configure=lambda conn: _configure(conn, settings),
        open=False,
    )
    try:
        pool.open(wait=wait, timeout=30)
    except Exception as exc:
        pool.close()
        raise DatabaseError(
            f"Ouverture du pool de connexions impossible : {describe_database_error(exc)}.",
            hint="Démarrez la base avec « hotspots db up » ou vérifiez DATABASE_URL.",
        ) from exc
    return pool


def start_database(settings: Settings) -> str:
    """Start the managed cluster when the service manages it (installing PostGIS the first time); nothing for an
    external ``DATABASE_URL``. Returns the connection string."""
    if settings.managed:
        from service.db.cluster import ClusterManager

        ClusterManager(settings).up()
    return resolve_conninfo(settings)


def ensure_database(settings: Settings) -> str:
    """Bring the database to a usable state: start the managed cluster if needed, apply migrations (``hotspots db
    up``, every command that writes, the demonstration; the server only checks: :func:`server_database`)."""
    from service.db.migrate import migrate

    conninfo = start_database(settings)
    with connect(settings) as conn:
        migrate(conn)
    return conninfo


def server_database(settings: Settings) -> int:
    """What the server does at start: start the managed cluster if needed and check that the schema is up to date
    (a French refusal naming ``hotspots db migrate`` when it is behind). Returns the schema version."""
    from service.db.migrate import check_schema

    start_database(settings)
    with connect(settings) as conn:
        return check_schema(conn)
