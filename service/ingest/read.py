"""Read input files as streams of string DataFrames, whatever their format.

Every reader yields chunks of Arrow-backed string columns (NA for empty cells) named as in the file, plus
``_row`` (the row number a person sees: the header is row 1 in CSV and XLSX, features count from 1 in JSON).
Geometries of GeoJSON features and of GIS files (GeoPackage, Shapefile…: :mod:`service.ingest.read_gis`) arrive as
``_geom_x`` / ``_geom_y`` / ``_geom_value`` / ``_geom_error`` columns. Large CSV and
XLSX files stream in chunks; JSON documents are read whole.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from service.errors import InputFileError
from service.ingest.archive import ArchiveLimits, check_workbook
from service.ingest.header import MAX_ROWS_ABOVE, header_index, sheet_header
from service.ingest.open311_xml import looks_like_xml
from service.ingest.read_calamine import CALAMINE_FORMATS, open_calamine
from service.ingest.read_gis import GIS_FORMATS, GIS_SUFFIXES, open_gis
from service.ingest.read_json import open_json, too_nested
from service.ingest.rows import exact_frame, sheet_frames
from service.ingest.source import (
    MAX_COLUMNS,
    STR,
    FileFacts,
    ProgressFn,
    TableSource,
    check_headers,
    scan_file,
    served_whole,
)
from service.text import counted

FORMATS = ("csv", "xlsx", "xlsb", "ods", "xls", "geojson", "open311", *GIS_FORMATS)
#: How far the first line of a CSV is read to find its end (a header longer than this is refused).
MAX_HEADER_BYTES = 32 << 20
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


def _binary_workbook(path: Path) -> bool:
    """Whether a zip archive is an Excel binary workbook (``xl/workbook.bin``), whatever its name says."""
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.bin" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def detect_format(path: Path) -> str:
    """Guess the format from the extension and the first bytes."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    suffix = path.suffix.lower()
    if suffix in GIS_SUFFIXES:
        return GIS_SUFFIXES[suffix]  # a GeoPackage is an SQLite file, a zipped shapefile starts as a workbook does
    if head.startswith(_OLE) or suffix == ".xls":
        return "xls"  # Excel 97–2003 (a compound document)
    if (head.startswith(b"PK\x03\x04") and _ODS_MIME in head[:100]) or suffix == ".ods":
        return "ods"  # OpenDocument: its first member, stored, is « mimetype »
    if suffix == ".xlsb" or (head.startswith(b"PK\x03\x04") and _binary_workbook(path)):
        return "xlsb"  # Excel's binary workbook: its sheets are « .bin » members, not XML
    if head.startswith(b"PK\x03\x04") or suffix in {".xlsx", ".xlsm"}:
        return "xlsx"
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if looks_like_xml(head) and (suffix == ".xml" or b"<service_requests" in head or b"<services" in head):
        return "open311"  # GeoReport v2's XML form
    if suffix in {".geojson", ".json"} or stripped[:1] in (b"{", b"["):
        if stripped[:1] == b"[" or b'"service_request_id"' in head or b'"service_requests"' in head:
            return "open311"
        if suffix == ".geojson" or b'"FeatureCollection"' in head or b'"features"' in head:
            return "geojson"
        if suffix == ".json":
            return "open311"
    return "csv"


def _empty_as_na(values: pd.Series) -> pd.Series:
    """Text values with the empty ones as NA, as a CSV reader gives them."""
    array = pa.array(values.astype(STR).array)
    kept = pc.if_else(pc.equal(array, ""), pa.scalar(None, array.type), array)
    return pd.Series(pd.arrays.ArrowStringArray(kept), index=pd.RangeIndex(len(values)), copy=False)


def table_source(frame: pd.DataFrame, name: str) -> TableSource:
    """An in-memory table of text columns (records sent one by one) as a source named ``name``.

    It reads as the same rows written to a CSV file would (UTF-8, comma): rows numbered from 2 (the header is
    row 1), empty texts as NA; its size and SHA-256, kept with the batch, are that file's. Nothing is written.
    """
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False):
        writer.writerow(["" if pd.isna(v) else v for v in row])
    data = text.getvalue().encode("utf-8")
    facts = FileFacts(len(data), hashlib.sha256(data).hexdigest(), "utf-8", False)
    columns: dict[str, Any] = {str(c): _empty_as_na(frame[c]) for c in frame.columns}
    rows = pd.DataFrame({**columns, "_row": range(2, len(frame) + 2)}, index=pd.RangeIndex(len(frame)))
    return served_whole(TableSource(Path(name), "csv", [str(c) for c in frame.columns], facts, delimiter=","), rows)


