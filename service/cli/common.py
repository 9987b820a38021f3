"""Shared bits of the CLI: the console, settings from the context, JSON output."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console

from service.settings import Settings

console = Console(stderr=False)
err_console = Console(stderr=True)


def settings_of(ctx: typer.Context) -> Settings:
    """The settings object built once by the main callback."""
    obj = ctx.find_root().obj
    assert isinstance(obj, dict) and isinstance(obj.get("settings"), Settings)
    return obj["settings"]


def print_json(data: Any) -> None:
    """One JSON object on standard output, for scripts."""
    typer.echo(json.dumps(data, ensure_ascii=False, default=str))
