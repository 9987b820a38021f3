"""The vocabularies (categories, visit outcomes, report statuses) as look-up tables for the importer.

The database is the source of truth (tables ``categories``, ``visit_outcomes``, ``report_statuses``, read by
:func:`service.db.vocabulary.read_terms`); values from files are compared after :func:`normalise_value`, so case,
accents and punctuation do not matter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from service.db.vocabulary import Term, read_terms
from service.ingest.columns import SMALL_WORDS
from service.ingest.source import STR
from service.text import ascii_fold

#: How near (rapidfuzz's WRatio, 0–100) an unknown value must be to a known spelling to be suggested: a word of
#: the label (« dépôt », « encombrants » of « encombrants abandonnés ») or a letter or two off (« degections »).
SUGGEST_SCORE = 85.0


def normalise_value(text: str) -> str:
    """``"Dépôt  Clandestin!"`` → ``"depot clandestin"``; German ``ß`` is written ``ss`` (« außerhalb »)."""
    return re.sub(r"[^a-z0-9]+", " ", ascii_fold(text)).strip()


def singular(normalised: str) -> str:
    """``"depots sauvages"`` → ``"depot sauvage"``: each word without a French plural ``s`` or ``x``, so that an
    export's plural labels ("Dépôts sauvages", "Déjections canines") meet the vocabulary's singular ones."""
    return " ".join(w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in normalised.split())


#: The small words a label is written with or without (« Incinération de déchets », « incinération déchets »,
#: « Dépôt sur la voie publique »): a header's (:data:`service.ingest.columns.SMALL_WORDS`), and those a label
#: also has in the four languages.
_SMALL_WORDS = SMALL_WORDS | {"a", "au", "aux", "en", "der", "die", "das"}


def bare(normalised: str) -> str:
    """``"incineration de dechets"`` → ``"incineration dechet"``: :func:`singular` without the small words."""
    return " ".join(w for w in singular(normalised).split() if w not in _SMALL_WORDS)


def _bare_table(table: dict[str, str]) -> dict[str, str]:
    """Each spelling's :func:`bare` form → its code; a bare form two codes share is left out (no guess)."""
    found: dict[str, set[str]] = {}
    for spelling, code in table.items():
        found.setdefault(bare(spelling), set()).add(code)
    return {key: codes.pop() for key, codes in found.items() if key and len(codes) == 1}


#: Where a register's label joins two words of one thing: « Dépôt clandestin - encombrants », « Tags / graffitis »,
#: « Incivilité : déjections », « Épave (véhicule abandonné) ».
_PARTS = re.compile(r"\s+[-–—]\s+|\s*[/:;|(),]\s*")


def _one_part(raw: str, known: Callable[[str], str | None]) -> str | None:
    """The code of a label made of parts, when its known parts all say the same (« Incivilité - déjections »: the
    first part is no category, the second one is; « Divers : bruit »: « autre » yields to a code that says more);
    None when none is known, or when two say different things (« Graffiti / dépôt » is for a person to choose)."""
    parts = [p for p in _PARTS.split(raw) if p.strip()]
    if len(parts) < 2:
        return None
    found = {code for code in map(known, parts) if code}
    if len(found) > 1:
        found.discard("autre")  # « Divers : bruit »: the other part says what it is
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True)
class Vocabulary:
    """One vocabulary: its codes and every spelling that maps to them."""

    name: str
    codes: tuple[str, ...]
    lookup: dict[str, str]
    labels: dict[str, str] = field(default_factory=dict)  # code → French label, for messages

    @classmethod
    def from_terms(cls, name: str, terms: Iterable[Term]) -> Vocabulary:
        """Every spelling of each term (code, code with spaces, its labels, its synonyms), the first term to
        claim a spelling keeping it."""
        lookup: dict[str, str] = {}
        codes = []
        french: dict[str, str] = {}
        for t in terms:
            codes.append(t.code)
            french[t.code] = t.label_fr or t.code
            labels = [t.label_fr, t.label_nl, t.label_en, t.label_de]
            for spelling in [t.code, t.code.replace("_", " "), *labels, *t.synonyms]:
                if spelling:
                    lookup.setdefault(normalise_value(spelling), t.code)
        return cls(name, tuple(codes), lookup, french)

    def map(self, values: pd.Series, extra: dict[str, str] | None = None) -> pd.Series:
        """Codes for ``values`` (NA where unknown or empty). ``extra`` maps raw spellings to codes first; a
        spelling known to neither is tried again in the singular (:func:`singular`), then without its small words
        (:func:`bare`)."""
        table = dict(self.lookup)
        for raw, code in (extra or {}).items():
            table[normalise_value(raw)] = code
        singulars: dict[str, str] = {}
        for spelling, code in table.items():
            singulars.setdefault(singular(spelling), code)
        bares = _bare_table(table)
        array = pa.array(values.astype(STR).array)
        uniques = pc.unique(array.drop_null())
        if not len(uniques):
            return pd.Series(pd.NA, index=values.index, dtype=STR)

        def known(raw: str) -> str | None:
            key = normalise_value(raw)
            return table.get(key) or singulars.get(singular(key)) or bares.get(bare(key))

        codes = pa.array([known(u) or _one_part(u, known) for u in uniques.to_pylist()], type=pa.large_string())
        mapped = pc.take(codes, pc.index_in(array, value_set=uniques))  # each distinct spelling looked up once
        out = mapped.to_pandas(types_mapper={pa.string(): STR, pa.large_string(): STR}.get)
        out.index = values.index
        return out

    @cached_property
    def _suggestable(self) -> list[str]:
        """The spellings a suggestion is drawn from, once per vocabulary: not the short ones (« sac », « pv »,
        « gas »), which any text holding them would look near."""
        return [spelling for spelling in self.lookup if len(spelling) >= 4]

    def closest(self, value: str) -> str | None:
        """The code whose spelling is nearest to an unknown ``value`` (« dépôt » → ``depot_clandestin``, by its
        label « Dépôt clandestin »; « Degections » → ``dejections``), or None when none is near: a suggestion for
        the person who fixes the row, never a silent guess (an unknown value is still refused)."""
        key = normalise_value(value)
        if not key or not self.lookup:
            return None
        found = process.extractOne(key, self._suggestable, scorer=fuzz.WRatio, score_cutoff=SUGGEST_SCORE)
        return self.lookup[found[0]] if found else None

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
def _vocabulary(name: str, key: tuple[tuple[Any, ...], ...]) -> Vocabulary:
    return Vocabulary.from_terms(
        name, (Term(code, fr, nl, en, de, list(synonyms), None, True) for code, fr, nl, en, de, synonyms in key)
    )


def _cached(name: str, terms: Iterable[Term]) -> Vocabulary:
    """The look-up table of these terms, built once per content."""
    return _vocabulary(
        name, tuple((t.code, t.label_fr, t.label_nl, t.label_en, t.label_de, tuple(t.synonyms)) for t in terms)
    )


def load_vocabularies(conn: psycopg.Connection[Any]) -> Vocabularies:
    """The three vocabularies of the database as look-ups (categories no longer in use are refused); the look-up
    tables are built once per content (every batch reads the vocabularies; they seldom change)."""
    terms = read_terms(conn)
    return Vocabularies(
        _cached("catégories", [t for t in terms.categories if t.active]),
        _cached("résultats de visite", terms.outcomes),
        _cached("statuts", terms.statuses),
    )
