"""The printed job sheet (A4 PDF, ReportLab): what a team takes in the car.

First page: the plan's facts and an overview map (streets and communes from the project's own data, each team's
route in its colour, numbered stops, the axes to walk, start and end, scale bar and north arrow), then the notes
(how travel times were estimated…). Then one block per stop: order, arrival time, address, type, category, why
it is on the list (in words, and the priority's factors), the last visit and its outcome, and boxes for the
result, the time and the officer. Last, the sites left out and why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import pandas as pd
import psycopg
import shapely
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable
from shapely.geometry.base import BaseGeometry

from service.export.paper import pdf_bytes
from service.export.print_background import PaperBackground, load_background
from service.export.print_map import (
    AXIS_COLOUR,
    TEAM_COLOURS,
    Bounds,
    MapFlowable,
    MapLayer,
    fit_bounds,
    fonts,
    layer_bounds,
)
from service.export.sheet import DATE_COLUMNS, Sheet
from service.export.values import day, hhmm, missing, records, shape_words, shown_date
from service.numbers import french_number
from service.plan.model import left_out_why
from service.settings import Settings
from service.text import french_spaces, plural

MARGIN = 14 * mm
CONTENT_WIDTH = A4[0] - 2 * MARGIN
MAP_WIDTH = CONTENT_WIDTH
MAP_HEIGHT = 150 * mm
LABEL_WIDTH = 30 * mm
LIST_COLOUR = TEAM_COLOURS[0]
#: Facts longer than this (characters) get a row of their own.
LONG_FACT = 40
#: Sites left out printed on paper: those of highest priority; the workbook keeps them all (a shift of 7 stops
#: printed 5 pages of 94 sites left out).
PRINTED_LEFT_OUT = 15
#: The QR code of the sheet's page on the map: large enough for a phone held at arm's length over the sheet.
QR_SIDE = 24 * mm
QR_COLUMN = QR_SIDE + 3 * mm
TICK, TICKED = "☐", "☒"
#: A report's drawn shape on paper (a building's footprint, a stretch of pavement): an orange outline over a light
#: fill, apart from the grey streets, the dashed commune limits and the teams' colours.
SHAPE_STROKE, SHAPE_FILL = "#e66101", "#fdd0a2"
#: The small map beside a stop drawn as a shape: the shape among its streets, at least this many metres across.
INSET_WIDTH, INSET_HEIGHT, INSET_SPAN_M = 62 * mm, 38 * mm, 40.0


def team_colour(team: int) -> str:
    """The colour of team ``team`` (1-based) on the map and in the headings."""
    return TEAM_COLOURS[(team - 1) % len(TEAM_COLOURS)]


def _present(geom: Any) -> bool:
    return isinstance(geom, BaseGeometry) and not missing(geom) and not geom.is_empty


def sheet_layers(sheet: Sheet) -> list[MapLayer]:
    """The plan drawn over the background: axes, routes, start and end, numbered stops (teams in colour)."""
    layers = []
    axes = [g for g in sheet.places["line"] if _present(g)]
    if axes:
        layers.append(MapLayer(axes, stroke=AXIS_COLOUR, width=6, opacity=0.45, legend="axe à parcourir"))
    shapes = [g for g in _shapes(sheet) if _present(g)]
    if shapes:
        layers.append(_shape_layer(shapes))
    rows = records(sheet)
    teams = sorted({int(r["Équipe"]) for r in rows}) if "Équipe" in sheet.rows and rows else []
    if sheet.routes is not None:
        for route in sheet.routes.itertuples():
            if _present(route.geometry):
                name = f"équipe {route.team}" if len(teams) > 1 else "itinéraire"
                layers.append(MapLayer([route.geometry], stroke=team_colour(int(route.team)), width=1.8, legend=name))
    ends = []
    if sheet.start:
        same = sheet.end is None or (sheet.end["x"], sheet.end["y"]) == (sheet.start["x"], sheet.start["y"])
        ends.append((sheet.start, "D/A" if same and sheet.end else "D", "départ et arrivée" if same else "départ"))
        if not same and sheet.end:
            ends.append((sheet.end, "A", "arrivée"))
    for place, label, legend in ends:
        point = shapely.Point(float(place["x"]), float(place["y"]))
        layers.append(
            MapLayer([point], stroke="#ffffff", fill="#000000", marker="carre", size=12, labels=[label], legend=legend)
        )
    points = list(sheet.places.geometry)
    if teams:
        for team in teams:
            picked = [i for i, r in enumerate(rows) if int(r["Équipe"]) == team]
            layers.append(
                MapLayer(
                    [points[i] for i in picked],
                    stroke="#ffffff",
                    fill=team_colour(team),
                    marker="cercle",
                    size=11,
                    labels=[str(rows[i]["Ordre"]) for i in picked],
                )
            )
    elif rows:
        layers.append(
            MapLayer(
                points,
                stroke="#ffffff",
                fill=LIST_COLOUR,
                marker="cercle",
                size=11 if len(rows) < 100 else 9,
                labels=[str(i) for i in range(1, len(rows) + 1)],
                legend="site (rang dans la liste)",
            )
        )
    return layers


def _shapes(sheet: Sheet) -> list[Any]:
    """Each row's drawn shape (None for a site without one), in the rows' order."""
    return list(sheet.places["shape"]) if "shape" in sheet.places else [None] * len(sheet.places)


def _shape_layer(shapes: list[BaseGeometry]) -> MapLayer:
    return MapLayer(
        shapes, stroke=SHAPE_STROKE, fill=SHAPE_FILL, width=1.2, legend="forme dessinée dans le fichier reçu"
    )


def _shape_inset(shape: BaseGeometry, point: Any, colour: str, label: str, background: PaperBackground) -> Flowable:
    """The small map of a stop drawn as a shape: the shape, the stop's marker and the streets around with their
    names, at a scale where a building can be told from its neighbours (the overview map shows it as a dot)."""
    xmin, ymin, xmax, ymax = shape.bounds
    bounds = fit_bounds((xmin, ymin, xmax, ymax), INSET_WIDTH, INSET_HEIGHT, margin=0.3, min_span_m=INSET_SPAN_M)
    streets, names = background.streets_within(bounds)
    layers = [
        MapLayer(streets, stroke="#b9b9b9", width=0.7, labels=names, label_color="#444444", label_size=6.5),
        _shape_layer([shape]),
    ]
    if _present(point):
        layers.append(MapLayer([point], stroke="#ffffff", fill=colour, marker="cercle", size=11, labels=[label]))
    return MapFlowable(layers, INSET_WIDTH, INSET_HEIGHT, bounds=bounds, legend=False)


def map_bounds(sheet: Sheet) -> Bounds | None:
    """The extent of the sheet's overview map (None when there is nothing to show)."""
    found = layer_bounds(sheet_layers(sheet))
    return fit_bounds(found, MAP_WIDTH, MAP_HEIGHT) if found else None


