"""Rows that arrive one by one (API forms, Open311 apps) go through the very same rules as files.

:func:`store_records` ingests them from memory as a small batch (:func:`service.ingest.pipeline.ingest_table`):
validated once, inside the batch's transaction, all or nothing, and the stored ids returned; the batch
accounting, near-duplicate linking and geocoding hook are the ones files get.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import psycopg

from service.errors import InputFileError, ValidationFailedError
from service.geocode import BatchGeocoder
from service.ingest.columns import Kind, check_required, map_columns
from service.ingest.pipeline import IngestOptions, StoredBatch, ingest_table
from service.ingest.source import STR
from service.settings import Settings

_WHAT = {"reports": "signalement", "visits": "visite", "permits": "permis"}
#: « refusé » agreeing with the record's noun (« Visite refusée »).
_REFUSED = {"reports": "Signalement refusé", "visits": "Visite refusée", "permits": "Permis refusé"}


def records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The records as a table of text columns (every key a column, in order of appearance; None → NA)."""
    headers: list[str] = []
    for record in records:
        headers += [h for h in record if h not in headers]
    columns = {h: pd.array([None if r.get(h) is None else str(r[h]) for r in records], dtype=STR) for h in headers}
    return pd.DataFrame(columns, columns=headers, index=pd.RangeIndex(len(records)))


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
) -> StoredBatch:
    """Ingest ``records`` as one batch named ``label`` (e.g. ``api-agent.dupont``), all or nothing: a refused
    record raises :class:`ValidationFailedError` naming every field at fault, and nothing is written.

    Returns the batch and the id of each record's stored row. Written in the caller's transaction when one is
    open (see :func:`service.ingest.pipeline.ingest_table`); the batch is kept as the CSV file these records
    make (``<label>.csv``: its size and SHA-256).
    """
    frame = records_frame(records)
    headers = list(frame.columns)
    try:
        check_required(map_columns(headers, kind), headers, kind, _WHAT[kind])
    except InputFileError as exc:
        raise ValidationFailedError(exc.message, [{"champ": None, "valeur": None, "motif": exc.message}]) from None
    options = IngestOptions(kind=kind, fmt="csv", source=source, delimiter=",", encoding="utf-8", all_or_nothing=True)
    try:
        return ingest_table(conn, frame, options, settings, name=f"{label}.csv", geocoder=geocoder, now=now)
    except ValidationFailedError as exc:
        raise _refused(kind, exc.problems) from None
