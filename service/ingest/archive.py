"""Workbooks are zip archives: what an XLSX would expand to is checked before a single XML byte is parsed.

A 1.2 MB workbook can hold shared strings that expand to a gigabyte (openpyxl keeps the whole shared-strings
table in memory, even in read-only mode), or a sheet that expands to several gigabytes (streamed, but minutes
of processor time before anything is refused). The archive's directory states each member's size; Python's
zipfile never inflates a member past its stated size (a member that lies fails its CRC check instead), so the
stated sizes bound what reading can cost. Refused at once:

* more members than any spreadsheet has (each one costs memory before anything is read);
* a total expanded size above ``xlsx_max_uncompressed_mb``;
* a member of some size that expands more than ``xlsx_max_ratio`` times (ordinary sheets: 5 to 20 times);
* shared strings above ``xlsx_max_shared_strings_mb`` (held whole in memory while the sheet is read).
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from service.errors import InputFileError
from service.numbers import SPACE, french_number
from service.settings import Settings

#: Members smaller than this are not held to the ratio (tiny XML parts compress very well and cost nothing).
RATIO_FROM_BYTES = 1 << 20
#: More members than this is not a spreadsheet (one per sheet, drawing, image... a real workbook has dozens).
MAX_MEMBERS = 10_000
_EOCD = b"PK\x05\x06"
_EOCD64 = b"PK\x06\x06"


@dataclass(frozen=True)
class ArchiveLimits:
    """The limits of :mod:`service.ingest.archive` (defaults: those of :class:`~service.settings.Settings`)."""

    max_uncompressed_mb: int = 1000
    max_ratio: float = 100.0
    max_shared_strings_mb: int = 100

    @classmethod
    def of(cls, settings: Settings) -> ArchiveLimits:
        """The limits of the settings."""
        return cls(settings.xlsx_max_uncompressed_mb, settings.xlsx_max_ratio, settings.xlsx_max_shared_strings_mb)


def _mb(size: float) -> str:
    return french_number(size / (1 << 20), group=SPACE)


def _members_stated(path: Path) -> int | None:
    """How many members the archive's end record announces, read before the directory itself (None: unknown)."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - (1 << 16) - 22))
        tail = fh.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) < at + 22:
        return None
    count = int(struct.unpack_from("<H", tail, at + 10)[0])
    if count == 0xFFFF:  # zip64: the count is in the zip64 end record, just before
        at64 = tail.rfind(_EOCD64, 0, at)
        if at64 < 0 or len(tail) < at64 + 40:
            return None
        count = int(struct.unpack_from("<Q", tail, at64 + 32)[0])
    return count


def _refuse(path: Path, what: str, hint: str) -> InputFileError:
    return InputFileError(f"{path.name} : classeur refusé : {what}.", hint=hint)


def check_workbook(path: Path, limits: ArchiveLimits, *, kind: str = "XLSX") -> None:
    """Refuse a workbook whose archive would cost more to read than ``limits`` allow (nothing is inflated here);
    ``kind``: the workbook's format as a person knows it (« XLSX », « OpenDocument (.ods) »…)."""
    raise_hint = (
        "Si le fichier est bien un export ordinaire, enregistrez-le en CSV ; un administrateur peut aussi relever "
        "la limite (HOTSPOTS_XLSX_MAX_UNCOMPRESSED_MB, HOTSPOTS_XLSX_MAX_RATIO, HOTSPOTS_XLSX_MAX_SHARED_STRINGS_MB)."
    )
    stated = _members_stated(path)
    if stated is not None and stated > MAX_MEMBERS:
        raise _refuse(path, f"{stated} éléments dans l'archive (au plus {MAX_MEMBERS})", raise_hint)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputFileError(
            f"{path.name} : classeur {kind} illisible ou endommagé ({type(exc).__name__}: {exc}).",
            hint="Ouvrez-le dans un tableur et enregistrez-le à nouveau (.xlsx, .ods), ou exportez-le en CSV.",
        ) from exc
    if len(members) > MAX_MEMBERS:
        raise _refuse(path, f"{len(members)} éléments dans l'archive (au plus {MAX_MEMBERS})", raise_hint)
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= RATIO_FROM_BYTES and ratio > limits.max_ratio:
            raise _refuse(
                path,
                f"« {member.filename} » se décompresse {french_number(ratio, group=SPACE)} fois "
                f"({_mb(member.file_size)} Mo pour {french_number(member.compress_size, group=SPACE)} octets ; au plus "
                f"{french_number(limits.max_ratio, group=SPACE, trim=True, digits=2)} fois) : ce n'est pas un export "
                "ordinaire",
                raise_hint,
            )
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed_mb << 20:
        raise _refuse(
            path, f"{_mb(total)} Mo une fois décompressé (au plus {limits.max_uncompressed_mb} Mo)", raise_hint
        )
    shared = sum(m.file_size for m in members if m.filename.lower().endswith("sharedstrings.xml"))
    if shared > limits.max_shared_strings_mb << 20:
        raise _refuse(
            path,
            f"textes partagés de {_mb(shared)} Mo une fois décompressés (au plus {limits.max_shared_strings_mb} Mo)",
            raise_hint,
        )
