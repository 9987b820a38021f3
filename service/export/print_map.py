"""Maps on paper, drawn offline: layers of Lambert 72 geometries into a ReportLab page, as vector graphics.

No tile server, no image: each layer (street lines, commune outlines, routes, numbered stops…) is drawn as PDF
paths at its scale, so the sheet prints sharp at any size and is made without a network. The job sheet of a plan
uses it (:mod:`service.export.pdf_sheet`) and any other printed document can: build :class:`MapLayer` objects,
then put a :class:`MapFlowable` in a story, or call :func:`draw_map` on a canvas.

Lambert 72 is a conformal projection whose grid north is within a degree of true north over the zone, so the
north arrow points up.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import shapely
from reportlab.lib.colors import Color, HexColor, white
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from service.export.map_labels import line_labels

Bounds = tuple[float, float, float, float]
Marker = Literal["cercle", "carre"]

#: Distinct colours for the teams' routes (colour-blind safe first: blue, green, purple, brown…).
TEAM_COLOURS = ("#1f63b4", "#1a9641", "#7b3294", "#a6611a", "#d01c8b", "#018571", "#5e3c99", "#4d4d4d")
AXIS_COLOUR = "#e31a1c"
FONT_FILES = (("Hotspots-Sans", "DejaVuSans.ttf"), ("Hotspots-Sans-Gras", "DejaVuSans-Bold.ttf"))
_SYSTEM_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def _font_dirs() -> list[Path]:
    dirs = []
    spec = importlib.util.find_spec("matplotlib")  # its bundled DejaVu fonts (a dependency of PyVRP)
    if spec is not None and spec.submodule_search_locations:
        dirs.append(Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf")
    return [*dirs, *_SYSTEM_FONT_DIRS]


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str]:
    """The (regular, bold) font names to draw French text with: DejaVu Sans (every accent, « », ☐, ×, the narrow
    no-break space) when found, else Helvetica (Latin-1 only)."""
    for folder in _font_dirs():
        paths = [folder / file for _, file in FONT_FILES]
        if all(p.is_file() for p in paths):
            for (name, _), path in zip(FONT_FILES, paths, strict=True):
                pdfmetrics.registerFont(TTFont(name, str(path)))
            regular, bold = FONT_FILES[0][0], FONT_FILES[1][0]
            pdfmetrics.registerFontFamily(regular, normal=regular, bold=bold, italic=regular, boldItalic=bold)
            return regular, bold
    return "Helvetica", "Helvetica-Bold"


@dataclass
class MapLayer:
    """Geometries (EPSG:31370) drawn the same way; ``legend`` names the layer under the map."""

    geometries: Sequence[BaseGeometry | None]
    stroke: str | None = "#000000"
    width: float = 0.6  # line width, points
    fill: str | None = None
    opacity: float = 1.0
    dash: tuple[float, ...] | None = None
    marker: Marker | None = None  # points drawn as markers (else as small dots)
    size: float = 9.0  # marker diameter, points
    labels: Sequence[str | None] | None = None  # text in each marker; beside a line; inside a polygon
    label_color: str = "#ffffff"
    label_size: float | None = None
    legend: str | None = None


def layer_bounds(layers: Sequence[MapLayer]) -> Bounds | None:
    """The extent of every geometry of ``layers`` (None when they are all empty)."""
    geoms = [g for layer in layers for g in layer.geometries if g is not None and not g.is_empty]
    if not geoms:
        return None
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    return float(xmin), float(ymin), float(xmax), float(ymax)


def fit_bounds(
    bounds: Bounds, width: float, height: float, *, margin: float = 0.07, min_span_m: float = 600.0
) -> Bounds:
    """``bounds`` grown by ``margin`` on each side, to at least ``min_span_m``, and to the frame's proportions."""
    xmin, ymin, xmax, ymax = bounds
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    span_x = max(xmax - xmin, min_span_m) * (1 + 2 * margin)
    span_y = max(ymax - ymin, min_span_m) * (1 + 2 * margin)
    ratio = width / height
    if span_x / span_y < ratio:
        span_x = span_y * ratio
    else:
        span_y = span_x / ratio
    return cx - span_x / 2, cy - span_y / 2, cx + span_x / 2, cy + span_y / 2


