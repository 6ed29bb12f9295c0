"""The emulator's WSGI application: auth, faults, the request log, JSON in and out.

``Emulator.app`` serves the API under the base path ``/v1``, in-process through
``httpx.WSGITransport`` or on a socket through :func:`qasesync.emulator.serve`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs

import httpx

from qasesync.emulator import routes
from qasesync.emulator.apierrors import ApiError
from qasesync.emulator.faults import Faults, Injector, Verdict, retry_after_header
from qasesync.emulator.shapes import Shapes
from qasesync.emulator.store import JSON, Store
from qasesync.emulator.trash import Trash

log = logging.getLogger(__name__)

BASE_PATH = "/v1"
MAX_BODY = 32 * 1024 * 1024
"""Bytes a request body may hold (32 MiB): a bulk of 100 long cases is far below it.
A longer ``Content-Length`` is answered 413 without reading a byte of the body."""
WRITES = frozenset({"POST", "PATCH", "DELETE", "PUT"})
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
DROP_MESSAGE = "Server disconnected without sending a response."


class StartResponse(Protocol):
    def __call__(self, status: str, headers: list[tuple[str, str]], /) -> Any: ...


@dataclass(frozen=True)
class LogRecord:
    """One request as the emulator saw it. ``path`` includes the ``/v1`` base;
    ``query`` maps each parameter to its last value; ``body`` is the parsed JSON (or the
    raw text when it is not JSON, None when empty); ``status`` is what was (or, for a
    dropped write, would have been) answered; ``fault`` is None, "429", "5xx",
    "rate_limit" or "drop"; ``answer`` is the JSON body sent (None when dropped)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    fault: str | None
    answer: Any = None


class RequestLog(list[LogRecord]):
    """The request log: a list with a thread-safe append, keeping the latest ``limit``
    records when a limit is set (a long-running emulator must not grow without end)."""

    def __init__(self, limit: int | None = None) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._limit = limit

    def append(self, record: LogRecord) -> None:
        with self._lock:
            super().append(record)
            if self._limit is not None and len(self) > self._limit:
                del self[: len(self) - self._limit]


