"""A total deadline for each request, and a line while a request waits long.

httpx's timeouts bound each socket operation: a read times out only when *no* byte comes
for the read timeout, so a server that accepts a connection and then trickles a byte now
and then (or a proxy that keeps the connection alive) holds a request for ever, and a
silent one for the whole read timeout of every attempt, without a word. Here each request
gets one deadline for everything it does on the network (connect, TLS, sending, and the
whole answer): every socket operation waits at most until the deadline, and a request
still waiting after ``announce_every`` seconds says so at WARNING (shown without
``--debug``), once per period.

How: httpcore opens its connections through a network backend; `install` wraps the
backend of an httpx client's connection pools with `DeadlineBackend`, whose streams clamp
each operation's timeout to what is left of the deadline of the request the current thread
is sending (`waiting`, a context manager around ``client.send``). The client is synchronous,
so a request is sent and read in its caller's thread from start to end. A request sent
outside `waiting` (none in qasesync) keeps httpx's own timeouts.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

logger = logging.getLogger(__name__)

_local = threading.local()


@dataclass
class _Wait:
    """The request the current thread is sending."""

    what: str  # "GET /case/DEMO"
    seconds: float
    announce_every: float
    started: float
    next_announce: float

    @property
    def deadline(self) -> float:
        return self.started + self.seconds


@contextmanager
def waiting(what: str, seconds: float, *, announce_every: float) -> Iterator[None]:
    """Within the block, this thread's network operations end by ``seconds`` from now."""
    now = time.monotonic()
    _local.wait = _Wait(what, seconds, announce_every, now, now + announce_every)
    try:
        yield
    finally:
        _local.wait = None


def _current() -> _Wait | None:
    wait: _Wait | None = getattr(_local, "wait", None)
    return wait


def _clamp(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` cut to what is left of the deadline; ``error`` once nothing is left."""
    wait = _current()
    if wait is None:
        return timeout
    left = wait.deadline - time.monotonic()
    if left <= 0:
        raise error(f"no answer within {wait.seconds:g} s")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation ends by the current request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        while True:
            wait = _current()
            limit = _clamp(timeout, httpcore.ReadTimeout)
            if wait is None or limit is None:
                return self._inner.read(max_bytes, limit)
            announce_in = max(wait.next_announce - time.monotonic(), 0.001)
            try:
                return self._inner.read(max_bytes, min(limit, announce_in))
            except httpcore.ReadTimeout:
                if announce_in >= limit:  # the deadline (or httpx's own timeout) passed
                    raise httpcore.ReadTimeout(f"no answer within {wait.seconds:g} s") from None
                self._announce(wait)

    @staticmethod
    def _announce(wait: _Wait) -> None:
        waited = round(wait.next_announce - wait.started, 3)  # the period, not the jitter
        logger.warning(
            "still no answer to %s after %g s; waiting up to %g s",
            wait.what,
            waited,
            wait.seconds,
        )
        wait.next_announce += wait.announce_every

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        limit = _clamp(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, limit))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """Opens connections whose operations end by the current request's deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        limit = _clamp(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, limit, local_address, socket_options)
        return DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        limit = _clamp(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._inner.connect_unix_socket(path, limit, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install(client: httpx.Client) -> bool:
    """Wrap the network backend of every connection pool of ``client`` (its transport and
    any proxy mounts from the environment); False when a pool is not httpx's own (an
    injected transport: tests, which need no deadline) or httpx changed its inside."""
    transports = [client._transport, *client._mounts.values()]
    pools: list[Any] = [getattr(t, "_pool", None) for t in transports if t is not None]
    if not pools or not all(_backend(p) is not None for p in pools):
        logger.debug("no total deadline per request: the transport is not httpx's own")
        return False
    for pool in pools:
        backend = _backend(pool)
        if backend is not None and not isinstance(backend, DeadlineBackend):
            pool._network_backend = DeadlineBackend(backend)
    return True


def _backend(pool: Any) -> httpcore.NetworkBackend | None:
    backend = getattr(pool, "_network_backend", None)
    return backend if isinstance(backend, httpcore.NetworkBackend) else None
