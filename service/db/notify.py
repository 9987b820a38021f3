"""The channel on which the database tells the server processes what changed (see ``service.api.watch``).

Triggers (migration 0011) send the kind of data that changed; ``hotspots db restore`` sends :data:`RESTORED`
once the restored database is committed: a restore drops and re-creates the tables (no trigger fires; a dump
of an older release could also bring back PostGIS's types under other ids), so every server must forget all it
keeps, and its connections too.
"""

from __future__ import annotations

from typing import Any

import psycopg

CHANNEL = "hotspots_donnees"
RESTORED = "restauration"


def announce_restore(conn: psycopg.Connection[Any]) -> None:
    """Tell every listening server that the database was replaced by a restore (delivered at commit)."""
    conn.execute("SELECT pg_notify(%s, %s)", [CHANNEL, RESTORED])
