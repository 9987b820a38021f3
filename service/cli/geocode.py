"""``hotspots gazetteer ...`` and ``hotspots geocode ...``."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import typer
from rich.progress import MofNCompleteColumn, TimeRemainingColumn
from rich.table import Table
from typer.core import TyperGroup

from service.cells import neutralise_formula
from service.cli.common import (
    JsonOut,
    cli_actor,
    console,
    database,
    number,
    print_json,
    progress_bar,
    settings_of,
    working,
)
from service.cli.fit import fitted
from service.db import connect
from service.db.personal import audit
from service.geocode.apply import (
    HandPlaced,
    batch_geocoder,
    count_open_reviews,
    geocode_rows,
    open_reviews,
)
from service.geocode.doubt import doubt_placement
from service.geocode.gazetteer import load_gazetteer
from service.geocode.match import Geocoder
from service.geocode.sections import service_sections
from service.ingest.dedupe import settle_review
from service.labels import ROW_LABELS, geocode_level_label
from service.settings import Settings
from service.text import counted
from service.zone import commune_outlines, zone_polygon


class _DefaultToAddress(TyperGroup):
    """``hotspots geocode "12 rue X"`` means ``hotspots geocode adresse "12 rue X"``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in {"--help", "-h"}:
            args = ["adresse", *args]
        return super().parse_args(ctx, args)


gazetteer_app = typer.Typer(help="Registre officiel des adresses (ICAR, BeST-Address).", no_args_is_help=True)
app = typer.Typer(
    cls=_DefaultToAddress,
    no_args_is_help=True,
    help="Géocoder des adresses belges hors ligne, et vérifier les cas douteux.",
)


def _geocoder(settings: Settings) -> Geocoder:
    with database(settings) as conn:
        return Geocoder.from_db(conn)


@gazetteer_app.command("load")
def load(
    ctx: typer.Context,
    fichiers: list[Path] = typer.Argument(..., help="Fichiers d'adresses (extrait ICAR ou CSV BeST-Address, .gz lu)."),
    json_out: JsonOut = False,
) -> None:
    """Charge des adresses officielles (remplace celles des mêmes communes)."""
    settings = settings_of(ctx)
    with database(settings) as conn, working("Chargement du registre des adresses…"):
        result = load_gazetteer(conn, fichiers, sections=service_sections(settings))
    if json_out:
        print_json(result.__dict__)
        return
    console.print(
        f"{number(result.addresses)} adresses, {number(result.streets)} rues, "
        f"{result.localities} localités ({result.municipalities} communes) en {number(result.seconds, 1)} s."
    )


@app.command("adresse")
def adresse(
    ctx: typer.Context,
    texte: str | None = typer.Argument(None, help="Adresse à géocoder, par exemple « 12 r. Ferrer, Seraing »."),
    code_postal: str | None = typer.Option(None, "--code-postal", help="Code postal, s'il est à part."),
    commune: str | None = typer.Option(None, "--commune", help="Commune ou section, si elle est à part."),
    batch: Path | None = typer.Option(None, "--batch", help="Fichier CSV à géocoder ligne par ligne."),
    column: str = typer.Option("adresse", "--column", "--colonne", help="Colonne de l'adresse (avec --batch)."),
    out: Path | None = typer.Option(None, "--out", help="CSV de sortie (avec --batch)."),
) -> None:
    """Géocode une adresse (résultat JSON) ou un fichier CSV entier (--batch)."""
    geocoder = _geocoder(settings_of(ctx))
    if batch is None:
        if not texte:
            raise typer.BadParameter("donnez une adresse ou --batch FICHIER")
        print_json(geocoder.geocode(texte, postcode=code_postal, locality=commune).to_dict())
        return
    if out is None:
        raise typer.BadParameter("--out est obligatoire avec --batch")
    _batch(geocoder, batch, column, out)


def _sniff(path: Path) -> tuple[str, str]:
    raw = path.read_bytes()[:65536]
    encoding = "utf-8-sig"
    try:
        head = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        encoding, head = "cp1252", raw.decode("cp1252")
    first = head.splitlines()[0] if head else ""
    return encoding, max(";,\t|", key=first.count)


