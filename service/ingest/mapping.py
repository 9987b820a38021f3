"""A user's mapping file (``--correspondance``): which column feeds which field, value spellings, defaults."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
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
            is_yaml = path.suffix.lower() in {".yaml", ".yml"}
            data = (yaml.safe_load(text) or {}) if is_yaml else tomllib.loads(text)
        except (OSError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
            raise InputFileError(f"Fichier de correspondance illisible ({path.name}) : {exc}") from exc
        if not isinstance(data, dict):
            raise InputFileError(f"Fichier de correspondance {path.name} : un tableau de clés est attendu.")
        unknown = set(data) - {"colonnes", "columns", "valeurs", "values", "defauts", "defaults"}
        if unknown:
            raise InputFileError(
                f"Fichier de correspondance {path.name} : sections inconnues {sorted(unknown)}.",
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
