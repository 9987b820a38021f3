"""The server brings the sensitive points up to date by itself (:mod:`service.analyse.refresh`).

Every ``analysis_refresh_minutes`` a thread of each server process asks whether an analysis is due (reports
written since the last one, or the last one older than ``analysis_max_age_hours``) and runs it then. The
analyses' lock makes the processes of ``--workers N`` take turns: the first runs it, the others then find it up
to date. The new points reach the map through the change notifications, like any analysis.

The analysis runs in a process of its own, started for it (``spawn``): its minutes of computing on a large
city's reports do not hold the server's answers back (one Python process runs one thread at a time), and an
analysis that fails badly — memory exhausted, killed by the system — takes only itself down; the server logs it
and tries again at the next check. The check itself (one query) stays in the server: no process is started when
nothing is due.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import traceback
from collections.abc import Callable
from datetime import timedelta
from multiprocessing.connection import Connection
from typing import Any

import pandas as pd

from service.analyse.refresh import analysis_due, refresh_analysis
from service.db import connect
from service.errors import HotspotsError
from service.settings import Settings

log = logging.getLogger(__name__)

#: How long the server's shutdown waits for a running analysis before stopping its process (its transaction is
#: then rolled back by the database).
STOP_SECONDS = 5.0

#: What the analysis process sends back: ("fait", why, summary), ("refus", message, None) or ("echec", trace, None).
Outcome = tuple[str, str | None, dict[str, Any] | None]
Work = Callable[[Settings, pd.Timestamp, Connection], None]


def analyse_in_child(settings: Settings, now: pd.Timestamp, out: Connection) -> None:
    """The body of the analysis process: :func:`refresh_analysis`, and what became of it sent through ``out``."""
    try:
        reason, summary = refresh_analysis(settings, now=now)
        out.send(("fait", reason, summary))
    except HotspotsError as exc:  # the analysis refuses these reports (too few, misplaced): said in one line
        out.send(("refus", exc.message, None))
    except Exception:
        out.send(("echec", traceback.format_exc(), None))
    finally:
        out.close()


class AnalysisRefresher:
    """The refresh thread of one server process; nothing runs when ``analysis_refresh_minutes`` is 0. ``work`` is
    what the analysis process runs (:func:`analyse_in_child`; a test gives another)."""

    def __init__(self, settings: Settings, *, work: Work = analyse_in_child) -> None:
        self.settings = settings
        self.work = work
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start checking, the first time one interval after the server's start."""
        if self.settings.analysis_refresh_minutes <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="analyse-auto", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(60.0 * self.settings.analysis_refresh_minutes):
            self.tick()

    def tick(self) -> str | None:
        """One check, and the analysis in its own process if it is due: why it ran, or None. A failure is logged,
        never raised (the next check tries again)."""
        now = pd.Timestamp.now(tz="UTC")
        retry = f"nouvel essai dans {self.settings.analysis_refresh_minutes} min"
        try:
            with connect(self.settings) as conn:
                due = analysis_due(
                    conn, now=now.to_pydatetime(), max_age=timedelta(hours=self.settings.analysis_max_age_hours)
                )
        except Exception:
            log.exception("Analyse automatique : vérification impossible (%s)", retry)
            return None
        if due is None:
            return None
        try:
            outcome, exit_code = self._in_child(now)
        except Exception:  # the process could not even start (resources): the next check tries again
            log.exception("Analyse automatique : processus impossible à lancer (%s)", retry)
            return None
        if outcome is None:
            log.error("Analyse automatique : son processus s'est arrêté sans finir (code %s) ; %s", exit_code, retry)
            return None
        kind, words, summary = outcome
        if kind == "refus":
            log.warning("Analyse automatique impossible : %s", words)
            return None
        if kind == "echec":
            log.error("Analyse automatique : échec (%s)\n%s", retry, words)
            return None
        if words is not None and summary is not None:
            log.info(
                "Analyse automatique n° %s (%s) : %s points sensibles, %s axes",
                summary["run"],
                words,
                summary["points_sensibles"],
                summary["axes_problematiques"],
            )
        return words

    def _in_child(self, now: pd.Timestamp) -> tuple[Outcome | None, int | None]:
        """Run ``work`` in a new process and wait for it: (what it sent, its exit code); what it sent is None when
        it ended without a word (killed, out of memory) or the server is stopping (the process is then stopped)."""
        context = multiprocessing.get_context("spawn")
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=self.work, args=(self.settings, now, send), name="hotspots-analyse")
        child.start()
        send.close()  # the child's end: when it ends, the pipe says so
        try:
            while not receive.poll(0.5):
                if not child.is_alive() or self._stop.is_set():
                    break
            outcome: Outcome | None = receive.recv() if receive.poll() else None
        except EOFError:
            outcome = None
        finally:
            child.join(timeout=STOP_SECONDS)
            if child.is_alive():
                child.terminate()
                child.join()
            receive.close()
        return outcome, child.exitcode

    def stop(self) -> None:
        """Stop checking; a running analysis is given a few seconds to end, then its process is stopped."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * STOP_SECONDS)
