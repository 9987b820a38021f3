"""The police zone's outline, used to refuse points that cannot belong to it.

The commune outlines in ``geodata/`` are coarse (≈25 m steps, some official addresses up to 880 m outside), so
the test uses the union of the zone's communes buffered by ``settings.zone_margin_m``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
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


def zone_outline(settings: Settings) -> BaseGeometry:
    """The zone's communes without the margin: the study area of a back-test on the service's own data."""
    return _zone(settings.geodata_dir / COMMUNES_FILE, tuple(settings.zone_communes), 0.0, settings.crs)
