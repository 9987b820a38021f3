"""A digest as people receive it: an HTML page (self-contained: its map is an image inside it) and an A4 PDF, both
with the same small map, drawn offline by the printed-map code of the job sheet; and as JSON for the API.

Nothing here reads the database but :func:`load_digest_background` (the streets and communes under the map).
"""

from __future__ import annotations

import base64
from typing import Any

import psycopg
import shapely
from jinja2 import Environment, PackageLoader, select_autoescape
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer
from reportlab.platypus.flowables import Flowable

from service.export.paper import CONTENT_WIDTH, Styles, build, bullets, data_table, para, section
from service.export.print_background import PaperBackground, load_background
from service.export.print_map import AXIS_COLOUR, MapFlowable, MapLayer, fit_bounds
from service.geo import geometry_to_wgs84, to_lonlat
from service.geocode.normalise import fold
from service.prevention.digest import PLAIN_TREND, STATE_WORDS, Digest, compare, count_json, counted_masked, shown
from service.settings import Settings

MAP_HEIGHT = 95 * mm
AREA_COLOUR = "#1a9641"
POINT_COLOUR = "#e66101"


def map_bounds(digest: Digest) -> tuple[float, float, float, float]:
    """The digest map's frame: the area with its points and axes, fitted to the map and at least 500 m across."""
    geoms = [digest.scope.area, *(p["geom"] for p in digest.points), *(a["geom"] for a in digest.axes)]
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    return fit_bounds((xmin, ymin, xmax, ymax), CONTENT_WIDTH, MAP_HEIGHT, margin=0.05, min_span_m=500)


def load_digest_background(conn: psycopg.Connection[Any], settings: Settings, digest: Digest) -> PaperBackground:
    """The streets and commune outlines under the digest's map (reads the database)."""
    return load_background(conn, settings, map_bounds(digest))


def map_block(digest: Digest, background: PaperBackground | None = None) -> MapFlowable:
    """The digest's map: the area, the problem axes, the sensitive points numbered as in the text. No report is
    drawn one by one."""
    back = background or PaperBackground()
    layers = [
        *back.layers(),
        MapLayer([digest.scope.area], stroke=AREA_COLOUR, fill=AREA_COLOUR, opacity=0.12, width=2, legend="zone"),
        MapLayer([digest.scope.area], stroke=AREA_COLOUR, width=2),
    ]
    if digest.axes:
        layers.append(
            MapLayer(
                [a["geom"] for a in digest.axes], stroke=AXIS_COLOUR, width=5, opacity=0.6, legend="axe problématique"
            )
        )
    if digest.points:
        layers.append(
            MapLayer([p["geom"] for p in digest.points], stroke=POINT_COLOUR, fill=POINT_COLOUR, opacity=0.35, width=1)
        )
        layers.append(
            MapLayer(
                [p["point"] for p in digest.points],
                stroke="#ffffff",
                fill=POINT_COLOUR,
                marker="cercle",
                size=13,
                labels=[str(i) for i in range(1, len(digest.points) + 1)],
                legend="point sensible (numéro du texte)",
            )
        )
    return MapFlowable(layers, CONTENT_WIDTH, MAP_HEIGHT, bounds=map_bounds(digest), attribution=back.attribution)


def _trend(p: dict[str, Any]) -> str:
    return PLAIN_TREND.get(p["trend"] or "aucune", str(p["trend"]).replace("_", " "))


def _where(item: dict[str, Any]) -> str:
    return "dans la zone" if item["inside"] else f"à {round(item['distance_m'])} m de la zone"


def rows(digest: Digest) -> dict[str, list[list[str]]]:
    """The tables of the digest as text (the same in HTML and PDF), counts shown under the threshold."""
    k = digest.k
    return {
        "categories": [
            [c["label"], shown(c["n"], k), shown(c["n_prev"], k), compare(c["n"], c["n_prev"], k)]
            for c in digest.categories
        ],
        "points": [
            [
                str(i),
                p["place"],
                p["category_label"] or "—",
                _trend(p),
                STATE_WORDS.get(p["state"], p["state"]),
                shown(p["n"], k),
                _where(p),
            ]
            for i, p in enumerate(digest.points, start=1)
        ],
        "axes": [
            [
                a["place"],
                f"{round(a['length_m'])} m",
                STATE_WORDS.get(a["state"], a["state"]),
                shown(a["n"], k),
                compare(a["n"], a["n_prev"], k),
                _where(a),
            ]
            for a in digest.axes
        ],
        "visits": [[v["label"], shown(v["n"], k)] for v in digest.visits],
    }


