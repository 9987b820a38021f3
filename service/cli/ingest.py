"""``hotspots ingest ...``, ``hotspots batches``, ``hotspots rejects``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Literal

import typer
from rich.console import Group
from rich.progress import DownloadColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from service.cli.common import JsonOut, cli_actor, console, database, listed, print_json, progress_bar, settings_of
from service.cli.fit import Fitted, fitted
from service.db.personal import audit
from service.errors import InputFileError, InvalidValueError
from service.export import file_or_folder, names_folder
from service.geocode import BatchGeocoder, batch_geocoder_if_loaded
from service.ingest.archive import ArchiveLimits
from service.ingest.batch import geocoding_lines, updated_words
from service.ingest.columns import Kind
from service.ingest.kept_mapping import with_kept_mapping
from service.ingest.pipeline import BatchSummary, IngestOptions, ingest_file
from service.ingest.rejects import export_rejects, list_batches, shown_rejects
from service.ingest.sheets import import_each, sheets_words, tables_of
from service.ingest.withdraw import withdraw_batch
from service.labels import KIND_LABELS, batch_state_label
from service.settings import Settings
from service.text import counted, plural

app = typer.Typer(help="Importer des fichiers (signalements, visites, permis).", no_args_is_help=True)

_KIND_FR = KIND_LABELS


#: The account's number columns, after « lot », « fichier » and « type » (headers wrap between their words).
_COUNTS = ("lignes", "insérées", "mises à jour", "doublons", "rejetées", "géocodées", "à vérifier", "échecs géocodage")


def _counts(s: BatchSummary) -> tuple[int, ...]:
    g = s.geocoding
    return (s.rows_in, s.inserted, s.updated, s.duplicates, s.rejected, g["placees"], g["a_verifier"], g["echecs"])


class ImportAccount(Fitted):
    """The end-of-batch account, one file after the other: a table where the window holds every header whole,
    else one paragraph per file in the words of the geocoding line (:mod:`service.cli.fit`)."""

    def __init__(self, summaries: list[BatchSummary]) -> None:
        self.summaries = summaries
        table = Table(title="Import : bilan par fichier")
        table.add_column("lot", justify="right")
        table.add_column("fichier", no_wrap=True)  # what a person looks for: kept whole
        table.add_column("type", no_wrap=True)
        for col in _COUNTS:
            table.add_column(col, justify="right")
        for s in summaries:
            table.add_row(str(s.batch_id), s.file_name, _KIND_FR[s.kind], *(str(n) for n in _counts(s)))
        super().__init__(table)

    def paragraphs(self) -> Group:
        """One paragraph per file (they wrap at any width)."""
        out = [Text("Import : bilan par fichier", style="italic")]
        for s in self.summaries:
            rows, inserted, updated, duplicates, rejected, placed, to_check, failed = _counts(s)
            geocoded = (
                f"géocodage : {counted(placed, 'placée')}, {to_check} à vérifier, {counted(failed, 'échec')}"
                if placed + to_check + failed
                else "rien à géocoder"
            )
            out.append(
                Text(
                    f"Lot {s.batch_id} · {s.file_name} ({_KIND_FR[s.kind]}) : {counted(rows, 'ligne')} — "
                    f"{counted(inserted, 'insérée')}, {updated_words(updated)}, "
                    f"{counted(duplicates, 'doublon')}, {counted(rejected, 'rejetée')} ; {geocoded}"
                )
            )
        return Group(*out)


def layout_lines(summary: BatchSummary, *, every_sheet: bool = False) -> list[str]:
    """How the file was read when it was not the plain case: the sheet of a workbook with several, the rows
    skipped above the header (a title, blank rows), so that nothing is left out silently (``every_sheet``: the
    sheets are each imported, the others are not « non lues »)."""
    details, lines = summary.details, []
    sheet = summary.sheet_line("choisir : --feuille NOM, ou toutes : --toutes-les-feuilles")
    if sheet and every_sheet:
        lines.append(f"Feuille « {details.get('feuille')} ».")
    elif sheet:
        lines.append(sheet)
    above = int(details.get("lignes_au_dessus_de_l_entete") or 0)
    if above:
        lines.append(
            f"En-tête trouvé à la ligne {above + 1} : {counted(above, 'ligne')} au-dessus (titre, lignes vides, "
            f"groupes de colonnes) {plural(above, 'sautée', 'sautées')}."
        )
    mapping = summary.mapping_line()
    if mapping:
        lines.append(mapping)
    return lines


def totals_line(summaries: list[BatchSummary]) -> str:
    """Where every line read went, summed over the batches (each line is counted once: created, updated,
    duplicate or rejected), so that the sum can be checked: « 4555 lignes lues : 4158 enregistrements créés,
    386 doublons (…), 11 rejetées »."""
    read, created, updated, duplicates, rejected = (
        sum(getattr(s, name) for s in summaries)
        for name in ("rows_in", "inserted", "updated", "duplicates", "rejected")
    )
    parts = [counted(created, "enregistrement créé", "enregistrements créés")]
    if updated:
        parts.append(counted(updated, "mis à jour", "mis à jour"))
    if duplicates:
        parts.append(
            f"{counted(duplicates, 'doublon')} (déjà {plural(duplicates, 'importé')}, ou le même fait signalé par une "
            "autre source)"
        )
    parts.append(counted(rejected, "rejetée") + (" (voir « hotspots rejects <lot> »)" if rejected else ""))
    return f"{counted(read, 'ligne lue', 'lignes lues')} : {', '.join(parts)}."


def run_ingest(
    settings: Settings,
    path: Path,
    options: IngestOptions,
    *,
    show_progress: bool,
    geocoder: BatchGeocoder | Literal["auto"] | None = "auto",
) -> BatchSummary:
    """Ingest one file with a progress bar on the terminal; rows without coordinates are geocoded when the
    address register is loaded (``geocoder="auto"``)."""
    with database(settings) as conn:
        if geocoder == "auto":
            geocoder = batch_geocoder_if_loaded(conn)
        if not show_progress:
            return ingest_file(conn, path, options, settings, geocoder=geocoder)
        with progress_bar("[bold]{task.description}", DownloadColumn(), TimeRemainingColumn()) as bar:
            task = bar.add_task(f"Import de {path.name}", total=path.stat().st_size if path.is_file() else None)
            return ingest_file(
                conn,
                path,
                options,
                settings,
                geocoder=geocoder,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )


def _print_summary(summary: BatchSummary, json_out: bool, *, every_sheet: bool = False) -> None:
    if json_out:
        print_json(summary.to_dict())
        return
    console.print(ImportAccount([summary]))
    d = summary.details
    console.print(summary.check_line(), highlight=False)
    for line in layout_lines(summary, every_sheet=every_sheet):
        console.print(line)
    for line in geocoding_lines([summary]):
        console.print(line)
    for line in summary.notes():
        console.print(line, highlight=False)
    if d.get("renvois_proposes"):  # rules of service/referrals: proposed, waiting for a planner
        console.print(
            f"{counted(d['renvois_proposes'], 'signalement proposé', 'signalements proposés')} pour un renvoi "
            "(médiation, partenaires) : "
            "hotspots renvois propositions"
        )
    if d.get("colonnes_ignorees"):
        console.print(f"Colonnes conservées telles quelles (non reconnues) : {', '.join(d['colonnes_ignorees'])}")
    for line in summary.reject_lines():
        console.print(line, style="yellow", markup=False, highlight=False)
    if summary.to_fix:
        console.print(
            f"Pour les corriger : hotspots rejects {summary.batch_id} --out rejets_{summary.batch_id}.csv "
            "(les lignes avec leurs motifs, à corriger puis réimporter)"
        )


def _command(kind: Kind) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        fichier: Path = typer.Argument(
            ..., exists=False, help="Fichier à importer (CSV, XLSX, XLSB, ODS, XLS, GeoJSON, Open311, SIG)."
        ),
        format_: str | None = typer.Option(
            None,
            "--format",
            help="csv, xlsx, xlsb, ods, xls, geojson, open311, gpkg, shp, fgb, kml ou gml (sinon détecté).",
        ),
        source: str | None = typer.Option(None, "--source", help="Nom de la source (sinon le nom du fichier)."),
        correspondance: Path | None = typer.Option(
            None,
            "--correspondance",
            "--mapping",
            help="Fichier TOML/YAML de correspondance des colonnes ; avec --source, gardé pour les prochains "
            "fichiers de la source (hotspots correspondances).",
        ),
        sans_gardee: bool = typer.Option(
            False,
            "--sans-correspondance-gardee",
            help="Sans --correspondance, ne pas appliquer celle gardée pour la source (lire les seuls en-têtes).",
        ),
        separateur: str | None = typer.Option(None, "--separateur", help="Séparateur CSV (sinon détecté)."),
        encodage: str | None = typer.Option(None, "--encodage", help="Encodage (sinon UTF-8 ou Windows-1252)."),
        feuille: str | None = typer.Option(
            None, "--feuille", help="Feuille d'un classeur (sinon la première qui porte un tableau)."
        ),
        toutes: bool = typer.Option(
            False,
            "--toutes-les-feuilles",
            help="Importe chaque feuille du classeur qui porte un tableau de ce type (un registre tenu par mois), "
            "chacune en un lot.",
        ),
        crs: str | None = typer.Option(None, "--crs", help="Système des coordonnées (sinon reconnu aux valeurs)."),
        json_out: JsonOut = False,
    ) -> None:
        settings = settings_of(ctx)
        options = IngestOptions(
            kind=kind,
            fmt=format_,
            source=source,
            mapping=correspondance,
            delimiter=separateur,
            encoding=encodage,
            sheet=feuille,
            crs=crs,
            use_kept=not sans_gardee,
            actor=cli_actor(),
        )
        if toutes:
            _every_sheet(settings, fichier, options, feuille, json_out)
            return
        summary = run_ingest(settings, fichier, options, show_progress=not json_out)
        _print_summary(summary, json_out)

    command.__doc__ = f"Importe un fichier de {_KIND_FR[kind]}."
    return command


def _every_sheet(settings: Settings, path: Path, options: IngestOptions, sheet: str | None, json_out: bool) -> None:
    """Each sheet of the workbook that holds a table of the kind, imported as its own batch; the others said."""
    if sheet:
        raise InputFileError("--feuille et --toutes-les-feuilles ensemble : choisissez l'un des deux.")
    with database(settings) as conn:  # the sheets are sought through the mapping kept for the source, as read
        options = with_kept_mapping(conn, options)
    found = tables_of(path, options, ArchiveLimits.of(settings))
    summaries, refused = import_each(
        found, lambda name: run_ingest(settings, path, replace(options, sheet=name), show_progress=not json_out)
    )
    if json_out:
        print_json(
            {"lots": [s.to_dict() for s in summaries], "feuilles_non_lues": found.left, "feuilles_refusees": refused}
        )
        return
    for summary in summaries:
        _print_summary(summary, False, every_sheet=True)
    total, *left = sheets_words(found, len(summaries), sum(s.inserted for s in summaries), refused)
    console.print(total, highlight=False)
    for line in left:
        console.print(line, style="yellow", markup=False, highlight=False)


app.command("reports", help="Importe un fichier de signalements.")(_command("reports"))
app.command("visits", help="Importe un fichier de visites (contrôles sur place et leur résultat).")(_command("visits"))
app.command("permits", help="Importe un fichier de permis (environnement, urbanisme, unique).")(_command("permits"))


def batches(
    ctx: typer.Context,
    limite: int = typer.Option(20, "--limite", help="Nombre de lots affichés."),
    json_out: JsonOut = False,
) -> None:
    """Liste les derniers lots importés et leur bilan."""
    if (rows := listed(ctx, lambda conn: list_batches(conn, limit=limite), json_out)) is None:
        return
    table = Table(title="Lots importés")
    for col in ("lot", "type", "fichier", "état", "lignes", "ins.", "m. à j.", "doubl.", "rej.", "début"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r["id"]),
            _KIND_FR[r["kind"]],
            r["file_name"],
            batch_state_label(r["status"]),
            str(r["rows_in"]),
            str(r["inserted"]),
            str(r["updated"]),
            str(r["duplicates"]),
            str(r["rejected"]),
            f"{r['started_at']:%d/%m/%Y %H:%M}",
        )
    console.print(fitted(table))
    for r in rows:
        if r["status"] == "refuse" and r.get("error"):
            console.print(f"Lot {r['id']} ({r['file_name']}) refusé : {r['error']}")
        if r["status"] == "annule":
            console.print(
                f"Lot {r['id']} ({r['file_name']}) annulé le {r['withdrawn_at']:%d/%m/%Y à %H:%M} par "
                f"{r['withdrawn_by']} : {r['withdrawn_reason']} ({r['withdrawn_rows']} lignes retirées).",
                highlight=False,
            )


def withdraw(
    ctx: typer.Context,
    lot: int = typer.Argument(..., help="Numéro du lot (voir « hotspots batches »)."),
    motif: str = typer.Option(..., "--motif", help="Pourquoi (« mauvais fichier : février au lieu de mars »)."),
) -> None:
    """Annule un lot importé par erreur : ses lignes sont retirées, le lot reste dans la liste, annulé, avec qui,
    quand et pourquoi ; refusé quand des visites, des tournées, des renvois ou des adresses placées à la main
    tiennent à ses lignes. Le fichier corrigé s'importe ensuite à nouveau."""
    settings = settings_of(ctx)
    actor = cli_actor()
    with database(settings) as conn:
        with conn.transaction():
            done = withdraw_batch(conn, settings, lot, by=actor, reason=motif)
        audit(conn, actor, "lot_annule", lot=lot, fichier=done.file_name, lignes=done.rows, motif=motif)
    console.print(done.sentence(), highlight=False)


