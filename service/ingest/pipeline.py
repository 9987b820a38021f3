"""Ingestion pipeline: read → map columns → validate → stage (COPY) → dedupe and merge → account.

One file is one batch and one transaction: a batch is stored whole or not at all, so a killed process or a
stopped database leaves nothing half-written and running the same command again completes it. Every input
row ends up counted exactly once: ``rows_in = inserted + updated + duplicates + rejected``.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
from psycopg import sql

from service.db.queries import load_queries
from service.errors import InputFileError
from service.geocode import BatchGeocoder
from service.ingest.checks import Context
from service.ingest.columns import PERSONAL_FIELDS, ColumnMap, Kind, MappingFile, check_required, map_columns
from service.ingest.load import (
    REJECT_COLUMNS,
    STAGE_COLUMNS,
    copy_frame,
    copy_statement,
    csv_bytes,
    indexes_suspended,
    is_bulk,
    merge,
    prepare_stage_frame,
    streaming_copy,
)
from service.ingest.read import TableSource, open_table, scan_file
from service.ingest.validate import VALIDATORS
from service.ingest.vocabulary import load_vocabularies
from service.settings import Settings
from service.zone import zone_polygon

ProgressFn = Callable[[int, int], None]
_PKG = "service.ingest"


@dataclass(frozen=True)
class IngestOptions:
    """How to read one file; everything is detected when left to None."""

    kind: Kind
    fmt: str | None = None
    source: str | None = None
    mapping: Path | None = None
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    crs: str | None = None


@dataclass
class BatchSummary:
    """The account of one batch, as stored in ``ingestion_batches`` and printed by the CLI."""

    batch_id: int
    kind: str
    file_name: str
    sha256: str
    format: str
    status: str
    rows_in: int = 0
    inserted: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.inserted + self.updated + self.duplicates + self.rejected


def default_source(path: Path, fmt: str) -> str:
    """A stable source name when the file has no source column and none is given."""
    if fmt == "open311":
        return "open311"
    return re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_") or "fichier"


class _Span:
    """Sources and time span of a batch's valid rows, gathered while streaming (for the near-duplicate check)."""

    def __init__(self) -> None:
        self.sources: set[str] = set()
        self.lo: pd.Timestamp | None = None
        self.hi: pd.Timestamp | None = None
        self.with_contacts = False

    def add(self, good: pd.DataFrame, kind: str) -> None:
        if good.empty or kind != "reports":
            return
        contacts = good[["contact_name", "contact_phone", "contact_email"]]
        self.with_contacts = self.with_contacts or bool(contacts.notna().to_numpy().any())
        self.sources.update(good["source"].unique().tolist())
        lo, hi = good["observed_at"].min(), good["observed_at"].max()
        self.lo = lo if self.lo is None else min(self.lo, lo)
        self.hi = hi if self.hi is None else max(self.hi, hi)

    def other_sources_nearby(self, conn: psycopg.Connection[Any], qk: dict[str, str], hours: float) -> bool:
        row = conn.execute(
            qk["other_sources_nearby_in_time"],
            {"lo": self.lo, "hi": self.hi, "hours": hours, "sources": sorted(self.sources)},
        ).fetchone()
        return bool(row and row[0])


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(self.timings.get(name, 0.0) + now - self._last, 4)
        self._last = now


