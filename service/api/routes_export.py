"""Export the list of sites to inspect (planificateur and above); every export is written to the access log."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from service.api.deps import AppSettings, Conn, Planner, audit
from service.export import MEDIA, SUFFIX, Format, sites
from service.export.sites import MAX_SITES

router = APIRouter(prefix="/api", tags=["analyse"])


@router.get("/exports/sites", summary="Sites à contrôler : CSV, XLSX, GeoJSON, GPX ou fiche PDF à imprimer")
def export_sites(
    request: Request,
    conn: Conn,
    settings: AppSettings,
    user: Planner,
    format: Format = "csv",
    categorie: Annotated[list[str] | None, Query(description="catégories (code ou libellé)")] = None,
    lieu: Annotated[list[str] | None, Query(description="communes, sections ou codes postaux")] = None,
    etat: Annotated[
        list[str] | None, Query(description="états des points et axes (défaut : nouveau, actif, reouvert)")
    ] = None,
    priorite_min: Annotated[float | None, Query(ge=0, le=1e9)] = None,
    types: Annotated[
        list[str] | None,
        Query(description="types de sites : point_sensible, axe, signalement, suivi, permis (défaut : tous)"),
    ] = None,
    limite: Annotated[int, Query(ge=1, le=MAX_SITES)] = 500,
) -> Response:
    """Les points sensibles, axes, signalements, suivis et permis à contrôler, les plus prioritaires d'abord, filtrés
    par catégorie, lieu, état, priorité et type. Le PDF s'ouvre dans le navigateur, les autres formats s'enregistrent ;
    chaque export est journalisé."""
    done = sites.export_sites(
        conn,
        settings,
        format,
        categories=categorie or (),
        places=lieu or (),
        states=etat or (),
        kinds=types or (),
        min_priority=priorite_min,
        limit=limite,
        base_url=str(request.base_url),
    )
    audit(conn, user, "export_sites", format=format, sites=len(done.sheet.rows), filtres=done.filters.to_json())
    name = f"sites_a_controler_{date.today():%Y%m%d}.{SUFFIX[format]}"
    disposition = "inline" if format == "pdf" else "attachment"
    return Response(
        done.data, media_type=MEDIA[format], headers={"Content-Disposition": f'{disposition}; filename="{name}"'}
    )
