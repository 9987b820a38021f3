"""The demonstration's prevention side: permitted facilities that attract complaints, a few noise complaints between
neighbours, and green neighbourhood information networks.

Drawn from a generator of their own (``default_rng([seed, 13])``), so the other demonstration files stay the same
bytes for a given seed. Everything sits on real ICAR addresses of Seraing and Neupré:

* two **facilities** (a body shop whose permit expires in a few months, a rubble crusher with a noise condition),
  each with complaints of the categories its permit concerns within 15-90 m over the last ten months, more of them
  lately; their permits are added to ``permis.csv``;
* three **noise complaints between neighbours** (``bruit_voisinage``) at private addresses, with the reporter's
  name and phone (personal data, kept apart at import): the rule proposes them for the Mediation service;
* three **networks** (``reseaux.json``): one by streets around a persistent dumping corner, one by commune section
  around another corner, one drawn as a polygon around the body shop, each with a coordinator (personal data).

The complaints go to ``signalements_service_environnement.csv`` (the environment service's own register: commune
layout plus WGS84 coordinates, UTF-8).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from service.demo import addresses as ad
from service.demo.extras import permit_row
from service.demo.scenario import Axis, Hotspot, Window
from service.demo.vocab import FIRST_NAMES, LAST_NAMES
from service.demo.writers import COMMUNE_HEADER, pick
from service.geocode.normalise import fold

REPORT_HEADER = (*COMMUNE_HEADER, "Latitude", "Longitude")
#: Complaints drawn around the body shop (odours, since its new paint booth) and the crusher (noise), all in the
#: last six months: enough for a rise that the permit's trend test finds against the zone's own summer rise of
#: odours and noise (9 and 7 were within chance once the season was counted).
SHOP_COMPLAINTS = 12
CRUSHER_COMPLAINTS = 10
#: Sections whose postcode names them alone (a network by section must not cover its neighbour too).
_SECTION_OF = {"4101": "Jemeppe-sur-Meuse", "4102": "Ougrée", "4121": "Neuville-en-Condroz", "4122": "Plainevaux"}
_ODOURS = (
    "Odeur de solvant très forte depuis l'atelier de carrosserie",
    "Odeurs de peinture dans toute la rue, fenêtres fermées",
    "Odeur chimique persistante, maux de tête",
    "Vapeurs de peinture le soir après la fermeture",
)
_NOISE = (
    "Concasseur en marche dès 6 h du matin",
    "Bruit de concassage toute la journée, même le samedi",
    "Poussière et bruit du concasseur, camions dans la rue",
    "Vibrations et bruit du chantier de concassage",
)
_NEIGHBOURS = (
    "Musique très forte chez le voisin du dessus tous les soirs",
    "Chien qui aboie toute la journée chez le voisin, propriétaire absent",
    "Disputes et bruits de travaux chez le voisin après 22 h",
)
_NEIGHBOUR_SPELLINGS = ("Bruit de voisinage", "Tapage de voisinage", "Voisins bruyants")


@dataclass
class PreventionPlan:
    """What the prevention side adds: permit rows (``permis.csv`` layout), report rows, networks, truth."""

    permits: list[tuple[Any, ...]] = field(default_factory=list)
    reports: list[list[str]] = field(default_factory=list)
    networks: list[dict[str, Any]] = field(default_factory=list)
    truth: dict[str, Any] = field(default_factory=dict)


def _person(rng: np.random.Generator) -> tuple[str, str]:
    name = f"{pick(rng, FIRST_NAMES)} {pick(rng, LAST_NAMES)}"
    d = rng.integers(0, 10, 6)
    return name, f"0477 {d[0]}{d[1]} {d[2]}{d[3]} {d[4]}{d[5]}"


def _coordinator(rng: np.random.Generator) -> dict[str, str]:
    """A network's coordinator: name, mobile number, and an address on the reserved example.org domain (never a
    real mailbox)."""
    name, phone = _person(rng)
    email = ".".join("-".join(part.split()) for part in fold(name).replace("'", "").split(" ", 1)) + "@example.org"
    return {"nom": name, "telephone": phone, "email": email}


def _far_from(book: ad.AddressBook, anchors: list[int], metres: float) -> np.ndarray:
    ok = np.ones(len(book), dtype=bool)
    for i in anchors:
        ok &= book.distances(i) > metres
    return ok


def _dense(book: ad.AddressBook, ok: np.ndarray, rng: np.random.Generator) -> int:
    """An address with many neighbours within 150 m (a built-up street), among ``ok``."""
    picks = np.flatnonzero(ok)
    sample = picks[rng.choice(len(picks), size=min(200, len(picks)), replace=False)]
    counts = np.array([(book.distances(int(i)) < 150).sum() for i in sample])
    best = sample[counts >= np.quantile(counts, 0.7)]
    return int(best[int(rng.integers(len(best)))])


def _when(rng: np.random.Generator, window: Window, n: int, months: int = 10) -> list[dt.datetime]:
    """``n`` times over the last ``months`` months before the window's end, more of them lately (quantiles of a
    density that rises towards the end, a few days of noise: the rise is there whatever the seed)."""
    span = months * 30
    ages = span * ((np.arange(n) + 0.5) / n) ** 2 + rng.uniform(-3, 3, n)
    out = []
    for age in ages:
        day = window.end - dt.timedelta(days=max(1, int(age)))
        out.append(dt.datetime.combine(day, dt.time(int(rng.integers(8, 20)), int(rng.integers(0, 60)))))
    return sorted(out)


def _near(book: ad.AddressBook, rng: np.random.Generator, i: int, lo: float, hi: float, n: int) -> list[int]:
    d = book.distances(i)
    ring = np.flatnonzero((d >= lo) & (d <= hi))
    return [int(ring[int(k)]) for k in rng.integers(0, len(ring), n)]


def plan_prevention(
    seed: int, book: ad.AddressBook, window: Window, hotspots: list[Hotspot], axes: list[Axis]
) -> PreventionPlan:
    """Draw the prevention side of the demonstration (its own generator: the other files do not move)."""
    rng = np.random.default_rng([seed, 13])
    proj = ad.Projections.create()
    plan = PreventionPlan()
    anchors = [h.centre for h in hotspots] + [int(a.members[len(a.members) // 2]) for a in axes]
    free = _far_from(book, anchors, 450.0)
    year = window.end.year
    seq = iter(range(1, 10_000))

    def report(i: int, when: dt.datetime, category: str, text: str, person: tuple[str, str] = ("", "")) -> None:
        dx, dy = ad.jitter(rng, 1, 6.0)
        lon, lat = (book.lon[i], book.lat[i]) if person[0] else _lonlat(proj, book, i, dx[0], dy[0])
        plan.reports.append(
            [
                f"ENV/{when.year}/{next(seq):04d}",
                when.strftime("%d/%m/%Y %H:%M"),
                category,
                f"{book.street[i]} {book.number[i]}",
                str(book.postcode[i]),
                str(book.municipality[i]),
                text,
                "Nouveau" if (window.end - when.date()).days < 20 else "Clôturé",
                person[0],
                person[1],
                "",
                f"{lat:.6f}",
                f"{lon:.6f}",
            ]
        )

    def complaints(
        site: int, n: int, spellings: tuple[str, ...], texts: tuple[str, ...], *, lo: float, months: int
    ) -> None:
        """``n`` reports ``lo`` to 90 m from a permit's site, six in ten signed by the neighbour who made them."""
        for i, when in zip(_near(book, rng, site, lo, 90, n), _when(rng, window, n, months=months), strict=True):
            report(i, when, pick(rng, spellings), pick(rng, texts), _person(rng) if rng.random() < 0.6 else ("", ""))

    # a body shop whose permit expires in four months, with odour complaints around it since its new paint booth
    # (six months: a rise the exact test of the permit's trend finds, not one chance or the summer would give)
    shop = _dense(book, free, rng)
    until = window.end + dt.timedelta(days=120)
    decided = until.replace(year=until.year - 20) + dt.timedelta(days=1)
    name = pick(rng, LAST_NAMES)
    plan.permits.append(
        permit_row(
            book,
            shop,
            ref=f"PE/{decided.year}/{int(rng.integers(1, 900)):04d}",
            kind="Permis d'environnement",
            klass="2",
            company=f"Carrosserie {name} SRL",
            activity="Carrosserie et cabine de peinture",
            decided=decided,
            until=until,
            conditions="Cabine de peinture avec filtres à charbon actif, remplacés chaque année",
        )
    )
    complaints(shop, SHOP_COMPLAINTS, ("Odeurs", "Mauvaises odeurs", "Nuisances olfactives"), _ODOURS, lo=15, months=6)
    free &= book.distances(shop) > 1200
    # a rubble crusher with a noise condition, and noise complaints
    crusher = _dense(book, free, rng)
    decided = window.end - dt.timedelta(days=int(rng.integers(400, 900)))
    plan.permits.append(
        permit_row(
            book,
            crusher,
            ref=f"PUN/{decided.year}/{int(rng.integers(1, 900)):04d}",
            kind="Permis unique",
            klass="2",
            company=f"Inertes {pick(rng, LAST_NAMES)} SA",
            activity="Concassage de gravats",
            decided=decided,
            until=decided.replace(year=decided.year + 20) - dt.timedelta(days=1),
            conditions="Bruit limité à 55 dB(A) en limite de propriété ; pas d'activité avant 7 h",
        )
    )
    complaints(crusher, CRUSHER_COMPLAINTS, ("Bruit", "Nuisances sonores"), _NOISE, lo=20, months=6)
    # noise between neighbours at private addresses: proposed for the Mediation service at import
    neighbours = []
    for k in range(3):
        i = int(np.flatnonzero(free)[int(rng.integers(int(free.sum())))])
        when = dt.datetime.combine(window.end - dt.timedelta(days=int(rng.integers(3, 60))), dt.time(21, 30 + k * 5))
        report(i, when, pick(rng, _NEIGHBOUR_SPELLINGS), _NEIGHBOURS[k], _person(rng))
        neighbours.append(book.label(i))

    persistent = [h for h in hotspots if h.profile == "persistent"] or hotspots
    by_streets = persistent[0]
    streets = _streets_around(book, by_streets.centre)
    sectioned = next(
        (h for h in hotspots[::-1] if book.postcode[h.centre] in _SECTION_OF and h is not by_streets), None
    )
    plan.networks.append(
        {
            "nom": f"PLP Environnement {book.street[by_streets.centre]}",
            "zone": {"rues": streets, "commune": str(book.municipality[by_streets.centre])},
            "coordinateur": _coordinator(rng),
        }
    )
    truth_networks = [{"nom": plan.networks[-1]["nom"], "zone": "rues", "points_sensibles": [by_streets.id]}]
    if sectioned is not None:
        section = _SECTION_OF[book.postcode[sectioned.centre]]
        plan.networks.append(
            {
                "nom": f"Quartiers verts {'d’' if section[0] in 'AEIOUÉÈ' else 'de '}{section}",
                "zone": {"section": section},
                "coordinateur": _coordinator(rng),
            }
        )
        truth_networks.append({"nom": plan.networks[-1]["nom"], "zone": "section", "points_sensibles": [sectioned.id]})
    plan.networks.append(
        {
            "nom": f"PLP {book.street[shop]}",
            "zone": {"polygone": _square(proj, book, shop, 350.0)},
            "coordinateur": _coordinator(rng),
        }
    )
    truth_networks.append(
        {"nom": plan.networks[-1]["nom"], "zone": "polygone", "points_sensibles": [], "permis": plan.permits[0][1]}
    )
    plan.truth = {
        "file": "signalements_service_environnement.csv",
        "permits_attracting_reports": [
            {"reference": plan.permits[0][1], "category": "odeurs", "reports": SHOP_COMPLAINTS},
            {"reference": plan.permits[1][1], "category": "bruit", "reports": CRUSHER_COMPLAINTS},
        ],
        "expiring_permit": plan.permits[0][1],
        "neighbour_noise": neighbours,
        "networks": truth_networks,
        "year": year,
    }
    return plan


