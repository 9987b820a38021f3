"""``hotspots db ...``: the managed cluster and the schema."""

from __future__ import annotations

from pathlib import Path

import typer

from service.cli.common import JsonOut, console, number, print_json, settings_of, working
from service.db import connect, ensure_database, resolve_conninfo, start_database
from service.db.backup import backup, restore
from service.db.cluster import ClusterManager
from service.db.connect import masked_conninfo
from service.db.migrate import applied_migrations, available_migrations, migrate
from service.errors import HotspotsError
from service.settings import Settings
from service.text import counted

app = typer.Typer(help="Base de données : démarrer, arrêter, migrer, sauvegarder.", no_args_is_help=True)


@app.command("up")
def up(ctx: typer.Context) -> None:
    """Installe PostGIS si besoin, crée et démarre la base locale, applique les migrations."""
    settings = settings_of(ctx)
    with working("Démarrage de la base…"):
        conninfo = ensure_database(settings)
    console.print(f"[green]Base prête[/green] : {masked_conninfo(conninfo)}", highlight=False)


@app.command("down")
def down(ctx: typer.Context) -> None:
    """Arrête la base locale gérée par le service."""
    settings = settings_of(ctx)
    if not settings.managed:
        console.print("DATABASE_URL est défini : la base n'est pas gérée par le service, rien à arrêter.")
        return
    stopped = ClusterManager(settings).down()
    console.print("Base arrêtée." if stopped else "La base n'était pas démarrée.")


#: ``hotspots db status`` in words: each key of the JSON (for scripts) and its label (for people).
_STATUS_LABELS = {
    "geree": "base gérée par le service",
    "connexion": "connexion",
    "dossier": "dossier du cluster",
    "initialisee": "créée",
    "demarree": "démarrée",
    "utilisateur_serveur": "compte système du serveur",
    "postgis_installe": "PostGIS installé",
    "version_postgresql": "version de PostgreSQL",
    "version_schema": "version du schéma",
    "migrations_en_attente": "migrations en attente",
    "erreur": "erreur",
    "conseil": "à faire",
}


def _cluster_status(settings: Settings) -> dict[str, object]:
    """Where the managed cluster lives, whether it runs, and as whom."""
    found = ClusterManager(settings).status()
    return {
        "dossier": str(found.cluster_dir),
        "initialisee": found.initialised,
        "demarree": found.running,
        "utilisateur_serveur": found.server_user,
        "postgis_installe": found.postgis_installed,
        "version_postgresql": found.pg_version,
    }


def _schema_status(settings: Settings) -> dict[str, object]:
    """The schema's version and the migrations still to apply, or why the database could not be asked."""
    try:
        with connect(settings) as conn:
            done = applied_migrations(conn)
    except HotspotsError as exc:  # status must describe, not fail
        return {"erreur": exc.message, "conseil": exc.hint}
    return {
        "version_schema": max(done) if done else None,
        "migrations_en_attente": [f"{m.version:04d}_{m.name}" for m in available_migrations() if m.version not in done],
    }


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "aucune"
    return "aucune" if value is None else str(value)


@app.command("status")
def status(ctx: typer.Context, json_out: JsonOut = False) -> None:
    """État de la base : gérée ou externe, démarrée, version du schéma (le mot de passe n'est jamais affiché)."""
    settings = settings_of(ctx)
    info: dict[str, object] = {"geree": settings.managed, "connexion": masked_conninfo(resolve_conninfo(settings))}
    if settings.managed:
        info.update(_cluster_status(settings))
    if not settings.managed or info["demarree"]:
        info.update(_schema_status(settings))
    else:
        info["conseil"] = "Démarrez-la avec « hotspots db up »."
    if json_out:
        print_json(info)
        return
    for key, value in info.items():
        console.print(f"[bold]{_STATUS_LABELS[key]}[/bold] : {_shown(value)}", highlight=False)
    if info.get("migrations_en_attente"):
        console.print("→ Appliquez-les avec « hotspots db migrate », puis relancez le serveur.", highlight=False)


@app.command("migrate")
def migrate_cmd(ctx: typer.Context) -> None:
    """Applique les migrations en attente."""
    settings = settings_of(ctx)
    start_database(settings)
    with connect(settings) as conn:
        done = migrate(conn)
    console.print(
        counted(len(done), "migration appliquée", "migrations appliquées")
        + (": " + ", ".join(f"{m.version:04d}_{m.name}" for m in done) if done else ".")
    )


@app.command("url")
def url(
    ctx: typer.Context,
    secret: bool = typer.Option(
        False, "--avec-mot-de-passe", help="Montrer aussi le mot de passe de DATABASE_URL (pour psql)."
    ),
) -> None:
    """Affiche la chaîne de connexion (pour psql) ; le mot de passe est masqué sauf avec --avec-mot-de-passe."""
    conninfo = resolve_conninfo(settings_of(ctx))
    typer.echo(conninfo if secret else masked_conninfo(conninfo))


@app.command("backup")
def backup_cmd(ctx: typer.Context, fichier: Path = typer.Argument(..., help="Fichier de sauvegarde à écrire.")) -> None:
    """Sauvegarde complète de la base (pg_dump, format personnalisé)."""
    with working("Sauvegarde…"):
        path = backup(settings_of(ctx), fichier)
    console.print(f"Sauvegarde écrite : {path} ({number(path.stat().st_size)} octets)")


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
