"""The database's change notifications, followed by each server process in a thread of its own.

Triggers (migration 0011) send ``pg_notify('hotspots_donnees', …)`` when reports, the analysis results, visits,
sessions or accounts change. PostgreSQL delivers a notification only once its transaction has committed, so a
version moved by one always means "the new data are readable now". That lets a process:

* key its ready-to-send bodies by a version it holds in memory, without asking the database on every request,
  and without the race of a counter that moves before the data are visible (a body made in between would stay
  under the new version);
* keep checked sessions in memory, and forget them all as soon as a session is revoked or an account changes.

While the watcher is not listening (starting, database restarted, a pooler that does not pass notifications),
:meth:`DataWatcher.version` returns None and callers ask the database as before.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Literal

import psycopg
import psycopg.conninfo

from service.db.notify import CHANNEL, RESTORED

Kind = Literal["signalements", "analyse", "comptes"]
KINDS: tuple[Kind, ...] = ("signalements", "analyse", "comptes")
#: How long a started watcher waits for its own test notification before it falls back to the database.
SELF_TEST_SECONDS = 5.0
#: The listening connection's name in pg_stat_activity.
APPLICATION = "hotspots-suivi"
#: How often the listening connection is checked (a server restarted or a network cut ends it).
HEARTBEAT_SECONDS = 30.0

log = logging.getLogger(__name__)


class DataWatcher:
    """Listens on :data:`CHANNEL` and counts, per kind, the changes committed since it started listening."""

    def __init__(self, conninfo: str, *, retry_seconds: float = 5.0, poll_seconds: float = 0.2) -> None:
        self._conninfo = conninfo
        self._retry = retry_seconds
        self._poll = poll_seconds
        self._lock = threading.Lock()
        self._counts: dict[Kind, int] = dict.fromkeys(KINDS, 0)
        self._epoch = 0  # one per (re)connection: versions of an earlier connection never match again
        self._up = False
        self._callbacks: list[Callable[[Kind], None]] = []
        self._restore_callbacks: list[Callable[[], None]] = []
        self._waiting: dict[str, threading.Event] = {}
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hotspots-watch", daemon=True)

    # -- what callers use --------------------------------------------------------------------------------------

    @property
    def up(self) -> bool:
        """Whether change notifications are being received (else callers ask the database's counters)."""
        return self._up

    def version(self, kind: Kind) -> tuple[int, int] | None:
        """The version of ``kind`` in this process, or None while changes are not being followed."""
        with self._lock:
            return (self._epoch, self._counts[kind]) if self._up else None

    def on_change(self, callback: Callable[[Kind], None]) -> None:
        """Call ``callback(kind)`` after each change (and for every kind when listening (re)starts)."""
        self._callbacks.append(callback)

    def on_restore(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` when ``hotspots db restore`` has replaced the database (before the kinds' own
        callbacks, which follow for every kind)."""
        self._restore_callbacks.append(callback)

    def sync(self, conn: psycopg.Connection[Any] | None = None, timeout: float = 2.0) -> bool:
        """Wait until every change committed before this call has been counted: sends a marker notification and
        waits for it (notifications arrive in commit order). False when not listening or on timeout."""
        if not self._up:
            return False
        marker = uuid.uuid4().hex
        event = self._waiting.setdefault(marker, threading.Event())
        try:
            if conn is None:
                with psycopg.connect(self._conninfo, autocommit=True) as own:
                    own.execute("SELECT pg_notify(%s, %s)", [CHANNEL, f"sync:{marker}"])
            else:
                conn.execute("SELECT pg_notify(%s, %s)", [CHANNEL, f"sync:{marker}"])
                if not conn.autocommit:
                    conn.commit()
            return event.wait(timeout)
        finally:
            self._waiting.pop(marker, None)

    def start(self) -> None:
        """Start listening, in a daemon thread (it never holds the process open at exit)."""
        self._thread.start()

    def wait_up(self, timeout: float) -> bool:
        """Wait until listening (True), or ``timeout`` seconds."""
        self._listening.wait(timeout)
        return self._up

    def stop(self) -> None:
        """Stop listening and wait a little for the thread to end; callers then see the watcher as down."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._poll * 5 + 1)
        self._up = False

    # -- the thread --------------------------------------------------------------------------------------------

    def _changed(self, kinds: tuple[Kind, ...]) -> None:
        with self._lock:
            for kind in kinds:
                self._counts[kind] += 1
        for kind in kinds:
            for callback in self._callbacks:
                callback(kind)

    def _handle(self, payload: str) -> None:
        if payload.startswith("sync:"):
            event = self._waiting.get(payload[5:])
            if event is not None:
                event.set()
            return
        kind = payload.split(":", 1)[0]
        if kind in KINDS:
            self._changed((kind,))
        elif kind == RESTORED:
            self._restored()

    def _restored(self) -> None:
        """Everything changed at once, and what was kept under the current epoch must never match again."""
        log.warning("Base restaurée : tout ce qui était gardé en mémoire est oublié, connexions comprises.")
        with self._lock:
            self._epoch += 1
        for callback in self._restore_callbacks:
            try:
                callback()
            except Exception:  # one failing callback must not stop the others nor the listening
                log.exception("Reprise après restauration incomplète")
        self._changed(KINDS)

    def _listen(self) -> None:
        # named in pg_stat_activity; TCP keepalives for a database reached over the network (not a Unix socket)
        keepalives = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
        conninfo = psycopg.conninfo.make_conninfo(self._conninfo, application_name=APPLICATION, **keepalives)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            marker = f"sync:{uuid.uuid4().hex}"
            conn.execute("SELECT pg_notify(%s, %s)", [CHANNEL, marker])
            # the database (or a pooler in front of it) must pass notifications, or nothing could be kept
            if not any(n.payload == marker for n in conn.notifies(timeout=SELF_TEST_SECONDS, stop_after=1)):
                log.warning("Les notifications de la base n'arrivent pas : les versions seront lues en base.")
                self._stop.wait(self._retry * 12)
                return
            with self._lock:
                self._epoch += 1
                self._up = True
            self._listening.set()
            self._changed(KINDS)  # anything may have changed while not listening
            checked = time.monotonic()
            while not self._stop.is_set():
                for notify in conn.notifies(timeout=self._poll):
                    self._handle(notify.payload)
                if time.monotonic() - checked > HEARTBEAT_SECONDS:  # a connection lost without a word shows here
                    conn.execute("SELECT 1")
                    checked = time.monotonic()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except psycopg.Error as exc:
                if not self._stop.is_set():
                    log.warning("Suivi des changements interrompu (%s) ; reprise dans %s s.", exc, self._retry)
            finally:
                self._up = False
                self._listening.clear()
            self._stop.wait(self._retry)
