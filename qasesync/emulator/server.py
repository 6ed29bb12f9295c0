"""A threaded HTTP server for the emulator on a real socket, run in a background thread.

A dropped write (see :class:`~qasesync.emulator.faults.Faults`) closes the connection
without writing a byte, so that a client sees exactly what a lost response looks like.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

import httpx

from qasesync.emulator.app import BASE_PATH, Emulator

log = logging.getLogger(__name__)


class _Handler(ServerHandler):
    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], httpx.RemoteProtocolError):
            # A dropped write: write nothing at all; the connection is closed after this.
            log.debug("dropped the connection without a response")
            return
        super().handle_error()


class _RequestHandler(WSGIRequestHandler):
    def handle(self) -> None:
        # wsgiref's own handle(), with our ServerHandler: one request per connection.
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536 or not self.parse_request():
            return
        handler = _Handler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(self.server.get_app())  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 overflows under 8 concurrent clients, and a
    # dropped SYN costs the client a one-second retransmission.
    request_queue_size = 128


@dataclass(frozen=True)
class Server:
    """A running emulator on a socket: ``url`` ends with the ``/v1`` base path."""

    host: str
    port: int

    @property
    def url(self) -> str:
        """The API base URL, e.g. ``http://127.0.0.1:8787/v1``."""
        return f"http://{self.host}:{self.port}{BASE_PATH}"


@contextmanager
def serve(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> Iterator[Server]:
    """Serve ``emulator`` on ``host:port`` (0: any free port) in a background thread,
    one thread per connection, until the ``with`` block ends."""
    httpd = _ThreadingServer((host, port), _RequestHandler)
    httpd.set_app(emulator.app)
    thread = threading.Thread(
        target=httpd.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="qase-emulator",
        daemon=True,
    )
    thread.start()
    try:
        yield Server(host, httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def wait_for_interrupt() -> None:
    """Block until Ctrl-C or SIGTERM (``kill``, ``docker stop``, a CI job's teardown),
    raising KeyboardInterrupt for either, so that the caller saves its state on both."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        while True:
            time.sleep(3600)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
