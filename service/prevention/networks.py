"""Green neighbourhood information networks in PostGIS: register one, list them, find one by name or number, and
the areas of the zone's sections.

A network's area is given as a polygon, a list of streets or a commune section (:mod:`service.prevention.areas`);
what was given is kept (``area_spec``) beside the polygon drawn from it. The coordinator's contact is personal
data: stored apart by :func:`service.db.personal.store_network_coordinator`, read only with a reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import psycopg
import shapely
from shapely.geometry.base import BaseGeometry

from service.db.personal import audit, store_network_coordinator
from service.db.queries import Queries
from service.errors import ConflictError, InvalidValueError, NotFoundError
from service.geocode.normalise import fold
from service.prevention.areas import check_area, polygon_from_geojson, postcode_area, street_band
from service.settings import Settings
from service.text import spoken_list
from service.zone import commune_outlines, communes_or, zone_polygon

CRS = "EPSG:31370"
AREA_KINDS = ("polygone", "rues", "section")


q = Queries("service.prevention", "prevention.sql")


@dataclass(frozen=True)
class Scope:
    """What a digest is about: a network (its number) or a section (its name), and its area in Lambert 72."""

    kind: str  # reseau, section
    name: str
    area: BaseGeometry
    network_id: int | None = None
    commune: str | None = None
    note: str | None = None  # e.g. a section that shares its postcode


@dataclass(frozen=True)
class Coordinator:
    """A network's coordinator; every field is optional."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None

    def given(self) -> bool:
        """Whether anything of the coordinator was given (blank fields do not count)."""
        return any(v and v.strip() for v in (self.name, self.phone, self.email))


def _addresses(conn: psycopg.Connection[Any]) -> gpd.GeoDataFrame:
    data = q.frame(conn, "postcode_addresses", {})
    return gpd.GeoDataFrame(
        data[["postcode", "municipality"]], geometry=gpd.points_from_xy(data["x"], data["y"]), crs=CRS
    )


def find_section(conn: psycopg.Connection[Any], text: str) -> tuple[str, str, list[str], list[str]]:
    """``(name, commune, postcodes, other sections of those postcodes)`` of the section named by ``text`` (or given
    by its postcode); a French error listing the sections otherwise."""
    rows = q.frame(conn, "sections", {})
    wanted = fold(text or "")
    for r in rows.to_dict("records"):
        if wanted and (fold(r["name"]) == wanted or (wanted.isdigit() and wanted in r["postcodes"])):
            codes = list(r["postcodes"])
            others = sorted(
                {o["name"] for o in rows.to_dict("records") if set(o["postcodes"]) & set(codes)}
                - {r["name"], "Jemeppe", "Rotheux"}
            )
            return str(r["name"]), str(r["municipality"]), codes, others
    names = sorted({r["name"] for r in rows.to_dict("records")} - {"Jemeppe", "Rotheux"})
    if not names:
        raise NotFoundError(
            f"Section inconnue : « {text} » (le registre des adresses n'est pas chargé).",
            hint="Chargez-le : hotspots gazetteer load …",
        )
    raise NotFoundError(f"Section inconnue : « {text} ».", hint="Sections de la zone : " + ", ".join(names) + ".")


def section_scope(conn: psycopg.Connection[Any], settings: Settings, text: str) -> Scope:
    """A section as the scope of a digest: its postcode area cut to its commune."""
    name, commune, postcodes, others = find_section(conn, text)
    outline = dict(commune_outlines(settings)).get(commune) or zone_polygon(settings)
    area = postcode_area(_addresses(conn), postcodes, outline)
    if area.is_empty:
        raise NotFoundError(
            f"Aucune adresse officielle pour la section {name} ({', '.join(postcodes)}).",
            hint="Chargez le registre des adresses de la commune (hotspots gazetteer load).",
        )
    note = None
    if others:
        note = (
            f"La section {name} partage le code postal {', '.join(postcodes)} avec {', '.join(others)} : le registre "
            "des adresses ne les distingue pas, la zone du bilan les couvre toutes."
        )
    return Scope("section", name, area, commune=commune, note=note)


def _communes_under(area: BaseGeometry, settings: Settings) -> str | None:
    """The zone's communes a drawn polygon lies in (« Seraing », or « Neupré, Seraing » across the border): a
    drawn network was listed without its commune. A sliver under a twentieth of the polygon does not count."""
    names = [
        name
        for name, outline in commune_outlines(settings)
        if name in settings.zone_communes and area.intersection(outline).area > 0.05 * area.area
    ]
    return ", ".join(sorted(names)) or None


def _streets_area(conn: psycopg.Connection[Any], streets: list[str], commune: str | None) -> tuple[BaseGeometry, str]:
    if not streets:
        raise InvalidValueError(
            "aucune rue donnée pour la zone du réseau", hint='Exemple : --rues "Rue Ferrer, Rue Cockerill"'
        )
    chosen: list[str] = []
    communes: set[str] = set()
    for name in streets:
        found = q.frame(conn, "street_matches", {"name": name.strip(), "commune": commune})
        exact = found[[fold(s) == fold(name) for s in found["street"]]] if len(found) else found
        if exact.empty:
            options = "; ".join(f"{r['street']} ({r['municipality']})" for r in found.head(4).to_dict("records"))
            raise InvalidValueError(
                f"rue inconnue{f' à {commune}' if commune else ''} : « {name.strip()} »",
                hint=f"Vouliez-vous dire : {options} ?" if options else "Vérifiez le nom officiel de la rue.",
            )
        if exact["municipality"].nunique() > 1:
            found = sorted(exact["municipality"].unique())
            where = spoken_list(found, "et")
            raise InvalidValueError(
                f"rue « {name.strip()} » dans plusieurs communes ({where})",
                hint=f"Précisez la commune (--commune {found[0]}).",
            )
        chosen += list(exact["street_id"])
        communes |= set(exact["municipality"])
    data = q.frame(conn, "street_addresses", {"ids": chosen})
    points = gpd.GeoDataFrame(
        data[["street", "municipality"]], geometry=gpd.points_from_xy(data["x"], data["y"]), crs=CRS
    )
    return street_band(points), ", ".join(sorted(communes))


