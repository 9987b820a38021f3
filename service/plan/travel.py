"""Travel times between the places of a patrol: on the loaded road network when there is one, else (or for a
place too far from it, or between two pieces of network that do not meet) the straight line × a detour factor.

One speed per travel mode (settings ``plan_speed_*_kmh``), so minutes are metres over speed; the access leg from a
place to the nearest point on a street counts at the same speed. See :mod:`service.plan.routing` for the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from service.db.queries import Queries
from service.errors import InvalidValueError
from service.plan.modes import MODE_COLUMN, MODE_LABEL, Mode, check_mode, speed_kmh
from service.plan.routing import Attachments, Routing, build_routing
from service.settings import Settings

Source = Literal["reseau", "vol_oiseau", "mixte"]


_q = Queries("service.plan", "network.sql")


@dataclass
class RoadNetwork:
    """The edges one travel mode may use, in memory: compact vertex numbers, directions, geometries."""

    mode: Mode
    load_id: int | None
    edge_id: np.ndarray
    source: np.ndarray
    target: np.ndarray
    length_m: np.ndarray
    forward: np.ndarray  # may go from source to target
    backward: np.ndarray
    geoms: np.ndarray
    n_vertices: int

    @classmethod
    def from_db(
        cls, conn: psycopg.Connection[Any], mode: str, *, bbox: tuple[float, float, float, float] | None = None
    ) -> RoadNetwork | None:
        """The stored network for ``mode`` (``voiture``, ``velo``, ``pied``); None when no network is loaded, or
        when none of its ways open to that mode lies in ``bbox``.

        ``bbox`` (xmin, ymin, xmax, ymax in Lambert 72; see :func:`places_box`) reads only the edges that touch it:
        with a province or country network loaded, a plan needs only the streets around its places.
        """
        checked = check_mode(mode)
        query = sql.SQL(_q("mode_edges")).format(mode_column=sql.Identifier("e", MODE_COLUMN[checked]))
        box = dict(zip(("xmin", "ymin", "xmax", "ymax"), bbox or (None,) * 4, strict=True))
        rows = conn.execute(query, box).fetchall()
        if not rows:
            return None
        frame = pd.DataFrame(
            rows, columns=["load_id", "id", "source", "target", "length_m", "oneway", "oneway_bicycle", "wkb"]
        )
        frame["geom"] = shapely.from_wkb(frame["wkb"].map(bytes).to_numpy())
        return cls.from_frame(frame, mode=checked, load_id=int(frame["load_id"].iloc[0]))

    @classmethod
    def from_frame(cls, edges: pd.DataFrame, *, mode: str, load_id: int | None = None) -> RoadNetwork:
        """From edge rows (``id``, ``source``, ``target``, ``length_m``, ``oneway``, ``oneway_bicycle``, ``geom``)
        that ``mode`` may use."""
        checked = check_mode(mode)
        ends = np.concatenate([edges["source"].to_numpy(), edges["target"].to_numpy()])
        vertices, compact = np.unique(ends, return_inverse=True)
        compact = compact.reshape(-1).astype(np.int64)
        direction = {
            "voiture": edges["oneway"].to_numpy(),
            "velo": edges["oneway_bicycle"].to_numpy(),
            "pied": np.zeros(len(edges), dtype=np.int8),
        }[checked]
        return cls(
            mode=checked,
            load_id=load_id,
            edge_id=edges["id"].to_numpy(dtype=np.int64),
            source=compact[: len(edges)],
            target=compact[len(edges) :],
            length_m=edges["length_m"].to_numpy(dtype=np.float64),
            forward=direction >= 0,
            backward=direction <= 0,
            geoms=np.asarray(edges["geom"].to_numpy()),
            n_vertices=len(vertices),
        )

    def around(self, xy: np.ndarray) -> RoadNetwork:
        """The part of the network that routes between places ``xy`` can use (:func:`places_box`): Dijkstra's
        cost grows with the graph, and a plan covers a few kilometres of a network that may cover a country."""
        xmin, ymin, xmax, ymax = places_box(xy)
        chosen = np.sort(self._tree.query(shapely.box(xmin, ymin, xmax, ymax)))
        if len(chosen) == len(self.source):
            return self
        ends = np.concatenate([self.source[chosen], self.target[chosen]])
        vertices, compact = np.unique(ends, return_inverse=True)
        compact = compact.reshape(-1).astype(np.int64)
        return RoadNetwork(
            mode=self.mode,
            load_id=self.load_id,
            edge_id=self.edge_id[chosen],
            source=compact[: len(chosen)],
            target=compact[len(chosen) :],
            length_m=self.length_m[chosen],
            forward=self.forward[chosen],
            backward=self.backward[chosen],
            geoms=self.geoms[chosen],
            n_vertices=len(vertices),
        )

    @cached_property
    def main_edges(self) -> np.ndarray:
        """Edges of the longest connected piece of this mode's network (directions ignored)."""
        n = self.n_vertices
        if len(self.source) == 0:
            return np.zeros(0, dtype=bool)
        graph = coo_matrix((np.ones(len(self.source)), (self.source, self.target)), shape=(n, n)).tocsr()
        _, labels = connected_components(graph, directed=False)
        longest = np.argmax(np.bincount(labels[self.source], weights=self.length_m))
        return np.asarray(labels[self.source] == longest)

    @cached_property
    def _tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.geoms)

    @cached_property
    def _main_tree(self) -> tuple[shapely.STRtree, np.ndarray]:
        chosen = np.flatnonzero(self.main_edges)
        return shapely.STRtree(self.geoms[chosen]), chosen

    def attach(self, xy: np.ndarray, *, max_m: float) -> tuple[np.ndarray, Attachments]:
        """Distance of each place to the nearest street (inf when there is none), and the attachments of those
        within ``max_m``: the nearest point on the nearest edge, plus the nearest on the main piece."""
        points = shapely.points(xy)
        if len(self.source) == 0:
            empty = np.empty(0, dtype=np.int64)
            return np.full(len(xy), np.inf), Attachments(empty, empty, np.empty(0), np.empty(0), np.empty((0, 2)))
        (place_a, edge_a), dist_a = self._tree.query_nearest(points, return_distance=True, all_matches=False)
        snap_m = np.full(len(xy), np.inf)
        snap_m[place_a] = dist_a
        near = dist_a <= max_m
        place_a, edge_a, dist_a = place_a[near], edge_a[near], dist_a[near]
        main_tree, main_ids = self._main_tree
        on_main = self.main_edges[edge_a]
        others = place_a[~on_main]
        place_b = np.empty(0, dtype=np.int64)
        edge_b = np.empty(0, dtype=np.int64)
        dist_b = np.empty(0)
        if len(others):
            (pos, found), dist = main_tree.query_nearest(
                points[others], max_distance=max_m, return_distance=True, all_matches=False
            )
            place_b, edge_b, dist_b = others[pos], main_ids[found], dist
        place = np.concatenate([place_a, place_b]).astype(np.int64)
        edge = np.concatenate([edge_a, edge_b]).astype(np.int64)
        along = shapely.line_locate_point(self.geoms[edge], points[place])
        point = shapely.get_coordinates(shapely.line_interpolate_point(self.geoms[edge], along))
        return snap_m, Attachments(
            place=place, edge=edge, along=along, access_m=np.concatenate([dist_a, dist_b]), point=point
        )


