"""Ready-to-send bodies (JSON encoded once, gzipped once) for what every map asks for again and again: report
aggregates per view, the sensitive points and the axes.

Keys carry a data version, so a change to the reports, the analysis or the visits makes new bodies at once. The
version is the one this process counts from the database's change notifications (:mod:`service.api.watch`), and
bodies under it are kept until it moves. While notifications are not followed, it is read from the database's
counters (:func:`data_version`) and ``map_cache_seconds`` bounds how long a body is kept (those counters move
before the change is committed: a body made in between could otherwise miss it for good). Each application has
its own caches (:class:`service.api.state.AppState`, which also finds or makes a body:
:meth:`~service.api.state.AppState.cached_body`); ``map_cache_seconds = 0`` turns them off.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Literal

import psycopg
from fastapi import Request
from fastapi.responses import Response

GZIP_FROM_BYTES = 1024
#: A body past its time is still given, while a fresh one is made, up to this many times its lifetime.
STALE_FACTOR = 10


@dataclass(frozen=True)
class Body:
    """A response body encoded once: its bytes, its gzipped bytes when worth it, and its media type."""

    raw: bytes
    gzipped: bytes | None
    media_type: str


def encode(data: Any, media_type: str) -> Body:
    """``data`` (JSON-able, or bytes as they are) as a :class:`Body`, gzipped when large enough to gain from it."""
    raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    gzipped = gzip.compress(raw, compresslevel=5) if len(raw) >= GZIP_FROM_BYTES else None
    return Body(raw, gzipped, media_type)


class BodyCache:
    """Least-recently-used bodies, fresh for ``seconds``; then still given while one request makes the new body.

    A body whose key holds a version followed by the change notifications (``timeless``) stays fresh until
    that version moves: no time limit, hence no periodic remaking of what did not change.
    """

    def __init__(self, seconds: float, max_entries: int = 512) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._items: OrderedDict[Hashable, tuple[float, Body, bool]] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[Hashable, threading.Lock] = {}

    def fresh(self, key: Hashable) -> Body | None:
        """The body if it is there and fresh, without waiting for anything (callable from the event loop)."""
        if self.seconds <= 0:
            return None
        with self._lock:
            found = self._items.get(key)
            if found is None or not self._is_fresh(found):
                return None
            self._items.move_to_end(key)
            return found[1]

    def _is_fresh(self, entry: tuple[float, Body, bool]) -> bool:
        made, _body, timeless = entry
        return timeless or time.monotonic() - made < self.seconds

    def _lookup(self, key: Hashable) -> tuple[Body | None, Body | None, threading.Lock]:
        """(fresh body, stale body, the key's lock): a stale body is one past its time but kept to answer while
        one request makes the new one."""
        with self._lock:
            found = self._items.get(key)
            making = self._making.setdefault(key, threading.Lock())
            if found is None:
                return None, None, making
            self._items.move_to_end(key)
            if self._is_fresh(found):
                return found[1], None, making
            stale = time.monotonic() - found[0] < STALE_FACTOR * self.seconds
            return None, (found[1] if stale else None), making

    def get_or_make(self, key: Hashable, make: Callable[[], Body], *, timeless: bool = False) -> Body:
        """The cached body, or one made once: concurrent requests for the same key wait for the first, unless an
        older body is there to give them meanwhile (a view asked for again and again never stalls its users each
        time its body expires)."""
        if self.seconds <= 0:
            return make()
        fresh, stale, making = self._lookup(key)
        if fresh is not None:
            return fresh
        if stale is not None and not making.acquire(blocking=False):
            return stale  # another request is making the new body
        if stale is None:
            making.acquire()
        try:
            fresh, _stale, _making = self._lookup(key)
            if fresh is None:
                fresh = make()
                with self._lock:
                    self._items[key] = (time.monotonic(), fresh, timeless)
                    self._items.move_to_end(key)
                    while len(self._items) > self.max_entries:
                        evicted, _entry = self._items.popitem(last=False)
                        self._making.pop(evicted, None)
            return fresh
        finally:
            making.release()

    def clear(self) -> None:
        """Forget every body (their data changed); locks of bodies being made stay with their makers."""
        with self._lock:
            self._items.clear()
            self._making = {key: lock for key, lock in self._making.items() if lock.locked()}


#: The counters that move when the data behind kept bodies change (migrations 0009 and 0010, moved by triggers).
_VERSION_QUERIES = {
    "analyse": "SELECT last_value, is_called FROM analysis_data_version",
    "signalements": "SELECT last_value, is_called FROM report_data_version",
}


def data_version(conn: psycopg.Connection[Any], what: Literal["analyse", "signalements"]) -> tuple[Any, ...]:
    """Where the sensitive points, axes and visits (``analyse``) or the reports (``signalements``) are at: part
    of the key of every body made from them, so that a change makes new bodies at once."""
    row = conn.execute(_VERSION_QUERIES[what]).fetchone()
    return tuple(row) if row else ()


#: Each cache of the application's state (:class:`service.api.state.AppState`) and the data its bodies are made
#: from.
CACHES: dict[str, Literal["analyse", "signalements"]] = {
    "analyse": "analyse",
    "carte": "signalements",
    "carte_publique": "signalements",
}


def respond(request: Request, body: Body, *, max_age: int = 0, public: bool = False) -> Response:
    """The body, gzipped when the client accepts it; browsers keep it ``max_age`` seconds (privately unless
    ``public``: the planning data needs a login)."""
    scope = "public" if public else "private"
    headers = {"Cache-Control": f"{scope}, max-age={max_age}" if max_age else "no-cache", "Vary": "Accept-Encoding"}
    if body.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(body.gzipped, media_type=body.media_type, headers=headers)
    return Response(body.raw, media_type=body.media_type, headers=headers)
