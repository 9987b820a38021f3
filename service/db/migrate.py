"""Versioned, re-runnable migrations: numbered ``.sql`` files applied once each and recorded."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg

from service.errors import DatabaseError
from service.text import counted, plural

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 7_310_042  # arbitrary advisory-lock key shared by every migrating process


@dataclass(frozen=True)
class Migration:
    """One numbered ``.sql`` file shipped with the package."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """The SHA-256 of the file's text: an applied migration edited afterwards is noticed."""
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def available_migrations() -> list[Migration]:
    """The migrations shipped with the package, in order."""
    found = []
    for entry in resources.files("service.db").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def applied_migrations(conn: psycopg.Connection[Any]) -> dict[int, str]:
    """Version → checksum of the migrations recorded in the database (none on a database never migrated)."""
    exists = conn.execute("SELECT to_regclass('public.schema_migrations')").fetchone()
    if not exists or exists[0] is None:
        return {}
    return dict(conn.execute("SELECT version, checksum FROM schema_migrations").fetchall())


def schema_version(conn: psycopg.Connection[Any]) -> int | None:
    """The highest migration applied (None on a database never migrated)."""
    done = applied_migrations(conn)
    return max(done) if done else None


def check_schema(conn: psycopg.Connection[Any]) -> int:
    """The schema version when every migration shipped with the service is applied; else a French
    :class:`DatabaseError` saying which are missing and the command that applies them. The server checks this at
    start and never migrates by itself (two processes starting together would race, and a migration is an act of
    the administrator)."""
    done = applied_migrations(conn)
    conn.rollback()
    pending = [m for m in available_migrations() if m.version not in done]
    if pending:
        names = ", ".join(f"{m.version:04d}_{m.name}" for m in pending[:5]) + (" …" if len(pending) > 5 else "")
        current = f"{max(done):04d}" if done else "aucune"
        raise DatabaseError(
            f"La base n'est pas à jour : {counted(len(pending), 'migration')} en attente ({names} ; "
            f"dernière appliquée : {current}). Le serveur ne démarre pas sur un schéma en retard.",
            hint="Appliquez-les avec « hotspots db migrate » (ou « hotspots db up »), puis relancez le serveur.",
        )
    return max(done)


#: Extensions the schema needs (created by migration 0001 when the account may).
EXTENSIONS = ("postgis", "pg_trgm", "unaccent")


def _missing_extensions(conn: psycopg.Connection[Any]) -> tuple[list[str], list[str]]:
    """Of :data:`EXTENSIONS`, those not created in this database, and of these, those the server does not even
    have installed (the package is missing on the database server)."""
    rows = conn.execute(
        """SELECT a.name, e.extname IS NOT NULL FROM pg_available_extensions a
           LEFT JOIN pg_extension e ON e.extname = a.name WHERE a.name = ANY(%s)""",
        (list(EXTENSIONS),),
    ).fetchall()
    created = {name for name, done in rows if done}
    available = {name for name, _done in rows}
    missing = [e for e in EXTENSIONS if e not in created]
    return missing, [e for e in missing if e not in available]


def _create_extensions(conn: psycopg.Connection[Any], names: list[str]) -> list[str]:
    """Create the extensions this account may create (pg_trgm and unaccent are « trusted »: a database owner
    may); return those refused for lack of rights."""
    refused = []
    for name in names:
        try:
            with conn.transaction():
                conn.execute(f'CREATE EXTENSION IF NOT EXISTS "{name}"')
        except psycopg.errors.InsufficientPrivilege:
            refused.append(name)
    return refused


def ensure_extensions(conn: psycopg.Connection[Any]) -> None:
    """PostGIS, pg_trgm and unaccent exist in the database, or a French :class:`DatabaseError` says who must do
    what: install PostGIS on the database server, or run these ``CREATE EXTENSION`` as a superuser (an IT
    department's PostGIS often gives the service an account without that right)."""
    missing, absent = _missing_extensions(conn)
    conn.commit()
    if absent:
        raise DatabaseError(
            f"{plural(len(absent), 'Extension absente', 'Extensions absentes')} du serveur PostgreSQL : "
            f"{', '.join(absent)}. Aucune table n'a été créée.",
            hint="Installez-les sur le serveur de la base (Debian/Ubuntu : paquets postgresql-<version>-postgis-3 "
            "et postgresql-contrib), puis relancez « hotspots db migrate ».",
        )
    refused = _create_extensions(conn, missing)
    if refused:
        database, user = conn.info.dbname, conn.info.user
        statements = " ".join(f"CREATE EXTENSION IF NOT EXISTS {name};" for name in refused)
        raise DatabaseError(
            f"L'utilisateur « {user} » n'a pas le droit de créer l'extension {', '.join(refused)} dans la base "
            f"« {database} ». Aucune table n'a été créée.",
            hint=f"Un superutilisateur PostgreSQL doit lancer, dans la base « {database} » : {statements} "
            "Puis relancez « hotspots db migrate ».",
        )


def migrate(conn: psycopg.Connection[Any]) -> list[Migration]:
    """Apply pending migrations, each in its own transaction, under an advisory lock. Returns those applied.
    The extensions are checked first (:func:`ensure_extensions`): nothing is applied without them."""
    conn.commit()
    ensure_extensions(conn)
    applied_now: list[Migration] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version integer PRIMARY KEY,
                   name text NOT NULL,
                   checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
    for mig in available_migrations():
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            done = applied_migrations(conn)
            if mig.version in done:
                if done[mig.version] != mig.checksum:
                    raise DatabaseError(
                        f"La migration {mig.version:04d}_{mig.name} a été modifiée après son application.",
                        hint="Ne modifiez jamais une migration appliquée : ajoutez-en une nouvelle.",
                    )
                continue
            try:
                conn.execute(mig.sql.encode("utf-8"))
            except psycopg.Error as exc:
                raise DatabaseError(
                    f"Échec de la migration {mig.version:04d}_{mig.name} : {str(exc).strip()}",
                    hint="Avec DATABASE_URL, l'utilisateur doit pouvoir créer les extensions postgis, "
                    "pg_trgm et unaccent (ou un administrateur doit les créer).",
                ) from exc
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                (mig.version, mig.name, mig.checksum),
            )
            applied_now.append(mig)
    return applied_now
