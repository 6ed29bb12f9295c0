"""A failed request in words: the permission a refused call needs (as Qase's roles name
it), Qase's error body, why a connection failed, and the errors a list that kept changing
or an ambiguous write amount to. No text here holds the token: the client redacts what
the server sent before it reaches these.
"""

from __future__ import annotations

import socket
from typing import Any

import httpx

from qasesync.errors import AmbiguousWriteError, ApiError
from qasesync.qase.paging import LIST_READS

_ENTITIES = {
    "case": "test cases",
    "suite": "suites",
    "shared_step": "shared steps",
    "project": "projects",
    "custom_field": "custom fields",
    "system_field": "system fields",
}
_VERBS = {"GET": "read", "POST": "create", "PATCH": "edit", "DELETE": "delete"}


def permission(method: str, path: str) -> str:
    """What a request asks to do, in the words of Qase's role permissions: ``GET
    /case/DEMO`` → ``read test cases``; attaching issue keys → ``link external issues``."""
    parts = path.strip("/").split("/")
    if len(parts) >= 3 and parts[0] == "case" and parts[2] == "external-issue":
        return "link external issues to test cases"
    entity = _ENTITIES.get(parts[0], parts[0].replace("_", " "))
    return f"{_VERBS.get(method, method.lower())} {entity}"


def error_body(body: Any) -> tuple[str, list[dict[str, Any]]]:
    """Qase's ``errorMessage`` (or ``error``/``message``) and ``errorFields``."""
    if not isinstance(body, dict):
        return "", []
    message = body.get("errorMessage") or body.get("error") or body.get("message") or ""
    fields = body.get("errorFields")
    if not isinstance(fields, list):
        fields = []
    return str(message), [f for f in fields if isinstance(f, dict)]


def failure_text(exc: httpx.TransportError) -> str:
    """Why a request failed, in words: ``connection timed out``, or ``connection refused``
    or ``host not found`` when the socket says so, else the exception's name and message."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "connection timed out"
    cause = _os_error(exc) if isinstance(exc, httpx.ConnectError) else None
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, socket.gaierror):
        if cause.errno in _UNKNOWN_NAME:
            return "host not found"
        return f"host name lookup failed: {cause.strerror}"
    return f"{type(exc).__name__}: {exc}".replace("\n", " ")


_UNKNOWN_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


def _os_error(exc: BaseException) -> OSError | None:
    """The socket error under httpx's and httpcore's wrappers, if any."""
    cause = exc.__cause__ or exc.__context__
    for _ in range(8):  # a bounded walk: a chain may, in theory, loop
        if cause is None or isinstance(cause, OSError):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


def status_text(response: httpx.Response) -> str:
    return f"{response.status_code} {response.reason_phrase}".strip()


def kept_changing(path: str, got: int, filtered: int) -> ApiError:
    return ApiError(
        f"the list kept changing while it was read: {LIST_READS} reads never added up "
        f"(the last: {got} entities arrived, {filtered} expected); try again",
        method="GET",
        path=path,
    )


def ambiguous(
    request: httpx.Request, path: str, body: Any, reason: str, status: int | None
) -> AmbiguousWriteError:
    return AmbiguousWriteError(
        f"{reason}; the request may or may not have taken effect, and it was not resent: "
        "read the project again before retrying",
        sent=body,
        method=request.method,
        path=path,
        status=status,
    )
