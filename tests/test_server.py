"""``hotspots serve`` in several processes: it answers, stops on SIGTERM, and its connections send at once."""

from __future__ import annotations

import asyncio
import http.client
import logging
import signal
import socket
import subprocess
import sys
import time

from service.api.server import _QuietStop, _TcpConfig
from tests.conftest import ROOT
from tests.helpers import cli_env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connections_accepted_by_the_workers_socket_have_tcp_nodelay():
    """Without it, each kept-alive request after the first waits for the client's delayed ACK (≈ 40 ms)."""
    config = _TcpConfig("service.api.app:app_from_environment", factory=True, host="127.0.0.1", port=0, workers=2)
    listener = config.bind_socket()
    assert listener.proto == socket.IPPROTO_TCP
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def accept_one() -> None:
        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        _reader, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        await server.wait_closed()

    asyncio.run(accept_one())
    assert seen == [1]


def test_serve_with_two_workers_answers_and_stops(settings, conn):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port), "--workers", "2", "--journal"],
        env=cli_env(settings),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        answers: list[tuple[int, bytes]] = []
        # each server process imports the whole application: with the other test process busy beside it, they
        # once took a minute to answer; a time limit then, not a count of tries
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            answers = []  # a try cut short starts again from the first request
            try:
                for _ in range(3):  # kept alive: the same connection
                    client.request("GET", "/api/ready?adresse=Rue%20Ferrer%2012")
                    response = client.getresponse()
                    answers.append((response.status, response.read()))
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.1)
            finally:
                client.close()
        assert [status for status, _body in answers] == [200, 200, 200]
        assert b'"statut":"pret"' in answers[0][1]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert f"http://127.0.0.1:{port}/carte" in out
    # --journal: one line per request, the path without its query (an address typed stays out of the log)
    lines = [line for line in out.splitlines() if '"GET /api/ready' in line]
    assert len(lines) == 3 and all('"GET /api/ready HTTP/1.1" 200' in line for line in lines), out
    assert "Ferrer" not in out + err


def test_more_simultaneous_requests_than_threads_and_connections_all_get_answers(settings, conn):
    """120 requests at once on a pool of 2 connections and 40 worker threads: requests wait for a connection in
    the event loop, not in a thread, so the ones holding a connection always find a thread to finish on (waiting
    in threads, they would all sit until the pool's time-out and fail)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import uvicorn

    from service.api import create_app

    port = _free_port()
    app = create_app(settings.model_copy(update={"pool_max_size": 2}))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(600):
            if server.started:
                break
            time.sleep(0.05)
        start = threading.Barrier(120)

        def ask(_i: int) -> int:
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                start.wait()
                client.request("GET", "/api/ready")
                return client.getresponse().status
            finally:
                client.close()

        with ThreadPoolExecutor(max_workers=120) as pool:
            statuses = list(pool.map(ask, range(120)))
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    assert statuses == [200] * 120


def test_ctrl_c_at_shutdown_is_not_reported_as_an_error_but_real_errors_are():
    """Ctrl+C while the application waits for its shutdown message: Starlette reports the interrupted wait as a
    failed shutdown (its traceback as the message), which uvicorn logged as an error a person saw on every stop."""
    quiet = _QuietStop()

    def record(message: str, exc_info=None) -> logging.LogRecord:
        return logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, message, None, exc_info)

    interrupted = "Traceback (most recent call last):\n  File …\nasyncio.exceptions.CancelledError\n"
    assert not quiet.filter(record(interrupted))
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt:
        assert not quiet.filter(record("Exception in 'lifespan' protocol\n", sys.exc_info()))
    assert quiet.filter(record("Traceback (most recent call last):\n  File …\nValueError: la base a disparu\n"))
    assert quiet.filter(record("Application startup failed. Exiting."))
