"""The official address points as the maps draw them (the web map's and the printed maps' backgrounds): from the
register in PostGIS, or from the ICAR extract shipped in ``geodata/`` while no register is loaded, so that a fresh
service still shows its streets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import psycopg

from service.db.queries import Queries
from service.geo import LAMBERT72, WGS84

#: The zone's ICAR extract in ``geodata/`` (the register the demonstration loads).
ICAR_EXTRACT = "icar_seraing_neupre.csv"
COLUMNS = ["street", "municipality", "postcode"]


_q = Queries("service.geocode", "gazetteer.sql")


def address_points(
    conn: psycopg.Connection[Any],
    geodata: Path,
    communes: tuple[str, ...],
    *,
    box: tuple[float, float, float, float] | None = None,
) -> gpd.GeoDataFrame:
    """The addresses (``street``, ``municipality``, ``postcode``; points in Lambert 72) within ``box`` (xmin, ymin,
    xmax, ymax in Lambert 72) or everywhere: the register's, or, when none is loaded, those of the ICAR extract in
    the zone's ``communes`` (none for a zone outside Seraing and Neupré: its streets come with its register)."""
    params = dict(zip(("xmin", "ymin", "xmax", "ymax"), box or (None,) * 4, strict=True))
    frame = pd.DataFrame(conn.execute(_q("address_points"), params).fetchall(), columns=[*COLUMNS, "x", "y"])
    if not frame.empty:
        return gpd.GeoDataFrame(frame[COLUMNS], geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=LAMBERT72)
    loaded = conn.execute(_q("has_addresses")).fetchone()
    if box is not None and loaded and loaded[0]:  # a register, with nothing in this box
        return gpd.GeoDataFrame(frame[COLUMNS], geometry=gpd.points_from_xy([], []), crs=LAMBERT72)
    raw = pd.read_csv(geodata / ICAR_EXTRACT, usecols=[*COLUMNS, "lat", "lon"], dtype={"postcode": str})
    raw = raw[raw["municipality"].isin(communes)]
    points = gpd.GeoDataFrame(raw[COLUMNS], geometry=gpd.points_from_xy(raw["lon"], raw["lat"]), crs=WGS84)
    points = points.to_crs(LAMBERT72)
    return points if box is None else points.cx[box[0] : box[2], box[1] : box[3]]
