"""A throwaway database for a benchmark run: DATABASE_URL when set, else a managed cluster in a temp folder."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from service.db import ensure_database
from service.db.cluster import ClusterManager
from service.settings import Settings, load_settings


@contextmanager
def throwaway_database(port: int) -> Iterator[Settings]:
    base = Path(tempfile.mkdtemp(prefix="hotspots-bench-"))
    base.chmod(0o755)  # as root, the server's own user must be able to enter it
    settings = load_settings(data_dir=base, pg_port=port)
    try:
        ensure_database(settings)
        yield settings
    finally:
        if settings.managed:
            ClusterManager(settings).down()
        shutil.rmtree(base, ignore_errors=True)