def nice_length(max_m: float) -> float:
    """The longest of 1, 2, 5 × 10ⁿ metres not above ``max_m``."""
    if max_m <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(max_m))
    return max(step * power for step in (1, 2, 5) if step * power <= max_m)


def metres_words(metres: float) -> str:
    """``500 m``, ``1 km``, ``2,5 km``."""
    if metres >= 1000:
        return f"{metres / 1000:g} km".replace(".", ",")
    return f"{metres:g} m"


@dataclass(frozen=True)
class MapFrame:
    """Where a map stands on the page — the rectangle (``x``, ``y``, ``width``, ``height``, points) — and what it
    shows (``bounds``, metres; give it the rectangle's proportions, see :func:`fit_bounds`): map coordinates →
    page coordinates."""

    bounds: Bounds
    x: float
    y: float
    width: float
    height: float

    @property
    def scale(self) -> float:
        """Points per metre."""
        return self.width / (self.bounds[2] - self.bounds[0])

    def xy(self, gx: float, gy: float) -> tuple[float, float]:
        """The page point of the map point (``gx``, ``gy``)."""
        return self.x + (gx - self.bounds[0]) * self.scale, self.y + (gy - self.bounds[1]) * self.scale


def _colour(hex_colour: str | None) -> Color | None:
    return HexColor(hex_colour) if hex_colour else None


def _path(canv: Canvas, frame: MapFrame, geom: BaseGeometry) -> Any:
    path = canv.beginPath()
    rings: list[Any] = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            rings += [(part.exterior, True), *[(r, True) for r in part.interiors]]
        elif part.geom_type in ("LineString", "LinearRing"):
            rings.append((part, False))
    for ring, closed in rings:
        coords = shapely.get_coordinates(ring)
        if len(coords) < 2:
            continue
        path.moveTo(*frame.xy(*coords[0]))
        for gx, gy in coords[1:]:
            path.lineTo(*frame.xy(gx, gy))
        if closed:
            path.close()
    return path


def _marker(canv: Canvas, layer: MapLayer, px: float, py: float, label: str | None, font: str) -> None:
    radius = layer.size / 2
    if layer.marker == "carre":
        canv.rect(px - radius, py - radius, 2 * radius, 2 * radius, stroke=1, fill=1)
    else:
        canv.circle(px, py, radius, stroke=1, fill=1)
    if label:
        size = layer.label_size or layer.size * (0.62 if len(label) < 3 else 0.5)
        canv.setFillColor(HexColor(layer.label_color))
        canv.setFont(font, size)
        canv.drawCentredString(px, py - size * 0.36, label)
        canv.setFillColor(_colour(layer.fill) or _colour(layer.stroke) or white)


#: Most markers on one ring (a larger ring would cover the map).
RING_MOST = 8
#: Leader line from a marker moved onto a ring to its place (dark grey, thin).
LEADER_COLOUR = "#333333"


def spread(points: Sequence[tuple[float, float]], size: float, *, most: int = RING_MOST) -> list[tuple[float, float]]:
    """Where to draw numbered markers of diameter ``size`` (page points) whose places are ``points``, so that no
    marker hides another's number — stops of a shift a few metres apart (a point and the axis that starts there,
    two corners of one street) print on one spot at the zone's scale. Markers closer than a diameter are gathered
    (chained), and each gathering is drawn on a ring around its centre, each marker on the side of its place
    (:func:`_ring_slots`), with a leader line to it, as the planning map does on screen; a ring that would touch
    another marker or ring takes it in. A ring holds ``most`` markers at most (a larger one would cover the map);
    in a crowd beyond that (a dense centre in a list of hundreds of sites), a ring that would still hide a number
    is not drawn and its markers stay on their place, as before. A marker alone stays on its place."""
    if len(points) < 2:
        return [(float(x), float(y)) for x, y in points]
    xy = np.asarray(points, dtype=float)
    roots = _gather(xy, size, most)
    drawn = xy.copy()
    for g in np.unique(roots):
        crowd = np.flatnonzero(roots == g)
        if len(crowd) > 1:
            centre = xy[crowd].mean(axis=0)
            drawn[crowd] = centre + _ring_radius(len(crowd), size) * _ring_slots(xy[crowd] - centre, size)
    while True:  # a ring that still hides a number (a crowd beyond what full rings can hold) is not drawn
        moved = np.any(drawn != xy, axis=1)
        pairs = cKDTree(drawn).query_pairs(0.95 * size, output_type="ndarray")
        hiding = pairs[moved[pairs[:, 0]] | moved[pairs[:, 1]]]
        if not len(hiding):
            return [(float(x), float(y)) for x, y in drawn]
        undone = np.isin(roots, roots[hiding.ravel()]) & moved
        drawn[undone] = xy[undone]


