"""Travel times between places (straight line × detour factor until a road network is loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
import shapely

from service.settings import Settings


@dataclass
class RoadNetwork:
    """Placeholder: no network support yet."""

    @classmethod
    def from_db(cls, conn: psycopg.Connection[Any], mode: str) -> RoadNetwork | None:
        return None


def _speed(settings: Settings, mode: str) -> float:
    return {
        "voiture": settings.plan_speed_car_kmh,
        "velo": settings.plan_speed_bicycle_kmh,
        "pied": settings.plan_speed_foot_kmh,
    }[mode]


@dataclass
class TravelMatrix:
    minutes: np.ndarray
    metres: np.ndarray
    via_network: np.ndarray
    on_network: np.ndarray
    source: str
    off_network_count: int
    xy: np.ndarray

    def leg_geometry(self, i: int, j: int) -> shapely.LineString:
        return shapely.LineString([self.xy[i], self.xy[j]])


def travel_matrix(xy: np.ndarray, *, mode: str, settings: Settings, network: RoadNetwork | None) -> TravelMatrix:
    xy = np.asarray(xy, dtype=float)
    straight = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    metres = straight * settings.plan_detour_factor
    minutes = metres / (_speed(settings, mode) * 1000 / 60)
    n = len(xy)
    return TravelMatrix(minutes, metres, np.zeros((n, n), bool), np.zeros(n, bool), "vol_oiseau", n, xy)
