"""The streaming part of a batch: read → validate → (reports) key and drop in-file repeats → COPY, chunk by chunk.

One COPY stays open for the whole file; its writes are queued to a thread, so the server parses a chunk while
Python validates the next one. Rejected rows are spooled to a temporary file and loaded after the COPY.
"""

from __future__ import annotations

import queue
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

import numpy as np
import pandas as pd
import psycopg

from service.db.copy import copy_statement, csv_bytes, streaming_copy
from service.ingest.binary import HEADER, TRAILER, encode_rows
from service.ingest.checks import Context, Validated
from service.ingest.columns import ColumnMap
from service.ingest.dedupe import InFileRepeats, conflicts_frame, fingerprints
from service.ingest.load import REJECT_COLUMNS, create_reject_stage, prepare_stage_frame, report_fields
from service.ingest.source import TableSource
from service.ingest.validate import VALIDATORS

_CONTACTS = ["contact_name", "contact_phone", "contact_email"]
_T = TypeVar("_T")


class Clock:
    """Seconds spent per step, summed over the chunks. Reading and validation run in a thread beside the other
    steps: their times overlap with ``attente_lecture`` and the steps of the main thread."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        """Count the time since the last lap to step ``name``."""
        now = time.perf_counter()
        self.add(name, now - self._last)
        self._last = now

    def add(self, name: str, seconds: float) -> None:
        """Count ``seconds`` to step ``name``."""
        self.timings[name] = round(self.timings.get(name, 0.0) + seconds, 4)


class Span:
    """What a batch's valid rows hold, gathered while streaming, so that the later steps skip what has nothing to
    do: sources, time span and contacts of reports (near-duplicates, contacts), visits that name a report or a
    plan's stop (links), rows without coordinates (geocoding)."""

    def __init__(self) -> None:
        self.sources: set[str] = set()
        self.lo: pd.Timestamp | None = None
        self.hi: pd.Timestamp | None = None
        self.with_contacts = False
        self.with_references = False
        self.to_geocode = 0

    def add(self, good: pd.DataFrame, kind: str) -> None:
        """Take in one chunk's valid rows."""
        if good.empty:
            return
        self.to_geocode += int(good["geocode_status"].eq("a_geocoder").sum())
        if kind == "visits":
            named = good["report_ref"].notna() | good["stop_ref"].notna() | good["site_ref"].notna()
            self.with_references = self.with_references or bool(named.any())
        if kind != "reports":
            return
        self.with_contacts = self.with_contacts or bool(good[_CONTACTS].notna().to_numpy().any())
        self.sources.update(good["source"].unique().tolist())
        lo, hi = good["observed_at"].min(), good["observed_at"].max()
        self.lo = lo if self.lo is None else min(self.lo, lo)
        self.hi = hi if self.hi is None else max(self.hi, hi)


@dataclass
class Target:
    """Where the valid rows go: the staging table (CSV or binary) or, for a direct load, the table itself."""

    table: str
    columns: list[str]
    binary: bool
    batch_id: int
    direct: bool = False
    next_id: int = 0  # direct loads: the id of the next row


@dataclass
class Streamed:
    """What streaming a file did."""

    rows_in: int = 0
    rejected: int = 0  # by validation
    repeats: InFileRepeats = field(default_factory=InFileRepeats)  # reports: in-file repeats found on the client
    loaded: int = 0  # rows sent to the target
    noted: dict[str, int] = field(default_factory=dict)  # rows kept with a note (Validated.noted), summed


#: Files smaller than this are read, validated and sent without helper threads.
SMALL_FILE_BYTES = 1 << 20