def _ring_radius(count: int, size: float) -> float:
    """The radius of a ring of ``count`` markers of diameter ``size``: neighbours on it 1.2 diameters apart."""
    return 0.0 if count < 2 else 0.6 * size / math.sin(math.pi / count)


def _gather(xy: np.ndarray, size: float, most: int) -> np.ndarray:
    """The crowd of each marker (one member's index): markers, then rings, that would touch are merged, the
    closest first, up to ``most`` markers a crowd, until nothing more merges (a union-find over a k-d tree)."""
    n = len(xy)
    group = np.arange(n)

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = int(group[i])
        return i

    while True:
        roots = np.array([root(i) for i in range(n)])
        ids, inverse, counts = np.unique(roots, return_inverse=True, return_counts=True)
        centres = np.zeros((len(ids), 2))
        np.add.at(centres, inverse, xy)
        centres /= counts[:, None]
        reach = np.array([_ring_radius(int(c), size) for c in counts]) + size / 2
        pairs = cKDTree(centres).query_pairs(2 * float(reach.max()) + 0.05 * size, output_type="ndarray")
        gaps = np.hypot(*(centres[pairs[:, 0]] - centres[pairs[:, 1]]).T)
        touching = gaps < reach[pairs[:, 0]] + reach[pairs[:, 1]] + 0.05 * size
        merged = False
        for a, b in pairs[touching][np.argsort(gaps[touching])]:  # the closest first
            ra, rb = root(int(ids[a])), root(int(ids[b]))
            if ra != rb and np.sum(roots == ra) + np.sum(roots == rb) <= most:
                group[rb] = ra
                roots[roots == rb] = ra
                merged = True
        if not merged:
            return roots


def _ring_slots(offsets: np.ndarray, size: float) -> np.ndarray:
    """Unit vectors from a crowd's centre to each member's slot on its ring. Members that stand apart keep their
    side: in clockwise order of their place around the centre, the ring turned to fit them best, so that no two
    leader lines cross. Members on one spot (no side to keep) go in their given order, the first at the top."""
    n = len(offsets)
    step = -2 * np.pi * np.arange(n) / n  # clockwise
    if np.hypot(offsets[:, 0], offsets[:, 1]).max() < 0.05 * size:
        order, start = np.arange(n), np.pi / 2
    else:
        angles = np.arctan2(offsets[:, 1], offsets[:, 0])
        order = np.argsort(-angles, kind="stable")
        start = float(np.angle(np.exp(1j * (angles[order] - step)).sum()))
    slots = np.empty((n, 2))
    slots[order] = np.column_stack([np.cos(start + step), np.sin(start + step)])
    return slots


def _marker_places(frame: MapFrame, layers: Sequence[MapLayer]) -> dict[tuple[int, int], tuple[float, float]]:
    """The page place of every numbered marker of ``layers`` — key (layer, geometry) — spread by :func:`spread` so
    that their numbers stay readable across layers (two teams' stops at one place)."""
    keys, places, sizes = [], [], []
    for li, layer in enumerate(layers):
        if not layer.marker or layer.labels is None:
            continue
        for gi, geom in enumerate(layer.geometries):
            if geom is not None and not geom.is_empty and geom.geom_type == "Point":
                keys.append((li, gi))
                places.append(frame.xy(geom.x, geom.y))
                sizes.append(layer.size)
    return dict(zip(keys, spread(places, max(sizes, default=0.0)), strict=True))