def render_pdf(digest: Digest, *, issuer: str, background: PaperBackground | None = None) -> bytes:
    """The digest as an A4 PDF, signed by ``issuer`` (the service's name)."""
    st = Styles()
    table = rows(digest)
    previous = digest.previous.label
    story: list[Flowable] = [
        para(digest.title, st.title),
        para(digest.summary(), st.subtitle),
        Spacer(1, 3 * mm),
        map_block(digest, background),
    ]
    period = digest.period.label
    if table["categories"]:
        body: list[Flowable] = [
            data_table(
                ["Nuisance", period, previous, "Évolution"],
                table["categories"],
                st,
                widths=[70 * mm, 35 * mm, 35 * mm, CONTENT_WIDTH - 140 * mm],
                numeric=[1, 2],
            )
        ]
    else:
        body = [
            para(
                f"Aucun signalement dans la zone {digest.period.during} ni {digest.previous.during}.",
                st.body,
            )
        ]
    story += section("Les signalements dans la zone", body, st)
    if table["points"]:
        body = [
            data_table(
                ["N°", "Lieu", "Nuisance", "Tendance", "État", f"Signalements ({period})", "Où"],
                table["points"],
                st,
                widths=[9 * mm, 35 * mm, 27 * mm, 30 * mm, 26 * mm, 31 * mm, 20 * mm],  # « Signalements » whole
                numeric=[5],
            )
        ]
    else:
        body = [para("Aucun point sensible dans la zone ni à ses abords.", st.body)]
    story += section("Points sensibles", body, st)
    if table["axes"]:
        body = [
            data_table(
                ["Rue", "Longueur", "État", f"Signalements ({period})", "Évolution", "Où"],
                table["axes"],
                st,
                widths=[48 * mm, 23 * mm, 27 * mm, 31 * mm, 22 * mm, 27 * mm],  # « Longueur » whole
                numeric=[1, 3],
            )
        ]
    else:
        body = [para("Aucun axe problématique dans la zone ni à ses abords.", st.body)]
    story += section("Axes problématiques", body, st)
    if table["visits"]:
        body = [
            para(
                f"{counted_masked(digest.visits_total, digest.k, 'visite', feminine=True)} dans la zone ou à ses "
                "abords :",
                st.body,
            ),
            data_table(["Résultat", "Visites"], table["visits"], st, widths=[90 * mm, 30 * mm], numeric=[1]),
        ]
    else:
        body = [para(f"Aucune visite du service dans la zone ou à ses abords {digest.period.during}.", st.body)]
    story += section("Ce que le service a fait", body, st)
    if digest.advice:
        body = [
            KeepTogether(
                [
                    para(item["label"], st.h3),
                    para(item["advice"], st.body),
                    para(f"Ce qui est sanctionné : {item['sanction']}", st.small),
                ]
            )
            for item in digest.advice
        ]
        story += section("Ce que vous pouvez faire", body, st)
    story += section("À savoir", bullets(digest.notes, st), st)
    return build(
        story,
        title=digest.title,
        subject="Bilan environnement d'un réseau de quartier",
        running_title=digest.title,
        zone=digest.period.zone,
        issuer=issuer,
    )


_env = Environment(loader=PackageLoader("service.prevention", "templates"), autoescape=select_autoescape(["html"]))


def render_html(digest: Digest, *, issuer: str, background: PaperBackground | None = None) -> str:
    """The digest as one self-contained HTML page (styles inline, the map as a PNG inside the page), signed by
    ``issuer`` (the service's name)."""
    from service.export.paper import map_png

    image = base64.b64encode(map_png(map_block(digest, background))).decode("ascii")
    return _env.get_template("bilan.html").render(digest=digest, rows=rows(digest), map_png=image, issuer=issuer)


def digest_json(digest: Digest) -> dict[str, Any]:
    """The digest for the API: counts under the threshold have ``nombre`` null and ``affiche`` « moins de k »."""
    k = digest.k
    centre = digest.scope.area.centroid
    lon, lat = to_lonlat(centre.x, centre.y)
    return {
        "titre": digest.title,
        "portee": {"type": digest.scope.kind, "nom": digest.scope.name, "reseau": digest.scope.network_id},
        "periode": {
            "code": digest.period.code,
            "libelle": digest.period.label,
            "debut": digest.period.start.isoformat(),
            "fin": digest.period.end.isoformat(),
            "en_cours": digest.in_progress,
        },
        "periode_precedente": {"code": digest.previous.code, "libelle": digest.previous.label},
        "seuil": k,
        "abords_m": digest.near_m,
        "centre": {"lon": round(lon, 6), "lat": round(lat, 6)},
        "zone": geometry_to_wgs84(digest.scope.area),
        "resume": digest.summary(),
        "vide": digest.empty,
        "signalements": count_json(digest.reports, k) | {"precedent": count_json(digest.reports_previous, k)},
        "categories": [
            {
                "code": c["code"],
                "libelle": c["label"],
                "periode": count_json(c["n"], k),
                "precedente": count_json(c["n_prev"], k),
                "evolution": compare(c["n"], c["n_prev"], k),
            }
            for c in digest.categories
        ],
        "points_sensibles": [
            {
                "numero": i,
                "id": p["id"],
                "lieu": p["place"],
                "categorie": p["category"],
                "tendance": p["trend"],
                "tendance_mots": _trend(p),
                "etat": p["state"],
                "dans_la_zone": p["inside"],
                "distance_m": round(p["distance_m"]),
                "periode": count_json(p["n"], k),
            }
            for i, p in enumerate(digest.points, start=1)
        ],
        "axes": [
            {
                "id": a["id"],
                "lieu": a["place"],
                "etat": a["state"],
                "longueur_m": round(a["length_m"]),
                "dans_la_zone": a["inside"],
                "distance_m": round(a["distance_m"]),
                "periode": count_json(a["n"], k),
                "evolution": compare(a["n"], a["n_prev"], k),
            }
            for a in digest.axes
        ],
        "visites": {
            "total": count_json(digest.visits_total, k),
            "par_resultat": [
                {"resultat": v["outcome"], "libelle": v["label"], **count_json(v["n"], k)} for v in digest.visits
            ],
        },
        "conseils": [
            {"categorie": a["category"], "libelle": a["label"], "conseil": a["advice"], "sanction": a["sanction"]}
            for a in digest.advice
        ],
        "remarques": digest.notes,
    }


def digest_stem(digest: Digest) -> str:
    """The digest's file name without extension: « bilan_plp_les_trixhes_2026-10 » (what a coordinator saves)."""
    return f"bilan_{'_'.join(fold(digest.scope.name).split())[:60] or 'zone'}_{digest.period.code}"
