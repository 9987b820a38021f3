"""The service's activity report (« bilan d'activité ») for a period: counts only, no personal data, so every
role reads it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from service.activity import activity_json, read_activity, render_pdf, render_workbook
from service.activity.effect import MONTHS, RING_M, action_day, effect_json, effect_points, one_category, read_effect
from service.activity.effect_sheet import effect_stem, load_effect_background, render_effect_pdf
from service.activity.sites import ADDRESS_RADIUS_M
from service.api.deps import AppSettings, Conn, Reader
from service.api.files import file_response
from service.api.writes import place_geocoder
from service.db.vocabulary import load_labels
from service.geocode.sections import service_sections
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
    settings: AppSettings,
    _user: Reader,
    periode: Periode,
    format: Annotated[
        Literal["json", "xlsx", "pdf"], Query(description="json (défaut), xlsx (classeur) ou pdf (à imprimer)")
    ] = "json",
) -> Any:
    """Les signalements par catégorie, commune, secteur et source, les visites par résultat, le suivi des signalements
    (part visitée, délai médian) et les tournées de la période, à côté de la période précédente et de la même
    période un an plus tôt ; un écart sur un an est dit significatif quand le hasard seul l'explique mal (test
    exact, Benjamini–Hochberg sur chaque tableau)."""
    period = parse_period(periode, zone=settings.timezone)
    found = read_activity(conn, period, sections=service_sections(settings))
    if format != "json":
        data = render_workbook(found) if format == "xlsx" else render_pdf(found, issuer=settings.service_name)
        return file_response(data, format, f"bilan_activite_{found.windows.period.code}.{format}")
    return JSONResponse(activity_json(found))


@router.get("/effet", summary="L'action a-t-elle servi ? Avant et après, à côté du reste de la zone")
def effect(
    conn: Conn,
    settings: AppSettings,
    _user: Reader,
    request: Request,
    lieu: Annotated[
        str,
        Query(
            min_length=2,
            max_length=200,
            description="un point sensible (PS-0004), un axe (AX-0012) ou une adresse (Rue Ferrer 12/3, Seraing)",
        ),
    ],
    date: Annotated[
        str | None,
        Query(max_length=40, description="jour de l'action (2026-05-12) ; par défaut la première visite du lieu"),
    ] = None,
    mois: Annotated[int, Query(ge=1, le=36, description="mois comptés après l'action, et autant avant")] = MONTHS,
    categorie: Annotated[
        str | None, Query(max_length=60, description="code ou libellé ; par défaut celle du point, sinon toutes")
    ] = None,
    tampon: Annotated[float, Query(ge=25, le=2000, description="largeur de l'anneau autour du lieu (m)")] = RING_M,
    rayon: Annotated[
        float, Query(ge=10, le=1000, description="pour une adresse : le cercle autour d'elle (m)")
    ] = ADDRESS_RADIUS_M,
    temoin: Annotated[
        Literal["zone", "points"],
        Query(description="zone (le reste de la zone, défaut) ou points (les autres points sensibles et axes)"),
    ] = "zone",
    format: Annotated[Literal["json", "pdf"], Query(description="json (défaut) ou pdf (fiche à imprimer)")] = "json",
) -> Response:
    """Les signalements du lieu avant et après l'action (autant de jours de part et d'autre), ceux de l'anneau
    autour et ceux du témoin (le reste de la zone, ou les autres points sensibles et axes) ; le rapport des
    évolutions lieu / témoin, son intervalle à 95 % et le test exact de Fisher ; le quotient de déplacement
    pondéré (Bowers et Johnson) de l'anneau et le test exact de son changement face au témoin (``p_alentours`` :
    un report ou un bienfait étendu ne se dit qu'en dessous de 5 %) ; et les mêmes conclusions en phrases."""
    labels = load_labels(conn)
    code = one_category(categorie, labels.categories)
    action = action_day(date, settings.timezone) if date else None
    geocoder = place_geocoder(lieu, request, conn)
    found = read_effect(
        conn,
        lieu,
        zone=settings.timezone,
        action=action,
        months=mois,
        category=code,
        ring_m=tampon,
        radius_m=rayon,
        geocoder=geocoder,
        control=temoin,
    )
    label = labels.category(found.category)
    if format == "pdf":
        points, background = effect_points(conn, found), load_effect_background(conn, settings, found)
        sheet = render_effect_pdf(found, label, points, issuer=settings.service_name, background=background)
        return file_response(sheet, "pdf", f"{effect_stem(found)}.pdf")
    return JSONResponse(effect_json(found, label))
