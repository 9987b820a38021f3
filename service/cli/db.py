"""``hotspots db ...``: the managed cluster and the schema."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from service.cli.common import JsonOut, console, print_json, settings_of, working
from service.db import connect, ensure_database, resolve_conninfo, start_database
from service.db.backup import backup, restore
from service.db.cluster import ClusterManager
from service.db.migrate import applied_migrations, available_migrations, migrate

app = typer.Typer(help="Base de données : démarrer, arrêter, migrer, sauvegarder.", no_args_is_help=True)


@app.command("up")
def up(ctx: typer.Context) -> None:
    """Installe PostGIS si besoin, crée et démarre la base locale, applique les migrations."""
    settings = settings_of(ctx)
    with working("Démarrage de la base…"):
        conninfo = ensure_database(settings)
    console.print(f"[green]Base prête[/green] : {conninfo}")


@app.command("down")
def down(ctx: typer.Context) -> None:
    """Arrête la base locale gérée par le service."""
    settings = settings_of(ctx)
    if not settings.managed:
        console.print("DATABASE_URL est défini : la base n'est pas gérée par le service, rien à arrêter.")
        return
    stopped = ClusterManager(settings).down()
    console.print("Base arrêtée." if stopped else "La base n'était pas démarrée.")


@app.command("status")
def status(ctx: typer.Context, json_out: JsonOut = False) -> None:
    """État de la base : gérée ou externe, démarrée, migrations appliquées."""
    settings = settings_of(ctx)
    info: dict[str, object] = {"geree": settings.managed, "connexion": resolve_conninfo(settings)}
    if settings.managed:
        info.update(
            {k: str(v) if isinstance(v, Path) else v for k, v in asdict(ClusterManager(settings).status()).items()}
        )
    running = not settings.managed or bool(info.get("running"))
    if running:
        try:
            with connect(settings) as conn:
                done = applied_migrations(conn)
                info["migrations_appliquees"] = sorted(done)
                info["migrations_en_attente"] = [m.version for m in available_migrations() if m.version not in done]
        except Exception as exc:  # status must describe, not fail
            info["erreur"] = str(exc)
    if json_out:
        print_json(info)
        return
    for key, value in info.items():
        console.print(f"[bold]{key}[/bold] : {value}")


@app.command("migrate")
def migrate_cmd(ctx: typer.Context) -> None:
    """Applique les migrations en attente."""
    settings = settings_of(ctx)
    start_database(settings)
    with connect(settings) as conn:
        done = migrate(conn)
    console.print(
        f"{len(done)} migration(s) appliquée(s)"
        + (": " + ", ".join(f"{m.version:04d}_{m.name}" for m in done) if done else ".")
    )


@app.command("url")
def url(ctx: typer.Context) -> None:
    """Affiche la chaîne de connexion (pour psql)."""
    typer.echo(resolve_conninfo(settings_of(ctx)))


@app.command("backup")
def backup_cmd(ctx: typer.Context, fichier: Path = typer.Argument(..., help="Fichier de sauvegarde à écrire.")) -> None:
    """Sauvegarde complète de la base (pg_dump, format personnalisé)."""
    with working("Sauvegarde…"):
        path = backup(settings_of(ctx), fichier)
    console.print(f"Sauvegarde écrite : {path} ({path.stat().st_size:,} octets)".replace(",", " "))


@app.command("restore")
def restore_cmd(
    ctx: typer.Context,
    fichier: Path = typer.Argument(..., help="Sauvegarde à restaurer."),
    oui: bool = typer.Option(False, "--oui", help="Ne pas demander de confirmation."),
) -> None:
    """Remplace le contenu de la base par une sauvegarde."""
    if not oui:
        typer.confirm("Le contenu actuel de la base sera remplacé. Continuer ?", abort=True)
    with working("Restauration…"):
        restore(settings_of(ctx), fichier)
    console.print("Restauration terminée ; les serveurs en marche ont été prévenus (ils oublient ce qu'ils gardaient).")
