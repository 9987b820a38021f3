"""The planted truth: where nuisance concentrates, when, and which incidents happen.

Three layers, drawn from one seeded generator: dumping corners (sensitive points), problem streets (axes) and a
background spread like the address points. Dates follow seasons and weekdays per category. The historical corner
stops because the service acted there (its first visit: clean-up, camera, fine), as a real one may: what « did the
action work? » should find, and finds nowhere else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from service.demo.addresses import AddressBook
from service.demo.vocab import CATEGORIES, CATEGORY_SHARES

#: The historical corner's dumping stops this many days after the service's first visit there (its action).
ACTION_LEAD_DAYS = 14
#: Shares of the incidents that belong to each layer.
HOTSPOT_SHARE = 0.32
AXIS_SHARE = 0.13
#: Street types that make good dumping corners (dead ends, lanes, quays).
_LANE_TYPES = (
    "Impasse",
    "Ruelle",
    "Sentier",
    "Chemin",
    "Voie",
    "Thier",
    "Tige",
    "Venelle",
    "Heid",
    "Quai",
    "Drève",
    "Voisinage",
    "Enclos",
    "Cour",
)
#: How many corners each postcode may hold, so they land in different neighbourhoods.
_QUOTA = {"4100": 3, "4101": 1, "4102": 1, "4120": 1, "4121": 1, "4122": 1}
#: Candidate problem streets per neighbourhood (real names; the first that exists is a fallback order only).
_AXIS_CANDIDATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("4100", ("Rue Ferrer", "Rue Cockerill", "Rue du Pairay", "Rue du Molinay")),
    ("4101", ("Rue Grand Vinâve", "Rue de la Station", "Rue Antonin Delville", "Rue Émile Royer")),
    ("4102", ("Rue Ferdinand Nicolay", "Rue du Roi Albert", "Avenue du Centenaire", "Rue Franklin Roosevelt")),
)
#: Dumping is discovered after the weekend: Monday counts more.
_WEEKDAY = {
    "depot_clandestin": (1.9, 1.0, 0.95, 0.95, 1.0, 0.75, 0.7),
    "terrain_malpropre": (1.4, 1.0, 1.0, 1.0, 1.0, 0.8, 0.8),
    "sacs_hors_jour": (1.3, 1.0, 1.0, 1.0, 1.0, 0.7, 0.8),
    "bruit": (0.8, 0.8, 0.8, 0.9, 1.1, 1.5, 1.4),
}
#: Seasonal amplitude and peak day of year: noise and burning in spring/summer, dog fouling in winter.
_SEASON = {"bruit": (0.6, 196), "incineration": (0.7, 135), "dejections": (0.5, 20), "depot_clandestin": (0.15, 170)}


@dataclass(frozen=True)
class Window:
    """Report days: ``start`` ≤ day < ``end``; everything happens strictly before ``end``."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> np.ndarray:
        """Every report day of the window, as ``datetime64[D]``."""
        return np.arange(np.datetime64(self.start, "D"), np.datetime64(self.end, "D"))


@dataclass
class Hotspot:
    """A planted dumping corner."""

    id: str
    centre: int
    radius_m: int
    members: np.ndarray
    profile: str
    start: dt.date
    end: dt.date
    mix: dict[str, float]
    place: str
    action: dt.date | None = None  # the day the service acted there (its first visit), for the historical corner


@dataclass
class Axis:
    """A planted problem street (bags out on the wrong day along its whole length)."""

    id: str
    street_id: int
    members: np.ndarray
    category: str = "sacs_hors_jour"


def day_weights(category: str, days: np.ndarray) -> np.ndarray:
    """Relative chance of each day for a category (season x weekday)."""
    w = np.ones(len(days))
    if category in _SEASON:
        amp, peak = _SEASON[category]
        doy = (days - days.astype("datetime64[Y]")).astype(int)
        w *= 1 + amp * np.cos(2 * np.pi * (doy - peak) / 365.25)
    if category in _WEEKDAY:
        weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
        w *= np.asarray(_WEEKDAY[category])[weekday]
    return w