def update_coordinator(
    conn: psycopg.Connection[Any],
    network_id: int,
    *,
    name: str | None,
    phone: str | None,
    email: str | None,
    actor: str,
) -> None:
    """Record the given fields of a network's coordinator (blank ones refused, absent ones kept); the change, not
    its values, goes to the access log."""
    given = {"nom": name, "telephone": phone, "email": email}
    blank = [field for field, value in given.items() if value is not None and not value.strip()]
    if blank:
        raise InvalidValueError(f"{', '.join(blank)} vide", hint="Donnez une valeur, ou n'indiquez pas ce champ.")
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email.strip()):
        raise InvalidValueError(f"e-mail « {email} » illisible", hint="Par exemple prenom.nom@exemple.be.")
    store_network_coordinator(
        conn,
        network_id,
        name=name.strip() if name else None,
        phone=phone.strip() if phone else None,
        email=email.strip() if email else None,
    )
    audit(conn, actor, "modification_coordinateur", reseau=network_id, champs=[k for k, v in given.items() if v])


def register_network(
    conn: psycopg.Connection[Any],
    settings: Settings,
    name: str,
    *,
    polygon: Any = None,
    streets: list[str] | None = None,
    section: str | None = None,
    commune: str | None = None,
    coordinator: Coordinator | None = None,
    actor: str,
) -> int:
    """Register a network; exactly one of ``polygon`` (GeoJSON), ``streets`` (with ``commune`` when a name exists
    in both communes) or ``section``. A French error and nothing stored for a taken name or an unusable area."""
    cleaned = (name or "").strip()
    if not 2 <= len(cleaned) <= 120:
        raise InvalidValueError(
            "nom du réseau manquant ou trop long (2 à 120 caractères)", hint="Exemple : PLP Les Trixhes"
        )
    given = [k for k, v in (("polygone", polygon), ("rues", streets), ("section", section)) if v]
    if len(given) != 1:
        raise InvalidValueError(
            "zone du réseau : donnez un polygone, une liste de rues ou une section (une seule des trois)",
            hint='--polygone zone.geojson, --rues "Rue A, Rue B" ou --section Ougrée',
        )
    kind = given[0]
    key = fold(cleaned)
    if conn.execute(q("network_by_key"), {"key": key}).fetchone():
        raise ConflictError(
            f"Un réseau « {cleaned} » existe déjà.", hint="Choisissez un autre nom (hotspots reseaux liste)."
        )
    spec: dict[str, Any]
    if kind == "polygone":
        area = polygon_from_geojson(polygon)
        spec = {"polygone": "dessiné"}
        place = commune or _communes_under(area, settings)
    elif kind == "rues":
        names = [s.strip() for s in streets or [] if s and s.strip()]
        area, place = _streets_area(conn, names, commune)
        spec = {"rues": names, "commune": commune}
    else:
        scope = section_scope(conn, settings, str(section))
        area, place = scope.area, scope.commune
        spec = {"section": scope.name}
    area = check_area(area, zone_polygon(settings), what="réseau", communes=communes_or(settings))
    with conn.transaction():
        row = conn.execute(
            q("insert_network"),
            {
                "name": cleaned,
                "key": key,
                "kind": kind,
                "spec": json.dumps(spec, ensure_ascii=False),
                "commune": place,
                "geom": shapely.to_wkb(area),
                "by": actor,
            },
        ).fetchone()
        assert row is not None
        network_id = int(row[0])
        if coordinator is not None and coordinator.given():
            store_network_coordinator(
                conn, network_id, name=coordinator.name, phone=coordinator.phone, email=coordinator.email
            )
    return network_id


def list_networks(conn: psycopg.Connection[Any], network_id: int | None = None) -> list[dict[str, Any]]:
    """Networks (no coordinator contact): id, name, area kind and specification, commune, area (m²), geometry
    (shapely, Lambert 72), date of the last digest sent."""
    data = q.frame(conn, "networks", {"id": network_id})
    rows: list[dict[str, Any]] = data.astype(object).where(data.notna(), None).to_dict("records")
    for r in rows:
        r["geom"] = shapely.from_wkb(bytes(r["geom"]))
    return rows


def find_network(conn: psycopg.Connection[Any], key: str | int) -> dict[str, Any]:
    """A network by number or name (case and accents ignored); a French error listing the networks otherwise."""
    if isinstance(key, int) or str(key).strip().isdigit():
        found = list_networks(conn, int(key))
        if found:
            return found[0]
    else:
        for network in list_networks(conn):
            if fold(network["name"]) == fold(str(key)):
                return network
    names = [n["name"] for n in list_networks(conn)]
    hint = "Réseaux : " + ", ".join(names) + "." if names else "Aucun réseau enregistré : hotspots reseaux ajouter …"
    raise NotFoundError(f"Réseau inconnu : « {key} ».", hint=hint)


def network_scope(network: dict[str, Any]) -> Scope:
    """The digest scope of a registered network (its area, name and commune)."""
    return Scope("reseau", network["name"], network["geom"], network_id=int(network["id"]), commune=network["commune"])
