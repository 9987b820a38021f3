"""The server brings the sensitive points up to date by itself (:mod:`service.analyse.refresh`).

Every ``analysis_refresh_minutes`` a thread of each server process asks whether an analysis is due (reports
written since the last one, or the last one older than ``analysis_max_age_hours``) and runs it then. The
analyses' lock makes the processes of ``--workers N`` take turns: the first runs it, the others then find it up
to date. The new points reach the map through the change notifications, like any analysis. The run happens in
this process: meanwhile its answers wait a little more for the processor (a few seconds on a zone's reports).
"""

from __future__ import annotations

import logging
import threading

import pandas as pd

from service.analyse.refresh import refresh_analysis
from service.errors import HotspotsError
from service.settings import Settings

log = logging.getLogger(__name__)

#: How long the server's shutdown waits for a running analysis (it is rolled back if the process ends first).
STOP_SECONDS = 5.0


class AnalysisRefresher:
    """The refresh thread of one server process; nothing runs when ``analysis_refresh_minutes`` is 0."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
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
        """One check, and the analysis if it is due: why it ran, or None. A failure is logged, never raised (the
        next check tries again)."""
        try:
            reason, summary = refresh_analysis(self.settings, now=pd.Timestamp.now(tz="UTC"))
        except HotspotsError as exc:  # the analysis refuses these reports (too few, misplaced): said in one line
            log.warning("Analyse automatique impossible : %s", exc.message)
            return None
        except Exception:
            log.exception(
                "Analyse automatique : échec (nouvel essai dans %s min)", self.settings.analysis_refresh_minutes
            )
            return None
        if reason is not None and summary is not None:
            log.info(
                "Analyse automatique n° %s (%s) : %s points sensibles, %s axes",
                summary["run"],
                reason,
                summary["points_sensibles"],
                summary["axes_problematiques"],
            )
        return reason

    def stop(self) -> None:
        """Stop checking; a running analysis is given a few seconds to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=STOP_SECONDS)
