"""Helpers of the client tests: fake time, a spec-checking transport and the token-leak
check that every client test runs after itself."""

from __future__ import annotations

import json
import logging
import threading
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from qasesync.errors import QasesyncError

TOKEN = "qs-t0ken-5ecret-7f3a9"
"""The API token of the client tests: no log record or error may ever contain it."""


class FakeTime:
    """A clock that only moves when someone sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


@dataclass
class Sent:
    """One request as the transport saw it."""

    method: str
    path: str
    params: dict[str, str]
    body: Any
    headers: httpx.Headers


@dataclass
class CheckingTransport(httpx.BaseTransport):
    """Checks every request body against the Qase spec (when there is one), records it,
    then hands it to ``inner``."""

    inner: httpx.BaseTransport
    spec: dict[str, Any]
    sent: list[Sent] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        path = request.url.path
        from kit.spec import check_request

        check_request(self.spec, request.method, path, body)
        params = dict(request.url.params)
        self.sent.append(Sent(request.method, path, params, body, request.headers))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def spec_of(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The session's ``openapi_spec`` fixture, for fixtures that do not name it."""
    spec: dict[str, Any] = request.getfixturevalue("openapi_spec")
    return spec


def record_errors(monkeypatch: pytest.MonkeyPatch) -> list[BaseException]:
    """Every qasesync error created from now on, wherever it is raised or caught."""
    made: list[BaseException] = []

    def init(self: QasesyncError, *args: Any) -> None:
        made.append(self)
        Exception.__init__(self, *args)

    monkeypatch.setattr(QasesyncError, "__init__", init)
    return made


def error_texts(error: BaseException) -> Iterable[str]:
    """What a user or a log could ever see of an error: message, repr, traceback, fields."""
    yield str(error)
    yield repr(error)
    yield "".join(traceback.format_exception(type(error), error, error.__traceback__))
    yield repr(vars(error))


def assert_no_token(
    token: str, records: Iterable[logging.LogRecord], errors: Iterable[BaseException]
) -> int:
    """Fail if ``token`` is in any log record or error; return how many texts were read."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts = [(f"log record {r.name}", formatter.format(r)) for r in records]
    texts += [(f"error {type(e).__name__}", t) for e in errors for t in error_texts(e)]
    for where, text in texts:
        if token in text:  # not `assert`: pytest would print the token in its explanation
            shown = text.replace(token, "<TOKEN>")[:300]
            raise AssertionError(f"the token leaked into a {where}: {shown!r}")
    return len(texts)