def load_sheet_background(conn: psycopg.Connection[Any], settings: Settings, sheet: Sheet) -> PaperBackground:
    """The streets and communes under the sheet's overview map (reads the database only)."""
    bounds = map_bounds(sheet)
    if bounds is None:
        return PaperBackground()
    return load_background(conn, settings, bounds)


class _Styles:
    def __init__(self) -> None:
        regular, bold = fonts()
        self.body = ParagraphStyle("corps", fontName=regular, fontSize=9, leading=11.5)
        self.small = ParagraphStyle("petit", parent=self.body, fontSize=7.5, leading=9.5, textColor="#444444")
        self.label = ParagraphStyle("libelle", parent=self.body, fontName=bold, fontSize=8.5)
        self.title = ParagraphStyle("titre", parent=self.body, fontName=bold, fontSize=16, leading=20, spaceAfter=2)
        self.h2 = ParagraphStyle("h2", parent=self.body, fontName=bold, fontSize=12.5, leading=16, spaceBefore=6)
        self.stop = ParagraphStyle("arret", parent=self.body, fontName=bold, fontSize=10.5, leading=13)
        self.bullet = ParagraphStyle("puce", parent=self.body, leftIndent=10, bulletIndent=2)


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(french_spaces("" if missing(text) else str(text))), style)


