"""Shared bits of the CLI: the console, settings from the context, JSON output."""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import psycopg
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn

from service.db import connect, ensure_database
from service.numbers import SPACE, french_number
from service.settings import Settings


def _console(stderr: bool) -> Console:
    """A console; when output is not a terminal (a pipe, a log file), wide enough for the summary tables."""
    probe = Console(stderr=stderr)
    return probe if probe.is_terminal else Console(stderr=stderr, width=140)


#: ``--json``: the command's result as one JSON object on standard output, for scripts (:func:`print_json`).
JsonOut = Annotated[bool, typer.Option("--json", help="Résultat en JSON sur la sortie standard (pour les scripts).")]

console = _console(stderr=False)
err_console = _console(stderr=True)


def number(value: float | None, digits: int = 0, *, sign: bool = False, trim: bool = False) -> str:
    """A number as the terminal shows it to a French reader: ``12 060``, ``10,81``, ``+15,8`` (a plain space
    between thousands, which every terminal font has); ``—`` when unknown."""
    if value is None:
        return "—"
    return french_number(value, digits, group=SPACE, sign=sign, trim=trim)


def cli_actor() -> str:
    """Who acts, as the access log and the plans name a person at the command line: ``cli:<system user>``."""
    return f"cli:{getpass.getuser()}"


def progress_bar(label: str, *columns: ProgressColumn, hidden: bool = False) -> Progress:
    """A bar on a terminal that goes away when done (``label``, the bar, then ``columns``); nothing in a log or
    when ``hidden`` (``--json``: standard output stays clean)."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        *columns,
        console=console,
        transient=True,
        disable=hidden or not console.is_terminal,
    )


@contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner on a terminal; one plain line in a log."""
    if console.is_terminal:
        with console.status(message):
            yield
    else:
        err_console.print(message)  # standard output stays clean for --json
        yield


def settings_of(ctx: typer.Context) -> Settings:
    """The settings object built once by the main callback."""
    obj = ctx.find_root().obj
    settings = obj.get("settings") if isinstance(obj, dict) else None
    assert isinstance(settings, Settings)
    return settings


@contextmanager
def database(settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    """A connection to the database, started first when the service manages it: how the commands that read or
    write the data begin."""
    ensure_database(settings)
    with connect(settings) as conn:
        yield conn


def print_json(data: Any) -> None:
    """One JSON object on standard output, for scripts."""
    typer.echo(json.dumps(data, ensure_ascii=False, default=str))


def listed(
    ctx: typer.Context, read: Callable[[psycopg.Connection[Any]], list[dict[str, Any]]], json_out: bool
) -> list[dict[str, Any]] | None:
    """The rows ``read`` gives from the database, for the command to show as a table; None once printed as JSON
    (``--json``, for scripts): how the listing commands begin."""
    with database(settings_of(ctx)) as conn:
        rows = read(conn)
    if json_out:
        print_json(rows)
        return None
    return rows


def print_written(paths: Iterable[Path]) -> None:
    """``Écrit : <path>``, one line a file, the way every command names the files it wrote."""
    for path in paths:
        console.print(f"Écrit : {path}", highlight=False)
