"""``hotspots serve``: the API on a local port (uvicorn)."""

from __future__ import annotations

import typer

from service.cli.common import console, err_console, settings_of
from service.settings import Settings

#: Addresses reachable from this machine only: plain HTTP cookies there do not cross a network.
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Adresse d'écoute."),
    port: int = typer.Option(8000, "--port", help="Port."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Processus serveurs (un par cœur pour de nombreux utilisateurs)."
    ),
    journal: bool = typer.Option(
        False,
        "--journal",
        help="Une ligne par requête sur la sortie standard (client, méthode, chemin sans ses paramètres, code).",
    ),
) -> None:
    """Sert l'API (documentation sur /docs) et les cartes (/carte)."""
    from service.api.server import run_server

    settings = settings_of(ctx)
    _check_tables(settings)
    if host not in _LOCAL_HOSTS and not settings.secure_cookies:
        err_console.print(
            f"[bold yellow]Attention[/bold yellow] : le service écoute sur {host}, joignable depuis le réseau, et ses "
            "cookies de session ne sont pas marqués « Secure ».\n→ En production, servez-le derrière HTTPS (proxy) "
            "avec HOTSPOTS_SECURE_COOKIES=true, ou gardez --host 127.0.0.1 derrière le proxy de la même machine.",
            highlight=False,
        )
    console.print(
        f"API sur http://{host}:{port}/api — carte : http://{host}:{port}/carte — "
        f"documentation : http://{host}:{port}/docs"
    )
    run_server(settings, host=host, port=port, workers=workers, request_log=journal)


def _check_tables(settings: Settings) -> None:
    """The zone's tables read once before serving: a wrong ``HOTSPOTS_SECTIONS_FILE`` or ``HOTSPOTS_COMMUNES_FILE``
    stops the start with the file, the line and what to fix, instead of the map page and the activity report
    failing later, in front of their users."""
    from service.geocode.sections import service_sections
    from service.zone import communes_path, read_communes

    service_sections(settings)
    read_communes(communes_path(settings), tuple(settings.zone_communes))