def _facts(sheet: Sheet, st: _Styles, width: float = CONTENT_WIDTH) -> Table:
    """The facts two by two; a long one (the filters of a list) on a row of its own; ``width`` wide."""
    short = [(k, v) for k, v in sheet.facts.items() if len(str(v)) <= LONG_FACT]
    long = [(k, v) for k, v in sheet.facts.items() if len(str(v)) > LONG_FACT]
    cells: list[list[Any]] = []
    for i in range(0, len(short), 2):
        row: list[Any] = []
        for key, value in short[i : i + 2]:
            row += [_p(key, st.label), _p(value, st.body)]
        cells.append(row + [""] * (4 - len(row)))
    spans = []
    for key, value in long:
        spans.append(("SPAN", (1, len(cells)), (3, len(cells))))
        cells.append([_p(key, st.label), _p(value, st.body), "", ""])
    label, value = 30 * mm, width / 2 - 30 * mm
    table = Table(cells, colWidths=[label, value, label, value])
    table.setStyle(
        TableStyle(
            [
                *spans,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _with_phone_link(facts: Flowable, link: str, st: _Styles) -> Table:
    """The facts with, on their right, the sheet's page on the map as a QR code and what it is for: the officer
    scans it in the car and records each stop's outcome on the phone (the paper boxes stay for when it cannot).
    The address itself is written in the notes, for who cannot scan."""
    widget = QrCodeWidget(link, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    code = Drawing(QR_SIDE, QR_SIDE, transform=[QR_SIDE / (right - left), 0, 0, QR_SIDE / (top - bottom), 0, 0])
    code.add(widget)
    words = Paragraph("<b>Sur le téléphone</b> : scannez, puis encodez le résultat de chaque arrêt.", st.small)
    table = Table([[facts, [code, words]]], colWidths=[CONTENT_WIDTH - QR_COLUMN, QR_COLUMN])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 3 * mm),
            ]
        )
    )
    return table


def _outcome_boxes(sheet: Sheet, row: dict[str, Any]) -> str:
    done = row.get("Résultat")
    parts = [f"{TICKED if done == label else TICK}\u00a0{escape(label)}" for label in sheet.outcome_labels]
    return "\u2003 ".join(parts)


def _site_line(row: dict[str, Any]) -> str:
    parts = [row.get("Type"), row.get("Catégorie")]
    if row.get("État"):
        parts.append(f"état : {str(row['État']).lower()}")
    if row.get("Signalements"):
        parts.append(f"{row['Signalements']} {plural(int(row['Signalements']), 'signalement')}")
    if row.get("Tendance"):
        parts.append(f"tendance : {row['Tendance']}")
    return " · ".join(str(p) for p in parts if p)


#: The colour of a link on paper (a PDF read on a phone opens it): the first team's blue.
LINK_COLOUR = TEAM_COLOURS[0]


def _on_site(timing: list[str], row: dict[str, Any], st: _Styles) -> Paragraph:
    """Time on site, travel, and the site's GPS position as a ``geo:`` link: on a phone reading the PDF, a tap
    opens the navigation app (OsmAnd, Organic Maps, Google Maps, Waze…) on the site; on paper, the numbers."""
    parts = [escape(french_spaces(t)) for t in timing]
    if row.get("Latitude") is not None:
        lat, lon = float(row["Latitude"]), float(row["Longitude"])
        gps = f"GPS\u00a0{lat:.5f},\u00a0{lon:.5f}"  # one line: a wrapped link is two links
        parts.append(f'<a href="geo:{lat:.6f},{lon:.6f}" color="{LINK_COLOUR}">{gps}</a>')
    return Paragraph(" · ".join(parts), st.body)


