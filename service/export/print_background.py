"""The background of printed maps, from the project's own data (no tile server): streets and commune outlines.

* streets: the loaded road network (table ``road_edges``) when there is one, else one approximate centre line
  per street drawn through its official addresses (the analysis' ``network_from_addresses``, as the web map's
  offline background does), from the address register in PostGIS or, when none is loaded, the ICAR extract
  shipped in ``geodata/``;
* communes: the service's commune outlines (``HOTSPOTS_COMMUNES_FILE`` or the file shipped in ``geodata/``; coarse,
  display only), with their names.

Only what falls within the extent (and a margin, so that streets cut by the frame run on to its edge) is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import shapely
from psycopg import sql
from shapely.geometry.base import BaseGeometry

from service.analyse.axes import network_from_addresses
from service.db.queries import Queries
from service.export.print_map import Bounds, MapLayer
from service.geocode.register import address_points
from service.settings import Settings
from service.zone import communes_path, read_communes

CRS = "EPSG:31370"
#: Extra metres read around the extent.
MARGIN_M = 400.0
ADDRESS_SOURCE = "rues tracées d'après les adresses officielles (ICAR, SPW), approximatives"
ROAD_SOURCE = "réseau routier chargé"
COMMUNE_SOURCE = "contours des communes approximatifs"


_q = Queries("service.export", "print.sql")


@dataclass
class PaperBackground:
    """Street lines and commune outlines (EPSG:31370), and where the streets come from, in words."""

    streets: list[BaseGeometry] = field(default_factory=list)
    communes: list[BaseGeometry] = field(default_factory=list)
    commune_names: list[str] = field(default_factory=list)
    source: str = ""
    street_names: list[str | None] = field(default_factory=list)  # beside ``streets`` (none: unnamed)
    _tree: shapely.STRtree | None = field(default=None, init=False, repr=False, compare=False)

    def layers(self) -> list[MapLayer]:
        """The background as map layers (communes under the streets), for :class:`MapFlowable`."""
        return [
            MapLayer(
                self.communes,
                stroke="#6b6b6b",
                width=1.2,
                dash=(6, 3),
                labels=self.commune_names,
                label_color="#8a8a8a",
                label_size=11,
                legend="limite de commune" if self.communes else None,
            ),
            MapLayer(self.streets, stroke="#b9b9b9", width=0.7, legend="rue" if self.streets else None),
        ]

    def streets_within(self, bounds: Bounds) -> tuple[list[BaseGeometry], list[str | None]]:
        """The streets whose extent meets ``bounds``, and their names: what a small map of a few dozen metres draws
        (a list of hundreds of drawn buildings would otherwise draw every street of the overview hundreds of times,
        clipped)."""
        if not self.streets:
            return [], []
        if self._tree is None:
            self._tree = shapely.STRtree(self.streets)
        found = sorted(int(i) for i in self._tree.query(shapely.box(*bounds)))
        names = [self.street_names[i] if i < len(self.street_names) else None for i in found]
        return [self.streets[i] for i in found], names

    @property
    def attribution(self) -> str:
        """The background's source in words for the map's corner (empty when there is no background)."""
        parts = [p for p in (self.source, COMMUNE_SOURCE if self.communes else "") if p]
        return "Fond : " + " ; ".join(parts) if parts else ""


def _grown(bounds: Bounds, margin: float) -> dict[str, float]:
    xmin, ymin, xmax, ymax = bounds
    return {"xmin": xmin - margin, "ymin": ymin - margin, "xmax": xmax + margin, "ymax": ymax + margin}


def _road_lines(conn: psycopg.Connection[Any], box: dict[str, float]) -> list[tuple[BaseGeometry, str | None]] | None:
    """Lines of the loaded road network within ``box``, with their street names; None when no network is loaded."""
    found = conn.execute(_q("road_table")).fetchone()
    if found is None:
        return None
    column, srid = sql.Identifier(found[0]), int(found[1] or 0)
    envelope = sql.SQL("ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 31370)")
    geom: sql.Composable
    box_sql: sql.Composable
    if srid in (0, 31370):
        geom, box_sql = sql.SQL("ST_Force2D({c})").format(c=column), envelope
    else:
        geom = sql.SQL("ST_Transform(ST_Force2D({c}), 31370)").format(c=column)
        box_sql = sql.SQL("ST_Transform({e}, {s})").format(e=envelope, s=sql.Literal(srid))
    name = sql.SQL("name::text" if found[2] else "NULL::text")
    query = sql.SQL("SELECT ST_AsBinary({g}), {n} FROM public.road_edges WHERE {c} && {b}").format(
        g=geom, n=name, c=column, b=box_sql
    )
    rows = conn.execute(query, box).fetchall()
    return [(shapely.from_wkb(bytes(r[0])), r[1]) for r in rows if r[0] is not None]


def _communes(path: Path, box: dict[str, float]) -> tuple[list[BaseGeometry], list[str]]:
    """The outlines within ``box`` and their names; a missing or unreadable file is the French configuration error
    the rest of the service gives (a printed map without its outlines would hide the mistake)."""
    frame = read_communes(path).to_crs(CRS)
    frame = frame[frame.intersects(shapely.box(box["xmin"], box["ymin"], box["xmax"], box["ymax"]))]
    return list(frame.geometry), [str(n) for n in frame["name_fr"]]


def load_background(
    conn: psycopg.Connection[Any], settings: Settings, bounds: Bounds, *, margin_m: float = MARGIN_M
) -> PaperBackground:
    """The background of a printed map showing ``bounds`` (EPSG:31370 metres). Reads only."""
    box = _grown(bounds, margin_m)
    communes, names = _communes(communes_path(settings), box)
    roads = _road_lines(conn, box)
    if roads:
        return PaperBackground([g for g, _ in roads], communes, names, ROAD_SOURCE, [n for _, n in roads])
    points = address_points(
        conn,
        settings.geodata_dir,
        tuple(settings.zone_communes),
        box=(box["xmin"], box["ymin"], box["xmax"], box["ymax"]),
    )
    lines = network_from_addresses(points) if len(points) else None
    streets = list(lines.geometry) if lines is not None else []
    street_names: list[str | None] = [str(n) for n in lines["street"]] if lines is not None else []
    return PaperBackground(streets, communes, names, ADDRESS_SOURCE if streets else "", street_names)
