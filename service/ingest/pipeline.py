"""Ingestion pipeline: a batch is the list of its steps (:func:`_run_batch`).

open the batch → read, validate and send the rows → in-file repeats and rows that cannot be placed → load (merge
into the table) → for reports, geocode, then link near-duplicates (found by their place); for visits, link to what
they follow, then geocode → referral rules → close.

A file (:func:`ingest_file`) or an in-memory table of records sent one by one (:func:`ingest_table`) is one
batch and one transaction: a batch is stored whole or not at all, so a killed process or a stopped database
leaves nothing half-written and running the same command again completes it. Every input row ends up counted
exactly once: ``rows_in = inserted + updated + duplicates + rejected``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
from psycopg import sql

from service.db.copy import indexes_suspended
from service.db.queries import load_queries
from service.errors import InputFileError, ValidationFailedError
from service.geocode import BatchGeocoder, GeocodeStats
from service.geocode.communes import address_communes
from service.ingest.archive import ArchiveLimits
from service.ingest.batch import BatchSummary, IngestOptions, close_batch, open_batch, record_refusal
from service.ingest.bulk import direct_load_possible, load_direct
from service.ingest.checks import Context
from service.ingest.columns import PERSONAL_FIELDS, ColumnMap, Kind, check_required, map_columns
from service.ingest.dedupe import (
    few_new_reports,
    link_near_duplicates,
    move_cancelled_stops,
    repeated_in_stage,
    stage_late_rejects,
    unplaceable_visits,
)
from service.ingest.kept_mapping import keep_given_mapping, with_kept_mapping
from service.ingest.load import (
    STAGE_COLUMNS,
    drop_from_stage,
    is_bulk,
    merge,
)
from service.ingest.mapping import MappingFile
from service.ingest.read import open_table, table_source
from service.ingest.rejects import reject_account
from service.ingest.source import TableSource
from service.ingest.source_names import BatchSource, batch_source, default_source
from service.ingest.stream import Clock, Span, Streamed, Target, stream_file
from service.ingest.vocabulary import load_vocabularies
from service.settings import Settings
from service.zone import commune_outlines, zone_polygon

__all__ = [
    "BatchSummary",
    "IngestOptions",
    "StoredBatch",
    "default_source",
    "ingest_file",
    "ingest_table",
    "link_plan_visits",
    "validation_context",
]

ProgressFn = Callable[[int, int], None]
_PKG = "service.ingest"
#: Per batch: the in-file duplicate search and the merge sort in memory; one-off statements are not compiled
#: (compiling them costs more than it saves).
_TUNING = "SELECT set_config('work_mem', '256MB', true), set_config('jit', 'off', true)"


@dataclass
class StoredBatch:
    """A batch and, for an in-memory table, the id of the stored row of each of its rows, in order (a row
    repeating an earlier row of the table has that row's id)."""

    summary: BatchSummary
    ids: list[int] = field(default_factory=list)


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
    """Ingest one file as one batch, in a transaction of its own. Raises :class:`InputFileError` when the whole
    file must be refused (the refusal is recorded as a batch with its reason)."""
    clock = Clock()
    path = Path(path)
    options = with_kept_mapping(conn, options)
    try:
        source = open_table(
            path,
            fmt=options.fmt,
            delimiter=options.delimiter,
            encoding=options.encoding,
            sheet=options.sheet,
            limits=ArchiveLimits.of(settings),
        )
        cmap = columns_of(source, options)
    except InputFileError as exc:
        said = record_refusal(conn, path, options, exc)
        raise said from (exc.__cause__ if said is exc else exc)
    clock.lap("ouverture")
    conn.rollback()  # nothing pending joins the batch: it commits on its own
    try:
        return _run_batch(conn, source, cmap, options, settings, _Run(clock, progress, geocoder, now)).summary
    except InputFileError as exc:
        conn.rollback()
        said = record_refusal(conn, path, options, exc, source=source)
        raise said from (exc.__cause__ if said is exc else exc)
    except BaseException:
        conn.rollback()
        raise


def ingest_table(
    conn: psycopg.Connection[Any],
    table: pd.DataFrame,
    options: IngestOptions,
    settings: Settings,
    *,
    name: str,
    geocoder: BatchGeocoder | None = None,
    now: datetime | None = None,
) -> StoredBatch:
    """Ingest an in-memory table of text columns (records sent one by one) as one batch named ``name``: validated
    once, merged with one insert, and the id of each row's stored row returned.

    All or nothing: a refused row refuses them all (:class:`ValidationFailedError` naming every field at fault,
    or :class:`InputFileError` for the table as a whole), and nothing is written, not even the batch. The batch
    is written in the caller's transaction when one is open (as a savepoint: what the caller writes with the
    rows is stored with them or not at all), else in a transaction of its own.
    """
    clock = Clock()
    options = replace(options, all_or_nothing=True)
    source = table_source(table, name)
    cmap = columns_of(source, options)
    clock.lap("ouverture")
    return _run_batch(conn, source, cmap, options, settings, _Run(clock, None, geocoder, now, with_ids=True))


def columns_of(source: TableSource, options: IngestOptions) -> ColumnMap:
    """The fields of the source's columns (through the mapping file given, or the one kept for the source);
    refuses a source without the columns its kind requires."""
    mapping = MappingFile.load(options.mapping) if options.mapping else options.kept.read() if options.kept else None
    cmap = map_columns(source.headers, options.kind, mapping)
    check_required(cmap, source.headers, options.kind, source.path.name, source.sheets)
    return cmap


def validation_context(
    conn: psycopg.Connection[Any],
    settings: Settings,
    *,
    default_source: str,
    forced_crs: str | None = None,
    now: datetime | None = None,
    known_sources: dict[str, str] | None = None,
) -> Context:
    """What validation needs besides the rows, for files and for records sent one by one alike."""
    return Context(
        vocab=load_vocabularies(conn),
        zone=zone_polygon(settings),
        communes=commune_outlines(settings),
        addresses=address_communes(conn),
        now=now or datetime.now(UTC),
        min_date=pd.Timestamp(settings.min_date, tz=settings.timezone),
        future_tolerance=timedelta(minutes=settings.future_tolerance_minutes),
        default_source=default_source,
        forced_crs=forced_crs,
        timezone=settings.timezone,
        shift_starts=shift_starts(conn, settings.timezone),
        known_sources={} if known_sources is None else known_sources,
    )


def shift_starts(conn: psycopg.Connection[Any], timezone: str) -> dict[int, datetime]:
    """Each planned shift's local start, for the visits of its stops written with the hour alone."""
    rows = conn.execute("SELECT id, starts_at AT TIME ZONE %(zone)s FROM plans", {"zone": timezone}).fetchall()
    return {int(shift): start for shift, start in rows}


# -- the batch, step by step -------------------------------------------------------------------------------------
@dataclass
class _Run:
    """How this batch runs: its clock, progress callback, geocoding hook and time; whether ids are wanted."""

    clock: Clock
    progress: ProgressFn | None
    geocoder: BatchGeocoder | None
    now: datetime | None
    with_ids: bool = False
    #: row → first row of the same key, for the rows repeating an earlier one (filled when ids are wanted)
    firsts: dict[int, int] = field(default_factory=dict)


def _run_batch(
    conn: psycopg.Connection[Any],
    source: TableSource,
    cmap: ColumnMap,
    options: IngestOptions,
    settings: Settings,
    run: _Run,
) -> StoredBatch:
    """The steps of one batch, in one transaction: stored whole, or not at all."""
    clock = run.clock
    with conn.transaction() as batch:
        opened = _open(conn, source, options, settings, run)
        read = _read(conn, source, cmap, settings, opened, run)
        deduped = _dedupe(conn, source, cmap, opened, read, run)
        if options.all_or_nothing:
            _refuse_if_any_reject(conn, read, deduped)
        loaded = _load(conn, opened, read, deduped, clock)
        if opened.kind == "reports":  # near-duplicates are found by their place: addresses are placed first
            geocoded = _geocode(conn, opened, read.span, run)
            linked = _link(conn, opened, read.span, loaded, settings, clock)
        else:  # a visit that follows a report takes its place: linked first, the others then geocoded
            linked = _link(conn, opened, read.span, loaded, settings, clock)
            geocoded = _geocode(conn, opened, read.span, run)
        referred = _refer(conn, opened, settings)
        ids = _stored_ids(conn, opened, read, run) if run.with_ids else []
        kept = keep_given_mapping(conn, options, opened.ctx.default_source)
        steps = _Steps(read, deduped, loaded, linked, geocoded, referred, kept)
        summary = _close(conn, source, cmap, opened, steps, clock)
        if batch.savepoint_name:  # in the caller's transaction: the staging tables go now, not at its commit
            conn.execute("DROP TABLE IF EXISTS pg_temp.stage, pg_temp.stage_rejects")
    clock.lap("commit")  # after the batch's transaction: in the summary returned, not in the stored timings
    summary.timings["commit"] = clock.timings["commit"]
    return StoredBatch(summary, ids)


@dataclass(frozen=True)
class Opened:
    """The batch as opened: its id and kind, and what validation needs besides the rows."""

    batch_id: int
    kind: Kind
    ctx: Context
    #: the batch's source as chosen, and what its account says of it
    source: BatchSource


def _open(
    conn: psycopg.Connection[Any], source: TableSource, options: IngestOptions, settings: Settings, run: _Run
) -> Opened:
    """Open the batch (``en_cours``) and gather the validation context."""
    names = batch_source(conn, options.kind, options.source, default_source(source.path, source.format))
    ctx = validation_context(
        conn,
        settings,
        default_source=names.chosen,
        forced_crs=options.crs or source.declared_crs,
        now=run.now,
        known_sources=names.known,
    )
    conn.execute(_TUNING)
    batch_id = open_batch(conn, source, options)
    run.clock.lap("préparation")
    return Opened(batch_id, options.kind, ctx, names)


@dataclass(frozen=True)
class Read:
    """What reading, validating and sending the rows did: counts, what the valid rows hold, and whether they went
    straight into the emptied table (a large first load: no staging and no merge)."""

    streamed: Streamed
    span: Span
    direct: bool


def _read(
    conn: psycopg.Connection[Any],
    source: TableSource,
    cmap: ColumnMap,
    settings: Settings,
    opened: Opened,
    run: _Run,
) -> Read:
    """Read → validate → COPY, chunk by chunk (reports: keyed and their in-file repeats out on the way): into a
    staging table, or straight into the table for a large first load of reports."""
    kind, size, progress = opened.kind, source.facts.size, run.progress
    stream = partial(
        stream_file,
        conn,
        source,
        cmap,
        opened.ctx,
        kind=kind,
        chunk_rows=settings.chunk_rows,
        clock=run.clock,
        on_bytes=(lambda done: progress(done, size)) if progress else None,
    )
    read: Read | None = None
    if kind == "reports" and direct_load_possible(conn, kind, size, settings.bulk_load_min_bytes):
        span = Span()
        streamed = load_direct(conn, kind, opened.batch_id, stream, span, run.clock)
        read = Read(streamed, span, direct=True) if streamed is not None else None
    if read is None:
        conn.execute(_queries(kind)["create_stage"])
        span = Span()
        target = Target("stage", STAGE_COLUMNS[kind], binary=kind == "reports", batch_id=opened.batch_id)
        read = Read(stream(target=target, span=span, firsts=run.firsts if run.with_ids else None), span, False)
        conn.execute("ANALYZE stage")  # the planner knows its size (its rows are in no statistics yet)
    if read.streamed.rows_in == 0:
        message = f"{source.path.name} : aucune ligne de données après l'en-tête."
        raise InputFileError(message, hint="Vérifiez l'export.")
    return read


@dataclass(frozen=True)
class Deduped:
    """Staged visits or permits found after the COPY: identical repeats of an earlier row of the file (row →
    first row), rows refused with their reasons (conflicting repeats, visits that cannot be placed), and visits of
    a cancelled shift's stops moved to their sites (row → shift)."""

    same: dict[int, int] = field(default_factory=dict)
    refused: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    cancelled: dict[int, int] = field(default_factory=dict)


def _dedupe(
    conn: psycopg.Connection[Any], source: TableSource, cmap: ColumnMap, opened: Opened, read: Read, run: _Run
) -> Deduped:
    """In-file repeats of visits and permits (reports lost theirs while streaming), and visits that cannot be
    placed; both are taken out of the stage, the refused ones kept as rejects with their raw values."""
    kind = opened.kind
    if read.direct or kind == "reports":
        return Deduped()
    same: dict[int, int] = {}
    refused: dict[int, list[dict[str, Any]]] = {}
    cancelled: dict[int, int] = {}
    if read.streamed.loaded > 1:  # a repeat needs two rows
        same, refused = repeated_in_stage(conn, _queries("batch"), cmap)
    if kind == "visits" and read.span.with_references:
        cancelled = move_cancelled_stops(conn, _queries(kind))
        refused.update(unplaceable_visits(conn, _queries(kind)))
    if refused:
        stage_late_rejects(conn, source, cmap, refused)
    drop_from_stage(conn, sorted({*same, *refused}))
    run.firsts.update(same)
    run.clock.lap("doublons_fichier")
    return Deduped(
        same, refused, {row: plan for row, plan in cancelled.items() if row not in refused and row not in same}
    )


def _rejected(read: Read, deduped: Deduped) -> int:
    """Rows rejected so far: by validation, as conflicting in-file repeats, after staging."""
    return read.streamed.rejected + read.streamed.repeats.conflicts + len(deduped.refused)


def _refuse_if_any_reject(conn: psycopg.Connection[Any], read: Read, deduped: Deduped) -> None:
    """All or nothing: a rejected row refuses the batch (raised inside its transaction, so nothing is written)."""
    if not _rejected(read, deduped):
        return
    rows = conn.execute("SELECT reasons FROM stage_rejects ORDER BY row_number").fetchall()
    problems = [problem for (reasons,) in rows for problem in reasons]
    raise ValidationFailedError("Enregistrement refusé.", problems, hint="Corrigez les champs indiqués.")


@dataclass(frozen=True)
class Loaded:
    """What loading did: rows inserted, updated, found stored unchanged; whether the indexes were rebuilt."""

    inserted: int
    updated: int
    unchanged: int
    bulk: bool


def _load(conn: psycopg.Connection[Any], opened: Opened, read: Read, deduped: Deduped, clock: Clock) -> Loaded:
    """Merge the staged rows into their table (a direct load already put them there), then the reporters'
    contacts in the private schema."""
    kind, batch_id = opened.kind, opened.batch_id
    if read.direct:  # every streamed row is new
        return Loaded(read.streamed.loaded, 0, 0, bulk=True)
    staged = read.streamed.loaded - len(deduped.same) - len(deduped.refused)
    bulk = is_bulk(conn, kind, staged)
    with indexes_suspended(conn, kind) if bulk else nullcontext():
        inserted, updated = merge(conn, _queries(kind), batch_id, bulk=bulk)
        clock.lap("fusion")
    if bulk:
        clock.lap("index")
    if kind == "reports" and read.span.with_contacts:
        conn.execute(_queries(kind)["store_contacts"], {"batch": batch_id})
    return Loaded(inserted, updated, staged - inserted - updated, bulk)


@dataclass(frozen=True)
class Linked:
    """Links made after loading: new reports linked to an earlier report of another source (near-duplicates);
    for visits, what their details say (attached to a report, to a plan's stop, points whose priority moved)."""

    near_duplicates: int = 0
    details: dict[str, int] = field(default_factory=dict)


def _link(
    conn: psycopg.Connection[Any], opened: Opened, span: Span, loaded: Loaded, settings: Settings, clock: Clock
) -> Linked:
    """Reports: near-duplicates across sources. Visits: the report or plan's stop they name."""
    kind, batch_id = opened.kind, opened.batch_id
    qk = _queries(kind)
    if kind == "reports":
        hours, metres = settings.near_duplicate_hours, settings.near_duplicate_m
        new, linked = loaded.inserted, 0
        # a few new reports are looked up at once: asking first whether another source is near costs as much
        if new and (few_new_reports(new) or len(span.sources) > 1 or _other_sources_nearby(conn, qk, span, hours)):
            linked = link_near_duplicates(conn, qk, batch_id, metres=metres, hours=hours, new=new)
        clock.lap("quasi_doublons")
        return Linked(near_duplicates=linked)
    if kind != "visits":
        return Linked()
    if not span.with_references:  # nothing to attach
        return Linked(details={"visites_liees_a_un_signalement": 0})
    details = {"visites_liees_a_un_signalement": conn.execute(qk["link_reports"], {"batch": batch_id}).rowcount}
    sites = conn.execute(qk["link_sites"], {"batch": batch_id}).rowcount
    if sites:
        details["visites_liees_a_un_site"] = sites
    return Linked(details={**details, **link_plan_visits(conn, qk, batch_id, sites=sites)})


def _other_sources_nearby(conn: psycopg.Connection[Any], qk: dict[str, str], span: Span, hours: float) -> bool:
    params = {"lo": span.lo, "hi": span.hi, "hours": hours, "sources": sorted(span.sources)}
    row = conn.execute(qk["other_sources_nearby_in_time"], params).fetchone()
    return bool(row and row[0])


def link_plan_visits(
    conn: psycopg.Connection[Any], qk: dict[str, str], batch_id: int, *, sites: int = 0
) -> dict[str, int]:
    """Visits read from a plan's sheet: attached to their stop's site; with those that named their site (``sites``
    of them), the priority of the points visited follows their outcome at once (the analysis lifecycle takes them
    at its next run)."""
    linked = conn.execute(qk["link_plan_stops"], {"batch": batch_id}).rowcount
    if not linked and not sites:
        return {}
    from service.analyse.store import follow_visit_outcomes  # the analysis is loaded only when a site was named

    followed = {"points_repriorises": follow_visit_outcomes(conn, batch_id=batch_id)}
    return {"visites_de_tournee": linked, **followed} if linked else followed


def _geocode(conn: psycopg.Connection[Any], opened: Opened, span: Span, run: _Run) -> dict[str, int] | None:
    """Place the batch's rows stored without coordinates (None without a geocoding hook)."""
    if run.geocoder is None:
        return None
    stats = GeocodeStats(0, 0, 0, 0)
    if span.to_geocode:
        stats = run.geocoder.geocode_batch(conn, table=opened.kind, batch_id=opened.batch_id)
    run.clock.lap("geocodage")
    return asdict(stats)


def _refer(conn: psycopg.Connection[Any], opened: Opened, settings: Settings) -> int | None:
    """Reports: the rules that propose a referral (mediation, partners): proposed, never applied here."""
    if opened.kind != "reports":
        return None
    from service.referrals import propose_referrals

    return propose_referrals(conn, settings, batch_id=opened.batch_id)


def _stored_ids(conn: psycopg.Connection[Any], opened: Opened, read: Read, run: _Run) -> list[int]:
    """The id of each row's stored row, in row order (a repeat has its first row's)."""
    stored = dict(conn.execute(_queries(opened.kind)["stored_ids"]).fetchall())
    first = read.streamed.rows_in + 2  # rows are numbered from 2, after the header
    return [int(stored[run.firsts.get(number, number)]) for number in range(2, first)]


@dataclass(frozen=True)
class _Steps:
    """The results of the steps, for the batch's account."""

    read: Read
    deduped: Deduped
    loaded: Loaded
    linked: Linked
    geocoded: dict[str, int] | None
    referred: int | None
    mapping: dict[str, str] | None = None


def _close(
    conn: psycopg.Connection[Any],
    source: TableSource,
    cmap: ColumnMap,
    opened: Opened,
    steps: _Steps,
    clock: Clock,
) -> BatchSummary:
    """Keep the rejects, count the rows still waiting for an address, and close the batch with its account."""
    read, deduped, loaded, linked = steps.read, steps.deduped, steps.loaded, steps.linked
    kind, streamed, batch_id = opened.kind, read.streamed, opened.batch_id
    rejected = _rejected(read, deduped)
    details: dict[str, Any] = dict(linked.details) | streamed.noted
    if deduped.cancelled:  # recorded at their sites: the team went, the shift stays cancelled
        details["visites_de_tournees_annulees"] = len(deduped.cancelled)
        details["tournees_annulees"] = sorted(set(deduped.cancelled.values()))
    if rejected:
        conn.execute(_queries("batch")["store_rejects"], {"batch": batch_id})
        account = reject_account(conn, batch_id)
        details["arrets_non_faits"] = account["arrets_non_faits"]
        details.update({k: account[k] for k in ("lignes_vides", "lignes_de_total") if account[k]})
    if loaded.updated:
        settled = sql.SQL(_queries("batch")["close_reviews_settled_by_source"]).format(table=sql.Identifier(kind))
        conn.execute(settled, {"batch": batch_id, "target": kind})
    waiting = 0
    if read.span.to_geocode:
        query = sql.SQL("SELECT count(*) FROM {} WHERE batch_id = %s AND geocode_status = 'a_geocoder'")
        row = conn.execute(query.format(sql.Identifier(kind)), (batch_id,)).fetchone()
        waiting = int(row[0]) if row else 0
    if steps.geocoded is not None:
        details["geocodage"] = steps.geocoded
    if steps.referred is not None:
        details["renvois_proposes"] = steps.referred
    if steps.mapping:
        details["correspondance"] = steps.mapping
    details.update(opened.source.details(opened.ctx.new_sources))
    details.update(
        {
            "doublons_identiques_en_base": loaded.unchanged,
            "doublons_dans_le_fichier": streamed.repeats.same + len(deduped.same),
            "quasi_doublons_lies": linked.near_duplicates,
            "rejets_validation": streamed.rejected,
            "rejets_coherence": streamed.repeats.conflicts + len(deduped.refused),
            "a_geocoder": waiting,
            "index_reconstruits": loaded.bulk,
            "chargement_direct": read.direct,
            "colonnes": cmap.fields,
            "colonnes_ignorees": _unexpected_columns(cmap),
            "colonnes_fichier": source.headers,
            "colonnes_personnelles": sorted(cmap.fields[f] for f in PERSONAL_FIELDS if f in cmap.fields),
            "source_par_defaut": opened.ctx.default_source,
            "separateur": source.delimiter,
            "encodage": source.facts.encoding,
            "lignes_au_dessus_de_l_entete": source.rows_above,
            "feuille": source.sheet,
            "feuilles": source.sheets,
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
        inserted=loaded.inserted - linked.near_duplicates,
        updated=loaded.updated,
        duplicates=loaded.unchanged + streamed.repeats.same + len(deduped.same) + linked.near_duplicates,
        rejected=rejected,
        details=details,
        to_correct=account["rejets_a_corriger"] if rejected else [],
    )
    clock.lap("cloture")
    summary.timings = dict(clock.timings)
    close_batch(conn, summary)
    return summary


def _unexpected_columns(cmap: ColumnMap) -> list[str]:
    """Columns read but not imported that a person should know of: a plan's sheet carries its own columns (order,
    priority, why…) back with the results, and listing those as "not recognised" only hides a real typo."""
    if "stop_ref" not in cmap.fields:
        return cmap.ignored
    from service.export.sheet import PLAN_COLUMNS  # loaded only for a plan's sheet

    return [h for h in cmap.ignored if h not in PLAN_COLUMNS]


def _queries(name: str) -> dict[str, str]:
    """The named statements of ``sql/<name>.sql`` (``batch`` or a kind)."""
    return load_queries(_PKG, f"{name}.sql")
