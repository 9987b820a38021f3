"""Read the ways of a road-network file: OpenStreetMap ``.osm.pbf`` / ``.osm`` (pyosmium) or any vector file
GDAL reads (GeoJSON, GeoPackage, Shapefile... through pyogrio), in any CRS, to lines in the metric CRS.

Each vertex keeps a *key* that says which vertices are the same point of the network: the OSM node id when the
file has them (so two ways crossing on a bridge, which share no node, stay apart), else the coordinate rounded to
the centimetre (an OSM export keeps one coordinate per node, so shared nodes are shared coordinates).
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from service.errors import InputFileError
from service.plan.modes import TAG_KEYS, way_rules

#: progress(stage, done, total): total is None when unknown.
Progress = Callable[[str, int, int | None], None]

OSM_SUFFIXES = (".pbf", ".osm", ".osm.gz", ".osm.bz2", ".o5m")
SKIP_NOT_LINE = "géométrie autre qu'une ligne (point, polygone)"
SKIP_EMPTY = "géométrie vide"
SKIP_NOT_ROAD = "pas une voie (sans étiquette highway)"
SKIP_UNUSABLE = "voie non praticable (highway=construction, proposed, platform…)"
SKIP_NO_MODE = "interdite à tous les modes (access=no, private…)"
SKIP_SHORT = "moins de deux points distincts"
SKIP_MISSING_NODES = "nœuds absents du fichier (voie coupée par l'extrait)"
SKIP_OUT_OF_RANGE = "coordonnées hors de portée du système de coordonnées"

_HINT_FORMATS = (
    "Formats lus : OpenStreetMap (.osm.pbf, .osm), GeoJSON, GeoPackage ou tout fichier de lignes lu par GDAL "
    "(export Overpass, Geofabrik, QGIS…)."
)


@dataclass
class Ways:
    """Usable ways in the metric CRS, before noding: way ``i`` is ``coords[offsets[i]:offsets[i + 1]]``."""

    coords: np.ndarray
    keys: np.ndarray
    offsets: np.ndarray
    attrs: pd.DataFrame  # way_id, name, highway, oneway, oneway_bicycle, car, bicycle, foot
    file_format: str
    layer: str | None
    source_crs: str
    ways_read: int
    ways_kept: int
    skipped: dict[str, int] = field(default_factory=dict)


@dataclass
class _Raw:
    """Lines as read: one row of ``tags`` per part (a MultiLineString gives several parts of one feature)."""

    coords: np.ndarray
    keys: np.ndarray | None
    offsets: np.ndarray
    feature: np.ndarray  # feature number of each part
    way_id: np.ndarray
    tags: pd.DataFrame
    crs: str | None
    file_format: str
    layer: str | None
    features: int
    skipped: Counter[str]


def is_osm_file(path: Path) -> bool:
    """Whether ``path`` names an OpenStreetMap extract (``.osm.pbf``, ``.osm``, ``.o5m``…), by its suffix."""
    name = path.name.lower()
    return any(name.endswith(suffix) for suffix in OSM_SUFFIXES)


def read_ways(path: Path, *, crs: str, progress: Progress | None = None) -> Ways:
    """The usable ways of ``path`` in ``crs``, with their tags interpreted per travel mode."""
    if not path.is_file():
        raise InputFileError(f"Fichier introuvable : {path}", hint="Vérifiez le chemin du fichier du réseau.")
    raw = _read_osm(path, progress) if is_osm_file(path) else _read_ogr(path, progress)
    return _finish(path, raw, crs)


# -- OpenStreetMap files --------------------------------------------------------------------------------------


def _read_osm(path: Path, progress: Progress | None) -> _Raw:
    import osmium

    way_ids: list[int] = []
    tags: dict[str, list[str | None]] = {key: [] for key in TAG_KEYS}
    refs, lons, lats = array("q"), array("d"), array("d")
    offsets = array("q", [0])
    skipped: Counter[str] = Counter()
    read = 0
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))  # buildings, rivers... are skipped in C++
    )
    try:
        for way in processor:
            if not isinstance(way, osmium.osm.Way):
                continue
            read += 1
            if progress and read % 20_000 == 0:
                progress("lecture", read, None)
            before = len(refs)
            missing = False
            for node in way.nodes:
                location = node.location
                if not location.valid():
                    missing = True
                    continue
                refs.append(node.ref)
                lons.append(location.lon)
                lats.append(location.lat)
            if missing and len(refs) - before < 2:
                del refs[before:], lons[before:], lats[before:]
                skipped[SKIP_MISSING_NODES] += 1
                continue
            offsets.append(len(refs))
            way_ids.append(way.id)
            for key in TAG_KEYS:
                tags[key].append(way.tags.get(key))
    except RuntimeError as exc:
        raise InputFileError(f"{path.name} : fichier OpenStreetMap illisible ({exc}).", hint=_HINT_FORMATS) from exc
    if read == 0:
        raise InputFileError(
            f"{path.name} : aucune voie routière (way avec une étiquette highway) dans ce fichier OpenStreetMap.",
            hint="Exportez les voies (highway=*) avec leurs nœuds, par exemple un extrait .osm.pbf de Geofabrik.",
        )
    n = len(way_ids)
    return _Raw(
        coords=np.column_stack([np.frombuffer(lons, dtype=np.float64), np.frombuffer(lats, dtype=np.float64)])
        if len(lons)
        else np.empty((0, 2)),
        keys=np.frombuffer(refs, dtype=np.int64).copy() if len(refs) else np.empty(0, dtype=np.int64),
        offsets=np.frombuffer(offsets, dtype=np.int64).copy(),
        feature=np.arange(n),
        way_id=np.asarray(way_ids, dtype=np.int64),
        tags=pd.DataFrame(tags, dtype="string"),
        crs="EPSG:4326",
        file_format="osm",
        layer=None,
        features=read,
        skipped=skipped,
    )


# -- Vector files through GDAL --------------------------------------------------------------------------------

_OTHER_TAGS = "other_tags"  # GDAL's OSM driver (and ogr2ogr exports) keep the other tags here, as hstore text


def _pick_layer(path: Path) -> str:
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:
        raise InputFileError(f"{path.name} : fichier illisible ({_short(exc)}).", hint=_HINT_FORMATS) from exc
    if len(layers) == 0:
        raise InputFileError(f"{path.name} : le fichier ne contient aucune couche.", hint=_HINT_FORMATS)
    names = [str(row[0]) for row in layers]
    kinds = [str(row[1] or "") for row in layers]
    lines = [name for name, kind in zip(names, kinds, strict=True) if "LineString" in kind]
    if "lines" in lines:
        return "lines"
    if lines:
        return lines[0]
    unknown = [name for name, kind in zip(names, kinds, strict=True) if kind in {"", "Unknown", "None"}]
    if unknown:
        return unknown[0]
    described = ", ".join(f"{name} ({kind or '?'})" for name, kind in zip(names, kinds, strict=True))
    raise InputFileError(
        f"{path.name} : aucune couche de lignes (couches : {described}).",
        hint="Le réseau routier doit être fait de lignes (LineString ou MultiLineString) : les voies, pas les "
        "points ni les surfaces.",
    )


def _read_ogr(path: Path, progress: Progress | None) -> _Raw:
    layer = _pick_layer(path)
    try:
        info = pyogrio.read_info(path, layer=layer)
    except Exception as exc:
        raise InputFileError(f"{path.name} : fichier illisible ({_short(exc)}).", hint=_HINT_FORMATS) from exc
    if not info.get("geometry_type"):
        raise InputFileError(
            f"{path.name} : le fichier n'a pas de géométrie (un tableau sans lignes ?).",
            hint="Le réseau routier doit être fait de lignes (LineString ou MultiLineString) : les voies, pas les "
            "points ni les surfaces. " + _HINT_FORMATS,
        )
    fields = [str(f) for f in info["fields"]]
    wanted = [f for f in fields if f in (*TAG_KEYS, _OTHER_TAGS, "osm_id")]
    total = int(info["features"]) if info["features"] and info["features"] > 0 else None
    frames: list[pd.DataFrame] = []
    geoms: list[np.ndarray] = []
    fids: list[np.ndarray] = []
    done = 0
    try:
        with pyogrio.open_arrow(
            path, layer=layer, columns=wanted, batch_size=20_000, use_pyarrow=True, return_fids=True
        ) as (meta, reader):
            crs = meta.get("crs")
            for batch in reader:
                table = batch.to_pandas()
                geometry_column = next(c for c in table.columns if c not in (*wanted, meta.get("fid_column")))
                geoms.append(shapely.from_wkb(table[geometry_column].to_numpy()))
                fids.append(table[meta["fid_column"]].to_numpy(dtype=np.int64))
                frames.append(table[wanted].astype("string") if wanted else pd.DataFrame(index=table.index))
                done += len(table)
                if progress:
                    progress("lecture", done, total)
    except InputFileError:
        raise
    except Exception as exc:
        raise InputFileError(f"{path.name} : fichier illisible ({_short(exc)}).", hint=_HINT_FORMATS) from exc
    if done == 0:
        raise InputFileError(f"{path.name} : le fichier ne contient aucune ligne.", hint=_HINT_FORMATS)
    geometry = np.concatenate(geoms)
    tags = pd.concat(frames, ignore_index=True)
    tags = _with_other_tags(tags)
    way_id = np.concatenate(fids)
    if "osm_id" in tags:
        osm_id = pd.to_numeric(tags["osm_id"], errors="coerce")
        way_id = np.where(osm_id.notna(), osm_id.fillna(0).astype("int64"), way_id)
    skipped: Counter[str] = Counter()
    empty = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    kind = shapely.get_type_id(geometry)
    lines = ~empty & np.isin(kind, [1, 5])  # LineString, MultiLineString
    skipped[SKIP_EMPTY] += int(empty.sum())
    skipped[SKIP_NOT_LINE] += int((~empty & ~lines).sum())
    if not lines.any():
        raise InputFileError(
            f"{path.name} : aucune ligne dans la couche « {layer} » ({done} objets, aucun de type ligne).",
            hint="Le réseau routier doit être fait de lignes (LineString ou MultiLineString) : les voies, pas les "
            "points ni les surfaces.",
        )
    feature = np.flatnonzero(lines)
    parts, part_of = shapely.get_parts(geometry[feature], return_index=True)
    coords, vertex_of = shapely.get_coordinates(parts, return_index=True)
    counts = np.bincount(vertex_of, minlength=len(parts))
    return _Raw(
        coords=coords,
        keys=None,
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        feature=feature[part_of],
        way_id=way_id[feature[part_of]],
        tags=tags.iloc[feature[part_of]].reset_index(drop=True),
        crs=crs,
        file_format=str(info.get("driver") or "GDAL"),
        layer=layer,
        features=done,
        skipped=skipped,
    )


def _with_other_tags(tags: pd.DataFrame) -> pd.DataFrame:
    """Tags missing as columns, taken from GDAL's ``other_tags`` (``"oneway"=>"yes","maxspeed"=>"50"``)."""
    if _OTHER_TAGS not in tags:
        return tags
    other = tags[_OTHER_TAGS].astype("string")
    for key in TAG_KEYS:
        if key not in tags:
            found = other.str.extract(rf'"{re.escape(key)}"=>"((?:[^"\\]|\\.)*)"', expand=False)
            if found.notna().any():
                tags[key] = found.astype("string")
    return tags.drop(columns=[_OTHER_TAGS])


