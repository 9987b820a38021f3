"""Write geocoding results back to reports, visits and permits, and keep the review queue.

A result at or above the confidence threshold places the row (``geocode_status = 'geocode'``). Anything less —
a street-level guess, an ambiguous name, a failure — goes to ``geocode_reviews`` with its alternatives and the
row is marked ``a_verifier`` (keeping a provisional point when there is one). Nothing is dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import psycopg
import shapely
from psycopg import sql
from shapely.geometry.base import BaseGeometry

from service.db.copy import copy_frame
from service.db.queries import Queries
from service.errors import InvalidValueError, NotFoundError
from service.geo import to_lambert, to_lonlat
from service.geocode import GeocodeStats
from service.geocode.answers import GeocodeResult
from service.geocode.communes import commune_of_point
from service.geocode.match import Geocoder
from service.numbers import SPACE, french_number
from service.zone import km_outside

TABLES = ("reports", "visits", "permits")
DEFAULT_THRESHOLD = 0.75
_PLACED_LEVELS = {"adresse", "adresse_interpolee", "intersection", "rue", "section", "commune", "code_postal"}


_q = Queries("service.geocode", "apply.sql")


def _table(name: str) -> sql.Identifier:
    if name not in TABLES:
        raise ValueError(name)
    return sql.Identifier(name)


def apply_results(
    conn: psycopg.Connection[Any],
    table: str,
    ids: list[int],
    results: list[GeocodeResult],
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> GeocodeStats:
    """Store ``results`` (one per id) on ``table``; low-confidence ones also go to the review queue."""
    if not ids:
        return GeocodeStats(0, 0, 0, 0)
    frame = pd.DataFrame(
        {
            "id": ids,
            "x": [r.x for r in results],
            "y": [r.y for r in results],
            "level": [r.level for r in results],
            "score": [r.score for r in results],
            "label": [r.label for r in results],
            "commune": [r.municipality for r in results],
            "postcode": [r.postcode for r in results],
        }
    )
    confident = frame["score"].ge(threshold) & frame["level"].isin(_PLACED_LEVELS) & frame["x"].notna()
    frame["status"] = confident.map({True: "geocode", False: "a_verifier"})
    conn.execute(_q("create_results"))
    copy_frame(conn, "geo_results", frame[["id", "x", "y", "level", "score", "label", "status", "commune", "postcode"]])
    conn.execute(sql.SQL(_q("update_target")).format(table=_table(table)))
    review = [
        {
            "target": table,
            "target_id": i,
            "address": r.query,
            "level": r.level,
            "score": r.score,
            "reason": r.reason
            or f"confiance {french_number(r.score, 2)} sous le seuil {french_number(threshold, 2)} (niveau {r.level})",
            "alternatives": json.dumps(review_choices(r), ensure_ascii=False),
        }
        for i, r, ok in zip(ids, results, confident, strict=True)
        if not ok
    ]
    if review:
        with conn.cursor() as cur:
            cur.executemany(_q("queue_review"), review)
    conn.execute("DROP TABLE geo_results")
    failed = int((frame["x"].isna()).sum())
    return GeocodeStats(attempted=len(ids), placed=int(confident.sum()), to_review=len(review), failed=failed)


def review_choices(result: GeocodeResult) -> list[dict[str, Any]]:
    """What a person may accept for a doubtful row: the geocoder's own provisional point first (when it has one),
    then its other candidates."""
    choices = list(result.alternatives)
    if result.x is not None and result.level != "ambigu":
        own = {
            "libelle": result.label,
            "niveau": result.level,
            "score": result.score,
            "x": result.x,
            "y": result.y,
            "lon": result.lon,
            "lat": result.lat,
            "commune": result.municipality,
            "code_postal": result.postcode,
        }
        choices = [own, *(c for c in choices if c.get("libelle") != result.label)]
    return choices[:6]


def _pending(conn: psycopg.Connection[Any], table: str, batch_id: int | None) -> list[tuple[Any, ...]]:
    return conn.execute(sql.SQL(_q("pending")).format(table=_table(table)), {"batch": batch_id}).fetchall()


def geocode_rows(
    conn: psycopg.Connection[Any],
    geocoder: Geocoder,
    table: str,
    *,
    batch_id: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> GeocodeStats:
    """Geocode the rows of ``table`` waiting for it (of one batch, or all)."""
    rows = _pending(conn, table, batch_id)
    results = [
        geocoder.geocode(address, postcode=postcode, locality=commune) for _id, address, postcode, commune in rows
    ]
    return apply_results(conn, table, [r[0] for r in rows], results, threshold=threshold)


@dataclass
class GazetteerBatchGeocoder:
    """The ingestion hook (:class:`service.geocode.BatchGeocoder`) backed by the offline gazetteer."""

    geocoder: Geocoder
    threshold: float = DEFAULT_THRESHOLD

    def geocode_batch(self, conn: psycopg.Connection[Any], *, table: str, batch_id: int) -> GeocodeStats:
        """Geocode the batch's waiting rows with the gazetteer (see :class:`service.geocode.BatchGeocoder`)."""
        return geocode_rows(conn, self.geocoder, table, batch_id=batch_id, threshold=self.threshold)


