"""Duplicates inside one file, and the keys that recognise a row when it comes back.

Reports (the kind that arrives by the million) are keyed and compared on the client while the file streams:
each valid row gets its natural key and content fingerprint, and a row whose key already appeared earlier in
the file is a duplicate (same fingerprint) or a reject (different content) before it is ever sent. Visits and
permits keep the server-side search over their staging table (:func:`repeated_in_stage`).
"""

from __future__ import annotations

import hashlib
import importlib
import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc

from service.db.copy import copy_frame
from service.db.queries import load_queries
from service.geocode.apply import HandPlaced, resolve_review
from service.ingest.checks import rejected_frame
from service.ingest.columns import ColumnMap
from service.ingest.load import REJECT_COLUMNS, create_reject_stage
from service.ingest.source import STR, TableSource
from service.settings import Settings

_HEX = operator.methodcaller("hexdigest")


def _builtin_md5() -> Callable[[bytes], Any]:
    """CPython's own MD5 when built in: on short texts, about twice as fast per call as OpenSSL's."""
    try:
        md5: Callable[[bytes], Any] = importlib.import_module("_md5").md5
        return md5
    except (ImportError, AttributeError):
        return hashlib.md5


_MD5 = _builtin_md5()


def _text(series: pd.Series) -> pa.Array:
    array = pa.array(series.astype(STR).array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.string())


def _decimetres(values: np.ndarray) -> pa.Array:
    """``round(v * 10)::bigint::text`` as PostgreSQL writes it (rint: halves to even), NULL for NaN."""
    missing = np.isnan(values)
    rounded = np.rint(np.where(missing, 0.0, values) * 10).astype("int64")
    return pc.cast(pa.array(rounded, mask=missing), pa.string())


def _epoch_seconds(stamps: pd.Series) -> pa.Array:
    """Aware timestamps as whole seconds since 1970 UTC, written out; null where missing."""
    seconds = stamps.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[s]")
    return pc.cast(pa.array(seconds.astype("int64").to_numpy(), mask=seconds.isna().to_numpy()), pa.string())


