"""GIS files as a table: what QGIS or ArcGIS exports — GeoPackage, Shapefile (alone, or zipped with its side
files), FlatGeobuf, KML, GML — read through pyogrio (GDAL), which the road network already uses.

One row a feature (numbered from 1, as GeoJSON features are), its attributes as text (a date field as ISO text),
its point as the ``_geom_x``/``_geom_y`` columns a GeoJSON gives: in WGS84, projected from the file's own system,
which is declared (a file without one, a shapefile without its ``.prj``, keeps its numbers for the reader to
recognise by their ranges). A small surface or line (a building's footprint) is one place, read at a point inside
it; anything else is a row refused with its reason, as in a GeoJSON (:mod:`service.ingest.shapes`). Of a file
with several layers, the one named (``--feuille``) is read, else the first of points.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio

from service.errors import InputFileError
from service.geo import WGS84
from service.ingest.shapes import point_of, shape_text
from service.ingest.source import STR, TableSource, check_headers, scan_file, served_whole

#: The GIS formats by their file's suffix (a zipped shapefile is a ``.zip`` holding a ``.shp``).
GIS_SUFFIXES = {".gpkg": "gpkg", ".shp": "shp", ".zip": "shp", ".fgb": "fgb", ".kml": "kml", ".gml": "gml"}
GIS_FORMATS = ("gpkg", "shp", "fgb", "kml", "gml")
#: The most a zipped shapefile may expand to (its members' declared sizes): an archive is not a way to hide a bomb.
MAX_UNZIPPED_BYTES = 2 << 30
_HINT = "Exportez la couche de points en GeoPackage (.gpkg) ou en GeoJSON, ou en CSV avec des colonnes lon et lat."


def _short(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def _check_zip(path: Path) -> None:
    """A ``.zip`` must hold a shapefile, and expand to a reasonable size."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputFileError(f"{path.name} : archive ZIP illisible ({_short(exc)}).", hint=_HINT) from exc
    if not any(m.filename.lower().endswith(".shp") for m in members):
        raise InputFileError(
            f"{path.name} : l'archive ne contient aucun fichier .shp.",
            hint="Une archive ZIP est lue comme un shapefile zippé (.shp, .shx, .dbf et .prj ensemble). " + _HINT,
        )
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise InputFileError(
            f"{path.name} : l'archive se décompresse en plus de {MAX_UNZIPPED_BYTES >> 30} Go.", hint=_HINT
        )


def _check_side_files(path: Path) -> None:
    """A ``.shp`` is one of a shapefile's files: its index (``.shx``) and attributes (``.dbf``) must lie beside it."""
    missing = [
        path.with_suffix(suffix).name
        for suffix in (".shx", ".dbf")
        if not (path.with_suffix(suffix).exists() or path.with_suffix(suffix.upper()).exists())
    ]
    if missing:
        raise InputFileError(
            f"{path.name} : il manque {' et '.join(missing)} à côté ; un shapefile est fait de plusieurs fichiers "
            "(.shp, .shx, .dbf et .prj) qui vont ensemble.",
            hint="Gardez-les dans le même dossier, ou envoyez-les ensemble dans une archive .zip.",
        )


def _layer(path: Path, wanted: str | None) -> str:
    """The layer to read: the one named, else the first of points (else the first), said when none fits."""
    try:
        layers = [(str(name), str(kind or "")) for name, kind in pyogrio.list_layers(path)]
    except Exception as exc:
        raise InputFileError(f"{path.name} : fichier SIG illisible ({_short(exc)}).", hint=_HINT) from exc
    if not layers:
        raise InputFileError(f"{path.name} : le fichier ne contient aucune couche.", hint=_HINT)
    described = ", ".join(f"« {name} » ({kind or 'sans géométrie'})" for name, kind in layers)
    if wanted is not None:
        if wanted not in [name for name, _ in layers]:
            raise InputFileError(
                f"{path.name} : pas de couche « {wanted} » (couches : {described}).",
                hint="Donnez le nom d'une couche avec --feuille.",
            )
        return wanted
    points = [name for name, kind in layers if "Point" in kind]
    mixed = [name for name, kind in layers if kind in {"", "Unknown", "None", "GeometryCollection"}]
    if points or mixed:
        return (points or mixed)[0]  # a layer of mixed kinds: its points read, the others refused one by one
    raise InputFileError(
        f"{path.name} : aucune couche de points (couches : {described}).",
        hint="Les signalements, visites et permis sont des points. " + _HINT,
    )


