"""Load official address points (ICAR extract or national BeST-Address CSV) into PostGIS.

Two layouts are read: the ICAR extract shipped in ``geodata/`` (``icar_street_id, street, housenumber, postcode,
municipality, ..., lat, lon``) and the 20-column BeST-Address open-data CSV (``EPSG:31370_x, ..., streetname_fr,
streetname_nl, postname_fr, ...``). Loading replaces the addresses of the communes present in the file, then
derives one row per street and per commune, section and postcode, so that coarser matches exist.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psycopg

from service.db.copy import copy_frame
from service.db.queries import Queries
from service.errors import InputFileError
from service.geo import LAMBERT72, WGS84, project
from service.geocode.sections import Section, section_of_postcode, shipped_sections

ICAR_COLUMNS = {"icar_street_id", "street", "housenumber", "postcode", "municipality", "lat", "lon"}
BEST_COLUMNS = {"EPSG:31370_x", "EPSG:31370_y", "house_number", "postcode", "street_id", "streetname_fr"}

_COLUMNS = [
    "source",
    "street_id",
    "street",
    "street_nl",
    "street_de",
    "house_number",
    "number",
    "suffix",
    "boxes",
    "postcode",
    "municipality",
    "section",
    "geom",
]


_q = Queries("service.geocode", "gazetteer.sql")


@dataclass(frozen=True)
class GazetteerLoad:
    """What one load did."""

    files: list[str]
    addresses: int
    streets: int
    localities: int
    municipalities: int
    seconds: float


def _read(path: Path, sections: dict[str, str]) -> pd.DataFrame:
    """One file in either layout → the canonical columns, in Lambert 72."""
    if not path.exists():
        raise InputFileError(f"Fichier d'adresses introuvable : {path}")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, engine="pyarrow")
    except Exception as exc:
        raise InputFileError(f"{path.name} : lecture impossible ({exc}).") from exc
    cols = set(frame.columns)
    if cols >= ICAR_COLUMNS:
        x, y = project(frame["lon"].astype(float).to_numpy(), frame["lat"].astype(float).to_numpy(), WGS84, LAMBERT72)
        out = pd.DataFrame(
            {
                "source": "icar",
                "street_id": "icar:" + frame["icar_street_id"],
                "street": frame["street"],
                "street_nl": None,
                "street_de": None,
                "house_number": frame["housenumber"],
                "boxes": frame.get("box_numbers", ""),
                "postcode": frame["postcode"],
                "municipality": frame["municipality"],
                "section": frame["postcode"].map(sections),
            }
        )
    elif cols >= BEST_COLUMNS:
        x = pd.to_numeric(frame["EPSG:31370_x"], errors="coerce").to_numpy()
        y = pd.to_numeric(frame["EPSG:31370_y"], errors="coerce").to_numpy()
        street = frame["streetname_fr"].where(frame["streetname_fr"] != "", frame["streetname_nl"])
        street = street.where(street != "", frame["streetname_de"])
        name_fr = frame["municipality_name_fr"].where(
            frame["municipality_name_fr"] != "", frame["municipality_name_nl"]
        )
        out = pd.DataFrame(
            {
                "source": "best",
                "street_id": "best:" + frame["region_code"] + ":" + frame["street_id"],
                "street": street,
                "street_nl": frame["streetname_nl"].replace("", None),
                "street_de": frame["streetname_de"].replace("", None),
                "house_number": frame["house_number"],
                "boxes": frame["box_number"],
                "postcode": frame["postcode"],
                "municipality": name_fr,
                "section": frame["postname_fr"].replace("", None),
            }
        )
        # BeST marks missing positions with 0.00000
        keep = (x > 0) & (y > 0) & (frame["status"].isin(["current", ""]).to_numpy())
        out, x, y = out[keep].reset_index(drop=True), x[keep], y[keep]
    else:
        raise InputFileError(
            f"{path.name} : format d'adresses inconnu.",
            hint="Formats lus : extrait ICAR (icar_street_id, street, housenumber, postcode, municipality, lat, lon) "
            "ou CSV BeST-Address (EPSG:31370_x, EPSG:31370_y, ..., streetname_fr, ...).",
        )
    parts = out["house_number"].str.extract(r"^\s*(\d+)\s*([A-Za-z]*)")
    out["number"] = pd.to_numeric(parts[0], errors="coerce").astype("Int64")
    out["suffix"] = parts[1].fillna("").str.lower()
    out["geom"] = [f"SRID=31370;POINT({a:.2f} {b:.2f})" for a, b in zip(x, y, strict=True)]
    out = out[(out["street"] != "") & (out["house_number"] != "") & np.isfinite(x) & np.isfinite(y)]
    # one point per (street, number): box numbers share the house's point
    return out.drop_duplicates(["street_id", "house_number"])[_COLUMNS]


def load_gazetteer(
    conn: psycopg.Connection[Any], paths: list[Path], *, sections: Sequence[Section] | None = None
) -> GazetteerLoad:
    """Replace the addresses of the files' communes and rebuild streets and localities (one transaction).

    ``sections`` (:func:`service.geocode.sections.read_sections` of the service's table; the shipped table of
    Seraing and Neupré when not given) name the sections an ICAR file does not: a section becomes a locality
    where the register has addresses in its commune and postcodes."""
    start = time.perf_counter()
    sections = shipped_sections() if sections is None else sections
    by_postcode = section_of_postcode(sections)
    frame = pd.concat([_read(Path(p), by_postcode) for p in paths], ignore_index=True)
    if frame.empty:
        raise InputFileError("Aucune adresse utilisable dans les fichiers donnés.")
    municipalities = sorted(frame["municipality"].unique().tolist())
    with conn.transaction():
        conn.execute("SET LOCAL work_mem = '256MB'")
        conn.execute(_q("delete_municipalities"), {"municipalities": municipalities})
        copy_frame(conn, "gazetteer_addresses", frame)
        conn.execute(_q("rebuild_streets"))
        conn.execute(_q("rebuild_localities"))
        for section in sections:
            conn.execute(
                _q("add_section"),
                {"name": section.name, "municipality": section.municipality, "postcodes": list(section.postcodes)},
            )
        counts = conn.execute(_q("counts")).fetchone()
    assert counts is not None
    return GazetteerLoad(
        files=[Path(p).name for p in paths],
        addresses=int(counts[0]),
        streets=int(counts[1]),
        localities=int(counts[2]),
        municipalities=len(municipalities),
        seconds=round(time.perf_counter() - start, 2),
    )
