"""``verite_terrain.json``: what was planted, so each stage can be scored against a known answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from service.demo.addresses import AddressBook, Projections
from service.demo.scenario import Axis, Hotspot, Window

#: Near-duplicate rule of the schema (``reports.duplicate_of``).
DUP_RADIUS_M = 50.0
DUP_HOURS = 48.0
REPORT_COLUMNS = (
    "id",
    "fichier",
    "categorie",
    "origine",
    "date",
    "icar_street_id",
    "rue",
    "numero",
    "code_postal",
    "commune",
    "lon",
    "lat",
    "x",
    "y",
)


def duplicate_pairs(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The planted (Open311, intercommunale) pairs; call before the frame is re-sorted (``dup_of`` is positional)."""
    pairs = []
    for k in np.flatnonzero(frame["dup_of"].to_numpy() >= 0):
        b = frame.iloc[int(k)]
        a = frame.iloc[int(b["dup_of"])]
        pairs.append(
            {
                "open311": a["id"],
                "intercommunale": b["id"],
                "categorie": a["cat"],
                "distance_m": round(float(np.hypot(a["x"] - b["x"], a["y"] - b["y"])), 1),
                "ecart_h": round((b["ts"] - a["ts"]).total_seconds() / 3600, 2),
            }
        )
    return sorted(pairs, key=lambda p: p["open311"])


def close_pairs(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """Every pair the schema's rule would call a near-duplicate (same category, other source, 50 m, 48 h)."""
    found: list[tuple[str, str]] = []
    limit = np.timedelta64(int(DUP_HOURS * 3600), "s")
    for _, g in frame.sort_values("ts", kind="stable").groupby("cat", sort=True):
        ts = g["ts"].to_numpy().astype("datetime64[s]")
        x, y = g["x"].to_numpy(), g["y"].to_numpy()
        src, ids = g["source"].to_numpy(), g["id"].to_numpy()
        for k in range(1, len(g)):
            ok = ts[k:] - ts[:-k] <= limit
            if not ok.any():
                break
            ok &= (np.hypot(x[k:] - x[:-k], y[k:] - y[:-k]) <= DUP_RADIUS_M) & (src[k:] != src[:-k])
            found.extend((str(ids[i]), str(ids[i + k])) for i in np.flatnonzero(ok))
    return sorted(found)


def _address(book: AddressBook, proj: Projections, i: int) -> dict[str, Any]:
    return {
        "adresse": book.label(i),
        "rue": str(book.street[i]),
        "numero": str(book.number[i]),
        "code_postal": str(book.postcode[i]),
        "commune": str(book.municipality[i]),
        "icar_street_id": int(book.street_id[i]),
        "lon": round(float(book.lon[i]), 7),
        "lat": round(float(book.lat[i]), 7),
        "x": round(float(book.x[i]), 2),
        "y": round(float(book.y[i]), 2),
    }


def _span(frame: pd.DataFrame) -> dict[str, str | None]:
    if frame.empty:
        return {"premier_signalement": None, "dernier_signalement": None}
    return {"premier_signalement": frame["ts"].min().isoformat(), "dernier_signalement": frame["ts"].max().isoformat()}


def _hotspot(h: Hotspot, frame: pd.DataFrame, book: AddressBook, proj: Projections) -> dict[str, Any]:
    own = frame[frame["origin"] == h.id]
    return {
        "id": h.id,
        "profil": h.profile,
        "lieu": h.place,
        "centre": _address(book, proj, h.centre),
        "rayon_m": h.radius_m,
        "n_adresses_dans_le_rayon": len(h.members),
        "n_signalements": len(own),
        "categories": {str(k): int(v) for k, v in own["cat"].value_counts().sort_index().items()},
        "melange_prevu": {k: round(v, 3) for k, v in h.mix.items()},
        "actif_du": h.start.isoformat(),
        "actif_avant_le": h.end.isoformat(),
        **_span(own),
    }


def _axis(a: Axis, frame: pd.DataFrame, book: AddressBook) -> dict[str, Any]:
    own = frame[frame["origin"] == a.id]
    pts = np.column_stack([book.x[a.members], book.y[a.members]])
    extent = float(np.max(np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))))
    first = int(a.members[0])
    return {
        "id": a.id,
        "rue": str(book.street[first]),
        "icar_street_id": a.street_id,
        "commune": str(book.municipality[first]),
        "codes_postaux": sorted({str(p) for p in book.postcode[a.members]}),
        "categorie": a.category,
        "n_signalements": len(own),
        "n_adresses": len(a.members),
        "etendue_m": round(extent),
        **_span(own),
    }


