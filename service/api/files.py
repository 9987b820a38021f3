"""Files the routes send to a browser: one way to name them and to say whether they open in place or download."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.responses import Response

from service.export import MEDIA, SUFFIX

#: Media types of the files the routes send: the export formats, and a digest's HTML page.
_MEDIA = {**MEDIA, "html": "text/html; charset=utf-8"}
#: Formats a browser shows in place (a sheet to print, a page to read); the others download.
_INLINE = frozenset({"pdf", "html"})


def dated_name(stem: str, fmt: str, zone: str) -> str:
    """``suivi_permis_20261125.csv``: the day in the name keeps the files of successive days apart. The service's
    day (``zone``), not the machine's: a server kept in UTC named a list taken at 0:30 in Brussels after the day
    before."""
    return f"{stem}_{datetime.now(ZoneInfo(zone)):%Y%m%d}.{SUFFIX.get(fmt, fmt)}"


def file_response(data: bytes, fmt: str, name: str) -> Response:
    """``data`` as a file named ``name``: a PDF or an HTML page opens in the browser, a spreadsheet, a CSV, a
    GeoJSON or a GPX downloads."""
    disposition = "inline" if fmt in _INLINE else "attachment"
    return Response(data, media_type=_MEDIA[fmt], headers={"Content-Disposition": f'{disposition}; filename="{name}"'})
