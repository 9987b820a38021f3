"""PostgreSQL binary COPY, written column by column with Arrow (no Python loop over the rows).

The server parses binary COPY about twice as fast as CSV: no quoting to undo, no text to turn into numbers,
timestamps or geometries. Each field is its 4-byte big-endian length (-1 for NULL) followed by its bytes; Arrow
joins the length and value columns of every field element-wise, and the joined column's data buffer is the
COPY stream of the chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Stream header (signature, flags, header extension length) and end-of-data marker.
HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"

FieldKind = Literal["text", "jsonb", "int4", "int8", "float8", "timestamptz", "point"]
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 UTC in microseconds since 1970
_EWKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")])
_EWKB_POINT_WITH_SRID = 0x20000001


def _BYTES(value: bytes) -> pa.Scalar:  # noqa: N802 - reads as a type
    return pa.scalar(value, pa.large_binary())


@dataclass(frozen=True)
class Field:
    """One column of the COPY: its kind and its values (a Series, or an ``(x, y)`` pair for ``point``)."""

    kind: FieldKind
    values: pd.Series | tuple[np.ndarray, np.ndarray]
    srid: int = 31370


def _fixed(raw: np.ndarray, valid: np.ndarray | None, width: int) -> pa.Array:
    """Fixed-width byte strings (big-endian values) as a binary column (NULL where ``valid`` is False)."""
    n = len(raw)
    bitmap = None
    if valid is not None and not valid.all():
        bitmap = pa.array(valid, type=pa.bool_()).buffers()[1]
    array = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), n, [bitmap, pa.py_buffer(raw.tobytes())])
    return array.cast(pa.large_binary())


def _text(values: pd.Series) -> pa.Array:
    array = pa.array(values.array) if len(values) else pa.array([], type=pa.large_string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_binary())  # the strings' own buffers, seen as bytes


def _raw(field: Field) -> tuple[np.ndarray, np.ndarray] | None:
    """Fixed-width kinds: (the big-endian values as an (n, width) byte matrix, validity); None for text."""
    kind, values = field.kind, field.values
    if kind == "point":
        assert isinstance(values, tuple)
        x, y = values
        raw = np.zeros(len(x), dtype=_EWKB_POINT)
        raw["order"], raw["type"], raw["srid"], raw["x"], raw["y"] = 1, _EWKB_POINT_WITH_SRID, field.srid, x, y
        return _matrix(raw), ~(np.isnan(x) | np.isnan(y))
    assert isinstance(values, pd.Series)
    if kind == "float8":
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        return _matrix(numbers.astype(">f8")), ~np.isnan(numbers)
    if kind in ("int4", "int8"):
        ints = values.to_numpy(dtype="int64", na_value=0)
        return _matrix(ints.astype(">i4" if kind == "int4" else ">i8")), values.notna().to_numpy(dtype=bool)
    if kind == "timestamptz":  # microseconds since 2000-01-01 UTC
        stamps = values.dt.tz_convert("UTC").dt.tz_localize(None)
        micros = stamps.to_numpy(dtype="datetime64[us]").astype("int64") - _PG_EPOCH_US
        return _matrix(micros.astype(">i8")), stamps.notna().to_numpy(dtype=bool)
    return None


def _matrix(values: np.ndarray) -> np.ndarray:
    """One row of bytes per value."""
    return np.ascontiguousarray(values).view(np.uint8).reshape(len(values), -1)


def _values(field: Field) -> pa.Array:
    """A field's values as a binary column, NULL where missing."""
    fixed = _raw(field)
    if fixed is not None:
        matrix, valid = fixed
        return _fixed(matrix, valid, matrix.shape[1])
    assert isinstance(field.values, pd.Series)
    text = _text(field.values)
    if field.kind == "jsonb":  # jsonb's binary form: a version byte, then the JSON text
        return pc.binary_join_element_wise(_BYTES(b"\x01"), text, _BYTES(b""))
    if field.kind == "text":
        return text
    raise ValueError(f"unknown field kind {field.kind!r}")


def _lengths(values: pa.Array) -> np.ndarray:
    lengths = pc.fill_null(pc.binary_length(values), -1).to_numpy(zero_copy_only=False)
    return _matrix(lengths.astype(">i4"))


def _same_width(values: pa.Array) -> list[np.ndarray] | None:
    """A text column whose values all take the same number of bytes (codes, ids, hashes, one constant), or
    that is entirely NULL, as a byte matrix with its length prefix; None otherwise."""
    n = len(values)
    if values.null_count == n:
        return [_matrix(np.full(n, -1, dtype=">i4"))]
    if values.null_count:
        return None
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int64, count=n + 1, offset=values.offset * 8)
    widths = np.diff(offsets)
    width = int(widths[0])
    if not (widths == width).all():
        return None
    data = np.frombuffer(values.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return [_matrix(np.full(n, width, dtype=">i4")), data.reshape(n, width)]


def _block(matrices: list[np.ndarray]) -> pa.Array:
    joined = np.hstack(matrices) if len(matrices) > 1 else matrices[0]
    return _fixed(joined, None, joined.shape[1])


def encode_rows(fields: list[Field]) -> bytes | memoryview:
    """The rows of ``fields`` (all of equal length) as binary COPY data, without header or trailer.

    Fixed-width fields without NULL, text columns whose values all have one width (or are all NULL), and the
    length that precedes each variable field are packed into byte matrices with numpy, so Arrow joins a few
    wide columns instead of two per field. The result is
    a view of Arrow's buffer (no copy): COPY can send it as it is.
    """
    if not fields:
        return b""
    first = fields[0].values
    n = len(first[0]) if isinstance(first, tuple) else len(first)
    if n == 0:
        return b""
    parts: list[pa.Array] = []
    block = [_matrix(np.full(n, len(fields), dtype=">i2"))]
    for field in fields:
        fixed = _raw(field)
        if fixed is not None and fixed[1].all():
            matrix = fixed[0]
            block += [_matrix(np.full(n, matrix.shape[1], dtype=">i4")), matrix]
            continue
        values = _values(field)
        same = _same_width(values) if fixed is None else None
        if same is not None:
            block += same
            continue
        block.append(_lengths(values))
        parts += [_block(block), values]
        block = []
    if block:
        parts.append(_block(block))
    rows = pc.binary_join_element_wise(*parts, _BYTES(b""), null_handling="replace", null_replacement=b"")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64, count=len(rows) + 1, offset=rows.offset * 8)
    data = rows.buffers()[2]
    assert data is not None
    return memoryview(data.slice(int(offsets[0]), int(offsets[-1] - offsets[0])))