# -- Common end: CRS, rules, keys -----------------------------------------------------------------------------


def _source_crs(path: Path, declared: str | None, coords: np.ndarray) -> CRS:
    if declared:
        try:
            return CRS.from_user_input(declared)
        except CRSError as exc:
            raise InputFileError(
                f"{path.name} : système de coordonnées inconnu ({declared[:80]}).",
                hint="Enregistrez le fichier en WGS84 (EPSG:4326), Lambert 72 (EPSG:31370) ou Lambert 2008 "
                "(EPSG:3812).",
            ) from exc
    # no declared CRS: recognise Belgian systems from the coordinate ranges (they do not overlap)
    x, y = coords[:, 0], coords[:, 1]
    ranges = {
        "EPSG:4326": (2.3, 6.6, 49.3, 51.7),
        "EPSG:31370": (1_000, 310_000, 1_000, 260_000),
        "EPSG:3812": (490_000, 810_000, 490_000, 760_000),
    }
    for code, (x0, x1, y0, y1) in ranges.items():
        if len(x) and bool(np.all((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))):
            return CRS.from_user_input(code)
    raise InputFileError(
        f"{path.name} : système de coordonnées inconnu (le fichier n'en déclare aucun et ses coordonnées ne sont "
        "ni en WGS84, ni en Lambert 72, ni en Lambert 2008 sur la Belgique).",
        hint="Enregistrez le fichier avec son système de coordonnées (par exemple en GeoPackage depuis QGIS).",
    )


