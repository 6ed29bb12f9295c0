"""Where qasesync talks to and as whom, from the environment: the API's base URL
(``QASE_API_URL``; https, or http to a loopback address), the token (``QASE_TOKEN``),
a request's deadline (``QASE_TIMEOUT``), the rate limit (``QASE_RATE_LIMIT``) and the
web app's base URL for links (``QASE_WEB_URL``). Each bad value is a `ConfigError`
naming the variable; the token is never part of a message.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from qasesync.errors import ConfigError

DEFAULT_BASE_URL = "https://api.qase.io/v1"
DEFAULT_RATE_LIMIT = 600
DEADLINE = 30.0
"""Seconds one request may take in all: connect, send and the whole answer (`deadline`)."""
BULK_DEADLINE = 180.0
"""The same for a bulk create, which can run past 60 s on the live service."""
CONNECT_TIMEOUT = 10.0


def web_base(env: Mapping[str, str]) -> str:
    """The Qase web app base URL: ``QASE_WEB_URL``, else derived from ``QASE_API_URL``
    (``api.qase.io`` → ``app.qase.io``; ``api-company.qase.io`` → ``company.qase.io``;
    any other host, such as the emulator's, is kept)."""
    if env.get("QASE_WEB_URL"):
        return env["QASE_WEB_URL"].rstrip("/")
    parts = urlsplit(env.get("QASE_API_URL") or DEFAULT_BASE_URL)
    host = parts.hostname or ""
    if host == "api.qase.io":
        return "https://app.qase.io"
    if host.startswith("api-") and host.endswith(".qase.io"):
        return f"https://{host[len('api-') :]}"
    return f"{parts.scheme}://{parts.netloc}"


def check_base_url(url: str, *, any_scheme: bool = False) -> str:
    """``url`` without a trailing slash, or ConfigError: https, or http to a loopback
    address (``any_scheme`` lifts that rule, for an injected transport), ending in ``/v1``."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise ConfigError(f"QASE_API_URL is not a URL: {url!r}") from None
    if parsed.userinfo:
        raise ConfigError("QASE_API_URL must not hold a user or password (use QASE_TOKEN)")
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(f"QASE_API_URL must be an https:// URL, not {url!r}")
    if parsed.scheme == "http" and not (any_scheme or _is_loopback(parsed.host)):
        raise ConfigError(
            f"QASE_API_URL must use https:// (plain http:// is allowed only for loopback "
            f"addresses such as 127.0.0.1): {url!r}"
        )
    base = str(parsed).rstrip("/")
    if not parsed.path.rstrip("/").endswith("/v1"):
        # Every v1 base ends so (api.qase.io, a dedicated api-<host>, the emulator);
        # without it each request would meet a bare 404, read as "project not found".
        fixed = re.sub(r"/v\d+$", "", base) + "/v1"
        raise ConfigError(f"QASE_API_URL must end with the API version /v1: did you mean {fixed}?")
    return base


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_token(token: str) -> str:
    token = token.strip()
    if not token:
        raise ConfigError("QASE_TOKEN is empty: export your Qase API token as QASE_TOKEN")
    if not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
        raise ConfigError("QASE_TOKEN is not a valid token: printable ASCII without spaces")
    return token


def env_deadline(text: str) -> float:
    """``QASE_TIMEOUT``: a request's deadline in seconds (default 30)."""
    if not text.strip():
        return DEADLINE
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not (0 < value < float("inf")):
        raise ConfigError(f"QASE_TIMEOUT must be a number of seconds > 0: {text!r}")
    return value


def env_rate_limit(env: Mapping[str, str]) -> int:
    """``QASE_RATE_LIMIT`` (default 600): the client's limit and the plan's time estimate."""
    text = env.get("QASE_RATE_LIMIT", "")
    if not text.strip():
        return DEFAULT_RATE_LIMIT
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(
            f"QASE_RATE_LIMIT must be a whole number of requests per minute ≥ 1: {text!r}"
        )
    return value