def plan_axes(rng: np.random.Generator, book: AddressBook) -> list[Axis]:
    """3-4 shopping or main streets: Seraing centre, Jemeppe, Ougrée and sometimes Boncelles."""
    frame = pd.DataFrame({"sid": book.street_id, "street": book.street, "pc": book.postcode, "lat": book.lat})
    axes: list[Axis] = []
    for pc, names in _AXIS_CANDIDATES:
        present = [n for n in names if ((frame.street == n) & (frame.pc == pc)).any()]
        if not present:
            counts = frame[frame.pc == pc].groupby("sid").size()
            sid = int(counts.idxmax())
        else:
            name = present[int(rng.integers(len(present)))]
            sid = int(frame.sid[(frame.street == name) & (frame.pc == pc)].iloc[0])
        axes.append(Axis(f"AX{len(axes) + 1:02d}", sid, np.flatnonzero(book.street_id == sid)))
    if rng.random() < 0.6:
        south = frame[(frame.pc == "4100") & (frame.lat < 50.578)].groupby("sid").size()
        options = south[south >= 25].index.to_numpy()
        if len(options):
            sid = int(options[int(rng.integers(len(options)))])
            axes.append(Axis(f"AX{len(axes) + 1:02d}", sid, np.flatnonzero(book.street_id == sid)))
    return axes


def _corner_candidates(book: AddressBook) -> np.ndarray:
    """Addresses on lanes and dead ends, plus the far end of every street of eight addresses or more."""
    kind = pd.Series(book.street).str.split(" ", n=1).str[0].str.capitalize()
    lanes = kind.isin(_LANE_TYPES).to_numpy()
    frame = pd.DataFrame({"sid": book.street_id, "x": book.x, "y": book.y})
    grouped = frame.groupby("sid")
    dx = frame.x - grouped.x.transform("mean")
    dy = frame.y - grouped.y.transform("mean")
    far = np.hypot(dx, dy)
    is_end = (far == far.groupby(frame.sid).transform("max")) & (grouped.x.transform("size") >= 8)
    return np.flatnonzero(lanes | is_end.to_numpy())


