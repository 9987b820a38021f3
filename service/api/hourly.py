"""What a server process looks at every hour by itself, in a thread of its own: the digests' calendar, the
retention of personal data. No system timer to set up."""

from __future__ import annotations

import threading

import pandas as pd

#: How often the thread looks.
CHECK_SECONDS = 3600.0


class HourlyCheck:
    """A thread that calls :meth:`tick` at the server's start, then every hour, until :meth:`stop`; it starts only
    when :meth:`wanted` (its setting asks for it)."""

    name = "hotspots"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wanted(self) -> bool:
        """Whether the settings ask for this check; a subclass may also refuse, in French, settings it cannot
        work with."""
        return True

    def start(self) -> None:
        """Start looking (once)."""
        if self._thread is not None or not self.wanted():
            return
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        self.tick(pd.Timestamp.now(tz="UTC"))
        while not self._stop.wait(CHECK_SECONDS):
            self.tick(pd.Timestamp.now(tz="UTC"))

    def tick(self, now: pd.Timestamp) -> object:
        """One look at ``now``; never raises (the next look tries again)."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop looking; a run under way is given a few seconds to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