def batch_geocoder(
    conn: psycopg.Connection[Any], *, threshold: float = DEFAULT_THRESHOLD
) -> GazetteerBatchGeocoder | None:
    """The ingestion hook, or None while no address register is loaded (rows then wait as 'a_geocoder')."""
    row = conn.execute("SELECT EXISTS (SELECT 1 FROM gazetteer_streets)").fetchone()
    if not row or not row[0]:
        return None
    return GazetteerBatchGeocoder(Geocoder.from_db(conn), threshold)


def open_reviews(conn: psycopg.Connection[Any], *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Open reviews, oldest first: ``limit`` of them from the ``offset``-th (see :func:`count_open_reviews`)."""
    cur = conn.execute(_q("open_reviews"), {"limit": limit, "offset": offset})
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def count_open_reviews(conn: psycopg.Connection[Any]) -> int:
    """How many addresses wait for a person's review."""
    row = conn.execute(_q("count_open_reviews")).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class HandPlaced:
    """A point placed by hand (WGS84), with what it is checked against: the commune outlines that name its commune
    where no official address is near it (see :func:`service.zone.commune_outlines`) and the police zone it must lie
    in (:func:`service.zone.zone_polygon`; ``None``: not checked). ``spelled`` writes a point as the person gives
    one (the command's options by default), to say it back in an error."""

    lon: float
    lat: float
    communes: tuple[tuple[str, BaseGeometry], ...] = ()
    zone: BaseGeometry | None = None
    spelled: str = "--lon {lon} --lat {lat}"


def _example_inside(zone: BaseGeometry, lon: float, lat: float, spelled: str) -> str:
    """A point of the zone written with as few decimals as keep it inside (two, about a kilometre, when the zone
    is wide enough; up to five for a narrow one)."""
    for digits in (2, 3, 4):
        lon_r, lat_r = round(lon, digits), round(lat, digits)
        if shapely.contains_xy(zone, *to_lambert(lon_r, lat_r)):
            return spelled.format(lon=lon_r, lat=lat_r)
    return spelled.format(lon=round(lon, 5), lat=round(lat, 5))


def check_in_zone(answer: HandPlaced, x: float, y: float) -> None:
    """Refuse a hand-placed point outside the zone (``x``/``y``: its Lambert coordinates), saying when the two
    values were given the wrong way round: an import rejects such a point, a review must not store it."""
    zone, lon, lat = answer.zone, answer.lon, answer.lat
    far = None if zone is None else km_outside(zone, x, y)
    if zone is None or far is None:
        return
    km = french_number(far, 1, group=SPACE)
    swapped = to_lambert(lat, lon) if abs(lon) <= 90 else None
    if swapped is not None and shapely.contains_xy(zone, *swapped):
        hint = f"Longitude et latitude sont inversées : essayez {answer.spelled.format(lon=lat, lat=lon)}."
    else:
        inside = zone.representative_point()  # inside even a concave zone, where its centroid may not be
        example = _example_inside(zone, *to_lonlat(inside.x, inside.y), answer.spelled)
        hint = f"Donnez la longitude puis la latitude en degrés WGS84 (un point de la zone : {example})."
    raise InvalidValueError(
        f"Le point {answer.spelled.format(lon=lon, lat=lat)} est hors de la zone de police (à {km} km) : rien n'est "
        "enregistré.",
        hint=hint,
    )


def resolve_review(
    conn: psycopg.Connection[Any], review_id: int, answer: int | HandPlaced, *, who: str = "cli"
) -> dict[str, Any]:
    """Accept alternative ``answer`` (1-based) or place the point by hand; the row becomes 'manuel'.

    The row's commune and postcode become those of the chosen address; a point placed by hand takes the
    commune of the official addresses around it (else of the outline containing it), and is refused outside the
    zone, as an imported point would be."""
    row = conn.execute(_q("review"), {"id": review_id}).fetchone()
    if row is None:
        raise NotFoundError(
            f"Vérification {review_id} introuvable ou déjà traitée.",
            hint="Les vérifications ouvertes : le volet « Adresses à vérifier » de la carte, ou « hotspots geocode "
            "review ».",
        )
    target, target_id, alternatives = row
    if isinstance(answer, int):
        choice = answer
        if not 1 <= choice <= len(alternatives):
            raise NotFoundError(f"Pas de proposition n° {choice} (il y en a {len(alternatives)}).")
        alt = alternatives[choice - 1]
        x, y, label, level = alt["x"], alt["y"], alt["libelle"], alt["niveau"]
        commune, postcode = alt.get("commune"), alt.get("code_postal")
        resolution = f"proposition {choice} acceptée par {who}"
    else:
        x, y = to_lambert(answer.lon, answer.lat)
        check_in_zone(answer, x, y)
        label, level = None, "manuel"
        commune, postcode = commune_of_point(conn, answer.communes, x, y), None
        resolution = f"placé à la main par {who}"
    with conn.transaction():
        conn.execute(
            sql.SQL(_q("place_by_hand")).format(table=_table(target)),
            {"id": target_id, "x": x, "y": y, "label": label, "level": level, "commune": commune, "postcode": postcode},
        )
        conn.execute(_q("close_review"), {"id": review_id, "resolution": resolution})
    return {
        "verification": review_id,
        "table": target,
        "id": target_id,
        "x": x,
        "y": y,
        "libelle": label,
        "commune": commune,
        "code_postal": postcode,
    }
