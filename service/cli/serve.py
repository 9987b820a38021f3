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
    import uvicorn

    from service.api import create_app
    from service.db import ensure_database

    settings = settings_of(ctx)
    console.print(
        f"API sur http://{host}:{port}/api — carte : http://{host}:{port}/carte — "
        f"documentation : http://{host}:{port}/docs"
    )
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
        return
    ensure_database(settings)  # once, before the processes start (each would otherwise start and migrate it)
    uvicorn.run(
        "service.api.app:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
    )
