"""``hotspots serve``: the API on a local port (uvicorn)."""

from __future__ import annotations

import typer

from service.cli.common import console, settings_of


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Adresse d'écoute."),
    port: int = typer.Option(8000, "--port", help="Port."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Processus serveurs (un par cœur pour de nombreux utilisateurs)."
    ),
) -> None:
    """Sert l'API (documentation sur /docs) et les cartes (/carte)."""
    from service.api.server import run_server

    console.print(
        f"API sur http://{host}:{port}/api — carte : http://{host}:{port}/carte — "
        f"documentation : http://{host}:{port}/docs"
    )
    run_server(settings_of(ctx), host=host, port=port, workers=workers)