def plan_hotspots(rng: np.random.Generator, book: AddressBook, window: Window, axes: list[Axis]) -> list[Hotspot]:
    """6-8 dumping corners in different neighbourhoods, far from the axes; one emerging, one historical."""
    n_spots = int(rng.integers(6, 9))
    axis_pts = np.concatenate([a.members for a in axes])
    cands = rng.permutation(_corner_candidates(book))
    chosen: list[tuple[int, int, np.ndarray]] = []
    used: dict[str, int] = {}
    for min_gap, quota_on in ((1500.0, True), (900.0, True), (900.0, False)):
        for i in cands:
            if len(chosen) == n_spots:
                break
            pc = str(book.postcode[i])
            if quota_on and used.get(pc, 0) >= _QUOTA.get(pc, 1):
                continue
            d = book.distances(int(i))
            if any(d[c] < min_gap for c, _, _ in chosen) or d[axis_pts].min() < 400:
                continue
            radius = int(rng.integers(30, 61))
            members = np.flatnonzero(d <= radius)
            if len(members) < 2:
                continue
            chosen.append((int(i), radius, members))
            used[pc] = used.get(pc, 0) + 1
    special = rng.choice(len(chosen), size=2, replace=False)
    n_days = (window.end - window.start).days
    spots: list[Hotspot] = []
    for k, (centre, radius, members) in enumerate(chosen):
        profile, start, end = "persistent", window.start, window.end
        if k == special[0]:  # starts in the last 4 months (a quarter of a short window)
            days = min(int(rng.integers(75, 116)), n_days // 4)
            profile, start = "emerging", window.end - dt.timedelta(days=days)
        elif k == special[1]:  # stops a year before the end (half of a short window)
            days = min(365 + int(rng.integers(0, 21)), n_days // 2)
            profile, end = "historical", window.end - dt.timedelta(days=days)
        weights = rng.dirichlet(np.array([0.78, 0.08, 0.14]) * 40)
        mix = dict(zip(("depot_clandestin", "incineration", "terrain_malpropre"), weights.tolist(), strict=True))
        kind = str(book.street[centre]).split(" ", 1)[0].capitalize()
        place = "lane_or_dead_end" if kind in _LANE_TYPES else "street_end"
        action = max(start, end - dt.timedelta(days=ACTION_LEAD_DAYS)) if profile == "historical" else None
        spots.append(Hotspot(f"PS{k + 1:02d}", centre, radius, members, profile, start, end, mix, place, action))
    return spots


def _draw_days(rng: np.random.Generator, days: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    return days[rng.choice(len(days), size=n, p=weights / weights.sum())] if n else days[:0]


def draw_incidents(
    rng: np.random.Generator, book: AddressBook, window: Window, hotspots: list[Hotspot], axes: list[Axis], n: int
) -> pd.DataFrame:
    """``n`` incidents: address index, category code, day, and origin (``PSxx``, ``AXxx`` or ``background``)."""
    days = window.days
    parts: list[pd.DataFrame] = []
    # Sensitive points: budget shared by rate x active days; the emerging one grows fast.
    rates = rng.uniform(0.7, 1.3, len(hotspots))
    active = np.array([(h.end - h.start).days for h in hotspots], dtype=float)
    boost = np.array([1.6 if h.profile == "emerging" else 1.0 for h in hotspots])
    counts = rng.multinomial(round(HOTSPOT_SHARE * n), rates * active * boost / (rates * active * boost).sum())
    for h, count in zip(hotspots, counts, strict=True):
        in_period = (days >= np.datetime64(h.start)) & (days < np.datetime64(h.end))
        cats = rng.choice(list(h.mix), size=count, p=np.array(list(h.mix.values())))
        dist = np.hypot(book.x[h.members] - book.x[h.centre], book.y[h.members] - book.y[h.centre])
        near = 1.0 / (1.0 + dist / 15.0)
        for cat in h.mix:
            k = int((cats == cat).sum())
            w = day_weights(cat, days) * in_period
            if h.profile == "emerging":
                w = w * (1 + 2 * np.cumsum(in_period) / max(in_period.sum(), 1))
            parts.append(
                pd.DataFrame(
                    {
                        "addr": rng.choice(h.members, size=k, p=near / near.sum()),
                        "cat": cat,
                        "day": _draw_days(rng, days, w, k),
                        "origin": h.id,
                    }
                )
            )
    # Problem axes: uniform along the street's real address points.
    a_counts = rng.multinomial(round(AXIS_SHARE * n), np.full(len(axes), 1 / len(axes)))
    for a, count in zip(axes, a_counts, strict=True):
        parts.append(
            pd.DataFrame(
                {
                    "addr": rng.choice(a.members, size=count),
                    "cat": a.category,
                    "day": _draw_days(rng, days, day_weights(a.category, days), int(count)),
                    "origin": a.id,
                }
            )
        )
    # Background: what is left of each category's share, proportional to address density.
    planted = pd.concat(parts, ignore_index=True)
    left = n - len(planted)
    have = planted["cat"].value_counts()
    need = np.array([max(CATEGORY_SHARES[c] * n - have.get(c, 0), 0.002 * n) for c in CATEGORIES])
    b_counts = rng.multinomial(left, need / need.sum())
    for cat, count in zip(CATEGORIES, b_counts, strict=True):
        parts.append(
            pd.DataFrame(
                {
                    "addr": rng.integers(0, len(book), size=count),
                    "cat": cat,
                    "day": _draw_days(rng, days, day_weights(cat, days), int(count)),
                    "origin": "background",
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame["day"] = frame["day"].astype("datetime64[s]")
    return frame
