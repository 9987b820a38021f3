"""Coordinates: read numbers, recognise the CRS from value ranges, project to Lambert 72 (:mod:`service.geo`), check
the zone.

Belgian files carry WGS84 degrees, Lambert 72 (EPSG:31370) or Lambert 2008 (EPSG:3812) metres. Their ranges
do not overlap, so each row's system is recognised from its values instead of being guessed for the file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from shapely.geometry.base import BaseGeometry

from service.geo import KNOWN_CRS, LAMBERT72, LAMBERT2008, WGS84, project
from service.ingest.source import STR
from service.numbers import french_number

#: One problem of :class:`Located`: rows, field, value shown, reason (one for all rows or one per row).
Problem = tuple[np.ndarray, str, pd.Series, pd.Series | str]


@dataclass
class Located:
    """Result of :func:`locate`: Lambert 72 coordinates (NaN when absent) and per-row problems."""

    x: np.ndarray
    y: np.ndarray
    crs: pd.Series  # recognised input CRS, NA when no coordinates
    has_coords: np.ndarray
    problems: list[Problem]


def to_number(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Strings → float64 (decimal comma, spaces and Belgian thousands dots as in ``230.917,7`` allowed). Returns
    (numbers, unreadable-but-present mask).

    Arrow casts the whole column at once; only a column holding some unreadable value takes the slower
    per-value path that finds which ones.
    """
    arr = pa.array(values.astype(STR).array)
    try:  # the usual case: plain numbers (or empty cells) that Arrow reads as they are
        numbers = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
        numbers = np.where(np.isfinite(numbers), numbers, np.nan)
        return numbers, np.zeros(len(numbers), dtype=bool) if not np.isnan(numbers).any() else _unreadable(arr, numbers)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    arr = pc.utf8_trim_whitespace(arr)
    # "230.917,7": dots group the thousands when a decimal comma follows them (Excel in Belgian French)
    grouped = pc.fill_null(pc.match_substring_regex(arr, r"^[-+]?\d{1,3}(?:\.\d{3})+,\d+$"), False)
    arr = pc.if_else(grouped, pc.replace_substring(arr, ".", ""), arr)
    arr = pc.replace_substring(arr, ",", ".")
    arr = pc.replace_substring_regex(arr, r"[\s\x{00a0}]", "")
    present = pc.fill_null(pc.not_equal(arr, ""), False).to_numpy(zero_copy_only=False)
    try:
        numbers = pc.cast(pc.if_else(present, arr, None), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        numbers = pd.to_numeric(pd.Series(arr.to_pandas()), errors="coerce").to_numpy(dtype="float64")
    numbers = np.where(np.isfinite(numbers), numbers, np.nan)
    bad = present & np.isnan(numbers)
    return numbers, bad


def _unreadable(arr: pa.Array, numbers: np.ndarray) -> np.ndarray:
    """Present (non-blank) values that did not give a finite number."""
    present = pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(arr), ""), False).to_numpy(zero_copy_only=False)
    unreadable: np.ndarray = present & np.isnan(numbers)
    return unreadable


