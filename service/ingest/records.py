"""Rows that arrive one by one (API forms, Open311 apps) go through the very same rules as files.

:func:`check_records` runs the file validators on the records without writing anything and raises
:class:`ValidationFailedError` with every reason; :func:`store_records` ingests them as a small batch, all or
nothing (validated once, inside the batch's transaction), so the batch accounting, near-duplicate linking and
geocoding hook are the ones files get.
"""

from __future__ import annotations

import csv
import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg

from service.errors import InputFileError, ValidationFailedError
from service.geocode import BatchGeocoder
from service.ingest.columns import Kind, check_required, map_columns
from service.ingest.pipeline import BatchSummary, IngestOptions, ingest_file, validation_context
from service.ingest.read import STR
from service.ingest.validate import VALIDATORS
from service.settings import Settings

_WHAT = {"reports": "signalement", "visits": "visite", "permits": "permis"}
#: « refusé » agreeing with the record's noun (« Visite refusée »).
_REFUSED = {"reports": "Signalement refusé", "visits": "Visite refusée", "permits": "Permis refusé"}


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    headers: list[str] = []
    for record in records:
        headers += [h for h in record if h not in headers]
    rows = [{h: (None if r.get(h) is None else str(r[h])) for h in headers} for r in records]
    frame = pd.DataFrame(rows, columns=headers).astype(STR)
    frame["_row"] = range(1, len(frame) + 1)
    return frame


def check_records(
    conn: psycopg.Connection[Any],
    settings: Settings,
    kind: Kind,
    records: list[dict[str, Any]],
    *,
    source: str,
    now: datetime | None = None,
) -> None:
    """Raise :class:`ValidationFailedError` naming every field at fault; write nothing."""
    _check_frame(conn, settings, kind, _frame(records), source=source, now=now)


def _check_frame(
    conn: psycopg.Connection[Any],
    settings: Settings,
    kind: Kind,
    frame: pd.DataFrame,
    *,
    source: str,
    now: datetime | None,
) -> None:
    headers = [c for c in frame.columns if c != "_row"]
    cmap = map_columns(headers, kind)
    try:
        check_required(cmap, headers, kind, _WHAT[kind])
    except InputFileError as exc:
        raise ValidationFailedError(exc.message, [{"champ": None, "valeur": None, "motif": exc.message}]) from None
    ctx = validation_context(conn, settings, default_source=source, now=now)
    validated = VALIDATORS[kind](frame, cmap, ctx)
    conn.rollback()  # validation only read the vocabularies
    if validated.rejected.empty:
        return
    problems: list[dict[str, str | None]] = []
    for reasons in validated.rejected["reasons"]:
        problems += json.loads(reasons)
    raise _refused(kind, problems)


def _refused(kind: Kind, problems: list[dict[str, str | None]]) -> ValidationFailedError:
    first = problems[0]
    return ValidationFailedError(
        f"{_REFUSED[kind]} : {first['champ']} « {first['valeur'] or ''} » — {first['motif']}",
        problems,
        hint="Corrigez les champs indiqués et renvoyez ; rien n'a été enregistré.",
    )


def store_records(
    conn: psycopg.Connection[Any],
    settings: Settings,
    kind: Kind,
    records: list[dict[str, Any]],
    *,
    source: str,
    label: str,
    geocoder: BatchGeocoder | None = None,
    now: datetime | None = None,
) -> BatchSummary:
    """Ingest ``records`` as one batch named ``label`` (e.g. ``api-agent.dupont``), all or nothing: a refused
    record raises :class:`ValidationFailedError` naming every field at fault, and nothing is written."""
    frame = _frame(records).drop(columns="_row")
    headers = list(frame.columns)
    try:
        check_required(map_columns(headers, kind), headers, kind, _WHAT[kind])
    except InputFileError as exc:
        raise ValidationFailedError(exc.message, [{"champ": None, "valeur": None, "motif": exc.message}]) from None
    with tempfile.TemporaryDirectory(prefix="hotspots-api-") as tmp:
        path = Path(tmp) / f"{label}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(frame.columns)
            for row in frame.itertuples(index=False):
                writer.writerow(["" if pd.isna(v) else v for v in row])
        options = IngestOptions(
            kind=kind, fmt="csv", source=source, delimiter=",", encoding="utf-8", all_or_nothing=True
        )
        try:
            return ingest_file(conn, path, options, settings, geocoder=geocoder, now=now)
        except ValidationFailedError as exc:
            raise _refused(kind, exc.problems) from None