@dataclass
class TravelMatrix:
    """Travel between ``n`` places (rows: from, columns: to). ``source`` says where the figures come from:
    ``reseau`` (every leg on the road network), ``vol_oiseau`` (none) or ``mixte``."""

    minutes: np.ndarray
    metres: np.ndarray
    via_network: np.ndarray
    on_network: np.ndarray
    snap_m: np.ndarray  # distance of each place to the nearest street (inf without a network)
    source: Source
    off_network_count: int
    mode: Mode
    speed_kmh: float
    detour_factor: float
    snap_max_m: float
    network_loaded: bool
    network_load_id: int | None
    _xy: np.ndarray = field(repr=False)
    _routing: Routing | None = field(default=None, repr=False)
    _slot: np.ndarray | None = field(default=None, repr=False)

    @property
    def note(self) -> str:
        """One French sentence for the job sheet: where the travel times come from, and what fell back."""
        speed = f"{self.speed_kmh:g}".replace(".", ",")
        fallback = f"distance à vol d'oiseau × {self.detour_factor:g}".replace(".", ",")
        mode = MODE_LABEL[self.mode]
        if not self.network_loaded:
            return f"Temps de trajet estimés sans réseau routier ({fallback}, {mode} à {speed} km/h)."
        parts = [f"Temps de trajet calculés sur le réseau routier ({mode} à {speed} km/h)"]
        if self.off_network_count:
            many = self.off_network_count > 1
            parts.append(
                f"{self.off_network_count} lieu{'x' if many else ''} à plus de {self.snap_max_m:g} m d'une voie "
                f"{'sont reliés' if many else 'est relié'} en {fallback}"
            )
        both_on = self.on_network[:, None] & self.on_network[None, :]
        np.fill_diagonal(both_on, False)
        cut = int((both_on & ~self.via_network).sum())
        if cut:
            parts.append(f"{cut} trajet{'s' if cut > 1 else ''} entre parties du réseau non reliées en {fallback}")
        return " ; ".join(parts) + "."

    def leg_geometry(self, i: int, j: int) -> shapely.LineString:
        """The leg from place ``i`` to place ``j`` in Lambert 72: along the streets (access legs included) when it
        goes by the network, else the straight line."""
        a, b = self._xy[i], self._xy[j]
        if i != j and self.via_network[i, j] and self._routing is not None and self._slot is not None:
            coords = self._routing.path_coords(int(self._slot[i]), int(self._slot[j]))
            if coords is not None and len(coords) >= 2:
                return shapely.LineString(coords)
        return shapely.LineString([a, b])


