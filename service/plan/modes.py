"""Travel modes and what each may use on an OpenStreetMap network.

The rules follow the usual routing profiles (OSRM's car, bicycle and foot profiles, simplified): a mode is kept off
the ways its ``highway`` class excludes unless a tag allows it explicitly, and off ways whose access tag refuses it
(the most specific tag wins: ``motorcar`` > ``motor_vehicle`` > ``vehicle`` > ``access`` for a car). Cars respect
``oneway`` (implied on roundabouts and motorways); bicycles too, except where ``oneway:bicycle=no`` or a contraflow
cycle lane says otherwise (Belgium's « sens unique limité »); pedestrians walk both ways. Without a ``highway``
tag (files that carry only names), every way is open to every mode in both directions.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from service.errors import InvalidValueError
from service.settings import Settings

Mode = Literal["voiture", "velo", "pied"]
MODES: tuple[Mode, ...] = ("voiture", "velo", "pied")
#: Column of ``road_edges`` that says whether a mode may use an edge.
MODE_COLUMN: dict[Mode, str] = {"voiture": "car", "velo": "bicycle", "pied": "foot"}
MODE_LABEL: dict[Mode, str] = {"voiture": "voiture", "velo": "vélo", "pied": "à pied"}

#: OSM tags read from a file (others are ignored).
TAG_KEYS = (
    "highway",
    "name",
    "oneway",
    "oneway:bicycle",
    "junction",
    "cycleway",
    "access",
    "vehicle",
    "motor_vehicle",
    "motorcar",
    "bicycle",
    "foot",
    "area",
    "layer",
    "bridge",
    "tunnel",
)
#: ``highway`` values that are not usable ways (planned, under construction, platforms...).
NOT_A_WAY = frozenset(
    {
        "construction",
        "proposed",
        "abandoned",
        "disused",
        "razed",
        "platform",
        "bus_stop",
        "elevator",
        "raceway",
        "bus_guideway",
        "escape",
        "emergency_bay",
        "rest_area",
        "services",
        "no",
    }
)
_EXCLUDED: dict[str, frozenset[str]] = {
    "car": frozenset(
        {"footway", "path", "pedestrian", "steps", "cycleway", "track", "bridleway", "corridor", "via_ferrata"}
    ),
    "bicycle": frozenset({"motorway", "motorway_link", "steps", "via_ferrata"}),
    "foot": frozenset({"motorway", "motorway_link", "trunk", "trunk_link"}),
}
_ACCESS_ORDER: dict[str, tuple[str, ...]] = {
    "car": ("motorcar", "motor_vehicle", "vehicle", "access"),
    "bicycle": ("bicycle", "vehicle", "access"),
    "foot": ("foot", "access"),
}
_REFUSED = frozenset({"no", "private", "agricultural", "forestry", "use_sidepath"})
_ALLOWED = frozenset({"yes", "designated", "permissive", "destination"})
_FORWARD = frozenset({"yes", "true", "1"})
_BACKWARD = frozenset({"-1", "reverse"})
_BOTH = frozenset({"no", "false", "0"})


def check_mode(mode: str) -> Mode:
    """The mode, or a French error naming the valid ones."""
    if mode not in MODES:
        raise InvalidValueError(
            f"Mode de déplacement inconnu : « {mode} ».",
            hint=f"Modes possibles : {', '.join(MODES)}.",
        )
    return mode


def speed_kmh(settings: Settings, mode: Mode) -> float:
    """The mean speed of a mode (settings ``plan_speed_*_kmh``)."""
    return {
        "voiture": settings.plan_speed_car_kmh,
        "velo": settings.plan_speed_bicycle_kmh,
        "pied": settings.plan_speed_foot_kmh,
    }[mode]


def _tag(tags: pd.DataFrame, key: str) -> pd.Series:
    if key in tags:
        return tags[key].astype("string").str.strip().str.lower()
    return pd.Series(pd.NA, index=tags.index, dtype="string")


def _direction(value: pd.Series) -> np.ndarray:
    """1 forward, -1 backward, 0 both, -2 unknown or absent (so that a default can apply)."""
    out = np.full(len(value), -2, dtype=np.int8)
    filled = value.fillna("")
    out[filled.isin(_FORWARD).to_numpy()] = 1
    out[filled.isin(_BACKWARD).to_numpy()] = -1
    out[filled.isin(_BOTH).to_numpy()] = 0
    return out


def way_rules(tags: pd.DataFrame) -> pd.DataFrame:
    """Per way: ``is_way`` (a usable road), ``car``/``bicycle``/``foot`` allowed, ``oneway`` (cars) and
    ``oneway_bicycle`` (1 along the line, -1 against it, 0 both ways).

    ``tags`` has one column per OSM key present in the file (missing keys are treated as absent tags).
    """
    highway = _tag(tags, "highway")
    tagged = "highway" in tags
    is_way = ~highway.isin(NOT_A_WAY).fillna(False).to_numpy() if tagged else np.ones(len(tags), dtype=bool)
    if tagged:
        is_way &= highway.notna().to_numpy()
    out = pd.DataFrame(index=tags.index)
    out["is_way"] = is_way
    for mode, excluded in _EXCLUDED.items():
        specific = pd.Series(pd.NA, index=tags.index, dtype="string")
        for key in _ACCESS_ORDER[mode]:
            specific = specific.fillna(_tag(tags, key))
        refused = specific.isin(_REFUSED).fillna(False).to_numpy()
        allowed = specific.isin(_ALLOWED).fillna(False).to_numpy()
        by_class = ~highway.isin(excluded).fillna(False).to_numpy()
        out[mode] = is_way & ~refused & (by_class | allowed)
    oneway = _direction(_tag(tags, "oneway"))
    implied = (
        _tag(tags, "junction").isin({"roundabout", "circular"}).fillna(False) | highway.isin({"motorway"}).fillna(False)
    ).to_numpy()
    car_dir = np.where(oneway == -2, np.where(implied, 1, 0), oneway).astype(np.int8)
    reversible = _tag(tags, "oneway").isin({"reversible", "alternating"}).fillna(False).to_numpy()
    out["car"] = out["car"].to_numpy() & ~reversible
    bike = _direction(_tag(tags, "oneway:bicycle"))
    contraflow = _tag(tags, "cycleway").isin({"opposite", "opposite_lane", "opposite_track"}).fillna(False)
    bike_dir = np.where(bike != -2, bike, np.where(contraflow.to_numpy(), 0, car_dir)).astype(np.int8)
    out["oneway"] = car_dir
    out["oneway_bicycle"] = bike_dir
    return out
