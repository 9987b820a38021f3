"""Export stage: one table, five files — the field pack of a plan, or an unordered list of sites to inspect.

Every writer is fed the same :class:`~service.export.sheet.Sheet` (rows with French headers and labels, places in
Lambert 72), so the same stops come out in the same order in every format:

- ``csv``: for Excel (``;``, UTF-8 with BOM, decimal comma) — :mod:`service.export.csv_file`;
- ``xlsx``: the table the officer fills in (dates, filters, links, a drop-down of outcomes) and imports back with
  ``hotspots ingest visits`` — :mod:`service.export.xlsx_file`;
- ``geojson``: stops, axes and routes for a GIS (WGS84, ISO 8601) — :mod:`service.export.geojson_file`;
- ``gpx``: waypoints, routes and axes for a GPS or a phone — :mod:`service.export.gpx_file`;
- ``pdf``: the printed job sheet with its overview map — :mod:`service.export.pdf_sheet`.

No personal data is ever exported from here; every export is written to the access log by the caller (API,
CLI). Text cells of CSV and XLSX go through :func:`service.cells.neutralise_formula`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from datetime import datetime
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from service.errors import InvalidValueError

if TYPE_CHECKING:
    import psycopg

    from service.export.pdf_sheet import load_sheet_background
    from service.export.print_background import PaperBackground
    from service.export.sheet import LIST_COLUMNS, PLAN_COLUMNS, Sheet, sheet_from_candidates, sheet_from_plan
    from service.settings import Settings

#: The writers and the sheet are loaded when first used: a command that only names its output file
#: (« hotspots rejects », « hotspots ingest ») does not wait for ReportLab, openpyxl and the print map's SciPy
#: (about 2 s of each run).
_LAZY = {
    "LIST_COLUMNS": "service.export.sheet",
    "PLAN_COLUMNS": "service.export.sheet",
    "Sheet": "service.export.sheet",
    "sheet_from_candidates": "service.export.sheet",
    "sheet_from_plan": "service.export.sheet",
    "load_sheet_background": "service.export.pdf_sheet",
    "PaperBackground": "service.export.print_background",
}


def __getattr__(name: str) -> Any:
    """The lazily loaded names of :data:`_LAZY`, from their own module."""
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


Format = Literal["csv", "xlsx", "geojson", "gpx", "pdf"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "geojson", "gpx", "pdf")
MEDIA: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpx": "application/gpx+xml",
    "pdf": "application/pdf",
}
SUFFIX: dict[str, str] = {f: f for f in FORMATS}
#: Formats that once existed, and what replaces them.
REPLACED = {"fiches": "pdf", "html": "pdf", "json": "geojson", "xls": "xlsx"}

__all__ = [
    "FORMATS",
    "LIST_COLUMNS",
    "MEDIA",
    "PLAN_COLUMNS",
    "SUFFIX",
    "Format",
    "PaperBackground",
    "Sheet",
    "load_sheet_background",
    "parse_formats",
    "render",
    "render_sheet",
    "sheet_from_candidates",
    "sheet_from_plan",
    "write_file",
    "write_files",
    "write_pack",
    "write_sheet_pack",
]


def check_format(name: str) -> Format:
    """``name`` as a format, or a French error listing the formats (and what replaced an old one)."""
    fmt = name.strip().lower().lstrip(".")
    if fmt in FORMATS:
        return fmt
    hint = f"Formats : {', '.join(FORMATS)}."
    if fmt in REPLACED:
        hint = f"Le format « {fmt} » est remplacé par « {REPLACED[fmt]} ». " + hint
    raise InvalidValueError(f"format inconnu : « {name} »", hint=hint)


def parse_formats(text: str | Iterable[str]) -> tuple[Format, ...]:
    """``"csv,xlsx,pdf"`` (or a list) → the formats in the order given, each once; a French error otherwise."""
    names = text.split(",") if isinstance(text, str) else list(text)
    out: list[Format] = []
    for name in names:
        if name.strip() and (fmt := check_format(name)) not in out:
            out.append(fmt)
    if not out:
        raise InvalidValueError("aucun format d'export demandé", hint=f"Formats : {', '.join(FORMATS)}.")
    return tuple(out)


def render(sheet: Sheet, fmt: Format | str, *, background: PaperBackground | None = None) -> bytes:
    """The bytes of ``sheet`` in ``fmt``. ``background`` (from :func:`load_sheet_background`) is drawn under the
    PDF's map; the other formats ignore it."""
    checked = check_format(fmt)
    if checked == "csv":
        from service.export.csv_file import render_csv

        return render_csv(sheet)
    if checked == "xlsx":
        from service.export.xlsx_file import render_xlsx

        return render_xlsx(sheet)
    if checked == "geojson":
        from service.export.geojson_file import render_geojson

        return render_geojson(sheet)
    if checked == "gpx":
        from service.export.gpx_file import render_gpx

        return render_gpx(sheet)
    from service.export.pdf_sheet import render_pdf

    return render_pdf(sheet, background=background)


