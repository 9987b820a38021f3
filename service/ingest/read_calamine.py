"""OpenDocument (.ods), Excel 97–2003 (.xls) and Excel binary (.xlsb) workbooks, read with python-calamine.

Belgian administrations save in the OpenDocument format (the federal standard, LibreOffice's own), and older
registers still export .xls. Both were refused (« enregistrez le fichier en .xlsx ou en .csv »): a step for a
person, and each time a chance to lose the dates' format. calamine reads both (and has no XML entity or macro to
run); a sheet is read whole into memory, which such registers afford. The sheet, the header below a title and
the row numbers are found as for an XLSX workbook, and an .ods archive is checked against the same limits first.
Some offices save large registers as Excel's binary workbook (.xlsb, smaller and faster for Excel): openpyxl
cannot read it, calamine does, and its archive is checked the same way.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd

from service.errors import InputFileError
from service.ingest.archive import ArchiveLimits, check_workbook
from service.ingest.header import MAX_ROWS_ABOVE, sheet_header
from service.ingest.rows import sheet_frames
from service.ingest.source import ProgressFn, TableSource, check_headers, scan_file

NAMES = {"ods": "OpenDocument (.ods)", "xls": "Excel 97–2003 (.xls)", "xlsb": "Excel binaire (.xlsb)"}
#: The formats read here; the zipped ones are checked as an XLSX archive first.
CALAMINE_FORMATS = tuple(NAMES)
_ZIPPED = ("ods", "xlsb")
_RESAVE = "Ouvrez-le dans un tableur et enregistrez-le à nouveau (.ods, .xlsx), ou exportez-le en CSV."


def _workbook(path: Path, fmt: str) -> Any:
    import python_calamine as calamine

    try:
        if path.suffix.lower() != f".{fmt}":  # calamine picks its reader by the name: a renamed file by its bytes
            return calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
        return calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError as exc:
        raise InputFileError(
            f"{path.name} : classeur {NAMES[fmt]} protégé par un mot de passe.",
            hint="Ouvrez-le avec son mot de passe dans un tableur, enregistrez-le sans protection, puis importez-le.",
        ) from exc
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError, OSError, ValueError) as exc:
        raise InputFileError(
            f"{path.name} : classeur {NAMES[fmt]} illisible ou endommagé ({exc}).", hint=_RESAVE
        ) from exc


def open_calamine(path: Path, fmt: str, *, sheet: str | None, limits: ArchiveLimits) -> TableSource:
    """An .ods, .xls or .xlsb workbook as a table source (``fmt``: ``ods``, ``xls`` or ``xlsb``)."""
    facts = scan_file(path, text=False)
    if fmt in _ZIPPED:
        check_workbook(path, limits, kind=NAMES[fmt])  # a zip archive, as an XLSX: what it expands to, before reading
    book = _workbook(path, fmt)
    try:
        names = list(book.sheet_names)
        if sheet is not None and sheet not in names:
            raise InputFileError(f"{path.name} : pas de feuille {sheet!r}.", hint=f"Feuilles : {', '.join(names)}.")
        first = {
            name: [tuple(row) for row in islice(book.get_sheet_by_name(name).iter_rows(), 4 * MAX_ROWS_ABOVE)]
            for name in ([sheet] if sheet else names)
        }
    except InputFileError:
        raise
    except Exception as exc:  # calamine's errors while reading a sheet: a damaged file
        raise InputFileError(f"{path.name} : classeur {NAMES[fmt]} endommagé ({exc}).", hint=_RESAVE) from exc
    finally:
        book.close()
    title, header_at, header_row = sheet_header(first, path.name)
    width = max(i for i, v in enumerate(header_row) if v is not None and str(v).strip()) + 1
    headers = [str(v).strip() if str(v).strip() else f"colonne_{i + 1}" for i, v in enumerate(header_row[:width])]
    check_headers(headers, path.name)
    source = TableSource(path, fmt, headers, facts, rows_above=header_at - 1, sheets=names, sheet=title)
    source._chunks = lambda size, progress: _chunks(path, fmt, title, header_at, headers, size, progress)
    return source


def _chunks(
    path: Path, fmt: str, title: str, header_at: int, headers: list[str], size: int, progress: ProgressFn | None
) -> Iterator[pd.DataFrame]:
    """The rows below the header, ``size`` at a time, numbered as the spreadsheet shows them."""
    book = _workbook(path, fmt)
    try:
        rows = enumerate(book.get_sheet_by_name(title).iter_rows(), 1)
        yield from sheet_frames(((n, values) for n, values in rows if n > header_at), headers, size)
    finally:
        book.close()
    if progress:
        progress(path.stat().st_size)
