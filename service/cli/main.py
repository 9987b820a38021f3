"""Entry point of the ``hotspots`` command."""

from __future__ import annotations

import sys
import traceback

import psycopg
import typer

from service.cli import analyse as analyse_cli
from service.cli import db as db_cli
from service.cli import demo as demo_cli
from service.cli import export as export_cli
from service.cli import geocode as geocode_cli
from service.cli import ingest as ingest_cli
from service.cli import serve as serve_cli
from service.cli import users as users_cli
from service.cli.common import err_console
from service.errors import DatabaseError, HotspotsError, InputFileError
from service.settings import load_settings

app = typer.Typer(
    name="hotspots",
    help="Hotspots : points sensibles et axes problématiques du service Environnement.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db_cli.app, name="db")
app.add_typer(ingest_cli.app, name="ingest")
app.add_typer(geocode_cli.gazetteer_app, name="gazetteer")
app.add_typer(geocode_cli.app, name="geocode")
app.add_typer(users_cli.app, name="users")
app.add_typer(export_cli.app, name="export")
app.command("batches")(ingest_cli.batches)
app.command("rejects")(ingest_cli.rejects)
app.command("demo-data")(demo_cli.demo_data)
app.command("demo")(demo_cli.demo)
app.command("analyse")(analyse_cli.analyse)
app.command("backtest")(analyse_cli.backtest_cmd)
app.command("serve")(serve_cli.serve)

_debug = {"on": False}


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Afficher la trace complète des erreurs."),
) -> None:
    _debug["on"] = debug
    ctx.obj = {"settings": load_settings()}


def _exit_code(exc: HotspotsError) -> int:
    if isinstance(exc, InputFileError):
        return 2
    if isinstance(exc, DatabaseError):
        return 3
    return 1


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; domain errors print their French message (and hint) and exit non-zero.

    Usage errors are typer's own (exit code 2); a traceback is shown only with ``--debug``.
    """
    try:
        app(args=argv, prog_name="hotspots")
    except HotspotsError as exc:
        if _debug["on"]:
            traceback.print_exc()
        err_console.print(f"[bold red]Erreur[/bold red] : {exc.message}", highlight=False)
        if exc.hint:
            err_console.print(f"→ {exc.hint}", highlight=False)
        sys.exit(_exit_code(exc))
    except psycopg.Error as exc:
        if _debug["on"]:
            traceback.print_exc()
        err_console.print(
            f"[bold red]Erreur de base de données[/bold red] : {str(exc).strip()}\n"
            "→ Rien n'a été enregistré pour l'opération en cours ; relancez-la quand la base est disponible "
            "(« hotspots db status »).",
            highlight=False,
        )
        sys.exit(3)
