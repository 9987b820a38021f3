"""The service's vocabularies as the database keeps them (tables ``categories``, ``visit_outcomes``,
``report_statuses``; the service can change them), read by one function for every stage: the importer's look-ups
(:mod:`service.ingest.vocabulary`), the French labels and gravities of the sheets, lists and maps (:class:`Labels`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import psycopg

from service.db.queries import Queries

Kind = Literal["categorie", "resultat", "statut"]

_q = Queries("service.db", "vocabulary.sql")


@dataclass(frozen=True)
class Term:
    """One code of a vocabulary, with its labels, synonyms and (categories) gravity and use."""

    code: str
    label_fr: str
    label_nl: str | None
    label_en: str | None
    label_de: str | None
    synonyms: list[str]
    gravity: float | None
    active: bool


@dataclass(frozen=True)
class Terms:
    """The three vocabularies, each ordered by code."""

    categories: tuple[Term, ...]
    outcomes: tuple[Term, ...]
    statuses: tuple[Term, ...]


def read_terms(conn: psycopg.Connection[Any]) -> Terms:
    """Every term of the three vocabularies (inactive categories too: old rows still name them)."""
    by_kind: dict[str, list[Term]] = {"categorie": [], "resultat": [], "statut": []}
    for kind, code, fr, nl, en, de, synonyms, gravity, active in conn.execute(_q("terms")).fetchall():
        weight = float(gravity) if gravity is not None else None
        by_kind[kind].append(Term(code, fr, nl, en, de, list(synonyms or []), weight, bool(active)))
    return Terms(tuple(by_kind["categorie"]), tuple(by_kind["resultat"]), tuple(by_kind["statut"]))


@dataclass(frozen=True)
class Labels:
    """French labels of the vocabularies and the gravity of each category."""

    categories: dict[str, str]
    outcomes: dict[str, str]
    statuses: dict[str, str]
    gravity: dict[str, float]

    def category(self, code: Any) -> str | None:
        """A category's French label (the code itself when unknown; None for no category)."""
        if code is None or (isinstance(code, float) and np.isnan(code)):
            return None
        return self.categories.get(str(code), str(code))

    def outcome(self, code: Any) -> str | None:
        """An outcome's French label (the code itself when unknown; None for no outcome)."""
        if code is None or (isinstance(code, float) and np.isnan(code)):
            return None
        return self.outcomes.get(str(code), str(code))


def load_labels(conn: psycopg.Connection[Any]) -> Labels:
    """The vocabularies as the sheets show them."""
    terms = read_terms(conn)
    return Labels(
        {t.code: t.label_fr for t in terms.categories},
        {t.code: t.label_fr for t in terms.outcomes},
        {t.code: t.label_fr for t in terms.statuses},
        {t.code: t.gravity for t in terms.categories if t.gravity is not None},
    )
