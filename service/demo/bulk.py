"""A large pre-geocoded report file for the ingestion benchmark, written in bounded-memory chunks.

Why a separate writer: the demonstration files favour realism (and loop per row); the benchmark needs millions of
plausible rows fast. Everything here is vectorised with numpy and pyarrow, one chunk at a time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from service.demo.addresses import JITTER_M
from service.demo.vocab import CATEGORIES, CATEGORY_SHARES, DESCRIPTIONS

BULK_COLUMNS = ("id", "date", "categorie", "adresse", "code_postal", "commune", "lat", "lon", "description")
_METRES_PER_DEGREE = 111_320.0


def _read_addresses(path: Path) -> dict[str, pa.Array]:
    """ICAR columns as contiguous Arrow arrays, plus the ``"Rue X 12"`` label."""
    types = {name: pa.string() for name in ("street", "housenumber", "postcode", "municipality")}
    types.update(lat=pa.float64(), lon=pa.float64())
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types, include_columns=list(types)))
    cols = {name: table[name].combine_chunks() for name in types}
    cols["adresse"] = pc.binary_join_element_wise(cols["street"], cols["housenumber"], " ")
    return cols


def write_bulk_reports(
    path: Path,
    n: int,
    *,
    addresses: Path,
    seed: int = 1,
    chunk: int = 250_000,
    end: dt.date | None = None,
    years: float = 2.0,
) -> None:
    """Write ``n`` reports (header ``id,date,categorie,adresse,code_postal,commune,lat,lon,description``).

    Ids ``B0000001``... are unique; dates are ISO local times in the ``years`` before ``end`` (default today);
    points are real ICAR addresses plus at most 12 m of jitter, in WGS84 with 7 decimals.
    """
    if n < 0 or chunk <= 0:
        raise ValueError("n doit être positif et chunk strictement positif.")
    rng = np.random.default_rng(seed)
    book = _read_addresses(addresses)
    lat0, lon0 = book["lat"].to_numpy(), book["lon"].to_numpy()
    end = end or dt.date.today()
    start = np.datetime64(end - dt.timedelta(days=round(years * 365.25)), "s")
    span = int((np.datetime64(end, "s") - start).astype(int))
    codes = pa.array(CATEGORIES)
    shares = np.array([CATEGORY_SHARES[c] for c in CATEGORIES])
    texts = [t for c in CATEGORIES for t in DESCRIPTIONS[c]]
    sizes = np.array([len(DESCRIPTIONS[c]) for c in CATEGORIES])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    descriptions = pa.array(texts)
    width = max(7, len(str(n)))
    schema = pa.schema([(name, pa.float64() if name in ("lat", "lon") else pa.string()) for name in BULK_COLUMNS])
    options = pacsv.WriteOptions(quoting_style="needed", quoting_header="none")
    with pacsv.CSVWriter(str(path), schema, write_options=options) as writer:
        for first in range(0, n, chunk):
            m = min(chunk, n - first)
            idx = pa.array(rng.integers(0, len(lat0), m))
            cat = rng.choice(len(CATEGORIES), size=m, p=shares / shares.sum())
            radius = JITTER_M * np.sqrt(rng.random(m))
            angle = 2 * np.pi * rng.random(m)
            lat = lat0[idx] + radius * np.sin(angle) / _METRES_PER_DEGREE
            lon = lon0[idx] + radius * np.cos(angle) / (_METRES_PER_DEGREE * np.cos(np.radians(lat)))
            stamps = start + rng.integers(0, span, m).astype("timedelta64[s]")
            desc = offsets[cat] + (rng.random(m) * sizes[cat]).astype(np.int64)
            ids = pc.utf8_lpad(pa.array(np.arange(first + 1, first + m + 1)).cast(pa.string()), width, "0")
            batch = pa.record_batch(
                [
                    pc.binary_join_element_wise("B", ids, ""),
                    pa.array(np.datetime_as_string(stamps, unit="s")),
                    codes.take(pa.array(cat)),
                    book["adresse"].take(idx),
                    book["postcode"].take(idx),
                    book["municipality"].take(idx),
                    pa.array(np.round(lat, 7)),
                    pa.array(np.round(lon, 7)),
                    descriptions.take(pa.array(desc)),
                ],
                schema=schema,
            )
            writer.write_batch(batch)
