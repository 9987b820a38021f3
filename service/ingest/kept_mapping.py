"""The mapping file kept for a source: a partner's monthly export read the same way without its mapping file.

A file imported with a source named (``--source``, the map's « Source ») and a mapping file (``--correspondance``)
keeps that mapping for the source, in the database, with its batch; the source's next file imported without a
mapping is read through it, from the command line or from any browser, and its account says so. A refusal read
through a kept mapping says it was applied (the partner may have renamed its columns) and how to set it aside
(:meth:`service.ingest.mapping.KeptMapping.refusal`, when the refusal is recorded).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg

from service.db.queries import Queries
from service.errors import InputFileError, InvalidValueError
from service.ingest.batch import IngestOptions
from service.ingest.columns import Kind
from service.ingest.mapping import KeptMapping, MappingFile
from service.ingest.source_names import as_known, known_sources, source_key

_q = Queries("service.ingest", "mappings.sql")

#: What a mapping file may be: the command line reads TOML, or YAML by its suffix.
MAPPING_SUFFIXES = (".toml", ".yaml", ".yml")
#: A mapping names columns and spellings: a few kilobytes. Beyond this, it is not a mapping file.
MAX_MAPPING_BYTES = 256 * 1024


def check_mapping_name(file_name: str, outcome: str) -> str:
    """The mapping file's name (its folder left out), refused unless TOML or YAML, saying ``outcome`` (« rien n'est
    importé »)."""
    name = Path(file_name).name
    if Path(name).suffix.lower() not in MAPPING_SUFFIXES:
        raise InputFileError(
            f"Fichier de correspondance « {name} » : un fichier TOML ou YAML est attendu (.toml, .yaml ou .yml) ; "
            f"{outcome}.",
            hint="Un fichier texte .toml : une section [colonnes] puis une ligne par champ, par exemple "
            'observed_at = "Date du constat" ; au besoin [valeurs.<champ>] et [defauts] '
            "(README, « Formats reconnus »).",
        )
    return name


def _kept(row: tuple[Any, ...] | None) -> KeptMapping | None:
    return KeptMapping(*row) if row else None


def kept_mapping(conn: psycopg.Connection[Any], source: str, kind: Kind = "reports") -> KeptMapping | None:
    """The mapping kept for ``source``'s files of ``kind`` (None without)."""
    return _kept(conn.execute(_q("kept_mapping"), {"source": source_key(source), "kind": kind}).fetchone())


def kept_mappings(conn: psycopg.Connection[Any]) -> list[KeptMapping]:
    """Every kept mapping, by source, then kind (reports, visits, permits)."""
    return [KeptMapping(*row) for row in conn.execute(_q("kept_mappings")).fetchall()]


def keep_mapping(
    conn: psycopg.Connection[Any],
    source: str,
    file_name: str,
    content: str,
    *,
    by: str | None,
    kind: Kind = "reports",
    name: str | None = None,
) -> KeptMapping:
    """Keep ``content`` (a mapping file's text) for ``source``'s files of ``kind``, in place of the one kept
    before, under ``source``'s key and shown as ``name`` (the source as the service knows it; else as given); a
    text that is no mapping file is refused before anything is kept."""
    key = source_key(source)
    if not key:
        raise InvalidValueError("Source vide : une correspondance se garde pour une source nommée.")
    file_name = check_mapping_name(file_name, "rien n'est gardé")
    shown = name or as_known(source, known_sources(conn, kind))
    if len(content.encode("utf-8")) > MAX_MAPPING_BYTES:
        raise InputFileError(
            f"Fichier de correspondance « {file_name} » : plus de {MAX_MAPPING_BYTES // 1024} Ko, ce n'est pas une "
            "correspondance de colonnes."
        )
    MappingFile.parse(content, file_name)  # refused here, with its reason, rather than at the source's next file
    kept = _kept(
        conn.execute(
            _q("keep_mapping"),
            {"source": key, "kind": kind, "name": shown, "file_name": file_name, "content": content, "kept_by": by},
        ).fetchone()
    )
    assert kept is not None  # INSERT … RETURNING
    return kept


def forget_mapping(conn: psycopg.Connection[Any], source: str, kind: Kind = "reports") -> str | None:
    """Forget the mapping kept for ``source``'s files of ``kind``: the name it was kept under, or None when none
    was kept."""
    row = conn.execute(_q("forget_mapping"), {"source": source_key(source), "kind": kind}).fetchone()
    return str(row[0]) if row else None


def with_kept_mapping(conn: psycopg.Connection[Any], options: IngestOptions) -> IngestOptions:
    """``options`` with the mapping kept for their source, when no mapping file is given (unchanged otherwise)."""
    if options.mapping is not None or options.kept is not None or not options.use_kept or not options.source:
        return options
    kept = kept_mapping(conn, options.source, options.kind)
    return replace(options, kept=kept) if kept else options


def keep_given_mapping(
    conn: psycopg.Connection[Any], options: IngestOptions, name: str | None = None
) -> dict[str, str] | None:
    """A mapping file given with a source: kept for the source (in the batch's transaction) under ``name`` (the
    source as the service knows it), and what the batch's account says of the mapping
    (``details["correspondance"]``): kept, applied, or None without either."""
    if options.kept is not None:
        return _said(options.kept, "appliquee")
    if options.mapping is None or not options.source or not source_key(options.source):
        return None
    content = Path(options.mapping).read_text(encoding="utf-8-sig")
    kept = keep_mapping(
        conn, options.source, Path(options.mapping).name, content, by=options.actor, kind=options.kind, name=name
    )
    return _said(kept, "gardee")


def _said(kept: KeptMapping, state: str) -> dict[str, str]:
    return {
        "source": kept.source,
        "fichier": kept.file_name,
        "etat": state,
        "le": f"{kept.kept_at:%d/%m/%Y}",
        "par": kept.kept_by or "",
    }


def mapping_words(said: dict[str, str] | None) -> str | None:
    """The batch's sentence about its mapping: « Correspondance gardée pour « asbl_quartier » appliquée :
    asbl_quartier.toml (gardée le 03/11/2026 par dupont). », or that the one given is now kept (None without)."""
    if not said:
        return None
    if said["etat"] == "appliquee":
        by = f" par {said['par']}" if said.get("par") else ""
        return (
            f"Correspondance gardée pour « {said['source']} » appliquée : {said['fichier']} (gardée le "
            f"{said['le']}{by})."
        )
    return (
        f"Correspondance {said['fichier']} gardée pour la source « {said['source']} » : appliquée à ses prochains "
        "fichiers importés sans correspondance."
    )
