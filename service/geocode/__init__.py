"""Geocode stage: turn addresses into points (offline, Belgian register).

The matching itself lives in this package; ingestion only needs the small hook below, called inside the
batch's transaction once the rows are stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import psycopg


@dataclass(frozen=True)
class GeocodeStats:
    """What a geocoding pass did to the rows of one batch."""

    attempted: int
    placed: int
    to_review: int
    failed: int


class BatchGeocoder(Protocol):
    """Places the rows of a batch stored with ``geocode_status = 'a_geocoder'``.

    Called by ingestion in the batch's transaction; must only update rows of ``batch_id`` in ``table``.
    """

    def geocode_batch(self, conn: psycopg.Connection[Any], *, table: str, batch_id: int) -> GeocodeStats:
        """Place the rows of ``batch_id`` in ``table`` that wait for it, in the caller's transaction."""


def batch_geocoder_if_loaded(conn: psycopg.Connection[Any]) -> BatchGeocoder | None:
    """The ingestion hook, or None while no address register is loaded (rows then wait as 'a_geocoder').

    The matcher and its libraries (SciPy, RapidFuzz) are imported only when there is a register to match on:
    :func:`service.geocode.apply.batch_geocoder` once the register is known to be there.
    """
    row = conn.execute("SELECT EXISTS (SELECT 1 FROM gazetteer_streets)").fetchone()
    if not row or not row[0]:
        return None
    from service.geocode.apply import GazetteerBatchGeocoder
    from service.geocode.match import Geocoder

    return GazetteerBatchGeocoder(Geocoder.from_db(conn))
