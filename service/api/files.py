"""Files the routes send to a browser: one way to name them and to say whether they open in place or download."""

from __future__ import annotations

from fastapi.responses import Response

from service.export import MEDIA, dated_name

__all__ = ["dated_name", "file_response"]

#: Media types of the files the routes send: the export formats, and a digest's HTML page.
_MEDIA = {**MEDIA, "html": "text/html; charset=utf-8"}
#: Formats a browser shows in place (a sheet to print, a page to read); the others download.
_INLINE = frozenset({"pdf", "html"})


def file_response(data: bytes, fmt: str, name: str) -> Response:
    """``data`` as a file named ``name``: a PDF or an HTML page opens in the browser, a spreadsheet, a CSV, a
    GeoJSON or a GPX downloads."""
    disposition = "inline" if fmt in _INLINE else "attachment"
    return Response(data, media_type=_MEDIA[fmt], headers={"Content-Disposition": f'{disposition}; filename="{name}"'})
