"""Map data for the pages (and any GIS client): report aggregates per view, vector tiles, the vector background,
and the public map's hexagons. Routes parse, call one function of :mod:`service.maps.data` (or the background the
application keeps, :mod:`service.api.map_background`), and send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from service.api.cache import Body, encode, respond
from service.api.deps import AppSettings, Conn, Reader
from service.api.state import state_of
from service.errors import NotFoundError
from service.geo import BBox, parse_bbox
from service.maps.background import Layer
from service.maps.data import ReportFilter, placed, public_cells, report_layer, report_tile
from service.maps.grid import cell_size, extent_for
from service.maps.words import LANGUAGES
from service.settings import Settings

GEOJSON = "application/geo+json"
router = APIRouter(tags=["carte"])

Bbox = Annotated[str, Query(description="vue : ouest,sud,est,nord en WGS84", examples=["5.45,50.55,5.58,50.62"])]
Zoom = Annotated[int, Query(ge=0, le=22, description="niveau de zoom Leaflet de la vue")]
Since = Annotated[datetime | None, Query(description="signalements observés à partir de cette date")]
Until = Annotated[datetime | None, Query(description="signalements observés avant cette date (exclue)")]
Categories = Annotated[list[str] | None, Query(description="codes de catégorie (répéter le paramètre)")]
Places = Annotated[list[str] | None, Query(description="communes, sections ou codes postaux de la zone (répéter)")]
Language = Annotated[
    str, Query(pattern=f"^({'|'.join(LANGUAGES)})$", description=f"langue des noms : {', '.join(LANGUAGES)}")
]


async def _period(depuis: Since = None, jusqu_a: Until = None) -> ReportFilter:
    """The reports observed between two dates, of every category (the public map's only filter)."""
    return ReportFilter(categories=None, since=depuis, until=jusqu_a)


#: Which reports the public map counts: observed between two dates.
Period = Annotated[ReportFilter, Depends(_period)]


async def _filters(period: Period, categorie: Categories = None, lieu: Places = None) -> ReportFilter:
    """The reports asked by the query, the same for a view and for a tile: categories and places sorted and once
    each (one cache key for the same filters in any order); the places are checked when the body is made
    (:func:`service.maps.data.placed`). Async: made on the event loop, no worker thread for it."""
    cats = tuple(sorted({c for c in categorie or [] if c})) or None
    places = tuple(sorted({p.strip() for p in lieu or [] if p.strip()}))
    return ReportFilter(categories=cats, since=period.since, until=period.until, places=places)


#: Which reports a view or a tile shows: observed between two dates, of some categories, in some places.
Filters = Annotated[ReportFilter, Depends(_filters)]


@dataclass(frozen=True)
class View:
    """The part of the map on screen: its box (checked) and its zoom level."""

    box: BBox
    zoom: int


async def _view(bbox: Bbox, zoom: Zoom) -> View:
    return View(parse_bbox(bbox), zoom)


#: The view asked by the query, its box checked before anything is read.
ViewAsked = Annotated[View, Depends(_view)]


@router.get(
    "/api/carte/signalements",
    summary="Signalements d'une vue de carte : mailles agrégées (nombre), ou un par un au zoom rapproché",
)
async def map_reports(
    request: Request, settings: AppSettings, _user: Reader, view: ViewAsked, filters: Filters
) -> Response:
    """Les signalements d'une vue de la carte : au zoom éloigné, leur nombre par maille (les mailles suivent le
    zoom) ; au zoom rapproché, un par un, sans données personnelles. Filtrables par dates, par catégories et par
    lieux (commune, section ou code postal : le lieu que le registre des adresses donne au signalement)."""

    def make(conn: psycopg.Connection[Any]) -> Body:
        chosen = placed(conn, filters)
        return encode(report_layer(conn, view.box, view.zoom, chosen, max_points=settings.map_max_points), GEOJSON)

    # keyed by the grid-aligned extent the body depends on: close views (of one user panning, or of several
    # users) share one body
    key = ("signalements", view.zoom, extent_for(view.box, cell_size(view.zoom)), filters)
    body = await state_of(request).cached_body("carte", key, make)
    return respond(request, body)


@router.get("/api/tuiles/{z}/{x}/{y}.mvt", summary="Tuile vectorielle des signalements (Mapbox Vector Tile)")
def map_tile(
    conn: Conn,
    _user: Reader,
    z: Annotated[int, Path(ge=0, le=22)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    filters: Filters,
) -> Response:
    """Une tuile vectorielle (Mapbox Vector Tile) des signalements, pour un SIG ou une carte vectorielle ; mêmes
    filtres que la vue de la carte."""
    if x >= 2**z or y >= 2**z:
        raise NotFoundError(f"Tuile {z}/{x}/{y} hors du monde.", hint=f"x et y vont de 0 à {2**z - 1} au zoom {z}.")
    tile = report_tile(conn, z, x, y, placed(conn, filters))
    return Response(tile, media_type="application/vnd.mapbox-vector-tile", headers={"Cache-Control": "no-cache"})


@router.get("/api/carte/fond/{couche}", summary="Fond vectoriel : communes, secteurs postaux ou rues (GeoJSON)")
def background(couche: Layer, request: Request, settings: AppSettings, conn: Conn, _user: Reader) -> Response:
    """Le fond de carte du service, sans internet : les communes, les secteurs postaux ou les rues (GeoJSON
    WGS84)."""
    return respond(
        request,
        state_of(request).background.layer(settings, couche, conn),
        max_age=3600,
    )


def _public_on(settings: Settings) -> None:
    if not settings.public_map:
        raise NotFoundError(
            "La carte publique n'est pas activée sur ce service.",
            hint="Un administrateur peut la publier (HOTSPOTS_PUBLIC_MAP=true).",
        )


@router.get("/api/public/carte/mailles", summary="Carte publique : signalements par maille hexagonale (agrégés)")
async def public_map_cells(
    request: Request, settings: AppSettings, view: ViewAsked, period: Period, langue: Language = "fr"
) -> Response:
    """La carte publique : le nombre de signalements par groupe de catégories dans des mailles hexagonales (assez
    grandes pour ne désigner aucune maison) ; les mailles de trop peu de signalements sont masquées. Sans
    connexion, quand un administrateur a activé la carte publique. Les groupes sont nommés dans la langue demandée
    (fr, nl ou en)."""
    _public_on(settings)
    minimum = settings.public_cell_m

    def make(conn: psycopg.Connection[Any]) -> Body:
        cells = public_cells(
            conn,
            view.box,
            view.zoom,
            period,
            min_count=settings.public_min_count,
            min_size=minimum,
            language=langue,
        )
        return encode(cells, GEOJSON)

    key = ("public", view.zoom, extent_for(view.box, cell_size(view.zoom, minimum=minimum)), period, langue)
    body = await state_of(request).cached_body("carte_publique", key, make)
    return respond(request, body, public=True, max_age=60)


@router.get("/api/public/carte/fond/{couche}", summary="Carte publique : fond vectoriel (communes, rues)")
def public_background(couche: Layer, request: Request, settings: AppSettings, conn: Conn) -> Response:
    """Le fond de la carte publique : les communes, les secteurs postaux ou les rues (GeoJSON WGS84)."""
    _public_on(settings)
    body = state_of(request).background.layer(settings, couche, conn)
    return respond(request, body, max_age=3600, public=True)