def build(
    *,
    seed: int,
    window: Window,
    years: float,
    frame: pd.DataFrame,
    book: AddressBook,
    proj: Projections,
    hotspots: list[Hotspot],
    axes: list[Axis],
    pairs: list[dict[str, Any]],
    counts: dict[str, int],
    file_of: dict[str, str],
    visit_kinds: dict[str, int],
    permit_link: dict[str, str],
    defects: list[dict[str, Any]],
    errors_file: str,
) -> dict[str, Any]:
    """The whole truth document (French keys, like the rest of the user-facing data)."""
    planted = {(p["open311"], p["intercommunale"]) for p in pairs}
    chance = [p for p in close_pairs(frame) if p not in planted and (p[1], p[0]) not in planted]
    addr = frame["addr"].to_numpy()
    table = [
        [
            i,
            file_of[s],
            c,
            o,
            pd.Timestamp(t).isoformat(),
            int(book.street_id[a]),
            str(book.street[a]),
            str(book.number[a]),
            str(book.postcode[a]),
            str(book.municipality[a]),
            round(float(lon), 7),
            round(float(lat), 7),
            round(float(x), 2),
            round(float(y), 2),
        ]
        for i, s, c, o, t, a, lon, lat, x, y in zip(
            frame["id"],
            frame["source"],
            frame["cat"],
            frame["origin"],
            frame["ts"],
            addr,
            frame["lon"],
            frame["lat"],
            frame["x"],
            frame["y"],
            strict=True,
        )
    ]
    return {
        "graine": seed,
        "debut": window.start.isoformat(),
        "fin": window.end.isoformat(),
        "annees": years,
        "note": (
            "Heures locales (Europe/Brussels). Toutes les dates sont au plus tôt « debut » et strictement "
            "avant « fin ». Coordonnées x/y en Lambert 72 (EPSG:31370), lon/lat en WGS84."
        ),
        "nombre_de_lignes": counts,
        "visites_par_cible": visit_kinds,
        "permis_pres_d_un_point_sensible": permit_link,
        "points_sensibles": [_hotspot(h, frame, book, proj) for h in hotspots],
        "axes_problematiques": [_axis(a, frame, book) for a in axes],
        "regle_quasi_doublon": {
            "distance_m": DUP_RADIUS_M,
            "heures": DUP_HOURS,
            "condition": "même catégorie, sources différentes",
        },
        "quasi_doublons": pairs,
        "paires_fortuites": {
            "note": "Paires qui satisfont la même règle sans avoir été plantées "
            "(signalements répétés d'un même point sensible).",
            "nombre": len(chance),
            "paires": chance,
        },
        "lignes_erronees": {"fichier": errors_file, "note": "L'en-tête est la ligne 1.", "lignes": defects},
        "signalements": {"colonnes": list(REPORT_COLUMNS), "lignes": table},
    }


def write(path: Path, doc: dict[str, Any]) -> None:
    """Indented JSON, but one line per report and per pair so the file stays readable."""
    flat = {"paires": doc["paires_fortuites"]["paires"], "lignes": doc["signalements"]["lignes"]}
    shell = json.loads(json.dumps(doc))
    shell["paires_fortuites"]["paires"] = "@@paires@@"
    shell["signalements"]["lignes"] = "@@lignes@@"
    text = json.dumps(shell, ensure_ascii=False, indent=1)
    for key, rows in flat.items():
        body = ",\n".join("  " + json.dumps(list(r), ensure_ascii=False) for r in rows)
        text = text.replace(f'"@@{key}@@"', f"[\n{body}\n ]" if rows else "[]")
    path.write_text(text + "\n", encoding="utf-8")
