"""``hotspots avis`` (the advice sheet for an application) and ``hotspots permis`` (follow-up list, a permit's
record)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import typer
from rich.table import Table

from service.cli.common import JsonOut, cli_actor, console, database, print_json, print_written, settings_of, working
from service.cli.fit import fitted
from service.db.personal import audit
from service.text import counted

app = typer.Typer(help="Permis : liste de suivi (à contrôler), fiche d'un permis avec ses nuisances et ses visites.")

FORMATS = ("csv", "xlsx", "geojson", "gpx", "pdf")


def avis(
    ctx: typer.Context,
    adresse: str = typer.Option(..., "--adresse", help="Adresse (ou « lon, lat ») du bien visé par la demande."),
    rayon: float | None = typer.Option(None, "--rayon", help="Rayon en mètres (25 à 1000 ; défaut : 200)."),
    annees: int | None = typer.Option(None, "--annees", help="Années d'historique avant l'année en cours (défaut 3)."),
    out: Path | None = typer.Option(
        None, "--out", help="Dossier où écrire la fiche PDF (avis_<adresse>_<jour>.pdf), ou le fichier (….pdf)."
    ),
    json_out: JsonOut = False,
) -> None:
    """Fiche d'avis pour une demande de permis, autour d'une adresse (PDF A4).

    Dans le rayon : les nuisances par catégorie et par année, les points sensibles et axes, les permis déjà
    délivrés et les visites, avec une carte ; un cadre pour l'avis du service."""
    from service.cli.plan import _geocoder_if_needed
    from service.db.vocabulary import load_labels
    from service.export import file_or_folder, write_file
    from service.permits.advice import Reach, advice_for_address, check_radius, facts_json
    from service.permits.advice_pdf import advice_file_name, load_advice_background, render_advice_pdf

    settings = settings_of(ctx)
    if rayon is not None:
        check_radius(rayon)  # a wrong option is said before the database is started
    with database(settings) as conn:
        with working("Fiche d'avis : recherche de l'adresse et des faits…"):
            labels = load_labels(conn)
            geocoder = partial(_geocoder_if_needed, conn, adresse)
            facts = advice_for_address(conn, settings, adresse, Reach(rayon, annees), labels=labels, geocoder=geocoder)
            data = None
            if out is not None:
                data = render_advice_pdf(
                    facts,
                    labels,
                    issuer=settings.service_name,
                    background=load_advice_background(conn, settings, facts),
                )
        if out is not None and data is not None:
            # a folder, as every other --out of the commands takes, unless a file ending in .pdf is named
            out = file_or_folder(out, advice_file_name(facts))
            out.parent.mkdir(parents=True, exist_ok=True)
            write_file(out, data)
            audit(conn, cli_actor(), "export_avis", lieu=facts.place.label, rayon=facts.radius_m)
    if json_out:
        print_json(facts_json(facts, labels))
        return
    console.print(f"[bold]Fiche d'avis — {facts.place.label}[/bold] (rayon {facts.radius_m:g} m)", highlight=False)
    console.print(
        f"{counted(facts.total, 'signalement')} depuis le 01/01/{facts.years[0]}, "
        f"{counted(len(facts.points), 'point sensible', 'points sensibles')}, {counted(len(facts.axes), 'axe')}, "
        f"{len(facts.permits)} permis, {counted(sum(facts.visits.values()), 'visite')}.",
        highlight=False,
    )
    if len(facts.counts):
        table = Table(title="Signalements par catégorie et par année")
        table.add_column("catégorie")
        for year in facts.years:
            table.add_column(str(year), justify="right")
        for code, row in facts.counts.iterrows():
            table.add_row(labels.category(code) or str(code), *[str(int(row[y])) for y in facts.years])
        console.print(fitted(table))
    print_written([out] if out is not None else [])


