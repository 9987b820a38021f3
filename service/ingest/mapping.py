"""A user's mapping file (``--correspondance``): which column feeds which field, value spellings, defaults."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

from service.errors import InputFileError


@dataclass
class MappingFile:
    """A user's mapping file: ``[colonnes]`` field → header, ``[valeurs.<field>]`` value → code, ``[defauts]``."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> MappingFile:
        """Read a mapping file (``--correspondance``); a broken one is refused with the reason."""
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise InputFileError(f"Fichier de correspondance illisible ({path.name}) : {exc}") from exc
        return cls.parse(text, path.name)

    @classmethod
    def parse(cls, text: str, name: str) -> MappingFile:
        """A mapping file's text, TOML or YAML by its ``name``'s suffix (a kept mapping is its file's text)."""
        try:
            is_yaml = Path(name).suffix.lower() in {".yaml", ".yml"}
            data = (yaml.safe_load(text) or {}) if is_yaml else tomllib.loads(text.removeprefix("\ufeff"))
        except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
            raise InputFileError(f"Fichier de correspondance illisible ({name}) : {exc}") from exc
        if not isinstance(data, dict):
            raise InputFileError(f"Fichier de correspondance {name} : un tableau de clés est attendu.")
        unknown = set(data) - {"colonnes", "columns", "valeurs", "values", "defauts", "defaults"}
        if unknown:
            raise InputFileError(
                f"Fichier de correspondance {name} : sections inconnues {sorted(unknown)}.",
                hint="Sections possibles : [colonnes], [valeurs.<champ>], [defauts].",
            )
        return cls(
            columns={str(k): str(v) for k, v in (data.get("colonnes") or data.get("columns") or {}).items()},
            values={
                str(f): {str(k): str(v) for k, v in m.items()}
                for f, m in (data.get("valeurs") or data.get("values") or {}).items()
            },
            defaults={str(k): str(v) for k, v in (data.get("defauts") or data.get("defaults") or {}).items()},
        )


#: How a kept mapping is set aside, on the map and on the command line.
SET_ASIDE = (
    "écartez-la : « Oublier » sous le champ de correspondance (carte), ou « --sans-correspondance-gardee » "
    "(ligne de commande)"
)


@dataclass(frozen=True)
class KeptMapping:
    """The mapping file last used for a source's files of one kind, kept in the database (``source_mappings``):
    applied to the source's next files of that kind sent without one, from the command line or the map
    (:mod:`service.ingest.kept_mapping`)."""

    source: str
    file_name: str
    content: str
    kept_at: datetime
    kept_by: str | None = None
    kind: str = "reports"  # reports, visits or permits: a commune's permits are not laid out as its reports

    def read(self) -> MappingFile:
        """The kept text, read as its file was."""
        return MappingFile.parse(self.content, self.file_name)

    def refusal(self, exc: InputFileError) -> InputFileError:
        """A file read through this mapping and refused, saying so: the partner may have renamed its columns."""
        said = (
            f"{exc.message.rstrip()} La correspondance gardée pour « {self.source} » ({self.file_name}, du "
            f"{self.kept_at:%d/%m/%Y}) a été appliquée ; si la source a changé ses colonnes, {SET_ASIDE}."
        )
        return InputFileError(said, hint=exc.hint)
