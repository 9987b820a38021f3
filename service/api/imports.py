"""Imports sent from the map, run in the background: the page asks how far one is and draws a progress bar, where
one long request left the planner in front of a sentence for a minute.

A job lives in this process only (the API runs as one process); it is kept an hour after it ends, for the page
that asks for its account, and only its own login may read it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from service.errors import BusyError, HotspotsError, NotFoundError

log = logging.getLogger(__name__)

Stage = Literal["lecture", "enregistrement", "fini", "erreur"]


@dataclass
class ImportJob:
    """One file being imported: how much of it is read, then its batch's account, or why it was refused."""

    id: str
    login: str
    file_name: str
    kind: str
    started: float = field(default_factory=time.monotonic)
    read: int = 0
    total: int = 0
    stage: Stage = "lecture"
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    ended: float | None = None

    def progress(self, done: int, total: int) -> None:
        """The pipeline's progress hook: bytes read of the file; once all are read, the rows are geocoded and
        stored (no measure of that step: the page says what it is doing)."""
        self.read, self.total = done, total
        if total and done >= total:
            self.stage = "enregistrement"

    def view(self) -> dict[str, Any]:
        """What ``GET /api/imports/suivis/{id}`` answers."""
        return {
            "suivi": self.id,
            "fichier": self.file_name,
            "type": self.kind,
            "etat": self.stage,
            "lu": self.read,
            "total": self.total,
            "secondes": round((self.ended or time.monotonic()) - self.started, 1),
            "resultat": self.result,
            **(self.error or {}),
        }


class ImportJobs:
    """The imports of this process, a few at a time: each holds a database connection while it runs."""

    def __init__(self, *, running: int = 2, keep_seconds: float = 3600.0) -> None:
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()
        self._running = running
        self._keep = keep_seconds

    def start(
        self,
        login: str,
        file_name: str,
        kind: str,
        work: Callable[[ImportJob], dict[str, Any]],
        *,
        failed: Callable[[BaseException], HotspotsError],
    ) -> ImportJob:
        """Run ``work`` in a thread of its own; its answer is the job's result. A domain error, or ``failed(exc)``
        for any other, is the job's error in the API's words (``erreur``, ``conseil``)."""
        with self._lock:
            self._forget_old()
            busy = sum(1 for j in self._jobs.values() if j.ended is None)
            if busy >= self._running:
                raise BusyError(
                    f"{busy} imports sont déjà en cours : celui-ci n'est pas lancé.",
                    retry_after=30,
                    hint="Réessayez dans une minute, quand l'un d'eux sera fini.",
                )
            job = ImportJob(uuid.uuid4().hex, login, file_name, kind)
            self._jobs[job.id] = job
        threading.Thread(target=self._run, args=(job, work, failed), name=f"import-{job.id[:8]}", daemon=True).start()
        return job

    def get(self, job_id: str, login: str) -> ImportJob:
        """The job ``job_id`` of ``login``; another's, or one forgotten, is not found."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.login != login:
            raise NotFoundError(
                "Cet import n'est pas (ou plus) suivi.",
                hint="Son lot est dans la liste des lots (GET /api/lots, « hotspots lots »).",
            )
        return job

    def _run(
        self,
        job: ImportJob,
        work: Callable[[ImportJob], dict[str, Any]],
        failed: Callable[[BaseException], HotspotsError],
    ) -> None:
        try:
            job.result = work(job)
            job.stage = "fini"
        except Exception as exc:  # the thread's end: every failure is said to the page
            error = exc if isinstance(exc, HotspotsError) else failed(exc)
            if not isinstance(exc, HotspotsError):
                log.exception("import %s (%s) failed", job.id, job.file_name)
            job.error = {"erreur": error.message, "conseil": error.hint}
            job.stage = "erreur"
        finally:
            job.ended = time.monotonic()

    def _forget_old(self) -> None:
        now = time.monotonic()
        for key in [k for k, j in self._jobs.items() if j.ended is not None and now - j.ended > self._keep]:
            del self._jobs[key]
