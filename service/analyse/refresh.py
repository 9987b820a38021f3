"""Keep the sensitive points up to date without anyone typing a command.

New reports arrive all day (a file imported, a citizen's report through Open311, an address settled on the map),
but the points and axes only change when an analysis runs. An analysis is **due** when the reports have been
written since the last one read them (every write moves the counter ``report_data_version``, and each run keeps
the value it saw), or when the last one is older than ``max_age`` (a quiet place becomes « résolu » with time
alone), or when there is none. :func:`refresh_analysis` runs one only then, under the lock every analysis takes,
so that the server's refresh (:mod:`service.api.refresh`), ``hotspots analyse --si-necessaire`` from a system
timer and a person's ``hotspots analyse`` never run two at once nor one for nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import psycopg

from service.analyse.store import lock_analysis, run_analysis, stored_queries
from service.db import connect
from service.settings import Settings


def analysis_due(conn: psycopg.Connection[Any], *, now: datetime, max_age: timedelta) -> str | None:
    """Why an analysis is due, in words, or None when the stored one is up to date."""
    queries = stored_queries()
    last = conn.execute(queries("last_run")).fetchone()
    if last is None:  # none yet: due once there are reports (a new service has nothing to analyse)
        return "aucune analyse en base" if conn.execute(queries("any_report")).fetchone() else None
    run, started, seen = last
    row = conn.execute(queries("report_version")).fetchone()
    current = row[0] if row else None
    if current is not None and (seen is None or current > seen):
        return f"signalements modifiés depuis l'analyse n° {run}"
    if now - started >= max_age:
        return f"l'analyse n° {run} a plus de {max_age.total_seconds() / 3600:g} h"
    return None


def refresh_analysis(settings: Settings, *, now: pd.Timestamp) -> tuple[str | None, dict[str, Any] | None]:
    """(why, the analysis's summary) when one was due and has run; (None, None) when the stored one is up to date.
    The check and the run hold the analyses' lock: a second caller waits, then finds nothing to do."""
    max_age = timedelta(hours=settings.analysis_max_age_hours)
    with connect(settings) as conn:
        lock_analysis(conn)
        reason = analysis_due(conn, now=now.to_pydatetime(), max_age=max_age)
        if reason is None:
            return None, None
        return reason, run_analysis(conn, settings, now=now)