@app.command("suivi")
def followup(
    ctx: typer.Context,
    mois: int | None = typer.Option(None, "--mois", help="Permis qui expirent dans ce nombre de mois (défaut 6)."),
    out: Path | None = typer.Option(None, "--out", help="Dossier où écrire la liste (suivi_permis.*)."),
    formats: str = typer.Option("csv,xlsx,pdf", "--formats", help="Formats : csv,xlsx,geojson,gpx,pdf."),
    json_out: JsonOut = False,
) -> None:
    """Liste de suivi des permis : ceux qui expirent bientôt, ceux dont les conditions sont à contrôler, les
    installations qui attirent des plaintes répétées ; du plus au moins prioritaire. Les mêmes sites se planifient
    avec « hotspots plan --types permis »."""
    from service.errors import InvalidValueError
    from service.export import parse_formats, write_sheet_pack
    from service.permits.candidates import followup_sheet

    settings = settings_of(ctx)
    if mois is not None and not 1 <= mois <= 60:
        raise InvalidValueError(f"--mois {mois} : entre 1 et 60", hint="Par exemple --mois 6.")
    chosen = list(parse_formats(formats))
    with database(settings) as conn, working("Suivi des permis…"):
        sheet = followup_sheet(conn, settings, months=mois, base_url=settings.export_base_url)
        paths: list[Path] = []
        if out is not None:
            paths = write_sheet_pack(conn, settings, sheet, out, chosen)
            audit(conn, cli_actor(), "export_suivi_permis", formats=chosen, permis=len(sheet.rows))
    if json_out:
        rows = sheet.rows[["Site", "Lieu", "Commune", "Priorité", "Pourquoi"]].to_dict("records")
        print_json({"permis": rows, "remarques": sheet.notes, "fichiers": [str(p) for p in paths]})
        return
    table = Table(title=f"{sheet.title} — {len(sheet.rows)} permis")
    for column in ("site", "lieu", "priorité", "pourquoi"):
        table.add_column(column)
    for r in sheet.rows.to_dict("records"):
        table.add_row(r["Site"], r["Lieu"] or "", f"{r['Priorité']:.1f}".replace(".", ","), r["Pourquoi"] or "")
    console.print(fitted(table))
    for note in sheet.notes:
        console.print(f"Note : {note}", highlight=False)
    print_written(paths)


@app.command("voir")
def show(
    ctx: typer.Context,
    permis: str = typer.Argument(..., help="Référence (PE/2018/0355) ou numéro du permis."),
    json_out: JsonOut = False,
) -> None:
    """Un permis : l'installation, les signalements qui lui sont liés (par catégorie et par année, tendance), les
    visites faites sur place, et s'il est à suivre et pourquoi."""
    import pandas as pd

    from service.db.vocabulary import load_labels
    from service.numbers import french_number
    from service.permits.candidates import site_id
    from service.permits.record import find_permit, permit_record
    from service.plan.value import formula_words

    settings = settings_of(ctx)
    with database(settings) as conn:
        labels = load_labels(conn)
        record = permit_record(conn, settings, find_permit(conn, permis), labels)
    if json_out:
        print_json(record)
        return
    console.print(
        f"[bold]{record['reference']}[/bold] (site {site_id(record['id'])}) — {record['permis']} — "
        f"{record['activite'] or ''}",
        highlight=False,
    )
    console.print(f"{record['exploitant'] or ''}, {record['lieu'] or 'lieu inconnu'}", highlight=False)
    reports = record["signalements"]
    console.print(
        f"Signalements liés (à moins de {record['distance_lien_m']:g} m, catégories : "
        f"{', '.join(c['libelle'] or c['code'] for c in record['categories_concernees'])}) : {reports['total']} ; "
        f"tendance : {record['tendance']['mots']}.",
        highlight=False,
    )
    for category, years in reports["par_categorie_et_annee"].items():
        name = labels.category(category) or category
        console.print(f"  • {name} : " + ", ".join(f"{y} : {n}" for y, n in years.items()), highlight=False)
    console.print(f"Visites sur place : {len(record['visites'])}", highlight=False)
    for visit in record["visites"][:10]:
        day = pd.Timestamp(visit["date"]).tz_convert(settings.timezone)
        console.print(f"  • {day:%d/%m/%Y} — {visit['libelle']}", highlight=False)
    follow = record["suivi"]
    if follow["a_suivre"]:
        console.print("À suivre : " + " ; ".join(follow["raisons"]), highlight=False)
        # the same figure as the follow-up list's and the planner's, with what it is made of
        console.print(
            f"Priorité {french_number(follow['valeur'], 1)} = {formula_words(follow['composantes'])}", highlight=False
        )
    else:
        console.print("Pas à suivre pour l'instant.", highlight=False)
