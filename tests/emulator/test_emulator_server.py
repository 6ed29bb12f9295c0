"""The socket server speaks HTTP/1.1: persistent connections, bodies by Content-Length."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import BinaryIO

import httpx
import pytest
from kit.emulator import TOKEN, raw_response

from qasesync.emulator import Emulator, Faults, serve
from qasesync.emulator import server as server_module


@contextmanager
def _connect(url: str) -> Iterator[tuple[socket.socket, BinaryIO]]:
    host, port = url.split("/")[2].split(":")
    with (
        socket.create_connection((host, int(port)), timeout=5) as sock,
        sock.makefile("rb") as stream,
    ):
        yield sock, stream


def _request(method: str, path: str, body: bytes = b"", *headers: str) -> bytes:
    lines = [f"{method} /v1{path} HTTP/1.1", "Host: emulator", f"Token: {TOKEN}", *headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _local_port(response: httpx.Response) -> int:
    port: int = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    return port


def test_a_pooled_client_sends_its_requests_on_one_connection(emu: Emulator) -> None:
    with serve(emu) as server, httpx.Client(base_url=server.url, headers={"Token": "T"}) as client:
        first = client.post("/suite/DEMO", json={"title": "S"})
        second = client.get("/suite/DEMO")
        assert (first.status_code, second.status_code) == (200, 200)
        assert _local_port(first) == _local_port(second)
        assert server.connections_accepted == 1


def test_connection_close_is_honoured(emu: Emulator) -> None:
    with serve(emu) as server, httpx.Client(base_url=server.url, headers={"Token": "T"}) as client:
        first = client.get("/suite/DEMO", headers={"Connection": "close"})
        second = client.get("/suite/DEMO")
        assert (first.headers["Connection"], second.status_code) == ("close", 200)
        assert server.connections_accepted == 2


def test_the_server_closes_the_connection_after_answering_connection_close(
    emu: Emulator,
) -> None:
    with serve(emu) as server, _connect(server.url) as (sock, stream):
        sock.sendall(_request("GET", "/suite/DEMO", b"", "Connection: close"))
        status, headers, _ = raw_response(stream)
        assert (status, headers["connection"]) == (200, "close")
        assert stream.read() == b""


def test_bodies_are_read_by_content_length_and_pipelined_requests_answered(
    emu: Emulator,
) -> None:
    post = _request("POST", "/suite/DEMO", b'{"title": "S"}', "Content-Type: application/json")
    with serve(emu) as server, _connect(server.url) as (sock, stream):
        sock.sendall(post + _request("GET", "/suite/DEMO/1"))
        created, _, _ = raw_response(stream)
        status, headers, body = raw_response(stream)
    assert (created, status) == (200, 200)
    assert int(headers["content-length"]) == len(body) and b'"title": "S"' in body


def test_a_chunked_body_is_refused_with_411_and_the_connection_closed(emu: Emulator) -> None:
    chunked = _request("POST", "/suite/DEMO", b"", "Transfer-Encoding: chunked")
    with serve(emu) as server, _connect(server.url) as (sock, stream):
        sock.sendall(chunked + b"e\r\n" + b'{"title": "S"}' + b"\r\n0\r\n\r\n")
        status, headers, _ = raw_response(stream)
        assert (status, headers["connection"]) == (411, "close")
        assert stream.read() == b""
    assert emu.store.suites("DEMO") == []


def test_an_idle_connection_is_closed_after_the_timeout(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_module._RequestHandler, "timeout", 0.2)
    with serve(emu) as server, _connect(server.url) as (sock, stream):
        sock.sendall(_request("GET", "/suite/DEMO"))
        assert raw_response(stream)[0] == 200
        started = time.monotonic()
        assert stream.read() == b""
        assert time.monotonic() - started < 2


def test_the_server_stops_at_once_with_idle_connections_open(emu: Emulator) -> None:
    threads = threading.active_count()
    with httpx.Client(headers={"Token": "T"}) as client, ExitStack() as idle:
        with serve(emu) as server:
            assert client.get(f"{server.url}/suite/DEMO").status_code == 200
            _, stream = idle.enter_context(_connect(server.url))  # no request sent
            time.sleep(0.1)
            started = time.monotonic()
        assert time.monotonic() - started < 2
        assert threading.active_count() == threads
        assert stream.read() == b""


def test_a_dropped_write_on_a_reused_connection_surfaces_as_remote_protocol_error(
    emu: Emulator,
) -> None:
    emu.faults = Faults(rate_drop=1.0)
    with serve(emu) as server, httpx.Client(base_url=server.url, headers={"Token": "T"}) as client:
        assert client.get("/suite/DEMO").status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/suite/DEMO", json={"title": "S"})
        assert client.get("/suite/DEMO").json()["result"]["total"] == 1
        assert server.connections_accepted == 2