def ingest_file(
    conn: psycopg.Connection[Any],
    path: Path,
    options: IngestOptions,
    settings: Settings,
    *,
    progress: ProgressFn | None = None,
    geocoder: BatchGeocoder | None = None,
    now: datetime | None = None,
) -> BatchSummary:
    """Ingest one file as one batch. Raises :class:`InputFileError` when the whole file must be refused
    (the refusal is recorded as a batch with its reason)."""
    clock = _Clock()
    path = Path(path)
    try:
        source = open_table(
            path, fmt=options.fmt, delimiter=options.delimiter, encoding=options.encoding, sheet=options.sheet
        )
        mapping = MappingFile.load(options.mapping) if options.mapping else None
        cmap = map_columns(source.headers, options.kind, mapping)
        check_required(cmap, source.headers, options.kind, path.name)
    except InputFileError as exc:
        _record_refusal(conn, path, options, exc)
        raise
    clock.lap("ouverture")
    try:
        return _run_batch(conn, source, cmap, options, settings, clock, progress, geocoder, now)
    except InputFileError as exc:
        conn.rollback()
        _record_refusal(conn, path, options, exc, source=source)
        raise
    except BaseException:
        conn.rollback()
        raise


def _record_refusal(
    conn: psycopg.Connection[Any],
    path: Path,
    options: IngestOptions,
    exc: InputFileError,
    source: TableSource | None = None,
) -> None:
    """Keep a trace of a refused file (its own small transaction)."""
    q = load_queries(_PKG, "batch.sql")
    try:
        digest = (source.facts if source else scan_file(path, text=False)).sha256
        size = path.stat().st_size
    except OSError:
        digest, size = "", 0
    conn.rollback()
    with conn.transaction():
        conn.execute(
            q["refuse_batch"],
            {
                "kind": options.kind,
                "file_name": path.name,
                "sha256": digest,
                "bytes": size,
                "format": source.format if source else (options.fmt or "inconnu"),
                "error": str(exc),
                "options": json.dumps(_options_json(options)),
            },
        )


def _options_json(options: IngestOptions) -> dict[str, Any]:
    return {k: str(v) for k, v in asdict(options).items() if v is not None}


def _context(
    conn: psycopg.Connection[Any], settings: Settings, source: TableSource, options: IngestOptions, now: datetime | None
) -> Context:
    return Context(
        vocab=load_vocabularies(conn),
        zone=zone_polygon(settings),
        now=now or datetime.now(UTC),
        min_date=pd.Timestamp(settings.min_date, tz=settings.timezone),
        future_tolerance=timedelta(minutes=settings.future_tolerance_minutes),
        default_source=options.source or default_source(source.path, source.format),
        forced_crs=options.crs or source.declared_crs,
        timezone=settings.timezone,
    )