def open_table(
    path: Path,
    *,
    fmt: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    limits: ArchiveLimits | None = None,
) -> TableSource:
    """Open ``path`` for reading; refuse at once what cannot be read, with the reason (``limits``: what a workbook
    may expand to, see :mod:`service.ingest.archive`)."""
    if not path.exists():
        raise InputFileError(f"Fichier introuvable : {path}", hint="Vérifiez le chemin et le nom du fichier.")
    if path.is_dir():
        raise InputFileError(f"{path} est un dossier, pas un fichier.")
    if path.stat().st_size == 0:
        raise InputFileError(f"{path.name} : le fichier est vide (0 octet).", hint="Vérifiez l'export.")
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise InputFileError(f"Format inconnu : {fmt!r}.", hint=f"Formats possibles : {', '.join(FORMATS)}.")
    if fmt == "csv":
        return _open_csv(path, delimiter=delimiter, encoding=encoding)
    if fmt == "xlsx":
        return _open_xlsx(path, sheet=sheet, limits=limits or ArchiveLimits())
    if fmt in CALAMINE_FORMATS:
        return open_calamine(path, fmt, sheet=sheet, limits=limits or ArchiveLimits())
    if fmt in GIS_FORMATS:
        return open_gis(path, fmt, layer=sheet)
    try:
        return open_json(path, fmt)
    except RecursionError as exc:  # json.load and json.dumps recurse once per level
        raise too_nested(path) from exc


# -- CSV -------------------------------------------------------------------------------------------------------
def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _open_csv(path: Path, *, delimiter: str | None, encoding: str | None) -> TableSource:
    facts = scan_file(path, text=True)
    enc = encoding or facts.encoding or "utf-8"
    with path.open("rb") as fh:
        sample = fh.read(1 << 16)
    if b"\x00" in sample and not enc.startswith("utf-16"):
        raise InputFileError(
            f"{path.name} : le fichier contient des octets nuls ; ce n'est pas un fichier texte CSV.",
            hint="Exportez les données en CSV (UTF-8 ou Windows-1252) ou en XLSX.",
        )
    try:
        text = sample.decode(enc, errors="ignore" if len(sample) == 1 << 16 else "strict")
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputFileError(f"{path.name} : encodage {enc} illisible ({exc}).") from exc
    text = text.lstrip("\ufeff")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise InputFileError(f"{path.name} : le fichier ne contient aucune ligne.", hint="Vérifiez l'export.")
    first, skip = lines[0], 0
    if len(sample) == 1 << 16 and not enc.startswith("utf-16") and not re.search(rb"[\r\n]", sample):
        first = _whole_first_line(path, enc)  # the sample ends inside the first line: read all of it
    else:
        skip, first = _header_below_titles(text.splitlines(), delimiter) or (0, first)
    sep = delimiter or _sniff_delimiter(first)
    headers = next(csv.reader([first], delimiter=sep))
    headers = [h.strip() for h in headers]
    if any(headers):  # Excel writes ";;" after the last titled column: those columns are named as in a workbook
        headers = [h or f"colonne_{i + 1}" for i, h in enumerate(headers)]
    check_headers(headers, path.name)
    below = [ln for ln in text.splitlines()[skip + 1 :] if ln.strip()] if skip else lines[1:]
    if not below and len(sample) < (1 << 16):
        raise InputFileError(f"{path.name} : seulement une ligne d'en-tête, aucune donnée.", hint="Vérifiez l'export.")
    source = TableSource(path, "csv", headers, facts, delimiter=sep, rows_above=skip)
    source._chunks = lambda size, progress: _csv_chunks(path, headers, sep, enc, facts, size, progress, skip)
    return source


