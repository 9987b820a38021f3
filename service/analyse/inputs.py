"""Read any point file for the offline analysis (``hotspots analyse --input``), in any city.

Columns are recognised like at ingestion (``lon``/``lat`` or ``x``/``y``, ``date``, ``category``...). WGS84
coordinates are projected to the metric CRS; ``x``/``y`` are taken to be in it already.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from service.errors import InputFileError
from service.ingest.columns import map_columns
from service.ingest.coords import project, to_number
from service.ingest.dates import parse_datetimes
from service.ingest.read import STR, open_table


def read_points(path: Path, *, crs: str = "EPSG:31370", need_dates: bool = True) -> gpd.GeoDataFrame:
    """Points with ``id``, ``category``, ``observed_at`` in ``crs``; rows without a usable point are dropped and
    counted in ``attrs['dropped']``."""
    source = open_table(Path(path))
    cmap = map_columns(source.headers, "reports")
    frames = []
    for chunk in source.chunks(200_000):

        def col(name: str, chunk: pd.DataFrame = chunk) -> pd.Series:
            header = cmap.fields.get(name)
            return chunk[header].astype(STR) if header else pd.Series(pd.NA, index=chunk.index, dtype=STR)

        if "_geom_x" in chunk.columns:
            a, _ = to_number(chunk["_geom_x"].astype(STR))
            b, _ = to_number(chunk["_geom_y"].astype(STR))
            wgs = True
        elif "lon" in cmap.fields and "lat" in cmap.fields:
            a, _ = to_number(col("lon"))
            b, _ = to_number(col("lat"))
            wgs = True
        elif "x" in cmap.fields and "y" in cmap.fields:
            a, _ = to_number(col("x"))
            b, _ = to_number(col("y"))
            wgs = False
        else:
            raise InputFileError(
                f"{Path(path).name} : ni colonnes lon/lat ni x/y.",
                hint="Nommez les colonnes lon et lat (WGS84) ou x et y (système --crs).",
            )
        if wgs:
            a, b = project(a, b, "EPSG:4326", crs)
        stamps, _reasons = parse_datetimes(col("observed_at"))
        frames.append(
            pd.DataFrame(
                {
                    "id": col("external_id").fillna(pd.Series(chunk["_row"].astype(str), index=chunk.index)),
                    "category": col("category").fillna("autre"),
                    "observed_at": stamps,
                    "x": a,
                    "y": b,
                }
            )
        )
    frame = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["id", "category", "observed_at", "x", "y"])
    )
    ok = np.isfinite(frame["x"].to_numpy(float)) & np.isfinite(frame["y"].to_numpy(float))
    if need_dates:
        ok &= frame["observed_at"].notna().to_numpy()
    dropped = int((~ok).sum())
    frame = frame[ok]
    out = gpd.GeoDataFrame(frame.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=crs)
    out.attrs["dropped"] = dropped
    return out


def within_window(
    points: gpd.GeoDataFrame, *, since: pd.Timestamp | None = None, until: pd.Timestamp | None = None
) -> gpd.GeoDataFrame:
    """The points observed in [``since``, ``until``) (either bound may be open); ``attrs`` are kept."""
    when = pd.to_datetime(points["observed_at"], utc=True)
    keep = pd.Series(True, index=points.index)
    if since is not None:
        keep &= when >= since
    if until is not None:
        keep &= when < until
    out = points[keep.to_numpy()]
    out.attrs.update(points.attrs, window_dropped=int((~keep).sum()))
    return out
