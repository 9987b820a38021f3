"""Shortest paths between places on a road network (private to :mod:`service.plan.travel`).

Each place is attached to the network at the nearest point *on* an edge (not only at the nearest junction): the
edge is cut there by a virtual node, and the place gets an out-node and an in-node joined to it by its access leg
(the straight line place → street, walked or driven at the mode's speed). Out- and in-nodes are separate, so no
route passes through a place. Distances come from one Dijkstra per place (scipy.sparse.csgraph), from the needed
sources only, in chunks of rows so memory stays bounded, and limited to a few times the spread of the places.

A place whose nearest street lies in a small piece of network cut off from the rest (a street whose links are
missing from the file) is also attached to the nearest street of the main piece when that one is within the snap
limit too, as OSRM does with its « tiny components »: routes take whichever attachment is shorter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.ops import substring

if TYPE_CHECKING:
    from service.plan.travel import RoadNetwork

_EPSILON_M = 1e-3  # weight of zero-length arcs (two places snapped at the same point)
_CHUNK_CELLS = 4_000_000  # rows × nodes of one Dijkstra chunk (32 MB of float64)
_PATH_CACHE = 128


@dataclass
class Attachments:
    """Where the on-network places meet the network: one row per attachment (a place has one or two)."""

    place: np.ndarray  # index into the n places
    edge: np.ndarray  # index into the network's edges
    along: np.ndarray  # metres from the edge's start
    access_m: np.ndarray  # straight-line place → point on the edge
    point: np.ndarray  # (k, 2) the point on the edge


@dataclass
class Routing:
    """The network plus virtual nodes for the places; ``distances`` and ``path_coords`` answer queries."""

    graph: sp.csr_matrix
    out_node: np.ndarray  # per on-network place (order of ``places``)
    in_node: np.ndarray
    places: np.ndarray  # indices (into the n places) of the on-network places
    node_xy: np.ndarray  # coordinates of virtual nodes (NaN for junctions, never needed)
    arc_key: np.ndarray  # sorted u * n_nodes + v of the kept arcs
    arc_edge: np.ndarray  # edge index, -1 for an access leg
    arc_from: np.ndarray  # along the edge, where the arc starts and ends (metres)
    arc_to: np.ndarray
    geoms: np.ndarray
    lengths: np.ndarray
    limit: float
    _paths: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def n_nodes(self) -> int:
        """Junctions plus the virtual nodes of the places."""
        return int(self.graph.shape[0])

    def distances(self) -> np.ndarray:
        """Metres between on-network places (rows: from, columns: to); inf where no route within the limit."""
        m = len(self.places)
        out = np.full((m, m), np.inf)
        rows = max(1, _CHUNK_CELLS // max(self.n_nodes, 1))
        for begin in range(0, m, rows):
            chunk = slice(begin, min(begin + rows, m))
            dist = dijkstra(self.graph, directed=True, indices=self.out_node[chunk], limit=self.limit)
            out[chunk] = dist[:, self.in_node]
        return out

    def path_coords(self, a: int, b: int) -> np.ndarray | None:
        """Coordinates of the shortest route from on-network place ``a`` to ``b`` (positions in ``places``)."""
        source, target = int(self.out_node[a]), int(self.in_node[b])
        predecessors = self._paths.get(source)
        if predecessors is None:
            if len(self._paths) >= _PATH_CACHE:
                self._paths.pop(next(iter(self._paths)))
            _, pred = dijkstra(self.graph, directed=True, indices=source, return_predecessors=True, limit=self.limit)
            predecessors = self._paths[source] = np.asarray(pred).reshape(-1)
        nodes = [target]
        while nodes[-1] != source:
            previous = int(predecessors[nodes[-1]])
            if previous < 0:
                return None
            nodes.append(previous)
        nodes.reverse()
        u = np.asarray(nodes[:-1], dtype=np.int64)
        v = np.asarray(nodes[1:], dtype=np.int64)
        arcs = np.searchsorted(self.arc_key, u * self.n_nodes + v)
        pieces: list[np.ndarray] = []
        for arc, start, end in zip(arcs, u, v, strict=True):
            edge = int(self.arc_edge[arc])
            if edge < 0:
                pieces.append(np.vstack([self.node_xy[start], self.node_xy[end]]))
            else:
                pieces.append(self._piece(edge, float(self.arc_from[arc]), float(self.arc_to[arc])))
        coords = np.vstack(pieces)
        keep = np.ones(len(coords), dtype=bool)
        keep[1:] = np.any(np.abs(np.diff(coords, axis=0)) > 1e-6, axis=1)
        return coords[keep]

    def _piece(self, edge: int, start: float, end: float) -> np.ndarray:
        geom = self.geoms[edge]
        length = float(self.lengths[edge])
        if start <= 1e-6 and end >= length - 1e-6:
            return np.asarray(shapely.get_coordinates(geom))
        if end <= 1e-6 and start >= length - 1e-6:
            return np.asarray(shapely.get_coordinates(geom))[::-1]
        return np.asarray(shapely.get_coordinates(substring(geom, start, end)))


def build_routing(
    network: RoadNetwork, xy: np.ndarray, places: np.ndarray, attachments: Attachments, *, limit: float
) -> Routing:
    """The augmented graph of ``network`` for ``places`` (indices into ``xy``) attached by ``attachments``."""
    source, target, length = network.source, network.target, network.length_m
    forward, backward = network.forward, network.backward
    m, k = len(places), len(attachments.place)
    first_virtual = network.n_vertices
    attach_node = first_virtual + np.arange(k)
    place_slot = np.full(len(xy), -1)
    place_slot[places] = np.arange(m)
    out_node = first_virtual + k + np.arange(m)
    in_node = first_virtual + k + m + np.arange(m)
    n_nodes = first_virtual + k + 2 * m
    node_xy = np.full((n_nodes, 2), np.nan)
    node_xy[attach_node] = attachments.point
    node_xy[out_node] = xy[places]
    node_xy[in_node] = xy[places]

    u_parts, v_parts, w_parts, e_parts, f_parts, t_parts = [], [], [], [], [], []

    def add(u: np.ndarray, v: np.ndarray, edge: np.ndarray, start: np.ndarray, end: np.ndarray, ok: np.ndarray) -> None:
        u_parts.append(u[ok])
        v_parts.append(v[ok])
        w_parts.append(np.abs(end - start)[ok])
        e_parts.append(edge[ok])
        f_parts.append(start[ok])
        t_parts.append(end[ok])

    # whole edges, both directions where allowed (a loop from a junction to itself leads nowhere)
    edges = np.arange(len(source))
    real = source != target
    zero = np.zeros(len(source))
    add(source, target, edges, zero, length, forward & real)
    add(target, source, edges, length, zero, backward & real)

    # edges cut by places: s → a1 → a2 → … → t, in the directions the edge allows
    if k:
        order = np.lexsort((attachments.along, attachments.edge))
        edge = attachments.edge[order]
        along = np.clip(attachments.along[order], 0.0, length[edge])
        node = attach_node[order]
        first = np.ones(k, dtype=bool)
        first[1:] = edge[1:] != edge[:-1]
        last = np.ones(k, dtype=bool)
        last[:-1] = edge[1:] != edge[:-1]
        prev_node = np.where(first, source[edge], np.roll(node, 1))
        prev_along = np.where(first, 0.0, np.roll(along, 1))
        for a, b, pa, pb, e in (
            (prev_node, node, prev_along, along, edge),
            (node[last], target[edge[last]], along[last], length[edge[last]], edge[last]),
        ):
            add(a, b, e, pa, pb, forward[e])
            add(b, a, e, pb, pa, backward[e])
        # access legs: place out-node → attachment → place in-node
        slot = place_slot[attachments.place]
        none = np.full(k, -1)
        add(out_node[slot], attach_node, none, np.zeros(k), attachments.access_m, np.ones(k, dtype=bool))
        add(attach_node, in_node[slot], none, np.zeros(k), attachments.access_m, np.ones(k, dtype=bool))

    u = np.concatenate(u_parts).astype(np.int64)
    v = np.concatenate(v_parts).astype(np.int64)
    w = np.maximum(np.concatenate(w_parts), _EPSILON_M)
    arc_edge = np.concatenate(e_parts).astype(np.int64)
    arc_from = np.concatenate(f_parts)
    arc_to = np.concatenate(t_parts)
    # parallel arcs: keep the shortest (a sparse matrix would add them up)
    key = u * n_nodes + v
    order = np.lexsort((w, key))
    key, u, v, w = key[order], u[order], v[order], w[order]
    arc_edge, arc_from, arc_to = arc_edge[order], arc_from[order], arc_to[order]
    keep = np.ones(len(key), dtype=bool)
    keep[1:] = key[1:] != key[:-1]
    graph = sp.csr_matrix((w[keep], (u[keep], v[keep])), shape=(n_nodes, n_nodes))
    return Routing(
        graph=graph,
        out_node=out_node,
        in_node=in_node,
        places=places,
        node_xy=node_xy,
        arc_key=key[keep],
        arc_edge=arc_edge[keep],
        arc_from=arc_from[keep],
        arc_to=arc_to[keep],
        geoms=network.geoms,
        lengths=length,
        limit=limit,
    )
