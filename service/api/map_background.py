"""The map's own background (:mod:`service.maps.background`) as the server keeps it: each layer built once per
process and address register, encoded once, and started in a thread as soon as a map page is opened (the page asks
for the layers a moment later)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import geopandas as gpd
import psycopg

from service.api.cache import Body, encode
from service.geocode.register import address_points
from service.geocode.sections import Section, service_sections
from service.maps.background import LAYERS, Layer, build_layer, layer_key
from service.settings import Settings
from service.zone import communes_path

GEOJSON = "application/geo+json"

#: Layers already built in this process, by (geodata, layer, address fingerprint): the register rarely changes and
#: a layer is the same for every application of the process.
_BUILT: dict[tuple[Any, ...], Body] = {}
_built_lock = threading.Lock()


def _inputs(settings: Settings) -> tuple[Path, tuple[str, ...], tuple[Section, ...]]:
    """What, beside the addresses, a layer is built from: the commune outlines, the zone's communes, the sections."""
    return communes_path(settings), tuple(settings.zone_communes), service_sections(settings)


def _built(addresses: gpd.GeoDataFrame, settings: Settings, layer: Layer) -> Body:
    communes, zone, sections = _inputs(settings)
    key = layer_key(addresses, communes, layer, zone, sections)
    with _built_lock:
        if key not in _BUILT:
            _BUILT[key] = encode(build_layer(addresses, communes, layer, zone, sections), GEOJSON)
        return _BUILT[key]


class MapBackground:
    """One application's addresses for the background (read once), and whether its layers are being built."""

    def __init__(self) -> None:
        self._addresses: gpd.GeoDataFrame | None = None
        self._warming = False
        self._lock = threading.Lock()

    def addresses(self, settings: Settings, conn: psycopg.Connection[Any]) -> gpd.GeoDataFrame:
        """The address points of the background, read from the database once per application."""
        with self._lock:
            if self._addresses is None:
                self._addresses = address_points(conn, settings.geodata_dir, tuple(settings.zone_communes))
                conn.rollback()  # the request's connection: no transaction left open while the layers are built
            return self._addresses

    def layer(self, settings: Settings, layer: Layer, conn: psycopg.Connection[Any]) -> Body:
        """The layer, ready to send (``conn``: the request's): built once per register and zone."""
        return _built(self.addresses(settings, conn), settings, layer)

    def warm(self, settings: Settings, conn: psycopg.Connection[Any]) -> None:
        """Read the addresses now and build the missing layers in a thread."""
        addresses = self.addresses(settings, conn)
        communes, zone, sections = _inputs(settings)
        with _built_lock:
            todo = [layer for layer in LAYERS if layer_key(addresses, communes, layer, zone, sections) not in _BUILT]
        with self._lock:
            if not todo or self._warming:
                return
            self._warming = True

        def run() -> None:
            for layer in todo:
                try:
                    _built(addresses, settings, layer)
                except Exception:
                    return

        threading.Thread(target=run, name="fond-de-carte", daemon=True).start()

    def forget(self) -> None:
        """The database was replaced: read the addresses again when next needed."""
        with self._lock:
            self._addresses = None
