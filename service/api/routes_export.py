"""Export the list of sites to inspect and the register of reports (planificateur and above); every export is
written to the access log."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from service.api.deps import AppSettings, Conn, Planner, audit
from service.api.files import dated_name, file_response
from service.export import Format, sites
from service.export.reports import ReportRequest, export_reports
from service.export.sites import MAX_SITES
from service.prevention.period import parse_period

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
    """La liste des sites à contrôler (points sensibles, axes, signalements, suivis, contrôles de permis), du plus
    prioritaire au moins prioritaire, dans le format choisi : CSV pour un tableur, XLSX à remplir sur le terrain,
    GeoJSON pour un SIG, GPX pour un GPS, PDF à imprimer avec sa carte. Les sites visités récemment sont écartés,
    avec la raison. L'export est inscrit au journal des accès."""
    asked = sites.SiteRequest(
        categories=categorie, places=lieu, states=etat, kinds=types, min_priority=priorite_min, limit=limite
    )
    done = sites.export_sites(conn, settings, format, asked, base_url=str(request.base_url))
    audit(conn, user, "export_sites", format=format, sites=len(done.sheet.rows), filtres=done.filters.to_json())
    return file_response(done.data, format, dated_name("sites_a_controler", format, settings.timezone))


@router.get("/exports/signalements", summary="Registre des signalements : CSV, XLSX, GeoJSON ou PDF (journalisé)")
def export_reports_file(
    request: Request,
    conn: Conn,
    settings: AppSettings,
    user: Planner,
    format: Literal["csv", "xlsx", "geojson", "pdf"] = "csv",
    periode: Annotated[str | None, Query(description="mois (2026-10), trimestre (2026-T4) ou année (2026)")] = None,
    depuis: Annotated[date | None, Query(description="premier jour, compris")] = None,
    jusqu_a: Annotated[date | None, Query(description="dernier jour, compris")] = None,
    categorie: Annotated[list[str] | None, Query(description="catégories (code ou libellé)")] = None,
    statut: Annotated[list[str] | None, Query(description="statuts (code ou libellé)")] = None,
    source: str | None = None,
    lieu: Annotated[list[str] | None, Query(description="communes, sections ou codes postaux")] = None,
    commune: Annotated[str | None, Query(description="ancien nom de lieu", deprecated=True)] = None,
) -> Response:
    """Les signalements d'une période, du plus ancien au plus récent, avec leur statut, leur date de clôture, leur
    lieu et leurs points sensibles ; sans données personnelles (ni déclarant ni description). Plus de 20 000
    signalements (2 000 en PDF, le registre à imprimer) : refusé (resserrez la période) plutôt que coupé. L'export
    est inscrit au journal des accès."""
    asked = ReportRequest(
        period=parse_period(periode, zone=settings.timezone).bounds() if periode else None,
        first=depuis,
        last=jusqu_a,
        categories=categorie,
        statuses=statut,
        source=source,
        places=[*(lieu or ()), *([commune] if commune else [])],
    )
    data, sheet = export_reports(conn, settings, format, asked, base_url=str(request.base_url))
    audit(
        conn, user, "export_signalements", format=format, signalements=len(sheet.rows), filtres=sheet.facts["Filtres"]
    )
    return file_response(data, format, dated_name("signalements", format, settings.timezone))