def fingerprints(good: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(natural_key, content_hash) of validated report rows.

    The fingerprint is the MD5 of what a person calls the content of a report (category, date, status,
    description, address, postcode, commune, coordinates to the decimetre), the formula stored reports were
    always keyed with, and the closing date only where a file gives one (so that adding it changed no other
    row's fingerprint); a row without source id is keyed by it (``h:`` + fingerprint).
    """
    if good.empty:
        empty = pd.Series([], index=good.index, dtype=STR)
        return empty, empty
    parts = [
        _text(good["category"]),
        _epoch_seconds(good["observed_at"]),
        _text(good["status"]),
        *(_text(good[c]) for c in ("description", "address", "postcode", "commune")),
        _decimetres(good["x"].to_numpy(dtype="float64")),
        _decimetres(good["y"].to_numpy(dtype="float64")),
    ]
    content = pc.binary_join_element_wise(*parts, "|", null_handling="replace", null_replacement="")
    if "closed_at" in good and good["closed_at"].notna().any():  # added where given: other rows keep their hash
        suffix = pc.binary_join_element_wise("clos:", _epoch_seconds(good["closed_at"]), "")
        content = pc.binary_join_element_wise(content, suffix, "|", null_handling="skip")
    digests = pa.array(map(_HEX, map(_MD5, content.cast(pa.binary()).to_pylist())), type=pa.string())
    external_id = _text(good["external_id"])
    if external_id.null_count:  # rows without source id: keyed by their fingerprint
        keyed = pc.coalesce(external_id, pc.binary_join_element_wise("h:", digests, ""))
    else:
        keyed = external_id
    return _series(keyed, good.index), _series(digests, good.index)


def _series(array: pa.Array, index: pd.Index) -> pd.Series:
    out = array.to_pandas(types_mapper={pa.string(): STR, pa.large_string(): STR}.get)
    out.index = index
    return out


_BASE = np.uint64(0x9E3779B97F4A7C15)
_MIX = np.uint64(0xBF58476D1CE4E5B9)


def _offsets(array: pa.Array) -> np.ndarray:
    wide = pa.types.is_large_binary(array.type) or pa.types.is_large_string(array.type)
    dtype, size = (np.int64, 8) if wide else (np.int32, 4)
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array) + 1, offset=array.offset * size)


def key_hashes(keys: pa.Array) -> np.ndarray:
    """A 64-bit polynomial hash of each (non-null, non-empty) key, computed over Arrow's buffers at once.

    Not a cryptographic hash: equal hashes are only candidates, confirmed by comparing the keys themselves.
    """
    offsets = _offsets(keys).astype(np.int64)
    lengths = np.diff(offsets)
    starts = offsets[:-1] - offsets[0]
    data = np.frombuffer(keys.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]].astype(np.uint64)
    position = np.arange(len(data), dtype=np.int64) - np.repeat(starts, lengths)
    powers = np.cumprod(np.full(int(lengths.max()) + 1, _BASE, dtype=np.uint64))
    summed = np.add.reduceat((data + np.uint64(1)) * powers[position], starts)
    mixed = (summed ^ (summed >> np.uint64(31))) * _MIX
    return np.asarray(mixed ^ lengths.astype(np.uint64), dtype=np.uint64)


class InFileRepeats:
    """Keys seen so far in the file (valid rows only), with the row and fingerprint of their first occurrence.

    Each key is looked up by its 64-bit hash in a sorted array (vectorised), and a hit is confirmed by comparing
    the keys themselves, so two different keys are never taken for one.
    """

    def __init__(self, firsts: dict[int, int] | None = None) -> None:
        self.firsts = firsts  # when given: row number of each repeat → row number of its first occurrence
        self._sorted = np.zeros(0, dtype=np.uint64)  # hashes of the first occurrences, sorted
        self._slot = np.zeros(0, dtype=np.int64)  # position of each sorted hash in the arrays below
        self._keys = pa.array([], type=pa.string())
        self._rows = np.zeros(0, dtype=np.int64)
        self._hashes = np.zeros(0, dtype="S32")
        self.same = 0
        self.conflicts = 0

    def _earlier(self, keys: pa.Array, hashes: np.ndarray) -> np.ndarray:
        """Position of each key's first occurrence in an earlier chunk, -1 if none."""
        found = np.full(len(keys), -1, dtype=np.int64)
        if not len(self._sorted):
            return found
        order = np.argsort(hashes)  # sorted needles: numpy narrows each search with the previous one
        needles = hashes[order]
        left, right = np.empty(len(hashes), dtype=np.int64), np.empty(len(hashes), dtype=np.int64)
        left[order] = np.searchsorted(self._sorted, needles, side="left")
        right[order] = np.searchsorted(self._sorted, needles, side="right")
        single = np.flatnonzero(right - left == 1)
        if len(single):
            slots = self._slot[left[single]]
            equal = pc.equal(self._keys.take(pa.array(slots)), keys.take(pa.array(single)))
            hit = pc.fill_null(equal, False).to_numpy(zero_copy_only=False)
            found[single[hit]] = slots[hit]
        for pos in np.flatnonzero(right - left > 1):  # the same hash for different keys: compare one by one
            wanted = keys[int(pos)].as_py()
            for slot in self._slot[left[pos] : right[pos]]:
                if self._keys[int(slot)].as_py() == wanted:
                    found[pos] = slot
        return found

    def split(self, good: pd.DataFrame) -> tuple[np.ndarray, dict[int, int]]:
        """Mark the rows of ``good`` (with ``natural_key`` and ``content_hash``) that repeat an earlier key.

        Returns (mask of rows to keep, {row number: first row} for the repeats whose content differs); the
        identical repeats are counted in :attr:`same`.
        """
        n = len(good)
        if n == 0:
            return np.ones(0, dtype=bool), {}
        keys = pc.binary_join_element_wise(_text(good["source"]), _text(good["natural_key"]), "\x1f")
        rows = good["row_number"].to_numpy(dtype="int64")
        digests = _text(good["content_hash"])  # 32 hex characters each: the data buffer is a fixed-width array
        start = int(_offsets(digests)[0])
        hashes = np.frombuffer(digests.buffers()[2], dtype="S32", count=n, offset=start).copy()
        key_hash = key_hashes(keys)
        found = self._earlier(keys, key_hash)
        earlier = found >= 0
        first_row, first_hash = rows.copy(), hashes.copy()
        first_row[earlier] = self._rows[found[earlier]]
        first_hash[earlier] = self._hashes[found[earlier]]
        codes = pc.dictionary_encode(keys).indices.to_numpy(zero_copy_only=False)
        _, first_pos = np.unique(codes, return_index=True)
        pos = first_pos[codes]
        inside = ~earlier & (pos != np.arange(n))
        first_row[inside] = rows[pos[inside]]
        first_hash[inside] = hashes[pos[inside]]
        repeat = earlier | inside
        differs = repeat & (first_hash != hashes)
        self.same += int((repeat & ~differs).sum())
        self.conflicts += int(differs.sum())
        if self.firsts is not None:
            self.firsts.update(zip(rows[repeat].tolist(), first_row[repeat].tolist(), strict=True))
        keep = ~repeat
        self._remember(keys.filter(pa.array(keep)), key_hash[keep], rows[keep], hashes[keep])
        return keep, dict(zip(rows[differs].tolist(), first_row[differs].tolist(), strict=True))

    def _remember(self, keys: pa.Array, key_hash: np.ndarray, rows: np.ndarray, hashes: np.ndarray) -> None:
        base = len(self._rows)
        order = np.argsort(key_hash, kind="stable")
        at = np.searchsorted(self._sorted, key_hash[order], side="right")
        self._sorted = np.insert(self._sorted, at, key_hash[order])
        self._slot = np.insert(self._slot, at, base + order)
        self._keys = pa.concat_arrays([self._keys, keys])
        self._rows = np.concatenate([self._rows, rows])
        self._hashes = np.concatenate([self._hashes, hashes])


def conflict_reason(cmap: ColumnMap, key: str | None, first_row: int) -> list[dict[str, Any]]:
    """The reason of a row whose key appeared earlier in the file with another content."""
    return [
        {
            "champ": "identifiant",
            "colonne": cmap.fields.get("external_id") or cmap.fields.get("reference"),
            "valeur": key,
            "motif": f"identifiant déjà présent à la ligne {first_row} du fichier avec un contenu "
            "différent : gardez une seule version de la ligne",
        }
    ]


def conflicts_frame(chunk: pd.DataFrame, cmap: ColumnMap, good: pd.DataFrame, firsts: dict[int, int]) -> pd.DataFrame:
    """The rejects for in-file conflicts, with the raw values of their chunk."""
    if not firsts:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    keys = dict(zip(good["row_number"].tolist(), good["natural_key"].tolist(), strict=True))
    numbers = chunk["_row"].to_numpy(dtype="int64")
    reasons = {
        int(pos): conflict_reason(cmap, keys[int(numbers[pos])], firsts[int(numbers[pos])])
        for pos in np.flatnonzero(np.isin(numbers, list(firsts)))
    }
    return rejected_frame(chunk, cmap, reasons)


# -- near-duplicates: the same event reported by two sources -------------------------------------------------
#: Up to this many new reports, each looks its near-duplicate up in the spatial index; beyond, the cell join.
FEW_NEW_REPORTS = 1000


def few_new_reports(new: int) -> bool:
    """Whether ``new`` reports are few enough to look their near-duplicates up one by one."""
    return new <= FEW_NEW_REPORTS


def link_near_duplicates(
    conn: psycopg.Connection[Any], qk: dict[str, str], batch_id: int, *, metres: float, hours: float, new: int
) -> int:
    """Link the batch's ``new`` reports to the first report of another source within ``metres`` and ``hours``
    (same category); returns how many were linked.

    One set-based join on space-time cells (``sql/reports.sql``) instead of one spatial look-up per new report:
    a million look-ups took twenty minutes. Both sides are written to temporary tables and analysed first, so
    that the planner knows their sizes (the batch's own rows are not in the table's statistics yet) and joins
    them by hashing rather than row by row. A few new reports (:data:`FEW_NEW_REPORTS`, a record sent through
    the API) are looked up one by one in the index instead: one statement, no table to create.
    """
    # cells a little more than twice the reach, so that rounding never hides a pair at exactly the distance
    params = {
        "batch": batch_id,
        "hours": hours,
        "metres": metres,
        "cell_m": 2 * metres + 2.0,
        "cell_s": 2 * hours * 3600 + 120.0,
    }
    if few_new_reports(new):
        return conn.execute(qk["link_few_near_duplicates"], params).rowcount
    conn.execute(qk["near_new"], params)
    conn.execute(qk["near_cells"], params)
    conn.execute("ANALYZE near_new, near_cells")
    linked = conn.execute(qk["link_near_duplicates"], params).rowcount
    conn.execute("DROP TABLE near_new, near_cells")
    return linked


def settle_review(
    conn: psycopg.Connection[Any], settings: Settings, review_id: int, answer: int | HandPlaced, *, who: str = "cli"
) -> dict[str, Any]:
    """Settle an address check (:func:`resolve_review`); a report that it places is then linked to its
    near-duplicate of another source, as its batch would have linked it had it had a point
    (``quasi_doublon_de``: the report it repeats, or None)."""
    done = resolve_review(conn, review_id, answer, who=who)
    if done["table"] == "reports":
        with conn.transaction():
            done["quasi_doublon_de"] = link_as_near_duplicate(conn, settings, done["id"])
    return done


def link_as_near_duplicate(conn: psycopg.Connection[Any], settings: Settings, report: int) -> int | None:
    """Link one report, placed or unlinked since its import (an address placed by hand, a batch withdrawn, two
    spellings of a source merged), to another source's report of the same fact, as its batch would have: the
    report it repeats, or None (none, or another report is already linked to it: no chain)."""
    query = load_queries("service.ingest", "reports.sql")["link_placed_near_duplicate"]
    params = {"id": report, "metres": settings.near_duplicate_m, "hours": settings.near_duplicate_hours}
    row = conn.execute(query, params).fetchone()
    return int(row[0]) if row else None


# -- server side, for visits and permits -------------------------------------------------------------------
def repeated_in_stage(
    conn: psycopg.Connection[Any], qb: dict[str, str], cmap: ColumnMap
) -> tuple[dict[int, int], dict[int, list[dict[str, Any]]]]:
    """Staged rows repeating a key seen earlier in the file: identical → duplicate, different → rejected.

    Returns the identical repeats (row number → row of the first occurrence) and the rejected ones with their
    reason; neither is taken out of the stage here (see :func:`service.ingest.load.drop_from_stage`).
    """
    same: dict[int, int] = {}
    conflicts: dict[int, list[dict[str, Any]]] = {}
    for row_number, natural_key, first_row, same_content in conn.execute(qb["repeated_keys"]).fetchall():
        if same_content:
            same[row_number] = first_row
        else:
            conflicts[row_number] = conflict_reason(cmap, natural_key, first_row)
    return same, conflicts


#: Why a staged visit cannot be attached: its query in ``visits.sql``, the field named and the reason.
_UNPLACEABLE = (
    (
        "unplaceable",
        "signalement",
        "signalement introuvable et ni adresse ni coordonnées : importez d'abord le signalement ou indiquez le "
        "lieu de la visite",
    ),
    (
        "unknown_stops",
        "arrêt de tournée",
        "arrêt inconnu : aucune tournée n'a cet arrêt ; vérifiez la colonne « Arrêt » (référence imprimée sur la "
        "feuille, par exemple T12-E1-03)",
    ),
    (
        "unknown_sites",
        "site",
        "site inconnu : aucun point sensible, axe, signalement, permis ou suivi ne porte cet identifiant ; prenez-le "
        "sur la carte ou dans la liste des sites à contrôler (PS-0001, AX-0005, SIG-1254, PER-7, SUIVI-253)",
    ),
    (
        "stops_before_plan",
        "date de visite",
        "date de visite antérieure au jour de la tournée : l'arrêt n'était pas encore planifié ; corrigez la date "
        "(ou effacez la référence d'arrêt si la visite n'était pas celle de la tournée)",
    ),
)


def move_cancelled_stops(conn: psycopg.Connection[Any], qk: dict[str, str]) -> dict[int, int]:
    """Visits of a stop of a cancelled shift, moved to the stop's site (the team went all the same: the visit is a
    fact, but of no shift). Returns the shift of each row moved."""
    return {int(number): int(plan) for number, plan in conn.execute(qk["move_cancelled_stops"]).fetchall()}


def unplaceable_visits(conn: psycopg.Connection[Any], qk: dict[str, str]) -> dict[int, list[dict[str, Any]]]:
    """Visits that cannot be attached: a report they follow that is not stored (and no place of their own), a
    plan's stop that no plan has, or a stop visited before its plan's day. Returns their reasons by row number (the
    rows stay staged)."""
    found: dict[int, list[dict[str, Any]]] = {}
    for query, field_name, reason in _UNPLACEABLE:
        for number, ref in conn.execute(qk[query]).fetchall():
            found.setdefault(number, []).append({"champ": field_name, "colonne": None, "valeur": ref, "motif": reason})
    return found


def stage_late_rejects(
    conn: psycopg.Connection[Any], source: TableSource, cmap: ColumnMap, reasons: dict[int, list[dict[str, Any]]]
) -> None:
    """Rejects found after staging: read their raw values again from the file (a rare second pass)."""
    wanted = set(reasons)
    frames = []
    for chunk in source.chunks(50_000):
        hit = np.flatnonzero(chunk["_row"].isin(wanted).to_numpy(dtype=bool))
        if len(hit):
            numbers = chunk["_row"].to_numpy(dtype="int64")
            frames.append(rejected_frame(chunk, cmap, {int(p): reasons[int(numbers[p])] for p in hit}))
    if frames:
        create_reject_stage(conn)
        copy_frame(conn, "stage_rejects", pd.concat(frames, ignore_index=True))