def _batch(geocoder: Geocoder, path: Path, column: str, out: Path) -> None:
    """Geocode every row of a CSV file; the output keeps the input's columns (text cells a spreadsheet would run
    as formulas are neutralised) and adds the results."""
    encoding, sep = _sniff(path)
    with path.open(encoding=encoding, newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=sep))
    if rows and column not in rows[0]:
        raise typer.BadParameter(f"colonne {column!r} absente ; colonnes : {', '.join(rows[0])}")
    fields = ["lon", "lat", "x_31370", "y_31370", "niveau", "score", "libelle"]
    results: list[dict[str, Any]] = []
    with progress_bar("Géocodage", MofNCompleteColumn(), TimeRemainingColumn()) as bar:
        task = bar.add_task("", total=len(rows))
        for row in rows:
            r = geocoder.geocode(
                row.get(column),
                postcode=row.get("code_postal") or row.get("Code postal"),
                locality=row.get("commune") or row.get("Localité"),
            )
            results.append(
                {
                    "lon": r.lon,
                    "lat": r.lat,
                    "x_31370": r.x,
                    "y_31370": r.y,
                    "niveau": r.level,
                    "score": r.score,
                    "libelle": r.label,
                }
            )
            bar.advance(task)
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*(rows[0].keys() if rows else [column]), *fields], delimiter=sep)
        writer.writeheader()
        for row, res in zip(rows, results, strict=True):
            writer.writerow({k: neutralise_formula(v) for k, v in {**row, **res}.items()})
    levels: dict[str, int] = {}
    for res in results:
        levels[res["niveau"]] = levels.get(res["niveau"], 0) + 1
    console.print(f"{len(rows)} adresses écrites dans {out} — " + ", ".join(f"{k} : {v}" for k, v in levels.items()))


@app.command("reverse")
def reverse(ctx: typer.Context, lon: float = typer.Argument(...), lat: float = typer.Argument(...)) -> None:
    """Adresse officielle la plus proche d'un point WGS84 (longitude, latitude)."""
    from service.geo import to_lambert

    print_json(_geocoder(settings_of(ctx)).reverse(*to_lambert(lon, lat)))


@app.command("pending")
def pending(ctx: typer.Context, json_out: JsonOut = False) -> None:
    """Géocode maintenant toutes les lignes en attente (signalements, visites, permis)."""
    settings = settings_of(ctx)
    geocoder = _geocoder(settings)
    summary = {}
    with connect(settings) as conn, conn.transaction():
        for table in ("reports", "visits", "permits"):
            summary[table] = geocode_rows(conn, geocoder, table).__dict__
    if json_out:
        print_json(summary)
        return
    for table, stats in summary.items():
        console.print(
            f"{table} : {stats['attempted']} traitées, {stats['placed']} placées, {stats['to_review']} à vérifier"
        )


