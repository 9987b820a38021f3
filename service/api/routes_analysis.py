"""Sensitive points and problem axes as WGS84 GeoJSON, with their stats, history, reports and visits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from service.api.deps import Conn, Reader
from service.api.forecast_layer import forecast_layer
from service.api.geojson import GEOJSON, cached_collection, fetch_one

router = APIRouter(prefix="/api", tags=["analyse"])

States = Annotated[list[str] | None, Query(description="nouveau, actif, surveille, resolu, reouvert")]
Places = Annotated[list[str] | None, Query(description="communes, sections ou codes postaux de la zone (répéter)")]


def _places(lieu: list[str] | None) -> list[str] | None:
    """The places asked, once each and sorted (one kept answer for the same places in any order)."""
    return sorted({p.strip() for p in lieu or [] if p.strip()}) or None


@router.get("/points-sensibles", summary="Points sensibles (GeoJSON WGS84)", response_class=JSONResponse)
async def points(
    request: Request,
    _user: Reader,
    etat: States = None,
    priorite_min: Annotated[float | None, Query(ge=0)] = None,
    categorie: Annotated[str | None, Query(description="code de catégorie présent dans le point")] = None,
    tendance: Annotated[list[str] | None, Query(description="catégorie de tendance")] = None,
    portee: Annotated[
        str,
        Query(max_length=40, description="« toutes » (défaut) ou un code de catégorie : points cherchés par catégorie"),
    ] = "toutes",
    lieu: Places = None,
) -> Response:
    """Les points sensibles de la dernière analyse, filtrables par état, priorité minimale, catégorie, tendance,
    portée (toutes catégories, ou les points cherchés dans une seule) et lieu (celui de l'adresse officielle la
    plus proche de leur centre, à toute distance, comme la liste des sites)."""
    params = {
        "states": etat,
        "min_priority": priorite_min,
        "category": categorie,
        "trends": tendance,
        "scope": portee,
        "places": _places(lieu),
    }
    return await cached_collection(request, "sensitive_points", params)


@router.get("/points-sensibles/{point_id}", summary="Un point sensible, son historique, ses signalements et visites")
def point(point_id: str, conn: Conn, _user: Reader) -> JSONResponse:
    """``point_id`` tel que la liste le donne ; 404 si aucun point sensible ne porte cet identifiant."""
    return JSONResponse(fetch_one(conn, "sensitive_point", {"id": point_id}, "point sensible"), media_type=GEOJSON)


@router.get("/axes", summary="Axes problématiques (GeoJSON WGS84)")
async def axes(
    request: Request,
    _user: Reader,
    rue: Annotated[str | None, Query(description="partie du nom de rue")] = None,
    taux_min: Annotated[float | None, Query(ge=0, description="signalements par 100 m")] = None,
    etat: States = None,
    lieu: Places = None,
) -> Response:
    """Les axes problématiques de la dernière analyse, filtrables par nom de rue, taux minimal (signalements par
    100 m), état et lieu (leur commune, et chaque secteur postal que traverse leur rue)."""
    params: dict[str, Any] = {"street": rue, "min_rate": taux_min, "states": etat, "places": _places(lieu)}
    return await cached_collection(request, "axes", params)


@router.get("/axes/{axis_id}", summary="Un axe problématique, ses signalements et visites")
def axis(axis_id: str, conn: Conn, _user: Reader) -> JSONResponse:
    """``axis_id`` tel que la liste le donne ; 404 si aucun axe ne porte cet identifiant."""
    return JSONResponse(fetch_one(conn, "axis", {"id": axis_id}, "axe"), media_type=GEOJSON)


@router.get("/prevision", summary="Mailles où la dernière analyse attend le plus de signalements (GeoJSON WGS84)")
async def forecast(
    request: Request,
    _user: Reader,
    categorie: Annotated[
        str | None, Query(description="code de catégorie : la prévision de ses seuls signalements")
    ] = None,
    lieu: Places = None,
) -> Response:
    """Les mailles de 100 m où la dernière analyse attend le plus de signalements dans les trois mois qui suivent
    (la prévision que mesure ``hotspots backtest``), les premières d'abord : ``rang``, ``part`` (la première part
    de la zone où tombe la maille : « 1 % », « 5 % » ou « 10 % » de ses mailles) et ``attendus`` (signalements
    attendus) ; ``prevision`` dit l'analyse (sa date, les mailles de la zone, le total attendu, l'horizon).
    Avec ``categorie``, la même prévision faite sur les seuls signalements de la catégorie, au même moment et sur
    la même période que la dernière analyse (environ une seconde la première fois) ; une catégorie inconnue ou qui
    a trop peu de signalements ne donne aucune maille, et ``prevision.raison`` dit pourquoi. Avec ``lieu``, les
    seules mailles du lieu (celui de l'adresse officielle la plus proche de leur centre, comme les points
    sensibles), classées entre elles : les 10 % premières des mailles du lieu, ``rang`` et ``part`` du lieu,
    ``rang_zone`` celui de la zone ; ``prevision.lieu`` dit ses mailles, ce qu'il attend et sa propre vérification
    (``controle``, dite dans ``prevision.controle_phrase`` : ses parts à lui) ; une analyse enregistrée avant que
    chaque maille soit gardée : les mailles du lieu parmi les 10 % de la zone, ``classement`` « zone »."""
    return await forecast_layer(request, categorie, _places(lieu))