def _finish(path: Path, raw: _Raw, crs: str) -> Ways:
    skipped = raw.skipped
    rules = way_rules(raw.tags)
    keep = rules["is_way"].to_numpy().copy()
    not_way = ~keep
    if "highway" in raw.tags:
        absent = raw.tags["highway"].isna().to_numpy()
        _count_features(skipped, SKIP_NOT_ROAD, raw.feature[not_way & absent])
        _count_features(skipped, SKIP_UNUSABLE, raw.feature[not_way & ~absent])
    no_mode = keep & ~(rules["car"] | rules["bicycle"] | rules["foot"]).to_numpy()
    _count_features(skipped, SKIP_NO_MODE, raw.feature[no_mode])
    keep &= ~no_mode

    source = _source_crs(path, raw.crs, raw.coords)
    transformer = Transformer.from_crs(source, CRS.from_user_input(crs), always_xy=True)
    x, y = transformer.transform(raw.coords[:, 0], raw.coords[:, 1])
    coords = np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])
    part_of = np.repeat(np.arange(len(raw.offsets) - 1), np.diff(raw.offsets))
    finite = np.isfinite(coords).all(axis=1)
    if not finite.all():
        bad = np.zeros(len(keep), dtype=bool)
        bad[np.unique(part_of[~finite])] = True
        _count_features(skipped, SKIP_OUT_OF_RANGE, raw.feature[bad & keep])
        keep &= ~bad
    keys = raw.keys if raw.keys is not None else _coordinate_keys(coords, raw.offsets, _layers(raw.tags)[part_of])

    # drop the vertices of parts not kept, and repeated consecutive vertices (same node twice in a row)
    vertex_keep = keep[part_of]
    same_as_previous = np.zeros(len(keys), dtype=bool)
    same_as_previous[1:] = (keys[1:] == keys[:-1]) & (part_of[1:] == part_of[:-1])
    vertex_keep &= ~same_as_previous
    counts = np.bincount(part_of[vertex_keep], minlength=len(keep))
    short = keep & (counts < 2)
    _count_features(skipped, SKIP_SHORT, raw.feature[short])
    keep &= ~short
    vertex_keep &= keep[part_of]
    counts = counts[keep]

    attrs = pd.DataFrame(
        {
            "way_id": raw.way_id[keep],
            "name": _text(raw.tags, "name")[keep],
            "highway": _text(raw.tags, "highway")[keep],
            "oneway": rules["oneway"].to_numpy()[keep],
            "oneway_bicycle": rules["oneway_bicycle"].to_numpy()[keep],
            "car": rules["car"].to_numpy()[keep],
            "bicycle": rules["bicycle"].to_numpy()[keep],
            "foot": rules["foot"].to_numpy()[keep],
        }
    )
    kept_features = len(np.unique(raw.feature[keep]))
    return Ways(
        coords=coords[vertex_keep],
        keys=keys[vertex_keep],
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        attrs=attrs,
        file_format=raw.file_format,
        layer=raw.layer,
        source_crs=source.to_string(),
        ways_read=raw.features,
        ways_kept=kept_features,
        skipped={reason: count for reason, count in skipped.items() if count},
    )