@dataclass
class Emulator:
    """An emulated Qase workspace: ``store`` (direct access, no faults), ``app`` (WSGI),
    ``faults`` (replaceable at runtime) and ``log`` (every request)."""

    token: str = "emulator-token"
    projects: Sequence[str] = ("DEMO",)
    faults: Faults = field(default_factory=Faults)
    seed: int = 0
    system_fields: Sequence[JSON] | None = None
    custom_fields: Sequence[JSON] | None = None
    #: The clock of the rate-limit window (seconds; tests pass a fake one).
    monotonic: Callable[[], float] = time.monotonic
    #: Keep only the latest N log records (None: all).
    log_limit: int | None = None
    #: The longest request body accepted, in bytes; longer ones are answered 413.
    max_body: int = MAX_BODY
    #: Imitate an older deployment that refuses ``include=external_issues`` (and any
    #: ``include``) with 400 ``Invalid include value`` (``qasesync emulator --no-include``).
    no_include: bool = False
    #: How a case reads a shared-step reference: "expanded" (each inner step an entry)
    #: or "collapsed" (one entry per use); ``store.shared_read`` changes it at runtime.
    shared_read: str = "expanded"
    #: Imitate a service whose case lists hold the cases deleted into the trash bin, with
    #: ``deleted`` set (``qasesync emulator --list-trashed``; see `qasesync.emulator.trash`).
    list_trashed: bool = False
    #: The other shapes the evidence leaves open (`qasesync.emulator.shapes`);
    #: ``store.shapes`` changes them at runtime.
    shapes: Shapes = field(default_factory=Shapes)
    #: What ``GET /case?suite_id=`` lists: "direct" (the suite's own cases) or
    #: "descendants" (also its child suites'); ``qasesync emulator --suite-filter``.
    suite_filter: str = "direct"

    def __post_init__(self) -> None:
        self.store = Store(
            projects=self.projects,
            system_fields=self.system_fields,
            custom_fields=self.custom_fields,
            seed=self.seed,
            shared_read=self.shared_read,
            shapes=self.shapes,
        )
        self.store.suite_filter = self.suite_filter
        self.log = RequestLog(self.log_limit)
        self.trash = Trash(self.store)
        self._injector = Injector(self.seed, clock=self.monotonic)

    # --- state --------------------------------------------------------------------------

    def save_state(self, path: str | Path) -> None:
        """Write the store to a JSON file (atomically)."""
        target = Path(path)
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_text(json.dumps(self.store.dump()), encoding="utf-8")
        temporary.replace(target)

    def load_state(self, path: str | Path) -> None:
        """Replace the store's content with a file written by :meth:`save_state`;
        the emulator's projects are added when the file lacks them."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"a JSON object was expected, not {type(data).__name__}")
        self.store.load(data)
        for code in self.projects:
            self.store.add_project(code)

    # --- WSGI ---------------------------------------------------------------------------

    def app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """The WSGI callable. A dropped write raises ``httpx.RemoteProtocolError`` after
        processing; the socket server turns that into a closed connection."""
        method = environ["REQUEST_METHOD"].upper()
        path = environ.get("PATH_INFO", "") or "/"
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        faults = self.faults
        verdict = self._injector.judge(faults, write=method in WRITES)
        if faults.latency > 0:
            time.sleep(faults.latency)
        request = _Incoming(method, path, query, environ)
        status, answer, headers = self._answer(request, verdict)
        logged = request.raw if request.body is _BAD_JSON else request.body
        dropped = verdict.fault == "drop"
        arguments = {k: v[-1] for k, v in query.items()}
        sent = None if dropped else answer
        self.log.append(LogRecord(method, path, arguments, logged, status, verdict.fault, sent))
        if dropped:
            log.debug("dropping the connection after %s %s", method, path)
            raise httpx.RemoteProtocolError(DROP_MESSAGE)
        payload = json.dumps(answer).encode("utf-8")
        headers += [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        start_response(f"{status} {REASONS.get(status, 'Error')}", headers)
        return [payload]

    def _answer(
        self, request: _Incoming, verdict: Verdict
    ) -> tuple[int, JSON, list[tuple[str, str]]]:
        headers = [
            ("X-RateLimit-Limit", str(verdict.limit)),
            ("X-RateLimit-Remaining", str(verdict.remaining)),
            ("Cache-Control", "no-cache, private"),
        ]
        if verdict.refused:
            status, answer, extra = _refusal(verdict)
            return status, answer, headers + extra
        doomed = self.trash.doomed(request.method, request.path) if self.list_trashed else None
        status, answer = self._dispatch(request)
        if self.list_trashed:
            answered = (status, answer)
            status, answer = self.trash.after(
                request.method, request.path, request.query, answered, doomed
            )
        return status, answer, headers

    def _dispatch(self, request: _Incoming) -> tuple[int, JSON]:
        """The token first, then the body's size, and only then the body is read: a
        request without the token never costs the memory of its body."""
        method, path = request.method, request.path
        try:
            if request.environ.get("HTTP_TOKEN") != self.token:
                return 401, {"status": False, "errorMessage": "Unauthenticated."}
            if request.length > self.max_body:
                return 413, _too_large(self.max_body)
            if request.read() is _BAD_JSON:
                return 400, {"status": False, "errorMessage": "Data is invalid."}
            if not (path == BASE_PATH or path.startswith(BASE_PATH + "/")):
                raise ApiError(404, {"status": False, "errorMessage": "Not found."})
            if self.no_include and "include" in request.query:
                return 400, {"status": False, "errorMessage": "Invalid include value"}
            handler, params = routes.resolve(method, path[len(BASE_PATH) :])
            return handler(routes.Request(self.store, params, request.query, request.body))
        except ApiError as error:
            return error.status, error.body
        except Exception:
            log.exception("emulator bug on %s %s", method, path)
            return 500, {"status": False, "errorMessage": "Internal server error."}


@dataclass
class _Incoming:
    """One request; its body is read only on demand (`read`)."""

    method: str
    path: str
    query: dict[str, list[str]]
    environ: dict[str, Any]
    raw: str = ""
    body: Any = None

    @property
    def length(self) -> int:
        """The announced ``Content-Length`` (0 when absent or not a number)."""
        try:
            return max(0, int(self.environ.get("CONTENT_LENGTH") or 0))
        except ValueError:
            return 0

    def read(self) -> Any:
        """Read and parse the body (None when empty, ``_BAD_JSON`` when not JSON)."""
        self.raw, self.body = _read_body(self.environ, self.length)
        return self.body


def _too_large(limit: int) -> JSON:
    return {
        "status": False,
        "errorMessage": f"The request body is too large: at most {limit} bytes are accepted.",
    }


_BAD_JSON: Any = object()


def _read_body(environ: dict[str, Any], length: int) -> tuple[str, Any]:
    """The body as text, and parsed (None when empty, ``_BAD_JSON`` when not JSON)."""
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    text = raw.decode("utf-8", errors="replace")
    if not raw:
        return text, None
    try:
        return text, json.loads(raw)
    except ValueError:
        return text, _BAD_JSON


def _refusal(verdict: Verdict) -> tuple[int, JSON, list[tuple[str, str]]]:
    if verdict.fault == "5xx":
        return 503, {"status": False, "errorMessage": "Service Unavailable."}, []
    wait = verdict.retry_after or 1.0
    reset = int(time.time() + wait + 0.999)
    headers = [("Retry-After", retry_after_header(wait)), ("X-RateLimit-Reset", str(reset))]
    return 429, {"status": False, "errorMessage": "Too Many Attempts."}, headers
