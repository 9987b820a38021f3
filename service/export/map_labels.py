"""Names written along lines on a printed map (a street's name on a stop's small map): each once, upright, where it
fits without covering another."""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

import numpy as np
import shapely
import shapely.affinity
from reportlab.lib.colors import Color, white
from reportlab.pdfgen.canvas import Canvas
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:
    from service.export.print_map import MapFrame


def _straight_pieces(frame: MapFrame, geom: BaseGeometry) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """The straight pieces of ``geom`` inside the frame, longest first, its bends under 4 points set aside (a street
    line drawn through its addresses zigzags from door to door): each piece's length and its two ends (page
    points)."""
    seen = geom.intersection(shapely.box(*frame.bounds)).simplify(4 / frame.scale)
    pieces = []
    for part in shapely.get_parts(seen):
        if part.geom_type not in ("LineString", "LinearRing"):
            continue
        xy = np.array([frame.xy(x, y) for x, y in shapely.get_coordinates(part)])
        for a, b in itertools.pairwise(xy):
            pieces.append((float(np.hypot(*(b - a))), a, b))
    return sorted(pieces, key=lambda piece: -piece[0])


#: Where along a straight piece a name is tried, in this order (share of the piece from its start).
_ALONG = (0.5, 0.3, 0.7, 0.15, 0.85)


def line_labels(
    canv: Canvas,
    frame: MapFrame,
    lines: list[tuple[BaseGeometry, str]],
    colour: Color,
    font: str,
    size: float,
    *,
    reserved: list[BaseGeometry],
) -> None:
    """Each name once, along a straight piece of its lines the map shows (the longest first, its middle first),
    upright, on a light halo: a street's name on a small map. Left out when no piece is three quarters as long as
    the name, or where every place would cover a name already written, a ``reserved`` box (page points: the scale
    bar, the north arrow) or the frame's edge."""
    pieces: dict[str, list[tuple[float, np.ndarray, np.ndarray]]] = {}
    for geom, label in lines:
        pieces.setdefault(label, []).extend(_straight_pieces(frame, geom))
    inside = shapely.box(frame.x, frame.y, frame.x + frame.width, frame.y + frame.height)
    taken: list[BaseGeometry] = list(reserved)
    by_length = sorted(pieces.items(), key=lambda item: -max((p[0] for p in item[1]), default=0))
    for label, found in by_length:
        width = canv.stringWidth(label, font, size)
        for length, start, end in sorted(found, key=lambda piece: -piece[0])[:4]:
            if length < 0.75 * width:  # a little beyond a straight piece still reads along its street
                break
            if end[0] < start[0]:  # upright: read from left to right
                start, end = end, start
            angle = math.degrees(math.atan2(end[1] - start[1], end[0] - start[0]))
            placed = None
            for share in _ALONG:
                cx, cy = start + (end - start) * share
                box = shapely.box(cx - width / 2 - 1.5, cy - size / 2 - 1, cx + width / 2 + 1.5, cy + size / 2 + 1)
                box = shapely.affinity.rotate(box, angle, origin=(cx, cy))
                if inside.contains(box) and not any(box.intersects(t) for t in taken):
                    placed = (cx, cy, box)
                    break
            if placed is None:
                continue
            cx, cy, box = placed
            taken.append(box)
            _rotated_label(canv, (cx, cy), angle, label, colour, font, size, width)
            break


def _rotated_label(
    canv: Canvas,
    at: tuple[float, float],
    angle: float,
    label: str,
    colour: Color,
    font: str,
    size: float,
    width: float,
) -> None:
    canv.saveState()
    canv.translate(*at)
    canv.rotate(angle)
    canv.setFillColor(white)
    canv.setFillAlpha(0.8)
    canv.rect(-width / 2 - 1.5, -size / 2 - 1, width + 3, size + 2, stroke=0, fill=1)
    canv.setFillAlpha(1)
    canv.setFillColor(colour)
    canv.setFont(font, size)
    canv.drawCentredString(0, -size * 0.35, label)
    canv.restoreState()
