"""Connections: resolve where the database is, open single connections or a pool."""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool

from service.errors import DatabaseError
from service.settings import Settings


def resolve_conninfo(settings: Settings) -> str:
    """The connection string: ``DATABASE_URL`` when given, else the managed cluster's socket."""
    if settings.database_url:
        return settings.database_url
    from service.db.cluster import ClusterManager

    return ClusterManager(settings).conninfo()


def masked_conninfo(conninfo: str) -> str:
    """A connection string fit to be shown or logged: its password replaced by ``***`` (``hotspots db status``,
    ``/api/reglages``). A string that cannot be read is shown as ``(illisible)``, never as it is."""
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.Error:
        return "(illisible)"
    if "password" not in params:
        return conninfo
    if "://" in conninfo:
        scheme, rest = conninfo.split("://", 1)
        credentials, at, place = rest.rpartition("@")
        if at and ":" in credentials:
            return f"{scheme}://{credentials.split(':', 1)[0]}:***@{place}"
    return " ".join(f"{k}={'***' if k == 'password' else v}" for k, v in params.items())


def describe_target(settings: Settings) -> str:
    """Where the service looks for its database, in words: « serveur 127.0.0.1:5632, base commune, utilisateur
    app » (no password), so that a refusal says which server and which account it is about."""
    try:
        params = conninfo_to_dict(resolve_conninfo(settings))
    except psycopg.Error:
        return "DATABASE_URL illisible"
    host = params.get("host") or "socket local"
    place = f"{host}:{params['port']}" if params.get("port") else host
    parts = [f"serveur {place}", f"base {params.get('dbname') or params.get('user') or '(par défaut)'}"]
    if params.get("user"):
        parts.append(f"utilisateur {params['user']}")
    return ", ".join(parts)


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
    ("failed to resolve host", "nom d'hôte inconnu"),
    ("no route to host", "serveur injoignable (pas de route vers cette machine)"),
    ("network is unreachable", "serveur injoignable (réseau inaccessible)"),
    ("invalid response to ssl negotiation", "ce qui répond à cette adresse n'est pas un serveur PostgreSQL"),
    ("no password supplied", "mot de passe manquant"),
    ("no pg_hba.conf entry", "le serveur refuse les connexions de cette machine ou de cet utilisateur (pg_hba.conf)"),
    ("server does not support ssl", "le serveur n'accepte pas SSL, que la connexion exige (sslmode)"),
    ("permission denied for database", "l'utilisateur n'a pas le droit de se connecter à cette base (CONNECT)"),
    ("too many connections", "trop de connexions ouvertes sur le serveur"),
    ("remaining connection slots are reserved", "trop de connexions ouvertes sur le serveur"),
    ("server closed the connection", "la connexion au serveur a été coupée"),
    ("terminating connection", "la connexion au serveur a été coupée"),
    ("connection is closed", "la connexion au serveur a été coupée"),
    ("connection is lost", "la connexion au serveur a été coupée"),
    ("timeout expired", "le serveur ne répond pas (délai dépassé)"),
    ("could not translate host name", "nom d'hôte inconnu"),
    ("password authentication failed", "identifiant ou mot de passe de la base refusé"),
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
    missing = re.search(r'(database|role) "([^"]+)" does not exist', str(exc))
    if missing:
        kind = "la base" if missing.group(1) == "database" else "l'utilisateur"
        return f"{kind} « {missing.group(2)} » n'existe pas sur ce serveur"
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


def _connect_hint(settings: Settings, reason: str) -> str:
    """What to do about a refused connection: start the managed cluster, or correct the part of ``DATABASE_URL``
    the refusal is about (the service cannot start someone else's server)."""
    if settings.managed:
        return "Démarrez la base avec « hotspots db up » (« hotspots db status » dit où elle est et si elle tourne)."
    url_form = "postgresql://utilisateur:mot-de-passe@serveur:port/base"
    if "mot de passe" in reason:
        return f"Vérifiez l'utilisateur et le mot de passe de DATABASE_URL ({url_form})."
    if "n'existe pas" in reason:
        return (
            f"Corrigez DATABASE_URL ({url_form}) ou demandez à l'administrateur de PostgreSQL de créer ce qui manque."
        )
    if "pg_hba" in reason or "CONNECT" in reason:
        return "L'administrateur de PostgreSQL doit autoriser cet utilisateur depuis cette machine."
    return (
        f"Vérifiez le serveur et le port de DATABASE_URL ({url_form}) et que ce serveur PostgreSQL est démarré "
        "et joignable depuis cette machine (pare-feu)."
    )


def connection_refused(settings: Settings, exc: BaseException) -> DatabaseError:
    """The French error for a connection that could not be opened: why, to which server and as whom, and what to
    do (the command line and the server's start say this, not libpq's English)."""
    reason = describe_database_error(exc)
    return DatabaseError(
        f"Connexion à la base impossible ({describe_target(settings)}) : {reason}.",
        hint=_connect_hint(settings, reason),
    )


def _with_timeout(conninfo: str, settings: Settings) -> str:
    """The connection string with ``connect_timeout`` from the settings, unless it sets its own."""
    if "connect_timeout" in conninfo_to_dict(conninfo):
        return conninfo
    return make_conninfo(conninfo, connect_timeout=settings.db_connect_timeout_s)


def connect(settings: Settings, *, autocommit: bool = False) -> psycopg.Connection[Any]:
    """One connection, configured like the pool's (time zone, statement timeout); a server that does not answer
    within ``db_connect_timeout_s`` is given up (libpq would wait two minutes)."""
    try:
        conn = psycopg.connect(_with_timeout(resolve_conninfo(settings), settings), autocommit=False)
    except psycopg.OperationalError as exc:
        raise connection_refused(settings, exc) from exc
    _configure(conn, settings)
    conn.autocommit = autocommit
    return conn


def open_pool(
    settings: Settings, *, min_size: int = 1, max_size: int | None = None, wait: bool = True
) -> ConnectionPool:
    """A psycopg pool whose connections are configured like :func:`connect`'s (``pool_max_size`` at most unless
    ``max_size`` is given); with ``wait``, its first connections are made before it is returned."""
    pool = ConnectionPool(
        _with_timeout(resolve_conninfo(settings), settings),
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
            f"Ouverture du pool de connexions impossible ({describe_target(settings)}) : "
            f"{describe_database_error(exc)}.",
            hint=_connect_hint(settings, ""),
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
