"""How fast and how often the client sends: the rate limiter and the retry policy.

Rate-limit policy
-----------------
1. **Own budget.** At most ``limit`` requests are sent in any rolling 60 s window (a
   sliding log of send times; ``QASE_RATE_LIMIT``, default 600). A job of fewer than
   ``limit`` requests never waits: short jobs run at full speed.
2. **The server's hint.** Qase answers with ``X-RateLimit-Limit`` (L) and
   ``X-RateLimit-Remaining`` (R) on ordinary responses. While R is at or below a
   low-water mark of ``max(10, L // 10)``, sends are spaced ``60 / L`` seconds apart, the
   pace at which a per-minute budget refills, so that a long job glides instead of
   running into 429s. Once R is back above the mark the spacing stops.
3. **A 429 pauses everyone.** A 429 (with or without ``Retry-After``) means the
   server's budget is spent for every thread, so :meth:`RateLimiter.pause` holds every
   sender, not only the one that was refused, until the wait is over.

Each wait is computed as a reservation under a lock and slept outside it: the limiter is
fair (first come, first served), never busy-waits, and works with an injected clock and
sleep, so tests never really wait. A wait of ``LONG_WAIT`` seconds or more is announced
once at WARNING (``rate limited by Qase; waiting 60 s``): a silent minute looks like a
hang.

Retry policy
------------
See :class:`RetryPolicy`: a 429 waits ``Retry-After`` (seconds, fractions allowed, or an
HTTP date) or else an exponential backoff with jitter, capped at 30 s, for at most
`RATE_LIMITED_ATTEMPTS`; 502/503/504 and connection failures back off the same way (or
wait their ``Retry-After``, capped at 30 s) within `SEND_ATTEMPTS`, except that a refused
connection or an unknown host, before the API ever answered, is tried only twice: that
is a wrong ``QASE_API_URL``, not a passing blip.
Which requests may be retried at all is the client's business.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

logger = logging.getLogger(__name__)

WINDOW = 60.0
"""Seconds of the rolling window."""

MIN_LOW_WATER = 10
"""The low-water mark of ``X-RateLimit-Remaining`` is never below this."""

LONG_WAIT = 5.0
"""Waits at least this long are announced, one line per waiting period."""

SEND_ATTEMPTS = 5
"""One request is sent at most 5 times, across every retry layer.

Each time counts that the request was handed over with a chance of being processed: the
first send and every resend after a 502/503/504, a dropped connection or a timeout. The
client's retries are the only ones of an idempotent request (GET, PATCH, DELETE, the
attach and detach of issue keys); apply adds none. A POST that creates is never resent by
the client; apply reads back after an unknown outcome and sends again only what it did not
find, the create counting its sends against this same budget (`qasesync.apply.reconcile`).

Answers 429 do not count: a request answered 429 was not processed. They are bounded on
their own, `RATE_LIMITED_ATTEMPTS` per request with each wait at most
`RetryPolicy.max_retry_after`, and nothing retries a request that ran out of them, so a
request reaches the transport at most ``SEND_ATTEMPTS + RATE_LIMITED_ATTEMPTS - 1`` times.
"""

RATE_LIMITED_ATTEMPTS = 10
"""Sends of one request answered 429 (not processed) before it fails with RateLimitedError."""

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long the client retries."""

    rate_limited_attempts: int = RATE_LIMITED_ATTEMPTS
    """Attempts of one request while the API answers 429."""
    transient_attempts: int = SEND_ATTEMPTS
    """Attempts of one request while it meets 502/503/504 or connection failures."""
    unreachable_attempts: int = 2
    """Attempts of a request whose connection is refused or times out or whose host has no
    address, while the API has not answered yet (a wrong URL: waiting will not mend it)."""
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_retry_after: float = 300.0
    """A ``Retry-After`` longer than this is not waited for: RateLimitedError at once."""

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with "equal jitter": between half and all of the step."""
        step = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return rng.uniform(step / 2, step)


def retry_after(value: str) -> float | None:
    """A ``Retry-After`` header in seconds (fractions allowed, or an HTTP date), else None."""
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return _seconds_until(value)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _seconds_until(http_date: str) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class RateLimiter:
    """At most ``limit`` sends in any rolling 60 s, slowed by the server's hints."""

    def __init__(
        self, limit: int, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
    ) -> None:
        if limit < 1:
            raise ValueError(f"a rate limit must be at least 1 request per minute, not {limit}")
        self._limit = limit
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()
        self._pause_until = float("-inf")
        self._spacing = 0.0
        self._announced_until = float("-inf")

    @property
    def limit(self) -> int:
        """Requests allowed in any rolling 60 s."""
        return self._limit

    @property
    def spacing(self) -> float:
        """Seconds kept between sends because the server's budget runs low (0: none)."""
        return self._spacing

    def acquire(self) -> float:
        """Wait until a request may be sent; return the seconds waited."""
        with self._lock:
            now = self._clock()
            wait = self._reserve(now)
            announce = wait >= LONG_WAIT and now >= self._announced_until
            if announce:
                self._announced_until = now + wait
            paused = self._pause_until > now
        if announce:
            self._announce(wait, paused=paused)
        if wait > 0:
            self._sleep(wait)
        return wait

    def _announce(self, wait: float, *, paused: bool) -> None:
        if paused:
            logger.warning("rate limited by Qase; waiting %.0f s", wait)
        else:
            logger.warning(
                "%d requests a minute reached (QASE_RATE_LIMIT); waiting %.0f s",
                self._limit,
                wait,
            )

    def pause(self, seconds: float) -> None:
        """Hold every sender for ``seconds`` from now (a 429's ``Retry-After``)."""
        with self._lock:
            self._pause_until = max(self._pause_until, self._clock() + seconds)

    def observe(self, server_limit: int | None, remaining: int | None) -> None:
        """Take the server's ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining`` into account."""
        if remaining is None:
            return
        limit = server_limit if server_limit and server_limit > 0 else self._limit
        spacing = WINDOW / limit if remaining <= max(MIN_LOW_WATER, limit // 10) else 0.0
        with self._lock:
            if spacing and not self._spacing:
                logger.info("the API budget runs low (%d left); spacing requests", remaining)
            self._spacing = spacing

    def _reserve(self, now: float) -> float:
        """Book the earliest send time allowed; return how long until then."""
        at = max(now, self._pause_until)
        if self._sent:
            at = max(at, self._sent[-1] + self._spacing)
        self._forget_before(at - WINDOW)
        if len(self._sent) >= self._limit:
            at = self._sent[-self._limit] + WINDOW
            self._forget_before(at - WINDOW)
        self._sent.append(at)
        return at - now

    def _forget_before(self, cutoff: float) -> None:
        while self._sent and self._sent[0] <= cutoff:
            self._sent.popleft()
