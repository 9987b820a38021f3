"""The advice sheet as an A4 PDF: the facts around the address, a map drawn offline (like the job sheet's), and a box
for the service's opinion."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import psycopg
import shapely
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from service.db.vocabulary import Labels
from service.export.paper import (
    CONTENT_WIDTH,
    RULE,
    Styles,
    build,
    bullets,
    data_table,
    facts_table,
    para,
    section,
)
from service.export.print_background import PaperBackground, load_background
from service.export.print_map import AXIS_COLOUR, MapFlowable, MapLayer, fit_bounds
from service.labels import state_label, trend_label
from service.numbers import NARROW, french_number
from service.permits.advice import AdviceFacts
from service.settings import Settings
from service.text import ascii_fold, counted

MAP_HEIGHT = 105 * mm
POINT_COLOUR = "#e66101"
PERMIT_COLOUR = "#5e3c99"
REPORT_COLOUR = "#404040"


def advice_file_name(facts: AdviceFacts) -> str:
    """``avis_rue-ferrer-100-4100-seraing_20261206.pdf``: the place and the day of the facts, so that the sheets of
    several requests, or of one request seen twice, do not overwrite each other in a folder."""
    place = re.sub(r"[^a-z0-9]+", "-", ascii_fold(facts.place.label)).strip("-")[:60].rstrip("-") or "adresse"
    return f"avis_{place}_{facts.until.tz_convert(facts.zone):%Y%m%d}.pdf"


def _number(value: float) -> str:
    return french_number(value, group=NARROW)


def map_layers(facts: AdviceFacts) -> list[MapLayer]:
    """The circle, the reports, the points and axes, the permits and the place itself (Lambert 72)."""
    layers = [
        MapLayer([facts.circle], stroke="#1f63b4", width=1.4, dash=(5, 3), legend=f"rayon de {facts.radius_m:g} m"),
    ]
    reports = facts.report_points
    if len(reports):
        dots = list(shapely.points(reports["x"].to_numpy(float), reports["y"].to_numpy(float)))
        layers.append(MapLayer(dots, stroke=None, fill=REPORT_COLOUR, size=2.2, opacity=0.7, legend="signalement"))
    if len(facts.axes):
        lines = [shapely.from_wkb(bytes(g)) for g in facts.axes["geom"]]
        layers.append(MapLayer(lines, stroke=AXIS_COLOUR, width=4, opacity=0.6, legend="axe problématique"))
    if len(facts.points):
        shapes = [shapely.from_wkb(bytes(g)) for g in facts.points["geom"]]
        layers.append(
            MapLayer(shapes, stroke=POINT_COLOUR, fill=POINT_COLOUR, opacity=0.45, width=1, legend="point sensible")
        )
    if facts.permits:
        layers.append(
            MapLayer(
                [shapely.Point(p["x"], p["y"]) for p in facts.permits],
                stroke="#ffffff",
                fill=PERMIT_COLOUR,
                marker="carre",
                size=10,
                labels=["P"] * len(facts.permits),
                legend="permis",
            )
        )
    layers.append(
        MapLayer(
            [shapely.Point(facts.place.x, facts.place.y)],
            stroke="#ffffff",
            fill="#000000",
            marker="cercle",
            size=12,
            labels=["A"],
            legend="adresse de la demande",
        )
    )
    return layers


def map_bounds(facts: AdviceFacts) -> tuple[float, float, float, float]:
    """The sheet's map frame: the advice circle, fitted to the map's shape and at least 300 m across."""
    xmin, ymin, xmax, ymax = facts.circle.bounds
    return fit_bounds((xmin, ymin, xmax, ymax), CONTENT_WIDTH, MAP_HEIGHT, margin=0.04, min_span_m=300)


def load_advice_background(conn: psycopg.Connection[Any], settings: Settings, facts: AdviceFacts) -> PaperBackground:
    """Streets and communes under the advice sheet's map."""
    return load_background(conn, settings, map_bounds(facts))


def _counts_table(facts: AdviceFacts, labels: Labels, st: Styles) -> Flowable:
    years = [str(y) for y in facts.years]
    rows = []
    for code, row in facts.counts.iterrows():
        rows.append([labels.category(code), *[_number(int(row[y])) for y in facts.years], _number(int(row.sum()))])
    totals = facts.counts.sum(axis=0) if len(facts.counts) else pd.Series(0, index=facts.years)
    rows.append(["Total", *[_number(int(totals.get(y, 0))) for y in facts.years], _number(facts.total)])
    width = 20 * mm
    first = CONTENT_WIDTH - width * (len(years) + 1)
    numeric = list(range(1, len(years) + 2))
    return data_table(
        ["Catégorie", *years, "Total"], rows, st, widths=[first] + [width] * (len(years) + 1), numeric=numeric
    )


def _opinion_box(st: Styles) -> Flowable:
    lines = [[para("Avis du service Environnement", st.label)]] + [[""] for _ in range(6)]
    table = Table(lines, colWidths=[CONTENT_WIDTH], rowHeights=[None] + [8 * mm] * 6)
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, "#333333"),
                ("LINEBELOW", (0, 1), (-1, -2), 0.25, RULE),
                ("BACKGROUND", (0, 0), (-1, 0), "#eef2f7"),
            ]
        )
    )
    return KeepTogether([table])


