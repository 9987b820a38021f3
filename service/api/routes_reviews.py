"""Addresses to review: the geocoder's doubts (a street without a number, an ambiguous name, a failure), listed with
their proposals for the map, and settled by a planner — a proposal accepted, or the point placed by hand where the
map shows the place. A placement that looked sure but is wrong is sent back to the list by a planner, with the
reason. Each doubt and settlement goes to the access log; the report counts in the analysis from its next run."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from service.api.deps import AppSettings, Conn, Id, Planner, Reader, audit
from service.api.writes import geocoder_of
from service.errors import InvalidValueError
from service.geo import to_lonlat
from service.geocode.apply import HandPlaced, count_open_reviews, open_reviews
from service.geocode.doubt import doubt_placement
from service.ingest.dedupe import settle_review
from service.labels import ROW_LABELS, geocode_level_label
from service.settings import Settings
from service.zone import commune_outlines, zone_polygon

router = APIRouter(prefix="/api/geocodage", tags=["outils"])


class ReviewAnswer(BaseModel):
    """Le numéro de la proposition acceptée, ou le point placé à la main (longitude et latitude WGS84)."""

    model_config = ConfigDict(extra="forbid")

    proposition: int | None = Field(default=None, ge=1, le=50, examples=[1])
    lon: float | None = Field(default=None, ge=-180, le=180, examples=[5.5121])
    lat: float | None = Field(default=None, ge=-90, le=90, examples=[50.6098])

    def answer(self, settings: Settings) -> int | HandPlaced:
        """The proposal's number, or the point with the outlines and the zone it is checked against."""
        placed = self.lon is not None and self.lat is not None
        if (self.proposition is not None) == placed or (self.lon is None) != (self.lat is None):
            raise InvalidValueError(
                "Réponse incomplète : donnez soit « proposition » (son numéro), soit « lon » et « lat » (le point "
                "placé à la main).",
                hint='Par exemple {"proposition": 1} ou {"lon": 5.5121, "lat": 50.6098}.',
            )
        if self.proposition is not None:
            return self.proposition
        assert self.lon is not None and self.lat is not None
        zone, outlines = zone_polygon(settings), commune_outlines(settings)
        return HandPlaced(self.lon, self.lat, outlines, zone, spelled="lon {lon}, lat {lat}")


class Doubt(BaseModel):
    """Le signalement, la visite ou le permis mal placé, et ce qui ne va pas."""

    model_config = ConfigDict(extra="forbid")

    objet: Literal["signalement", "visite", "permis"] = Field(default="signalement", examples=["signalement"])
    numero: int = Field(ge=1, le=2**62, examples=[1234])
    motif: str | None = Field(default=None, max_length=2000, examples=["mauvaise commune : c'est la rue de Neupré"])


_TABLE_OF = {label: table for table, label in ROW_LABELS.items()}


def _point(x: Any, y: Any) -> dict[str, float | None]:
    if x is None or y is None:
        return {"lon": None, "lat": None}
    lon, lat = to_lonlat(float(x), float(y))
    return {"lon": round(lon, 7), "lat": round(lat, 7)}


def _review(row: dict[str, Any]) -> dict[str, Any]:
    proposals = [
        {
            "numero": i,
            "adresse": alt.get("libelle"),
            "niveau": alt.get("niveau"),
            "niveau_libelle": geocode_level_label(alt.get("niveau")),
            "score": alt.get("score"),
            "commune": alt.get("commune"),
            "code_postal": alt.get("code_postal"),
            "actuelle": bool(alt.get("actuelle")),
            **_point(alt.get("x"), alt.get("y")),
        }
        for i, alt in enumerate(row["alternatives"] or [], start=1)
    ]
    return {
        "id": row["id"],
        "objet": ROW_LABELS.get(row["target"], row["target"]),
        "numero": row["target_id"],
        "adresse": row["address"],
        "niveau": row["level"],
        "niveau_libelle": geocode_level_label(row["level"]),
        "score": row["score"],
        "motif": row["reason"],
        "date": row["created_at"].isoformat() if row["created_at"] is not None else None,
        "propositions": proposals,
    }


@router.get("/verifications", summary="Adresses à vérifier : les doutes du géocodeur et ses propositions")
def reviews(
    conn: Conn,
    _user: Reader,
    limite: Annotated[int, Query(ge=1, le=500)] = 50,
    debut: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Les adresses que le géocodeur n'a pas placées avec certitude (rue sans numéro, nom ambigu, échec), les plus
    anciennes d'abord, chacune avec le motif du doute et ses propositions (adresse, niveau, point WGS84)."""
    items = [_review(row) for row in open_reviews(conn, limit=limite, offset=debut)]
    return {"total": count_open_reviews(conn), "debut": debut, "verifications": items}


@router.post(
    "/verifications",
    status_code=201,
    summary="Mettre en doute un placement : le remettre dans les adresses à vérifier",
    responses={200: {"description": "Déjà dans les adresses à vérifier : la vérification qui attend"}},
)
def doubt(body: Doubt, request: Request, response: Response, conn: Conn, user: Planner) -> dict[str, Any]:
    """Un planificateur voit un signalement (une visite, un permis) placé avec assurance mais au mauvais endroit :
    il le remet dans la liste à vérifier, avec le motif. La position actuelle devient la proposition 1, suivie des
    autres lectures de l'adresse et des adresses officielles autour du point ; en attendant, le point reste sur la
    carte mais sort de l'analyse.
    201 et la vérification créée ; 200 et celle qui attend déjà s'il y en a une. Journalisé."""
    found = geocoder_of(request, conn)
    table = _TABLE_OF[body.objet]
    row, created = doubt_placement(
        conn, table, body.numero, who=user.login, reason=body.motif, geocoder=getattr(found, "geocoder", None)
    )
    if created:
        audit(conn, user, "placement_mis_en_doute", verification=row["id"], table=table, id=body.numero)
    response.status_code = 201 if created else 200
    return {**_review(row), "nouvelle": created}


@router.post(
    "/verifications/{review_id}", summary="Régler une vérification : accepter une proposition ou placer le point"
)
def settle(review_id: Id, body: ReviewAnswer, conn: Conn, settings: AppSettings, user: Planner) -> dict[str, Any]:
    """Un planificateur accepte une proposition (son numéro) ou place le point à la main (longitude, latitude) : le
    signalement, la visite ou le permis prend ce point (géocodage « manuel ») ; un point hors de la zone est refusé et
    rien n'est enregistré. Journalisé ; le signalement compte dans l'analyse à sa prochaine exécution."""
    answer = body.answer(settings)
    done = settle_review(conn, settings, review_id, answer, who=user.login)
    audit(conn, user, "verification_geocodage", verification=review_id, table=done["table"], id=done["id"])
    return {**done, "objet": ROW_LABELS.get(done["table"], done["table"]), **_point(done["x"], done["y"])}
