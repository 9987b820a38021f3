"""Run the application under uvicorn, in one process or several (``--workers``).

With several processes, uvicorn binds the listening socket itself and passes it to each process; that socket is
created without ``IPPROTO_TCP``, so asyncio does not set ``TCP_NODELAY`` on the connections it accepts and every
request after the first on a kept-alive connection waits ≈ 40 ms for the client's delayed acknowledgement
(uvicorn issue #3149, open at uvicorn 0.54). The listening socket is therefore re-created with its protocol.
"""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

from service.settings import Settings

APP_FACTORY = "service.api.app:app_from_environment"
#: On Ctrl+C or SIGTERM, requests under way get this long to finish; then the server stops anyway.
GRACE_SECONDS = 10


class _TcpConfig(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock
        tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        tcp.set_inheritable(True)
        return tcp


def run_server(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    """Serve until interrupted. Several workers each build the app from the environment (same settings)."""
    from service.api import create_app
    from service.db import server_database

    server_database(settings)  # a schema behind is refused here, in French, before uvicorn starts
    if workers == 1:
        uvicorn.run(
            create_app(settings), host=host, port=port, log_level="warning", timeout_graceful_shutdown=GRACE_SECONDS
        )
        return
    config = _TcpConfig(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        timeout_graceful_shutdown=GRACE_SECONDS,
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()