def rejects(
    ctx: typer.Context,
    lot: int = typer.Argument(..., help="Numéro du lot (voir « hotspots batches »)."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Fichier CSV à écrire (séparateur ;), ou dossier (rejets_lot_N.csv) ; sans lui, les lignes et leurs "
        "motifs s'affichent.",
    ),
    personnel: bool = typer.Option(
        False, "--avec-donnees-personnelles", help="Inclure les coordonnées des déclarants (lecture journalisée)."
    ),
    json_out: JsonOut = False,
) -> None:
    """Montre les lignes rejetées d'un lot et leurs motifs, ou les exporte (--out) pour correction et nouvel import."""
    if out is None:
        if personnel:
            raise InvalidValueError(
                "--avec-donnees-personnelles ne s'affiche pas : les coordonnées des déclarants vont dans un fichier.",
                hint=f"Ajoutez --out : hotspots rejects {lot} --out rejets.csv --avec-donnees-personnelles",
            )
        _show_rejects(ctx, lot, json_out)
        return
    if not names_folder(out) and out.suffix.lower() != ".csv":
        raise InvalidValueError(
            f"--out {out} : les lignes rejetées s'écrivent en CSV.",
            hint=f"Donnez un nom en .csv (rejets.csv) ou un dossier, où s'écrit rejets_lot_{lot}.csv.",
        )
    out = file_or_folder(out, f"rejets_lot_{lot}.csv")
    with database(settings_of(ctx)) as conn:
        result = export_rejects(conn, lot, out, with_personal=personnel)
    if json_out:
        print_json({"lot": lot, "fichier": str(result.path), "lignes": result.rows})
        return
    said = counted(result.rows, "ligne rejetée écrite", "lignes rejetées écrites")
    console.print(f"{said} dans {result.path}.")


