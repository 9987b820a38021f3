"""Run the application under uvicorn, in one process or several (``--workers``).

With several processes, uvicorn binds the listening socket itself and passes it to each process; that socket is
created without ``IPPROTO_TCP``, so asyncio does not set ``TCP_NODELAY`` on the connections it accepts and every
request after the first on a kept-alive connection waits ≈ 40 ms for the client's delayed acknowledgement
(uvicorn issue #3149, open at uvicorn 0.54). The listening socket is therefore re-created with its protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from service.settings import Settings

APP_FACTORY = "service.api.app:app_from_environment"


class _PathOnly(logging.Filter):
    """The request log without query strings: an address typed in a search or an advice request stays out of it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Cut the path of uvicorn's access record (client, method, path, version, status) at its ``?``."""
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            record.args = (client, method, str(path).split("?", 1)[0], version, status)
        return True


class _QuietStop(logging.Filter):
    """Ctrl+C while the application waits for its shutdown message makes Starlette report the interrupted wait
    as a failed shutdown, which uvicorn logs as an error with two tracebacks; the server stops cleanly all the
    same, so the person sees nothing of it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop an error record that is the interruption itself (its exception, or its traceback as text)."""
        kind = record.exc_info[0] if record.exc_info else None
        if kind is not None and issubclass(kind, KeyboardInterrupt | asyncio.CancelledError):
            return False
        text = record.getMessage().rstrip()
        return not (text.startswith("Traceback") and text.endswith(("CancelledError", "KeyboardInterrupt")))


def _show_notices(logger: logging.Logger) -> None:
    """What the server does by itself, on its standard error with the time (once per process)."""
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%d/%m/%Y %H:%M:%S"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


class _TcpConfig(uvicorn.Config):
    def __init__(self, app: FastAPI | str, *, request_log: bool = False, **options: Any) -> None:
        #: One line per request (client, method, path without its query, status) on the standard output; set
        #: before uvicorn configures its logging, which it does on construction (and again in each worker).
        self.request_log = request_log
        super().__init__(app, **options)

    def configure_logging(self) -> None:
        """Uvicorn's logging at the service's quiet level, with the request log when asked for (in each worker)."""
        super().configure_logging()
        logging.getLogger("uvicorn.error").addFilter(_QuietStop())
        _show_notices(logging.getLogger("service.api.refresh"))  # « Analyse automatique n° 12 (…) : … »
        if self.request_log:
            access = logging.getLogger("uvicorn.access")
            access.setLevel(logging.INFO)
            access.addFilter(_PathOnly())

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock
        tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        tcp.set_inheritable(True)
        return tcp


def run_server(settings: Settings, *, host: str, port: int, workers: int = 1, request_log: bool = False) -> None:
    """Serve until interrupted. Several workers each build the app from the environment (same settings);
    ``request_log`` writes one line per request (without query strings) on the standard output."""
    from service.db import server_database

    server_database(settings)  # a schema behind is refused here, in French, before uvicorn starts
    if workers == 1:
        from service.api import create_app

        with contextlib.suppress(KeyboardInterrupt):  # as uvicorn.run: Ctrl+C stops the server, no traceback
            uvicorn.Server(_config(create_app(settings), host=host, port=port, request_log=request_log)).run()
        return
    config = _config(APP_FACTORY, host=host, port=port, workers=workers, request_log=request_log)
    Multiprocess(config, sockets=[config.bind_socket()]).run()


def _config(app: FastAPI | str, *, host: str, port: int, workers: int = 1, request_log: bool = False) -> _TcpConfig:
    """The service's server: a quiet log, and on Ctrl+C or SIGTERM the requests under way get 10 s to finish before
    it stops anyway. Several workers each build the app from the environment (``app`` is then the factory's import
    path)."""
    factory = isinstance(app, str)
    quiet = {"log_level": "warning", "timeout_graceful_shutdown": 10}
    return _TcpConfig(app, request_log=request_log, factory=factory, host=host, port=port, workers=workers, **quiet)
