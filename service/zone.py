"""The police zone's outline, used to refuse points that cannot belong to it, and the commune of a point.

The commune outlines in ``geodata/`` are coarse (≈25 m steps, some official addresses up to 880 m outside), so
the test uses the union of the zone's communes buffered by ``settings.zone_margin_m``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from service.errors import ConfigError
from service.settings import Settings

COMMUNES_FILE = "communes_seraing_neupre.geojson"


@lru_cache(maxsize=8)
def _zone(path: Path, communes: tuple[str, ...], margin: float, crs: str) -> BaseGeometry:
    if not path.exists():
        raise ConfigError(f"Contours des communes introuvables : {path}", hint="Vérifiez HOTSPOTS_GEODATA_DIR.")
    frame = gpd.read_file(path)
    chosen = frame[frame["name_fr"].isin(communes) | frame["name_nl"].isin(communes)]
    missing = set(communes) - set(chosen["name_fr"]) - set(chosen["name_nl"])
    if missing:
        raise ConfigError(
            f"Communes inconnues dans {path.name} : {', '.join(sorted(missing))}.",
            hint=f"Communes disponibles : {', '.join(sorted(frame['name_fr']))}.",
        )
    zone = chosen.to_crs(crs).union_all().buffer(margin)
    shapely.prepare(zone)
    return zone


def zone_polygon(settings: Settings) -> BaseGeometry:
    """The zone (with its margin) in the metric CRS, prepared for fast point tests."""
    return _zone(
        settings.geodata_dir / COMMUNES_FILE, tuple(settings.zone_communes), settings.zone_margin_m, settings.crs
    )


@lru_cache(maxsize=8)
def _outlines(path: Path, communes: tuple[str, ...], crs: str) -> tuple[tuple[str, BaseGeometry], ...]:
    if not path.exists():
        raise ConfigError(f"Contours des communes introuvables : {path}", hint="Vérifiez HOTSPOTS_GEODATA_DIR.")
    frame = gpd.read_file(path).to_crs(crs)
    mine = frame["name_fr"].isin(communes) | frame["name_nl"].isin(communes)
    ordered = [*frame[mine].itertuples(), *frame[~mine].itertuples()]  # the zone's own communes first
    for row in ordered:
        shapely.prepare(row.geometry)
    return tuple((str(row.name_fr), row.geometry) for row in ordered)


def commune_outlines(settings: Settings) -> tuple[tuple[str, BaseGeometry], ...]:
    """(French name, outline) of the zone's communes and of their neighbours, in the metric CRS, prepared."""
    return _outlines(settings.geodata_dir / COMMUNES_FILE, tuple(settings.zone_communes), settings.crs)


def communes_at(outlines: tuple[tuple[str, BaseGeometry], ...], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The commune containing each point (object array; None outside every outline or without coordinates).

    The outlines are coarse (≈ 25 m steps): right for a commune filter, not for a point on the border.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    found = np.full(len(x), None, dtype=object)
    todo = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    for name, outline in outlines:
        if not todo.size:
            break
        inside = shapely.contains_xy(outline, x[todo], y[todo])
        found[todo[inside]] = name
        todo = todo[~inside]
    return found


def zone_outline(settings: Settings) -> BaseGeometry:
    """The zone's communes without the margin: the study area of a back-test on the service's own data."""
    return _zone(settings.geodata_dir / COMMUNES_FILE, tuple(settings.zone_communes), 0.0, settings.crs)
