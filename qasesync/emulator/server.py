"""A threaded HTTP/1.1 server for the emulator on a real socket, run in a background thread.

Connections persist, as the live service's do, so that a client's connection pool is
exercised: each connection has its own thread, which answers requests on it until the
client sends ``Connection: close``, closes its end, or stays idle for
:data:`IDLE_TIMEOUT` seconds. Request bodies are read by ``Content-Length`` (chunked ones
are refused with 411); every response carries ``Content-Length``.

What one client can take is bounded (`Limits`): at most :data:`MAX_CONNECTIONS` open at
once (one more is answered 503 and closed), :data:`HEADER_TIMEOUT` seconds from a
request's first byte to the end of its headers (408 after that), and the app answers a
request without the token (401) or with a body over ``Emulator.max_body`` (413) before
reading its body, which the server then reads no further than :data:`DRAIN_LIMIT`.

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
from io import BufferedIOBase, BufferedReader
from socketserver import ThreadingMixIn
from typing import Any, cast
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import httpx

from qasesync.emulator.app import BASE_PATH, Emulator, StartResponse

log = logging.getLogger(__name__)

IDLE_TIMEOUT = 15.0
"""Seconds a connection may wait for its next request (or a slow client for its next
bytes) before the server closes it; longer than httpx's 5 s keep-alive expiry, so that a
pooled client lets go of an idle connection first."""

MAX_REQUEST_LINE = 65536

MAX_CONNECTIONS = 64
"""Connections served at once; one more is answered 503 and closed at once, without a
thread of its own (a pooled client opens about 10)."""

HEADER_TIMEOUT = 10.0
"""Seconds from a request's first byte to the end of its headers. A client that sends its
headers more slowly (a "slowloris", which keeps a thread busy by trickling bytes within
:data:`IDLE_TIMEOUT` of each other) is answered 408 and its connection closed."""

DRAIN_LIMIT = 1024 * 1024
"""Bytes of a body the app left unread (a request refused before its body was read: 401,
413) that the server still reads so that the client sees the answer; with more left, the
connection is closed after the answer instead of reading the rest."""

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

    def drain(self, limit: int) -> bool:
        """Read what the app left unread, if at most ``limit`` bytes; False if the body
        came short or more is left (the connection cannot serve another request)."""
        if self._remaining > limit:
            return False
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
    answered = False  # an error was sent for the request being read

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
        self.answered = False
        if not cast(BufferedReader, self.rfile).peek(1):  # waits up to IDLE_TIMEOUT
            self.close_connection = True
            return
        with self.server.header_deadline(self.connection) as expired:
            self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
            parsed = not expired.is_set() and self._parse()
        if expired.is_set():
            self.close_connection = True
            if not self.answered:
                self.requestline = self.request_version = self.command = ""
                self.send_error(HTTPStatus.REQUEST_TIMEOUT, "Headers took too long")
        elif parsed:
            length = self._content_length()
            if length is not None:
                self._run_app(_Body(self.rfile, length))

    def _parse(self) -> bool:
        """Read the request line's headers; False when the request was answered already
        (the line is never empty: a byte of it was seen before it was read)."""
        if len(self.raw_requestline) > MAX_REQUEST_LINE:
            self.requestline = self.request_version = self.command = ""
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            return False
        return self.parse_request()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.answered = True
        super().send_error(code, message, explain)

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
        if not body.drain(DRAIN_LIMIT):
            self.close_connection = True
            if body.short:
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

    def __init__(self, address: tuple[str, int], app: _App, limits: Limits | None = None) -> None:
        self.app = app
        self.limits = limits or Limits()
        self.closing = False
        self.accepted = 0
        self.refused = 0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._deadlines: dict[socket.socket, tuple[float, threading.Event]] = {}
        self._stopped = threading.Event()
        self._reaper = threading.Thread(target=self._reap, name="qase-emulator-reaper")
        self._reaper.daemon = True
        super().__init__(address, _RequestHandler)  # closes the socket if it cannot bind
        self._reaper.start()

    def process_request(self, request: Any, client_address: Any) -> None:
        # Registered here, in the accepting thread, so that close_connections() after
        # shutdown() sees every connection ever accepted.
        with self._lock:
            full = len(self._open) >= self.limits.max_connections
            if full:
                self.refused += 1
            else:
                self._open.add(request)
                self.accepted += 1
        if full:
            self._refuse(request)
            return
        super().process_request(request, client_address)

    def _refuse(self, request: socket.socket) -> None:
        """One connection too many: 503 at once, from the accepting thread, then closed."""
        cap = self.limits.max_connections
        body = (
            '{"status": false, "errorMessage": "Too many connections: the emulator serves '
            f'at most {cap} at once."}}'
        ).encode()
        head = (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            f"Retry-After: 1\r\nConnection: close\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        with suppress(OSError):
            request.settimeout(1.0)
            request.sendall(head.encode("latin-1") + body)
        log.debug("refused a connection: %d open already", cap)
        super().shutdown_request(request)

    @contextmanager
    def header_deadline(self, connection: socket.socket) -> Iterator[threading.Event]:
        """While the block reads a request's line and headers, a connection still reading
        them after ``limits.header_timeout`` s has its reading shut down (the reads then
        end), and the event yielded is set."""
        expired = threading.Event()
        with self._lock:
            self._deadlines[connection] = (time.monotonic() + self.limits.header_timeout, expired)
        try:
            yield expired
        finally:
            with self._lock:
                self._deadlines.pop(connection, None)

    def _reap(self) -> None:
        interval = min(0.5, self.limits.header_timeout / 4)
        while not self._stopped.wait(interval):
            now = time.monotonic()
            with self._lock:
                late = [(c, e) for c, (at, e) in self._deadlines.items() if at <= now]
                for connection, expired in late:
                    del self._deadlines[connection]
                    expired.set()
                    with suppress(OSError):
                        connection.shutdown(socket.SHUT_RD)

    def server_close(self) -> None:
        self._stopped.set()
        super().server_close()
        if self._reaper.is_alive():
            self._reaper.join()

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
class Limits:
    """What one client may take of the server (see the module's constants)."""

    max_connections: int = MAX_CONNECTIONS
    header_timeout: float = HEADER_TIMEOUT


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

    @property
    def connections_refused(self) -> int:
        """Connections answered 503 at once because ``max_connections`` were open."""
        return self._httpd.refused


@contextmanager
def serve(
    emulator: Emulator, host: str = "127.0.0.1", port: int = 0, *, limits: Limits | None = None
) -> Iterator[Server]:
    """Serve ``emulator`` on ``host:port`` (0: any free port) in a background thread,
    one thread per connection (at most ``limits.max_connections``), until the ``with``
    block ends; then open connections are closed (after the request each is answering)
    and their threads joined."""
    httpd = _ThreadingServer((host, port), emulator.app, limits)
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