def _as_text(values: pd.Series) -> pd.Series:
    """One attribute as text: dates in ISO form (a GeoPackage's DATETIME, a shapefile's Date), the rest as written."""
    if pd.api.types.is_datetime64_any_dtype(values):
        if values.dt.tz is not None:  # an instant (a GeoPackage's UTC time): written with its offset
            return values.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S+00:00").astype(STR)
        text = values.dt.strftime("%Y-%m-%dT%H:%M:%S").str.replace("T00:00:00", "", regex=False)
        return text.astype(STR)  # a local time, read in the service's time zone; midnight alone: the day
    return values.astype(object).where(values.notna(), None).astype(STR)


def _points(geometry: Any) -> tuple[list[float | None], list[float | None], list[str | None], list[str | None]]:
    """(x, y, kind, error) per feature (:func:`service.ingest.shapes.point_of`)."""
    found = [point_of(geom) for geom in np.asarray(geometry, dtype=object)]
    if not found:
        return [], [], [], []
    x, y, kinds, errors = (list(column) for column in zip(*found, strict=True))
    return x, y, kinds, errors


def _shapes(geometry: Any, x: list[float | None], kinds: list[str | None]) -> list[str | None]:
    """The WKT of each feature reduced to a point (a kind and a point), kept with its report; None elsewhere."""
    geoms = np.asarray(geometry, dtype=object)
    return [
        shape_text(geom) if kind and value is not None else None
        for geom, value, kind in zip(geoms, x, kinds, strict=True)
    ]


def open_gis(path: Path, fmt: str, *, layer: str | None = None) -> TableSource:
    """A GIS file as a table (module docstring); ``layer``: the layer to read (``--feuille``)."""
    if path.suffix.lower() == ".zip":
        _check_zip(path)
    elif path.suffix.lower() == ".shp":
        _check_side_files(path)
    facts = scan_file(path, text=False)
    chosen = _layer(path, layer)
    try:
        frame = pyogrio.read_dataframe(path, layer=chosen)
    except Exception as exc:
        raise InputFileError(f"{path.name} : fichier SIG illisible ({_short(exc)}).", hint=_HINT) from exc
    if frame.empty:
        raise InputFileError(f"{path.name} : la couche « {chosen} » ne contient aucun objet.", hint=_HINT)
    declared = None
    if frame.crs is not None:
        frame = frame.to_crs(WGS84)
        declared = WGS84
    x, y, kinds, errors = _points(frame.geometry.to_numpy())
    headers = [str(c) for c in frame.columns if c != frame.geometry.name]
    check_headers(headers, path.name)
    table = pd.DataFrame({h: _as_text(frame[h]) for h in headers}, index=pd.RangeIndex(len(frame)))
    table["_geom_x"] = pd.Series([None if v is None else repr(v) for v in x], dtype=STR)
    table["_geom_y"] = pd.Series([None if v is None else repr(v) for v in y], dtype=STR)
    table["_geom_value"] = pd.Series(kinds, dtype=STR)
    table["_geom_shape"] = pd.Series(_shapes(frame.geometry.to_numpy(), x, kinds), dtype=STR)
    table["_geom_error"] = pd.Series(errors, dtype=STR)
    table["_row"] = range(1, len(table) + 1)
    source = TableSource(path, fmt, headers, facts, declared_crs=declared, sheets=[], sheet=chosen)
    return served_whole(source, table)