def _leader(canv: Canvas, layer: MapLayer, place: tuple[float, float], drawn: tuple[float, float]) -> None:
    """A thin line from a marker moved onto a ring to its place, and a small dot of the marker's colour there."""
    canv.saveState()
    canv.setStrokeColor(HexColor(LEADER_COLOUR))
    canv.setStrokeAlpha(1)
    canv.setLineWidth(0.6)
    canv.line(*place, *drawn)
    canv.setFillColor(_colour(layer.fill) or HexColor(LEADER_COLOUR))
    canv.setFillAlpha(1)
    canv.circle(*place, 1.6, stroke=0, fill=1)
    canv.restoreState()


def _draw_layer(
    canv: Canvas,
    frame: MapFrame,
    layer: MapLayer,
    fonts_: tuple[str, str],
    moved: dict[int, tuple[float, float]] | None = None,
    reserved: Callable[[], list[BaseGeometry]] | None = None,
) -> None:
    """Draw one layer; ``moved`` gives the page place of its markers set apart by :func:`spread` (by geometry);
    names along lines keep off the boxes ``reserved`` gives (page points; asked only when a line is named)."""
    canv.saveState()
    stroke, fill = _colour(layer.stroke), _colour(layer.fill)
    canv.setLineWidth(layer.width)
    canv.setLineJoin(1)
    canv.setLineCap(1)
    if layer.dash:
        canv.setDash(list(layer.dash))
    if stroke is not None:
        canv.setStrokeColor(stroke)
        canv.setStrokeAlpha(layer.opacity)
    if fill is not None:
        canv.setFillColor(fill)
        canv.setFillAlpha(layer.opacity)
    labels = list(layer.labels) if layer.labels is not None else [None] * len(layer.geometries)
    named_lines: list[tuple[BaseGeometry, str]] = []
    for index, (geom, label) in enumerate(zip(layer.geometries, labels, strict=True)):
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type in ("Point", "MultiPoint"):
            for part in shapely.get_parts(geom):
                px, py = frame.xy(part.x, part.y)
                if moved and index in moved and math.dist((px, py), moved[index]) > 0.5:
                    _leader(canv, layer, (px, py), moved[index])
                    px, py = moved[index]
                if layer.marker:
                    _marker(canv, layer, px, py, label, fonts_[1])
                else:
                    canv.circle(px, py, layer.size / 2, stroke=0, fill=1)
            continue
        canv.drawPath(_path(canv, frame, geom), stroke=int(stroke is not None), fill=int(fill is not None), fillMode=0)
        if label and geom.geom_type in ("Polygon", "MultiPolygon"):
            _area_label(canv, frame, geom, label, HexColor(layer.label_color), fonts_[0], layer.label_size or 9)
        elif label:
            named_lines.append((geom, label))
    if named_lines:  # over every line of the layer, not under the next ones
        colour, size = HexColor(layer.label_color), layer.label_size or 7
        line_labels(canv, frame, named_lines, colour, fonts_[0], size, reserved=reserved() if reserved else [])
    canv.restoreState()


def _area_label(
    canv: Canvas, frame: MapFrame, geom: BaseGeometry, label: str, colour: Color, font: str, size: float
) -> None:
    """An area's name on the part of it the map shows, whole: a commune mostly outside the frame was named at a
    point of its own, off the map or on its edge (« L » for Liège). Not drawn when it does not fit inside."""
    seen = geom.intersection(shapely.box(*frame.bounds))
    if seen.is_empty:
        return
    px, py = frame.xy(*shapely.get_coordinates(seen.representative_point())[0])
    half = canv.stringWidth(label, font, size) / 2
    if px - half < frame.x or px + half > frame.x + frame.width or py < frame.y or py + size > frame.y + frame.height:
        return
    canv.setFillColor(colour)
    canv.setFont(font, size)
    canv.drawCentredString(px, py, label)


