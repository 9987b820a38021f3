"""The sections of the zone's communes (the former communes merged in 1977: Ougrée, Jemeppe, Boncelles…), which
people write in addresses and the service groups by, but which the ICAR register does not name.

They come from a small table (``geodata/sections_seraing_neupre.csv``, or ``HOTSPOTS_SECTIONS_FILE`` for another
zone): one row per name people write, with its commune and postcodes; a short form (« Jemeppe ») names its full
name. A postcode that only one section uses names that section on every address of the postcode.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from service.errors import ConfigError
from service.filecache import per_file_version
from service.settings import PROJECT_ROOT, Settings

#: The table shipped in ``geodata/`` (Seraing and Neupré).
SECTIONS_FILE = "sections_seraing_neupre.csv"
COLUMNS = ("section", "commune", "codes_postaux", "nom_complet")


@dataclass(frozen=True)
class Section:
    """A section as people write it; ``full_name`` is set when ``name`` is a short form of another row."""

    name: str
    municipality: str
    postcodes: tuple[str, ...]
    full_name: str | None = None


def sections_path(settings: Settings) -> Path:
    """The sections table the service uses: ``HOTSPOTS_SECTIONS_FILE``, else the one shipped in ``geodata/``."""
    return settings.sections_file or settings.geodata_dir / SECTIONS_FILE


def service_sections(settings: Settings) -> tuple[Section, ...]:
    """The sections the service uses (:func:`sections_path`, read again only when the file changes)."""
    return read_sections(sections_path(settings))


def shipped_sections() -> tuple[Section, ...]:
    """The sections of Seraing and Neupré, as shipped (for callers without settings: notebooks, tests)."""
    return read_sections(PROJECT_ROOT / "geodata" / SECTIONS_FILE)


@per_file_version()
def read_sections(path: Path) -> tuple[Section, ...]:
    """The table's rows, or a French configuration error naming the file, the line and what is wrong in it."""
    if not path.is_file():
        raise ConfigError(f"Table des sections introuvable : {path}", hint="Vérifiez HOTSPOTS_SECTIONS_FILE.")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS[:3] if c not in (reader.fieldnames or [])]
        if missing:
            raise ConfigError(
                f"Table des sections {path.name} : colonne(s) {', '.join(missing)} absente(s).",
                hint=f"Colonnes attendues : {', '.join(COLUMNS)} (la dernière facultative).",
            )
        rows = list(reader)
    found: list[Section] = []
    for line, row in enumerate(rows, start=2):
        name, commune = (row.get("section") or "").strip(), (row.get("commune") or "").strip()
        codes = tuple(c.strip() for c in (row.get("codes_postaux") or "").replace(",", ";").split(";") if c.strip())
        bad = [c for c in codes if not (c.isdigit() and len(c) == 4)]
        if not name or not commune or not codes or bad:
            what = f"code postal « {bad[0]} »" if bad else "section, commune et code postal sont requis"
            raise ConfigError(
                f"Table des sections {path.name}, ligne {line} : {what}.",
                hint="Une ligne par nom de section : « Ougrée,Seraing,4102, » ; plusieurs codes séparés par « ; ».",
            )
        found.append(Section(name, commune, codes, (row.get("nom_complet") or "").strip() or None))
    return tuple(found)


def section_of_postcode(sections: Sequence[Section]) -> dict[str, str]:
    """Postcode → the one section that uses it (postcodes shared by several sections, 4100 Seraing and Boncelles,
    are left out: the register cannot tell their addresses apart)."""
    names = names_by_postcode(sections)
    return {code: found[0] for code, found in names.items() if len(found) == 1}


def names_by_postcode(sections: Sequence[Section]) -> dict[str, list[str]]:
    """Postcode → the full names of its sections, in the table's order (short forms left out)."""
    out: dict[str, list[str]] = {}
    for s in sections:
        if s.full_name is None:
            for code in s.postcodes:
                out.setdefault(code, []).append(s.name)
    return out


def postcode_labels(sections: Sequence[Section]) -> dict[str, str]:
    """Postcode → how the map's « secteurs » name it: the code and its sections (« 4102 Ougrée », « 4100 Seraing,
    Boncelles »)."""
    return {code: f"{code} {', '.join(names)}" for code, names in names_by_postcode(sections).items()}