@app.command("review")
def review(
    ctx: typer.Context,
    limite: int = typer.Option(50, "--limite", min=1, help="Vérifications par page."),
    page: int = typer.Option(1, "--page", min=1, help="Page à afficher (les plus anciennes d'abord)."),
    json_out: JsonOut = False,
) -> None:
    """Liste les adresses à vérifier (les plus anciennes d'abord, par pages), avec le motif du doute et les
    propositions du géocodeur."""
    with database(settings_of(ctx)) as conn:
        total = count_open_reviews(conn)
        items = open_reviews(conn, limit=limite, offset=(page - 1) * limite)
    pages = max(1, -(-total // limite))
    if json_out:
        print_json({"total": total, "page": page, "pages": pages, "par_page": limite, "verifications": items})
        return
    if not items:
        console.print(f"Aucune vérification en page {page} ({total} en attente).")
        return
    first = (page - 1) * limite + 1
    table = Table(title=f"Adresses à vérifier : {first} à {first + len(items) - 1} sur {total} (page {page}/{pages})")
    for col in ("n°", "type", "adresse", "position", "confiance", "motif", "propositions"):
        table.add_column(col)
    for it in items:
        props = "\n".join(
            f"{i}. {a['libelle']} ({geocode_level_label(a['niveau'])}, {str(a['score']).replace('.', ',')})"
            for i, a in enumerate(it["alternatives"], start=1)
        )
        table.add_row(
            str(it["id"]),
            ROW_LABELS[it["target"]],
            it["address"] or "",
            geocode_level_label(it["level"]),
            f"{it['score']:.2f}".replace(".", ","),
            it["reason"] or "",
            props,
        )
    console.print(fitted(table))
    if page < pages:
        console.print(f"{counted(total - first - len(items) + 1, 'autre')} : hotspots geocode review --page {page + 1}")
    console.print(
        "Accepter : hotspots geocode accept N° --choix K · placer : hotspots geocode place N° --lon … --lat …"
    )


@app.command("accept")
def accept(
    ctx: typer.Context,
    numero: int = typer.Argument(..., help="Le n° de la vérification (colonne « n° » de la liste)."),
    choix: int = typer.Option(1, "--choix", help="Le numéro de la proposition acceptée."),
    json_out: JsonOut = False,
) -> None:
    """Accepte la proposition K d'une vérification."""
    settings = settings_of(ctx)
    with connect(settings) as conn:
        _print_resolution(settle_review(conn, settings, numero, choix), json_out)


@app.command("place")
def place(
    ctx: typer.Context,
    numero: int = typer.Argument(..., help="Le n° de la vérification (colonne « n° » de la liste)."),
    lon: float = typer.Option(..., "--lon", help="Longitude WGS84 (vers 5,5 à Seraing)."),
    lat: float = typer.Option(..., "--lat", help="Latitude WGS84 (vers 50,6 à Seraing)."),
    json_out: JsonOut = False,
) -> None:
    """Place à la main le point d'une vérification (WGS84) ; un point hors de la zone est refusé."""
    settings = settings_of(ctx)
    with connect(settings) as conn:
        answer = HandPlaced(lon, lat, commune_outlines(settings), zone_polygon(settings))
        done = settle_review(conn, settings, numero, answer)
    _print_resolution(done, json_out)


_KINDS = {label: table for table, label in ROW_LABELS.items()}


@app.command("doute")
def doute(
    ctx: typer.Context,
    objet: str = typer.Argument(..., help="signalement, visite ou permis."),
    numero: str = typer.Argument(..., help="Son numéro (celui de la carte ou de l'export : 123 ou SIG-123)."),
    motif: str = typer.Option("", "--motif", help="Ce qui ne va pas (« mauvaise commune », « en face »…)."),
    json_out: JsonOut = False,
) -> None:
    """Remet dans les adresses à vérifier un signalement, une visite ou un permis placé au mauvais endroit ; sa
    position actuelle devient la proposition 1, suivie des autres adresses possibles."""
    table = _KINDS.get(objet.strip().lower())
    if table is None:
        raise typer.BadParameter(f"« {objet} » : donnez signalement, visite ou permis.", param_hint="OBJET")
    found = re.fullmatch(r"(?:SIG-)?(\d+)" if table == "reports" else r"(\d+)", numero.strip(), re.IGNORECASE)
    if found is None:
        example = "123 ou SIG-123" if table == "reports" else "123"
        raise typer.BadParameter(f"« {numero} » : un numéro ({example}).", param_hint="NUMERO")
    row_id = int(found.group(1))
    settings = settings_of(ctx)
    with connect(settings) as conn:
        register = batch_geocoder(conn)  # None while no address register is loaded: the current place only
        geocoder = register.geocoder if register else None
        row, created = doubt_placement(conn, table, row_id, who=cli_actor(), reason=motif, geocoder=geocoder)
        if created:
            audit(conn, cli_actor(), "placement_mis_en_doute", verification=row["id"], table=table, id=row_id)
    if json_out:
        print_json({**row, "nouvelle": created})
        return
    said = ("mise dans" if table == "visits" else "mis dans") if created else "déjà dans"
    choices = row["alternatives"]
    first = " (la 1 : sa position actuelle)" if choices and choices[0].get("actuelle") else ""
    console.print(
        f"{ROW_LABELS[table].capitalize()} n° {row_id} {said} les adresses à vérifier : vérification n° {row['id']}, "
        f"{counted(len(choices), 'proposition')}{first}."
    )
    console.print(
        f"Voir : hotspots geocode review · régler : hotspots geocode accept {row['id']} --choix K · "
        f"hotspots geocode place {row['id']} --lon … --lat …"
    )


def _print_resolution(done: dict[str, Any], json_out: bool) -> None:
    """What a settled review changed, in a sentence (or as JSON for scripts)."""
    if json_out:
        print_json(done)
        return
    place_name = " ".join(p for p in (done["code_postal"], done["commune"]) if p) or "hors des communes connues"
    where = done["libelle"] or f"point placé à la main ({place_name})"
    console.print(
        f"Vérification n° {done['verification']} réglée : {ROW_LABELS[done['table']]} n° {done['id']} → "
        f"{where} (géocodage « manuel »)."
    )
    if done.get("quasi_doublon_de"):
        console.print(
            f"C'est un quasi-doublon du signalement n° {done['quasi_doublon_de']} (une autre source, même catégorie, "
            "tout près dans l'espace et le temps) : il n'est compté qu'une fois."
        )