def _points_table(facts: AdviceFacts, labels: Labels, st: Styles) -> list[Flowable]:
    if not len(facts.points):
        return [para("Aucun point sensible dans le rayon.", st.body)]
    rows = [
        [
            r["id"],
            r["address_label"] or "—",
            state_label(r["state"]),
            trend_label(r["trend"]),
            labels.category(r["main_category"]) or "—",
            _number(int(r["n_reports"])),
            f"{_number(float(r['distance_m']))} m",
        ]
        for r in facts.points.to_dict("records")
    ]
    header = ["Point", "Lieu", "État", "Tendance", "Catégorie", "Signal.", "Distance"]
    widths = [18 * mm, 50 * mm, 18 * mm, 24 * mm, 28 * mm, 18 * mm, 22 * mm]
    return [data_table(header, rows, st, widths=widths, numeric=[5, 6])]


def _axes_table(facts: AdviceFacts, st: Styles) -> list[Flowable]:
    if not len(facts.axes):
        return [para("Aucun axe problématique dans le rayon.", st.body)]
    rows = [
        [
            r["id"],
            f"{r['street']} ({r['municipality']})" if r["municipality"] else r["street"],
            state_label(r["state"]),
            f"{_number(float(r['length_m']))} m",
            _number(int(r["reports"])),
            f"{_number(float(r['distance_m']))} m",
        ]
        for r in facts.axes.to_dict("records")
    ]
    header = ["Axe", "Rue", "État", "Longueur", "Signal.", "Distance"]
    widths = [18 * mm, 70 * mm, 22 * mm, 22 * mm, 20 * mm, 26 * mm]
    return [data_table(header, rows, st, widths=widths, numeric=[3, 4, 5])]


def _permits_table(facts: AdviceFacts, st: Styles) -> list[Flowable]:
    if not facts.permits:
        return [para("Aucun permis connu dans le rayon.", st.body)]
    rows = []
    for p in facts.permits:
        end = p["valide_jusqu_au"]
        rows.append(
            [
                p["reference"],
                p["permis"].replace("Permis d'environnement", "environnement").replace("Permis ", ""),
                " — ".join(x for x in (p["activite"], p["exploitant"]) if x),
                pd.Timestamp(end).strftime("%d/%m/%Y") if end is not None and not pd.isna(end) else "—",
                f"{_number(p['distance_m'])} m",
                f"{p['plaintes_12_mois']} — {p['tendance']}" if p["plaintes_12_mois"] else "aucune",
            ]
        )
    header = ["Référence", "Permis", "Activité — exploitant", "Fin de validité", "Distance", "Plaintes liées (12 mois)"]
    widths = [27 * mm, 27 * mm, 50 * mm, 21 * mm, 18 * mm, 35 * mm]
    return [data_table(header, rows, st, widths=widths, numeric=[4])]


def render_advice_pdf(
    facts: AdviceFacts, labels: Labels, *, issuer: str, background: PaperBackground | None = None
) -> bytes:
    """The advice sheet's bytes (A4), signed by ``issuer`` (the service's name)."""
    st = Styles()
    back = background or PaperBackground()
    until = facts.until.tz_convert(facts.zone)
    title = f"Fiche d'avis — {facts.place.label}"
    story: list[Flowable] = [
        para(title, st.title),
        para(
            f"Nuisances et sites connus dans un rayon de {facts.radius_m:g} m, de {facts.years[0]} au "
            f"{until:%d/%m/%Y} : les faits pour l'avis du service sur une demande de permis.",
            st.subtitle,
        ),
        Spacer(1, 3 * mm),
        facts_table(
            [
                ("Lieu de la demande", facts.place.label),
                ("Adresse officielle la plus proche", facts.nearest_address or "—"),
                ("Commune", facts.commune or "—"),
                ("Rayon", f"{facts.radius_m:g} m"),
                ("Période", f"du 01/01/{facts.years[0]} au {until:%d/%m/%Y}"),
                ("Signalements", _number(facts.total)),
                ("Points sensibles", str(len(facts.points))),
                ("Axes problématiques", str(len(facts.axes))),
                ("Permis", str(len(facts.permits))),
            ],
            st,
        ),
        Spacer(1, 3 * mm),
        MapFlowable(
            [*back.layers(), *map_layers(facts)],
            CONTENT_WIDTH,
            MAP_HEIGHT,
            bounds=map_bounds(facts),
            attribution=back.attribution,
        ),
    ]
    counts = (
        [_counts_table(facts, labels, st)]
        if facts.total
        else [para(f"Aucun signalement à moins de {facts.radius_m:g} m depuis le 01/01/{facts.years[0]}.", st.body)]
    )
    story += section("Signalements par catégorie et par année", counts, st)
    story += section("Points sensibles à proximité", _points_table(facts, labels, st), st)
    story += section("Axes problématiques à proximité", _axes_table(facts, st), st)
    story += section("Permis déjà délivrés dans le rayon", _permits_table(facts, st), st)
    if facts.visits:
        total = sum(facts.visits.values())
        words = ", ".join(f"{labels.outcome(o) or o} : {n}" for o, n in facts.visits.items())
        visits = para(f"{counted(total, 'visite')} depuis le 01/01/{facts.years[0]} — {words}.", st.body)
    else:
        visits = para("Aucune visite dans le rayon sur la période.", st.body)
    story += section("Visites du service dans le rayon", [visits], st)
    story += [*section("Remarques", bullets(facts.notes, st), st), Spacer(1, 5 * mm), _opinion_box(st)]
    return build(
        story,
        title=title,
        subject="Fiche d'avis sur une demande de permis",
        running_title=title,
        zone=facts.zone,
        issuer=issuer,
    )
