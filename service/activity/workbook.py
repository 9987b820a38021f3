"""The activity report as an XLSX workbook: one sheet per table, real number cells (counts, percentages, days),
the windows compared written above each table, so that an analyst pastes the figures into the zone's report."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from service.activity.figures import QUICK_DAYS, Window, Windows, missing
from service.activity.report import DIMENSIONS, Activity
from service.cells import workbook_bytes

COUNT = "#,##0"
SHARE = "0%"
CHANGE = "+0%;-0%;0%"
DAYS = "0.0"
P_VALUE = "0.000"
RATIO = "0.00"
DAY = "DD/MM/YYYY"

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
#: Rows above a table: the title, the windows, a blank line; the header comes next.
HEADER_ROW = 4

#: The columns of a compared table: heading, field, number format.
_COMPARED = (
    ("Période", "n", COUNT),
    ("Période précédente", "n_prev", COUNT),
    ("Un an plus tôt", "n_year", COUNT),
    ("Évolution sur un an", "evolution", CHANGE),
    ("Écart significatif", "significatif", None),
    ("p ajusté", "p_ajuste", P_VALUE),
)
_FOLLOW_UP = (
    ("Catégorie", "libelle", None),
    ("Signalements", "n", COUNT),
    ("Suivis d'une visite", "visites", COUNT),
    ("Part suivie", "part_visitee", SHARE),
    ("Délai médian (jours)", "delai_median_j", DAYS),
    (f"Visités en {QUICK_DAYS} jours", "part_7_jours", SHARE),
    ("Clos", "clos", COUNT),
    ("Part close", "part_close", SHARE),
    ("Clos à une date connue", "clos_dates", COUNT),
    ("Délai médian de clôture (jours)", "cloture_mediane_j", DAYS),
)
_ACTIONS = (
    ("Lieu", "lieu", None),
    ("Libellé", "libelle", None),
    ("Catégorie", "categorie", None),
    ("Action", "mesure", None),
    ("Date", "action", DAY),
    ("Jours comptés de chaque côté", "jours", COUNT),
    ("Avant", "avant", COUNT),
    ("Après", "apres", COUNT),
    ("Évolution du lieu", "evolution", CHANGE),
    ("Évolution du reste de la zone", "evolution_temoin", CHANGE),
    ("Rapport des évolutions", "rapport", RATIO),
    ("p ajusté", "p_ajuste", P_VALUE),
    ("Verdict", "verdict", None),
)
_UNITS = {"nombre": COUNT, "part": SHARE, "jours": DAYS}


def window_words(window: Window, zone: str) -> str:
    """``01/01/2026 – 02/12/2026`` (the last day included), in days of ``zone`` (the service's time zone)."""
    first = window.start.tz_convert(zone)
    last = (window.end - pd.Timedelta(microseconds=1)).tz_convert(zone)
    return f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"


def title_of(windows: Windows) -> str:
    """« Bilan d'activité — 2026 (en cours, au 02/12/2026) »."""
    text = f"Bilan d'activité — {windows.period.label}"
    if windows.in_progress:
        text += f" (en cours, au {window_words(windows.now, windows.period.zone).split(' – ')[1]})"
    return text


def comparison_words(windows: Windows) -> str:
    """What is compared with what, and what is missing."""
    zone = windows.period.zone
    text = f"Période {window_words(windows.now, zone)} ; "
    if not windows.previous_is_year_before:
        text += f"précédente {window_words(windows.previous, zone)} ; "
    text += f"un an plus tôt {window_words(windows.year_before, zone)}."
    if not windows.year_complete:
        text += " Pas de signalement enregistré dès le début de l'année précédente : pas d'évolution sur un an."
    return text


def render_workbook(activity: Activity) -> bytes:
    """The workbook's bytes."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Synthèse"
    compared = tuple(c for c in _COMPARED if c[1] != "n_prev" or not activity.windows.previous_is_year_before)
    summary = (("Indicateur", "indicateur", None), *compared[: 4 if len(compared) == len(_COMPARED) else 3])
    _sheet(ws, activity.windows, activity.summary, summary, units=True)
    for dimension, heading in DIMENSIONS.items():
        table = activity.by[dimension]
        _sheet(wb.create_sheet(f"{heading}s"), activity.windows, table, ((heading, "libelle", None), *compared))
    _sheet(wb.create_sheet("Visites"), activity.windows, activity.visits, (("Résultat", "libelle", None), *compared))
    _sheet(wb.create_sheet("Suivi"), activity.windows, activity.follow_up, _FOLLOW_UP)
    _sheet(wb.create_sheet("Actions"), activity.windows, activity.actions, _ACTIONS)
    return workbook_bytes(wb)


def _sheet(
    ws: Worksheet,
    windows: Windows,
    table: pd.DataFrame,
    columns: tuple[tuple[str, str, str | None], ...],
    *,
    units: bool = False,
) -> None:
    ws.cell(row=1, column=1, value=title_of(windows)).font = Font(bold=True, size=13)
    ws.cell(row=2, column=1, value=comparison_words(windows))
    for j, (heading, _field, _fmt) in enumerate(columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=j, value=heading)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    longest = [0] * len(columns)  # the longest words of each column (a label, a verdict)
    for i, row in enumerate(table.to_dict(orient="records"), start=HEADER_ROW + 1):
        for j, (_heading, field, fmt) in enumerate(columns, start=1):
            value = _value(field, row.get(field), row, windows.period.zone)
            cell = ws.cell(row=i, column=j, value=value)
            number_format = _UNITS.get(str(row.get("unite")), fmt) if units and field == "n" else fmt
            if number_format and isinstance(value, int | float | date):
                cell.number_format = number_format
            if isinstance(value, str):
                longest[j - 1] = max(longest[j - 1], len(value))
    for j, (heading, _field, _fmt) in enumerate(columns, start=1):
        words = min(40, longest[j - 1] + 2)  # read whole up to 40 characters, then wrapped by the reader
        ws.column_dimensions[get_column_letter(j)].width = 40 if j == 1 else max(12, len(heading) + 2, words)
    ws.row_dimensions[HEADER_ROW].height = 30
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4


def _value(field: str, value: Any, row: dict[str, Any], zone: str) -> Any:
    if field == "significatif":
        return "—" if missing(row.get("p_ajuste")) else ("oui" if value else "non")
    if missing(value):
        return None
    if isinstance(value, str):
        return value  # a text a spreadsheet would run is quoted on saving (service.cells.workbook_bytes)
    if isinstance(value, pd.Timestamp):  # a day of the service (a cell holds no time zone)
        return value.tz_convert(zone).date()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