def _ranges(a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore"):
        return {
            WGS84: (a >= 2.3) & (a <= 6.6) & (b >= 49.3) & (b <= 51.7),
            "swapped": (b >= 2.3) & (b <= 6.6) & (a >= 49.3) & (a <= 51.7),
            LAMBERT72: (a > 1_000) & (a < 310_000) & (b > 1_000) & (b < 260_000),
            LAMBERT2008: (a > 490_000) & (a < 810_000) & (b > 490_000) & (b < 760_000),
        }


def _g(value: float) -> str:
    return "" if np.isnan(value) else f"{value:g}"


def _fmt_pair(a: np.ndarray, b: np.ndarray, index: pd.Index, mask: np.ndarray) -> pd.Series:
    """ "x ; y" as the person typed it, for the rows of ``mask`` only (the others are never shown)."""
    shown = pd.Series(None, index=index, dtype=object)
    pos = np.flatnonzero(mask)
    shown.iloc[pos] = [f"{_g(u)} ; {_g(v)}" for u, v in zip(a[pos], b[pos], strict=True)]
    return shown


def locate(
    cols: dict[str, pd.Series],
    *,
    zone: BaseGeometry,
    forced_crs: str | None = None,
    dst_crs: str = LAMBERT72,
) -> Located:
    """Find each row's point from ``lat``/``lon``, ``x``/``y`` or GeoJSON geometry columns.

    ``cols`` maps canonical names (lat, lon, x, y, _geom_x, _geom_y) to string Series of equal length.
    """
    n = len(next(iter(cols.values()))) if cols else 0
    index = next(iter(cols.values())).index if cols else pd.RangeIndex(0)
    nums, problems = _read_numbers(cols)
    a, b, pair_field = _first_pair(nums, n)
    half = np.isnan(a) ^ np.isnan(b)
    if half.any():
        problems.append(
            (half, "coordonnées", _fmt_pair(a, b, index, half), "coordonnée incomplète (une seule des deux valeurs)")
        )
    zero = (a == 0) & (b == 0)
    a[zero | half] = np.nan
    b[zero | half] = np.nan
    has = ~np.isnan(a) & ~np.isnan(b)

    groups, swapped, unknown = _recognise(a, b, has, forced_crs)
    x, y, crs = _project_groups(a, b, groups, index, dst_crs)
    for refused, field, why in (
        (swapped, "lat/lon", "latitude et longitude inversées (la latitude belge est entre 49,5 et 51,5)"),
        (
            unknown,
            "coordonnées",
            "coordonnées hors de Belgique ou système inconnu (attendu : WGS84, Lambert 72 ou Lambert 2008)",
        ),
    ):
        if refused.any():
            problems.append((refused, field, _fmt_pair(a, b, index, refused), why))
    outside = _outside_zone(zone, a, b, x, y, has=has, crs=crs, pair_field=pair_field, dst_crs=dst_crs)
    if outside is not None:
        problems.append(outside)
    return Located(x=x, y=y, crs=crs, has_coords=has & ~swapped & ~unknown, problems=problems)


def _read_numbers(cols: dict[str, pd.Series]) -> tuple[dict[str, np.ndarray], list[Problem]]:
    """Each column as numbers, and a problem for each column holding values that are not numbers."""
    problems: list[Problem] = []
    nums: dict[str, np.ndarray] = {}
    for name, series in cols.items():
        values, bad = to_number(series)
        nums[name] = values
        if bad.any():
            label = {"_geom_x": "géométrie", "_geom_y": "géométrie"}.get(name, name)
            problems.append((bad, label, series.astype(object), f"coordonnée illisible ({label})"))
    return nums, problems


def _first_pair(nums: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first, second, which pair) per row: lat/lon, else x/y, else the geometry, whichever has a value first."""
    a = np.full(n, np.nan)
    b = np.full(n, np.nan)
    pair_field = np.full(n, "", dtype=object)
    for fa, fb, label in (("lon", "lat", "lat/lon"), ("x", "y", "x/y"), ("_geom_x", "_geom_y", "géométrie")):
        if fa not in nums and fb not in nums:
            continue
        va = nums.get(fa, np.full(n, np.nan))
        vb = nums.get(fb, np.full(n, np.nan))
        take = np.isnan(a) & np.isnan(b) & (~np.isnan(va) | ~np.isnan(vb))
        a[take], b[take] = va[take], vb[take]
        pair_field[take] = label
    return a, b, pair_field


def _recognise(
    a: np.ndarray, b: np.ndarray, has: np.ndarray, forced_crs: str | None
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """(rows of each CRS, swapped lat/lon rows, rows in no known CRS): from the value ranges, unless forced."""
    n = len(a)
    if forced_crs:
        return {forced_crs: has}, np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    r = _ranges(a, b)
    groups = {c: has & r[c] for c in KNOWN_CRS}
    swapped = has & r["swapped"]
    unknown = has & ~swapped & ~(r[WGS84] | r[LAMBERT72] | r[LAMBERT2008])
    return groups, swapped, unknown


def _project_groups(
    a: np.ndarray, b: np.ndarray, groups: dict[str, np.ndarray], index: pd.Index, dst_crs: str
) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """(x, y) in ``dst_crs`` (NaN where no CRS was recognised) and each row's recognised CRS."""
    n = len(a)
    crs_code = np.full(n, -1, dtype=np.int8)  # position in crs_names, -1 for none
    crs_names: list[str] = []
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    for src, mask in groups.items():
        if mask.any():
            x[mask], y[mask] = project(a[mask], b[mask], src, dst_crs)
            crs_code[mask] = len(crs_names)
            crs_names.append(src)
    return x, y, labels(crs_code, crs_names, index)


def _outside_zone(
    zone: BaseGeometry,
    a: np.ndarray,
    b: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    *,
    has: np.ndarray,
    crs: pd.Series,
    pair_field: np.ndarray,
    dst_crs: str,
) -> Problem | None:
    """The placed rows outside the zone, each with its distance, or saying that swapping x and y puts it in."""
    index = crs.index
    placed = has & ~np.isnan(x)
    inside = np.zeros(len(x), dtype=bool)
    if placed.any():
        inside[placed] = shapely.contains_xy(zone, x[placed], y[placed])
    outside = placed & ~inside
    if not outside.any():
        return None
    idx = np.flatnonzero(outside)
    dist = shapely.distance(zone, shapely.points(x[idx], y[idx]))
    msgs = pd.Series(pd.NA, index=index, dtype=object)
    # A pair that lands inside once swapped was typed the wrong way round.
    sx, sy = np.full(len(idx), np.nan), np.full(len(idx), np.nan)
    for src in set(crs.iloc[idx].dropna()):
        sel = (crs.iloc[idx] == src).to_numpy()
        if src != WGS84:
            sx[sel], sy[sel] = project(b[idx][sel], a[idx][sel], src, dst_crs)
    swapped_inside = ~np.isnan(sx)
    swapped_inside[swapped_inside] = shapely.contains_xy(zone, sx[swapped_inside], sy[swapped_inside])
    msgs.iloc[idx] = [
        "x et y inversés (le point tombe dans la zone une fois x et y échangés)"
        if sw
        else f"point hors de la zone de police (à {french_number(d / 1000, 1)} km de la zone)"
        for d, sw in zip(dist, swapped_inside, strict=True)
    ]
    return outside, pair_field_label(pair_field, outside), _fmt_pair(a, b, index, outside), msgs


def labels(codes: np.ndarray, names: list[str], index: pd.Index) -> pd.Series:
    """Strings from small integer codes (-1 = NA), built by Arrow without a Python object per row."""
    dictionary = pa.array(names, type=pa.large_string())
    labels = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), dictionary).cast(pa.large_string())
    out = labels.to_pandas(types_mapper={pa.large_string(): STR}.get)
    out.index = index
    return out


