"""The facts of an advice sheet: what is known around an address (or a point) under review, so that the service
gives its opinion on an urban-planning or environment application with facts.

Within the radius: the nuisance reports by category and year (the last ``advice_years`` full years and the current
one), the sensitive points and problem axes, the permits already there (with the complaints linked to them), and
the visits made. The counts are exact (an internal document, not a public one) and never carry report text or
personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import psycopg
import shapely
from shapely.geometry.base import BaseGeometry

from service.db.queries import Queries
from service.db.vocabulary import Labels
from service.errors import InvalidValueError
from service.geo import to_lonlat
from service.permits.followup import permit_words
from service.permits.links import complaint_trend, load_permits, load_rules, permit_links, zone_halves
from service.plan.model import Place
from service.plan.places import AddressGeocoder, parse_coordinates, resolve_place
from service.settings import Settings
from service.text import counted
from service.zone import communes_or, km_outside, zone_polygon

#: Bounds of the radius (metres): below, an address says nothing; above, it is a neighbourhood, not a parcel.
MIN_RADIUS_M = 25.0
MAX_RADIUS_M = 1000.0


_q = Queries("service.permits", "advice.sql")


@dataclass
class AdviceFacts:
    """Everything the advice sheet shows (places in Lambert 72)."""

    place: Place
    nearest_address: str | None
    commune: str | None
    radius_m: float
    since: pd.Timestamp
    until: pd.Timestamp
    years: list[int]
    counts: pd.DataFrame  # index: category code; columns: years; values: counts (every year, zeros included)
    total: int
    referred: int
    points: pd.DataFrame  # id, address_label, state, trend, n_reports, main_category, last_report, distance_m, geom
    axes: pd.DataFrame  # id, street, municipality, state, length_m, reports, rate_per_100m, distance_m, geom
    permits: list[dict[str, Any]]
    visits: dict[str, int]  # outcome code → count
    report_points: pd.DataFrame  # category, x, y
    zone: str  # the service's time zone: its years and days
    notes: list[str] = field(default_factory=list)

    @property
    def circle(self) -> BaseGeometry:
        """The disc of ``radius_m`` around the place: drawn on the sheet's map, and it frames that map."""
        return shapely.Point(self.place.x, self.place.y).buffer(self.radius_m, quad_segs=32)


def check_radius(radius_m: float) -> float:
    """The radius, or a French error naming the value and the bounds."""
    if not MIN_RADIUS_M <= float(radius_m) <= MAX_RADIUS_M:
        raise InvalidValueError(
            f"rayon de {float(radius_m):g} m hors des limites",
            hint=f"Donnez un rayon entre {MIN_RADIUS_M:g} et {MAX_RADIUS_M:g} m (par défaut 200 m).",
        )
    return float(radius_m)


def check_years(years: int) -> int:
    """The years of history, or a French error naming the value and the bounds."""
    if not 1 <= int(years) <= 10:
        raise InvalidValueError(f"{years} années d'historique : entre 1 et 10", hint="Par exemple --annees 3.")
    return int(years)


def locate(text: str, geocoder: AddressGeocoder | None, settings: Settings) -> Place:
    """The address or point under review (the geocoder's French reason when it cannot be placed); it must lie in
    the zone."""
    place = resolve_place(text, geocoder, what="la demande")
    if km_outside(zone_polygon(settings), place.x, place.y) is None:
        return place
    hint = f"Donnez une adresse de {communes_or(settings)}, ou des coordonnées dans la zone."
    raise InvalidValueError(
        f"« {text.strip()} » est hors de la zone de police : la fiche d'avis n'aurait aucun fait à montrer.", hint=hint
    )


@dataclass(frozen=True)
class Reach:
    """How far around the place (metres) and how many years before the current one an advice sheet looks; the
    service's settings fill what is not given."""

    radius_m: float | None = None
    years: int | None = None

    def checked(self, settings: Settings) -> tuple[float, int]:
        """The radius and the years, or a French error naming the value out of its bounds."""
        radius = check_radius(settings.advice_radius_m if self.radius_m is None else self.radius_m)
        return radius, check_years(settings.advice_years if self.years is None else self.years)


def advice_for_address(
    conn: psycopg.Connection[Any],
    settings: Settings,
    text: str,
    reach: Reach,
    *,
    labels: Labels,
    geocoder: Callable[[], AddressGeocoder | None],
) -> AdviceFacts:
    """The facts around an address (or ``lon, lat``) as the API and the command take it: the radius and the years
    checked before anything slow, the geocoder asked for (``geocoder()``, which may have to build it) only when the
    text is an address, the place checked to lie in the zone (:func:`locate`), the facts gathered."""
    reach.checked(settings)
    place = locate(text, geocoder() if parse_coordinates(text) is None else None, settings)
    return advice_facts(conn, settings, place, labels, reach)