def _layers(tags: pd.DataFrame) -> np.ndarray:
    """OSM layer of each way: ``layer`` when given, else 1 on a bridge, -1 in a tunnel, 0 on the ground."""
    layer = pd.to_numeric(tags["layer"], errors="coerce") if "layer" in tags else pd.Series(np.nan, index=tags.index)
    bridge = tags["bridge"].fillna("no").str.lower().ne("no") if "bridge" in tags else False
    tunnel = tags["tunnel"].fillna("no").str.lower().ne("no") if "tunnel" in tags else False
    implied = np.where(bridge, 1, np.where(tunnel, -1, 0))
    return np.where(layer.notna(), layer.fillna(0), implied).astype(np.int64)


def _coordinate_keys(coords: np.ndarray, offsets: np.ndarray, layer: np.ndarray) -> np.ndarray:
    """Vertex keys from coordinates rounded to the centimetre, for files without node ids.

    Where the only vertices at a coordinate are inside ways (none ends there) on different layers (a bridge and
    the street below it), the data says they do not meet: each layer gets its own key there.
    """
    rounded = np.round(np.where(np.isfinite(coords), coords, 0.0) * 100).astype(np.int64)
    place = np.unique(rounded, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)
    if len(place) == 0 or not layer.any():
        return place
    is_end = np.zeros(len(place), dtype=bool)
    is_end[offsets[:-1]] = True
    is_end[offsets[1:] - 1] = True
    has_end = np.bincount(place, weights=is_end, minlength=place.max() + 1) > 0
    place_layer = np.unique(np.column_stack([place, layer]), axis=0)
    layers_here = np.bincount(place_layer[:, 0], minlength=place.max() + 1)
    split = (layers_here > 1) & ~has_end
    if not split[place].any():
        return place
    apart = np.where(split[place], layer + 1_000, 0)  # a per-layer key only where the layers stay apart
    return np.unique(np.column_stack([place, apart]), axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _count_features(skipped: Counter[str], reason: str, features: np.ndarray) -> None:
    if len(features):
        skipped[reason] += len(np.unique(features))


def _text(tags: pd.DataFrame, key: str) -> np.ndarray:
    if key not in tags:
        return np.full(len(tags), None, dtype=object)
    values = tags[key].astype("string").str.strip()
    text: np.ndarray = values.where(values.notna() & (values != ""), None).astype(object).to_numpy()
    return text


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
