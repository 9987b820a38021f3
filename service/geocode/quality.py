"""How well the stored rows were placed: match levels and scores, and what could not be placed.

Read-only, for the intake notebook and data-quality reports; the review queue itself is
:func:`service.geocode.apply.open_reviews`.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import psycopg

from service.db.queries import Queries

CRS = "EPSG:31370"
#: Rows a person still has to place: a provisional point to confirm, or none at all.
NOT_PLACED = ("a_verifier", "echec", "a_geocoder")


def geocoding_results(conn: psycopg.Connection[Any]) -> gpd.GeoDataFrame:
    """Every report, visit and permit the geocoder handled (not those whose file gave coordinates): ``type``,
    ``statut`` (geocode, a_verifier, echec, manuel, a_geocoder), ``niveau``, ``score``, the official ``libelle``
    matched, the open review's ``motif``; points in Lambert 72 (none for a failure)."""
    frame = Queries("service.geocode", "quality.sql").frame(conn, "results")
    frame["score"] = frame["score"].astype(float)
    x, y = frame.pop("x").astype(float), frame.pop("y").astype(float)
    geometry = gpd.points_from_xy(x, y)
    geometry[x.isna().to_numpy()] = None  # a failure has no point at all, not a point at (NaN, NaN)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)


def level_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Rows per match level and status, with their score (median, min, max): the geocoder's report card."""
    table = (
        results.assign(niveau=results["niveau"].fillna("—"))
        .groupby(["niveau", "statut"], dropna=False)["score"]
        .agg(lignes="size", score_median="median", score_min="min", score_max="max")
        .reset_index()
        .sort_values("lignes", ascending=False, ignore_index=True)
    )
    return table.round({"score_median": 2, "score_min": 2, "score_max": 2})


def not_placed(results: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The rows a person still has to place (:data:`NOT_PLACED`): a provisional point, or none (``None``)."""
    return results[results["statut"].isin(NOT_PLACED)].reset_index(drop=True)
