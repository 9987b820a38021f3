"""The server erases the personal data whose retention is over by itself, once a day
(``HOTSPOTS_PERSONAL_RETENTION_MONTHS``): the contact details of the reporters of reports closed that long ago and
what their descriptions held of personal data, the personal columns of rows rejected by imports that old
(:func:`service.db.personal.erase_expired_personal_data`). Each erasure that removes something is written to the
access log; several server processes erase once between them (the second finds nothing left). The erasure gives
way to any other work: when a table it needs is locked (an import, a restore), it waits a moment, gives up and tries
again at the next hour, so that it can never hold up, nor be the cause of a deadlock with, what a person is doing.
``hotspots effacer-contacts`` does the same by hand, or from a system timer when the server is not running."""

from __future__ import annotations

import logging
from datetime import date

import pandas as pd
import psycopg

from service.api.hourly import HourlyCheck
from service.db import connect, personal
from service.db.personal import Erased, open_kept_words
from service.settings import Settings
from service.text import counted

log = logging.getLogger(__name__)

#: How long the erasure waits for a table that other work holds (below PostgreSQL's ``deadlock_timeout``, 1 s by
#: default, so that in a lock cycle it is the erasure that steps back).
LOCK_WAIT = "300ms"


class RetentionKeeper(HourlyCheck):
    """The retention's thread of one server process; nothing runs when the retention is 0 (kept for ever)."""

    name = "conservation-auto"

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self._done: date | None = None  # the last day erased (a failure tries again at the next hour)

    def wanted(self) -> bool:
        """When a retention is set."""
        return self.settings.personal_retention_months > 0

    def tick(self, now: pd.Timestamp) -> Erased | None:
        """Erase what expired, once a day: what went, or None when already done today or it failed (logged)."""
        today = now.tz_convert(self.settings.timezone).date()
        if not self.wanted() or self._done == today:
            return None
        months = self.settings.personal_retention_months
        try:
            with connect(self.settings) as conn:
                conn.execute(f"SET lock_timeout = '{LOCK_WAIT}'")
                erased = personal.erase_expired_personal_data(
                    conn, months=months, now=now.to_pydatetime(), actor=personal.AUTOMATIC, quiet=True
                )
                conn.commit()
        except psycopg.errors.LockNotAvailable:
            log.warning(
                "Données personnelles : tables occupées par un autre travail, effacement remis à l'heure suivante"
            )
            return None
        except Exception:
            log.exception(
                "Données personnelles : effacement de ce qui a plus de %s mois impossible (nouvel essai "
                "dans une heure)",
                months,
            )
            return None
        self._done = today
        if erased.reporters or erased.rejected_rows or erased.descriptions:
            log.info(
                "Données personnelles de plus de %s mois effacées : %s, %s, %s",
                months,
                counted(erased.reporters, "déclarant"),
                counted(erased.rejected_rows, "ligne rejetée", "lignes rejetées"),
                counted(erased.descriptions, "description"),
            )
        if erased.open_kept:
            since = f"depuis plus de {months} mois"
            log.warning("%s", open_kept_words(erased.open_kept, since, since))
        return erased
