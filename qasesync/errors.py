"""Every error qasesync raises on purpose.

The CLI turns a `QasesyncError` into one clean message and exit 1; anything
else is a bug (exit 3). No error carries the API token. A `Problem` shows its place as
`qasesync.model.Location` does: the model is the only module of ours imported here.

QasesyncError
├── ValidationError          the tree has problems (each a `Problem` with FILE:LINE:COL)
├── ConfigError              bad environment or arguments (QASE_API_URL, QASE_PROJECT, no tree)
├── PlanError                the tree cannot be planned against the live project
│                            (unknown enum option, ambiguous match, inexpressible field,
│                            live suites whose parents loop: export refuses these too)
├── SafetyError              refused by a safety limit (max_destroy, a stale saved plan,
│                            no confirmation)
├── WriteBackError           a YAML file could not be updated (changed on disk, re-parse failed)
├── ApplyError               apply stopped part-way; carries what was done
├── LockError                the project (another apply) or the tree (another apply, pull
│                            or writeback on this checkout) stayed locked past --lock-timeout
└── ApiError                 a request the API refused or that could not be made (other
    │                        4xx, 5xx after retries, a list too long to page or that kept
    │                        changing); carries method, path, status, errorMessage/Fields
    ├── AuthenticationError  401/403: missing or wrong token, or a role without the right
    ├── NotFoundError        404: unknown project, case, suite or shared step
    ├── RateLimitedError     429 after every retry, or a Retry-After too long to wait for
    ├── TransportError       no answer (a timeout, a dropped connection) after retries
    │   └── UnreachableError no connection at all (refused, unknown host): one line naming
    │                        the host and QASE_API_URL, without the request
    └── AmbiguousWriteError  a POST whose outcome is unknown (5xx, or the connection
                             dropped after it was sent); carries what was sent; never resent
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qasesync.model import Location
from qasesync.safetext import terminal


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in the tree, reported as ``FILE:LINE:COL: message``."""

    file: str
    line: int
    col: int
    message: str = field(compare=True)

    def __str__(self) -> str:
        """One line: the file name and the message may hold anything a tree holds."""
        return terminal(f"{Location(self.file, self.line, self.col)}: {self.message}")

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "col": self.col, "message": self.message}


class QasesyncError(Exception):
    """Base of every error the user can act on."""


class ValidationError(QasesyncError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(sorted(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(QasesyncError):
    pass


class PlanError(QasesyncError):
    def __init__(self, problems: Sequence[Problem | str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SafetyError(QasesyncError):
    pass


class WriteBackError(QasesyncError):
    pass


class ApplyError(QasesyncError):
    pass


class LockError(QasesyncError):
    pass


class ApiError(QasesyncError):
    """A request the API refused. Carries method, path (no host, no token), status and
    Qase's ``errorMessage`` and ``errorFields``."""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        error_fields: Sequence[dict[str, Any]] = (),
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.error_message = message
        self.error_fields = tuple(error_fields)
        super().__init__(self._describe())

    def _describe(self) -> str:
        """The request, then what the server said: each of its texts on one line of its
        own (a server can put anything in them)."""
        where = terminal(f"{self.method} {self.path}".strip())
        status = f" → {self.status}" if self.status is not None else ""
        fields = "".join(
            f"\n  {terminal(str(f.get('field', '?')))}: {terminal(str(f.get('error', '')))}"
            for f in self.error_fields
        )
        return f"{where}{status}: {terminal(self.error_message)}{fields}"


class AuthenticationError(ApiError):
    pass


class NotFoundError(ApiError):
    pass


class RateLimitedError(ApiError):
    pass


class TransportError(ApiError):
    pass


class UnreachableError(TransportError):
    """No connection could be made: the host, not the request, is the news."""

    def _describe(self) -> str:
        return terminal(self.error_message)


class AmbiguousWriteError(ApiError):
    """A write whose outcome is unknown. ``sent`` is the JSON body that was sent, so
    that the caller can re-read the live state and reconcile instead of resending."""

    def __init__(self, message: str, *, sent: Any = None, **kwargs: Any) -> None:
        self.sent = sent
        super().__init__(message, **kwargs)
