"""``hotspots activite``: the service's activity report for a month, a quarter or a year (tables in the terminal,
the XLSX workbook and the PDF in a folder, or JSON); ``hotspots effet``: did an action at a place work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from service.activity.figures import change_words, missing
from service.cli.common import console, database, number, print_json, print_written, settings_of
from service.cli.fit import fitted


def activite(
    ctx: typer.Context,
    periode: str = typer.Option(
        ...,
        "--periode",
        help="Mois (2026-10), trimestre (2026-T4), année (2026), ou mois-dernier, trimestre-dernier, annee-derniere "
        "(une période en cours est comparée jusqu'à aujourd'hui).",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Dossier où écrire le bilan : le classeur XLSX et le document PDF à imprimer."
    ),
    json_out: bool = typer.Option(False, "--json", help="Le bilan en JSON."),
) -> None:
    """Bilan d'activité du service pour une période : signalements par catégorie, commune, secteur et source,
    visites par résultat, suivi des signalements (part visitée, délai), tournées ; chaque nombre à côté de la
    période précédente et de la même période un an plus tôt, avec les écarts que le hasard seul explique mal. Des
    nombres seulement, aucune donnée personnelle."""
    from service.activity import activity_json, read_activity, render_pdf, render_workbook
    from service.activity.printed import DIMENSION_WORDS, change_sentences
    from service.activity.report import DIMENSIONS
    from service.activity.workbook import comparison_words, title_of
    from service.geocode.sections import service_sections
    from service.prevention.period import parse_period

    settings = settings_of(ctx)
    period = parse_period(periode, zone=settings.timezone)
    with database(settings) as conn:
        activity = read_activity(conn, period, sections=service_sections(settings))
    if json_out:
        print_json(activity_json(activity))
        return
    console.print(f"[bold]{escape(title_of(activity.windows))}[/bold]", highlight=False)
    console.print(escape(comparison_words(activity.windows)), highlight=False)
    twice = activity.windows.previous_is_year_before  # a year: the period before is the year before
    console.print(fitted(_summary_table(activity.summary, twice)))
    # every dimension of the printed report (a table of one row, one commune or one source, repeats the total)
    shown = [d for d in DIMENSIONS if d == "categorie" or len(activity.by[d]) > 1]
    for d in shown:
        table = _compared_table(f"Signalements par {DIMENSION_WORDS[d]}", DIMENSIONS[d], activity.by[d], twice)
        console.print(fitted(table))
    console.print(fitted(_compared_table("Visites par résultat", "Résultat", activity.visits, twice)))
    changes = [line for d in shown for line in change_sentences(activity.by[d], DIMENSION_WORDS[d])]
    for line in changes + change_sentences(activity.visits, "résultat de visite"):
        console.print(escape(line), highlight=False)
    if not activity.actions.empty:
        console.print(fitted(_actions_table(activity.actions, period.zone)))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        sheet, printed = (out / f"bilan_activite_{period.code}.{suffix}" for suffix in ("xlsx", "pdf"))
        sheet.write_bytes(render_workbook(activity))
        printed.write_bytes(render_pdf(activity, issuer=settings.service_name))
        print_written([sheet, printed])


def effet(
    ctx: typer.Context,
    lieu: str = typer.Argument(
        ..., help="Le point sensible (PS-0004), l'axe (AX-0012) ou l'adresse (« Rue Ferrer 12, Seraing ») de l'action."
    ),
    date: str | None = typer.Option(
        None, "--date", help="Jour de l'action (2026-05-12 ou 12/05/2026) ; par défaut la première visite du lieu."
    ),
    mois: int = typer.Option(6, "--mois", min=1, max=36, help="Mois comptés après l'action, et autant avant."),
    categorie: str | None = typer.Option(
        None, "--categorie", help="Une catégorie (code ou libellé) ; par défaut celle du point, sinon toutes."
    ),
    tampon: int = typer.Option(200, "--tampon", min=25, max=2000, help="Largeur de l'anneau autour du lieu (m)."),
    rayon: int = typer.Option(100, "--rayon", min=10, max=1000, help="Pour une adresse : le cercle autour d'elle (m)."),
    temoin: str = typer.Option(
        "zone",
        "--temoin",
        help="Témoin : zone (le reste de la zone) ou points (les autres points sensibles et axes, hors de l'anneau).",
    ),
    out: Path | None = typer.Option(None, "--out", help="Dossier où écrire la fiche PDF à imprimer."),
    json_out: bool = typer.Option(False, "--json", help="Le résultat en JSON."),
) -> None:
    """L'action a-t-elle servi ? Les signalements du lieu (point, axe, ou cercle autour d'une adresse) avant et
    après l'action, à côté du reste de la zone (témoin : saison, vacances) et de l'anneau autour du lieu, où la
    nuisance a pu se déplacer ; avec un test exact et le quotient de déplacement."""
    from service.activity.effect import (
        CONTROL_NAMES,
        action_day,
        effect_json,
        effect_points,
        effect_sentences,
        one_category,
        read_effect,
    )
    from service.activity.sites import geocoder_for
    from service.db.vocabulary import load_labels

    settings = settings_of(ctx)
    action = action_day(date, settings.timezone) if date else None
    with database(settings) as conn:
        labels = load_labels(conn)
        code = one_category(categorie, labels.categories)
        geocoder = geocoder_for(conn, lieu)
        found = read_effect(
            conn,
            lieu,
            zone=settings.timezone,
            action=action,
            months=mois,
            category=code,
            ring_m=tampon,
            radius_m=rayon,
            geocoder=geocoder,
            control=temoin,
        )
        label = labels.category(found.category)
        written = []
        if out is not None:
            from service.activity.effect_sheet import effect_stem, load_effect_background, render_effect_pdf

            points, background = effect_points(conn, found), load_effect_background(conn, settings, found)
            out.mkdir(parents=True, exist_ok=True)
            written.append(out / f"{effect_stem(found)}.pdf")
            written[0].write_bytes(
                render_effect_pdf(found, label, points, issuer=settings.service_name, background=background)
            )
    if json_out:
        print_json(effect_json(found, label))
        return
    sentences = effect_sentences(found, label)
    console.print(escape(sentences[0]), highlight=False)
    table = Table(title=f"Signalements avant et après — {escape(found.site.id)}")
    for name in ("Zone", "Avant", "Après", "Évolution"):
        table.add_column(name, justify="left" if name == "Zone" else "right")
    names = (found.site.name, f"Anneau de {number(tampon)} m autour", CONTROL_NAMES[found.control_kind])
    for name, counts in zip(names, (found.place, found.ring, found.control), strict=True):
        table.add_row(escape(name), number(counts.before), number(counts.after), change_words(counts.change))
    console.print(fitted(table))
    for line in sentences[1:]:
        console.print(escape(line), highlight=False)
    print_written(written)


def _summary_table(summary: pd.DataFrame, twice: bool) -> Table:
    table = _table("Synthèse", "Indicateur", twice, ("Sur un an",))
    for row in summary.itertuples():
        unit = str(row.unite)
        before = [] if twice else [_figure(row.n_prev, unit)]
        table.add_row(
            escape(str(row.indicateur)),
            _figure(row.n, unit),
            *before,
            _figure(row.n_year, unit),
            change_words(row.evolution),
        )
    return table


def _compared_table(title: str, heading: str, rows: pd.DataFrame, twice: bool) -> Table:
    table = _table(title, heading, twice, ("Sur un an", "Significatif"))
    for row in rows.itertuples():
        tested = not missing(row.p_ajuste)
        table.add_row(
            escape(str(row.libelle)),
            number(row.n),
            *([] if twice else [number(row.n_prev)]),
            number(row.n_year),
            change_words(row.evolution),
            ("oui" if row.significatif else "non") if tested else "—",
        )
    return table


def _actions_table(actions: pd.DataFrame, zone: str) -> Table:
    table = Table(title="Actions de la période : ont-elles servi ?")
    for name in ("Lieu", "Action, le", "Avant", "Après", "Au lieu", "Reste de la zone", "Verdict"):
        table.add_column(name, justify="right" if name in ("Avant", "Après", "Au lieu", "Reste de la zone") else "left")
    for row in actions.itertuples():
        table.add_row(
            escape(f"{row.lieu} — {row.libelle}"),
            escape(f"{row.mesure}, {row.action.tz_convert(zone):%d/%m/%Y}"),
            "—" if missing(row.avant) else number(row.avant),
            "—" if missing(row.apres) else number(row.apres),
            change_words(row.evolution),
            change_words(row.evolution_temoin),
            escape(str(row.verdict)),
        )
    return table


def _table(title: str, heading: str, twice: bool, last: tuple[str, ...]) -> Table:
    table = Table(title=title)
    names = (heading, "Période", *(() if twice else ("Précédente",)), "Un an plus tôt", *last)
    for name in names:
        table.add_column(name, justify="left" if name == heading else "right")
    return table


def _figure(value: Any, unit: str) -> str:
    if missing(value):
        return "—"
    if unit == "part":
        return f"{number(100 * float(value))} %"
    if unit == "jours":
        return number(float(value), 1)
    return number(float(value))
