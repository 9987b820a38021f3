"""Ingestion pipeline: read → map columns → validate → dedupe → load (COPY) → merge → account.

One file is one batch and one transaction: a batch is stored whole or not at all, so a killed process or a
stopped database leaves nothing half-written and running the same command again completes it. Every input
row ends up counted exactly once: ``rows_in = inserted + updated + duplicates + rejected``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
from psycopg import sql

from service.analyse.priority import with_visit_outcome
from service.db.copy import indexes_suspended
from service.db.queries import load_queries
from service.errors import InputFileError, ValidationFailedError
from service.geocode import BatchGeocoder
from service.ingest.archive import ArchiveLimits
from service.ingest.bulk import direct_load_possible, empty_for_load, first_id, last_id, restore_after_load
from service.ingest.checks import Context
from service.ingest.columns import PERSONAL_FIELDS, ColumnMap, Kind, MappingFile, check_required, map_columns
from service.ingest.dedupe import link_near_duplicates, repeated_in_stage, stage_late_rejects, unplaceable_visits
from service.ingest.load import REPORT_DIRECT_COLUMNS, STAGE_COLUMNS, is_bulk, merge
from service.ingest.read import TableSource, open_table, scan_file
from service.ingest.stream import Clock, Span, Streamed, Target, stream_file
from service.ingest.vocabulary import load_vocabularies
from service.settings import Settings
from service.zone import commune_outlines, zone_polygon

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
    #: Records sent one by one (API, Open311): one refused row refuses them all, and nothing is written (not
    #: even the batch); the refusal names every field at fault.
    all_or_nothing: bool = False


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
        return {**asdict(self), "geocodage": self.geocoding}

    @property
    def geocoding(self) -> dict[str, int]:
        """What became of the rows without coordinates: placed, to check (a provisional point), failed (no point;
        to check too), waiting (no address register loaded). The last three are in the review queue or pending."""
        stats = self.details.get("geocodage") or {}
        failed = int(stats.get("failed", 0))
        return {
            "adresses": int(stats.get("attempted", 0)),
            "placees": int(stats.get("placed", 0)),
            "a_verifier": int(stats.get("to_review", 0)) - failed,
            "echecs": failed,
            "en_attente": int(self.details.get("a_geocoder", 0)),
        }

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.inserted + self.updated + self.duplicates + self.rejected


def default_source(path: Path, fmt: str) -> str:
    """A stable source name when the file has no source column and none is given."""
    if fmt == "open311":
        return "open311"
    return re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_") or "fichier"


def _other_sources_nearby(conn: psycopg.Connection[Any], qk: dict[str, str], span: Span, hours: float) -> bool:
    params = {"lo": span.lo, "hi": span.hi, "hours": hours, "sources": sorted(span.sources)}
    row = conn.execute(qk["other_sources_nearby_in_time"], params).fetchone()
    return bool(row and row[0])


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
    clock = Clock()
    path = Path(path)
    try:
        source = open_table(
            path,
            fmt=options.fmt,
            delimiter=options.delimiter,
            encoding=options.encoding,
            sheet=options.sheet,
            limits=ArchiveLimits.of(settings),
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
    return {k: str(v) for k, v in asdict(options).items() if v is not None and v is not False}


def validation_context(
    conn: psycopg.Connection[Any],
    settings: Settings,
    *,
    default_source: str,
    forced_crs: str | None = None,
    now: datetime | None = None,
) -> Context:
    """What validation needs besides the rows, for files and for records sent one by one alike."""
    return Context(
        vocab=load_vocabularies(conn),
        zone=zone_polygon(settings),
        communes=commune_outlines(settings),
        now=now or datetime.now(UTC),
        min_date=pd.Timestamp(settings.min_date, tz=settings.timezone),
        future_tolerance=timedelta(minutes=settings.future_tolerance_minutes),
        default_source=default_source,
        forced_crs=forced_crs,
        timezone=settings.timezone,
    )


def _run_batch(
    conn: psycopg.Connection[Any],
    source: TableSource,
    cmap: ColumnMap,
    options: IngestOptions,
    settings: Settings,
    clock: Clock,
    progress: ProgressFn | None,
    geocoder: BatchGeocoder | None,
    now: datetime | None,
) -> BatchSummary:
    kind = options.kind
    qb = load_queries(_PKG, "batch.sql")
    qk = load_queries(_PKG, f"{kind}.sql")
    conn.rollback()
    with conn.transaction():
        ctx = validation_context(
            conn,
            settings,
            default_source=options.source or default_source(source.path, source.format),
            forced_crs=options.crs or source.declared_crs,
            now=now,
        )
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
        size = source.facts.size
        conn.execute(qb["create_stage_rejects"])
        conn.execute(qb["create_stage_skip"])
        clock.lap("préparation")

        span = Span()
        stream = partial(
            stream_file,
            conn,
            source,
            cmap,
            ctx,
            kind=kind,
            chunk_rows=settings.chunk_rows,
            clock=clock,
            on_bytes=(lambda done: progress(done, size)) if progress else None,
        )
        streamed = None
        if kind == "reports" and direct_load_possible(conn, kind, size, settings.bulk_load_min_bytes):
            streamed = _load_direct(conn, kind, batch_id, stream, span, clock)
        direct = streamed is not None
        if streamed is None:
            conn.execute(qk["create_stage"])
            span = Span()
            target = Target("stage", STAGE_COLUMNS[kind], binary=kind == "reports", batch_id=batch_id)
            streamed = stream(target=target, span=span)
        if streamed.rows_in == 0:
            raise InputFileError(
                f"{source.path.name} : aucune ligne de données après l'en-tête.", hint="Vérifiez l'export."
            )
        server_same, late_rejects = 0, dict[int, list[dict[str, Any]]]()
        if direct:  # every streamed row is new
            inserted, updated, staged, bulk = streamed.loaded, 0, streamed.loaded, True
        else:
            conn.execute("ANALYZE stage")
            if kind != "reports":  # reports lost their in-file repeats while streaming
                server_same, late_rejects = repeated_in_stage(conn, qb, cmap)
                if kind == "visits":
                    late_rejects.update(unplaceable_visits(conn, qk))
                if late_rejects:
                    stage_late_rejects(conn, source, cmap, late_rejects)
                clock.lap("doublons_fichier")
            if options.all_or_nothing:
                _refuse_if_any_reject(conn)
            staged = streamed.loaded - server_same - len(late_rejects)
            stored = conn.execute(sql.SQL(qb["sources_already_stored"]).format(table=sql.Identifier(kind))).fetchone()
            bulk = is_bulk(conn, kind, staged, bool(stored and stored[0]))
            with indexes_suspended(conn, kind) if bulk else nullcontext():
                inserted, updated = merge(conn, qk, batch_id, bulk=bulk)
                clock.lap("fusion")
            if bulk:
                clock.lap("index")
        unchanged = staged - inserted - updated
        linked = 0
        details: dict[str, Any] = {}
        if kind == "reports":
            if span.with_contacts and not direct:
                conn.execute(qk["store_contacts"], {"batch": batch_id})
            hours, metres = settings.near_duplicate_hours, settings.near_duplicate_m
            if inserted and (len(span.sources) > 1 or _other_sources_nearby(conn, qk, span, hours)):
                linked = link_near_duplicates(conn, qk, batch_id, metres=metres, hours=hours)
            clock.lap("quasi_doublons")
        elif kind == "visits":
            details["visites_liees_a_un_signalement"] = conn.execute(qk["link_reports"], {"batch": batch_id}).rowcount
            details.update(link_plan_visits(conn, qk, batch_id))
        if geocoder is not None:
            stats = geocoder.geocode_batch(conn, table=kind, batch_id=batch_id)
            details["geocodage"] = asdict(stats)
            clock.lap("geocodage")
        if kind == "reports":  # rules that propose a referral (mediation, partners): proposed, never applied here
            from service.referrals import propose_referrals

            details["renvois_proposes"] = propose_referrals(conn, settings, batch_id=batch_id)
        conn.execute(qb["store_rejects"], {"batch": batch_id})
        waiting = sql.SQL("SELECT count(*) FROM {} WHERE batch_id = %s AND geocode_status = 'a_geocoder'")
        to_geocode = conn.execute(waiting.format(sql.Identifier(kind)), (batch_id,)).fetchone()
        details.update(
            {
                "doublons_identiques_en_base": unchanged,
                "doublons_dans_le_fichier": streamed.repeats.same + server_same,
                "quasi_doublons_lies": linked,
                "rejets_validation": streamed.rejected,
                "rejets_coherence": streamed.repeats.conflicts + len(late_rejects),
                "a_geocoder": int(to_geocode[0]) if to_geocode else 0,
                "index_reconstruits": bulk,
                "chargement_direct": direct,
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
            rows_in=streamed.rows_in,
            inserted=inserted - linked,
            updated=updated,
            duplicates=unchanged + streamed.repeats.same + server_same + linked,
            rejected=streamed.rejected + streamed.repeats.conflicts + len(late_rejects),
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
    clock.lap("commit")  # after the batch's transaction: in the summary returned, not in the stored timings
    summary.timings["commit"] = clock.timings["commit"]
    return summary


def link_plan_visits(conn: psycopg.Connection[Any], qk: dict[str, str], batch_id: int) -> dict[str, int]:
    """Visits read from a plan's sheet: attached to their stop's site, and the priority of the points visited
    follows their outcome at once (the analysis lifecycle takes them at its next run)."""
    linked = conn.execute(qk["link_plan_stops"], {"batch": batch_id}).rowcount
    if not linked:
        return {}
    revisited = conn.execute(qk["points_revisited"], {"batch": batch_id}).fetchall()
    for point_id, outcome, priority, components in revisited:
        value, factors = with_visit_outcome(priority, components, outcome)
        conn.execute(qk["set_point_priority"], {"id": point_id, "priority": value, "components": json.dumps(factors)})
    return {"visites_de_tournee": linked, "points_repriorises": len(revisited)}


def _refuse_if_any_reject(conn: psycopg.Connection[Any]) -> None:
    """All or nothing: a rejected row refuses the batch (raised inside its transaction, so nothing is written)."""
    rows = conn.execute("SELECT reasons FROM stage_rejects ORDER BY row_number").fetchall()
    problems = [problem for (reasons,) in rows for problem in reasons]
    if problems:
        raise ValidationFailedError("Enregistrement refusé.", problems, hint="Corrigez les champs indiqués.")


def _load_direct(
    conn: psycopg.Connection[Any],
    kind: str,
    batch_id: int,
    stream: Callable[..., Streamed],
    span: Span,
    clock: Clock,
) -> Streamed | None:
    """Stream the file straight into the emptied table (see :mod:`service.ingest.bulk`).

    Returns None when the file repeats a key, which the table's unique key finds when it is built: the
    savepoint then undoes the load, and the batch goes through staging, where repeats are sorted out.
    """
    try:
        with conn.transaction():  # a savepoint: TRUNCATE and COPY FREEZE happen inside it
            held = empty_for_load(conn, kind)
            target = Target(kind, REPORT_DIRECT_COLUMNS, binary=True, batch_id=batch_id, direct=True)
            target.next_id = first_id(conn, kind)
            streamed = stream(target=target, span=span)
            if streamed.loaded:
                last_id(conn, kind, target.next_id - 1)
            restore_after_load(conn, held)
            clock.lap("index")
    except psycopg.errors.UniqueViolation:
        clock.lap("reprise")
        return None
    return streamed
