"""Fixtures shared by the whole suite."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def openapi_spec() -> dict[str, Any]:
    """The official Qase OpenAPI spec, vendored in the repository."""
    from kit.spec import load_spec

    return load_spec()


@pytest.fixture
def spec_checked(request: pytest.FixtureRequest) -> Any:
    """``spec_checked(transport)``: the same httpx transport, but every request body is
    first checked against the spec's request schema.
    Wrap the transport of any QaseClient a test builds with it."""
    from kit.client import CheckingTransport, spec_of

    spec = spec_of(request)
    return lambda inner: CheckingTransport(inner, spec)


@pytest.fixture
def no_token_leaks(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[BaseException]]:
    """After the test: the client tests' token is in no log record (DEBUG and up) and in
    no qasesync error made meanwhile. The client test modules use it on every test."""
    from kit.client import TOKEN, assert_no_token, record_errors

    caplog.set_level(logging.DEBUG)
    errors = record_errors(monkeypatch)
    yield errors
    records = caplog.get_records("setup") + caplog.get_records("call")
    assert_no_token(TOKEN, records, errors)


@pytest.fixture(autouse=True)
def _every_emulator_answer_fits_the_spec(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Every emulator any test creates (in-process, on a socket, to the Qase SDK, inside
    `qasesync demo`) has each 2xx answer it gave checked against the spec at teardown."""
    from kit.client import spec_of
    from kit.spec import check_answers

    from qasesync.emulator import Emulator

    spec = spec_of(request)
    created: list[Emulator] = []
    original = Emulator.__post_init__

    def register(self: Emulator) -> None:
        original(self)
        created.append(self)

    monkeypatch.setattr(Emulator, "__post_init__", register)
    yield
    for emulator in created:
        check_answers(spec, emulator.log)


@pytest.fixture(autouse=True)
def _every_client_request_fits_the_spec(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every request any QaseClient sends in any test (through any transport: the
    emulator in-process or on a socket, a mock) has its body checked against the spec's
    request schema just before it leaves."""
    from kit.client import spec_of
    from kit.spec import check_request

    from qasesync.qase.client import QaseClient

    spec = spec_of(request)
    send = QaseClient._send  # the one place every attempt of every request goes through

    def checked(self: QaseClient, sent: httpx.Request) -> httpx.Response:
        body = json.loads(sent.content) if sent.content else None
        check_request(spec, sent.method, sent.url.path, body)
        return send(self, sent)

    monkeypatch.setattr(QaseClient, "_send", checked)
