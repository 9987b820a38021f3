"""What the geocoder answers, and the streets and candidates it weighs: plain data, and the crossing of two streets
(« coin rue X et rue Y »), which needs nothing but them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from service.geo import to_lonlat

#: How much each level of precision weighs in a result's score.
LEVEL_WEIGHT = {"adresse": 1.0, "adresse_interpolee": 0.85, "intersection": 0.8, "rue": 0.6}
#: Two streets whose addresses come no closer than this do not cross.
CROSSING_M = 250


@dataclass
class Street:
    """One street of the gazetteer: its names, commune, postcodes, a point, and its numbered addresses."""

    street_id: str
    name: str
    municipality: str
    postcodes: tuple[str, ...]
    x: float
    y: float
    other_names: tuple[str, ...] = ()  # Dutch / German names of the same street
    numbers: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    suffixes: tuple[str, ...] = ()
    xs: np.ndarray = field(default_factory=lambda: np.empty(0))
    ys: np.ndarray = field(default_factory=lambda: np.empty(0))
    house_numbers: tuple[str, ...] = ()
    address_postcodes: tuple[str, ...] = ()
    idx: int = -1


@dataclass
class GeocodeResult:
    """One answer. Coordinates in Lambert 72 (x, y) and WGS84 (lon, lat); None when there is no point."""

    query: str
    level: str
    score: float
    label: str | None = None
    x: float | None = None
    y: float | None = None
    lon: float | None = None
    lat: float | None = None
    street_id: str | None = None
    municipality: str | None = None
    postcode: str | None = None
    reason: str | None = None
    alternatives: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The answer as plain values (for JSON, the CLI and the review queue)."""
        return asdict(self)


@dataclass
class Candidate:
    """A street that a text may name, and where on it (filled as the cascade goes)."""

    street: Street
    similarity: float
    level: str = "rue"
    score: float = 0.0
    x: float = 0.0
    y: float = 0.0
    house_number: str | None = None
    postcode: str | None = None
    missing_suffix: str = ""  # "12B" written, only "12" in the register: placed at 12


def crossing(firsts: list[Candidate], seconds: list[Candidate], query: str) -> GeocodeResult | None:
    """Where two streets meet: the middle of their nearest addresses (in the same commune, within
    :data:`CROSSING_M`), scored by the less sure of the two names; None when no pair comes that close."""
    best: tuple[float, Candidate, Candidate, float, float] | None = None
    for a in firsts:
        for b in seconds:
            if a.street.municipality != b.street.municipality or not len(a.street.xs) or not len(b.street.xs):
                continue
            d = np.hypot(a.street.xs[:, None] - b.street.xs[None, :], a.street.ys[:, None] - b.street.ys[None, :])
            i, j = np.unravel_index(int(np.argmin(d)), d.shape)
            gap = float(d[i, j])
            if gap > CROSSING_M:
                continue
            if best is None or gap < best[0]:
                mx = (a.street.xs[i] + b.street.xs[j]) / 2
                my = (a.street.ys[i] + b.street.ys[j]) / 2
                best = (gap, a, b, float(mx), float(my))
    if best is None:
        return None
    gap, a, b, x, y = best
    score = round(min(a.similarity, b.similarity) * LEVEL_WEIGHT["intersection"], 3)
    lon, lat = to_lonlat(x, y)
    return GeocodeResult(
        query,
        "intersection",
        score,
        label=f"{a.street.name} / {b.street.name}, {a.street.municipality}",
        x=round(x, 1),
        y=round(y, 1),
        lon=round(lon, 7),
        lat=round(lat, 7),
        street_id=a.street.street_id,
        municipality=a.street.municipality,
        reason=f"carrefour : adresses les plus proches des deux rues à {gap:.0f} m l'une de l'autre",
    )
