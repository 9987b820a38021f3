"""Whether the database answers, as this server process last saw it, and the pooled connections that follow.

When the database stops, every request must answer at once with a French 503 (and ``Retry-After``) instead of
a plain ``Internal Server Error`` or a 30 s wait for a pooled connection that cannot be made. So the first
request that meets a lost connection marks the database unavailable; while it is, requests are refused without
touching the pool, except one per second that tries a fresh connection. When that one gets through, the pools
are replaced by new ones (the old connections are dead, and the old pools may be waiting out long reconnection
delays) and requests are served again: the service comes back by itself.

The pools are also replaced after ``hotspots db restore`` (:mod:`service.api.watch` relays its notification):
connections opened before a restore keep PostGIS's type ids of the database that was dropped. The pools
themselves live in the application's state (:mod:`service.api.state`).
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import suppress
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout, TooManyRequests

from service.db.connect import describe_database_error, is_connection_failure
from service.errors import DatabaseUnavailableError

#: What clients are told to wait before asking again (seconds), and how often a fresh connection is tried.
RETRY_AFTER_SECONDS = 5
PROBE_EVERY_SECONDS = 1.0

log = logging.getLogger(__name__)


def unavailable(reason: str | None = None) -> DatabaseUnavailableError:
    """The French 503 answered while the database cannot be reached (with ``Retry-After``)."""
    detail = f" ({reason})" if reason else ""
    return DatabaseUnavailableError(
        f"La base de données est indisponible pour le moment{detail}.",
        hint="Réessayez dans quelques secondes ; si cela dure, l'administrateur vérifie la base "
        "(« hotspots db status ») et la redémarre (« hotspots db up »).",
        retry_after=RETRY_AFTER_SECONDS,
    )


def busy() -> DatabaseUnavailableError:
    """The French 503 answered when every connection is taken for too long (with ``Retry-After``)."""
    return DatabaseUnavailableError(
        "La base de données est trop occupée pour répondre maintenant.",
        hint="Réessayez dans quelques secondes.",
        retry_after=RETRY_AFTER_SECONDS,
    )


class DatabaseAvailability:
    """Up or down, as last seen; while down, one fresh connection is tried per ``probe_every`` seconds."""

    def __init__(self, conninfo: str, *, probe_every: float = PROBE_EVERY_SECONDS) -> None:
        self._conninfo = conninfo
        self._probe_every = probe_every
        self._lock = threading.Lock()
        self._probing = threading.Lock()
        self._down_since: float | None = None
        self._last_probe = 0.0
        self._last_answer: tuple[float, bool] = (0.0, True)
        self._on_recovery: list[Any] = []

    @property
    def down(self) -> bool:
        """Whether the database was last seen down (requests then get a 503 without waiting)."""
        return self._down_since is not None

    def on_recovery(self, callback: Any) -> None:
        """Call ``callback()`` when the database answers again after being marked down."""
        self._on_recovery.append(callback)

    def failed(self, exc: BaseException | None = None) -> None:
        """Mark the database down after a failed connection; the first failure is logged, later ones are not."""
        with self._lock:
            if self._down_since is None:
                self._down_since = time.monotonic()
                self._last_probe = self._down_since
                log.warning("Base de données indisponible (%s) : les requêtes reçoivent un 503.", exc)

    def _recovered(self) -> None:
        with self._lock:
            was_down = self._down_since is not None
            self._down_since = None
        if was_down:
            log.warning("La base de données répond de nouveau.")
            for callback in self._on_recovery:
                callback()

    def probe(self) -> bool:
        """Open a fresh connection and ask ``SELECT 1`` (at most 2 s)."""
        try:
            with psycopg.connect(self._conninfo, connect_timeout=2, autocommit=True) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error:
            ok = False
        else:
            ok = True
        self._last_answer = (time.monotonic(), ok)
        return ok

    def admit(self) -> None:
        """Return at once while the database is up; while it is down, raise a 503 at once, except for one request
        per ``probe_every`` seconds, which tries a fresh connection (and lets everything through if it works)."""
        if self._down_since is None:
            return
        now = time.monotonic()
        if now - self._last_probe < self._probe_every or not self._probing.acquire(blocking=False):
            raise unavailable()
        try:
            self._last_probe = now
            if not self.probe():
                raise unavailable()
            self._recovered()
        finally:
            self._probing.release()

    def answers(self, followed: bool) -> bool:
        """For ``/api/health``: whether the database answers. While the change notifications are followed (their
        connection breaks as soon as the database stops) and nothing failed, without asking; otherwise at most
        one fresh connection per ``probe_every`` seconds, the last answer serving in between."""
        if self._down_since is None and followed:
            return True
        if self._down_since is not None:
            try:
                self.admit()
            except DatabaseUnavailableError:
                return False
            return True
        at, ok = self._last_answer
        if time.monotonic() - at < self._probe_every or not self._probing.acquire(blocking=False):
            return ok
        try:
            ok = self.probe()
        finally:
            self._probing.release()
        if not ok:
            self.failed()
        return ok


def translate(database: DatabaseAvailability | None, exc: psycopg.OperationalError) -> DatabaseUnavailableError:
    """The French 503 for a database error met by a request; a lost connection marks the database down."""
    if isinstance(exc, (PoolTimeout, TooManyRequests)):
        return busy()
    if isinstance(exc, PoolClosed):
        return unavailable()
    if is_connection_failure(exc):
        if database is not None:
            database.failed(exc)
        return unavailable(describe_database_error(exc))
    return DatabaseUnavailableError(
        f"La base de données n'a pas pu répondre : {describe_database_error(exc)}.",
        hint="Réessayez dans quelques secondes.",
        retry_after=RETRY_AFTER_SECONDS,
    )


def give_back(pool: ConnectionPool, conn: psycopg.Connection[Any], success: bool) -> None:
    """Commit (or roll back) and return ``conn`` to ``pool``; a broken connection is simply handed back (the pool
    drops it), and a failed commit still raises once the connection is back."""
    try:
        if not conn.closed:
            if success:
                conn.commit()
            else:
                with suppress(psycopg.OperationalError):  # lost with its server: the pool drops it
                    conn.rollback()
    finally:
        pool.putconn(conn)