def _header_below_titles(raw_lines: list[str], delimiter: str | None) -> tuple[int, str] | None:
    """The header line and how many lines stand above it (a title line, blank lines), when some do; None when
    the header is the first line (see :mod:`service.ingest.header`)."""

    def fields(line: str) -> list[str]:
        return next(csv.reader([line], delimiter=delimiter or _sniff_delimiter(line))) if line.strip() else []

    index = header_index(fields(line) for line in raw_lines[: 4 * MAX_ROWS_ABOVE])
    return (index, raw_lines[index]) if index else None


def _whole_first_line(path: Path, enc: str) -> str:
    """The first line of a CSV, however long (up to :data:`MAX_HEADER_BYTES`), decoded."""
    with path.open("rb") as fh:
        raw = fh.readline(MAX_HEADER_BYTES)
    if len(raw) == MAX_HEADER_BYTES and not raw.endswith((b"\n", b"\r")):
        raise InputFileError(
            f"{path.name} : en-tête trop long (plus de {MAX_HEADER_BYTES >> 20} Mo sur une seule ligne, "
            f"au plus {MAX_COLUMNS} colonnes).",
            hint="Ce n'est pas un tableau CSV ordinaire : vérifiez l'export (séparateur de lignes, format).",
        )
    return raw.decode(enc, errors="replace").lstrip("\ufeff").rstrip("\r\n")


class _BadRowFoundError(Exception):
    pass


def _csv_chunks(
    path: Path,
    headers: list[str],
    sep: str,
    enc: str,
    facts: FileFacts,
    size: int,
    progress: ProgressFn | None,
    skip: int = 0,
) -> Iterator[pd.DataFrame]:
    """Fast path with pyarrow; on the first row with a wrong field count, restart with the exact csv reader. A file
    with ``skip`` lines above its header (a title) is read by the exact reader, which numbers lines as they are."""
    if skip:
        yield from _csv_chunks_exact(path, headers, sep, enc, size, progress, skip)
        return
    try:
        yield from _csv_chunks_arrow(path, headers, sep, enc, facts, size, progress)
    except _BadRowFoundError:
        yield from _csv_chunks_exact(path, headers, sep, enc, size, progress)


def _csv_chunks_arrow(
    path: Path, headers: list[str], sep: str, enc: str, facts: FileFacts, size: int, progress: ProgressFn | None
) -> Iterator[pd.DataFrame]:
    def on_bad_row(_row: Any) -> str:
        return "error"  # arrow then raises ArrowInvalid, caught below

    # Arrow numbers rows exactly only while every record has the header's width (an empty line does not):
    # the first odd record sends the whole file to the exact reader.
    read_opts = pacsv.ReadOptions(
        column_names=[f"c{i}" for i in range(len(headers))],
        skip_rows=1,
        block_size=1 << 23,
        encoding="utf8" if enc in {"utf-8", "utf8"} else enc,
    )
    parse_opts = pacsv.ParseOptions(
        delimiter=sep, newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=on_bad_row
    )
    convert_opts = pacsv.ConvertOptions(
        column_types={f"c{i}": pa.string() for i in range(len(headers))},
        strings_can_be_null=True,
        null_values=[""],
        quoted_strings_can_be_null=True,
    )
    try:
        reader = pacsv.open_csv(path, read_options=read_opts, parse_options=parse_opts, convert_options=convert_opts)
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):
            raise InputFileError(f"{path.name} : seulement une ligne d'en-tête, aucune donnée.") from exc
        raise _BadRowFoundError from exc
    row = 2
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    done_bytes = 0

    def flush() -> pd.DataFrame:
        nonlocal row
        table = pa.Table.from_batches(pending)
        frame = table.to_pandas(types_mapper=lambda t: STR if t == pa.string() else None)
        frame.columns = headers
        frame["_row"] = range(row, row + len(frame))
        row += len(frame)
        return frame

    try:
        for batch in reader:
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= size:
                frame = flush()
                pending, pending_rows = [], 0
                done_bytes = min(facts.size, int(facts.size * (row - 2) / max(row - 1, 1)))
                if progress:
                    progress(done_bytes)
                yield frame
    except pa.ArrowInvalid as exc:
        raise _BadRowFoundError from exc
    if pending:
        yield flush()
    if progress:
        progress(facts.size)


