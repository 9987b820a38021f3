"""The road network: load OpenStreetMap ways into PostGIS as a noded graph, and tell what is loaded.

Pipeline: read the ways (:mod:`service.plan.ways`: any format, any CRS, tags read per travel mode) → node them
into edges between junctions (:mod:`service.plan.noding`) → replace the stored network in one transaction
(``road_edges``, ``road_vertices``, and a summary row in ``road_network_loads``). A bad file changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import shapely
from shapely.geometry.base import BaseGeometry

from service.db.copy import copy_frame, indexes_suspended
from service.db.queries import Queries
from service.errors import InputFileError
from service.plan.modes import MODE_COLUMN, MODES
from service.plan.noding import NodedGraph, node_ways
from service.plan.ways import Progress, Ways, read_ways
from service.settings import Settings
from service.zone import zone_polygon

_COPY_ROWS = 50_000
#: Below this share of its length in one piece, a network is called fragmented in the summary.
FRAGMENTED_SHARE = 0.8


_q = Queries("service.plan", "network.sql")


@dataclass
class NetworkLoad:
    """What a load stored (also what ``hotspots network status`` shows: the last load is the network in place).

    ``ways_read`` counts the features of the file (for an OpenStreetMap file, its ways tagged ``highway``);
    ``ways_kept`` those that became edges; ``skipped`` the others by French reason. ``length_km_by_mode`` is keyed
    by travel mode (``voiture``, ``velo``, ``pied``); ``largest_component_share`` is a share of the length.
    """

    file: str
    file_sha256: str
    file_format: str
    layer: str | None
    source_crs: str
    ways_read: int
    ways_kept: int
    edges: int
    vertices: int
    length_km: float
    length_km_in_zone: float
    length_km_by_mode: dict[str, float]
    components: int
    largest_component_share: float
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    load_id: int | None = None
    loaded_at: datetime | None = None

    def remarks(self) -> list[str]:
        """What a person should know about this network before relying on it (French)."""
        out = []
        if self.length_km_in_zone == 0:
            out.append(
                "Aucune voie dans la zone de police : les sites de la zone seront reliés à vol d'oiseau "
                "(distance × facteur de détour)."
            )
        if self.largest_component_share < FRAGMENTED_SHARE:
            out.append(
                f"Réseau morcelé : la plus grande partie d'un seul tenant ne porte que "
                f"{self.largest_component_share:.0%} de la longueur ({self.components} parties). Entre deux parties, "
                "les trajets sont comptés à vol d'oiseau ; un extrait OpenStreetMap complet (toutes les voies, "
                "pas seulement les rues nommées) donne de meilleurs temps."
            )
        for mode in MODES:
            if self.length_km_by_mode.get(mode, 0.0) == 0:
                out.append(f"Aucune voie praticable en mode « {mode} » : ce mode sera compté à vol d'oiseau.")
        return out

    def to_dict(self) -> dict[str, Any]:
        """The load report as plain values, with its remarks (for JSON and the CLI)."""
        data = asdict(self)
        data["loaded_at"] = self.loaded_at.isoformat() if self.loaded_at else None
        data["remarks"] = self.remarks()
        return data


def load_network(
    conn: psycopg.Connection[Any], path: Path, *, settings: Settings, progress: Progress | None = None
) -> NetworkLoad:
    """Read ``path``, node its ways and replace the stored road network with it (one transaction).

    ``progress(stage, done, total)`` is called while reading (``lecture``), noding (``graphe``) and writing
    (``enregistrement``). A file with nothing usable raises :class:`InputFileError` and changes nothing.
    """
    start = time.perf_counter()
    path = Path(path)
    ways = read_ways(path, crs=settings.crs, progress=progress)
    if len(ways.attrs) == 0:
        raise InputFileError(
            f"{path.name} : aucune voie utilisable ({ways.ways_read} objets lus ; écartés : "
            f"{_describe(ways.skipped)}).",
            hint="Donnez un fichier des voies routières (OpenStreetMap highway=*), en lignes.",
        )
    if progress:
        progress("graphe", 0, None)
    graph = node_ways(ways.coords, ways.keys, ways.offsets)
    summary = _summary(path, ways, graph, settings)
    with conn.transaction():
        conn.execute(_q("clear"))
        with indexes_suspended(conn, "road_edges"):  # one sorted build beats a GiST insertion per edge
            _write(conn, ways, graph, progress)
        summary.seconds = round(time.perf_counter() - start, 2)
        row = conn.execute(_q("record_load"), _record(summary)).fetchone()
        assert row is not None
        summary.load_id, summary.loaded_at = int(row[0]), row[1]
        conn.execute("ANALYZE road_edges, road_vertices")
    return summary


def network_status(conn: psycopg.Connection[Any]) -> NetworkLoad | None:
    """The network in place (its load summary), or None when none was loaded."""
    row = conn.execute(_q("current_load")).fetchone()
    if row is None or not row[-1]:
        return None
    return NetworkLoad(
        load_id=int(row[0]),
        loaded_at=row[1],
        file=row[2],
        file_sha256=row[3],
        file_format=row[4],
        layer=row[5],
        source_crs=row[6],
        ways_read=int(row[7]),
        ways_kept=int(row[8]),
        edges=int(row[9]),
        vertices=int(row[10]),
        length_km=float(row[11]),
        length_km_in_zone=float(row[12]),
        length_km_by_mode={k: float(v) for k, v in row[13].items()},
        components=int(row[14]),
        largest_component_share=float(row[15]),
        skipped={k: int(v) for k, v in row[16].items()},
        seconds=float(row[17]),
    )


def _summary(path: Path, ways: Ways, graph: NodedGraph, settings: Settings) -> NetworkLoad:
    attrs = ways.attrs
    length = graph.length_m
    by_mode: dict[str, float] = {
        mode: round(float(length[attrs[MODE_COLUMN[mode]].to_numpy()[graph.way]].sum()) / 1000, 2) for mode in MODES
    }
    return NetworkLoad(
        file=path.name,
        file_sha256=_sha256(path),
        file_format=ways.file_format,
        layer=ways.layer,
        source_crs=ways.source_crs,
        ways_read=ways.ways_read,
        ways_kept=ways.ways_kept,
        edges=len(graph.source),
        vertices=len(graph.vertex_xy),
        length_km=round(float(length.sum()) / 1000, 2),
        length_km_in_zone=round(_length_within(graph.geoms, zone_polygon(settings)) / 1000, 2),
        length_km_by_mode=by_mode,
        components=graph.components,
        largest_component_share=round(graph.largest_component_share, 4),
        skipped=dict(sorted(ways.skipped.items(), key=lambda item: -item[1])),
    )


def _length_within(geoms: np.ndarray, zone: BaseGeometry) -> float:
    """Length of the lines inside ``zone``: whole lines within it, cut only those that cross its edge."""
    touching = np.flatnonzero(shapely.intersects(zone, geoms))  # the prepared zone comes first: fast
    whole = shapely.contains_properly(zone, geoms[touching])
    inside, crossing = touching[whole], touching[~whole]
    cut = shapely.length(shapely.intersection(geoms[crossing], zone)).sum() if len(crossing) else 0.0
    return float(shapely.length(geoms[inside]).sum() + cut)


def _write(conn: psycopg.Connection[Any], ways: Ways, graph: NodedGraph, progress: Progress | None) -> None:
    vertices = pd.DataFrame(
        {
            "id": np.arange(len(graph.vertex_xy), dtype=np.int64),
            "component": graph.vertex_component,
            "geom": _ewkb(shapely.points(graph.vertex_xy)),
        }
    )
    copy_frame(conn, "road_vertices", vertices)
    attrs = ways.attrs.iloc[graph.way].reset_index(drop=True)
    total = len(graph.source)
    for begin in range(0, total, _COPY_ROWS):
        part = slice(begin, min(begin + _COPY_ROWS, total))
        edges = pd.DataFrame(
            {
                "id": np.arange(part.start, part.stop, dtype=np.int64),
                "source": graph.source[part],
                "target": graph.target[part],
                "length_m": np.round(graph.length_m[part], 3),
                "name": attrs["name"].iloc[part].to_numpy(),
                "highway": attrs["highway"].iloc[part].to_numpy(),
                "oneway": attrs["oneway"].iloc[part].to_numpy(),
                "oneway_bicycle": attrs["oneway_bicycle"].iloc[part].to_numpy(),
                "car": attrs["car"].iloc[part].to_numpy(),
                "bicycle": attrs["bicycle"].iloc[part].to_numpy(),
                "foot": attrs["foot"].iloc[part].to_numpy(),
                "way_id": attrs["way_id"].iloc[part].to_numpy(),
                "geom": _ewkb(graph.geoms[part]),
            }
        )
        copy_frame(conn, "road_edges", edges)
        if progress:
            progress("enregistrement", part.stop, total)


def _ewkb(geoms: np.ndarray) -> np.ndarray:
    """Hex EWKB with the Lambert 72 SRID, which PostGIS reads as geometry text in COPY."""
    return np.asarray(shapely.to_wkb(shapely.set_srid(geoms, 31370), hex=True, include_srid=True), dtype=object)


def _record(summary: NetworkLoad) -> dict[str, Any]:
    data = asdict(summary)
    data["file_name"] = data.pop("file")
    data["length_km_by_mode"] = json.dumps(summary.length_km_by_mode)
    data["skipped"] = json.dumps(summary.skipped, ensure_ascii=False)
    return data


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _describe(skipped: dict[str, int]) -> str:
    if not skipped:
        return "aucun"
    return ", ".join(f"{count} {reason}" for reason, count in sorted(skipped.items(), key=lambda item: -item[1]))
