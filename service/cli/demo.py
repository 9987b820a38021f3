"""``hotspots demo-data`` and ``hotspots demo``: the embedded default job."""

from __future__ import annotations

import shutil
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer

from service.cli.common import JsonOut, console, err_console, print_json, settings_of, working
from service.cli.fit import fitted
from service.cli.ingest import ImportAccount, run_ingest, totals_line
from service.cli.summary import null_model_words, points_table
from service.demo import DemoFiles
from service.demo.load import N_REPORTS, SEED, DemoLoad, demo_account, demo_dir, run_demo
from service.geocode.register import ICAR_EXTRACT
from service.ingest.batch import geocoding_lines
from service.ingest.pipeline import BatchSummary, IngestOptions
from service.settings import Settings


def demo_data(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", help="Dossier de sortie (sinon <données>/demo)."),
    graine: int = typer.Option(SEED, "--graine", "--seed", help="Graine du générateur (reproductible)."),
    signalements: int = typer.Option(N_REPORTS, "--signalements", help="Nombre de signalements."),
    fin: str | None = typer.Option(None, "--fin", help="Dernier jour des données (AAAA-MM-JJ, sinon aujourd'hui)."),
) -> None:
    """Écrit un jeu de démonstration réaliste (vraies adresses de Seraing et Neupré)."""
    settings = settings_of(ctx)
    files = _generate(
        settings.data_dir / "demo" if out is None else out, settings.geodata_dir, graine, signalements, fin
    )
    for name, path in vars(files).items():
        console.print(f"{name:>24} : {path}")


def _generate(out: Path, geodata: Path, seed: int, n: int, end: str | None) -> DemoFiles:
    from service.demo import generate_demo

    with working("Génération des données de démonstration…"):
        return generate_demo(
            out,
            addresses=geodata / ICAR_EXTRACT,
            seed=seed,
            n_reports=n,
            end=date.fromisoformat(end) if end else None,
        )


def demo(
    ctx: typer.Context,
    graine: int = typer.Option(SEED, "--graine", "--seed", help="Graine du générateur."),
    signalements: int = typer.Option(N_REPORTS, "--signalements", help="Nombre de signalements."),
    json_out: JsonOut = False,
    tournee: bool = typer.Option(
        True, "--tournee/--sans-tournee", help="Planifier une première tournée et écrire ses fichiers."
    ),
    servir: bool = typer.Option(False, "--servir", help="Servir ensuite l'API et la carte (Ctrl+C pour arrêter)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Adresse d'écoute avec --servir."),
    port: int = typer.Option(8000, "--port", help="Port avec --servir."),
) -> None:
    """Démonstration complète : démarre la base, génère, importe et analyse le jeu de démonstration, planifie
    une première tournée, puis (avec --servir) sert l'API et la carte avec un compte de démonstration."""
    settings = linked_to_server(settings_of(ctx), host, port) if servir else settings_of(ctx)

    def ingest(path: Path, options: IngestOptions, geocoder: Any) -> BatchSummary:
        return run_ingest(settings, path, options, show_progress=not json_out, geocoder=geocoder)

    err_console.print("Démonstration : base, registre des adresses, fichiers, import, géocodage et analyse…")
    run = run_demo(
        settings, seed=graine, n_reports=signalements, shift=tournee and not json_out, ingest=ingest, step=working
    )
    done = run.load
    for name, message in done.refused:
        console.print(f"[red]{name} refusé[/red] : {message}", highlight=False)
    summaries = done.summaries
    if json_out:
        print_json([s.to_dict() for s in summaries])
        return
    console.print(ImportAccount(summaries))
    for line in geocoding_lines(summaries):
        console.print(line)
    found, axes = done.analysis["points_sensibles"], done.analysis["axes_problematiques"]
    title = f"Points sensibles ({found} ; {axes} axes ; modèle nul : {null_model_words(done.analysis['modele_nul'])})"
    console.print(fitted(points_table(run.points, run.categories, title=title)))
    console.print(totals_line(summaries), highlight=False)
    if run.shift is not None:
        console.print(
            f"Première tournée : n° {run.shift.plan_id}, {len(run.shift.stops)} arrêts pour "
            f"{run.shift.facts['teams']} équipes{meeting_line(run.shift, settings.timezone)} ; fichiers dans "
            f"{run.pack[0].parent}",
            highlight=False,
        )
    if servir:
        _serve_demo(ctx, host, port, done, run.pack)
    else:
        for line in next_steps(settings, done, run.pack, url=None):
            console.print(line, highlight=False)


