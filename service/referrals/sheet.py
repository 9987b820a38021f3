"""The referral list as a :class:`~service.export.sheet.Sheet`: the same five files as the site list (CSV, XLSX,
GeoJSON, GPX, PDF), from the same writers. No report text and no personal data: the place, the category, the
number of reports, to whom, when, by whom and why."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from service.db.vocabulary import Labels
from service.export.sheet import Sheet
from service.geo import lonlat_arrays
from service.referrals.store import STATUS_LABELS, TARGET_LABELS
from service.text import counted

CRS = "EPSG:31370"
COLUMNS = [
    "Renvoi",
    "État",
    "Vers",
    "Site",
    "Type",
    "Lieu",
    "Commune",
    "Catégorie",
    "Signalements",
    "Pourquoi",
    "Renvoyé le",
    "Par",
    "Proposé par",
    "Clos le",
    "Motif de clôture",
    "Latitude",
    "Longitude",
    "Lien carte",
]


def _local(value: Any, zone: str) -> pd.Timestamp | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).tz_convert(zone)


def proposer(value: Any) -> str | None:
    """Who proposed: a person, or « règle n° 1 »."""
    if value is None or pd.isna(value):
        return None
    text = str(value)
    return f"règle n° {text.split(':', 1)[1]}" if text.startswith("regle:") else text


def referral_sheet(
    frame: pd.DataFrame, labels: Labels, *, zone: str, base_url: str | None = None, title: str = "Renvois"
) -> Sheet:
    """One row per referral of ``frame`` (as :func:`service.referrals.store.list_referrals` returns it), dated in
    ``zone`` (the service's time zone)."""
    lon, lat = lonlat_arrays(frame["x"].to_numpy(dtype=float), frame["y"].to_numpy(dtype=float), decimals=None)
    placed = np.isfinite(lon) & np.isfinite(lat)
    rows, points = [], []
    for i, r in enumerate(frame.to_dict("records")):
        site = f"SIG-{r['target_id']}" if r["target_kind"] == "signalement" else r["target_id"]
        referred = _local(r["referred_at"], zone) or _local(r["proposed_at"], zone)
        rows.append(
            {
                "Renvoi": int(r["id"]),
                "État": STATUS_LABELS.get(r["status"], r["status"]),
                "Vers": r["recipient_label"],
                "Site": site,
                "Type": TARGET_LABELS.get(r["target_kind"], r["target_kind"]),
                "Lieu": r["label"],
                "Commune": r["commune"],
                "Catégorie": labels.category(r["main_category"]),
                "Signalements": int(r["n_reports"] or 0),
                "Pourquoi": r["reason"],
                "Renvoyé le": referred,
                "Par": r["referred_by"],
                "Proposé par": proposer(r["proposed_by"]),
                "Clos le": _local(r["closed_at"], zone),
                "Motif de clôture": r["close_reason"],
                "Latitude": round(float(lat[i]), 6) if placed[i] else None,
                "Longitude": round(float(lon[i]), 6) if placed[i] else None,
                "Lien carte": f"{base_url.rstrip('/')}/carte#renvoi={int(r['id'])}" if base_url else None,
            }
        )
        points.append(shapely.Point(r["x"], r["y"]) if placed[i] else None)
    table = pd.DataFrame(rows, columns=COLUMNS)
    places = gpd.GeoDataFrame(
        {"line": [None] * len(rows), "exit": points}, geometry=gpd.GeoSeries(points, crs=CRS), crs=CRS
    )
    now = pd.Timestamp.now(tz=zone)
    counts = table["État"].value_counts()
    facts = {"Renvois": str(len(rows)), "Date": f"{now:%d/%m/%Y}"}
    facts.update({status: str(int(counts[status])) for status in STATUS_LABELS.values() if status in counts})
    return Sheet(
        title=title,
        subtitle=f"{counted(len(rows), 'renvoi')}, du plus récent au plus ancien — {now:%d/%m/%Y}",
        rows=table,
        places=places,
        ordered=False,
        outcome_labels=sorted(labels.outcomes.values()),
        timezone=zone,
        facts=facts,
        notes=[
            "Les signalements d'un renvoi actif ne comptent plus dans les points sensibles ni les axes "
            "(ils ne sont pas des nuisances de rue) ; un renvoi retiré les y remet à la prochaine analyse."
        ],
        name="renvois",
        block_columns=["Vers", "Renvoyé le", "Par", "Proposé par", "Clos le", "Motif de clôture"],
    )