def _lonlat(proj: ad.Projections, book: ad.AddressBook, i: int, dx: float, dy: float) -> tuple[float, float]:
    lon, lat = proj.from_l72.transform(book.x[i] + dx, book.y[i] + dy)
    return float(lon), float(lat)


def _streets_around(book: ad.AddressBook, centre: int) -> list[str]:
    """The corner's own street and the two other streets with most addresses within 250 m of it."""
    near = book.distances(centre) < 250
    same = book.municipality == book.municipality[centre]
    names, counts = np.unique(book.street[near & same], return_counts=True)
    others = [
        str(n) for n, _c in sorted(zip(names, counts, strict=True), key=lambda t: -t[1]) if n != book.street[centre]
    ]
    return [str(book.street[centre]), *others[:2]]


def _square(proj: ad.Projections, book: ad.AddressBook, i: int, half: float) -> dict[str, Any]:
    """A square of ``2 × half`` metres around address ``i`` as a GeoJSON polygon in WGS84."""
    x, y = book.x[i], book.y[i]
    corners = [
        (x - half, y - half),
        (x + half, y - half),
        (x + half, y + half),
        (x - half, y + half),
        (x - half, y - half),
    ]
    ring = [[round(c, 6) for c in proj.from_l72.transform(cx, cy)] for cx, cy in corners]
    return {"type": "Polygon", "coordinates": [ring]}


