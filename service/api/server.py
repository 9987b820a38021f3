"""Run the application under uvicorn, in one process or several (``--workers``).

With several processes, uvicorn binds the listening socket itself and passes it to each process; that socket is
created without ``IPPROTO_TCP``, so asyncio does not set ``TCP_NODELAY`` on the connections it accepts and every
request after the first on a kept-alive connection waits ≈ 40 ms for the client's delayed acknowledgement
(uvicorn issue #3149, open at uvicorn 0.54). The listening socket is therefore re-created with its protocol.
"""

from __future__ import annotations

import contextlib
import socket

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from service.settings import Settings

APP_FACTORY = "service.api.app:app_from_environment"


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
        with contextlib.suppress(KeyboardInterrupt):  # as uvicorn.run: Ctrl+C stops the server, no traceback
            uvicorn.Server(_config(create_app(settings), host=host, port=port)).run()
        return
    config = _config(APP_FACTORY, host=host, port=port, workers=workers)
    Multiprocess(config, sockets=[config.bind_socket()]).run()


def _config(app: FastAPI | str, *, host: str, port: int, workers: int = 1) -> _TcpConfig:
    """The service's server: a quiet log, and on Ctrl+C or SIGTERM the requests under way get 10 s to finish before
    it stops anyway. Several workers each build the app from the environment (``app`` is then the factory's import
    path)."""
    factory = isinstance(app, str)
    return _TcpConfig(
        app, factory=factory, host=host, port=port, workers=workers, log_level="warning", timeout_graceful_shutdown=10
    )
