"""Issuing digests: draw one, write its files, mail it to the coordinator and note it as sent — for one network, or
for every active network of a period at once (the monthly run of a system timer, or the API). One refused (no
coordinator's address, the mail server saying no) does not stop the others; a network already noted as sent for the
period is passed over, so the same run again after a fix sends only what was missing. The command line and the API
share this; neither prints nor answers here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from service.db.vocabulary import Labels
from service.errors import HotspotsError
from service.prevention import digest_for
from service.prevention.changes import issued_for_period, record_digest
from service.prevention.digest import Digest
from service.prevention.networks import list_networks, q
from service.prevention.period import Period
from service.prevention.render import digest_stem, load_digest_background, render_html, render_pdf
from service.prevention.sending import coordinator_address, send_digest
from service.settings import Settings

#: A long step said to the person waiting (the command line's spinner); nothing by default.
Step = Callable[[str], AbstractContextManager[Any]]


@dataclass(frozen=True)
class IssueOptions:
    """How digests are issued: the files written (``formats``: html, pdf, into ``out``), mailed to the coordinator
    (``send``), noted as sent (``record``; a draft is not), and how a long step is said (``step``)."""

    formats: Sequence[str] = ()
    out: Path | None = None
    send: bool = False
    record: bool = True
    step: Step = field(default=lambda _words: nullcontext())


@dataclass
class Issued:
    """What became of one network's digest: the files written, the address it was mailed to, whether it was noted
    as sent, and the reason when it was passed over (``skipped``) or refused (``error``, then what to do)."""

    name: str
    network_id: int | None = None
    files: list[Path] = field(default_factory=list)
    sent_to: str | None = None
    recorded: bool = False
    digest_id: int | None = None  # the row that notes it as sent
    skipped: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """As the API answers it: no coordinator's address."""
        state = "refuse" if self.error else "deja_note" if self.skipped else "envoye" if self.sent_to else "note"
        if not self.recorded and state in ("envoye", "note"):
            state = "brouillon"
        return {"reseau": self.network_id, "nom": self.name, "etat": state, "motif": self.error or self.skipped}


def issue(
    conn: psycopg.Connection[Any], settings: Settings, found: Digest, *, actor: str, options: IssueOptions
) -> Issued:
    """Draw ``found``, write it, mail it to the coordinator and note it as sent, as ``options`` say. A section, or
    a network without a coordinator's address, is refused before the digest is drawn; a mail refused is not
    noted."""
    from service.export import write_files

    formats, step = options.formats, options.step
    done = Issued(found.scope.name, found.scope.network_id)
    if options.send:
        done.sent_to = coordinator_address(conn, found, actor=actor)
    if formats or options.send:
        with step(f"Bilan « {found.scope.name} » : carte et mise en page…"):
            background = load_digest_background(conn, settings, found)
            stem = digest_stem(found)
            html = (
                render_html(found, issuer=settings.service_name, background=background)
                if "html" in formats or options.send
                else ""
            )
            pdf = (
                render_pdf(found, issuer=settings.service_name, background=background)
                if "pdf" in formats or options.send
                else b""
            )
            contents = [(f"{stem}.html", html.encode("utf-8"))] if "html" in formats else []
            contents += [(f"{stem}.pdf", pdf)] if "pdf" in formats else []
            done.files = write_files(options.out, contents) if options.out is not None and contents else []
        if done.sent_to is not None:
            with step("Envoi du bilan…"):
                send_digest(settings, found, to=done.sent_to, html=html, pdf=pdf)
    if options.record:
        done.digest_id = record_digest(conn, found, actor=actor)
        done.recorded = True
    return done


def issue_every_network(
    conn: psycopg.Connection[Any],
    settings: Settings,
    labels: Labels,
    period: Period,
    *,
    actor: str,
    options: IssueOptions,
) -> list[Issued]:
    """:func:`issue` for each active network, in name order. A network whose digest for ``period`` is already
    noted as sent is passed over (unless nothing is noted: a draft run draws them all); a refusal is kept with its
    reason and what to do, and the run goes on. One run at a time (a lock in the database): two started together
    (the server's calendar and a system timer) send each digest once."""
    outcomes: list[Issued] = []
    with _one_run_at_a_time(conn):
        for network in (n for n in list_networks(conn) if n["active"]):
            network_id = int(network["id"])
            try:
                found = digest_for(conn, settings, labels, period=period.code, network=network_id)
                issued = issued_for_period(conn, found) if options.record else None
                if issued is not None:
                    day = f"{issued.astimezone(ZoneInfo(settings.timezone)):%d/%m/%Y}"
                    outcomes.append(Issued(found.scope.name, network_id, skipped=f"déjà noté comme envoyé le {day}"))
                    continue
                outcomes.append(issue(conn, settings, found, actor=actor, options=options))
            except HotspotsError as err:
                conn.rollback()
                refusal = str(err)  # the message, then what to do
                outcomes.append(Issued(str(network["name"]), network_id, error=refusal))
    return outcomes


@contextmanager
def _one_run_at_a_time(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """Hold the digests' lock (a session lock: the digests noted meanwhile commit) until the run ends."""
    conn.execute(q("lock_issuing"))
    try:
        yield
    finally:
        conn.rollback()  # a refusal's half-done transaction, if any
        conn.execute(q("unlock_issuing"))
        conn.commit()