def _csv_chunks_exact(
    path: Path, headers: list[str], sep: str, enc: str, size: int, progress: ProgressFn | None, skip: int = 0
) -> Iterator[pd.DataFrame]:
    """The exact reader: Python's csv module, one record at a time, rows of the wrong width kept as such; the
    ``skip`` lines above the header are passed over."""
    width = len(headers)
    with path.open("r", encoding=enc, newline="", errors="strict") as fh:
        if enc.startswith("utf-8"):
            first = fh.read(1)
            if first != "\ufeff":
                fh.seek(0)
        reader = csv.reader(fh, delimiter=sep)
        for _ in range(skip + 1):
            next(reader, None)
        rows: list[list[str | None]] = []
        numbers: list[int] = []
        bad: list[str | None] = []
        record = 1 + skip
        for rec in reader:
            record += 1
            if not rec or all(not v.strip() for v in rec):
                continue
            if len(rec) != width:
                bad.append(f"{counted(len(rec), 'champ')} au lieu de {width}")
                if len(rec) < width:
                    rec = [*rec, *[""] * width][:width]
                else:
                    rec = [*rec[: width - 1], sep.join(rec[width - 1 :])]
            else:
                bad.append(None)
            rows.append([v if v != "" else None for v in rec])
            numbers.append(record)
            if len(rows) >= size:
                yield exact_frame(rows, numbers, bad, headers)
                rows, numbers, bad = [], [], []
                if progress:
                    progress(fh.buffer.tell())  # type: ignore[attr-defined]
        if rows:
            yield exact_frame(rows, numbers, bad, headers)


# -- XLSX ------------------------------------------------------------------------------------------------------
def _open_xlsx(path: Path, *, sheet: str | None, limits: ArchiveLimits) -> TableSource:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    facts = scan_file(path, text=False)
    check_workbook(path, limits)  # before any XML is parsed: what the archive would expand to
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputFileError(
            f"{path.name} : classeur XLSX illisible ou endommagé ({type(exc).__name__}: {exc}).",
            hint="Ouvrez-le dans un tableur et enregistrez-le à nouveau en .xlsx, ou exportez-le en CSV.",
        ) from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputFileError(
                f"{path.name} : pas de feuille {sheet!r}.", hint=f"Feuilles : {', '.join(book.sheetnames)}."
            )
        title, header_at, header_row = _sheet_and_header(book, sheet, path.name)
        sheets = list(book.sheetnames)
    finally:
        book.close()
    width = max(i for i, v in enumerate(header_row) if v is not None and str(v).strip()) + 1
    headers = [str(v).strip() if v is not None else f"colonne_{i + 1}" for i, v in enumerate(header_row[:width])]
    check_headers(headers, path.name)
    source = TableSource(path, "xlsx", headers, facts, rows_above=header_at - 1, sheets=sheets, sheet=title)
    source._chunks = lambda size, progress: _xlsx_chunks(path, title, header_at, headers, size, progress)
    return source


def _first_rows(ws: Any) -> list[tuple[Any, ...]]:
    """The first rows of a sheet, enough to find its header below a title and blank rows."""
    rows: list[tuple[Any, ...]] = []
    for values in ws.iter_rows(values_only=True):
        rows.append(tuple(values or ()))
        if len(rows) >= 4 * MAX_ROWS_ABOVE:
            break
    return rows


def _sheet_and_header(book: Any, sheet: str | None, name: str) -> tuple[str, int, tuple[Any, ...]]:
    """(sheet title, 1-based row of the header, header values) of an openpyxl workbook: see :func:`sheet_header`."""
    candidates = [book[sheet]] if sheet else list(book.worksheets)
    return sheet_header({ws.title: _first_rows(ws) for ws in candidates}, name)


def _xlsx_chunks(
    path: Path, title: str, header_at: int, headers: list[str], size: int, progress: ProgressFn | None
) -> Iterator[pd.DataFrame]:
    """The rows below the header of sheet ``title``, ``size`` at a time, numbered as the spreadsheet shows them."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = enumerate(wb[title].iter_rows(min_row=header_at + 1, values_only=True), header_at + 1)
        yield from sheet_frames(rows, headers, size)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputFileError(f"{path.name} : classeur XLSX endommagé en cours de lecture ({exc}).") from exc
    finally:
        wb.close()
    if progress:
        progress(path.stat().st_size)