def advice_facts(
    conn: psycopg.Connection[Any],
    settings: Settings,
    place: Place,
    labels: Labels,
    reach: Reach = Reach(),
    *,
    now: datetime | None = None,
) -> AdviceFacts:
    """Gather the facts around ``place`` up to ``now``. Reads only."""
    radius, n_years = reach.checked(settings)
    until = pd.Timestamp(now) if now is not None else pd.Timestamp.now(tz="UTC")
    until = until.tz_localize("UTC") if until.tzinfo is None else until
    zone = settings.timezone
    this_year = until.tz_convert(zone).year
    first_year = this_year - n_years
    since = pd.Timestamp(f"{first_year}-01-01", tz=zone).tz_convert("UTC")
    params = {"x": place.x, "y": place.y, "radius": radius, "since": since, "until": until, "zone": zone}
    raw = _q.frame(conn, "counts", params)
    year_list = list(range(first_year, this_year + 1))
    if raw.empty:
        counts = pd.DataFrame(columns=year_list, dtype=int)
    else:
        counts = raw.pivot_table(index="category", columns="year", values="n", aggfunc="sum", fill_value=0)
        counts = counts.reindex(columns=year_list, fill_value=0).astype(int)
        counts = counts.loc[counts.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    referred_row = conn.execute(_q("referred"), params).fetchone()
    referred = int(referred_row[0]) if referred_row else 0
    nearest = conn.execute(_q("nearest_address"), params).fetchone()
    permit_ids = [int(r[0]) for r in conn.execute(_q("permit_ids"), params).fetchall()]
    permits = _permits(conn, settings, permit_ids, place, until)
    visits = {str(o): int(n) for o, n in conn.execute(_q("visits"), params).fetchall()}
    notes = [
        f"Signalements des années {first_year} à {this_year} (jusqu'au {until.tz_convert(zone):%d/%m/%Y}) "
        f"à moins de {radius:g} m ; les quasi-doublons (le même fait signalé deux fois) ne sont pas comptés.",
    ]
    if referred:
        why = (
            "n'est pas compté : ce n'est pas une nuisance de rue"
            if referred < 2
            else "ne sont pas comptés : ce ne sont pas des nuisances de rue"
        )
        notes.append(
            f"{counted(referred, 'signalement renvoyé', 'signalements renvoyés')} à la médiation ou à un partenaire "
            f"(différends de voisinage…) {why}."
        )
    return AdviceFacts(
        place=place,
        nearest_address=nearest[0] if nearest else None,
        commune=nearest[1] if nearest else None,
        radius_m=radius,
        since=since,
        until=until,
        years=year_list,
        counts=counts,
        total=int(counts.to_numpy().sum()) if len(counts) else 0,
        referred=referred,
        points=_q.frame(conn, "points", params),
        axes=_q.frame(conn, "axes", params),
        permits=permits,
        visits=visits,
        report_points=_q.frame(conn, "report_points", params),
        zone=zone,
        notes=notes,
    )


def _permits(
    conn: psycopg.Connection[Any], settings: Settings, ids: list[int], place: Place, until: pd.Timestamp
) -> list[dict[str, Any]]:
    """The permits within the radius, nearest first, with the complaints linked to them over the last year."""
    if not ids:
        return []
    permits = load_permits(conn, ids).set_index("id").loc[ids].reset_index()
    links = permit_links(
        conn,
        settings,
        permits,
        since=(until - pd.Timedelta(days=365)).to_pydatetime(),
        until=until,
        rules=load_rules(conn),
    )
    zone = zone_halves(conn, until)
    out = []
    for p in permits.to_dict("records"):
        mine = links[links["permit_id"] == p["id"]]
        out.append(
            {
                "id": int(p["id"]),
                "reference": p["reference"],
                "permis": permit_words(p["permit_type"], p["env_class"]),
                "activite": p["activity"],
                "exploitant": p["operator"],
                "lieu": p["label"],
                "valide_jusqu_au": p["valid_until"],
                "distance_m": float(shapely.Point(p["x"], p["y"]).distance(shapely.Point(place.x, place.y))),
                "plaintes_12_mois": len(mine),
                "tendance": complaint_trend(mine["observed_at"], until, categories=mine["category"], zone=zone).words,
                "x": float(p["x"]),
                "y": float(p["y"]),
            }
        )
    return out


def _json_value(value: Any) -> Any:
    """Dates as ISO 8601, a missing date as null."""
    if value is None or (not isinstance(value, str | int | float) and pd.isna(value)):
        return None
    return value.isoformat() if hasattr(value, "isoformat") else value


def facts_json(facts: AdviceFacts, labels: Labels) -> dict[str, Any]:
    """The facts as the API gives them (French keys; distances in metres, rounded)."""
    lon, lat = to_lonlat(facts.place.x, facts.place.y)
    return {
        "lieu": facts.place.label,
        "adresse_la_plus_proche": facts.nearest_address,
        "commune": facts.commune,
        "lon": round(lon, 6),
        "lat": round(lat, 6),
        "rayon_m": facts.radius_m,
        "depuis": facts.since.isoformat(),
        "jusqu_au": facts.until.isoformat(),
        "annees": facts.years,
        "signalements": {
            "total": facts.total,
            "renvoyes_non_comptes": facts.referred,
            "par_categorie": [
                {
                    "categorie": code,
                    "libelle": labels.category(code),
                    "par_annee": {str(y): int(row[y]) for y in facts.years},
                    "total": int(row.sum()),
                }
                for code, row in facts.counts.iterrows()
            ],
        },
        "points_sensibles": [
            {
                "id": r["id"],
                "lieu": r["address_label"],
                "etat": r["state"],
                "tendance": r["trend"],
                "signalements": int(r["n_reports"]),
                "categorie_principale": r["main_category"],
                "distance_m": round(float(r["distance_m"])),
            }
            for r in facts.points.to_dict("records")
        ],
        "axes": [
            {
                "id": r["id"],
                "rue": r["street"],
                "commune": r["municipality"],
                "etat": r["state"],
                "longueur_m": round(float(r["length_m"])),
                "signalements": int(r["reports"]),
                "distance_m": round(float(r["distance_m"])),
            }
            for r in facts.axes.to_dict("records")
        ],
        "permis": [
            {k: _json_value(v) for k, v in p.items() if k not in ("x", "y")} | {"distance_m": round(p["distance_m"])}
            for p in facts.permits
        ],
        "visites": [{"resultat": o, "libelle": labels.outcome(o), "nombre": n} for o, n in facts.visits.items()],
        "remarques": facts.notes,
    }
