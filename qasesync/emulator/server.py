"""A threaded HTTP/1.1 server for the emulator on a real socket, run in a background thread.

Connections persist, as the live service's do, so that a client's connection pool is
exercised: each connection has its own thread, which answers requests on it until the
client sends ``Connection: close``, closes its end, or stays idle for
:data:`IDLE_TIMEOUT` seconds. Request bodies are read by ``Content-Length`` (chunked ones
are refused with 411); every response carries ``Content-Length``.

A dropped write (see :class:`~qasesync.emulator.faults.Faults`) closes the connection
without writing a byte, so that a client sees exactly what a lost response looks like.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from io import BufferedIOBase
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import httpx

from qasesync.emulator.app import BASE_PATH, Emulator, StartResponse

log = logging.getLogger(__name__)

IDLE_TIMEOUT = 15.0
"""Seconds a connection may wait for its next request (or a slow client for its next
bytes) before the server closes it; longer than httpx's 5 s keep-alive expiry, so that a
pooled client lets go of an idle connection first."""

MAX_REQUEST_LINE = 65536

_App = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class _Body:
    """``wsgi.input``: exactly ``Content-Length`` bytes of the connection, never more, so
    that the next request on the connection is left intact."""

    def __init__(self, stream: BufferedIOBase, length: int) -> None:
        self._stream = stream
        self._remaining = length
        self.short = False
        """True once the client has closed before sending all it announced."""

    def read(self, size: int = -1) -> bytes:
        wanted = self._remaining if size < 0 else min(size, self._remaining)
        return self._took(self._stream.read(wanted) if wanted else b"", wanted)

    def readline(self, size: int = -1) -> bytes:
        wanted = self._remaining if size < 0 else min(size, self._remaining)
        return self._took(self._stream.readline(wanted) if wanted else b"", wanted)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

    def drain(self) -> bool:
        """Read what the app left unread; False if the body came short."""
        while self._remaining and not self.short:
            self.read(65536)
        return not self.short

    def _took(self, data: bytes, wanted: int) -> bytes:
        if wanted and not data:
            self.short, self._remaining = True, 0
        self._remaining -= len(data)
        return data


class _Response:
    """The status, headers and body an app answered with."""

    def __init__(self) -> None:
        self.status = "500 Internal Server Error"
        self.headers: list[tuple[str, str]] = []

    def start(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        self.status, self.headers = status, headers
        return self._write_unsupported

    @staticmethod
    def _write_unsupported(data: bytes) -> None:
        raise NotImplementedError("the emulator's server does not support write()")


class _RequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    # Headers and body go out in one write anyway; without Nagle, nothing waits for an ACK.
    disable_nagle_algorithm = True
    server: _ThreadingServer

    def handle(self) -> None:
        """Answer requests on this connection until it is to be closed."""
        self.close_connection = False
        try:
            while not self.close_connection:
                self.handle_one_request()
                if self.server.closing:
                    self.close_connection = True
        except (TimeoutError, ConnectionError) as error:
            log.debug("connection from %s ended: %r", self.address_string(), error)

    def handle_one_request(self) -> None:
        self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
        if not self.raw_requestline:
            self.close_connection = True
        elif len(self.raw_requestline) > MAX_REQUEST_LINE:
            self.requestline = self.request_version = self.command = ""
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
        elif self.parse_request():
            length = self._content_length()
            if length is not None:
                self._run_app(_Body(self.rfile, length))

    def _content_length(self) -> int | None:
        """The request body's length (0 without a body), or None after answering an error."""
        if "transfer-encoding" in self.headers:
            self.send_error(HTTPStatus.LENGTH_REQUIRED, "Send the body with Content-Length")
            return None
        values = set(self.headers.get_all("Content-Length") or ["0"])
        text = values.pop().strip() if len(values) == 1 else ""
        if not text.isdigit():
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad Content-Length")
            return None
        return int(text)

    def _run_app(self, body: _Body) -> None:
        environ = self._environ(body)
        response = _Response()
        try:
            payload = _collect(self.server.app(environ, response.start))
        except httpx.RemoteProtocolError:
            # A dropped write: close the connection without writing a byte.
            log.debug("dropped the connection without a response")
            self.close_connection = True
            return
        except Exception:
            log.exception("emulator server bug on %s %s", self.command, self.path)
            self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR)
            return
        if not body.drain():
            self.close_connection = True
            return
        self._respond(response, payload)

    def _environ(self, body: _Body) -> dict[str, Any]:
        environ: dict[str, Any] = self.get_environ()
        environ.update(
            {
                "wsgi.input": body,
                "wsgi.errors": sys.stderr,
                "wsgi.version": (1, 0),
                "wsgi.url_scheme": "http",
                "wsgi.multithread": True,
                "wsgi.multiprocess": False,
                "wsgi.run_once": False,
            }
        )
        return environ

    def _respond(self, response: _Response, payload: bytes) -> None:
        """Write the status line, headers and body in one write (no body to a HEAD)."""
        self.close_connection = self.close_connection or self.server.closing
        lines = [f"HTTP/1.1 {response.status}", f"Server: {self.version_string()}"]
        lines.append(f"Date: {formatdate(usegmt=True)}")
        skipped = {"content-length", "connection", "transfer-encoding", "server", "date"}
        lines += [f"{k}: {v}" for k, v in response.headers if k.lower() not in skipped]
        lines.append(f"Content-Length: {len(payload)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n"
        self.wfile.write(head if self.command == "HEAD" else head + payload)
        self.log_request(response.status.split(" ", 1)[0], len(payload))

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


def _collect(chunks: Iterable[bytes]) -> bytes:
    try:
        return b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    # Connection threads are joined on server_close(), after close_connections() has
    # woken those waiting for a next request: none outlives the server.
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 overflows under 8 concurrent clients, and a
    # dropped SYN costs the client a one-second retransmission.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: _App) -> None:
        super().__init__(address, _RequestHandler)
        self.app = app
        self.closing = False
        self.accepted = 0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        # Registered here, in the accepting thread, so that close_connections() after
        # shutdown() sees every connection ever accepted.
        with self._lock:
            self._open.add(request)
            self.accepted += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End every open connection after the request it is answering, if any: reading
        is shut down, so a thread waiting for a next request sees the end of the stream."""
        with self._lock:
            self.closing = True
            for connection in self._open:
                with suppress(OSError):  # the client closed it already
                    connection.shutdown(socket.SHUT_RD)


@dataclass(frozen=True)
class Server:
    """A running emulator on a socket: ``url`` ends with the ``/v1`` base path."""

    host: str
    port: int
    _httpd: _ThreadingServer = field(repr=False, compare=False)

    @property
    def url(self) -> str:
        """The API base URL, e.g. ``http://127.0.0.1:8787/v1``."""
        return f"http://{self.host}:{self.port}{BASE_PATH}"

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted so far (a pooled client reuses one for many requests)."""
        return self._httpd.accepted


@contextmanager
def serve(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> Iterator[Server]:
    """Serve ``emulator`` on ``host:port`` (0: any free port) in a background thread,
    one thread per connection, until the ``with`` block ends; then open connections are
    closed (after the request each is answering) and their threads joined."""
    httpd = _ThreadingServer((host, port), emulator.app)
    thread = threading.Thread(
        target=httpd.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="qase-emulator",
        daemon=True,
    )
    thread.start()
    try:
        yield Server(host, httpd.server_address[1], httpd)
    finally:
        httpd.shutdown()
        httpd.close_connections()
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
