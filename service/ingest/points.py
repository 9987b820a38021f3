"""Read any point file for the offline analysis and the back-test (``hotspots analyse --input``,
``hotspots backtest --input``), in any city, and the street files that go with it.

Columns are recognised like at ingestion (``lon``/``lat`` or ``x``/``y``, ``date``, ``category``...), plus a
``month``/``mois`` column for files published by month only (``2022-01``, ``01/2022``, ``janvier 2022``,
``Jan-22`` or ``2022-01-01``: the first day of the month). WGS84 coordinates are projected to the metric CRS
(``--crs``; by default Belgian Lambert 72 in Belgium, else the UTM zone of the points:
:func:`service.geo.local_metric_crs`); ``x``/``y`` are taken to be in ``--crs`` already (default Lambert 72).
Nothing is stored: the frames go to :mod:`service.analyse.pipeline`.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from service.errors import InputFileError
from service.geo import LAMBERT72, WGS84, is_metric, local_metric_crs, project
from service.ingest.columns import map_columns
from service.ingest.coords import to_number
from service.ingest.dates import MONTHS, parse_datetimes
from service.ingest.read import open_table
from service.ingest.source import STR
from service.settings import DEFAULT_TIMEZONE
from service.text import ascii_fold

#: How many line numbers of the rows left out (no point, no date) are kept to be named.
SHOWN_LINES = 5
#: month-only date columns (police open data publishes ``month``) and their ``2022-01`` form
_MONTH_COLUMNS = ("month", "mois", "maand")


#: A month written as numbers: year first (``2022-01``, ``2022/1``) or last (``01/2022``, ``1-2022``, ``01.2022``).
_YEAR_MONTH = re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})$")
_MONTH_YEAR = re.compile(r"^(?P<m>\d{1,2})[-/.](?P<y>\d{4})$")
#: A month written out, as a person or a spreadsheet's « mmm-yy » writes it: ``janvier 2022``, ``Jan-22``,
#: ``mrt. 2022``.
_NAMED_MONTH = re.compile(r"^(?P<mon>[^\W\d_]+)\.?[\s\-/']*(?P<y>\d{4}|\d{2})$")


def _month_start(text: str) -> str:
    """One month-only date as the first day of its month in ISO form; anything else (a whole date) unchanged, and
    a month that does not exist (``13/2022``) left for the date reader to refuse."""
    value = text.strip()
    match = _YEAR_MONTH.match(value) or _MONTH_YEAR.match(value)
    if match:
        month = int(match["m"])
    else:
        match = _NAMED_MONTH.match(value)
        month = MONTHS.get(ascii_fold(match["mon"]), 0) if match else 0
    if not match or not 1 <= month <= 12:
        return text
    year = int(match["y"]) + (2000 if len(match["y"]) == 2 else 0)
    return f"{year:04d}-{month:02d}-01"


def _month_starts(values: pd.Series) -> pd.Series:
    """``2022-01``, ``01/2022``, ``janvier 2022``, ``Jan-22`` → ``2022-01-01``: a month-only date read as the first
    day of its month (each distinct value looked at once)."""
    text = values.astype(STR)
    distinct = pd.unique(text.dropna())
    return text.map({value: _month_start(value) for value in distinct})


def _geometry_degrees(a: np.ndarray, b: np.ndarray, declared: str | None) -> tuple[np.ndarray, np.ndarray, bool]:
    """(x, y, in degrees) of a file's geometries: projected to WGS84 from the system the file declares (a GeoJSON's
    Lambert 72 « crs » member); with none declared, numbers beyond the degrees' ranges are metres (a shapefile
    without its ``.prj``), taken to be in ``--crs``."""
    if declared is not None and declared != WGS84:
        x, y = project(a, b, declared, WGS84)
        return x, y, True
    finite = np.isfinite(a) & np.isfinite(b)
    metres = (
        declared is None and finite.any() and bool((np.abs(a[finite]) > 180).any() or (np.abs(b[finite]) > 90).any())
    )
    return a, b, not metres


def read_points(
    path: Path, *, crs: str | None = None, need_dates: bool = True, zone: str = DEFAULT_TIMEZONE
) -> gpd.GeoDataFrame:
    """Points with ``id``, ``category``, ``observed_at`` in a metric CRS; rows without a usable point (or date,
    when ``need_dates``) are dropped, counted in ``attrs['dropped']`` and, by reason with their first line numbers,
    in ``attrs['left_out']`` (:func:`service.analyse.checks.left_out_words` says them). Dates without an offset are
    read in the time zone ``zone``.

    ``crs`` is the system of ``x``/``y`` columns and the one the points are returned in; ``None`` (or a system
    in degrees) picks :func:`local_metric_crs` for lon/lat files and Lambert 72 for x/y files.
    """
    source = open_table(Path(path))
    cmap = map_columns(source.headers, "reports")
    month_col = next((h for h in source.headers if h.strip().lower() in _MONTH_COLUMNS), None)
    if crs is not None:
        try:
            pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError:
            raise InputFileError(
                f"--crs « {crs} » : système de coordonnées inconnu.", hint="Par exemple EPSG:31370 ou EPSG:32631."
            ) from None
    xy_in_degrees = crs is not None and not pyproj.CRS.from_user_input(crs).is_projected
    frames = []
    for chunk in source.chunks(200_000):

        def col(name: str, chunk: pd.DataFrame = chunk) -> pd.Series:
            header = cmap.fields.get(name)
            return chunk[header].astype(STR) if header else pd.Series(pd.NA, index=chunk.index, dtype=STR)

        if "observed_at" not in cmap.fields and month_col is not None:
            when = _month_starts(chunk[month_col])
        else:
            when = col("observed_at")
        if "_geom_x" in chunk.columns:  # a GeoJSON's or a GIS file's points
            a, _ = to_number(chunk["_geom_x"].astype(STR))
            b, _ = to_number(chunk["_geom_y"].astype(STR))
            a, b, wgs = _geometry_degrees(a, b, source.declared_crs)
        elif "lon" in cmap.fields and "lat" in cmap.fields:
            a, _ = to_number(col("lon"))
            b, _ = to_number(col("lat"))
            wgs = True
        elif "x" in cmap.fields and "y" in cmap.fields:
            a, _ = to_number(col("x"))
            b, _ = to_number(col("y"))
            wgs = xy_in_degrees
        else:
            raise InputFileError(
                f"{Path(path).name} : ni colonnes lon/lat ni x/y.",
                hint="Nommez les colonnes lon et lat (WGS84) ou x et y (système --crs).",
            )
        if wgs:
            if crs is None or not is_metric(crs):
                ok = np.isfinite(a) & np.isfinite(b)
                crs = local_metric_crs(a[ok], b[ok]) if ok.any() else LAMBERT72
            a, b = project(a, b, WGS84, crs)
        elif crs is None:
            crs = LAMBERT72
        stamps, _reasons = parse_datetimes(when, tz=zone)
        frames.append(
            pd.DataFrame(
                {
                    "id": col("external_id").fillna(pd.Series(chunk["_row"].astype(str), index=chunk.index)),
                    "category": col("category").fillna("autre"),
                    "observed_at": stamps,
                    "x": a,
                    "y": b,
                    "_row": chunk["_row"].to_numpy(dtype="int64"),
                }
            )
        )
    frame = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["id", "category", "observed_at", "x", "y", "_row"])
    )
    placed = np.isfinite(frame["x"].to_numpy(float)) & np.isfinite(frame["y"].to_numpy(float))
    dated = frame["observed_at"].notna().to_numpy() if need_dates else np.ones(len(frame), dtype=bool)
    ok = placed & dated
    left_out = {
        "sans_point": frame["_row"][~placed].astype(int).tolist(),
        "sans_date": frame["_row"][placed & ~dated].astype(int).tolist(),
    }
    dropped = int((~ok).sum())
    frame = frame[ok].drop(columns="_row")
    crs = crs or LAMBERT72
    if not is_metric(crs):
        raise InputFileError(
            f"--crs {crs} n'est pas un système métrique : les mailles et les rayons sont en mètres.",
            hint="Donnez un système projeté en mètres (EPSG:31370, UTM…), ou des colonnes lon/lat.",
        )
    out = gpd.GeoDataFrame(frame.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=crs)
    out.attrs["dropped"] = dropped
    out.attrs["left_out"] = {
        why: {"lignes": len(rows), "premieres": rows[:SHOWN_LINES]} for why, rows in left_out.items()
    }
    return out


def read_street_lines(path: Path, *, crs: str = LAMBERT72) -> gpd.GeoDataFrame:
    """Street lines from a GeoJSON/GeoPackage (OpenStreetMap exports: ``name`` is the street)."""
    lines = gpd.read_file(path).to_crs(crs)
    lines = lines[lines.geometry.geom_type.isin(["LineString", "MultiLineString"])].explode(index_parts=False)
    name = lines["name"] if "name" in lines else pd.Series("", index=lines.index)
    return gpd.GeoDataFrame(
        {"street": name.fillna("").astype(str), "municipality": "", "geometry": lines.geometry.to_numpy()},
        geometry="geometry",
        crs=crs,
    )


def read_address_streets(path: Path, *, crs: str) -> gpd.GeoDataFrame | None:
    """The address points of an ICAR or BeST-Address CSV with their ``street`` and ``municipality`` (in ``crs``),
    from which the analysis draws the streets; None when the file names no street."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    street = "street" if "street" in frame else "streetname_fr" if "streetname_fr" in frame else None
    if street is None:
        return None
    mun = "municipality" if "municipality" in frame else "municipality_name_fr"
    if {"lon", "lat"} <= set(frame):
        geometry = gpd.points_from_xy(frame["lon"].astype(float), frame["lat"].astype(float))
        points = gpd.GeoDataFrame(geometry=geometry, crs=WGS84).to_crs(crs)
    else:
        geometry = gpd.points_from_xy(frame["EPSG:31370_x"].astype(float), frame["EPSG:31370_y"].astype(float))
        points = gpd.GeoDataFrame(geometry=geometry, crs=LAMBERT72).to_crs(crs)
    points["street"], points["municipality"] = frame[street].to_numpy(), frame[mun].to_numpy()
    return points


def read_street_files(
    streets: Path | None, addresses: Path | None, *, crs: str
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    """(street lines, address points with street names) for an analysis: the lines of ``streets`` when given,
    else the points of the ``addresses`` file (the analysis draws the streets through them), else neither."""
    if streets is not None:
        return read_street_lines(streets, crs=crs), None
    if addresses is None:
        return None, None
    return None, read_address_streets(addresses, crs=crs)