def travel_matrix(xy: np.ndarray, *, mode: str, settings: Settings, network: RoadNetwork | None) -> TravelMatrix:
    """Travel minutes and metres between every pair of places ``xy`` ((n, 2) Lambert 72 metres).

    Legs go by ``network`` (snapped to the nearest point on a street within ``plan_snap_max_m``) and fall back to
    the straight line × ``plan_detour_factor`` for a place off the network or a pair with no route.
    """
    checked = check_mode(mode)
    points = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    if not np.isfinite(points).all():
        bad = int(np.flatnonzero(~np.isfinite(points).all(axis=1))[0])
        raise InvalidValueError(
            f"Lieu n° {bad + 1} sans coordonnées valables : temps de trajet impossibles à calculer.",
            hint="Chaque site, départ et arrivée doit avoir des coordonnées (Lambert 72).",
        )
    if network is not None and network.mode != checked:
        raise InvalidValueError(
            f"Le réseau chargé pour le mode « {network.mode} » ne sert pas au mode « {checked} ».",
            hint="Chargez le réseau du bon mode (RoadNetwork.from_db(conn, mode)).",
        )
    n = len(points)
    speed = speed_kmh(settings, checked)
    detour = settings.plan_detour_factor
    diff = points[:, None, :] - points[None, :, :]
    metres = np.hypot(diff[..., 0], diff[..., 1]) * detour
    del diff
    via = np.zeros((n, n), dtype=bool)
    snap_m = np.full(n, np.inf)
    on = np.zeros(n, dtype=bool)
    routing: Routing | None = None
    slot: np.ndarray | None = None
    if network is not None and n:
        network = network.around(points)
        snap_m, attachments = network.attach(points, max_m=settings.plan_snap_max_m)
        on = snap_m <= settings.plan_snap_max_m
        places = np.flatnonzero(on)
        if len(places):
            routing = build_routing(network, points, places, attachments, limit=_search_limit(points[places]))
            found = routing.distances()
            reached = np.isfinite(found)
            block = np.ix_(places, places)
            metres[block] = np.where(reached, found, metres[block])
            via[block] = reached
            slot = np.full(n, -1)
            slot[places] = np.arange(len(places))
    np.fill_diagonal(metres, 0.0)
    np.fill_diagonal(via, on)
    return TravelMatrix(
        minutes=metres / (speed * 1000.0 / 60.0),
        metres=metres,
        via_network=via,
        on_network=on,
        snap_m=snap_m,
        source=_source_of(via, on),
        off_network_count=int((~on).sum()),
        mode=checked,
        speed_kmh=speed,
        detour_factor=detour,
        snap_max_m=settings.plan_snap_max_m,
        network_loaded=network is not None,
        network_load_id=network.load_id if network is not None else None,
        _xy=points,
        _routing=routing,
        _slot=slot,
    )


#: Streets used around the places: their box widened by a quarter of its diagonal plus 2 km (a route may leave the
#: box to reach a bridge or a ring road).
REGION_MARGIN_M = 2_000.0
REGION_MARGIN_SHARE = 0.25


def places_box(xy: np.ndarray) -> tuple[float, float, float, float]:
    """The box (xmin, ymin, xmax, ymax, Lambert 72) of the streets that routes between places ``xy`` may use."""
    points = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    low, high = points.min(axis=0), points.max(axis=0)
    margin = REGION_MARGIN_M + REGION_MARGIN_SHARE * float(np.hypot(*(high - low)))
    return (float(low[0] - margin), float(low[1] - margin), float(high[0] + margin), float(high[1] + margin))


def _search_limit(points: np.ndarray) -> float:
    """How far each Dijkstra explores: four times the spread of the places plus 2 km. A route longer than that
    is no real connection (a missing link in the file), and the search stays local on a country-wide network."""
    if len(points) < 2:
        return 2_000.0
    span = float(np.hypot(*(points.max(axis=0) - points.min(axis=0))))
    return 4.0 * span + 2_000.0


def _source_of(via: np.ndarray, on: np.ndarray) -> Source:
    n = len(on)
    if n < 2:
        return "reseau" if bool(on.all()) and n else "vol_oiseau"
    off_diagonal = ~np.eye(n, dtype=bool)
    legs = via[off_diagonal]
    if legs.all():
        return "reseau"
    if not legs.any():
        return "vol_oiseau"
    return "mixte"
