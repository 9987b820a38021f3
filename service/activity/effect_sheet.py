"""The effect of an action as a printed A4 sheet, for the chief or the council: the verdict in sentences, the three
counts, the place's reports month by month around the action, and a map of the place, its ring and every report
before (grey) and after (red). Nothing here reads the database but :func:`load_effect_background`."""

from __future__ import annotations

from typing import Any

import psycopg
import shapely
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus.flowables import Flowable

from service.activity.effect import CONTROL_NAMES, Effect, effect_sentences
from service.activity.figures import change_words
from service.activity.printed import chart_legend
from service.export.paper import CONTENT_WIDTH, Styles, build, bullets, data_table, para, section
from service.export.print_background import PaperBackground, load_background
from service.export.print_map import MapFlowable, MapLayer, fit_bounds, fonts
from service.numbers import NARROW, french_number
from service.settings import Settings

MAP_HEIGHT = 82 * mm
PLACE_COLOUR = "#d7301f"
RING_COLOUR = "#2c7fb8"
BEFORE_COLOUR = "#969696"
AFTER_COLOUR = "#d7301f"
_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


def map_bounds(effect: Effect) -> tuple[float, float, float, float]:
    """The map's frame: the place with its ring, fitted to the map."""
    outer = effect.site.geom.buffer(effect.ring_m)
    xmin, ymin, xmax, ymax = outer.bounds
    return fit_bounds((xmin, ymin, xmax, ymax), CONTENT_WIDTH, MAP_HEIGHT, margin=0.04, min_span_m=400)


def load_effect_background(conn: psycopg.Connection[Any], settings: Settings, effect: Effect) -> PaperBackground:
    """The streets and commune outlines under the sheet's map (reads the database)."""
    return load_background(conn, settings, map_bounds(effect))


def render_effect_pdf(
    effect: Effect,
    category_label: str | None,
    points: list[tuple[shapely.Geometry, bool]],
    *,
    issuer: str,
    background: PaperBackground | None = None,
) -> bytes:
    """The sheet's PDF bytes, signed by ``issuer`` (the service's name); ``points`` are the reports of the place
    and its ring (:func:`effect_points`)."""
    st = Styles()
    sentences = effect_sentences(effect, category_label)
    title = f"L'action a-t-elle servi ? — {effect.site.id}"
    story: list[Flowable] = [para(title, st.title), para(sentences[0], st.subtitle)]
    story += section("Ce que disent les chiffres", [*bullets(sentences[1:-1], st), para(sentences[-1], st.small)], st)
    rows = [
        [name, _number(c.before), _number(c.after), change_words(c.change, space=NARROW)]
        for name, c in (
            (effect.site.name, effect.place),
            (f"Anneau de {french_number(effect.ring_m)} m autour", effect.ring),
            (CONTROL_NAMES[effect.control_kind], effect.control),
        )
    ]
    widths = [CONTENT_WIDTH - 3 * 30 * mm, 30 * mm, 30 * mm, 30 * mm]
    story += section(
        "Signalements",
        [data_table(["Zone", "Avant", "Après", "Évolution"], rows, st, widths=widths, numeric=(1, 2, 3))],
        st,
    )
    chart = month_chart(effect)
    if chart is not None:
        story += section("Le lieu mois par mois", [chart], st)
    story += section("Le lieu, son anneau et ses signalements", [map_block(effect, points, background)], st)
    return build(
        story,
        title=title,
        subject="Effet d'une action du service Environnement",
        running_title=title,
        zone=effect.zone,
        issuer=issuer,
    )


def month_chart(effect: Effect) -> Drawing | None:
    """Bars of the place's reports per month: grey before the action, red after (the action's month has both)."""
    if not effect.monthly:
        return None
    regular = fonts()[0]
    height = 50 * mm
    drawing = Drawing(CONTENT_WIDTH, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 12 * mm
    chart.width, chart.height = CONTENT_WIDTH - 16 * mm, height - 22 * mm
    chart.data = [[float(b) for _m, b, _a in effect.monthly], [float(a) for _m, _b, a in effect.monthly]]
    chart.categoryAxis.categoryNames = [_month(m) for m, _b, _a in effect.monthly]
    chart.categoryAxis.labels.fontName = regular
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = regular
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = lambda v: french_number(v, group=NARROW)
    chart.bars[0].fillColor = colors.HexColor(BEFORE_COLOUR)
    chart.bars[1].fillColor = colors.HexColor(AFTER_COLOUR)
    chart.bars.strokeColor = None
    chart.groupSpacing = 4
    drawing.add(chart)
    pairs = [(colors.HexColor(BEFORE_COLOUR), "avant l'action"), (colors.HexColor(AFTER_COLOUR), "après l'action")]
    drawing.add(chart_legend(14 * mm, height - 2 * mm, 45 * mm, pairs))
    return drawing


def map_block(
    effect: Effect, points: list[tuple[shapely.Geometry, bool]], background: PaperBackground | None = None
) -> MapFlowable:
    """The place (red outline), its ring (blue), the reports before (grey dots) and after (red dots)."""
    back = background or PaperBackground()
    ring = effect.site.geom.buffer(effect.ring_m).difference(effect.site.geom)
    layers = [
        *back.layers(),
        MapLayer(
            [ring],
            stroke=RING_COLOUR,
            fill=RING_COLOUR,
            opacity=0.08,
            width=1,
            dash=(3, 2),
            legend=f"anneau de {french_number(effect.ring_m)} m",
        ),
        MapLayer([effect.site.geom], stroke=PLACE_COLOUR, fill=PLACE_COLOUR, opacity=0.12, width=2, legend="le lieu"),
        MapLayer(
            [g for g, after in points if not after],
            stroke=None,
            fill=BEFORE_COLOUR,
            size=4.5,
            legend="signalement avant",
        ),
        MapLayer(
            [g for g, after in points if after], stroke=None, fill=AFTER_COLOUR, size=4.5, legend="signalement après"
        ),
    ]
    return MapFlowable(layers, CONTENT_WIDTH, MAP_HEIGHT, bounds=map_bounds(effect), attribution=back.attribution)


def effect_stem(effect: Effect) -> str:
    """``effet_PS-0004_2026-05-12``: the file's name without its suffix."""
    place = effect.site.id if effect.site.kind != "adresse" else "adresse"
    return f"effet_{place}_{effect.action.tz_convert(effect.zone):%Y-%m-%d}"


def _month(code: str) -> str:
    year, month = code.split("-")
    return f"{_MONTHS[int(month) - 1]} {year[2:]}"


def _number(value: int) -> str:
    return french_number(value, group=NARROW)
