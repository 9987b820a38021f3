"""The service's activity report (« bilan d'activité ») for a period: counts only, no personal data, so every
role reads it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from service.activity import activity_json, read_activity, render_pdf, render_workbook
from service.api.deps import Conn, Reader
from service.api.files import file_response
from service.prevention.period import parse_period

router = APIRouter(prefix="/api", tags=["bilan d'activité"])

Periode = Annotated[
    str,
    Query(
        max_length=20,
        description="mois (2026-10), trimestre (2026-T4), année (2026), ou mois-dernier, trimestre-dernier, "
        "annee-derniere ; une période en cours est comparée jusqu'à aujourd'hui",
    ),
]


@router.get("/activite", summary="Bilan d'activité du service pour une période (JSON, classeur XLSX ou PDF)")
def activity(
    conn: Conn,
    _user: Reader,
    periode: Periode,
    format: Annotated[
        Literal["json", "xlsx", "pdf"], Query(description="json (défaut), xlsx (classeur) ou pdf (à imprimer)")
    ] = "json",
) -> Any:
    """Les signalements par catégorie, commune et source, les visites par résultat, le suivi des signalements
    (part visitée, délai médian) et les tournées de la période, à côté de la période précédente et de la même
    période un an plus tôt ; un écart sur un an est dit significatif quand le hasard seul l'explique mal (test
    exact, Benjamini–Hochberg sur chaque tableau)."""
    found = read_activity(conn, parse_period(periode))
    if format != "json":
        render = render_workbook if format == "xlsx" else render_pdf
        return file_response(render(found), format, f"bilan_activite_{found.windows.period.code}.{format}")
    return JSONResponse(activity_json(found))