def _report_time(row: Any) -> dt.datetime:
    return dt.datetime.strptime(row[1], "%d/%m/%Y %H:%M")


def write_reports(path: Path, plan: PreventionPlan) -> int:
    """The environment service's own register (commune layout, WGS84 coordinates, UTF-8); returns the row count."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter=";", lineterminator="\n")
        out.writerow(REPORT_HEADER)
        out.writerows(sorted(plan.reports, key=_report_time))
    return len(plan.reports)


def write_networks(path: Path, plan: PreventionPlan) -> int:
    """The networks to register (``hotspots demo`` registers them)."""
    path.write_text(json.dumps({"reseaux": plan.networks}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(plan.networks)


def register_networks(conn: Any, settings: Any, path: Path, *, actor: str = "demo") -> list[int]:
    """Register the networks of ``reseaux.json`` that are not registered yet (by name)."""
    from service.errors import ConflictError
    from service.prevention.networks import Coordinator, register_network

    ids = []
    for network in json.loads(path.read_text(encoding="utf-8"))["reseaux"]:
        zone = network["zone"]
        contact = network.get("coordinateur") or {}
        try:
            ids.append(
                register_network(
                    conn,
                    settings,
                    network["nom"],
                    polygon=zone.get("polygone"),
                    streets=zone.get("rues"),
                    section=zone.get("section"),
                    commune=zone.get("commune"),
                    coordinator=Coordinator(contact.get("nom"), contact.get("telephone"), contact.get("email")),
                    actor=actor,
                )
            )
        except ConflictError:
            continue
    conn.commit()
    return ids