def _run_batch(
    conn: psycopg.Connection[Any],
    source: TableSource,
    cmap: ColumnMap,
    options: IngestOptions,
    settings: Settings,
    clock: _Clock,
    progress: ProgressFn | None,
    geocoder: BatchGeocoder | None,
    now: datetime | None,
) -> BatchSummary:
    kind = options.kind
    qb = load_queries(_PKG, "batch.sql")
    qk = load_queries(_PKG, f"{kind}.sql")
    validate = VALIDATORS[kind]
    conn.rollback()
    with conn.transaction():
        ctx = _context(conn, settings, source, options, now)
        conn.execute("SET LOCAL work_mem = '256MB'")  # in-file duplicate search and merge sort in memory
        conn.execute("SET LOCAL jit = off")  # one-off statements: compiling them costs more than it saves
        row = conn.execute(
            qb["open_batch"],
            {
                "kind": kind,
                "file_name": source.path.name,
                "sha256": source.facts.sha256,
                "bytes": source.facts.size,
                "format": source.format,
                "options": json.dumps(_options_json(options)),
            },
        ).fetchone()
        assert row is not None
        batch_id = int(row[0])
        conn.execute(qk["create_stage"])
        conn.execute(qb["create_stage_rejects"])
        conn.execute(qb["create_stage_skip"])
        clock.lap("préparation")

        rows_in = rejected_rows = 0
        span = _Span()
        total = source.facts.size
        on_bytes = (lambda done: progress(done, total)) if progress else None
        with tempfile.SpooledTemporaryFile(max_size=32 << 20) as spool:
            with streaming_copy(conn, "stage", STAGE_COLUMNS[kind]) as copy:
                for chunk in source.chunks(settings.chunk_rows, on_bytes):
                    clock.lap("lecture")
                    result = validate(chunk, cmap, ctx)
                    clock.lap("validation")
                    copy.write(csv_bytes(prepare_stage_frame(kind, result.good)))
                    spool.write(csv_bytes(result.rejected[REJECT_COLUMNS]))
                    span.add(result.good, kind)
                    clock.lap("copie")
                    rows_in += len(chunk)
                    rejected_rows += len(result.rejected)
            clock.lap("copie")
            spool.seek(0)
            with conn.cursor() as cur, cur.copy(copy_statement("stage_rejects", REJECT_COLUMNS)) as copy:
                while block := spool.read(1 << 20):
                    copy.write(block)
        if rows_in == 0:
            raise InputFileError(
                f"{source.path.name} : aucune ligne de données après l'en-tête.", hint="Vérifiez l'export."
            )
        conn.execute("ANALYZE stage")

        in_file_same, late_rejects = _in_file_repeats(conn, qb, source, cmap)
        if kind == "visits":
            late_rejects.update(_unplaceable_visits(conn, qk))
        if late_rejects:
            _stage_late_rejects(conn, source, cmap, late_rejects)
        clock.lap("doublons_fichier")

        staged = rows_in - rejected_rows - len(late_rejects)
        stored = conn.execute(sql.SQL(qb["sources_already_stored"]).format(table=sql.Identifier(kind))).fetchone()
        bulk = is_bulk(conn, kind, staged, bool(stored and stored[0]))
        with indexes_suspended(conn, kind) if bulk else nullcontext():
            inserted, updated = merge(conn, qk, batch_id, bulk=bulk)
            clock.lap("fusion")
        if bulk:
            clock.lap("index")
        unchanged = staged - in_file_same - inserted - updated
        linked = 0
        details: dict[str, Any] = {}
        if kind == "reports":
            if span.with_contacts:
                conn.execute(qk["store_contacts"], {"batch": batch_id})
            hours, metres = settings.near_duplicate_hours, settings.near_duplicate_m
            if inserted and (len(span.sources) > 1 or span.other_sources_nearby(conn, qk, hours)):
                cur = conn.execute(qk["link_near_duplicates"], {"batch": batch_id, "hours": hours, "metres": metres})
                linked = cur.rowcount
            clock.lap("quasi_doublons")
        elif kind == "visits":
            details["visites_liees_a_un_signalement"] = conn.execute(qk["link_reports"], {"batch": batch_id}).rowcount
        if geocoder is not None:
            stats = geocoder.geocode_batch(conn, table=kind, batch_id=batch_id)
            details["geocodage"] = asdict(stats)
            clock.lap("geocodage")
        conn.execute(qb["store_rejects"], {"batch": batch_id})
        waiting = sql.SQL("SELECT count(*) FROM {} WHERE batch_id = %s AND geocode_status = 'a_geocoder'")
        to_geocode = conn.execute(waiting.format(sql.Identifier(kind)), (batch_id,)).fetchone()
        details.update(
            {
                "doublons_identiques_en_base": unchanged,
                "doublons_dans_le_fichier": in_file_same,
                "quasi_doublons_lies": linked,
                "rejets_validation": rejected_rows,
                "rejets_coherence": len(late_rejects),
                "a_geocoder": int(to_geocode[0]) if to_geocode else 0,
                "index_reconstruits": bulk,
                "colonnes": cmap.fields,
                "colonnes_ignorees": cmap.ignored,
                "colonnes_fichier": source.headers,
                "colonnes_personnelles": sorted(cmap.fields[f] for f in PERSONAL_FIELDS if f in cmap.fields),
                "source_par_defaut": ctx.default_source,
                "separateur": source.delimiter,
                "encodage": source.facts.encoding,
            }
        )
        summary = BatchSummary(
            batch_id=batch_id,
            kind=kind,
            file_name=source.path.name,
            sha256=source.facts.sha256,
            format=source.format,
            status="termine",
            rows_in=rows_in,
            inserted=inserted - linked,
            updated=updated,
            duplicates=unchanged + in_file_same + linked,
            rejected=rejected_rows + len(late_rejects),
            details=details,
        )
        clock.lap("cloture")
        summary.timings = dict(clock.timings)
        conn.execute(
            qb["close_batch"],
            {
                "batch": batch_id,
                "rows_in": summary.rows_in,
                "inserted": summary.inserted,
                "updated": summary.updated,
                "duplicates": summary.duplicates,
                "rejected": summary.rejected,
                "details": json.dumps(details, ensure_ascii=False),
                "timings": json.dumps(summary.timings),
            },
        )
    return summary


