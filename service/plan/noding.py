"""Node ways into a graph: split each way at the vertices it shares with another way (or with itself) and at its
ends, so that edges run from junction to junction. Vectorised with NumPy (no Python loop over ways).

Only shared vertices make junctions: two lines that cross without a common vertex (a bridge over a street, a
tunnel under it) are not connected, as in OpenStreetMap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components


@dataclass
class NodedGraph:
    """Edges (``way`` indexes the ways' attributes) and vertices; component 0 is the longest."""

    way: np.ndarray
    source: np.ndarray
    target: np.ndarray
    length_m: np.ndarray
    geoms: np.ndarray
    vertex_xy: np.ndarray
    vertex_component: np.ndarray
    components: int
    largest_component_share: float


def node_ways(coords: np.ndarray, keys: np.ndarray, offsets: np.ndarray) -> NodedGraph:
    """Split the ways ``coords[offsets[i]:offsets[i+1]]`` where vertex ``keys`` repeat; see the module doc."""
    n_vertices = len(keys)
    way_of = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    _, key_index, key_count = np.unique(keys, return_inverse=True, return_counts=True)
    key_index = key_index.reshape(-1)
    is_node = key_count[key_index] > 1
    is_node[offsets[:-1]] = True  # first vertex of each way
    is_node[offsets[1:] - 1] = True  # last vertex
    nodes = np.flatnonzero(is_node)
    start, end = nodes[:-1], nodes[1:]
    same_way = way_of[start] == way_of[end]
    start, end = start[same_way], end[same_way]

    # vertices: one per distinct key among the junctions, placed at its first occurrence
    node_keys, first, vertex_of_node = np.unique(key_index[nodes], return_index=True, return_inverse=True)
    vertex_id = np.full(n_vertices, -1, dtype=np.int64)
    vertex_id[nodes] = vertex_of_node.reshape(-1)
    vertex_xy = coords[nodes[first]]

    step = np.zeros(n_vertices)
    step[1:] = np.hypot(*np.diff(coords, axis=0).T)
    walked = np.cumsum(step)
    length = walked[end] - walked[start]

    counts = end - start + 1
    total = int(counts.sum())
    begins = np.repeat(np.cumsum(counts) - counts, counts)
    vertex_index = np.arange(total) - begins + np.repeat(start, counts)
    geoms = shapely.linestrings(coords[vertex_index], indices=np.repeat(np.arange(len(start)), counts))

    source = vertex_id[start].astype(np.int32)
    target = vertex_id[end].astype(np.int32)
    component, n_components, share = _components(source, target, length, len(node_keys))
    return NodedGraph(
        way=way_of[start],
        source=source,
        target=target,
        length_m=length,
        geoms=np.asarray(geoms),
        vertex_xy=vertex_xy,
        vertex_component=component,
        components=n_components,
        largest_component_share=share,
    )


def _components(source: np.ndarray, target: np.ndarray, length: np.ndarray, n: int) -> tuple[np.ndarray, int, float]:
    """Connected components (ignoring directions), numbered by decreasing total length."""
    graph = sp.coo_matrix((np.ones(len(source)), (source, target)), shape=(n, n)).tocsr()
    count, labels = connected_components(graph, directed=False)
    by_component = np.bincount(labels[source], weights=length, minlength=count)
    order = np.argsort(-by_component, kind="stable")
    rank = np.empty(count, dtype=np.int32)
    rank[order] = np.arange(count, dtype=np.int32)
    total = float(by_component.sum())
    share = float(by_component[order[0]] / total) if total > 0 else 1.0
    return rank[labels], int(count), share
