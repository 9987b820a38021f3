"""The vocabularies (categories, visit outcomes, report statuses) as look-up tables for the importer.

The database is the source of truth (tables ``categories``, ``visit_outcomes``, ``report_statuses``); values
from files are compared after :func:`normalise_value`, so case, accents and punctuation do not matter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc

from service.ingest.read import STR


def normalise_value(text: str) -> str:
    """``"Dépôt  Clandestin!"`` → ``"depot clandestin"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text).strip()


@dataclass(frozen=True)
class Vocabulary:
    """One vocabulary: its codes and every spelling that maps to them."""

    name: str
    codes: tuple[str, ...]
    lookup: dict[str, str]

    @classmethod
    def from_rows(cls, name: str, rows: list[tuple[Any, ...]]) -> Vocabulary:
        """From rows (code, labels…, synonyms): every spelling, normalised, maps to its code."""
        lookup: dict[str, str] = {}
        for code, *labels in rows:
            synonyms = labels.pop() if labels and isinstance(labels[-1], list | tuple) else []
            for spelling in [code, code.replace("_", " "), *labels, *synonyms]:
                if spelling:
                    lookup.setdefault(normalise_value(spelling), code)
        return cls(name, tuple(r[0] for r in rows), lookup)

    def map(self, values: pd.Series, extra: dict[str, str] | None = None) -> pd.Series:
        """Codes for ``values`` (NA where unknown or empty). ``extra`` maps raw spellings to codes first."""
        table = dict(self.lookup)
        for raw, code in (extra or {}).items():
            table[normalise_value(raw)] = code
        array = pa.array(values.astype(STR).array)
        uniques = pc.unique(array.drop_null())
        if not len(uniques):
            return pd.Series(pd.NA, index=values.index, dtype=STR)
        codes = pa.array([table.get(normalise_value(u)) for u in uniques.to_pylist()], type=pa.large_string())
        mapped = pc.take(codes, pc.index_in(array, value_set=uniques))  # each distinct spelling looked up once
        out = mapped.to_pandas(types_mapper={pa.string(): STR, pa.large_string(): STR}.get)
        out.index = values.index
        return out

    def describe(self) -> str:
        """The codes, for messages."""
        return ", ".join(self.codes)


@dataclass(frozen=True)
class Vocabularies:
    """The three vocabularies validation maps values to."""

    categories: Vocabulary
    outcomes: Vocabulary
    statuses: Vocabulary


@lru_cache(maxsize=32)
def _vocabulary(name: str, rows: tuple[tuple[Any, ...], ...]) -> Vocabulary:
    """The look-up table of these rows, built once (every batch reads the vocabularies; they seldom change)."""
    return Vocabulary.from_rows(name, list(rows))


def _frozen(rows: list[tuple[Any, ...]]) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(tuple(v) if isinstance(v, list) else v for v in row) for row in rows)


def load_vocabularies(conn: psycopg.Connection[Any]) -> Vocabularies:
    """Read the three vocabularies from the database (the source of truth, read at every batch)."""
    cats = conn.execute(
        "SELECT code, label_fr, label_nl, label_en, synonyms FROM categories WHERE active ORDER BY code"
    ).fetchall()
    outs = conn.execute(
        "SELECT code, label_fr, label_nl, label_en, synonyms FROM visit_outcomes ORDER BY code"
    ).fetchall()
    stats = conn.execute(
        "SELECT code, label_fr, label_nl, label_en, synonyms FROM report_statuses ORDER BY code"
    ).fetchall()
    return Vocabularies(
        _vocabulary("catégories", _frozen(cats)),
        _vocabulary("résultats de visite", _frozen(outs)),
        _vocabulary("statuts", _frozen(stats)),
    )
