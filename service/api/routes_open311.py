"""A GeoReport v2 subset (Open311) so that citizen apps can send reports in and follow them.

``services.json`` lists the categories; ``requests.json`` lists (GET) and creates (POST, with an ``api_key``
given by ``hotspots users cle-open311``) service requests. Created reports go through ingestion's rules under the
source ``open311:<app>``. Public listings carry no description and no personal data, and places only to the
street and 100 m (:mod:`service.api.open311_public`). Errors follow the spec: a list of ``{code, description}``.
The XML form of every route is in :mod:`service.api.open311_xml`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from service.accounts import User, open311_client
from service.api.deps import AppSettings, Conn, Id
from service.api.open311_public import RequestFilter, public_request_rows, service_list
from service.api.writes import create_records, geocoder_of
from service.errors import HotspotsError, InvalidValueError

router = APIRouter(prefix="/api/open311/v2", tags=["open311"])
_FIELDS = (
    "service_code",
    "lat",
    "long",
    "address_string",
    "description",
    "email",
    "first_name",
    "last_name",
    "phone",
    "media_url",
)


def _error(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


@router.get("/services.json", summary="Catégories de signalement (GeoReport v2)")
def services(conn: Conn, langue: Annotated[str, Query(pattern="^(fr|nl|de|en)$")] = "fr") -> list[dict[str, Any]]:
    """Les catégories proposées aux applications citoyennes, dans la langue demandée (fr, nl, de ou en)."""
    return service_list(conn, langue)


@router.get("/requests.json", summary="Demandes (GeoReport v2), sans texte ni données personnelles, par page")
def requests_list(
    conn: Conn,
    settings: AppSettings,
    service_request_id: Annotated[
        str | None, Query(max_length=2000, description="ids séparés par des virgules")
    ] = None,
    service_code: Annotated[str | None, Query(max_length=500)] = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)(,(open|closed))?$")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000, description="page (1 = les plus récentes)")] = 1,
    page_size: Annotated[int | None, Query(ge=1, le=1000, description="demandes par page")] = None,
) -> Any:
    """Les demandes des 90 derniers jours par défaut. Les réponses publiques donnent la rue (sans numéro) et un
    point arrondi à 100 m, sauf si les réglages les ouvrent."""
    ids: list[int] | None = None
    if service_request_id:
        try:
            ids = [int(v) for v in service_request_id.split(",") if v.strip()]
            if any(not 0 < i < 2**63 for i in ids):
                raise ValueError(service_request_id)
        except ValueError:
            return _error(400, "service_request_id : identifiants numériques séparés par des virgules attendus.")
    if ids is None and start_date is None and end_date is None:
        start_date = datetime.now().astimezone() - timedelta(days=90)  # the spec's default window
    wanted = RequestFilter(
        ids=ids,
        codes=service_code.split(",") if service_code else None,
        since=start_date,
        until=end_date,
        statuses=status.split(",") if status else None,
        page=page,
        page_size=page_size,
    )
    try:
        return public_request_rows(conn, settings, wanted)
    except InvalidValueError as exc:
        return _error(400, exc.message)


@router.get("/requests/{request_id}.json", summary="Une demande (GeoReport v2)")
def request_one(request_id: Id, conn: Conn, settings: AppSettings) -> Any:
    """Une demande par son numéro, sous la même forme publique que la liste ; 404 si elle n'existe pas."""
    rows = public_request_rows(conn, settings, RequestFilter(ids=[request_id]))
    if not rows:
        return _error(404, f"Aucune demande {request_id}.")
    return rows[:1]


@router.post("/requests.json", summary="Envoyer une demande (GeoReport v2, formulaire ou JSON, api_key requise)")
async def request_create(request: Request, conn: Conn, settings: AppSettings) -> Any:
    """Une application citoyenne envoie un signalement (formulaire ou JSON, ``api_key`` obligatoire) :
    ``service_code`` et un lieu (``lat`` et ``long``, ou ``address_string``) sont requis. La réponse donne le
    numéro de la demande."""
    content_type = request.headers.get("content-type", "")
    try:
        data = dict(await request.json()) if "json" in content_type else dict(await request.form())
    except (ValueError, TypeError, RecursionError):
        return _error(400, "Corps de requête illisible : formulaire ou objet JSON attendu.")
    key = str(data.get("api_key") or "")
    client = open311_client(conn, key) if key else None
    if client is None:
        return _error(403, "api_key absente ou inconnue : demandez une clé au service Environnement.")
    record = {k: str(data[k]) for k in _FIELDS if data.get(k) not in (None, "")}
    if "service_code" not in record:
        return _error(400, "service_code obligatoire (voir services.json).")
    if ("lat" not in record or "long" not in record) and "address_string" not in record:
        return _error(400, "Un lieu est obligatoire : lat et long, ou address_string.")
    if "address_string" in record:
        record["address"] = record.pop("address_string")
    name = " ".join(record.pop(k) for k in ("first_name", "last_name") if k in record)
    if name:
        record["nom_declarant"] = name
    record["requested_datetime"] = datetime.now(ZoneInfo(settings.timezone)).isoformat(timespec="seconds")
    record["source"] = f"open311:{client}"
    robot = User(id=0, login=f"open311-{client}", full_name=None, role="lecteur")
    try:
        summary, ids = create_records(conn, settings, "reports", record, robot, geocoder_of(request, conn))
    except HotspotsError as exc:
        return _error(400, exc.message)
    notice = "Merci : votre signalement a été enregistré." if summary["inserted"] else "Signalement déjà connu."
    return [{"service_request_id": str(ids[0]), "service_notice": notice, "account_id": None}]
