"""Checked sessions kept in memory, so that a logged-in request does not wait for the database to know its user.

A session is kept at most ``SECONDS`` (and never past its expiry), and only while the process follows the
database's change notifications (:mod:`service.api.watch`): a revoked session, a disabled account or a changed
role makes every process forget all the sessions it had checked. Unknown tokens are never kept: each is looked up.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime

from service.accounts import User

SECONDS = 60.0
MAX_ENTRIES = 10_000


class SessionMemo:
    """Token digest → user, for sessions checked in the last ``seconds``."""

    def __init__(self, seconds: float = SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._items: OrderedDict[str, tuple[float, User]] = OrderedDict()
        self._lock = threading.Lock()
        self.generation = 0  # moves on each clear: a look-up started before a clear is not kept after it

    def get(self, token_digest: str) -> User | None:
        """The user of a session checked less than ``seconds`` ago, or None (then the database is asked)."""
        with self._lock:
            found = self._items.get(token_digest)
            if found is None:
                return None
            if time.monotonic() >= found[0]:
                del self._items[token_digest]
                return None
            return found[1]

    def put(self, token_digest: str, user: User, expires_at: datetime, generation: int) -> None:
        """Keep a session checked in the database, unless sessions were forgotten since the check began."""
        left = (expires_at - datetime.now(UTC)).total_seconds()
        if left <= 0:
            return
        with self._lock:
            if generation != self.generation:
                return
            self._items[token_digest] = (time.monotonic() + min(self.seconds, left), user)
            self._items.move_to_end(token_digest)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every session (after a change of accounts), so that the next request asks the database."""
        with self._lock:
            self._items.clear()
            self.generation += 1
