"""What one client can take of the emulator on a real socket: the token is checked before
the body is read, a body over the limit is refused with 413, and the connections open at
once and the time to send a request's headers are capped."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import BinaryIO

import httpx
from kit.emulator import TOKEN, raw_response

from qasesync.emulator import Emulator, serve
from qasesync.emulator.server import Limits


@contextmanager
def _connect(url: str, timeout: float = 5.0) -> Iterator[tuple[socket.socket, BinaryIO]]:
    host, port = url.split("/")[2].split(":")
    with (
        socket.create_connection((host, int(port)), timeout=timeout) as sock,
        sock.makefile("rb") as stream,
    ):
        yield sock, stream


def _head(method: str, path: str, length: int, token: str | None = TOKEN) -> bytes:
    lines = [f"{method} /v1{path} HTTP/1.1", "Host: emulator", f"Content-Length: {length}"]
    if token is not None:
        lines.append(f"Token: {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_request_without_the_token_is_refused_before_its_body_is_read(emu: Emulator) -> None:
    # 1.5 GB announced, 64 KiB sent: the answer comes at once, nothing waits for the rest
    with serve(emu) as server, _connect(server.url) as (sock, stream):
        sock.sendall(_head("POST", "/case/DEMO", 1_500_000_000, token=None) + b"x" * 65536)
        status, headers, body = raw_response(stream)
        assert status == 401
        assert json.loads(body) == {"status": False, "errorMessage": "Unauthenticated."}
        assert headers["connection"] == "close"  # the rest of the body is never read
        assert stream.read() == b""
    assert emu.log[-1].body is None
    assert emu.store.cases("DEMO") == []


def test_a_body_over_the_limit_is_refused_with_413_naming_the_limit() -> None:
    emu = Emulator(token=TOKEN, projects=("DEMO",), max_body=1000)
    body = json.dumps({"title": "x" * 2000}).encode()
    with serve(emu) as server, _connect(server.url) as (sock, stream):
        sock.sendall(_head("POST", "/case/DEMO", len(body)) + body)
        status, _, answer = raw_response(stream)
        assert status == 413
        assert json.loads(answer) == {
            "status": False,
            "errorMessage": "The request body is too large: at most 1000 bytes are accepted.",
        }
        # the small body was drained, so the connection serves the next request
        sock.sendall(_head("GET", "/case/DEMO", 0))
        assert raw_response(stream)[0] == 200
    assert emu.store.cases("DEMO") == []


def test_a_body_at_the_limit_is_accepted() -> None:
    body = json.dumps({"title": "t"}).encode()
    emu = Emulator(token=TOKEN, projects=("DEMO",), max_body=len(body))
    with serve(emu) as server, httpx.Client(base_url=server.url) as client:
        answer = client.post("/case/DEMO", content=body, headers={"Token": TOKEN})
        assert answer.status_code == 200
    assert [c["title"] for c in emu.store.cases("DEMO")] == ["t"]


def test_the_in_process_app_refuses_an_oversized_body_too() -> None:
    emu = Emulator(token=TOKEN, projects=("DEMO",), max_body=10)
    transport = httpx.WSGITransport(app=emu.app)
    with httpx.Client(transport=transport, base_url="http://emulator/v1") as client:
        answer = client.post("/case/DEMO", json={"title": "long"}, headers={"Token": TOKEN})
    assert answer.status_code == 413


def test_connections_past_the_cap_are_answered_503_at_once(emu: Emulator) -> None:
    with serve(emu, limits=Limits(max_connections=3)) as server, ExitStack() as stack:
        held = [stack.enter_context(_connect(server.url)) for _ in range(3)]
        for sock, stream in held:  # each is served: the three are open, each with a thread
            sock.sendall(_head("GET", "/project", 0))
            assert raw_response(stream)[0] == 200
        with _connect(server.url) as (_, stream):
            status, headers, body = raw_response(stream)
        assert status == 503
        assert headers["retry-after"] == "1"
        assert json.loads(body)["errorMessage"] == (
            "Too many connections: the emulator serves at most 3 at once."
        )
        assert (server.connections_accepted, server.connections_refused) == (3, 1)
        held[0][1].close()  # one leaves: a new connection is served again
        held[0][0].close()
        deadline = time.monotonic() + 5
        while True:
            with _connect(server.url) as (sock, stream):
                sock.sendall(_head("GET", "/project", 0))
                if raw_response(stream)[0] == 200 or time.monotonic() > deadline:
                    break
        assert server.connections_accepted == 4


def test_headers_trickled_past_the_header_timeout_get_408() -> None:
    emu = Emulator(token=TOKEN, projects=("DEMO",))
    with (
        serve(emu, limits=Limits(header_timeout=0.4)) as server,
        _connect(server.url) as (sock, stream),
    ):
        started = time.monotonic()
        sock.sendall(b"GET /v1/project HTTP/1.1\r\n")
        for _ in range(3):  # a header byte every 0.1 s: never idle for long (15 s allowed)
            time.sleep(0.1)
            sock.sendall(b"X")
        status, headers, _ = raw_response(stream)  # the headers never end: the server ends it
        assert status == 408
        assert headers["connection"] == "close"
        assert 0.4 <= time.monotonic() - started < 2.0
        assert stream.read() == b""
    assert emu.log == []


def test_a_request_sent_in_good_time_is_not_cut_off() -> None:
    emu = Emulator(token=TOKEN, projects=("DEMO",))
    with (
        serve(emu, limits=Limits(header_timeout=0.4)) as server,
        _connect(server.url) as (sock, stream),
    ):
        for _ in range(3):  # idle longer than the header timeout between requests
            time.sleep(0.5)
            sock.sendall(_head("GET", "/project", 0))
            assert raw_response(stream)[0] == 200


def test_a_request_line_too_long_is_answered_414(emu: Emulator) -> None:
    with serve(emu) as server, _connect(server.url) as (sock, stream):
        sock.sendall(b"GET /v1/" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n")
        assert raw_response(stream)[0] == 414
    assert emu.log == []


def test_a_client_that_hangs_up_while_waiting_costs_nothing(emu: Emulator) -> None:
    with serve(emu, limits=Limits(max_connections=1)) as server:
        with _connect(server.url):
            pass  # connected and left without a byte
        deadline = time.monotonic() + 5
        while True:  # its thread ends at once, so the one slot is free again
            with _connect(server.url) as (sock, stream):
                sock.sendall(_head("GET", "/project", 0))
                status = raw_response(stream)[0]
            if status == 200 or time.monotonic() > deadline:
                break
        assert status == 200
