"""QaseClient: every request qasesync makes to the Qase API goes through it.

It speaks JSON over httpx and knows nothing of qasesync's model. It is thread-safe: one
client may be shared by the threads of :meth:`QaseClient.map_concurrent`.

- **Where and who.** ``QASE_API_URL`` (default ``https://api.qase.io/v1``; plain
  ``http://`` only for loopback addresses, unless a transport is injected, which then
  decides where the bytes go) and the ``Token`` header from ``QASE_TOKEN``. The token
  lives only in the httpx client's headers: never in an error, a log record or a repr.
- **Deadlines.** One request gets 30 s in all (``QASE_TIMEOUT``): connecting (at most
  10 s of it), sending and the whole answer, however slowly a server trickles it
  (:mod:`qasesync.qase.deadline`); a bulk create gets 180 s, since bulk creation can take
  over a minute on the live service. A request still waiting after 30 s says so at
  WARNING, once per 30 s, and each attempt that got no answer in time says so before it
  is retried (``no answer from GET /case/DEMO for 30 s, retrying (2 of 5)``).
  Connections are kept alive.
- **Paging** (:meth:`QaseClient.list_all`). ``limit=100``; the first page's ``filtered``
  fixes the number of pages, and the others are fetched concurrently (at most
  ``max_workers`` at once), nothing beyond them. Entities are de-duplicated by ``id``
  (or ``hash``). If what arrived does not add up to ``filtered`` (people edited the list
  meanwhile), the whole list is read again after a short pause, up to
  :data:`~qasesync.qase.paging.LIST_READS` reads in all; a list that never adds up is an
  error, and a partial one is never returned. Qase cannot page past offset 100,000, so
  more than 100,100 entities is an error too.
- **Retries.** A 429 is retried for every method (nothing was processed), after
  ``Retry-After`` or else an exponential backoff with jitter, and pauses every thread
  (see :mod:`qasesync.qase.ratelimit`). 502/503/504 and connection failures are retried for
  GET, PATCH, DELETE and a POST its caller calls idempotent, after the answer's
  ``Retry-After`` (at most 30 s) if any, until the request was sent
  ``RetryPolicy.transient_attempts`` times (``SEND_ATTEMPTS``); a refused, unresolved or
  timed-out connection before the first answer only once (a wrong URL does not mend in
  seconds). Retries log at INFO (a wait of 5 s or more at WARNING). Any other POST is
  retried only when it never left (connect errors and pool timeouts); one answered 5xx,
  or whose connection dropped after it was sent, raises
  :class:`~qasesync.errors.AmbiguousWriteError` carrying what was sent, so that the
  caller re-reads and reconciles instead of creating a duplicate. A DELETE retried
  after such an ambiguous attempt and then answered 404 is taken as done.
- **Errors.** 401 (a rejected token) and 403 (a role without the permission the call
  needs, which the message names) → AuthenticationError, 404 → NotFoundError, other refusals →
  ApiError with method, path, status, ``errorMessage`` and ``errorFields``; 429s past the
  retry budget → RateLimitedError; no answer → TransportError naming the host; no
  connection at all → UnreachableError, one line naming ``host:port`` and the reason.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import httpx

from qasesync.errors import (
    ApiError,
    AuthenticationError,
    ConfigError,
    NotFoundError,
    RateLimitedError,
    TransportError,
    UnreachableError,
)
from qasesync.qase.connection import (
    BULK_DEADLINE,
    CONNECT_TIMEOUT,
    DEADLINE,
    DEFAULT_BASE_URL,
    DEFAULT_RATE_LIMIT,
    check_base_url,
    check_token,
    env_deadline,
    env_rate_limit,
)
from qasesync.qase.deadline import install as install_deadlines
from qasesync.qase.deadline import waiting
from qasesync.qase.failures import (
    ambiguous,
    error_body,
    failure_text,
    kept_changing,
    permission,
    status_text,
)
from qasesync.qase.paging import (
    LIST_READS,
    PAGE_SIZE,
    count_of,
    decoded,
    merge,
    offsets_after_first,
    settle_pause,
    unique,
    values,
)
from qasesync.qase.ratelimit import LONG_WAIT, Clock, RateLimiter, RetryPolicy, Sleep, retry_after
from qasesync.safetext import redact

logger = logging.getLogger(__name__)

ANNOUNCE_EVERY = 30.0
"""A request still waiting after this many seconds says so, once per period."""
RETRIED_STATUSES = frozenset({502, 503, 504})
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Failures that happen before a request leaves: safe to retry even for a POST."""
_NO_CONNECTION = (httpx.ConnectError, httpx.ConnectTimeout)
"""Failures to open a connection at all (a pool timeout is ours, not the host's)."""
NETWORK = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
"""Failures worth retrying; any other httpx.TransportError is raised at once."""
SILENT = (httpx.ReadTimeout, httpx.WriteTimeout)
"""The connection was made, but the request or its answer did not pass within the deadline."""

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _Tries:
    """What happened so far to one request."""

    resendable: bool  # once it may have been processed: all but a POST that creates
    deadline: float  # seconds each attempt may take in all
    silent: bool = False  # an attempt got no answer within the deadline
    rate_limited: int = 0
    transient: int = 0
    ambiguous: bool = False


