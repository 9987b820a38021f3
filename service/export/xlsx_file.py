"""XLSX the officer fills in: real date and number cells, frozen header, filters, a link per row to the site on
the map, and a drop-down list of the outcome labels in ``Résultat``.

The first sheet is the table (header on row 1, so ``hotspots ingest visits`` reads it back as it is); a second
sheet holds the title, facts, notes and the sites left out; a hidden third one the outcome list when it is too
long for an inline list.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from service.cells import neutralise_formula, workbook_bytes
from service.export.sheet import DATE_COLUMNS, FILL_IN, NUMBER_COLUMNS, Sheet
from service.export.values import DIGITS, INT_COLUMNS, day_alone, local_time, missing, records
from service.plan.model import left_out_why

DATE_NUMBER_FORMAT = "DD/MM/YYYY HH:MM"
DAY_NUMBER_FORMAT = "DD/MM/YYYY"
LINK_TEXT = "Voir sur la carte"
LISTS_SHEET = "Listes"
INFO_SHEET = "Informations"
#: Longest inline list Excel accepts in a validation formula (characters, quotes included).
INLINE_LIST_MAX = 255
#: Widest column (characters); long texts wrap.
MAX_WIDTH = {"Pourquoi": 60, "Calcul de la priorité": 48, "Lieu": 38, "Remarques": 40, "Agent": 16}
WRAP = ("Pourquoi", "Calcul de la priorité")

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_FILL_IN_HEADER = PatternFill("solid", fgColor="B7472A")
_FILL_IN_CELL = PatternFill("solid", fgColor="FFF2CC")


def _number_format(column: str) -> str | None:
    if column in DATE_COLUMNS:
        return DATE_NUMBER_FORMAT
    if column in INT_COLUMNS:
        return "0"
    if column in NUMBER_COLUMNS:
        digits = DIGITS.get(column, 2)
        return "0." + "0" * digits if digits else "0"
    return None


def _cell_value(column: str, value: Any, zone: str) -> Any:
    if missing(value):
        return None
    if column in DATE_COLUMNS:
        stamp = local_time(value, zone)
        return stamp.tz_localize(None).to_pydatetime() if stamp is not None else None
    return value


def _day_alone(column: str, value: Any, zone: str) -> bool:
    return column in DATE_COLUMNS and not missing(value) and day_alone(column, local_time(value, zone))


def _shown_length(column: str, value: Any) -> int:
    if missing(value):
        return 0
    if column in DATE_COLUMNS:
        return 16
    if column == "Lien carte":
        return len(LINK_TEXT)
    return len(str(value))


def _table(ws: Worksheet, sheet: Sheet) -> None:
    columns = list(sheet.rows.columns)
    rows = records(sheet)
    for j, name in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j, value=str(name))
        cell.font = _HEADER_FONT
        cell.fill = _FILL_IN_HEADER if name in FILL_IN else _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for i, row in enumerate(rows, start=2):
        for j, name in enumerate(columns, start=1):
            value = row[name]
            if name == "Lien carte" and value:
                cell = ws.cell(row=i, column=j, value=LINK_TEXT)
                cell.hyperlink = str(value)
                cell.style = "Hyperlink"
                continue
            cell = ws.cell(row=i, column=j, value=_cell_value(name, value, sheet.timezone))
            fmt = DAY_NUMBER_FORMAT if _day_alone(name, value, sheet.timezone) else _number_format(name)
            if fmt:
                cell.number_format = fmt
            if name in FILL_IN:
                cell.fill = _FILL_IN_CELL
            cell.alignment = Alignment(wrap_text=name in WRAP, vertical="top")
    for j, name in enumerate(columns, start=1):
        longest = max([len(str(name)) + 2] + [_shown_length(name, r[name]) + 2 for r in rows])
        ws.column_dimensions[get_column_letter(j)].width = min(max(longest, 8), MAX_WIDTH.get(name, 32))
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows), 1) + 1}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _outcome_list(wb: Workbook, ws: Worksheet, sheet: Sheet) -> None:
    """A drop-down list of the outcome labels on every row of ``Résultat`` (inline when short, else from a
    hidden sheet)."""
    columns = list(sheet.rows.columns)
    if "Résultat" not in columns or not sheet.outcome_labels:
        return
    labels = [str(neutralise_formula(label)) for label in sheet.outcome_labels]
    inline = '"' + ",".join(labels) + '"'
    if len(inline) <= INLINE_LIST_MAX and not any("," in label or '"' in label for label in labels):
        formula = inline
    else:
        lists = wb.create_sheet(LISTS_SHEET)
        for i, label in enumerate(labels, start=1):
            lists.cell(row=i, column=1, value=label)
        lists.sheet_state = "hidden"
        formula = f"{LISTS_SHEET}!$A$1:$A${len(labels)}"
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="stop",
        errorTitle="Résultat inconnu",
        error="Choisissez le résultat de la visite dans la liste.",
        promptTitle="Résultat de la visite",
        prompt="Choisissez dans la liste (laissez vide si le site n'a pas été visité).",
    )
    letter = get_column_letter(columns.index("Résultat") + 1)
    validation.add(f"{letter}2:{letter}{max(len(sheet.rows), 1) + 1}")
    ws.add_data_validation(validation)


def _info(ws: Worksheet, sheet: Sheet) -> None:
    ws.cell(row=1, column=1, value=sheet.title).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=sheet.subtitle)
    row = 4
    for key, value in sheet.facts.items():
        ws.cell(row=row, column=1, value=key).font = Font(bold=True)
        ws.cell(row=row, column=2, value=value)
        row += 1
    if sheet.notes:
        row += 1
        ws.cell(row=row, column=1, value="Remarques").font = Font(bold=True)
        for note in sheet.notes:
            row += 1
            ws.cell(row=row, column=1, value=note)
    dropped = sheet.dropped
    if dropped is not None and len(dropped):
        row += 2
        title = "Sites non retenus" if sheet.ordered else "Sites écartés"
        ws.cell(row=row, column=1, value=f"{title} ({len(dropped)})").font = Font(bold=True)
        row += 1
        why = left_out_why(dropped["Raison"]) if sheet.ordered and "Raison" in dropped else None
        if why:
            ws.cell(row=row, column=1, value=why)
            row += 1
        for j, name in enumerate(dropped.columns, start=1):
            ws.cell(row=row, column=j, value=str(name)).font = Font(bold=True)
        for values in dropped.itertuples(index=False):
            row += 1
            for j, value in enumerate(values, start=1):
                cell = ws.cell(row=row, column=j, value=_cell_value(str(dropped.columns[j - 1]), value, sheet.timezone))
                if isinstance(value, float):
                    cell.number_format = "0.00"
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 90


def render_xlsx(sheet: Sheet) -> bytes:
    """The workbook's bytes."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    # a list of its own (the register, referrals) is named on its tab as in its file name, not « Sites »
    ws.title = "Tournée" if sheet.ordered else sheet.name.capitalize() if sheet.name else "Sites"
    if "Annulée" in sheet.facts:  # the tab the workbook opens on says it too, in red (service/export/sheet.py)
        ws.title = "Tournée ANNULÉE"
        ws.sheet_properties.tabColor = "B00020"
    _table(ws, sheet)
    _outcome_list(wb, ws, sheet)
    _info(wb.create_sheet(INFO_SHEET, 1), sheet)
    wb.properties.title = sheet.title
    wb.properties.creator = "Hotspots"
    return workbook_bytes(wb)
