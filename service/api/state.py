"""What a server process holds for its application, typed and built once in the lifespan: the settings, the two
connection pools and their slots, whether the database answers, the change watcher, the analysis refresh, the
checked sessions, the ready-to-send bodies, the map's background, the imports running and the address geocoder.

Routes reach it through :func:`state_of` (``request.app.state.hotspots``); nothing is added to it later. What is
built from the database on first use (the geocoder, the map's addresses) is forgotten after ``hotspots db
restore``, and the pools are replaced after a restore or an outage (:mod:`service.api.availability`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
import psycopg
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from psycopg_pool import ConnectionPool, PoolClosed

from service.api.availability import DatabaseAvailability, give_back
from service.api.cache import CACHES, Body, BodyCache, data_version
from service.api.digest_calendar import DigestCalendar
from service.api.imports import ImportJobs
from service.api.map_background import MapBackground
from service.api.refresh import AnalysisRefresher
from service.api.retention import RetentionKeeper
from service.api.sessions import SessionMemo
from service.api.watch import DataWatcher, Kind
from service.db import open_pool, resolve_conninfo
from service.geocode import BatchGeocoder
from service.geocode.apply import batch_geocoder
from service.settings import Settings

#: Connections kept for looking up sessions, beside the main pool (see ``deps.optional_user``).
SESSION_POOL_SIZE = 2

PoolName = Literal["pool", "session_pool"]


@dataclass
class AppState:
    """One application's state; see the module docstring."""

    settings: Settings
    pool: ConnectionPool
    session_pool: ConnectionPool
    database: DatabaseAvailability
    watcher: DataWatcher
    refresher: AnalysisRefresher
    digests: DigestCalendar
    retention: RetentionKeeper
    #: requests wait for a free connection here, in the event loop (see ``deps._connection``)
    connection_slots: anyio.Semaphore
    session_slots: anyio.Semaphore
    sessions: SessionMemo = field(default_factory=SessionMemo)
    caches: dict[str, BodyCache] = field(default_factory=dict)
    background: MapBackground = field(default_factory=MapBackground)
    imports: ImportJobs = field(init=False)  # the map's imports, run in the background
    _geocoder: BatchGeocoder | None = None
    _geocoder_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.imports = ImportJobs(self.pooled)

    @classmethod
    def open(cls, settings: Settings) -> AppState:
        """Pools opened (their first connections made), the watcher ready to start, the caches empty."""
        conninfo = resolve_conninfo(settings)
        state = cls(
            settings=settings,
            pool=open_pool(settings),
            session_pool=open_pool(settings, max_size=SESSION_POOL_SIZE),
            database=DatabaseAvailability(conninfo),
            watcher=DataWatcher(conninfo),
            refresher=AnalysisRefresher(settings),
            digests=DigestCalendar(settings),
            retention=RetentionKeeper(settings),
            connection_slots=anyio.Semaphore(settings.pool_max_size),
            session_slots=anyio.Semaphore(SESSION_POOL_SIZE),
            caches={name: BodyCache(settings.map_cache_seconds) for name in CACHES},
        )
        state.database.on_recovery(state.renew_pools)
        state.watcher.on_restore(state.after_restore)
        state.watcher.on_change(state.changed)
        return state

    def close(self) -> None:
        """Stop the watcher, the analysis refresh, the digests' calendar and the retention, and close both pools,
        at the application's shutdown."""
        self.refresher.stop()
        self.digests.stop()
        self.retention.stop()
        self.watcher.stop()
        self.session_pool.close()
        self.pool.close()

    # -- connections -------------------------------------------------------------------------------------------

    def checkout(self, name: PoolName = "pool") -> tuple[ConnectionPool, psycopg.Connection[Any]]:
        """A connection of the pool ``name`` and that pool (refused at once while the database is down). A pool
        replaced meanwhile is left for the new one."""
        self.database.admit()
        for attempt in range(3):
            pool: ConnectionPool = getattr(self, name)
            try:
                return pool, pool.getconn()
            except PoolClosed:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    @contextmanager
    def pooled(self, name: PoolName = "pool") -> Iterator[psycopg.Connection[Any]]:
        """Like ``pool.connection()``, refused at once while the database is down; given back to its own pool."""
        pool, conn = self.checkout(name)
        try:
            yield conn
        except BaseException:
            give_back(pool, conn, False)
            raise
        give_back(pool, conn, True)

    def renew_pools(self) -> None:
        """Replace both pools by new ones; the old ones are closed in the background, and the connections out of
        them are closed when they are given back (:meth:`checkout` hands each back to the pool it came from)."""
        old = [self.pool, self.session_pool]
        self.pool = open_pool(self.settings, wait=False)
        self.session_pool = open_pool(self.settings, max_size=SESSION_POOL_SIZE, wait=False)
        for pool in old:
            threading.Thread(target=pool.close, kwargs={"timeout": 10}, name="ancien-pool", daemon=True).start()

    def after_restore(self) -> None:
        """``hotspots db restore`` replaced the database: new connections, and what was built from the old one is
        built again when next needed (kept bodies and sessions follow with the change notifications)."""
        self.renew_pools()
        with self._geocoder_lock:
            self._geocoder = None
        self.background.forget()

    # -- what is built from the data ---------------------------------------------------------------------------

    def geocoder(self, conn: psycopg.Connection[Any]) -> BatchGeocoder | None:
        """The address geocoder, built once from the register with the request's own connection (None, and asked
        again next time, while no register is loaded)."""
        with self._geocoder_lock:
            if self._geocoder is None:
                self._geocoder = batch_geocoder(conn)
            return self._geocoder

    async def cached_body(
        self, cache: str, key: tuple[Hashable, ...], make: Callable[[psycopg.Connection[Any]], Body]
    ) -> Body:
        """The body for ``key`` at the current version of its data, made on a pooled connection when missing.

        While the process follows the change notifications, a kept body is found in memory on the event loop: no
        worker thread, no connection, no query. Otherwise, and to make a body, one worker thread takes one pooled
        connection (after a free slot, as every route does) and reads the version from the database.
        """
        kind = CACHES[cache]
        followed = self.watcher.version(kind)
        if followed is not None:
            body = self.caches[cache].fresh((*key, "notifiee", followed))
            if body is not None:
                return body
        async with self.connection_slots:
            return await run_in_threadpool(self._get_or_make, cache, key, followed, make)

    def _get_or_make(
        self,
        cache: str,
        key: tuple[Hashable, ...],
        followed: tuple[int, int] | None,
        make: Callable[[psycopg.Connection[Any]], Body],
    ) -> Body:
        bodies = self.caches[cache]
        with self.pooled() as conn:
            if followed is not None:  # a version that moves only once the change is readable: kept until it moves
                return bodies.get_or_make((*key, "notifiee", followed), lambda: make(conn), timeless=True)
            return bodies.get_or_make((*key, "lue", data_version(conn, CACHES[cache])), lambda: make(conn))

    def changed(self, kind: Kind) -> None:
        """A change notification: sessions are checked again after an account change; bodies made from data of
        ``kind`` are dropped (never given again, they would only take memory until pushed out)."""
        if kind == "comptes":
            self.sessions.clear()
            return
        for name, made_from in CACHES.items():
            if made_from == kind:
                self.caches[name].clear()


def state_of(source: Request | FastAPI) -> AppState:
    """The state of the application serving ``source`` (a request, or the application itself)."""
    app = source.app if isinstance(source, Request) else source
    state: AppState = app.state.hotspots
    return state
