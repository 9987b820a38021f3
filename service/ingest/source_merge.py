"""Two spellings of one source stored before sources were matched (« ASBL Quartier » and « ASBL-Quartier », or
« Police » and « Zone de police »), made one: ``hotspots sources fusionner``.

A partner's rows split under two names split its counts, and its next file, matched to one of them, never
recognises the other's rows. Merging writes the second name's reports, visits and permits under the first, in one
transaction. It is refused, nothing changed, when the two names hold the same rows (the same number, or the same
content, under both: one file imported twice), naming the batches that brought them so that they are withdrawn
first (``hotspots annuler-lot``). Reports that were linked as near-duplicates across the two names are now of one
source, whose reports are never one another's near-duplicate: they are unlinked, and linked again to another
source's report of the same fact when there is one (as a withdrawal does). The old name's kept mappings follow it
where the new name keeps none for that kind of file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from service.db.queries import Queries
from service.errors import ConflictError, InvalidValueError, NotFoundError
from service.ingest.dedupe import link_as_near_duplicate
from service.ingest.source_names import SOURCE_TABLES, near_source, source_key
from service.labels import KIND_LABELS, ROW_LABELS
from service.settings import Settings
from service.text import counted, french_singular, spoken_list

_q = Queries("service.ingest", "sources.sql")


def _rows(n: int, table: str) -> str:
    """« 1 signalement », « 3 visites », « 2 permis »."""
    return counted(n, ROW_LABELS[table], KIND_LABELS[table])


def _on(name: str, table: str) -> sql.Composed:
    return sql.SQL(_q(name)).format(table=sql.Identifier(table))


def source_counts(conn: psycopg.Connection[Any]) -> dict[str, dict[str, int]]:
    """Each stored source with its rows per table (« reports », « visits », « permits »), in name order."""
    counts: dict[str, dict[str, int]] = {}
    for table in SOURCE_TABLES:
        for source, n in conn.execute(_on("source_counts", table)).fetchall():
            counts.setdefault(source, {})[table] = int(n)
    return dict(sorted(counts.items(), key=lambda item: (source_key(item[0]), item[0])))


def spelled_twice(counts: dict[str, dict[str, int]]) -> list[list[str]]:
    """The groups of stored sources one key joins (capitals, accents, spaces, punctuation): one source each."""
    groups: dict[str, list[str]] = {}
    for source in counts:
        groups.setdefault(source_key(source), []).append(source)
    return [names for names in groups.values() if len(names) > 1]


def spelled_near(counts: dict[str, dict[str, int]]) -> list[list[str]]:
    """The pairs of stored sources a letter or two apart (« ASBL Quartiers », « ASBL_Quartier »: what an import
    pointed out, perhaps not acted on), each the smaller first — the one a merge would put under the other."""
    keys: dict[str, str] = {}
    for source in counts:
        keys.setdefault(source_key(source), source)
    pairs: list[list[str]] = []
    names = list(keys.items())
    for i, (_key, name) in enumerate(names):
        later = dict(names[i + 1 :])
        other = near_source(name, later)
        if other is not None:
            rows = {n: sum(counts[n].values()) for n in (name, other)}
            pairs.append(sorted((name, other), key=lambda n: (rows[n], n)))
    return pairs


@dataclass
class Merged:
    """What a merge did: rows written under the new name, per table; near-duplicate links undone; kinds of file
    whose kept mapping followed."""

    old: str
    new: str
    rows: dict[str, int] = field(default_factory=dict)
    unlinked: int = 0
    relinked: int = 0  # of those unlinked, linked again to a third source's report of the same fact
    mappings: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        """« Source « ASBL-Quartier » fusionnée dans « ASBL_Quartier » : 12 signalements et 3 visites. »…"""
        moved = [_rows(n, table) for table, n in self.rows.items() if n]
        said = f"Source « {self.old} » fusionnée dans « {self.new} » : {spoken_list(moved, 'et') or 'aucune ligne'}."
        if self.unlinked:
            said += f" {self._links()}"
        if self.mappings:
            kinds = spoken_list([KIND_LABELS[k] for k in self.mappings], "et")
            said += f" Correspondance gardée pour ses {kinds} reprise sous « {self.new} »."
        return said

    def _links(self) -> str:
        """What became of the reports linked across the two spellings, agreed: « 1 signalement, lié comme
        quasi-doublon d'un signalement de l'autre graphie, désormais de la même source : il compte à nouveau. »"""
        u, r = self.unlinked, self.relinked
        one = french_singular(u)
        said = (
            f"{counted(u, 'signalement')}, {'lié' if one else 'liés'} comme quasi-{'doublon' if one else 'doublons'} "
            "d'un signalement de l'autre graphie, désormais de la même source :"
        )
        parts = []
        if u - r:
            again = french_singular(u - r)
            parts.append(f"{'il' if one else u - r} {'compte' if again else 'comptent'} à nouveau")
        if r:
            parts.append(
                f"{'il' if one else r} {'est lié' if french_singular(r) else 'sont liés'} au signalement d'une "
                "autre source qui dit le même fait"
            )
        return f"{said} {spoken_list(parts, 'et')}."


def merge_sources(conn: psycopg.Connection[Any], settings: Settings, old: str, new: str) -> Merged:
    """Write ``old``'s rows under ``new`` (both as stored, exactly), in the caller's transaction; refused, nothing
    changed, when they are one name, when ``old`` holds no row, or when both hold the same rows."""
    old, new = " ".join(old.split()), " ".join(new.split())
    if not old or not new or old == new:
        raise InvalidValueError(
            "Donnez deux noms de source différents : celui à fusionner, puis celui qui reste.",
            hint="hotspots sources : les sources enregistrées et leurs graphies voisines.",
        )
    if not any(conn.execute(_on("source_holds", t), {"source": old}).fetchone() == (True,) for t in SOURCE_TABLES):
        raise NotFoundError(
            f"Aucune ligne enregistrée sous la source « {old} ».",
            hint="hotspots sources : les noms exacts, tels qu'enregistrés (majuscules, accents et tirets compris).",
        )
    held: list[str] = []
    batches: set[int] = set()
    for table in SOURCE_TABLES:
        rows = conn.execute(_on("merge_collisions", table), {"old": old, "new": new}).fetchall()
        if rows:
            held.append(_rows(sum(int(n) for _b, n in rows), table))
            batches.update(int(b) for b, _n in rows)
    if held:
        ids = [str(b) for b in sorted(batches)]
        lots = f"le lot {ids[0]}" if len(ids) == 1 else f"les lots {spoken_list(ids, 'et')}"
        raise ConflictError(
            f"Sources non fusionnées : {spoken_list(held, 'et')} de « {old} » (importés sous ce nom par {lots}) "
            f"sont déjà enregistrés sous « {new} », même numéro ou même contenu : le même fichier importé sous les "
            "deux noms. Rien n'a changé.",
            hint=f"Annulez d'abord {lots} (« hotspots annuler-lot N --motif … »), puis fusionnez ; réimportez "
            f"ensuite son fichier sous « {new} » : ce qui y est déjà n'est pas enregistré deux fois.",
        )
    done = Merged(old, new)
    for table in SOURCE_TABLES:
        done.rows[table] = conn.execute(_on("merge_rows", table), {"old": old, "new": new}).rowcount
    unlinked = [int(r) for (r,) in conn.execute(_q("unlink_same_source"), {"new": new}).fetchall()]
    done.unlinked = len(unlinked)
    done.relinked = sum(link_as_near_duplicate(conn, settings, report) is not None for report in unlinked)
    moved = conn.execute(
        _q("move_mappings"), {"old_key": source_key(old), "new_key": source_key(new), "new": new}
    ).fetchall()
    done.mappings = [str(kind) for (kind,) in moved]
    return done
