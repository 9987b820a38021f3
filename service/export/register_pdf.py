"""The register export printed (A4 PDF): one line per report, for a meeting or a partner, from the very sheet the
CSV and the workbook are written from (same rows, same order, same numbers).

A list of reports is not a job sheet: no map and no boxes to fill, but a table whose header comes back on every page,
after the filters and the counts in words. A list too long to be read on paper is refused (the workbook takes it).
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer
from reportlab.platypus.flowables import Flowable

from service.export.paper import Styles, build, bullets, data_table, facts_table, para, section
from service.export.sheet import Sheet
from service.export.values import missing, text_cell

#: Printed columns and their widths (mm; 178 in all, the A4 page between its margins), each wide enough for its
#: longest word at 8,5 pt with the narrow padding below: « SIG-12345 », « 14/01/2025 », « doublon de », « Jours »,
#: « Neuville-en-Condroz » (a line of the demo's register cut « SIG-25|54 » and « Nouvea|u » before).
COLUMNS = (
    ("N°", 18),
    ("Signalé le", 20),
    ("Catégorie", 24),
    ("Statut", 19),
    ("Clos le", 20),
    ("Jours", 11),
    ("Adresse", 33),
    ("Lieu", 33),
)
#: Points of padding left and right of each cell (the shared tables' 6 would not leave room for the words above).
PADDING = 3
#: The most reports a printed register holds (73 pages, printed in about 3 s); more is refused, the workbook takes them.
MAX_PRINTED = 2000
#: The sheet's facts printed under the title, in this order.
FACTS = ("Signalements", "Filtres", "Clos", "Clos à une date connue")


def _line(row: dict[str, Any], zone: str) -> list[str]:
    """One report's printed cells: its numbers as in the CSV (decimal comma, Belgian dates), its status with what
    keeps it out of the counts (a duplicate, a referral), its place as the register names it."""
    status = text_cell("Statut", row["Statut"], zone)
    if not missing(row["Doublon de"]):
        status += f", doublon de {row['Doublon de']}"
    if not missing(row["Renvoyé"]):
        status += ", renvoyé"
    where = " ".join(
        text_cell(c, row[c], zone) for c in ("Code postal", "Section") if not missing(row[c]) and row[c] != ""
    )
    if missing(row["Section"]) or row["Section"] == "":
        where = " ".join(p for p in (where, text_cell("Commune", row["Commune"], zone)) if p)
    return [
        text_cell("Signalement", row["Signalement"], zone),
        text_cell("Signalé le", row["Signalé le"], zone),
        text_cell("Catégorie", row["Catégorie"], zone),
        status,
        text_cell("Clos le", row["Clos le"], zone),
        text_cell("Jours jusqu'à la clôture", row["Jours jusqu'à la clôture"], zone),
        text_cell("Adresse", row["Adresse"], zone),
        where,
    ]


def render_register_pdf(sheet: Sheet, *, issuer: str) -> bytes:
    """The register ``sheet`` (:func:`service.export.reports.report_sheet`) as an A4 PDF signed by ``issuer`` (the
    service's name); the caller refuses more than :data:`MAX_PRINTED` reports."""
    st = Styles()
    zone = sheet.timezone
    story: list[Flowable] = [para(sheet.title, st.title), para(sheet.subtitle, st.subtitle), Spacer(1, 2 * mm)]
    story.append(facts_table([(k, sheet.facts[k]) for k in FACTS if k in sheet.facts], st))
    lines = [_line(row, zone) for row in sheet.rows.to_dict("records")]
    if lines:
        table = data_table(
            [name for name, _w in COLUMNS], lines, st, widths=[w * mm for _n, w in COLUMNS], numeric=(5,)
        )
        table.setStyle([("LEFTPADDING", (0, 0), (-1, -1), PADDING), ("RIGHTPADDING", (0, 0), (-1, -1), PADDING)])
        story += section("Signalements, du plus ancien au plus récent", [table], st)
    story += [Spacer(1, 3 * mm), *bullets(sheet.notes, st)]
    return build(
        story,
        title=sheet.title,
        subject=sheet.facts.get("Filtres", ""),
        running_title=f"{sheet.title} — {sheet.facts.get('Filtres', '')}",
        zone=zone,
        issuer=issuer,
    )
