"""The service's activity report (« bilan d'activité ») for a month, a quarter or a year: the reports per category,
commune and source, the visits per outcome, how fast reports were followed by a visit and the shifts done, each
beside the period before and the same period a year earlier, with the changes that chance alone would rarely give.
No personal data: counts only. Read by :func:`read_activity`, written by :func:`render_workbook` (XLSX) and
:func:`render_pdf` (the printed report). Whether an action at a place worked: :mod:`service.activity.effect`."""

from service.activity.printed import render_pdf
from service.activity.report import Activity, activity_json, read_activity
from service.activity.workbook import render_workbook

__all__ = ["Activity", "activity_json", "read_activity", "render_pdf", "render_workbook"]