def _occupied(frame: MapFrame, layers: Sequence[MapLayer]) -> list[BaseGeometry]:
    """What a street's name must not cover (page points): each marker, and each small area (a drawn building, not
    a commune: under a quarter of the frame)."""
    boxes = []
    for layer in layers:
        for geom in layer.geometries:
            if geom is None or geom.is_empty:
                continue
            xmin, ymin, xmax, ymax = geom.bounds
            (x0, y0), (x1, y1) = frame.xy(xmin, ymin), frame.xy(xmax, ymax)
            if geom.geom_type in ("Point", "MultiPoint"):
                r = layer.size / 2 if layer.marker else 2
                boxes.append(shapely.box(x0 - r, y0 - r, x1 + r, y1 + r))
            elif geom.area > 0 and (x1 - x0) * (y1 - y0) < frame.width * frame.height / 4:
                boxes.append(shapely.box(x0, y0, x1, y1))
    return boxes


def _marks_boxes(frame: MapFrame) -> list[BaseGeometry]:
    """Where the scale bar and the north arrow stand on their white boxes (page points): no name is written there."""
    length = nice_length(frame.width * 0.22 / frame.scale) * frame.scale
    x0, y0 = frame.x + 10, frame.y + 10
    cx, top = frame.x + frame.width - 18, frame.y + frame.height - 10
    return [shapely.box(x0 - 5, y0 - 5, x0 + length + 35, y0 + 17), shapely.box(cx - 10, top - 36, cx + 10, top)]


def _scale_bar(canv: Canvas, frame: MapFrame, font: str) -> None:
    metres = nice_length(frame.width * 0.22 / frame.scale)
    length = metres * frame.scale
    x0, y0 = frame.x + 10, frame.y + 10
    canv.saveState()
    canv.setFillColor(white)
    canv.setFillAlpha(0.85)
    canv.rect(x0 - 5, y0 - 5, length + 10 + 30, 22, stroke=0, fill=1)  # _marks_boxes
    canv.setFillAlpha(1)
    canv.setLineWidth(0.6)
    half = length / 2
    for k in range(2):
        canv.setFillColor(HexColor("#000000") if k == 0 else white)
        canv.rect(x0 + k * half, y0, half, 4, stroke=1, fill=1)
    canv.setFillColor(HexColor("#000000"))
    canv.setFont(font, 7)
    canv.drawString(x0 - 1, y0 + 6, "0")
    canv.drawString(x0 + length + 3, y0, metres_words(metres))
    canv.restoreState()


def _north_arrow(canv: Canvas, frame: MapFrame, font: str) -> None:
    cx, top = frame.x + frame.width - 18, frame.y + frame.height - 10
    canv.saveState()
    canv.setFillColor(white)
    canv.setFillAlpha(0.85)
    canv.rect(cx - 10, top - 36, 20, 36, stroke=0, fill=1)  # _marks_boxes
    canv.setFillAlpha(1)
    canv.setFillColor(HexColor("#000000"))
    path = canv.beginPath()
    path.moveTo(cx, top - 2)
    path.lineTo(cx - 6, top - 22)
    path.lineTo(cx, top - 17)
    path.lineTo(cx + 6, top - 22)
    path.close()
    canv.drawPath(path, stroke=0, fill=1)
    canv.setFont(font, 9)
    canv.drawCentredString(cx, top - 33, "N")
    canv.restoreState()


