"""``hotspots demo-data`` and ``hotspots demo``: the embedded default job."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from service.analyse.store import run_points
from service.cli.analyse import point_params
from service.cli.common import console, print_json, settings_of, working
from service.cli.ingest import geocoding_lines, run_ingest, summary_table
from service.db import connect, ensure_database
from service.demo import DemoFiles
from service.errors import InputFileError
from service.geocode.apply import batch_geocoder, geocode_rows
from service.geocode.gazetteer import load_gazetteer
from service.ingest.pipeline import BatchSummary, IngestOptions
from service.labels import state_label, trend_label


def demo_data(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", help="Dossier de sortie (sinon <données>/demo)."),
    graine: int = typer.Option(20261126, "--graine", "--seed", help="Graine du générateur (reproductible)."),
    signalements: int = typer.Option(4000, "--signalements", help="Nombre de signalements."),
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
            addresses=geodata / "icar_seraing_neupre.csv",
            seed=seed,
            n_reports=n,
            end=date.fromisoformat(end) if end else None,
        )


def demo(
    ctx: typer.Context,
    graine: int = typer.Option(20261126, "--graine", "--seed", help="Graine du générateur."),
    signalements: int = typer.Option(4000, "--signalements", help="Nombre de signalements."),
    json_out: bool = typer.Option(False, "--json", help="Bilan en JSON."),
    servir: bool = typer.Option(False, "--servir", help="Servir ensuite l'API et la carte (Ctrl+C pour arrêter)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Adresse d'écoute avec --servir."),
    port: int = typer.Option(8000, "--port", help="Port avec --servir."),
) -> None:
    """Démonstration complète : démarre la base, génère, importe et analyse le jeu de démonstration, puis (avec
    --servir) sert l'API et la carte avec un compte de démonstration."""
    settings = settings_of(ctx)
    with working("Démarrage de la base…"):
        ensure_database(settings)
    with connect(settings) as conn:
        if batch_geocoder(conn) is None:
            with working("Chargement du registre des adresses de la zone…"):
                load_gazetteer(conn, [settings.geodata_dir / "icar_seraing_neupre.csv"])
        geocoder = batch_geocoder(conn)
    files = _generate(settings.data_dir / "demo", settings.geodata_dir, graine, signalements, None)
    plan: list[tuple[Path, IngestOptions]] = [
        (files.commune_csv, IngestOptions("reports", source="commune_proprete")),
        (files.patrols_xlsx, IngestOptions("reports", source="patrouilles")),
        (files.open311_json, IngestOptions("reports", source="app_citoyenne")),
        (files.intercommunale_csv, IngestOptions("reports", source="intercommunale")),
        (files.visits_csv, IngestOptions("visits", source="visites")),
        (files.permits_csv, IngestOptions("permits", source="permis")),
        (files.service_csv, IngestOptions("reports", source="service_environnement")),
        (files.errors_csv, IngestOptions("reports", source="commune_proprete_erreurs")),
    ]
    summaries: list[BatchSummary] = []
    for path, options in plan:
        try:
            summaries.append(run_ingest(settings, path, options, show_progress=not json_out, geocoder=geocoder))
        except InputFileError as exc:
            console.print(f"[red]{path.name} refusé[/red] : {exc}")
    if geocoder is not None:
        # rows stored before the register was loaded (an earlier run) are placed now
        with connect(settings) as conn, conn.transaction():
            for target in ("reports", "visits", "permits"):
                geocode_rows(conn, geocoder.geocoder, target)
    with connect(settings) as conn:  # the demo's green neighbourhood information networks (service/prevention)
        from service.demo.prevention import register_networks

        register_networks(conn, settings, files.networks_json)
    if json_out:
        print_json([s.to_dict() for s in summaries])
        return
    console.print(summary_table(summaries))
    for line in geocoding_lines(summaries):
        console.print(line)
    with working("Recherche des points sensibles…"), connect(settings) as conn:
        now = pd.Timestamp.now(tz="UTC")
        analysis = run_points(
            conn,
            since=(now - pd.Timedelta(days=settings.analysis_window_days)).to_pydatetime(),
            now=now,
            params=point_params(settings.analysis_algorithm, settings.analysis_eps_m, None, None),
            by_category=settings.analysis_by_category,
        )
        top = conn.execute(
            "SELECT id, address_label, state, main_category, n_reports, trend, round(priority::numeric, 1) "
            "FROM sensitive_points "
            "WHERE category_scope = 'toutes' AND state IN ('nouveau', 'actif', 'reouvert') "
            "ORDER BY priority DESC LIMIT 10"
        ).fetchall()
    null = {"exposure": "exposition (adresses)", "footprint": "emprise des signalements"}.get(
        analysis["modele_nul"], analysis["modele_nul"]
    )
    table = Table(title=f"Points sensibles ({analysis['points_sensibles']} ; modèle nul : {null})")
    for col in (
        "point",
        "adresse la plus proche",
        "état",
        "catégorie principale",
        "signalements",
        "tendance",
        "priorité",
    ):
        table.add_column(col)
    for pid, address, state, category, n, trend, priority in top:
        table.add_row(
            str(pid), str(address), state_label(state), str(category), str(n), trend_label(trend), str(priority)
        )
    console.print(table)
    total = sum(s.rows_in for s in summaries)
    console.print(
        f"{total} lignes lues, {sum(s.inserted for s in summaries)} enregistrements créés, "
        f"{sum(s.rejected for s in summaries)} rejetées (voir « hotspots rejects <lot> »)."
    )
    if servir:
        _serve_demo(ctx, host, port)


def _serve_demo(ctx: typer.Context, host: str, port: int) -> None:
    """A demo account whose new random password is shown once, then the server."""
    import secrets

    from service import accounts
    from service.api.server import run_server

    settings = settings_of(ctx)
    password = secrets.token_urlsafe(12)
    with connect(settings) as conn:
        if conn.execute("SELECT 1 FROM users WHERE login = 'demo'").fetchone() is None:
            accounts.add_user(conn, "demo", password, "planificateur", full_name="Compte de démonstration")
        else:
            accounts.set_password(conn, "demo", password)
    console.print(
        f"Compte de démonstration : identifiant [bold]demo[/bold], mot de passe [bold]{password}[/bold] "
        "(rôle planificateur ; un nouveau mot de passe à chaque démonstration)."
    )
    console.print(f"Carte : http://{host}:{port}/carte — Ctrl+C pour arrêter.")
    run_server(settings, host=host, port=port)