def file_name(sheet: Sheet, fmt: Format) -> str:
    """``tournee_12.pdf``, ``sites_a_controler.csv``."""
    return f"{sheet.file_stem}.{SUFFIX[fmt]}"


def write_pack(
    sheet: Sheet,
    out_dir: Path,
    formats: str | Iterable[Format | str] = FORMATS,
    *,
    background: PaperBackground | None = None,
) -> list[Path]:
    """Write ``sheet`` in each format (``"csv,pdf"`` or a list) into ``out_dir`` (created when missing) and
    return the paths, in the order of ``formats``.

    Every file is made in memory first and each replaces its old version in one step: a failure leaves no
    half-written file and no half-written pack.
    """
    chosen = parse_formats(formats if isinstance(formats, str) else list(formats))
    return write_files(out_dir, [(file_name(sheet, fmt), render(sheet, fmt, background=background)) for fmt in chosen])


def write_files(out_dir: Path, contents: Iterable[tuple[str, bytes]]) -> list[Path]:
    """Write each ``(name, data)`` into ``out_dir`` (created when missing), each file replacing its old version in
    one step (:func:`write_file`); return the paths in order. Made in memory first by the caller, the files of a
    pack are written only once all of them could be made."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in contents:
        write_file(out_dir / name, data)
        paths.append(out_dir / name)
    return paths


def render_sheet(conn: psycopg.Connection[Any], settings: Settings, sheet: Sheet, fmt: Format) -> bytes:
    """The bytes of ``sheet`` in ``fmt``, a PDF with its map's streets and communes read from the database: what an
    export route and ``hotspots export`` send."""
    return render(sheet, fmt, background=_background(conn, settings, sheet) if fmt == "pdf" else None)


def write_sheet_pack(
    conn: psycopg.Connection[Any], settings: Settings, sheet: Sheet, out_dir: Path, formats: Iterable[Format]
) -> list[Path]:
    """:func:`write_pack` with the PDF's map background read from the database (only when a PDF is asked)."""
    chosen = list(formats)
    background = _background(conn, settings, sheet) if "pdf" in chosen else None
    return write_pack(sheet, out_dir, chosen, background=background)


def _background(conn: psycopg.Connection[Any], settings: Settings, sheet: Sheet) -> PaperBackground:
    """The PDF map's streets and communes (the print stack loaded only when a PDF is asked)."""
    from service.export.pdf_sheet import load_sheet_background

    return load_sheet_background(conn, settings, sheet)


def dated_name(stem: str, fmt: str, zone: str) -> str:
    """``suivi_permis_20261125.csv``: the day in the name keeps the files of successive days apart. The service's
    day (``zone``), not the machine's: a server kept in UTC named a list taken at 0:30 in Brussels after the day
    before."""
    return f"{stem}_{datetime.now(ZoneInfo(zone)):%Y%m%d}.{SUFFIX.get(fmt, fmt)}"


def names_folder(out: Path) -> bool:
    """Whether ``--out`` names a folder: one that exists, or a path without suffix (a file has one: ``sites.csv``)."""
    return out.is_dir() or not out.suffix


def file_or_folder(out: Path, name: str) -> Path:
    """Where a command writes when ``--out`` may be a file or a folder: ``name`` inside it when it names a folder
    (:func:`names_folder`), as the other ``--out`` of the commands take one, else ``out`` itself."""
    return out / name if names_folder(out) else out


def write_file(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step (a temporary file beside it, then a rename). A failure names
    ``path``, the file asked for, not the temporary one."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