UNPAGED = frozenset({"/system_field"})
"""The lists the API answers whole, as a JSON list. Any other list must come as a page
(`qasesync.qase.paging`): an empty list or null in its place is an error, never read as
a project with nothing in it (apply would create everything again)."""


class QaseClient:
    """A thread-safe JSON client of the Qase API v1 (see the module docstring)."""

    def __init__(
        self,
        *,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        rate_limit: int = DEFAULT_RATE_LIMIT,
        max_workers: int = 8,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        deadline: float = DEADLINE,
        bulk_deadline: float = BULK_DEADLINE,
        announce_every: float = ANNOUNCE_EVERY,
    ) -> None:
        self._base_url = check_base_url(base_url, any_scheme=transport is not None)
        if rate_limit < 1 or max_workers < 1:
            raise ConfigError("the rate limit and the worker count must be at least 1")
        if min(deadline, bulk_deadline, announce_every) <= 0:
            raise ConfigError("request deadlines must be longer than 0 s")
        self._http = _http_client(check_token(token), self._base_url, transport, max_workers)
        self._deadlines = {False: deadline, True: bulk_deadline}
        self._announce_every = announce_every
        url = httpx.URL(self._base_url)
        self._host = url.host
        self._netloc = f"{url.host}:{url.port}" if url.port else url.host
        self._answered = False  # a refused connection before any answer is a wrong URL
        self._limiter = RateLimiter(rate_limit, clock=clock, sleep=sleep)
        self._sleep = sleep
        self._clock = clock
        self._retry = retry or RetryPolicy()
        self._rng = rng or random.Random()
        self._max_workers = max_workers
        self._lock = threading.Lock()
        self._count = 0
        self._pool: ThreadPoolExecutor | None = None
        self._local = threading.local()
        #: Called with the method and path before each send of a write (retries too):
        #: the apply lock stops writes it no longer holds (`qasesync.apply.lock`).
        self.write_guard: Callable[[str, str], None] | None = None

    @property
    def clock(self) -> Clock:
        """The client's monotonic clock (seconds): how long its requests take."""
        return self._clock

    @property
    def bulk_deadline(self) -> float:
        """Seconds a bulk create may take before it is given up (and ambiguous)."""
        return self._deadlines[True]

    @classmethod
    def from_env(
        cls, env: Mapping[str, str], *, transport: httpx.BaseTransport | None = None, **options: Any
    ) -> QaseClient:
        """A client configured by ``QASE_TOKEN`` (required), ``QASE_API_URL``,
        ``QASE_RATE_LIMIT`` and ``QASE_TIMEOUT`` (a request's deadline in seconds; a bulk
        create's is never shorter than 180 s); ``options`` are passed on to the constructor."""
        token = env.get("QASE_TOKEN", "").strip()
        if not token:
            raise ConfigError("QASE_TOKEN is not set: export your Qase API token as QASE_TOKEN")
        base_url = env.get("QASE_API_URL", "").strip() or DEFAULT_BASE_URL
        rate_limit = env_rate_limit(env)
        deadline = env_deadline(env.get("QASE_TIMEOUT", ""))
        timing = {"deadline": deadline, "bulk_deadline": max(deadline, BULK_DEADLINE)}
        return cls(
            token=token,
            base_url=base_url,
            transport=transport,
            rate_limit=rate_limit,
            **{**timing, **options},
        )

    # --- the public verbs ----------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path``; return the envelope's ``result``."""
        return self._request("GET", path, params=params)

    def post(self, path: str, body: Any, *, bulk: bool = False, idempotent: bool = False) -> Any:
        """POST ``body``; ``bulk=True`` waits up to the bulk deadline (180 s). Never resent
        once it may have reached the server (see AmbiguousWriteError), unless the caller
        says that sending it twice does no harm (``idempotent=True``): then it is retried
        as a PATCH is."""
        return self._request("POST", path, body=body, bulk=bulk, idempotent=idempotent)

    def patch(self, path: str, body: Any) -> Any:
        """PATCH ``body`` (retried on transient failures: a PATCH is idempotent)."""
        return self._request("PATCH", path, body=body)

    def delete(self, path: str, json: Any = None) -> Any:
        """DELETE ``path``, with an optional JSON body (``{"destination_id": N}``)."""
        return self._request("DELETE", path, body=json)

    def list_all(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        each: Callable[[Any], Any] | None = None,
    ) -> list[Any]:
        """Every entity of a paged list, each once (see the module docstring); with
        ``each``, what ``each`` makes of every entity, as each page arrives."""
        first = self._page(path, params, 0, each)
        if path in UNPAGED and isinstance(first, list):  # /system_field comes whole
            return [item if each is None else each(item) for item in first]
        read = 1
        while True:
            filtered = count_of(path, first)
            offsets = offsets_after_first(filtered)
            rest = self.map_concurrent(lambda at: self._page(path, params, at, each), offsets)
            pages = [first, *rest]
            merged = merge(pages, filtered)
            if merged is not None:
                return values(merged)
            read += 1
            if read > LIST_READS:
                raise kept_changing(path, len(unique(pages)), filtered)
            pause = settle_pause(read)
            logger.info(
                "%s changed while it was read; reading it again in %g s (read %d of %d)",
                path,
                pause,
                read,
                LIST_READS,
            )
            self._sleep(pause)
            first = self._page(path, params, 0, each)

    def map_concurrent(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``[fn(item) for item in items]`` on the client's bounded thread pool, in order.

        The first exception (in item order) is raised and pending items are cancelled.
        Called from inside the pool, it runs in sequence, so nesting never deadlocks."""
        todo = list(items)
        if len(todo) <= 1 or self._max_workers == 1 or getattr(self._local, "worker", False):
            return [fn(item) for item in todo]
        return list(self._executor().map(fn, todo))

    @property
    def request_count(self) -> int:
        """Requests handed to the transport so far, retries included."""
        with self._lock:
            return self._count

    @property
    def rate_limiter(self) -> RateLimiter:
        return self._limiter

    def close(self) -> None:
        """Close the connections and the thread pool."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        self._http.close()

    def __enter__(self) -> QaseClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"QaseClient(base_url={self._base_url!r}, rate_limit={self._limiter.limit}, "
            f"max_workers={self._max_workers})"
        )

    # --- paging ------------------------------------------------------------------------

    def _page(
        self,
        path: str,
        params: Mapping[str, Any] | None,
        offset: int,
        each: Callable[[Any], Any] | None = None,
    ) -> Any:
        page = self.get(path, {**(params or {}), "limit": PAGE_SIZE, "offset": offset})
        return decoded(page, each)

    # --- one request, with its retries -----------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        bulk: bool = False,
        idempotent: bool = False,
    ) -> Any:
        if "//" in path or not path.startswith("/"):
            # an absolute URL would take the token to another host
            raise ValueError(f"a request path must start with one '/': {path!r}")
        tries = _Tries(resendable=idempotent or method != "POST", deadline=self._deadlines[bulk])
        timeout = httpx.Timeout(tries.deadline, connect=min(CONNECT_TIMEOUT, tries.deadline))
        while True:
            request = self._http.build_request(
                method, path, params=params, json=body, timeout=timeout
            )
            response = self._attempt(request, path, body, tries)
            if response is not None:
                return self._result(request, path, response, tries)

    def _attempt(
        self, request: httpx.Request, path: str, body: Any, tries: _Tries
    ) -> httpx.Response | None:
        """Send once; the final response, or None after preparing a retry."""
        self._limiter.acquire()
        if request.method != "GET" and self.write_guard is not None:
            self.write_guard(request.method, path)  # after any wait, just before the send
        try:
            what = f"{request.method} {path}"
            with waiting(what, tries.deadline, announce_every=self._announce_every):
                response = self._send(request)
        except httpx.TransportError as exc:
            self._after_failure(request, path, body, exc, tries)
            return None
        status = response.status_code
        if status == 429:
            self._after_429(request, path, response, tries)
            return None
        if status >= 500 and not tries.resendable:
            raise ambiguous(
                request, path, body, f"the API answered {status_text(response)}", status
            )
        if status in RETRIED_STATUSES:
            tries.ambiguous = True
            reason = f"the API answered {status_text(response)}"
            wait = retry_after(response.headers.get("Retry-After", ""))
            if self._retry_transient(request, path, reason, tries, wait=wait):
                return None
        return response

    def _send(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self._count += 1
        started = time.perf_counter()
        response = self._http.send(request)
        self._answered = True
        self._limiter.observe(
            _int_header(response, "X-RateLimit-Limit"),
            _int_header(response, "X-RateLimit-Remaining"),
        )
        logger.debug(
            "%s %s → %d in %.3f s",
            request.method,
            _target(request),
            response.status_code,
            time.perf_counter() - started,
        )
        return response

    def _after_failure(
        self, request: httpx.Request, path: str, body: Any, exc: httpx.TransportError, tries: _Tries
    ) -> None:
        """Prepare a retry after a connection failure, or raise the error it amounts to."""
        silent = isinstance(exc, SILENT)
        tries.silent = tries.silent or silent
        reason = f"{tries.deadline:g} s without an answer" if silent else failure_text(exc)
        reason = self._redact(reason)
        not_sent = isinstance(exc, NOT_SENT)
        if not tries.resendable and isinstance(exc, NETWORK) and not not_sent:
            raise ambiguous(request, path, body, f"the connection failed ({reason})", None) from exc
        tries.ambiguous = tries.ambiguous or not not_sent
        # A refused, unresolved or firewalled (timed out) connection before any answer
        # is most likely a wrong URL; once the API has answered, it is a restart to outlast.
        wrong_url = isinstance(exc, _NO_CONNECTION) and not self._answered
        attempts = self._retry.unreachable_attempts if wrong_url else None
        if not (
            isinstance(exc, NETWORK)
            and self._retry_transient(
                request, path, reason, tries, attempts=attempts, silent=silent
            )
        ):
            reached = isinstance(exc, NETWORK) and not not_sent
            raise self._unreachable(request, path, reason, tries, reached=reached) from exc

    def _retry_transient(
        self,
        request: httpx.Request,
        path: str,
        reason: str,
        tries: _Tries,
        *,
        attempts: int | None = None,
        wait: float | None = None,
        silent: bool = False,
    ) -> bool:
        """Back off (or wait the server's ``wait``, capped) before another attempt; False
        when the attempts are spent. A request that got no answer within its deadline
        (``silent``) says so at WARNING: a silent server looks like a hang."""
        attempts = attempts or self._retry.transient_attempts
        tries.transient += 1
        if tries.transient >= attempts:
            return False
        if wait is None:
            delay = self._retry.backoff(tries.transient, self._rng)
        else:
            delay = min(wait, self._retry.backoff_cap)
        _say_retry(request.method, path, reason, delay, tries, attempts, silent=silent)
        self._sleep(delay)
        return True

    def _after_429(
        self, request: httpx.Request, path: str, response: httpx.Response, tries: _Tries
    ) -> None:
        """Pause every sender before another attempt, or raise RateLimitedError."""
        tries.rate_limited += 1
        wait = retry_after(response.headers.get("Retry-After", ""))
        if wait is not None and wait > self._retry.max_retry_after:
            reason = f"the API asks to wait {wait:.0f} s before retrying"
        elif tries.rate_limited >= self._retry.rate_limited_attempts:
            reason = f"still rate-limited after {tries.rate_limited} attempts"
        else:
            if wait is None:
                wait = self._retry.backoff(tries.rate_limited, self._rng)
            logger.info("%s %s: 429; every request waits %.2f s", request.method, path, wait)
            self._limiter.pause(wait)
            return
        raise RateLimitedError(reason, method=request.method, path=path, status=429)

    def _unreachable(
        self, request: httpx.Request, path: str, reason: str, tries: _Tries, *, reached: bool
    ) -> TransportError:
        after = f" after {tries.transient} attempts" if tries.transient > 1 else ""
        if reached and tries.silent and tries.transient > 1:
            text = (
                f"no answer from {self._host} after {tries.transient} attempts of "
                f"{tries.deadline:g} s each"
            )
            return TransportError(text, method=request.method, path=path)
        if reached:
            text = f"no answer from {self._host}{after} ({reason})"
            return TransportError(text, method=request.method, path=path)
        if not self._answered:  # nothing ever came back: the URL is the suspect
            text = f"could not reach {self._netloc} ({reason}): check QASE_API_URL"
        else:
            text = f"could not reach {self._netloc}{after} ({reason})"
        return UnreachableError(text, method=request.method, path=path)

    # --- answers -------------------------------------------------------------------------

    def _result(
        self, request: httpx.Request, path: str, response: httpx.Response, tries: _Tries
    ) -> Any:
        status = response.status_code
        if status == 404 and request.method == "DELETE" and tries.ambiguous:
            logger.info("DELETE %s: 404 after an unanswered attempt; taken as done", path)
            return None
        if not 200 <= status < 300:
            raise self._error(request, path, response)
        body = _json(response)
        if isinstance(body, dict):
            return body.get("result")
        raise ApiError(
            "the API answered with something that is not a JSON envelope",
            method=request.method,
            path=path,
            status=status,
        )

    def _error(self, request: httpx.Request, path: str, response: httpx.Response) -> ApiError:
        """The ApiError an answer amounts to. Every text in it came from the server, which
        may echo the token (a proxy, a misconfigured API): each is redacted of it."""
        logger.debug("%s %s answered: %s", request.method, path, self._redact(response.text[:2000]))
        body = _json(response)
        message, fields = error_body(body)
        message = self._redact(message or response.reason_phrase or "refused")
        fields = [
            {self._redact(str(k)): self._redact(str(v)) for k, v in f.items()} for f in fields
        ]
        where: dict[str, Any] = {
            "method": request.method,
            "path": path,
            "status": response.status_code,
        }
        if response.status_code == 401:
            text = f"the API rejected the token (QASE_TOKEN): {message}"
            return AuthenticationError(text, **where)
        if response.status_code == 403:
            text = (
                f"the token was accepted, but the token's role may lack the permission to "
                f"{permission(request.method, path)} (ask a workspace admin to grant it, or "
                f"use the token of a user who has it): {message}"
            )
            return AuthenticationError(text, **where)
        if response.status_code == 404:
            return NotFoundError(message, **where)
        return ApiError(message, error_fields=fields, **where)

    def redact(self, text: str) -> str:
        """``text`` without the token: for messages made of what the server sent."""
        return self._redact(text)

    def _redact(self, text: str) -> str:
        return redact(text, self._http.headers.get("Token", ""))

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self._max_workers,
                    thread_name_prefix="qase",
                    initializer=self._mark_worker,
                )
            return self._pool

    def _mark_worker(self) -> None:
        self._local.worker = True


