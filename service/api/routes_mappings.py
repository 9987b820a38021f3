"""The mapping file kept for each source (``hotspots correspondances``): listed, kept, forgotten from the map."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, UploadFile
from fastapi import Path as Path_

from service.api.deps import Conn, Planner, audit
from service.errors import InputFileError, NotFoundError
from service.ingest.columns import Kind
from service.ingest.kept_mapping import (
    MAX_MAPPING_BYTES,
    forget_mapping,
    keep_mapping,
    kept_mappings,
)
from service.ingest.mapping import KeptMapping
from service.ingest.source_names import source_key
from service.labels import KIND_LABELS

router = APIRouter(prefix="/api", tags=["outils"])

#: A source as typed in the import's « Source » (``--source``).
SourcePath = Annotated[str, Path_(min_length=1, max_length=100)]
#: The kind of files a mapping is kept for (one per source and kind: a commune's permits are not its reports).
TypeQuery = Annotated[
    Literal["signalements", "visites", "permis"],
    Query(alias="type", description="Type de fichiers : signalements (par défaut), visites ou permis."),
]
_KINDS: dict[str, Kind] = {"signalements": "reports", "visites": "visits", "permis": "permits"}


def _said(kept: KeptMapping) -> dict[str, Any]:
    return {
        "source": kept.source,
        "cle": source_key(kept.source),
        "type": KIND_LABELS.get(kept.kind, kept.kind),
        "fichier": kept.file_name,
        "le": kept.kept_at.isoformat(),
        "par": kept.kept_by,
    }


@router.get("/correspondances", summary="Correspondances gardées par source et type de fichiers")
def listed(conn: Conn, _user: Planner) -> list[dict[str, Any]]:
    """Pour chaque source et type de fichiers (``type`` : signalements, visites, permis) qui en a une (``source``,
    telle que nommée ; ``cle``, ce qui la retrouve : minuscules, sans accents, espaces et ponctuation réduits à une
    espace) : le fichier de correspondance gardé (``fichier``), quand (``le``) et par qui (``par``). Un import de
    ce type de cette source sans correspondance est lu par elle ; l'import qui en donne une avec la source la garde
    à la place."""
    return [_said(kept) for kept in kept_mappings(conn)]


@router.put("/correspondances/{source}", summary="Garder un fichier de correspondance pour une source")
def keep(
    source: SourcePath, fichier: UploadFile, conn: Conn, user: Planner, type_donnees: TypeQuery = "signalements"
) -> dict[str, Any]:
    """Garde le fichier envoyé (TOML ou YAML) pour les fichiers ``type`` de ``source``, sans rien importer, à la
    place de celui gardé avant ; un fichier qui n'est pas une correspondance lisible est refusé avec la raison
    (422)."""
    raw = fichier.file.read(MAX_MAPPING_BYTES + 1)
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"Fichier de correspondance « {fichier.filename} » : pas un texte UTF-8.",
            hint="Enregistrez-le en UTF-8 (un éditeur de texte le propose).",
        ) from exc
    kind = _KINDS[type_donnees]
    kept = keep_mapping(conn, source, fichier.filename or "correspondance.toml", content, by=user.login, kind=kind)
    audit(conn, user, "correspondance_gardee", source=kept.source, type=type_donnees, fichier=kept.file_name)
    return _said(kept)


@router.delete("/correspondances/{source}", summary="Oublier la correspondance gardée pour une source")
def forget(source: SourcePath, conn: Conn, user: Planner, type_donnees: TypeQuery = "signalements") -> dict[str, Any]:
    """Les prochains fichiers ``type`` de ``source`` sont lus par leurs seuls en-têtes ; 404 si aucune n'était
    gardée."""
    name = forget_mapping(conn, source, _KINDS[type_donnees])
    if name is None:
        raise NotFoundError(
            f"Aucune correspondance gardée pour les {type_donnees} de la source « {' '.join(source.split())} ».",
            hint="GET /api/correspondances : les sources qui en ont une.",
        )
    audit(conn, user, "correspondance_oubliee", source=name, type=type_donnees)
    return {"source": name, "type": type_donnees, "oubliee": True}
