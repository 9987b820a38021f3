"""In-file repeats of reports, found on the client across chunks: exact even when two keys share a hash."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from service.ingest import dedupe
from service.ingest.dedupe import InFileRepeats, key_hashes
from service.ingest.source import STR


def _chunk(rows: list[tuple[int, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row_number": [r[0] for r in rows],
            "source": pd.Series(["s"] * len(rows), dtype=STR),
            "natural_key": pd.Series([r[1] for r in rows], dtype=STR),
            "content_hash": pd.Series([r[2].ljust(32, "0") for r in rows], dtype=STR),
        }
    )


CHUNKS = [
    [(2, "A", "a"), (3, "B", "b"), (4, "A", "a"), (5, "C", "c")],
    [(6, "B", "b"), (7, "C", "x"), (8, "D", "d"), (9, "D", "e")],
    [(10, "E", "e"), (11, "A", "a"), (12, "E", "z"), (13, "F", "f")],
]


def _run() -> tuple[list[list[int]], dict[int, int], int, int]:
    repeats = InFileRepeats()
    kept, conflicts = [], {}
    for rows in CHUNKS:
        chunk = _chunk(rows)
        keep, firsts = repeats.split(chunk)
        kept.append(chunk.loc[keep, "row_number"].tolist())
        conflicts.update(firsts)
    return kept, conflicts, repeats.same, repeats.conflicts


def test_repeats_within_and_across_chunks():
    kept, conflicts, same, differing = _run()
    assert kept == [[2, 3, 5], [8], [10, 13]]
    assert conflicts == {7: 5, 9: 8, 12: 10}  # repeat row → first row of its key
    assert (same, differing) == (3, 3)  # rows 4, 6, 11 are identical repeats


def test_keys_sharing_a_hash_are_still_told_apart(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(dedupe, "key_hashes", lambda keys: np.zeros(len(keys), dtype=np.uint64))
    assert _run() == ([[2, 3, 5], [8], [10, 13]], {7: 5, 9: 8, 12: 10}, 3, 3)


def test_key_hashes_depend_on_every_byte():
    import pyarrow as pa

    keys = pa.array(["s\x1fB0000001", "s\x1fB0000010", "s\x1fB000001", "é\x1fA", "e\x1fA"])
    hashes = key_hashes(keys)
    assert len(set(hashes.tolist())) == len(keys)
    assert key_hashes(keys.slice(1, 2)).tolist() == hashes[1:3].tolist()  # offsets of a sliced array
