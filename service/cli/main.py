"""Entry point of the ``hotspots`` command."""

from __future__ import annotations

import importlib
import logging
import os
import sys
import traceback
from typing import Any

import psycopg
import typer
from typer._click import Command
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

from service.cli import french
from service.cli.common import err_console
from service.db.connect import describe_database_error
from service.errors import ConfigError, DatabaseError, HotspotsError, InputFileError
from service.settings import SettingsRefusedError, load_settings

#: Every command's module is imported only when that command runs (or the help lists them all): « hotspots users
#: lister » should not wait for pandas, SciPy and GeoPandas to load (2,5 s of a 3 s run before), nor an import of
#: a file for scikit-learn. In the order the help lists them.
_LAZY: dict[str, tuple[str, str]] = {
    "db": ("service.cli.db", "app"),
    "ingest": ("service.cli.ingest", "app"),
    "batches": ("service.cli.ingest", "batches"),
    "rejects": ("service.cli.ingest", "rejects"),
    "gazetteer": ("service.cli.geocode", "gazetteer_app"),
    "geocode": ("service.cli.geocode", "app"),
    "demo-data": ("service.cli.demo", "demo_data"),
    "demo": ("service.cli.demo", "demo"),
    "analyse": ("service.cli.analyse", "analyse"),
    "backtest": ("service.cli.backtest", "backtest_cmd"),
    "serve": ("service.cli.serve", "serve"),
    "users": ("service.cli.users", "app"),
    "reglages": ("service.cli.admin", "reglages"),
    "journal": ("service.cli.admin", "journal"),
    "effacer-contacts": ("service.cli.admin", "effacer_contacts"),
    "export": ("service.cli.export", "app"),
    "plan": ("service.cli.plan", "plan"),
    "tournees": ("service.cli.plan", "tournees_app"),
    "network": ("service.cli.network", "app"),
    # prevention, permits and referrals (service/prevention, service/permits, service/referrals)
    "digest": ("service.cli.prevention", "digest"),
    "reseaux": ("service.cli.prevention", "app"),
    "avis": ("service.cli.permits", "avis"),
    "permis": ("service.cli.permits", "app"),
    "renvois": ("service.cli.referrals", "app"),
    "activite": ("service.cli.activity", "activite"),
    "effet": ("service.cli.activity", "effet"),
    "intervention": ("service.cli.interventions", "app"),
}


class _LazyCommands(TyperGroup):
    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in _LAZY if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in _LAZY or cmd_name in self.commands:
            return super().get_command(ctx, cmd_name)
        module, attribute = _LAZY[cmd_name]
        target = getattr(importlib.import_module(module), attribute)
        command: Any
        if isinstance(target, typer.Typer):
            command = typer.main.get_group(target)
        else:
            single = typer.Typer(add_completion=False)
            single.command(cmd_name)(target)
            command = typer.main.get_command(single)
        command.name = cmd_name
        self.commands[cmd_name] = french.frenchify(command)
        return command


app = typer.Typer(
    cls=_LazyCommands,
    name="hotspots",
    help="Hotspots : points sensibles et axes problématiques du service Environnement.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
_debug = {"on": False}


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Afficher la trace complète des erreurs."),
) -> None:
    _debug["on"] = debug
    if not debug:
        # psycopg reports what it could not clean up after a lost connection as English warnings on stderr
        # ("error ignored terminating <psycopg.Copy …>"); the French message below says what matters
        logging.getLogger("psycopg").addHandler(logging.NullHandler())
        logging.getLogger("psycopg").propagate = False
    try:
        ctx.obj = {"settings": load_settings()}
    except SettingsRefusedError as exc:
        raise ConfigError(exc.message, hint=exc.hint) from None


def _exit_code(exc: HotspotsError) -> int:
    if isinstance(exc, InputFileError):
        return 2
    if isinstance(exc, DatabaseError):
        return 3
    return 1


def _command() -> Command:
    """The root command with its French words (sub-commands loaded later get them as they are built)."""
    french.configure()
    command: Command = french.frenchify(typer.main.get_command(app))
    return command


def main(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` (default: the process's arguments) and return its exit code; domain errors print
    their French message (and hint) and give a non-zero code.

    Usage errors (unknown option, missing value…) are worded in French by :mod:`service.cli.french` (exit code
    2); a traceback is shown only with ``--debug``.
    """
    try:
        code = _command().main(args=argv, prog_name="hotspots", standalone_mode=False)
    except click_errors.NoArgsIsHelpError:
        return 2  # the help was printed
    except click_errors.ClickException as exc:
        french.show_error(exc, err_console)
        return exc.exit_code
    except typer.Abort:
        err_console.print("Abandon.", highlight=False)
        return 1
    except HotspotsError as exc:
        if _debug["on"]:
            traceback.print_exc()
        err_console.print(f"[bold red]Erreur[/bold red] : {exc.message}", highlight=False)
        if exc.hint:
            err_console.print(f"→ {exc.hint}", highlight=False)
        return _exit_code(exc)
    except psycopg.Error as exc:
        if _debug["on"]:
            traceback.print_exc()
        err_console.print(
            f"[bold red]Erreur de base de données[/bold red] : {describe_database_error(exc)}.\n"
            "→ Rien n'a été enregistré pour l'opération en cours ; relancez-la quand la base est disponible "
            "(« hotspots db status » ; détail technique avec --debug).",
            highlight=False,
        )
        return 3
    return code if isinstance(code, int) else 0  # typer.Exit(code) from a command, else 0


def run() -> None:
    """The installed command: :func:`main`, then leave without tearing the interpreter down.

    After an import of a million rows, freeing every module and object one by one takes about half a second;
    the work is done and the output flushed, so the process ends at once with the command's exit code.
    """
    code: int | str | None
    try:
        code = main()
    except SystemExit as exc:  # a command that exits by itself
        code = exc.code
    if isinstance(code, str):
        sys.stderr.write(code + "\n")
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
