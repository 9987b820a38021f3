"""The police zone's geography: its outline, used to refuse points that cannot belong to it, the commune of a
point, and the areas of its postcodes.

The commune outlines in ``geodata/`` are coarse (≈25 m steps, some official addresses up to 880 m outside), so
the test uses the union of the zone's communes buffered by ``settings.zone_margin_m``. The register gives no
outline of the sections (former communes) nor of the postcodes: :func:`postcode_areas` draws them from the official
addresses (the map's dashed « secteurs », a prevention network given as a section).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from service.errors import ConfigError
from service.filecache import per_file_version
from service.settings import Settings
from service.text import spoken_list

#: The commune outlines shipped in ``geodata/`` (Seraing, Neupré and their neighbours).
COMMUNES_FILE = "communes_seraing_neupre.geojson"
#: Column names a commune outline file may give its French name under (the first found is used).
_NAME_COLUMNS = ("name_fr", "nom", "name", "naam", "nom_commune", "admunafr", "tx_munty_descr_fr")


def communes_path(settings: Settings) -> Path:
    """The commune outlines the service uses: ``HOTSPOTS_COMMUNES_FILE``, else the file shipped in ``geodata/``."""
    return settings.communes_file or settings.geodata_dir / COMMUNES_FILE


def read_communes(path: Path, zone: tuple[str, ...] | None = None) -> gpd.GeoDataFrame:
    """The commune outlines of ``path`` (:func:`communes_path`) as ``name_fr``, ``name_nl``, ``role`` (``target``
    for the zone's own) and the outline in WGS84, or a French configuration error naming the file and what it
    lacks. With ``zone`` (the service's ``zone_communes``), the zone's own are those communes, named in French or
    Dutch, whatever the file says.

    Any file pyogrio reads, in any CRS it declares (none declared: WGS84); the French name under ``name_fr`` or
    another usual column (``nom``, ``name``…), the Dutch one under ``name_nl`` if there is one."""
    if not path.is_file():
        raise ConfigError(
            f"Contours des communes introuvables : {path}",
            hint="Vérifiez HOTSPOTS_COMMUNES_FILE (ou HOTSPOTS_GEODATA_DIR pour le fichier fourni).",
        )
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio's errors name the driver, not what to do
        raise ConfigError(
            f"Contours des communes illisibles : {path} ({exc}).",
            hint="Donnez un fichier GeoJSON, GeoPackage ou shapefile de polygones (HOTSPOTS_COMMUNES_FILE).",
        ) from exc
    columns = {str(c).lower(): c for c in frame.columns}
    name = next((columns[c] for c in _NAME_COLUMNS if c in columns), None)
    polygons = frame.geom_type.isin(["Polygon", "MultiPolygon"])
    if name is None or frame.empty or not polygons.all():
        what = "aucune colonne de nom" if name is None else "des géométries qui ne sont pas des polygones"
        raise ConfigError(
            f"Contours des communes inutilisables : {path} ({what if len(frame) else 'aucune commune'}).",
            hint=f"Chaque commune est un polygone avec son nom dans une colonne {' ou '.join(_NAME_COLUMNS[:3])}.",
        )
    frame = frame.to_crs("EPSG:4326") if frame.crs is not None else frame.set_crs("EPSG:4326")
    frame["name_fr"] = frame[name].astype(str).str.strip()
    frame["name_nl"] = frame[columns["name_nl"]].fillna(frame["name_fr"]) if "name_nl" in columns else frame["name_fr"]
    if "role" not in frame.columns:
        frame["role"] = "neighbour"
    if zone is not None:
        mine = frame["name_fr"].isin(zone) | frame["name_nl"].isin(zone)
        was = frame["role"] == "target"
        frame["role"] = np.where(mine, "target", np.where(was, "neighbour", frame["role"]))
    return frame


@per_file_version()
def _zone(path: Path, communes: tuple[str, ...], margin: float, crs: str) -> BaseGeometry:
    frame = read_communes(path, communes)
    chosen = frame[frame["role"] == "target"]
    missing = set(communes) - set(chosen["name_fr"]) - set(chosen["name_nl"])
    if missing:
        raise ConfigError(
            f"Communes inconnues dans {path.name} : {', '.join(sorted(missing))}.",
            hint=f"Communes disponibles : {', '.join(sorted(frame['name_fr']))}.",
        )
    zone = chosen.to_crs(crs).union_all().buffer(margin)
    shapely.prepare(zone)
    return zone


@per_file_version()
def _bounds(path: Path, communes: tuple[str, ...]) -> tuple[tuple[float, float], tuple[float, float]]:
    frame = read_communes(path, communes)
    west, south, east, north = frame[frame["role"] == "target"].total_bounds
    return (round(float(south), 4), round(float(west), 4)), (round(float(north), 4), round(float(east), 4))


def communes_or(settings: Settings) -> str:
    """The zone's communes as a hint names them: « Seraing ou Neupré »."""
    return spoken_list(settings.zone_communes, "ou")


def zone_bounds(settings: Settings) -> tuple[tuple[float, float], tuple[float, float]]:
    """The box of the zone's communes in WGS84, ((south, west), (north, east)) as Leaflet fits a map to it."""
    return _bounds(communes_path(settings), tuple(settings.zone_communes))


def zone_centre(settings: Settings) -> list[float]:
    """The middle of :func:`zone_bounds`, [lat, lon]: where a map stands before it fits the zone."""
    (south, west), (north, east) = zone_bounds(settings)
    return [(south + north) / 2, (west + east) / 2]


def zone_polygon(settings: Settings) -> BaseGeometry:
    """The zone (with its margin) in the metric CRS, prepared for fast point tests."""
    return _zone(communes_path(settings), tuple(settings.zone_communes), settings.zone_margin_m, settings.crs)


@per_file_version()
def _outlines(path: Path, communes: tuple[str, ...], crs: str) -> tuple[tuple[str, BaseGeometry], ...]:
    frame = read_communes(path, communes).to_crs(crs)
    mine = frame["role"] == "target"
    ordered = [*frame[mine].itertuples(), *frame[~mine].itertuples()]  # the zone's own communes first
    for row in ordered:
        shapely.prepare(row.geometry)
    return tuple((str(row.name_fr), row.geometry) for row in ordered)


def commune_outlines(settings: Settings) -> tuple[tuple[str, BaseGeometry], ...]:
    """(French name, outline) of the zone's communes and of their neighbours, in the metric CRS, prepared."""
    return _outlines(communes_path(settings), tuple(settings.zone_communes), settings.crs)


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


def postcode_areas(
    addresses: gpd.GeoDataFrame, extent: BaseGeometry, *, postcodes: list[str] | None = None
) -> gpd.GeoDataFrame:
    """The area of each postcode (``postcode``, ``geometry``; sorted by postcode): each official address
    (``postcode``, points in a metric CRS) takes the part of the plane nearer to it than to any other (Voronoi
    cells, out to 2 km around ``extent``'s box), and the cells of a postcode are merged. Every address of the zone
    must be given so that neighbouring postcodes bound each other; ``postcodes`` keeps only those. Not cut to any
    outline: the caller cuts to the one it shows."""
    xy = shapely.get_coordinates(addresses.geometry.to_numpy())
    unique, first = np.unique(xy.round(2), axis=0, return_index=True)
    cells = shapely.voronoi_polygons(shapely.multipoints(unique), extend_to=extent.envelope.buffer(2000))
    polygons = np.array(shapely.get_parts(cells))
    # each cell holds exactly one address point: match them back
    idx_point, idx_cell = shapely.STRtree(polygons).query(shapely.points(unique), predicate="within")
    owner = np.full(len(polygons), -1)
    owner[idx_cell] = first[idx_point]
    codes = np.full(len(polygons), None, dtype=object)
    codes[owner >= 0] = addresses["postcode"].to_numpy()[owner[owner >= 0]]
    keep = (owner >= 0) & (np.isin(codes, postcodes) if postcodes is not None else True)
    frame = gpd.GeoDataFrame({"postcode": codes[keep]}, geometry=polygons[keep], crs=addresses.crs)
    return frame.dissolve("postcode").reset_index()[["postcode", "geometry"]]


def zone_outline(settings: Settings) -> BaseGeometry:
    """The zone's communes without the margin: the study area of a back-test on the service's own data."""
    return _zone(communes_path(settings), tuple(settings.zone_communes), 0.0, settings.crs)


def km_outside(zone: BaseGeometry, x: float, y: float) -> float | None:
    """``None`` when the point (``x``, ``y``, metric CRS) lies in ``zone``, else how far outside it lies (km): the
    figure every refusal of a point outside the zone gives."""
    if shapely.contains_xy(zone, x, y):
        return None
    return float(shapely.distance(zone, shapely.Point(x, y))) / 1000
