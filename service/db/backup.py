"""Backups with pg_dump / pg_restore (custom format), for the managed cluster or ``DATABASE_URL``."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from service.db.cluster import find_bin_dir
from service.db.connect import connect, resolve_conninfo
from service.db.notify import announce_restore
from service.errors import ConfigError, DatabaseError
from service.settings import Settings


def _tool(settings: Settings, name: str) -> str:
    bin_dir = find_bin_dir(settings)
    if bin_dir and (bin_dir / name).exists():
        return str(bin_dir / name)
    found = shutil.which(name)
    if not found:
        raise ConfigError(f"{name} est introuvable.", hint="Installez le client PostgreSQL (postgresql-client).")
    return found


def _run(args: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    done = subprocess.run(args, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise DatabaseError(f"{Path(args[0]).name} a échoué : {done.stderr.strip()[-800:]}")


def backup(settings: Settings, target: Path) -> Path:
    """Write a full dump of the database (custom format, compressed) to ``target``."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".partiel")
    _run(
        [
            _tool(settings, "pg_dump"),
            "--format=custom",
            "--no-owner",
            "--file",
            str(tmp),
            "--dbname",
            resolve_conninfo(settings),
        ]
    )
    tmp.replace(target)  # a backup file is either complete or absent
    return target


def restore(settings: Settings, source: Path) -> None:
    """Replace the database's content with the dump in ``source``, then tell the running servers (they drop
    what they keep and their connections: :mod:`service.db.notify`)."""
    if not source.exists():
        raise ConfigError(f"Sauvegarde introuvable : {source}")
    _run(
        [
            _tool(settings, "pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            resolve_conninfo(settings),
            str(source),
        ]
    )
    with connect(settings, autocommit=True) as conn:
        announce_restore(conn)
