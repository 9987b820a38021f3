"""A source's name as the service already knows it: « asbl_quartier » typed on an import is the « ASBL_Quartier »
the reports already hold.

The source is half of a row's key (source and external id): a partner's file imported again under its name typed
with other capitals would store every row a second time, and split the partner's counts in two. A source given on
an import (``--source``, the map's « Source ») or read in a file's source column is written as the service already
stores it when it differs only by capitals, accents, spaces and punctuation (« ASBL-Quartier », « asbl quartier »;
a source new to the service, as the file first writes it), and the batch's account says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql
from rapidfuzz import fuzz, process

from service.db.queries import Queries
from service.text import counted, unaccented

_q = Queries("service.ingest", "sources.sql")


def source_key(source: str) -> str:
    """The source as it is matched (the sources stored, the mappings kept): lower case, accents dropped, every run
    of spaces and punctuation one space (« ASBL_Quartier » = « asbl-quartier » = « ASBL  Quartier » = « asbl
    quartier », « Neupré » = « neupre »), and an acronym written with its dots or spaces one word (« A.S.B.L. » =
    « ASBL », « P.Z. Seraing » = « PZ Seraing »: two letters or more standing alone in a row are joined; « Comité
    d'Ougrée » keeps its « d »). Migrations 0087 and 0089 wrote the kept mappings' keys this way; the map's import
    form folds a typed source the same way (``keyOf``, tournee.js)."""
    words = " ".join(_PUNCTUATION.split(unaccented(source))).strip()
    if not words:
        return " ".join(source.split()).lower()  # a name of punctuation alone (« --- ») stays itself
    return _ACRONYM_GAP.sub("", words)


#: What separates a source's words: spaces, underscores, hyphens, dots, apostrophes… (any run of them).
_PUNCTUATION = re.compile(r"[\W_]+")
#: The space between two letters that each stand alone, as an acronym's dots leave them (« a s b l »).
_ACRONYM_GAP = re.compile(r"(?<=(?<![^ ])[^\W\d_]) (?=[^\W\d_](?![^ ]))")


def default_source(path: Path, fmt: str) -> str:
    """A stable source name when the file has no source column and none is given."""
    if fmt == "open311":
        return "open311"
    return re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_") or "fichier"


def stored_sources(conn: psycopg.Connection[Any], table: str) -> dict[str, str]:
    """Each source the table holds, under its :func:`source_key`; of two stored spellings of one key (kept before
    sources were matched), the first in sort order."""
    rows = conn.execute(sql.SQL(_q("stored_sources")).format(table=sql.Identifier(table))).fetchall()
    known: dict[str, str] = {}
    for (name,) in rows:
        known.setdefault(source_key(name), name)
    return known


#: The tables a source names rows of, with what the import form calls their rows.
SOURCE_TABLES = {"reports": "signalements", "visits": "visites", "permits": "permis"}


def known_sources(conn: psycopg.Connection[Any], table: str) -> dict[str, str]:
    """The sources an import into ``table`` is matched against: every table's, its own spelling first (a partner
    sends reports and visits under one name)."""
    known: dict[str, str] = {}
    for other in sorted(SOURCE_TABLES, key=lambda name: name != table):
        for key, name in stored_sources(conn, other).items():
            known.setdefault(key, name)
    return known


@dataclass(frozen=True)
class BatchSource:
    """A batch's source: the one its rows go under when they name none (``chosen``: as typed on the import, written
    as the service knows it, else the file's name), the sources known to the batch under their keys (``known``,
    the chosen one with them; a source column's new names join them as it is read), those stored before it
    (``stored``), and the source typed (``given``, spaces reduced; empty when none)."""

    chosen: str
    known: dict[str, str]
    stored: Mapping[str, str]
    given: str

    def details(self, from_column: list[str]) -> dict[str, Any]:
        """What the batch's account says of its sources: the typed one written as known (``source_connue``), and
        the batch's new sources a letter or two from a stored one (``sources_proches``: the typed one, never a
        file's name, which changes every month; those the source column named, ``from_column``)."""
        said: dict[str, Any] = {}
        if self.given and self.given != self.chosen:
            said["source_connue"] = {"donnee": self.given, "connue": self.chosen}
        new_given = self.given if self.given and source_key(self.given) not in self.stored else None
        near = near_sources(new_given, from_column, self.stored)
        if near:
            said["sources_proches"] = near
        return said


def batch_source(conn: psycopg.Connection[Any], table: str, given: str | None, fallback: str) -> BatchSource:
    """The source of a batch into ``table``: ``given`` (typed on the import) as the service knows it, else
    ``fallback`` (the file's name)."""
    known = known_sources(conn, table)
    stored = dict(known)
    typed = " ".join((given or "").split())
    chosen = as_known(typed or fallback, known)
    known.setdefault(source_key(chosen), chosen)  # a source column's other spellings of it go under it
    return BatchSource(chosen, known, stored, typed)