def draw_map(
    canv: Canvas, layers: Sequence[MapLayer], frame: MapFrame, *, attribution: str | None = None, marks: bool = True
) -> None:
    """Draw ``layers`` (first one at the bottom) in ``frame``, with a scale bar and a north arrow unless ``marks`` is
    false."""
    regular, bold = fonts()
    x, y, width, height = frame.x, frame.y, frame.width, frame.height
    canv.saveState()
    clip = canv.beginPath()
    clip.rect(x, y, width, height)
    canv.clipPath(clip, stroke=0, fill=0)
    places = _marker_places(frame, layers)
    # what a street's name must not cover, gathered once and only for a map that names its streets
    reserved = cache(lambda: [*(_marks_boxes(frame) if marks else []), *_occupied(frame, layers)])
    for li, layer in enumerate(layers):
        moved = {gi: at for (lj, gi), at in places.items() if lj == li}
        _draw_layer(canv, frame, layer, (regular, bold), moved, reserved)
    canv.restoreState()
    if marks:
        _scale_bar(canv, frame, regular)
        _north_arrow(canv, frame, bold)
    if attribution:
        canv.saveState()
        canv.setFont(regular, 6)
        text_width = pdfmetrics.stringWidth(attribution, regular, 6)
        canv.setFillColor(white)
        canv.setFillAlpha(0.85)
        canv.rect(x + width - text_width - 6, y + 1, text_width + 5, 9, stroke=0, fill=1)
        canv.setFillAlpha(1)
        canv.setFillColor(HexColor("#333333"))
        canv.drawRightString(x + width - 3, y + 3.5, attribution)
        canv.restoreState()
    canv.saveState()
    canv.setLineWidth(0.8)
    canv.rect(x, y, width, height, stroke=1, fill=0)
    canv.restoreState()


_LEGEND_ROW = 13.0


def _legend_items(layers: Sequence[MapLayer], font: str, width: float) -> list[tuple[MapLayer, float, float]]:
    """(layer, x, row) of each legend entry, laid out left to right in rows."""
    items, x, row = [], 0.0, 0
    for layer in layers:
        if not layer.legend:
            continue
        needed = 26 + pdfmetrics.stringWidth(layer.legend, font, 8) + 12
        if x and x + needed > width:
            x, row = 0.0, row + 1
        items.append((layer, x, float(row)))
        x += needed
    return items


class MapFlowable(Flowable):  # type: ignore[misc]  # reportlab ships no types: Flowable is Any
    """A map with its scale bar, north arrow and legend, as one block of a ReportLab story."""

    def __init__(
        self,
        layers: Sequence[MapLayer],
        width: float,
        height: float,
        *,
        bounds: Bounds | None = None,
        attribution: str | None = None,
        legend: bool = True,
    ) -> None:
        super().__init__()
        self.layers = list(layers)
        self.map_width, self.map_height = width, height
        found = bounds or layer_bounds(self.layers) or (0.0, 0.0, 1000.0, 1000.0)
        self.bounds = fit_bounds(found, width, height) if bounds is None else bounds
        self.attribution = attribution
        self.items = _legend_items(self.layers, fonts()[0], width) if legend else []
        rows = int(max((row for _, _, row in self.items), default=-1)) + 1
        self.legend_height = rows * _LEGEND_ROW + (4 if rows else 0)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        """The space the map takes in a story: its own size plus the legend below it."""
        return self.map_width, self.map_height + self.legend_height

    def draw(self) -> None:
        """Draw the map above its legend on the flowable's canvas."""
        canv = self.canv
        frame = MapFrame(self.bounds, 0, self.legend_height, self.map_width, self.map_height)
        draw_map(canv, self.layers, frame, attribution=self.attribution)
        regular = fonts()[0]
        for layer, x, row in self.items:
            y = self.legend_height - 4 - (row + 1) * _LEGEND_ROW + 3
            canv.saveState()
            if layer.marker or (layer.fill and not layer.stroke):
                canv.setFillColor(HexColor(layer.fill or layer.stroke or "#000000"))
                canv.setStrokeColor(HexColor(layer.stroke or "#ffffff"))
                if layer.marker == "carre":
                    canv.rect(x + 8, y, 8, 8, stroke=1, fill=1)
                else:
                    canv.circle(x + 12, y + 4, 4, stroke=1, fill=1)
            else:
                canv.setStrokeColor(HexColor(layer.stroke or "#000000"))
                canv.setStrokeAlpha(max(layer.opacity, 0.5))
                canv.setLineWidth(min(layer.width, 5))
                if layer.dash:
                    canv.setDash(list(layer.dash))
                canv.line(x, y + 4, x + 22, y + 4)
            canv.restoreState()
            canv.setFont(regular, 8)
            canv.setFillColor(HexColor("#000000"))
            canv.drawString(x + 26, y + 1.5, layer.legend or "")
