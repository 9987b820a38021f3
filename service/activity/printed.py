"""The activity report as a printed A4 document (PDF) for the chief of the zone, the college or the council: what
changed in a few sentences first, then the key figures, a chart of the categories against a year earlier, and the
tables of the workbook, every number written as a French reader writes it. Counts only, no personal data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Spacer
from reportlab.platypus.flowables import Flowable

from service.activity import actions as places
from service.activity.figures import ALPHA, QUICK_DAYS, Windows, change_words, missing
from service.activity.report import DIMENSIONS, Activity
from service.activity.workbook import comparison_words, title_of
from service.export.paper import CONTENT_WIDTH, Styles, build, bullets, data_table, para, section
from service.export.print_map import fonts
from service.numbers import NARROW, french_number
from service.text import plural

#: The chart's colours: the period, and the same period a year earlier (paler).
NOW_COLOUR = colors.HexColor("#1f4e79")
YEAR_COLOUR = colors.HexColor("#9db7d5")
#: The categories drawn on the chart (the others are in the table under it).
CHART_ROWS = 10
#: What each table of counts is called in the sentences of « L'essentiel ».
DIMENSION_WORDS = {"categorie": "catégorie", "commune": "commune", "secteur": "secteur", "source": "source"}


def render_pdf(activity: Activity, *, issuer: str) -> bytes:
    """The report's PDF bytes, signed by ``issuer`` (the service's name)."""
    st = Styles()
    w = activity.windows
    twice = w.previous_is_year_before
    story: list[Flowable] = [para(title_of(w), st.title), para(comparison_words(w), st.subtitle)]
    story += section("L'essentiel", bullets(essentials(activity), st), st)
    story += section("Synthèse", [_summary_table(activity.summary, twice, st)], st)
    chart = category_chart(activity.by["categorie"], w)
    if chart is not None:
        story += section("Signalements par catégorie, à côté d'un an plus tôt", [chart], st)
    for dimension, heading in DIMENSIONS.items():
        table = activity.by[dimension]
        if not table.empty:
            story += section(
                f"Signalements par {DIMENSION_WORDS[dimension]}", [_compared(table, heading, twice, st)], st
            )
    if not activity.visits.empty:
        story += section("Visites par résultat", [_compared(activity.visits, "Résultat", twice, st)], st)
    if not activity.follow_up.empty:
        story += section("Suivi des signalements", _follow_up(activity.follow_up, st), st)
    if not activity.actions.empty:
        story += section(
            "Actions de la période : ont-elles servi ?",
            [_actions(activity.actions, activity.windows.period.zone, st)],
            st,
        )
    story += [Spacer(1, 3 * mm), para(method_words(w), st.small)]
    if not activity.actions.empty:
        story.append(para(places.method_words(), st.small))
    return build(
        story,
        title=title_of(w),
        subject="Bilan d'activité du service Environnement",
        running_title=f"Bilan d'activité — {w.period.label}",
        zone=w.period.zone,
        issuer=issuer,
    )


def essentials(activity: Activity) -> list[str]:
    """The report in a few sentences: the reports and visits against a year earlier, the changes that chance alone
    would rarely give (or that there is none), the follow-up of the reports, their closing and the shifts."""
    w = activity.windows
    rows = {str(r["indicateur"]): r for r in activity.summary.to_dict(orient="records")}
    lines = []
    reports, visits = rows["Signalements (hors quasi-doublons)"], rows["Visites"]
    fines = rows["dont procès-verbaux"]
    lines.append(f"{_count(reports['n'], 'signalement')}{_against(reports, w)}.")
    lines.append(
        f"{_count(visits['n'], 'visite')}, dont {_count(fines['n'], 'procès-verbal', 'procès-verbaux')}"
        f"{_against(visits, w)}."
    )
    if w.year_complete:
        # a table of one row (one commune, one source) only repeats the total
        tables = [(activity.by[d], DIMENSION_WORDS[d]) for d in DIMENSIONS if len(activity.by[d]) > 1]
        changes = [line for table, what in tables for line in change_sentences(table, what)]
        changes += change_sentences(activity.visits, "résultat de visite")
        lines += changes or ["Aucun écart sur un an que le hasard seul explique mal."]
    followed = rows["Signalements suivis d'une visite"]["n"]
    delay = rows["Délai médian jusqu'à la visite (jours)"]["n"]
    if not missing(followed):
        text = f"{_percent(followed)} des signalements du service suivis d'une visite"
        if not missing(delay):
            text += f", la première après {_number(delay, 1, trim=True)} {plural(delay, 'jour')} (médiane)"
        lines.append(text + ".")
    closed = rows["Signalements clos"]["n"]
    to_close = rows["Délai médian jusqu'à la clôture (jours)"]["n"]
    if not missing(closed):
        text = f"{_percent(closed)} des signalements du service clos"
        if not missing(to_close):
            text += (
                f", après {_number(to_close, 1, trim=True)} {plural(to_close, 'jour')} (médiane, là où la date de "
                "clôture est connue)"
            )
        lines.append(text + ".")
    done = places.actions_sentence(activity.actions)
    if done:
        lines.append(done)
    shifts = activity.shifts
    if shifts["tournees"]:
        lines.append(
            f"{_count(shifts['tournees'], 'tournée planifiée', 'tournées planifiées')} : "
            f"{_count(shifts['arrets_faits'], 'arrêt fait', 'arrêts faits')} sur {_number(shifts['arrets'])} "
            f"{plural(shifts['arrets'], 'prévu')}"
            f" ({_percent(shifts['part_faite'])})."
        )
    unreturned = int(shifts["sans_feuille"])
    if unreturned == 1:  # its stops count as not done: the share above reads low for a reason a person can mend
        lines.append(
            "1 tournée passée n'a aucune visite rentrée : ses arrêts comptent comme non faits tant que sa feuille "
            "n'est pas importée."
        )
    elif unreturned:
        lines.append(
            f"{_number(unreturned)} tournées passées n'ont aucune visite rentrée : leurs arrêts comptent comme non "
            "faits tant que leurs feuilles ne sont pas importées."
        )
    return lines


def change_sentences(table: pd.DataFrame, what: str) -> list[str]:
    """The significant changes of a table in words: « Hausse significative (catégorie) : Dépôt clandestin, 60
    contre 20 un an plus tôt (+200 %). »; a row absent a year earlier rises from « aucun ». A source (a file or
    feed) absent a year earlier, or silent now, is said as such: a feed that started or stopped changes what is
    counted, not the nuisance."""
    out = []
    for row in table[table["significatif"].astype(bool)].itertuples():
        if what == "source" and not int(row.n_year):
            out.append(f"Nouvelle source : {row.libelle}, {_count(row.n, 'signalement')} (aucun un an plus tôt).")
            continue
        if what == "source" and not int(row.n):
            out.append(
                f"Source sans signalement sur la période : {row.libelle} "
                f"({_count(row.n_year, 'signalement')} un an plus tôt)."
            )
            continue
        word = "Hausse" if int(row.n) > int(row.n_year) else "Baisse"
        before = _number(row.n_year) if int(row.n_year) else "aucun"
        change = f" ({_change(row.evolution)})" if not missing(row.evolution) else ""
        out.append(
            f"{word} significative ({what}) : {row.libelle}, {_number(row.n)} contre {before} un an plus tôt{change}."
        )
    return out


def category_chart(table: pd.DataFrame, windows: Windows) -> Drawing | None:
    """Horizontal bars: the reports of each category (the most frequent first) in the period and, paler under
    them, a year earlier. None without reports."""
    rows = table.head(CHART_ROWS)
    if rows.empty:
        return None
    regular = fonts()[0]
    n = len(rows)
    height = 19 * mm + n * 9 * mm
    drawing = Drawing(CONTENT_WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 62 * mm, 10 * mm
    chart.width, chart.height = CONTENT_WIDTH - 62 * mm - 6 * mm, n * 9 * mm
    # drawn bottom-up (categories and the bars of a category): the first category at the top, the period's bar
    # above the year before's
    chart.data = [
        [float(v) for v in reversed(rows["n_year"].tolist())],
        [float(v) for v in reversed(rows["n"].tolist())],
    ]
    chart.categoryAxis.categoryNames = [_short(str(v)) for v in reversed(rows["libelle"].tolist())]
    chart.categoryAxis.labels.fontName = regular
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -3
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = regular
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = lambda v: french_number(v, group=NARROW)
    chart.barSpacing = 0.5
    chart.groupSpacing = 5
    chart.bars[0].fillColor = YEAR_COLOUR
    chart.bars[1].fillColor = NOW_COLOUR
    chart.bars.strokeColor = None
    chart.barLabelFormat = lambda v: french_number(v, group=NARROW)
    chart.barLabels.fontName = regular
    chart.barLabels.fontSize = 6.5
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    drawing.add(chart)
    drawing.add(
        chart_legend(62 * mm, height - 1 * mm, 48 * mm, [(NOW_COLOUR, "Période"), (YEAR_COLOUR, "Un an plus tôt")])
    )
    return drawing


def chart_legend(x: float, y: float, spacing: float, pairs: list[tuple[Any, str]]) -> Legend:
    """A chart's legend on one line at (``x``, ``y``): each colour's square and words, ``spacing`` apart."""
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = fonts()[0], 7.5
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = spacing
    legend.colorNamePairs = pairs
    return legend


def method_words(windows: Windows) -> str:
    """How « significatif » is decided, in words a reader of the report can check."""
    text = (
        "Écart significatif : la différence entre la période et la même période un an plus tôt est rare si seul le "
        "hasard jouait (test exact sur deux comptages de Poisson de même durée ; sur chaque tableau, procédure de "
        f"Benjamini–Hochberg au seuil de {french_number(100 * ALPHA)}{NARROW}% de fausses alertes). "
        "Un signalement est suivi d'une visite faite après lui qui le nomme, ou de celle du point sensible qui le "
        "regroupe ou de l'axe où il se trouve (à 15 m de sa ligne) ; "
        f"« Visités en {QUICK_DAYS} jours » : part des signalements du service visités au plus {QUICK_DAYS} jours "
        "après leur date ; les signalements confiés à la médiation ou à un partenaire n'y sont pas comptés. "
        "Des comptages seulement : aucune donnée personnelle."
    )
    if not windows.year_complete:
        text += " Les signalements ne remontent pas au début de l'année précédente : pas d'évolution sur un an."
    return text


def _summary_table(summary: pd.DataFrame, twice: bool, st: Styles) -> Flowable:
    header = ["Indicateur", "Période", *([] if twice else ["Précédente"]), "Un an plus tôt", "Sur un an"]
    rows = []
    for r in summary.itertuples():
        unit = str(r.unite)
        before = [] if twice else [_figure(r.n_prev, unit)]
        rows.append([r.indicateur, _figure(r.n, unit), *before, _figure(r.n_year, unit), _change(r.evolution)])
    return data_table(header, rows, st, widths=_widths(len(header), 70 * mm), numeric=range(1, len(header)))


def _compared(table: pd.DataFrame, heading: str, twice: bool, st: Styles) -> Flowable:
    header = [heading, "Période", *([] if twice else ["Précédente"]), "Un an plus tôt", "Sur un an", "Significatif"]
    rows = []
    for r in table.itertuples():
        tested = not missing(r.p_ajuste)
        rows.append(
            [
                r.libelle,
                _number(r.n),
                *([] if twice else [_number(r.n_prev)]),
                _number(r.n_year),
                _change(r.evolution),
                ("oui" if r.significatif else "non") if tested else "—",
            ]
        )
    return data_table(header, rows, st, widths=_widths(len(header), 58 * mm), numeric=range(1, len(header)))


def _follow_up(table: pd.DataFrame, st: Styles) -> list[Flowable]:
    header = ["Catégorie", "Signalements", "Suivis d'une visite", "Part suivie", "Délai médian (jours)"]
    header += [f"Visités en {QUICK_DAYS} jours", "Part close", "Délai médian de clôture (jours)"]
    rows = [
        [
            r.libelle,
            _number(r.n),
            _number(r.visites),
            _percent(r.part_visitee),
            _number(r.delai_median_j, 1),
            _percent(r.part_7_jours),
            _percent(r.part_close),
            _number(r.cloture_mediane_j, 1),
        ]
        for r in table.itertuples()
    ]
    flowables: list[Flowable] = [
        data_table(
            header,
            rows,
            st,
            widths=[38 * mm, *_widths(len(header) - 1, 28 * mm, width=CONTENT_WIDTH - 38 * mm)],
            numeric=range(1, len(header)),
        )
    ]
    everything = table.iloc[-1]
    if everything["clos"] > everything["clos_dates"]:
        flowables.append(para(undated_words(int(everything["clos"]), int(everything["clos_dates"])), st.small))
    return flowables


def undated_words(closed: int, dated: int) -> str:
    """Why the closing delay counts fewer reports than are closed (the report says which ones it rests on)."""
    why = "fichier sans colonne « Date de clôture », demande Open311 sans date de mise à jour"
    if dated == 0:
        return (
            f"Aucun des {_number(closed)} signalements clos n'a de date de clôture ({why}) : pas de délai de clôture."
        )
    return (
        f"Délai de clôture calculé sur {_number(dated)} des {_number(closed)} signalements clos : les autres n'ont "
        f"pas de date de clôture ({why})."
    )


def _actions(table: pd.DataFrame, zone: str, st: Styles) -> Flowable:
    header = ["Lieu", "Action, le", "Avant", "Après", "Au lieu", "Reste de la zone", "Verdict"]
    rows = [
        [
            f"{r.lieu} — {r.libelle}",  # wrapped whole: the place is what the reader looks for
            f"{r.mesure}, {r.action.tz_convert(zone):%d/%m/%Y}",
            _number(r.avant),
            _number(r.apres),
            _change(r.evolution),
            _change(r.evolution_temoin),
            r.verdict,
        ]
        for r in table.itertuples()
    ]
    counts = (CONTENT_WIDTH - 48 * mm - 30 * mm - 34 * mm) / 4
    widths = [48 * mm, 30 * mm, *[counts] * 4, 34 * mm]
    return data_table(header, rows, st, widths=widths, numeric=range(2, 6))


def _widths(n: int, first: float, *, width: float = CONTENT_WIDTH) -> Sequence[float]:
    return [first, *[(width - first) / (n - 1)] * (n - 1)]


def _short(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _figure(value: Any, unit: str) -> str:
    if missing(value):
        return "—"
    if unit == "part":
        return _percent(value)
    if unit == "jours":  # one decimal always: a column reads « 10,0 » above « 8,7 », not « 10 »
        return _number(value, 1)
    return _number(value)


def _count(value: Any, one: str, many: str | None = None) -> str:
    n = 0 if missing(value) else int(value)
    return f"{_number(n)} {plural(n, one, many)}"


def _against(row: dict[str, Any], windows: Windows) -> str:
    """« , contre 318 un an plus tôt (+30 %) », or nothing without a complete year earlier."""
    if not windows.year_complete or missing(row["n_year"]):
        return ""
    text = f", contre {_number(row['n_year'])} un an plus tôt"
    return text + (f" ({_change(row['evolution'])})" if not missing(row["evolution"]) else "")


def _number(value: Any, digits: int = 0, *, trim: bool = False) -> str:
    return "—" if missing(value) else french_number(float(value), digits, group=NARROW, trim=trim)


def _percent(value: Any) -> str:
    return "—" if missing(value) else f"{french_number(100 * float(value))}{NARROW}%"


def _change(value: Any) -> str:
    return change_words(value, space=NARROW)