def _in_file_repeats(
    conn: psycopg.Connection[Any], qb: dict[str, str], source: TableSource, cmap: ColumnMap
) -> tuple[int, dict[int, list[dict[str, Any]]]]:
    """Rows repeating a key seen earlier in the file: identical → duplicate, different → rejected."""
    same = 0
    conflicts: dict[int, list[dict[str, Any]]] = {}
    skip: list[int] = []
    id_header = cmap.fields.get("external_id") or cmap.fields.get("reference")
    for row_number, natural_key, first_row, same_content in conn.execute(qb["repeated_keys"]).fetchall():
        skip.append(row_number)
        if same_content:
            same += 1
        else:
            conflicts[row_number] = [
                {
                    "champ": "identifiant",
                    "colonne": id_header,
                    "valeur": natural_key,
                    "motif": f"identifiant déjà présent à la ligne {first_row} du fichier avec un contenu "
                    "différent : gardez une seule version de la ligne",
                }
            ]
    if skip:
        with conn.cursor() as cur, cur.copy("COPY stage_skip (row_number) FROM STDIN") as copy:
            for number in skip:
                copy.write_row((number,))
    return same, conflicts


def _unplaceable_visits(conn: psycopg.Connection[Any], qk: dict[str, str]) -> dict[int, list[dict[str, Any]]]:
    rows = conn.execute(qk["unplaceable"]).fetchall()
    if rows:
        with conn.cursor() as cur, cur.copy("COPY stage_skip (row_number) FROM STDIN") as copy:
            for number, _ref in rows:
                copy.write_row((number,))
    return {
        number: [
            {
                "champ": "signalement",
                "colonne": None,
                "valeur": ref,
                "motif": "signalement introuvable et ni adresse ni coordonnées : importez d'abord le "
                "signalement ou indiquez le lieu de la visite",
            }
        ]
        for number, ref in rows
    }


def _stage_late_rejects(
    conn: psycopg.Connection[Any], source: TableSource, cmap: ColumnMap, reasons: dict[int, list[dict[str, Any]]]
) -> None:
    """Rejects found after staging: read their raw values again from the file (a rare second pass)."""
    wanted = set(reasons)
    personal_headers = {cmap.fields[f] for f in PERSONAL_FIELDS if f in cmap.fields}
    records = []
    for chunk in source.chunks(50_000):
        hit = chunk[chunk["_row"].isin(wanted)]
        for _, rec in hit.iterrows():
            number = int(rec["_row"])
            values = {h: (None if pd.isna(rec[h]) else str(rec[h])) for h in source.headers}
            public = {h: v for h, v in values.items() if h not in personal_headers}
            personal = {h: v for h, v in values.items() if h in personal_headers}
            records.append(
                {
                    "row_number": number,
                    "raw": json.dumps(public, ensure_ascii=False),
                    "personal": json.dumps(personal, ensure_ascii=False) if any(personal.values()) else None,
                    "reasons": json.dumps(reasons[number], ensure_ascii=False),
                }
            )
    copy_frame(conn, "stage_rejects", pd.DataFrame(records, columns=REJECT_COLUMNS))
