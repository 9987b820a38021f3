"""Imports sent from the map, run in the background: the page asks how far one is and draws a progress bar, where
one long request left the planner in front of a sentence for a minute.

The job runs in a thread of the process that received the file; what the page reads of it lives in the database
(``import_jobs``, migration 0079): with ``hotspots serve --workers N`` the page's questions go to any process, and
each answers. The running job writes its progress (at most twice a second) and a sign of life every few seconds;
one whose process stopped (a restart, a crash) is said to be interrupted instead of never ending. A job is kept an
hour after it ends, for the page that asks for its account, and only its own login may read it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Literal

import psycopg
from fastapi.encoders import jsonable_encoder

from service.db.queries import Queries
from service.errors import BusyError, HotspotsError, NotFoundError

log = logging.getLogger(__name__)

Stage = Literal["lecture", "enregistrement", "fini", "erreur"]
#: A connection to write and read the jobs with, committed when the block ends (``AppState.pooled``).
Connect = Callable[[], AbstractContextManager[psycopg.Connection[Any]]]

_q = Queries("service.api", "imports.sql")
#: The shortest time between two writes of a job's progress (a large file reports it thousands of times).
PROGRESS_EVERY_S = 0.5


@dataclass
class ImportJob:
    """One file being imported, in the process that runs it: how much of it is read (written for the page)."""

    id: str
    login: str
    file_name: str
    kind: str
    jobs: ImportJobs = field(repr=False)
    read: int = 0
    total: int = 0
    stage: Stage = "lecture"
    _written: float = 0.0

    def progress(self, done: int, total: int) -> None:
        """The pipeline's progress hook: bytes read of the file; once all are read, the rows are geocoded and
        stored (no measure of that step: the page says what it is doing)."""
        self.read, self.total = done, total
        stage: Stage = "enregistrement" if total and done >= total else "lecture"
        now = time.monotonic()
        if stage != self.stage or now - self._written >= PROGRESS_EVERY_S:
            self.stage, self._written = stage, now
            self.jobs.write("job_progress", {"id": self.id, "read": done, "total": total, "stage": stage})

    def sheet(self, name: str, rank: int, of: int) -> None:
        """Every sheet of a register imported, each its own batch read from its start: the sheet now read, the
        ``rank``-th of ``of``, for the page to say which (its bar starts again with each)."""
        self.read, self.stage, self._written = 0, "lecture", time.monotonic()
        sheet = json.dumps({"nom": name, "rang": rank, "sur": of}, ensure_ascii=False)
        self.jobs.write("job_sheet", {"id": self.id, "sheet": sheet})


class ImportJobs:
    """The map's imports, a few at a time across the server's processes: each holds a database connection while
    it runs."""

    def __init__(
        self,
        connect: Connect,
        *,
        running: int = 2,
        keep_seconds: float = 3600.0,
        beat_seconds: float = 5.0,
        stale_seconds: float = 60.0,
    ) -> None:
        self._connect = connect
        self._running = running
        self._keep = keep_seconds
        self._beat = beat_seconds
        self._stale = stale_seconds

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
        job = ImportJob(uuid.uuid4().hex, login, file_name, kind, self)
        with self._connect() as conn:
            conn.execute(_q("lock_jobs"))
            conn.execute(_q("forget_old_jobs"), {"keep": self._keep})
            row = conn.execute(_q("running_jobs"), {"stale": self._stale}).fetchone()
            busy = int(row[0]) if row else 0
            if busy >= self._running:
                raise BusyError(
                    f"{busy} imports sont déjà en cours : celui-ci n'est pas lancé.",
                    retry_after=30,
                    hint="Réessayez dans une minute, quand l'un d'eux sera fini.",
                )
            conn.execute(_q("new_job"), {"id": job.id, "login": login, "file_name": file_name, "kind": kind})
        threading.Thread(target=self._run, args=(job, work, failed), name=f"import-{job.id[:8]}", daemon=True).start()
        return job

    def get(self, job_id: str, login: str) -> dict[str, Any]:
        """What ``GET /api/imports/suivis/{id}`` answers of the job ``job_id`` of ``login``; another's, or one
        forgotten, is not found."""
        with self._connect() as conn:
            row = conn.execute(_q("job"), {"id": job_id, "stale": self._stale}).fetchone()
        if row is None or row[0] != login:
            raise NotFoundError(
                "Cet import n'est pas (ou plus) suivi.",
                hint="Son lot est dans la liste des lots (GET /api/lots, « hotspots lots »).",
            )
        _login, file_name, kind, stage, read, total, sheet, seconds, result, error, stale = row
        if stale:
            stage, error = "erreur", _interrupted(file_name)
        return {
            "suivi": job_id,
            "fichier": file_name,
            "type": kind,
            "etat": stage,
            "lu": read,
            "total": total,
            "feuille": sheet,
            "secondes": round(float(seconds), 1),
            "resultat": result,
            **(error or {}),
        }

    def write(self, name: str, params: dict[str, Any]) -> None:
        """One write of a running job (its progress, its sign of life): a failed write is logged, never the
        import's failure."""
        try:
            with self._connect() as conn:
                conn.execute(_q(name), params)
        except Exception:  # the import goes on; the page reads the job's state at its next write
            log.warning("import %s: état non écrit (%s)", params.get("id"), name, exc_info=True)

    def _run(
        self,
        job: ImportJob,
        work: Callable[[ImportJob], dict[str, Any]],
        failed: Callable[[BaseException], HotspotsError],
    ) -> None:
        alive = threading.Event()
        beat = threading.Thread(target=self._beats, args=(job, alive), name=f"import-vie-{job.id[:8]}", daemon=True)
        beat.start()
        end: dict[str, Any] = {"id": job.id, "stage": "fini", "result": None, "error": None}
        try:
            end["result"] = json.dumps(jsonable_encoder(work(job)), ensure_ascii=False)
        except Exception as exc:  # the thread's end: every failure is said to the page
            error = exc if isinstance(exc, HotspotsError) else failed(exc)
            if not isinstance(exc, HotspotsError):
                log.exception("import %s (%s) failed", job.id, job.file_name)
            end.update(stage="erreur", error=json.dumps({"erreur": error.message, "conseil": error.hint}))
        finally:
            alive.set()
            job.stage = end["stage"]
            self.write("job_end", end)

    def _beats(self, job: ImportJob, ended: threading.Event) -> None:
        """A sign of life every few seconds while the job runs: a step without progress (geocoding) is not taken
        for a process that stopped."""
        while not ended.wait(self._beat):
            self.write("job_beat", {"id": job.id})


def _interrupted(file_name: str) -> dict[str, str]:
    """What the page says of a job whose process stopped giving signs of life."""
    return {
        "erreur": f"L'import de {file_name} s'est interrompu : le service s'est arrêté pendant qu'il tournait.",
        "conseil": "Regardez la liste des lots (« hotspots lots ») : un lot fini y est ; sinon, importez le fichier "
        "à nouveau.",
    }
