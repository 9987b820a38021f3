"""What every reader gives: the file's facts (size, SHA-256, encoding), the table source that serves its rows in
chunks of Arrow-backed strings, and the header checks every format shares."""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from service.errors import InputFileError
from service.numbers import SPACE, french_number

#: More columns than any export has: such a header is refused as a whole (a file that is not a table, or a
#: header line that swallowed the data).
MAX_COLUMNS = 1000
#: Column type of every chunk: Arrow-backed strings with NA for empty cells (no Python objects per cell).
STR = pd.StringDtype("pyarrow")
_BLOCK = 1 << 22
ProgressFn = Callable[[int], None]


@dataclass(frozen=True)
class FileFacts:
    """What one full pass over the bytes tells: size, SHA-256 and text encoding."""

    size: int
    sha256: str
    encoding: str | None  # None for binary formats
    has_bom: bool


def scan_file(path: Path, *, text: bool) -> FileFacts:
    """Hash the file and, for text, decide its encoding: UTF-8 (with or without BOM), else Windows-1252."""
    sha = hashlib.sha256()
    size = 0
    utf8_ok = text
    decoder = codecs.getincrementaldecoder("utf-8")()
    head = b""
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            if not head:
                head = block[:4]
            sha.update(block)
            size += len(block)
            if utf8_ok:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8_ok = False
        if utf8_ok:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8_ok = False
    if not text:
        return FileFacts(size, sha.hexdigest(), None, False)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return FileFacts(size, sha.hexdigest(), "utf-16", True)
    if utf8_ok:
        return FileFacts(size, sha.hexdigest(), "utf-8", head.startswith(codecs.BOM_UTF8))
    if _looks_mixed(path):
        raise InputFileError(
            f"{path.name} : encodage mixte (des lignes en UTF-8 et d'autres en Windows-1252) ; "
            "les accents seraient corrompus.",
            hint="Ouvrez le fichier dans un tableur et enregistrez-le en « CSV UTF-8 ».",
        )
    return FileFacts(size, sha.hexdigest(), "cp1252", False)


_UTF8_ACCENT = re.compile(rb"[\xc2\xc3][\x80-\xbf]")


def _looks_mixed(path: Path) -> bool:
    """Invalid UTF-8 that still holds UTF-8 encoded accents: part of the file was saved in another encoding."""
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            if _UTF8_ACCENT.search(block):
                return True
    return False


@dataclass
class TableSource:
    """A readable table: its headers, its format, and a way to iterate over it in chunks."""

    path: Path
    format: str
    headers: list[str]
    facts: FileFacts
    delimiter: str | None = None
    declared_crs: str | None = None
    #: Rows above the header (a title, blank rows) that were skipped, and the sheets of a workbook.
    rows_above: int = 0
    sheets: list[str] = field(default_factory=list)
    sheet: str | None = None  # the sheet read
    _chunks: Callable[[int, ProgressFn | None], Iterator[pd.DataFrame]] | None = field(default=None, repr=False)

    def chunks(self, size: int, progress: ProgressFn | None = None) -> Iterator[pd.DataFrame]:
        """The rows, ``size`` at a time; ``progress`` is told the bytes read so far."""
        assert self._chunks is not None
        yield from self._chunks(size, progress)


def served_whole(source: TableSource, frame: pd.DataFrame) -> TableSource:
    """``source`` read at once into ``frame``, served in chunks like a streamed file."""

    def chunks(size: int, progress: ProgressFn | None) -> Iterator[pd.DataFrame]:
        for start in range(0, len(frame), size):
            yield frame.iloc[start : start + size].reset_index(drop=True)
        if progress:
            progress(source.facts.size)

    source._chunks = chunks
    return source


def check_headers(headers: list[str], name: str) -> None:
    """Refuse a header that is empty, far too wide, or names a column twice, saying which."""
    if not any(headers):
        raise InputFileError(f"{name} : la ligne d'en-tête est vide.")
    if len(headers) > MAX_COLUMNS:
        count, maximum = french_number(len(headers), group=SPACE), french_number(MAX_COLUMNS, group=SPACE)
        raise InputFileError(
            f"{name} : en-tête trop long ({count} colonnes, au plus {maximum}).",
            hint="Ce n'est pas un export ordinaire : gardez les colonnes utiles, ou vérifiez le séparateur.",
        )
    seen: set[str] = set()
    doubles = sorted({h for h in headers if h in seen or seen.add(h)})  # type: ignore[func-returns-value]
    if doubles:
        raise InputFileError(
            f"{name} : colonnes en double dans l'en-tête : {', '.join(repr(d) for d in doubles)}.",
            hint="Renommez-les pour qu'elles soient uniques.",
        )
