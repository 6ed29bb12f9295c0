"""Fault injection: latency, random 429s and 503s, dropped writes, an enforced rate limit.

All random draws come from one seeded generator, three draws per request whatever the
rates, so a given sequence of requests meets the same faults on every run.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_SECONDS = 60.0
#: What the live service announces in ``X-RateLimit-Limit`` (2024-2025 observations).
ADVERTISED_LIMIT = 1500


@dataclass(frozen=True)
class Faults:
    """Which faults to inject; replace ``Emulator.faults`` at any time to change them.

    ``latency``: seconds added to every request. ``rate_429``: share answered 429 with
    ``Retry-After: retry_after``. ``rate_5xx``: share answered 503 without processing.
    ``rate_drop``: share of writes (POST/PATCH/DELETE) processed, then answered by
    dropping the connection. ``rate_limit``: at most N requests in any rolling 60 s,
    then 429 with ``Retry-After`` = seconds until a slot frees.
    """

    latency: float = 0.0
    rate_429: float = 0.0
    retry_after: float = 1.0
    rate_5xx: float = 0.0
    rate_drop: float = 0.0
    rate_limit: int | None = None


@dataclass(frozen=True)
class Verdict:
    """What happens to one request before it is processed."""

    fault: str | None  # "429", "5xx", "rate_limit" (refused), "drop" (processed, dropped)
    retry_after: float | None
    limit: int
    remaining: int

    @property
    def refused(self) -> bool:
        """The request is answered at once, not processed."""
        return self.fault in ("429", "5xx", "rate_limit")


class Injector:
    """Decides each request's fate; thread-safe."""

    def __init__(self, seed: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._clock = clock
        self._window: deque[float] = deque()

    def judge(self, faults: Faults, *, write: bool) -> Verdict:
        """The verdict for one request (``write``: POST, PATCH or DELETE)."""
        with self._lock:
            draws = (self._random.random(), self._random.random(), self._random.random())
            now = self._clock()
            while self._window and now - self._window[0] >= WINDOW_SECONDS:
                self._window.popleft()
            limit = faults.rate_limit if faults.rate_limit is not None else ADVERTISED_LIMIT
            if faults.rate_limit is not None and len(self._window) >= faults.rate_limit:
                wait = WINDOW_SECONDS - (now - self._window[0])
                return Verdict("rate_limit", wait, limit, 0)
            self._window.append(now)
            remaining = max(0, limit - len(self._window))
        return Verdict(_random_fault(faults, draws, write), faults.retry_after, limit, remaining)


def _random_fault(faults: Faults, draws: tuple[float, float, float], write: bool) -> str | None:
    if draws[0] < faults.rate_429:
        return "429"
    if draws[1] < faults.rate_5xx:
        return "5xx"
    if write and draws[2] < faults.rate_drop:
        return "drop"
    return None


def retry_after_header(seconds: float) -> str:
    """Whole seconds rounded up, as the live service sends; below 1 s the decimal
    (``"0.2"``), so that tests can use short waits."""
    if seconds >= 1:
        return str(math.ceil(seconds))
    return f"{max(seconds, 0.001):.3f}".rstrip("0").rstrip(".")