def sources_in_use(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    """Every source stored, with what it sent (« signalements, visites »), in the order of their names: what the
    map's import form suggests under « Source », so that a partner's next file goes under its known name."""
    sent: dict[str, list[str]] = {}
    for table, words in SOURCE_TABLES.items():
        for name in stored_sources(conn, table).values():
            sent.setdefault(name, []).append(words)
    return sorted(((name, ", ".join(kinds)) for name, kinds in sent.items()), key=lambda s: source_key(s[0]))


def as_known(source: str, known: Mapping[str, str]) -> str:
    """``source`` with its spaces reduced, written as the service knows it when it knows it."""
    tidy = " ".join(source.split())
    return known.get(source_key(tidy), tidy)


#: How near (rapidfuzz's ratio of the keys, 0–100) a new source must be to a known one to be pointed out: a letter
#: or two off in a name of ten or more (« ASBL Quartiers », « ASBL Quartir » for « ASBL_Quartier »), not another
#: district or number of the same partner (« ASBL Quartier Nord » and « … Sud », « Zone 1 » and « Zone 2 »).
NEAR_SOURCE_SCORE = 90.0


def near_source(source: str, known: Mapping[str, str]) -> str | None:
    """The known source ``source`` is likely a misspelling of (None when it is known, or near none): an import
    under it is stored apart, which the account says, with how to put it under the known one."""
    key = source_key(source)
    if key in known or len(key) < 5:
        return None
    found = process.extractOne(key, list(known), scorer=fuzz.ratio, score_cutoff=NEAR_SOURCE_SCORE)
    return known[found[0]] if found else None


def respelled(sources: pd.Series, known: dict[str, str], new: list[str] | None = None) -> tuple[pd.Series, np.ndarray]:
    """The rows' sources written as the service knows them, and which rows that changed (a file's source column:
    a few values repeated over the rows, each looked up once). A source new to the service is kept in ``known`` as
    first read, so that the file's other spellings of it go under that one (the chunks are read in order), and
    added to ``new``."""
    given = sources.dropna().unique()
    for value in given:
        tidy = " ".join(value.split())
        key = source_key(tidy)
        if key not in known:
            known[key] = tidy
            if new is not None:
                new.append(tidy)
    spelled = {value: as_known(value, known) for value in given}
    changed = {value: name for value, name in spelled.items() if name != value}
    if not changed:
        return sources, np.zeros(len(sources), dtype=bool)
    mask = sources.isin(list(changed)).to_numpy(dtype=bool)
    return sources.replace(changed), mask


def near_sources(given: str | None, from_column: list[str], stored: Mapping[str, str]) -> list[dict[str, Any]]:
    """The batch's new sources (the one typed on the import, those its source column named) that are a letter or
    two from a source stored before it, with that source: what the account points out (:func:`near_source_words`)."""
    found: list[dict[str, Any]] = []
    for name, column in [*([(given, False)] if given else []), *((n, True) for n in from_column)]:
        known = near_source(name, stored)
        if known is not None:
            found.append({"nouvelle": name, "connue": known, "colonne": column})
    return found


def near_source_words(details: Mapping[str, Any]) -> str | None:
    """The account's warning on the sources new to the service that are a letter or two from known ones (None
    without): the rows went under the new names, and how to put them under the known ones if they are the same."""
    near = details.get("sources_proches") or []
    if not near:
        return None
    merge = " ; ".join(f'hotspots sources fusionner "{n["nouvelle"]}" "{n["connue"]}"' for n in near)
    if len(near) == 1 and not near[0]["colonne"]:
        new, known = near[0]["nouvelle"], near[0]["connue"]
        return (
            f"Attention : source « {new} » nouvelle pour le service, proche de « {known} » qu'il connaît déjà. Si "
            f"c'est la même, annulez ce lot et importez le fichier de nouveau sous « {known} », ou rangez ses lignes "
            f"sous ce nom : {merge}."
        )
    pairs = ", ".join(f"« {n['nouvelle']} » (proche de « {n['connue']} »)" for n in near)
    if len(near) == 1:
        named, same = "source nouvelle", "Si c'est la même, rangez ses"
    else:
        named, same = "sources nouvelles", "Si ce sont les mêmes, rangez leurs"
    return (
        f"Attention : {named} pour le service, à une lettre ou deux d'une source qu'il connaît déjà : {pairs}. "
        f"{same} lignes sous le nom connu : {merge} (et corrigez la colonne de source du fichier pour le prochain "
        "envoi)."
    )


def respelling_words(details: Mapping[str, Any]) -> str | None:
    """The account's sentence on the sources written as known: the import's own (« --source ») and the rows of a
    source column (None when none was)."""
    parts: list[str] = []
    given = details.get("source_connue")
    if given:
        parts.append(
            f"Source « {given['donnee']} » rangée sous « {given['connue']} », le nom que le service lui connaît déjà "
            "(majuscules, accents, espaces et ponctuation mis à part)."
        )
    n = int(details.get("sources_reecrites") or 0)
    if n:
        parts.append(
            f"{counted(n, 'ligne')} dont la colonne de source écrit autrement (majuscules, accents, ponctuation) une "
            "source que le service connaît, ou déjà lue plus haut dans le fichier : rangées sous ce nom."
        )
    return " ".join(parts) or None
