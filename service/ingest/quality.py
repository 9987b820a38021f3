"""What came in and what was refused: intake per source and month, batches, rejection reasons.

Read-only views of the ingestion tables for the intake notebook and any report on data quality.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import psycopg

from service.db.queries import Queries
from service.labels import KIND_LABELS, batch_state_label

_q = Queries("service.ingest", "quality.sql")


def intake_by_month(conn: psycopg.Connection[Any]) -> pd.DataFrame:
    """Rows stored per ``type`` (signalements, visites, permis), ``source`` and ``mois`` (first day of the
    month), with the reports' near-duplicates (``quasi_doublons``) among them."""
    frame = _q.frame(conn, "intake_by_month")
    frame["mois"] = pd.to_datetime(frame["mois"])
    return frame


def batch_accounts(conn: psycopg.Connection[Any]) -> pd.DataFrame:
    """Every batch, oldest first: what it holds (``signalements``…), file, state in words (``terminé``,
    ``refusé``, with the reason of a refusal in ``motif_refus``), rows read and where each went."""
    frame = _q.frame(conn, "batches")
    frame["type"] = frame["type"].map(lambda k: KIND_LABELS.get(k, k))
    frame["etat"] = frame["etat"].map(batch_state_label)
    return frame


def rejection_reasons(conn: psycopg.Connection[Any]) -> pd.DataFrame:
    """Rejected rows counted by batch, field (``champ``) and reason (``motif``), with the first row number
    of each (a row with several problems counts once per problem)."""
    return _q.frame(conn, "rejection_reasons")
