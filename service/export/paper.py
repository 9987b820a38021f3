"""Building blocks of the printed A4 documents other than the job sheet (a network's digest, an advice sheet):
French styles in the sheet's fonts, a facts table, a plain table, the page header and footer, and the document
itself. Maps are drawn by :mod:`service.export.print_map` on the background of
:mod:`service.export.print_background`, as on the job sheet.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, SimpleDocTemplate, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from service.export.print_map import fonts
from service.text import french_spaces

MARGIN = 16 * mm
CONTENT_WIDTH = A4[0] - 2 * MARGIN
HEADER_BACKGROUND = colors.HexColor("#eef2f7")
RULE = colors.HexColor("#bbbbbb")


class Styles:
    """The paragraph styles of a document (DejaVu Sans when found: every French letter)."""

    def __init__(self) -> None:
        regular, bold = fonts()
        self.body = ParagraphStyle("corps", fontName=regular, fontSize=9.5, leading=12.5)
        self.small = ParagraphStyle("petit", parent=self.body, fontSize=8, leading=10, textColor="#444444")
        self.cell = ParagraphStyle("cellule", parent=self.body, fontSize=8.5, leading=10.5)
        self.label = ParagraphStyle("libelle", parent=self.body, fontName=bold, fontSize=8.5, leading=10.5)
        self.title = ParagraphStyle("titre", parent=self.body, fontName=bold, fontSize=17, leading=21, spaceAfter=3)
        self.subtitle = ParagraphStyle("soustitre", parent=self.body, fontSize=10.5, leading=14, textColor="#333333")
        self.h2 = ParagraphStyle("h2", parent=self.body, fontName=bold, fontSize=12.5, leading=16, spaceBefore=8)
        self.h3 = ParagraphStyle("h3", parent=self.body, fontName=bold, fontSize=10, leading=13, spaceBefore=4)
        self.bullet = ParagraphStyle("puce", parent=self.body, leftIndent=10, bulletIndent=2)


def para(text: Any, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped: names with « & » or « < » print as they are)."""
    return Paragraph(escape(french_spaces("" if text is None else str(text))), style)


def bullets(lines: Sequence[str], st: Styles) -> list[Flowable]:
    """Each line as a bulleted paragraph (text escaped, not read as markup)."""
    return [Paragraph(escape(french_spaces(line)), st.bullet, bulletText="•") for line in lines]


def facts_table(facts: Sequence[tuple[str, Any]], st: Styles) -> Table:
    """Label / value rows across the page."""
    rows = [[para(k, st.label), para(v, st.body)] for k, v in facts]
    table = Table(rows, colWidths=[38 * mm, CONTENT_WIDTH - 38 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    st: Styles,
    *,
    widths: Sequence[float] | None = None,
    numeric: Sequence[int] = (),
) -> Table:
    """A table with a header row repeated on each page; ``numeric`` columns are right-aligned."""
    right = ParagraphStyle("droite", parent=st.cell, alignment=2)
    right_label = ParagraphStyle("libelle_droite", parent=st.label, alignment=2)
    cells = [[para(h, right_label if j in numeric else st.label) for j, h in enumerate(header)]]
    for row in rows:
        cells.append([para(v, right if j in numeric else st.cell) for j, v in enumerate(row)])
    table = Table(cells, colWidths=list(widths) if widths else None, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


#: The room a table needs to start on a page: its heading, its header row and its first rows.
TABLE_START = 40 * mm


def section(title: str, body: Sequence[Flowable], st: Styles) -> list[Flowable]:
    """A heading kept on the same page as the start of what follows it. A table starts where the page has room
    for its heading and first rows, then runs on from page to page: kept whole with its heading, a table longer
    than the room left went to the next page and left this one blank below the facts (the printed register)."""
    if not body:
        return [para(title, st.h2)]
    if isinstance(body[0], Table):
        return [CondPageBreak(TABLE_START), para(title, st.h2), *body]
    return [KeepTogether([para(title, st.h2), body[0]]), *body[1:]]


def build(story: list[Flowable], *, title: str, subject: str, running_title: str, zone: str, issuer: str) -> bytes:
    """The PDF's bytes: A4, the running title and the page number at the top; at the bottom, who issued it
    (``issuer``, the service's name) and the print date (in ``zone``, the service's time zone)."""
    regular = fonts()[0]
    printed = datetime.now(ZoneInfo(zone)).strftime("%d/%m/%Y à %H:%M")

    def decorate(canv: Canvas, doc: Any) -> None:
        canv.saveState()
        canv.setFont(regular, 7.5)
        canv.setFillColor(colors.HexColor("#555555"))
        canv.drawString(MARGIN, A4[1] - 10 * mm, running_title)
        canv.drawString(MARGIN, 9 * mm, f"Hotspots — {issuer} — imprimé le {printed}")
        canv.restoreState()

    return pdf_bytes(story, title=title, subject=subject, decorate=decorate, margin=MARGIN, number_at=10 * mm)


def pdf_bytes(
    story: list[Flowable],
    *,
    title: str,
    subject: str,
    decorate: Callable[[Canvas, Any], None],
    margin: float,
    number_at: float,
) -> bytes:
    """An A4 PDF of ``story`` by Hotspots with ``margin`` (points) on every side, each page decorated by
    ``decorate(canvas, doc)`` and numbered « page 3 / 5 » at the top right, ``number_at`` points below the page's
    edge: every printed document of the service (job sheets, digests, advice sheets, reports). The total tells
    the one who prints or files the document that no page is missing."""
    buffer = io.BytesIO()
    margins = dict.fromkeys(("leftMargin", "rightMargin", "topMargin", "bottomMargin"), margin)
    about = {"title": title, "subject": subject, "author": "Hotspots", "creator": "Hotspots"}
    doc = SimpleDocTemplate(buffer, pagesize=A4, **margins, **about)

    def numbered(*args: Any, **kwargs: Any) -> _NumberedCanvas:
        return _NumberedCanvas(*args, number_at=(A4[0] - margin, A4[1] - number_at), **kwargs)

    doc.build(story, onFirstPage=decorate, onLaterPages=decorate, canvasmaker=numbered)
    return buffer.getvalue()


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no types: Canvas is Any
    """A canvas that keeps each finished page until the document ends, then writes « page i / n » on each: the
    number of pages is known only once the story has flowed (ReportLab's usual two-step numbering)."""

    def __init__(self, *args: Any, number_at: tuple[float, float], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._number_at = number_at
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Number every kept page, then write the document."""
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self.saveState()
            self.setFont(fonts()[0], 7.5)
            self.setFillColor(colors.HexColor("#555555"))
            self.drawRightString(*self._number_at, f"page {number} / {len(self._pages)}")
            self.restoreState()
            super().showPage()
        super().save()


#: PDFium is not thread-safe: the API's worker threads render one map at a time.
_PDFIUM = threading.Lock()


def map_png(flowable: Flowable, *, scale: float = 2.0) -> bytes:
    """A map block rendered to PNG (for an HTML page): drawn on a PDF page of its own size by the very code of the
    printed map, then rasterised by PDFium. ``scale`` is pixels per point."""
    import pypdfium2 as pdfium

    width, height = flowable.wrap(0, 0)
    buffer = io.BytesIO()
    canv = Canvas(buffer, pagesize=(width, height))
    flowable.drawOn(canv, 0, 0)
    canv.showPage()
    canv.save()
    with _PDFIUM:
        pdf = pdfium.PdfDocument(buffer.getvalue())
        try:
            image = pdf[0].render(scale=scale).to_pil()
        finally:
            pdf.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
