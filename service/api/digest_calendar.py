"""The server mails the month's digests by itself: no system timer to set up (``HOTSPOTS_DIGEST_DAY``).

From that day of the month on, a thread of each server process checks every hour whether last month's digests
of the active prevention networks are all noted as sent, and issues those that are not
(:func:`service.prevention.issuing.issue_every_network`: drawn, mailed to the coordinator, noted, the sending
written to the access log). The issuing takes a lock in the database, so that the processes of ``--workers N``,
or a system timer started beside them, send each digest once. A network refused (no coordinator's address, the
mail server saying no) is tried again the next day, not every hour; the refusal is logged with what to do.
"""

from __future__ import annotations

import logging
from datetime import date

import pandas as pd

from service.api.hourly import HourlyCheck
from service.db import connect, personal
from service.db.vocabulary import load_labels
from service.errors import HotspotsError
from service.mail import check_mail_settings
from service.prevention.issuing import Issued, IssueOptions, issue_every_network
from service.prevention.period import parse_period
from service.settings import Settings
from service.text import plural

log = logging.getLogger(__name__)

#: Who sent the digests, in the access log and the digests' record.
ACTOR = "calendrier du serveur"


class DigestCalendar(HourlyCheck):
    """The digests' thread of one server process; nothing runs when ``digest_day`` is 0."""

    name = "bilans-auto"

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self._done: str | None = None  # the period whose digests are all sent (or noted by another process)
        self._tried: date | None = None  # the last day a run was made (refusals wait for the next day)

    def wanted(self) -> bool:
        """When a day is set; refused at once (in French, the settings named) when mail cannot be sent."""
        if self.settings.digest_day <= 0:
            return False
        check_mail_settings(self.settings)
        return True

    def tick(self, now: pd.Timestamp) -> list[Issued] | None:
        """One look at the calendar at ``now``: what became of each network's digest when a run was due, else
        None. A failure is logged, never raised (the next day tries again)."""
        local = now.tz_convert(self.settings.timezone)
        if self.settings.digest_day <= 0 or local.day < self.settings.digest_day:
            return None
        period = parse_period("mois-dernier", zone=self.settings.timezone, now=local.to_pydatetime())
        if self._done == period.code or self._tried == local.date():
            return None
        self._tried = local.date()
        try:
            with connect(self.settings) as conn:
                labels = load_labels(conn)
                outcomes = issue_every_network(
                    conn, self.settings, labels, period, actor=ACTOR, options=IssueOptions(send=True)
                )
                for done in outcomes:
                    if done.recorded:
                        personal.audit(conn, ACTOR, "envoi_bilan", reseau=done.network_id, periode=period.code)
                conn.commit()
        except HotspotsError as exc:
            log.warning("Bilans de %s : envoi impossible : %s", period.label, exc.message)
            return None
        except Exception:
            log.exception("Bilans de %s : échec (nouvel essai demain)", period.label)
            return None
        refused = [done for done in outcomes if done.error]
        if not refused:
            self._done = period.code
        sent = sum(1 for done in outcomes if done.recorded)
        already = sum(1 for done in outcomes if done.skipped)
        log.info(
            "Bilans de %s : %s envoyé%s, %s déjà envoyé%s, %s refusé%s",
            period.label,
            *(part for n in (sent, already, len(refused)) for part in (n, plural(n, "", "s"))),
        )
        for done in refused:
            log.warning("Bilan « %s » de %s refusé (nouvel essai demain) : %s", done.name, period.label, done.error)
        return outcomes
