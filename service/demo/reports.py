"""From incidents to reports: which channel reported each one, at what time, where exactly, under which id.

Channels keep their habits: the commune registers during office hours on weekdays, crews of the intercommunale
work early, citizens report all day and noise at night. Near-duplicates are planted here, on purpose.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from service.demo.addresses import AddressBook, Projections, jitter
from service.demo.scenario import Window

SOURCES: tuple[str, ...] = ("commune", "patrouilles", "open311", "intercommunale")
#: Channel weights (commune, patrol, Open311 app, intercommunale) before the category rules below.
_SOURCE_WEIGHTS = np.array([0.30, 0.20, 0.35, 0.19])
#: The waste intercommunale only reports waste.
INTERCO_CATEGORIES = (
    "depot_clandestin",
    "sacs_hors_jour",
    "terrain_malpropre",
    "dejections",
    "affichage_sauvage",
    "graffiti",
    "autre",
)
#: Hour-of-day weights of citizens' reports (Open311); no report between 2 and 6 h, so no DST ambiguity.
_CITIZEN_HOURS = np.array([0.5, 0.2, 0, 0, 0, 0, 0.5, 1.5, 2.5, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2.5, 2, 1.2, 0.8])
_NIGHT = np.array([h in (0, 1, 20, 21, 22, 23) for h in range(24)], dtype=float)


def assign_sources(rng: np.random.Generator, cats: np.ndarray) -> np.ndarray:
    """One channel per incident; non-waste categories never come from the intercommunale."""
    waste = np.isin(cats, INTERCO_CATEGORIES)
    p_waste = _SOURCE_WEIGHTS / _SOURCE_WEIGHTS.sum()
    p_other = np.append(_SOURCE_WEIGHTS[:3], 0.0) / _SOURCE_WEIGHTS[:3].sum()
    u = rng.random(len(cats))
    idx_waste = np.searchsorted(np.cumsum(p_waste), u, side="right")
    idx_other = np.searchsorted(np.cumsum(p_other), u, side="right")
    idx = np.minimum(np.where(waste, idx_waste, idx_other), len(SOURCES) - 1)
    return np.asarray(SOURCES, dtype=object)[idx]


def _hours(rng: np.random.Generator, source: np.ndarray, cats: np.ndarray) -> np.ndarray:
    n = len(source)
    office = np.where(rng.random(n) < 0.88, rng.integers(8, 17, n), rng.integers(17, 21, n))
    patrol = np.where(cats == "bruit", rng.choice([20, 21, 22, 23, 0, 1], n), rng.integers(7, 21, n))
    day_p = _CITIZEN_HOURS / _CITIZEN_HOURS.sum()
    night_p = _CITIZEN_HOURS * (1 + 4 * _NIGHT) / (_CITIZEN_HOURS * (1 + 4 * _NIGHT)).sum()
    citizen = np.where(cats == "bruit", rng.choice(24, n, p=night_p), rng.choice(24, n, p=day_p))
    crew = rng.integers(6, 15, n)
    return np.select(
        [source == "commune", source == "patrouilles", source == "open311"], [office, patrol, citizen], crew
    )


def add_times(rng: np.random.Generator, frame: pd.DataFrame, window: Window) -> None:
    """``ts``: the day plus a channel-typical time; weekend desk work moves to the Monday (still < end)."""
    source, cats = frame["source"].to_numpy(), frame["cat"].to_numpy()
    day = frame["day"].to_numpy().astype("datetime64[D]")
    weekday = (day.astype(int) + 3) % 7
    desk = ((source == "commune") & (rng.random(len(frame)) < 0.9)) | (
        (source == "intercommunale") & (rng.random(len(frame)) < 0.8)
    )
    monday = day + (7 - weekday).astype("timedelta64[D]")
    friday = day - (weekday - 4).astype("timedelta64[D]")
    moved = np.where(monday < np.datetime64(window.end), monday, friday)
    day = np.where(desk & (weekday >= 5), moved, day)
    hour = _hours(rng, source, cats)
    seconds = np.where(source == "open311", rng.integers(0, 60, len(frame)), 0)
    offset = hour * 3600 + rng.integers(0, 60, len(frame)) * 60 + seconds
    frame["ts"] = day.astype("datetime64[s]") + offset.astype("timedelta64[s]")


def add_coordinates(rng: np.random.Generator, frame: pd.DataFrame, book: AddressBook, proj: Projections) -> None:
    """Address point + jitter, in Lambert 72 (x, y), WGS84 (lon, lat) and Lambert 2008 (x08, y08)."""
    addr = frame["addr"].to_numpy()
    dx, dy = jitter(rng, len(frame))
    x, y = book.x[addr] + dx, book.y[addr] + dy
    lon, lat = proj.from_l72.transform(x, y)
    x08, y08 = proj.to_l08.transform(lon, lat)
    frame["x"], frame["y"], frame["lon"], frame["lat"] = x, y, np.asarray(lon), np.asarray(lat)
    frame["x08"], frame["y08"] = np.asarray(x08), np.asarray(y08)


def plant_duplicates(
    rng: np.random.Generator, frame: pd.DataFrame, book: AddressBook, proj: Projections, window: Window, n_dup: int
) -> pd.DataFrame:
    """The intercommunale reports again what a citizen reported: same category, 5-40 m away, 1-30 h later."""
    end = np.datetime64(window.end, "s") - np.timedelta64(31, "h")
    pool = np.flatnonzero(
        (frame["source"].to_numpy() == "open311")
        & np.isin(frame["cat"].to_numpy(), INTERCO_CATEGORIES)
        & (frame["ts"].to_numpy() < end)
    )
    picked = np.sort(rng.choice(pool, size=min(n_dup, len(pool)), replace=False))
    rows = []
    for k in picked:
        orig = frame.iloc[int(k)]
        ox, oy = float(orig["x"]), float(orig["y"])
        d = np.hypot(book.x - ox, book.y - oy)
        near = np.flatnonzero(d <= 30)
        others = near[near != orig["addr"]]
        options = others if len(others) and rng.random() < 0.7 else near
        for _ in range(200):
            addr = int(options[int(rng.integers(len(options)))])
            dx, dy = jitter(rng, 1)
            x, y = book.x[addr] + dx[0], book.y[addr] + dy[0]
            if 5 <= np.hypot(x - ox, y - oy) <= 40:
                break
        else:  # same address, 6 m on the other side of its point: 6-18 m from the original
            addr = int(orig["addr"])
            away = np.array([book.x[addr] - ox, book.y[addr] - oy])
            unit = away / np.hypot(*away) if np.hypot(*away) > 0 else np.array([1.0, 0.0])
            x, y = book.x[addr] + 6 * unit[0], book.y[addr] + 6 * unit[1]
        later = np.timedelta64(int(rng.integers(61, 30 * 60 + 1)), "m")
        rows.append(
            {
                "addr": addr,
                "cat": orig["cat"],
                "day": orig["day"],
                "origin": "duplicate",
                "source": "intercommunale",
                "ts": (orig["ts"] + pd.Timedelta(later)).floor("min"),
                "x": x,
                "y": y,
                "dup_of": int(k),
            }
        )
    dups = pd.DataFrame(rows)
    if len(dups):
        lon, lat = proj.from_l72.transform(dups["x"].to_numpy(), dups["y"].to_numpy())
        x08, y08 = proj.to_l08.transform(lon, lat)
        dups["lon"], dups["lat"], dups["x08"], dups["y08"] = lon, lat, x08, y08
    frame = frame.assign(dup_of=-1)
    return pd.concat([frame, dups], ignore_index=True)


def assign_ids(rng: np.random.Generator, frame: pd.DataFrame) -> None:
    """Ids in each channel's own format, increasing with time (other files of each register leave gaps)."""
    ids = np.empty(len(frame), dtype=object)
    for source in SOURCES:
        rows = np.flatnonzero(frame["source"].to_numpy() == source)
        rows = rows[np.argsort(frame["ts"].to_numpy()[rows], kind="stable")]
        years = frame["ts"].to_numpy()[rows].astype("datetime64[Y]").astype(int) + 1970
        step = rng.integers(1, 4, len(rows)) if source in ("commune", "intercommunale") else np.ones(len(rows))
        seq = pd.Series(step).groupby(years).cumsum().to_numpy().astype(int)
        if source == "commune":
            ids[rows] = [f"PROP/{y}/{s:05d}" for y, s in zip(years, seq, strict=True)]
        elif source == "patrouilles":
            ids[rows] = [f"CONST/{y}/{s:04d}" for y, s in zip(years, seq, strict=True)]
        elif source == "open311":
            ids[rows] = [str(v) for v in 184_000 + np.cumsum(rng.integers(1, 40, len(rows)))]
        else:
            ids[rows] = [f"IC{y % 100:02d}-{s:05d}" for y, s in zip(years, seq, strict=True)]
    frame["id"] = ids


def end_of(window: Window) -> dt.datetime:
    """The first instant not allowed (midnight at the start of ``window.end``)."""
    return dt.datetime.combine(window.end, dt.time())
