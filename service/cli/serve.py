"""``hotspots serve``: the API on a local port (uvicorn)."""

from __future__ import annotations

import typer

from service.cli.common import console, settings_of


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Adresse d'écoute."),
    port: int = typer.Option(8000, "--port", help="Port."),
) -> None:
    """Sert l'API (documentation sur /docs)."""
    import uvicorn

    from service.api import create_app

    console.print(f"API sur http://{host}:{port}/api — documentation : http://{host}:{port}/docs")
    uvicorn.run(create_app(settings_of(ctx)), host=host, port=port, log_level="warning")
