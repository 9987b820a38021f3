"""``verite_terrain.json``: what was planted, so each stage can be scored against a known answer.

Keys are English (the file is read by tests and back-tests, not shown to users); times are Brussels local times.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from service.demo.addresses import AddressBook
from service.demo.scenario import Axis, Hotspot, Window

#: Near-duplicate rule of the schema (``reports.duplicate_of``).
DUP_RADIUS_M = 50.0
DUP_HOURS = 48.0
REPORT_COLUMNS = (
    "id",
    "file",
    "category",
    "origin",
    "datetime",
    "icar_street_id",
    "street",
    "housenumber",
    "postcode",
    "municipality",
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
                "category": a["cat"],
                "distance_m": round(float(np.hypot(a["x"] - b["x"], a["y"] - b["y"])), 1),
                "hours": round((b["ts"] - a["ts"]).total_seconds() / 3600, 2),
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


def _address(book: AddressBook, i: int) -> dict[str, Any]:
    return {
        "label": book.label(i),
        "street": str(book.street[i]),
        "housenumber": str(book.number[i]),
        "postcode": str(book.postcode[i]),
        "municipality": str(book.municipality[i]),
        "icar_street_id": int(book.street_id[i]),
        "lon": round(float(book.lon[i]), 7),
        "lat": round(float(book.lat[i]), 7),
        "x": round(float(book.x[i]), 2),
        "y": round(float(book.y[i]), 2),
    }


def _span(own: pd.DataFrame) -> dict[str, str | None]:
    if own.empty:
        return {"first_report": None, "last_report": None}
    return {"first_report": own["ts"].min().isoformat(), "last_report": own["ts"].max().isoformat()}


def _hotspot(h: Hotspot, frame: pd.DataFrame, book: AddressBook) -> dict[str, Any]:
    own = frame[frame["origin"] == h.id]
    return {
        "id": h.id,
        "profile": h.profile,
        "place": h.place,
        "centre": _address(book, h.centre),
        "radius_m": h.radius_m,
        "n_addresses_in_radius": len(h.members),
        "n_reports": len(own),
        "categories": {str(k): int(v) for k, v in own["cat"].value_counts().sort_index().items()},
        "category_mix": {k: round(v, 3) for k, v in h.mix.items()},
        "active_from": h.start.isoformat(),
        "active_before": h.end.isoformat(),
        "action": h.action.isoformat() if h.action is not None else None,
        **_span(own),
    }


def _axis(a: Axis, frame: pd.DataFrame, book: AddressBook) -> dict[str, Any]:
    own = frame[frame["origin"] == a.id]
    pts = np.column_stack([book.x[a.members], book.y[a.members]])
    extent = float(np.max(np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))))
    first = int(a.members[0])
    return {
        "id": a.id,
        "street": str(book.street[first]),
        "municipality": str(book.municipality[first]),
        "icar_street_id": a.street_id,
        "postcodes": sorted({str(p) for p in book.postcode[a.members]}),
        "category": a.category,
        "n_reports": len(own),
        "n_addresses": len(a.members),
        "extent_m": round(extent),
        **_span(own),
    }


def _report_rows(frame: pd.DataFrame, book: AddressBook, file_of: dict[str, str]) -> list[list[Any]]:
    a = frame["addr"].to_numpy()
    columns = [
        frame["id"],
        frame["source"].map(file_of),
        frame["cat"],
        frame["origin"],
        frame["ts"].map(pd.Timestamp.isoformat),
        book.street_id[a].tolist(),
        book.street[a],
        book.number[a],
        book.postcode[a],
        book.municipality[a],
        frame["lon"].round(7),
        frame["lat"].round(7),
        frame["x"].round(2),
        frame["y"].round(2),
    ]
    return [list(row) for row in zip(*(list(c) for c in columns), strict=True)]


def build(
    *,
    seed: int,
    window: Window,
    years: float,
    frame: pd.DataFrame,
    book: AddressBook,
    hotspots: list[Hotspot],
    axes: list[Axis],
    pairs: list[dict[str, Any]],
    counts: dict[str, int],
    file_of: dict[str, str],
    visit_targets: dict[str, int],
    permit_link: dict[str, str],
    bad_rows: list[dict[str, Any]],
    errors_file: str,
) -> dict[str, Any]:
    """The whole truth document."""
    planted = {(p["open311"], p["intercommunale"]) for p in pairs}
    chance = [p for p in close_pairs(frame) if p not in planted and (p[1], p[0]) not in planted]
    return {
        "seed": seed,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "years": years,
        "note": (
            "Brussels local times. Every date is on or after 'start' and strictly before 'end'. "
            "x/y in Lambert 72 (EPSG:31370), lon/lat in WGS84."
        ),
        "counts": counts,
        "visit_targets": visit_targets,
        "permit_near_sensitive_point": permit_link,
        "sensitive_points": [_hotspot(h, frame, book) for h in hotspots],
        "problem_axes": [_axis(a, frame, book) for a in axes],
        "near_duplicate_rule": {
            "distance_m": DUP_RADIUS_M,
            "hours": DUP_HOURS,
            "condition": "same category, different sources",
        },
        "near_duplicates": pairs,
        "chance_pairs": {
            "note": "Pairs that meet the same rule without being planted (a sensitive point "
            "reported twice by different channels).",
            "count": len(chance),
            "pairs": chance,
        },
        "bad_rows": {"file": errors_file, "note": "The header is row 1.", "rows": bad_rows},
        "reports": {"columns": list(REPORT_COLUMNS), "rows": _report_rows(frame, book, file_of)},
    }


def write(path: Path, doc: dict[str, Any]) -> None:
    """Indented JSON, but one line per report and per pair so the file stays readable."""
    flat = {"pairs": doc["chance_pairs"]["pairs"], "rows": doc["reports"]["rows"]}
    shell = {
        **doc,
        "chance_pairs": {**doc["chance_pairs"], "pairs": "@@pairs@@"},
        "reports": {**doc["reports"], "rows": "@@rows@@"},
    }
    text = json.dumps(shell, ensure_ascii=False, indent=1)
    for key, rows in flat.items():
        body = ",\n".join("  " + json.dumps(list(r), ensure_ascii=False) for r in rows)
        text = text.replace(f'"@@{key}@@"', f"[\n{body}\n ]" if rows else "[]")
    path.write_text(text + "\n", encoding="utf-8")