def served_url(host: str, port: int) -> str:
    """The address of the demo's server as this machine reaches it (``http://127.0.0.1:8765``)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 (the address the server listens on)
    return f"http://{shown}:{port}"


def linked_to_server(settings: Settings, host: str, port: int) -> Settings:
    """The settings of a served demo: the first shift's links (« Voir sur la carte », the sheet's QR code) go to
    the map it serves (``make demo PORT=8765``), unless ``HOTSPOTS_EXPORT_BASE_URL`` is given."""
    if "export_base_url" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"export_base_url": served_url(host, port)})


def meeting_line(stored: Any, zone: str) -> str:
    """« , dont un rendez-vous : PER-9 (…) entre 09:00 et 10:00 » for the demo's first shift, empty without one."""
    timed = stored.stops[stored.stops["appointment_at"].notna()]
    if timed.empty:
        return ""
    from service.export.values import local_time
    from service.plan.model import appointment_time_words

    stop = timed.iloc[0]
    at = local_time(stop["appointment_at"], zone)
    assert at is not None  # the stops with an appointment
    when = appointment_time_words(at, local_time(stop["appointment_until"], zone))
    return f", dont un rendez-vous : {stop['site_id']} ({stop['label']}) {when}"


def command_name() -> str:
    """How to type the command in this shell: ``hotspots`` when on the PATH, else the path that ran it."""
    if shutil.which("hotspots"):
        return "hotspots"
    ran = Path(sys.argv[0])
    if ran.name == "hotspots":
        try:
            return str(ran.resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(ran)
    return f"{Path(sys.executable).name} -m service"


def next_steps(settings: Settings, done: DemoLoad, pack: list[Path], *, url: str | None) -> list[str]:
    """One line per next step of a first visit, pointing at the demo's own files."""
    cmd = command_name()
    errors = next((s for s in done.summaries if s.rejected), None)
    lines = ["", "[bold]Et maintenant ?[/bold]"]
    if url:
        lines.append(f"  • La carte : {url}/carte (connexion avec le compte ci-dessus) ; l'API : {url}/docs")
    else:
        lines.append(f"  • La carte : make demo (ou {cmd} demo --servir), puis http://127.0.0.1:8000/")
    if errors is not None:
        lines.append(
            f"  • Les lignes refusées et pourquoi : {cmd} rejects {errors.batch_id} "
            "(--out rejets.csv pour les corriger)"
        )
    lines.append(f"  • Les adresses à vérifier : volet « Adresses à vérifier » de la carte, ou {cmd} geocode review")
    lines.append(f"  • Les points sensibles et les axes : {cmd} analyse")
    lines.append(f"  • Une tournée de 3 h à vélo : {cmd} plan --duree 3h --mode velo --out tournee/")
    if pack:
        files = {p.suffix: p for p in pack}
        lines.append(f"  • La fiche de la première tournée à imprimer : {files['.pdf']}")
        lines.append(f"  • Le tableur à remplir puis réimporter : {cmd} ingest visits {files['.xlsx']}")
        if url:  # the same shift on a phone, its stops recorded one by one (kept on the phone without network)
            plan = files[".pdf"].stem.removeprefix("tournee_")
            lines.append(
                f"  • Ou, sur le téléphone, arrêt par arrêt : {url}/carte#tournee={plan} (pour un téléphone du "
                "réseau : make demo HOST=0.0.0.0, puis l'adresse de cet ordinateur)"
            )
    year = datetime.now(ZoneInfo(settings.timezone)).year  # the service's year (its New Year's Eve, not UTC's)
    lines.append(f"  • Le bilan d'activité de l'année : {cmd} activite --periode {year} --out bilans/")
    if url:
        lines.append(
            "  • La carte publique, sans connexion, en français, néerlandais, allemand ou anglais : "
            f"{url}/carte/publique"
        )
    lines.append(f"  • Vos propres fichiers : {cmd} ingest reports FICHIER (exemples dans {demo_dir(settings)})")
    lines.append("  • Les carnets d'analyse : notebooks/README.md")
    if cmd != "hotspots":
        lines.append("  (« source .venv/bin/activate » pour taper simplement « hotspots »)")
    return lines


def _serve_demo(ctx: typer.Context, host: str, port: int, done: DemoLoad, pack: list[Path]) -> None:
    """A demo account whose new random password is shown once, then the server."""
    from service.api.server import run_server

    settings = settings_of(ctx)
    password = demo_account(settings)
    console.print(
        f"Compte de démonstration : identifiant [bold]demo[/bold], mot de passe [bold]{password}[/bold] "
        "(rôle planificateur ; un nouveau mot de passe à chaque démonstration)."
    )
    url = served_url(host, port)
    for line in next_steps(settings, done, pack, url=url):
        console.print(line, highlight=False)
    console.print(f"[bold]Carte : {url}/[/bold] — Ctrl+C pour arrêter.", highlight=False)
    # the demonstration shows the public map too (hexagon counts only; off by default: HOTSPOTS_PUBLIC_MAP)
    run_server(settings.model_copy(update={"public_map": True}), host=host, port=port)