def pair_field_label(pair_field: np.ndarray, mask: np.ndarray) -> str:
    """The column pair most rows of ``mask`` came from, to name the field in reasons."""
    labels = pd.Series(pair_field[mask])
    return str(labels.mode().iloc[0]) if len(labels) else "coordonnées"


#: One coordinate in degrees, minutes and seconds, as a phone or a map shows it: « 50°36'35.3"N ».
_DMS = r"(\d{1,3})\s*°\s*(?:(\d{1,2})\s*['’′]\s*)?(?:(\d{1,2}(?:[.,]\d+)?)\s*(?:[\"”″]|'')\s*)?([NSEWO])"


def split_pair(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(first, second, unreadable) of coordinates written in one cell, as they are copied from a map or a phone:
    « 50.6097927, 5.5120109 », « 50,6097927; 5,5120109 », « 50.6097927 5.5120109 », « 50°36'35.3"N 5°30'43.2"E ».
    The two numbers come as written (a map gives the latitude first); :func:`locate` recognises their system
    and refuses a swapped pair. ``unreadable``: a cell with something else than two numbers."""
    text = values.astype(STR).str.strip()
    dms = text.str.extractall(_DMS)
    first = pd.Series(pd.NA, index=values.index, dtype=STR)
    second = pd.Series(pd.NA, index=values.index, dtype=STR)
    if not dms.empty:
        degrees = (
            dms[0].astype(float)
            + dms[1].fillna("0").astype(float) / 60
            + dms[2].fillna("0").str.replace(",", ".").astype(float) / 3600
        )
        degrees = degrees.where(~dms[3].str.upper().isin(["S", "W", "O"]), -degrees)  # O: « ouest »
        counted = degrees.groupby(level=0).size()
        whole = counted[counted == 2].index
        if len(whole):
            pairs = degrees.loc[whole].unstack()
            first.loc[whole] = pairs[0].map(lambda v: f"{v:.7f}")
            second.loc[whole] = pairs[1].map(lambda v: f"{v:.7f}")
    plain = text.str.extract(
        r"^\(?\s*([-+]?\d+(?:[.,]\d+)?)\s*(?:,\s+|;\s*|\s+|,(?=[-+]?\d+\.\d))\s*([-+]?\d+(?:[.,]\d+)?)\s*\)?$"
    )
    todo = first.isna() & plain[0].notna()
    first[todo], second[todo] = plain.loc[todo, 0], plain.loc[todo, 1]
    present = text.notna() & (text != "")
    return first, second, (present & first.isna()).fillna(False)


def has_digit(values: pd.Series) -> np.ndarray:
    """Cells with a digit: a coordinates cell without one holds words, not wrong numbers."""
    digits: np.ndarray = values.astype(STR).str.contains(r"\d", regex=True).fillna(False).to_numpy(dtype=bool)
    return digits


def words_instead(values: pd.Series, addressed: np.ndarray) -> np.ndarray:
    """Rows whose coordinates cell holds words, no digit (« ? », « - », « pas de GPS », « voir photo », « près de
    l'église »), and which have an address: they are placed by the address, the words kept with the row. Without
    an address, such a cell is still refused as unreadable: it is all the row says of its place."""
    present = values.astype(STR).str.strip().fillna("").ne("").to_numpy(dtype=bool)
    words: np.ndarray = present & ~has_digit(values) & addressed
    return words
