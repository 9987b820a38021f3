"""The sources and the mapping file kept for each (``hotspots sources``, ``hotspots correspondances``): the sources
listed and two spellings of one merged; a mapping listed, kept, forgotten from the map."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, UploadFile
from fastapi import Path as Path_
from pydantic import BaseModel, ConfigDict, Field

from service.api.deps import AppSettings, Conn, Planner, audit
from service.errors import InputFileError, NotFoundError
from service.ingest.columns import Kind
from service.ingest.kept_mapping import (
    MAX_MAPPING_BYTES,
    forget_mapping,
    keep_mapping,
    kept_mappings,
)
from service.ingest.mapping import KeptMapping
from service.ingest.source_merge import merge_sources, source_counts, spelled_near, spelled_twice
from service.ingest.source_names import SOURCE_TABLES, source_key
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


@router.get("/sources", summary="Sources enregistrées, leurs lignes par type et leurs graphies voisines")
def sources(conn: Conn, _user: Planner) -> dict[str, Any]:
    """Chaque source enregistrée avec ses signalements, visites et permis (``sources``), dans l'ordre de leurs noms,
    les groupes de noms qu'une même clé réunit (``graphies_voisines`` : majuscules, accents, ponctuation) et les
    paires de noms à une lettre ou deux l'un de l'autre (``graphies_proches``, celui qui a le moins de lignes
    d'abord), à fusionner s'ils nomment la même source (``POST /api/sources/fusion``)."""
    counts = source_counts(conn)
    return {
        "sources": [{"source": s, **{SOURCE_TABLES[t]: n for t, n in c.items()}} for s, c in counts.items()],
        "graphies_voisines": spelled_twice(counts),
        "graphies_proches": spelled_near(counts),
    }


class SourceMergeIn(BaseModel):
    """Les deux noms, exactement tels qu'enregistrés : celui qui disparaît, puis celui qui reste."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    ancienne: str = Field(min_length=1, max_length=200, examples=["ASBL Quartiers"])
    nouvelle: str = Field(min_length=1, max_length=200, examples=["ASBL_Quartier"])


@router.post("/sources/fusion", summary="Ranger les lignes d'une source sous une autre (deux graphies d'un partenaire)")
def merge(body: SourceMergeIn, conn: Conn, settings: AppSettings, user: Planner) -> dict[str, Any]:
    """Écrit les signalements, visites et permis de ``ancienne`` sous ``nouvelle``, en une transaction (sa
    correspondance gardée suit, ses quasi-doublons liés à l'autre graphie comptent à nouveau) : ce que le bilan d'un
    import propose pour une source nouvelle proche d'une source connue. Refusé (409), rien de changé, quand les deux
    tiennent les mêmes lignes (le même fichier importé sous les deux noms : annuler d'abord son lot) ; 404 quand
    ``ancienne`` ne tient aucune ligne ; 422 pour un même nom deux fois. Journalisé."""
    with conn.transaction():
        done = merge_sources(conn, settings, body.ancienne, body.nouvelle)
    audit(conn, user, "sources_fusionnees", ancienne=done.old, nouvelle=done.new, lignes=sum(done.rows.values()))
    return {
        "ancienne": done.old,
        "nouvelle": done.new,
        "lignes": {SOURCE_TABLES[t]: n for t, n in done.rows.items()},
        "phrase": done.sentence(),
    }
