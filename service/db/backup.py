"""Backups with pg_dump / pg_restore (custom format), for the managed cluster or ``DATABASE_URL``.

A restore is one transaction: the service's objects are dropped and the dump's script (written by pg_restore,
run by psql) re-creates them, all committed together or not at all. Extensions are left as they are (neither
dropped nor created: an IT department's account often may not), so their entries in the dump are skipped.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO

from service.db.cluster import find_bin_dir
from service.db.connect import connect, resolve_conninfo
from service.db.migrate import ensure_extensions
from service.db.notify import announce_restore
from service.db.queries import Queries
from service.errors import ConfigError, DatabaseError
from service.settings import Settings

_q = Queries("service.db", "restore.sql")
#: Entries of a dump's table of contents a restore skips: the extensions and what they own (PostGIS's table of
#: coordinate systems), which stay as the database has them.
_SKIPPED = re.compile(r"^\d+; \d+ \d+ (EXTENSION - |COMMENT - EXTENSION |TABLE DATA public spatial_ref_sys )")


def _tool(settings: Settings, name: str) -> str:
    bin_dir = find_bin_dir(settings)
    if bin_dir and (bin_dir / name).exists():
        return str(bin_dir / name)
    found = shutil.which(name)
    if not found:
        raise ConfigError(f"{name} est introuvable.", hint="Installez le client PostgreSQL (postgresql-client).")
    return found


def _env() -> dict[str, str]:
    """The environment of the PostgreSQL tools: without PG* variables, so only the settings say where to go."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _failure(tool: str, stderr: str, hint: str) -> DatabaseError:
    """A tool's refusal in French, with its own last lines (English, technical) kept as the detail."""
    detail = "\n".join(line for line in stderr.strip().splitlines()[-6:] if not line.startswith("\\"))
    return DatabaseError(f"{tool} a échoué ; rien n'a été modifié. Détail : {detail}", hint=hint)


def _run(args: list[str], hint: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, check=False, env=_env())
    if done.returncode != 0:
        raise _failure(Path(args[0]).name, done.stderr, hint)
    return done.stdout


def backup(settings: Settings, target: Path) -> Path:
    """Write a full dump of the database (custom format, compressed) to ``target``; a failed dump leaves no file
    behind (neither ``target`` nor a partial one)."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".partiel")
    args = [_tool(settings, "pg_dump"), "--format=custom", "--no-owner", "--file", str(tmp)]
    try:
        _run([*args, "--dbname", resolve_conninfo(settings)], hint="Vérifiez que la base répond (hotspots db status).")
    except DatabaseError:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(target)  # a backup file is either complete or absent
    return target


def _restore_list(settings: Settings, source: Path) -> str:
    """The dump's table of contents without the entries a restore skips (:data:`_SKIPPED`)."""
    toc = _run(
        [_tool(settings, "pg_restore"), "--list", str(source)],
        hint=f"{source} n'est pas une sauvegarde de « hotspots db backup » (format personnalisé de pg_dump).",
    )
    return "".join(line for line in toc.splitlines(keepends=True) if not _SKIPPED.match(line))


def _pump(writer: subprocess.Popen[bytes], reader: subprocess.Popen[bytes]) -> bool:
    """Copy pg_restore's script into psql; True when pg_restore wrote all of it. When it did not (a damaged file),
    psql is killed before it reads the end of its input: it never reaches the COMMIT of its single transaction,
    so a partial restore cannot be kept."""
    assert writer.stdout is not None and reader.stdin is not None
    with contextlib.suppress(BrokenPipeError):  # psql stopped at an error: its own message says which
        shutil.copyfileobj(writer.stdout, reader.stdin, 1 << 20)
    complete = writer.wait() == 0
    if not complete:
        reader.kill()
    with contextlib.suppress(BrokenPipeError):
        reader.stdin.close()
    reader.wait()
    return complete


def _replay(settings: Settings, source: Path, toc: Path) -> None:
    """Empty the database and run the dump's script in one psql transaction (stopped at the first error)."""
    script = [_tool(settings, "pg_restore"), "--no-owner", "--use-list", str(toc), "--file", "-", str(source)]
    run = [_tool(settings, "psql"), "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1"]
    run += ["--command", _q("empty_database"), "--file", "-", "--dbname", resolve_conninfo(settings)]
    hint = "La base garde son contenu d'avant. Vérifiez la sauvegarde et les droits de l'utilisateur de la base."
    with tempfile.TemporaryFile() as writer_err, tempfile.TemporaryFile() as reader_err:
        with (
            subprocess.Popen(script, stdout=subprocess.PIPE, stderr=writer_err, env=_env()) as writer,
            subprocess.Popen(
                run, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=reader_err, env=_env()
            ) as reader,
        ):
            complete = _pump(writer, reader)
        if not complete:
            raise _failure("pg_restore", _read(writer_err), hint)
        if reader.returncode != 0:
            raise _failure("La restauration", _read(reader_err), hint)


def _read(stream: IO[bytes]) -> str:
    stream.seek(0)
    return stream.read().decode("utf-8", "replace")


def restore(settings: Settings, source: Path) -> None:
    """Replace the database's content with the dump in ``source`` (all or nothing), then tell the running servers
    (they drop what they keep and their connections: :mod:`service.db.notify`). The extensions must exist: they
    are checked first, as by ``hotspots db migrate``."""
    if not source.is_file():
        raise ConfigError(f"Sauvegarde introuvable : {source}", hint="Vérifiez le chemin du fichier.")
    with connect(settings) as conn:
        ensure_extensions(conn)
    with tempfile.TemporaryDirectory(prefix="hotspots-restauration-") as work:
        toc = Path(work) / "liste"
        toc.write_text(_restore_list(settings, source), encoding="utf-8")
        _replay(settings, source, toc)
    with connect(settings, autocommit=True) as conn:
        announce_restore(conn)