def _http_client(
    token: str, base_url: str, transport: httpx.BaseTransport | None, workers: int
) -> httpx.Client:
    connections = workers + 2
    client = httpx.Client(
        base_url=base_url,
        headers={"Token": token, "Accept": "application/json", "User-Agent": "qasesync"},
        timeout=httpx.Timeout(DEADLINE, connect=CONNECT_TIMEOUT),
        transport=transport,
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        follow_redirects=False,
    )
    if transport is None:
        install_deadlines(client)
    return client


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, RecursionError):  # not JSON, or nested past the recursion limit
        return None


def _int_header(response: httpx.Response, name: str) -> int | None:
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return None


def _target(request: httpx.Request) -> str:
    """Path and query of a request, never its host or headers."""
    return request.url.raw_path.decode("ascii", "replace")


def _say_retry(
    method: str, path: str, reason: str, delay: float, tries: _Tries, attempts: int, *, silent: bool
) -> None:
    """The line before another attempt: at WARNING for a silent server or a long pause
    (silence looks like a hang), else at INFO."""
    if silent:
        logger.warning(
            "no answer from %s %s for %g s, retrying (%d of %d)",
            method,
            path,
            tries.deadline,
            tries.transient + 1,
            attempts,
        )
        return
    logger.log(
        logging.WARNING if delay >= LONG_WAIT else logging.INFO,
        "%s %s: %s; retrying in %.2f s (attempt %d of %d)",
        method,
        path,
        reason,
        delay,
        tries.transient + 1,
        attempts,
    )
