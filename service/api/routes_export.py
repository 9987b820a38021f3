"""Export the list of sites to inspect (planificateur and above); every export is written to the access log."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from service.api.deps import Conn, Planner, audit
from service.export import MEDIA, SUFFIX, Format, SiteFilter, load_sites, render

router = APIRouter(prefix="/api", tags=["analyse"])


@router.get("/exports/sites", summary="Sites à contrôler : CSV, XLSX, GeoJSON, GPX ou fiches imprimables")
def export_sites(
    conn: Conn,
    user: Planner,
    format: Format = "csv",
    etat: Annotated[list[str] | None, Query(description="états des points (défaut : tous)")] = None,
    priorite_min: Annotated[float | None, Query(ge=0)] = None,
    axes: bool = True,
    limite: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Response:
    sites = load_sites(conn, SiteFilter(states=etat, min_priority=priorite_min, with_axes=axes, limit=limite))
    audit(conn, user, "export_sites", format=format, sites=len(sites), etat=etat, priorite_min=priorite_min)
    name = f"sites_a_controler_{date.today():%Y%m%d}.{SUFFIX[format]}"
    disposition = "inline" if format == "fiches" else "attachment"
    return Response(
        render(sites, format),
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'{disposition}; filename="{name}"'},
    )