def _shape_row(
    sheet: Sheet, index: int, colour: str, label: str, st: _Styles, background: PaperBackground | None
) -> list[list[Any]]:
    """The stop's « Forme » row when its report was drawn as a shape (the shape in words and its small map), else
    none."""
    shape = _shapes(sheet)[index]
    if not _present(shape):
        return []
    words = f"dessinée dans le fichier reçu\u00a0: {shape_words(shape)}"
    point = sheet.places.geometry.iloc[index]
    inset = _shape_inset(shape, point, colour, label, background or PaperBackground())
    return [[_p("Forme", st.label), _p(words, st.body), inset, ""]]


def _stop_block(
    sheet: Sheet, row: dict[str, Any], rank: int, st: _Styles, background: PaperBackground | None = None
) -> Flowable:
    """One stop: a header line, the facts (a drawn shape with its small map), then the boxes the officer fills in."""
    order = row.get("Ordre") or rank
    head = [f"{order}"]
    meeting = row.get("Rendez-vous")
    if meeting and "–" not in str(meeting):  # the team is there at that time: it stands for the arrival
        head.append(f"rendez-vous à {escape(str(meeting))}")
    elif row.get("Arrivée") is not None:
        head.append(
            hhmm(row["Arrivée"], sheet.timezone) + (f" (rendez-vous {escape(str(meeting))})" if meeting else "")
        )
    head.append(escape(str(row.get("Lieu") or row.get("Site") or "")))
    ref = " · ".join(escape(str(row[k])) for k in ("Arrêt", "Site") if row.get(k))
    colour = team_colour(int(row["Équipe"])) if row.get("Équipe") else LIST_COLOUR
    header = Paragraph(
        f'<font color="{colour}">■</font> ' + " · ".join(head) + f'  <font size="8" color="#555555">{ref}</font>',
        st.stop,
    )
    last = "jamais visité"
    if row.get("Dernière visite") is not None:
        last = day(row["Dernière visite"], sheet.timezone) + (
            f" — {row['Suite de la dernière visite']}" if row.get("Suite de la dernière visite") else ""
        )
    priority = french_number(row["Priorité"], 2) if row.get("Priorité") is not None else "—"
    formula = row.get("Calcul de la priorité")
    timing = []
    if row.get("Sur place (min)") is not None:
        timing.append(f"{french_number(row['Sur place (min)'], 0)} min")
    if row.get("Trajet (min)") is not None:
        travel = float(row["Trajet (min)"])
        timing.append(f"trajet {french_number(travel, 0)} min" if travel >= 0.5 else "trajet < 1 min")
    result = _outcome_boxes(sheet, row)
    when, who = "", ""
    if row.get("Date de visite") is not None:
        when = shown_date("Date de visite", row["Date de visite"], sheet.timezone)
    if row.get("Agent"):
        who = str(row["Agent"])
    blank_time, blank_name = "_" * 12, "_" * 26
    label = st.label
    columns = sheet.rows.columns
    cells: list[list[Any]] = [
        [header, "", "", ""],
        [_p("Site", label), _p(_site_line(row), st.body), "", ""],
        [_p("Pourquoi", label), _p(row.get("Pourquoi"), st.body), "", ""],
    ]
    for name in sheet.block_columns:  # more facts of other lists (referrals): dates as dates, empty ones left out
        value = row.get(name)
        if value is None or value == "":
            continue
        shown = shown_date(name, value, sheet.timezone) if name in DATE_COLUMNS else value
        cells.append([_p(name, label), _p(shown, st.body), "", ""])
    if "Priorité" in columns:
        cells.append([_p("Priorité", label), _p(f"{priority} = {formula}" if formula else priority, st.body), "", ""])
    if "Dernière visite" in columns:
        cells.append(
            [_p("Dernière visite", label), _p(last, st.body), _p("Sur place", label), _on_site(timing, row, st)]
        )
    cells += _shape_row(sheet, rank - 1, colour, str(order), st, background)
    spans = [("SPAN", (1, r), (3, r)) for r in range(1, len(cells)) if cells[r][2] == ""]
    spans += [("SPAN", (2, r), (3, r)) for r in range(1, len(cells)) if cells[r][2] != "" and cells[r][3] == ""]
    fill_in = len(cells)
    if "Résultat" in columns:  # the boxes the officer fills in (lists of sites to visit)
        cells += [
            [_p("Résultat", label), Paragraph(result, st.body), "", ""],
            [_p("Heure", label), _p(when or blank_time, st.body), _p("Agent", label), _p(who or blank_name, st.body)],
            [_p("Remarques", label), _p(row.get("Remarques"), st.body), "", ""],
        ]
        spans += [("SPAN", (1, fill_in), (3, fill_in)), ("SPAN", (1, fill_in + 2), (3, fill_in + 2))]
    wide = CONTENT_WIDTH - 2 * LABEL_WIDTH
    boxes = fill_in < len(cells)
    table = Table(
        cells,
        colWidths=[LABEL_WIDTH, wide * 0.42, LABEL_WIDTH * 0.75, wide * 0.58 + LABEL_WIDTH * 0.25],
        rowHeights=[None] * (len(cells) - 1) + [11 * mm if boxes else None],
    )
    table.setStyle(
        TableStyle(
            [
                ("SPAN", (0, 0), (3, 0)),
                *spans,
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                ("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#333333")),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, colors.HexColor("#bbbbbb")),
                *(
                    [
                        ("LINEABOVE", (0, fill_in), (-1, fill_in), 0.8, colors.HexColor("#333333")),
                        ("BACKGROUND", (0, fill_in), (-1, -1), colors.HexColor("#fffbe6")),
                    ]
                    if boxes
                    else []
                ),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return KeepTogether([table, Spacer(1, 3 * mm)])


def _dropped(sheet: Sheet, st: _Styles) -> list[Flowable]:
    title = "Sites non retenus" if sheet.ordered else "Sites écartés"
    dropped = sheet.dropped
    if dropped is None and sheet.name:  # a list that leaves nothing out (referrals)
        return []
    if dropped is None or not len(dropped):
        empty = (
            "Aucun : tous les sites candidats sont dans la tournée."
            if sheet.ordered
            else "Aucun site écarté pour une visite récente."
        )
        return [Paragraph(title, st.h2), _p(empty, st.body)]
    shown = dropped.head(PRINTED_LEFT_OUT)
    cells = [[_p(c, st.label) for c in dropped.columns]]
    for values in shown.itertuples(index=False):
        cells.append(
            [_p(french_number(float(v), 2) if isinstance(v, float) and not missing(v) else v, st.small) for v in values]
        )
    widths = {"Site": 22 * mm, "Type": 30 * mm, "Lieu": 50 * mm, "Priorité": 19 * mm}
    col_widths = [widths.get(str(c), 0) for c in dropped.columns]
    rest = CONTENT_WIDTH - sum(col_widths)
    table = Table(cells, colWidths=[w or rest for w in col_widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    why = left_out_why(dropped["Raison"]) if sheet.ordered and "Raison" in dropped else None
    story: list[Flowable] = [Paragraph(f"{title} ({len(dropped)})", st.h2)]
    if why:
        story.append(_p(why, st.body))
    story.append(table)
    if len(dropped) > len(shown):
        story.append(_p(_left_out_rest(dropped, len(shown)), st.body))
    return story


def _left_out_rest(dropped: pd.DataFrame, shown: int) -> str:
    """The line under a cut list of sites left out: how many more, down to which priority, and where they all are
    (the workbook of the same list keeps every one)."""
    rest = dropped.iloc[shown:]
    words = f"… et {len(rest)} {plural(len(rest), 'autre')}"
    if "Priorité" in rest and rest["Priorité"].notna().any():
        words += f", de priorité {french_number(float(rest['Priorité'].max()), 2)} ou moins"
    return words + " : la liste entière est dans le tableur (XLSX) de la même liste."


def _page_decoration(sheet: Sheet, printed: str) -> Any:
    regular = fonts()[0]

    def decorate(canv: Canvas, doc: Any) -> None:
        canv.saveState()
        canv.setFont(regular, 7.5)
        canv.setFillColor(colors.HexColor("#555555"))
        canv.drawString(MARGIN, A4[1] - 9 * mm, sheet.title)
        canv.drawString(MARGIN, 8 * mm, f"Hotspots — imprimé le {printed}")
        canv.restoreState()

    return decorate


def _team_heading(rows: list[dict[str, Any]], team: int, st: _Styles, zone: str) -> Paragraph:
    mine = [r for r in rows if r.get("Équipe") == team]
    text = f'<font color="{team_colour(team)}">Équipe {team}</font> — {len(mine)} {plural(len(mine), "arrêt")}'
    last = mine[-1]
    if mine[0].get("Arrivée") is not None and last.get("Arrivée") is not None:
        leaves = last["Arrivée"] + pd.Timedelta(minutes=float(last.get("Sur place (min)") or 0))
        text += f", premier arrêt à {hhmm(mine[0]['Arrivée'], zone)}, dernier départ à {hhmm(leaves, zone)}"
    return Paragraph(text, st.h2)


def _stops(sheet: Sheet, st: _Styles, background: PaperBackground | None = None) -> list[Flowable]:
    """One block per stop; in a plan, each team starts on a new page (each team takes its own pages)."""
    rows = records(sheet)
    if not rows:
        return []
    story: list[Flowable] = []
    if not sheet.ordered or "Équipe" not in sheet.rows:
        heading = sheet.title if sheet.name else "Sites"  # a list of its own (referrals) keeps its own name
        story += [CondPageBreak(80 * mm), Paragraph(escape(heading), st.h2), Spacer(1, 2 * mm)]
    team = None
    for rank, row in enumerate(rows, start=1):
        if row.get("Équipe") is not None and row["Équipe"] != team:
            team = int(row["Équipe"])
            story += [PageBreak(), _team_heading(rows, team, st, sheet.timezone), Spacer(1, 2 * mm)]
        if str(row.get("Arrêt")) in sheet.pauses_before:  # a team that rests on arrival at its first stop
            story.append(Paragraph(escape(sheet.pauses_before[str(row["Arrêt"])]), st.h2))
        story.append(_stop_block(sheet, row, rank, st, background))
        if str(row.get("Arrêt")) in sheet.pauses:  # the team's break, where it falls in the round
            story.append(Paragraph(escape(sheet.pauses[str(row["Arrêt"])]), st.h2))
    return story


def render_pdf(sheet: Sheet, *, background: PaperBackground | None = None) -> bytes:
    """The job sheet's bytes. ``background`` (see :func:`load_sheet_background`) draws the streets and
    communes under the map; without it, the map shows the plan alone."""
    st = _Styles()
    printed = datetime.now(ZoneInfo(sheet.timezone))
    story: list[Flowable] = [Paragraph(escape(sheet.title), st.title), _p(sheet.subtitle, st.body), Spacer(1, 3 * mm)]
    if sheet.facts and sheet.link:
        facts = _facts(sheet, st, CONTENT_WIDTH - QR_COLUMN)
        story += [_with_phone_link(facts, sheet.link, st), Spacer(1, 4 * mm)]
    elif sheet.facts:
        story += [_facts(sheet, st), Spacer(1, 4 * mm)]
    plan_layers = sheet_layers(sheet)
    bounds = map_bounds(sheet)
    if bounds is not None:
        back = background or PaperBackground()
        story.append(
            MapFlowable(
                [*back.layers(), *plan_layers], MAP_WIDTH, MAP_HEIGHT, bounds=bounds, attribution=back.attribution
            )
        )
    if not len(sheet.rows):
        story.append(_p("Aucun site pour ces critères.", st.h2))
    notes = [*sheet.notes, *([f"Sur la carte, pour encoder les résultats : {sheet.link}"] if sheet.link else [])]
    if notes:
        story.append(Paragraph("Remarques", st.h2))
        story += [Paragraph(escape(french_spaces(note)), st.bullet, bulletText="•") for note in notes]
    story += _stops(sheet, st, background)
    story += [Spacer(1, 4 * mm), *_dropped(sheet, st)]
    decorate = _page_decoration(sheet, printed.strftime("%d/%m/%Y à %H:%M"))
    return pdf_bytes(
        story, title=sheet.title, subject=sheet.subtitle, decorate=decorate, margin=MARGIN, number_at=9 * mm
    )