#: Rejected rows shown in the terminal; the file (--out) has them all.
SHOWN_IN_TERMINAL = 50


def _show_rejects(ctx: typer.Context, lot: int, json_out: bool) -> None:
    """The batch's rejected rows, each reason on its line (field, value as read, why), without personal columns."""
    with database(settings_of(ctx)) as conn:
        total, rows = shown_rejects(conn, lot, limit=SHOWN_IN_TERMINAL)
    if json_out:
        print_json({"lot": lot, "lignes_rejetees": total, "lignes": rows})
        return
    if not total:
        console.print(f"Lot {lot} : aucune ligne rejetée.")
        return
    table = Table(title=f"Lot {lot} : {counted(total, 'ligne rejetée', 'lignes rejetées')}", title_justify="left")
    for name in ("Ligne", "Champ", "Valeur lue", "Motif"):
        table.add_column(name, overflow="fold")
    for row in rows:
        for i, reason in enumerate(row["motifs"]):
            value = reason.get("valeur")
            table.add_row(
                str(row["ligne"]) if i == 0 else "",
                str(reason.get("champ") or ""),
                Text("" if value is None else str(value)),
                Text(str(reason.get("motif") or "")),
            )
    console.print(table)
    more = f" (et les {total - len(rows)} autres)" if total > len(rows) else ""
    console.print(
        f"Pour corriger ces lignes{more} dans un tableur, avec toutes leurs colonnes, puis les réimporter : "
        f"hotspots rejects {lot} --out rejets_lot_{lot}.csv",
        highlight=False,
    )