def stream_file(
    conn: psycopg.Connection[Any],
    source: TableSource,
    cmap: ColumnMap,
    ctx: Context,
    *,
    kind: str,
    target: Target,
    chunk_rows: int,
    span: Span,
    clock: Clock,
    on_bytes: Callable[[int], None] | None,
    firsts: dict[int, int] | None = None,
) -> Streamed:
    """Read, validate and send the rows of ``source`` to ``target``; the rejects go to ``stage_rejects``.

    ``firsts``, when given, is filled with the first row of every report repeating an earlier one (the rows
    of an in-memory table all get the id of their stored row).
    """
    validate = VALIDATORS[kind]
    out = Streamed(repeats=InFileRepeats(firsts))
    with (
        tempfile.SpooledTemporaryFile(max_size=32 << 20) as rejects,
        tempfile.SpooledTemporaryFile(max_size=32 << 20) as contacts,
    ):
        # a small file (a record sent through the API) is read and sent in this thread: starting threads would
        # cost more than it saves
        small = source.facts.size < SMALL_FILE_BYTES
        with streaming_copy(
            conn, target.table, target.columns, binary=target.binary, freeze=target.direct, queued=not small
        ) as copy:
            if target.binary:
                copy.write(HEADER)
            repeats = None if target.direct else out.repeats  # a direct load leaves repeats to the unique key
            checked = _checked_chunks(source, cmap, ctx, validate, chunk_rows, on_bytes, clock)
            for chunk, result in checked if small else _in_background(checked):
                clock.lap("attente_lecture")
                good, bad = result.good, result.rejected
                if kind == "reports":
                    good, conflicts = _keyed(chunk, cmap, good, repeats)
                    if len(conflicts):
                        bad = pd.concat([bad, conflicts[REJECT_COLUMNS]], ignore_index=True)
                    clock.lap("empreintes")
                span.add(good, kind)
                copy.write(_payload(kind, target, good, contacts))
                rejects.write(csv_bytes(bad[REJECT_COLUMNS]))
                clock.lap("envoi")
                out.rows_in += len(chunk)
                out.rejected += len(result.rejected)
                out.loaded += len(good)
                for name, n in result.noted.items():
                    out.noted[name] = out.noted.get(name, 0) + n
            if target.binary:
                copy.write(TRAILER)
        clock.lap("copie")
        if rejects.tell():
            create_reject_stage(conn)
        _copy_spool(conn, rejects, "stage_rejects", REJECT_COLUMNS)
        if target.direct:
            _copy_spool(conn, contacts, "reporter_contacts", ["report_id", "name", "phone", "email"], "private")
    return out


def _checked_chunks(
    source: TableSource,
    cmap: ColumnMap,
    ctx: Context,
    validate: Callable[[pd.DataFrame, ColumnMap, Context], Validated],
    chunk_rows: int,
    on_bytes: Callable[[int], None] | None,
    clock: Clock,
) -> Iterator[tuple[pd.DataFrame, Validated]]:
    """Read and validate, chunk by chunk (run by the background thread: its times go to their own steps)."""
    start = time.perf_counter()
    for chunk in source.chunks(chunk_rows, on_bytes):
        read = time.perf_counter()
        result = validate(chunk, cmap, ctx)
        done = time.perf_counter()
        clock.add("lecture", read - start)
        clock.add("validation", done - read)
        yield chunk, result
        start = time.perf_counter()


def _in_background(items: Iterator[_T], depth: int = 1) -> Iterator[_T]:
    """Run the iterator in a thread, ``depth`` items ahead of the consumer.

    Arrow, PROJ and GEOS release the GIL, so reading and validating the next chunks overlaps with keying and
    encoding this one (and the server parsing the previous one): the two cores work at once. An exception in
    the thread is raised in the consumer; a consumer that stops early stops the thread.
    """
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as exc:  # handed over to the consumer
            put(("error", exc))

    worker = threading.Thread(target=run, name="hotspots-lecture", daemon=True)
    worker.start()
    try:
        while True:
            what, item = box.get()
            if what == "end":
                return
            if what == "error":
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _keyed(
    chunk: pd.DataFrame, cmap: ColumnMap, good: pd.DataFrame, repeats: InFileRepeats | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reports: natural key and fingerprint, then in-file repeats out (conflicting ones as rejects).

    A direct load does not look for repeats (``repeats`` is None): the table's unique key, built at the end,
    finds whether there were any, and the batch then goes through staging instead (see the pipeline).
    """
    natural_key, content_hash = fingerprints(good)
    # stored to the second, as the fingerprint counts them
    observed_at = good["observed_at"].dt.floor("s")
    good = good.assign(natural_key=natural_key, content_hash=content_hash, observed_at=observed_at)
    if repeats is None:
        return good, good.iloc[0:0]
    keep, firsts = repeats.split(good)
    conflicts = conflicts_frame(chunk, cmap, good, firsts)
    if not keep.all():
        good = good.loc[keep].reset_index(drop=True)
    return good, conflicts


def _payload(kind: str, target: Target, good: pd.DataFrame, contacts: IO[bytes]) -> bytes | memoryview:
    if not target.binary:
        return csv_bytes(prepare_stage_frame(kind, good))
    if target.direct:
        ids = np.arange(target.next_id, target.next_id + len(good), dtype="int64")
        target.next_id += len(good)
        good = good.assign(id=ids, batch_id=target.batch_id)
        has_contact = good[_CONTACTS].notna().any(axis=1).to_numpy(dtype=bool)
        if has_contact.any():
            contacts.write(csv_bytes(good.loc[has_contact, ["id", *_CONTACTS]]))
    return encode_rows(report_fields(good, target.columns))


def _copy_spool(
    conn: psycopg.Connection[Any], spool: IO[bytes], table: str, columns: list[str], schema: str | None = None
) -> None:
    if not spool.tell():
        return
    spool.seek(0)
    with conn.cursor() as cur, cur.copy(copy_statement(table, columns, schema=schema)) as copy:
        while block := spool.read(1 << 20):
            copy.write(block)
