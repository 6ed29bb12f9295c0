"""A server that accepts the connection and never answers (or trickles its answer a byte
at a time) costs a bounded, announced wait: each request has one deadline for connecting,
sending and the whole answer, and says so while it waits. Real sockets, short deadlines."""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpcore
import httpx
import pytest

from qasesync.errors import AmbiguousWriteError, ConfigError, TransportError
from qasesync.qase import deadline
from qasesync.qase.client import QaseClient
from qasesync.qase.ratelimit import RetryPolicy

TOKEN = "hang-token"
QUICK = RetryPolicy(backoff_base=0.01, backoff_cap=0.02)


class Server:
    """A loopback server: each connection is handed to ``serve`` in its own thread."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connections: list[socket.socket] = []
        self.requests = 0
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.accepting = threading.Thread(target=self._accept, daemon=True)
        self.accepting.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/v1"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        connection.settimeout(0.05)
        received = b""
        while not self.stop.is_set():
            try:
                chunk = connection.recv(65536)
            except TimeoutError:
                chunk = None
            except OSError:
                return
            if chunk == b"":
                return
            if chunk:
                received += chunk
                if b"\r\n\r\n" in received:
                    self.requests += 1
                    received = b""
                    self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        if self.mode == "silent":
            return
        if self.mode == "trickle":  # a byte every 50 ms: no read ever waits long
            connection.sendall(b"HTTP/1.1 200 OK\r\n")
            while not self.stop.wait(0.05):
                try:
                    connection.sendall(b"X")
                except OSError:
                    return
        if self.mode.startswith("late"):  # "late:0.5": the whole answer after 0.5 s
            self.stop.wait(float(self.mode.split(":")[1]))
            body = b'{"status": true, "result": {"code": "DEMO"}}'
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            connection.sendall(head + body)

    def close(self) -> None:
        self.stop.set()
        # Closing a listener does not wake a thread blocked in accept() (Linux): shutting
        # it down does, so no connection is accepted after the ones closed below.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.accepting.join(timeout=2)
        self.listener.close()
        for connection in self.connections:
            connection.close()
        for thread in self.threads:
            thread.join(timeout=2)


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    running = Server(request.param)
    yield running
    running.close()


def client_of(server: Server, **options: Any) -> QaseClient:
    settings: dict[str, Any] = {"deadline": 0.3, "retry": QUICK, **options}
    return QaseClient(token=TOKEN, base_url=server.url, **settings)


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("server", ["silent"], indirect=True)
def test_a_silent_server_costs_five_announced_deadlines_then_one_line(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    started = time.monotonic()
    with client_of(server) as client, pytest.raises(TransportError) as caught:
        client.get("/case/DEMO")
    took = time.monotonic() - started
    assert str(caught.value) == (
        "GET /case/DEMO: no answer from 127.0.0.1 after 5 attempts of 0.3 s each"
    )
    assert server.requests == 5
    assert 1.5 <= took < 3.0  # 5 × 0.3 s, and the quick backoff
    assert warnings_of(caplog) == [
        f"no answer from GET /case/DEMO for 0.3 s, retrying ({n} of 5)" for n in range(2, 6)
    ]


@pytest.mark.parametrize("server", ["trickle"], indirect=True)
def test_an_answer_trickled_a_byte_at_a_time_still_ends_at_the_deadline(
    server: Server,
) -> None:
    # httpx's own read timeout never fires here: a byte comes every 50 ms
    started = time.monotonic()
    with client_of(server) as client, pytest.raises(TransportError, match="after 5 attempts"):
        client.get("/project/DEMO")
    assert time.monotonic() - started < 3.0
    assert server.requests == 5


@pytest.mark.parametrize("server", ["silent"], indirect=True)
def test_a_silent_create_is_sent_once_and_ambiguous_after_its_deadline(server: Server) -> None:
    with client_of(server, bulk_deadline=0.4) as client:
        started = time.monotonic()
        with pytest.raises(AmbiguousWriteError) as caught:
            client.post("/case/DEMO/bulk", {"cases": [{"title": "t"}]}, bulk=True)
        assert 0.4 <= time.monotonic() - started < 1.5
    assert "the connection failed (0.4 s without an answer)" in str(caught.value)
    assert caught.value.sent == {"cases": [{"title": "t"}]}
    assert server.requests == 1


@pytest.mark.parametrize("server", ["late:0.7"], indirect=True)
def test_a_long_wait_is_announced_while_it_lasts(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    with client_of(server, deadline=3.0, announce_every=0.3) as client:
        assert client.get("/project/DEMO") == {"code": "DEMO"}
    assert warnings_of(caplog) == [
        "still no answer to GET /project/DEMO after 0.3 s; waiting up to 3 s",
        "still no answer to GET /project/DEMO after 0.6 s; waiting up to 3 s",
    ]
    assert server.requests == 1


@pytest.mark.parametrize("server", ["late:0.1"], indirect=True)
def test_a_prompt_answer_says_nothing(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    with client_of(server, deadline=3.0, announce_every=1.0) as client:
        assert client.get("/project/DEMO") == {"code": "DEMO"}
    assert warnings_of(caplog) == []


def test_the_deadline_wraps_httpx_own_connection_pool() -> None:
    client = QaseClient(token=TOKEN, base_url="http://127.0.0.1:9/v1")
    with client:
        pool = client._http._transport._pool  # type: ignore[attr-defined]
        assert isinstance(pool._network_backend, deadline.DeadlineBackend)


def test_an_injected_transport_keeps_its_own_timeouts() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"result": 1}))
    with httpx.Client(transport=transport) as plain:
        assert deadline.install(plain) is False
    with QaseClient(token=TOKEN, base_url="http://qase.test/v1", transport=transport) as client:
        assert client.get("/project/DEMO") == 1


def test_operations_outside_a_request_keep_their_timeouts() -> None:
    with deadline.waiting("GET /x", 5.0, announce_every=1.0):
        assert deadline._clamp(None, TimeoutError) is not None
    assert deadline._clamp(None, TimeoutError) is None
    assert deadline._clamp(2.0, TimeoutError) == 2.0


def test_a_deadline_already_passed_fails_the_next_operation() -> None:
    with deadline.waiting("GET /x", 0.0, announce_every=1.0), pytest.raises(TimeoutError):
        deadline._clamp(1.0, TimeoutError)


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf"])
def test_qase_timeout_must_be_seconds_above_zero(value: str) -> None:
    env = {"QASE_TOKEN": TOKEN, "QASE_TIMEOUT": value}
    with pytest.raises(ConfigError, match="QASE_TIMEOUT must be a number of seconds > 0"):
        QaseClient.from_env(env)


def test_qase_timeout_sets_the_deadline_and_bulk_is_never_shorter_than_180_s() -> None:
    seen: list[dict[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json={"status": True, "result": {"ids": [1]}})

    env = {"QASE_TOKEN": TOKEN, "QASE_TIMEOUT": "5"}
    with QaseClient.from_env(env, transport=httpx.MockTransport(handler)) as client:
        client.get("/project/DEMO")
        client.post("/case/DEMO/bulk", {"cases": [{"title": "t"}]}, bulk=True)
    assert [(t["connect"], t["read"]) for t in seen] == [(5.0, 5.0), (10.0, 180.0)]
    with pytest.raises(ConfigError, match="longer than 0 s"):
        QaseClient(token=TOKEN, deadline=0)


@pytest.mark.parametrize("server", ["silent"], indirect=True)
def test_the_wait_reaches_stderr_when_nothing_configures_logging(server: Server) -> None:
    """As in the CLI without --debug: Python's last-resort handler prints the warnings."""
    script = (
        "from qasesync.qase.client import QaseClient\n"
        "from qasesync.qase.ratelimit import RetryPolicy\n"
        "from qasesync.errors import TransportError\n"
        f"client = QaseClient(token='t', base_url={server.url!r}, deadline=0.2,\n"
        "                     retry=RetryPolicy(transient_attempts=2, backoff_base=0.01))\n"
        "try:\n"
        "    client.get('/case/DEMO')\n"
        "except TransportError as error:\n"
        "    print(error)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert run.stderr == "no answer from GET /case/DEMO for 0.2 s, retrying (2 of 2)\n"
    assert run.stdout == "GET /case/DEMO: no answer from 127.0.0.1 after 2 attempts of 0.2 s each\n"


def test_every_way_to_a_connection_keeps_the_deadline() -> None:
    backend = deadline.DeadlineBackend(httpcore.MockBackend([b"HTTP/1.1 200 OK\r\n"]))
    stream = backend.connect_tcp("qase.test", 443, timeout=5.0)
    assert isinstance(stream, deadline.DeadlineStream)
    secure = stream.start_tls(ssl.create_default_context(), "qase.test", timeout=5.0)
    assert isinstance(secure, deadline.DeadlineStream)
    assert secure.read(100) == b"HTTP/1.1 200 OK\r\n"  # outside a request: httpx's timeouts
    assert secure.get_extra_info("is_readable") is None  # what the mock says
    secure.write(b"GET / HTTP/1.1\r\n\r\n", timeout=1.0)
    secure.close()
    local = backend.connect_unix_socket("/tmp/qase.sock", timeout=1.0)
    assert isinstance(local, deadline.DeadlineStream)
    backend.sleep(0)
    with (
        deadline.waiting("GET /x", 0.0, announce_every=1.0),
        pytest.raises(httpcore.ConnectTimeout, match="no answer within 0 s"),
    ):
        backend.connect_tcp("qase.test", 443)


def test_installing_twice_wraps_once() -> None:
    with httpx.Client() as plain:
        assert deadline.install(plain) and deadline.install(plain)
        backend = plain._transport._pool._network_backend  # type: ignore[attr-defined]
        assert isinstance(backend, deadline.DeadlineBackend)
        assert not isinstance(backend._inner, deadline.DeadlineBackend)
