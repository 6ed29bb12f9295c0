"""QaseClient against scripted answers (httpx.MockTransport): configuration, paging,
retries, rate limiting, error mapping and the token's secrecy."""

from __future__ import annotations

import logging
import random
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from kit.client import (
    TOKEN,
    CheckingTransport,
    FakeTime,
    assert_no_token,
    spec_of,
)

from qasesync.errors import (
    AmbiguousWriteError,
    ApiError,
    AuthenticationError,
    ConfigError,
    NotFoundError,
    RateLimitedError,
    UnreachableError,
)
from qasesync.qase.client import QaseClient
from qasesync.qase.connection import check_base_url
from qasesync.qase.ratelimit import RateLimiter, RetryPolicy

BASE = "https://qase.test/v1"
Handler = Callable[[httpx.Request], httpx.Response]
Make = Callable[..., tuple[QaseClient, CheckingTransport]]


# After every test: the token is in no log record and no error (see conftest.py).
pytestmark = pytest.mark.usefixtures("no_token_leaks")


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make(request: pytest.FixtureRequest, fake_time: FakeTime) -> Iterator[Make]:
    """``make(handler, **options)``: a client whose requests are spec-checked and recorded."""
    clients: list[QaseClient] = []
    spec = spec_of(request)

    def build(handler: Handler, **options: Any) -> tuple[QaseClient, CheckingTransport]:
        transport = CheckingTransport(httpx.MockTransport(handler), spec)
        defaults = {"sleep": fake_time.sleep, "clock": fake_time.clock, "rng": random.Random(0)}
        client = QaseClient(
            token=TOKEN, base_url=BASE, transport=transport, **{**defaults, **options}
        )
        clients.append(client)
        return client, transport

    yield build
    for client in clients:
        client.close()


def ok(result: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"status": True, "result": result}, headers=headers)


def refused(status: int, body: Any = None, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


class Script:
    """Answers in turn: a Response, or an exception class raised with the request."""

    def __init__(self, *answers: httpx.Response | type[httpx.TransportError]) -> None:
        self.answers = list(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, type):
            raise answer("boom", request=request)
        return answer


class Listing:
    """A paged list endpoint over ``entities``, optionally changing between reads."""

    def __init__(self, entities: Sequence[dict[str, Any]], filtered: int | None = None) -> None:
        self.entities = list(entities)
        self.filtered = filtered
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        limit = int(request.url.params["limit"])
        with self.lock:
            page = self.entities[offset : offset + limit]
            filtered = len(self.entities) if self.filtered is None else self.filtered
        return ok({"total": filtered, "filtered": filtered, "count": len(page), "entities": page})


def cases(first: int, last: int) -> list[dict[str, Any]]:
    return [{"id": n, "title": f"case {n}"} for n in range(first, last + 1)]


# --- configuration -------------------------------------------------------------------


def test_get_sends_the_token_header_and_returns_the_result(make: Make) -> None:
    client, transport = make(lambda request: ok({"code": "DEMO"}))
    assert client.get("/project/DEMO") == {"code": "DEMO"}
    assert transport.sent[0].headers["Token"] == TOKEN
    assert transport.sent[0].path == "/v1/project/DEMO"
    assert client.request_count == 1


def test_default_base_url_is_the_qase_service() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return ok({"code": "DEMO"})

    with QaseClient(token=TOKEN, transport=httpx.MockTransport(handler)) as client:
        client.get("/project/DEMO")
    assert seen == ["https://api.qase.io/v1/project/DEMO"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/v1",
        "http://127.9.9.9/v1",
        "http://[::1]:5000/v1",
        "http://localhost/v1",
    ],
)
def test_plain_http_is_allowed_for_loopback_addresses(url: str) -> None:
    assert check_base_url(url) == url


@pytest.mark.parametrize(
    "url", ["http://api.qase.io/v1", "http://10.0.0.1/v1", "http://localhost.evil.com/"]
)
def test_plain_http_is_refused_elsewhere(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        QaseClient(token=TOKEN, base_url=url)
    assert str(caught.value) == (
        "QASE_API_URL must use https:// (plain http:// is allowed only for loopback addresses "
        f"such as 127.0.0.1): {url!r}"
    )


@pytest.mark.parametrize(
    ("url", "meant"),
    [
        ("https://api.qase.io", "https://api.qase.io/v1"),
        ("https://api-acme.qase.io/", "https://api-acme.qase.io/v1"),
        ("http://127.0.0.1:8787", "http://127.0.0.1:8787/v1"),
        ("https://api.qase.io/v2", "https://api.qase.io/v1"),
    ],
)
def test_a_url_without_the_api_version_is_refused_with_the_fix(url: str, meant: str) -> None:
    with pytest.raises(ConfigError) as caught:
        QaseClient(token=TOKEN, base_url=url)
    assert str(caught.value) == (
        f"QASE_API_URL must end with the API version /v1: did you mean {meant}?"
    )


def test_a_url_with_a_password_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        check_base_url("https://me:hunter2@api.qase.io/v1")
    assert "hunter2" not in str(caught.value)


def test_an_injected_transport_may_use_any_http_host(make: Make) -> None:
    handler = httpx.MockTransport(lambda request: ok({"code": "DEMO"}))
    with QaseClient(token=TOKEN, base_url="http://emulator/v1", transport=handler) as client:
        assert client.get("/project/DEMO") == {"code": "DEMO"}


def test_from_env_requires_a_token() -> None:
    with pytest.raises(ConfigError, match=r"^QASE_TOKEN is not set"):
        QaseClient.from_env({})


def test_from_env_reads_url_and_rate_limit() -> None:
    env = {
        "QASE_TOKEN": TOKEN,
        "QASE_API_URL": "https://api-acme.qase.io/v1/",
        "QASE_RATE_LIMIT": "120",
    }
    with QaseClient.from_env(env) as client:
        assert repr(client) == (
            "QaseClient(base_url='https://api-acme.qase.io/v1', rate_limit=120, max_workers=8)"
        )


@pytest.mark.parametrize("value", ["0", "-5", "fast"])
def test_from_env_refuses_a_bad_rate_limit(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^QASE_RATE_LIMIT must be a whole number"):
        QaseClient.from_env({"QASE_TOKEN": TOKEN, "QASE_RATE_LIMIT": value})


def test_a_token_that_cannot_be_a_header_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        QaseClient(token="sécret token")
    assert "sécret" not in str(caught.value)


@pytest.mark.parametrize("path", ["https://evil.test/steal", "//evil.test/steal", "case/DEMO"])
def test_a_path_cannot_send_the_token_elsewhere(make: Make, path: str) -> None:
    client, transport = make(lambda request: ok(None))
    with pytest.raises(ValueError, match="a request path must start with one '/'"):
        client.get(path)
    assert transport.sent == []


def test_timeouts_are_long_for_bulk_only(make: Make) -> None:
    timeouts: list[dict[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"])
        return ok({"ids": [1]})

    client, _ = make(handler)
    client.post("/case/DEMO", {"title": "one"})
    client.post("/case/DEMO/bulk", {"cases": [{"title": "one"}]}, bulk=True)
    assert [(t["connect"], t["read"]) for t in timeouts] == [(10.0, 30.0), (10.0, 180.0)]


def test_repr_and_state_never_show_the_token(make: Make) -> None:
    client, _ = make(lambda request: ok(None))
    assert TOKEN not in repr(client)
    assert TOKEN not in repr(vars(client))


# --- paging --------------------------------------------------------------------------


def test_list_all_reads_every_page_once_with_limit_100(make: Make) -> None:
    client, transport = make(Listing(cases(1, 250)))
    got = client.list_all("/case/DEMO", params={"include": "external_issues"})
    assert [c["id"] for c in got] == list(range(1, 251))
    sent = sorted(
        (int(s.params["offset"]), s.params["limit"], s.params["include"]) for s in transport.sent
    )
    assert sent == [
        (0, "100", "external_issues"),
        (100, "100", "external_issues"),
        (200, "100", "external_issues"),
    ]


def test_list_all_fetches_nothing_beyond_the_pages_filtered_announces(make: Make) -> None:
    client, _ = make(Listing(cases(1, 200)))
    assert len(client.list_all("/case/DEMO")) == 200
    assert client.request_count == 2


def test_list_all_of_an_empty_list_makes_one_request(make: Make) -> None:
    client, _ = make(Listing([]))
    assert client.list_all("/suite/DEMO") == []
    assert client.request_count == 1


def test_list_all_de_duplicates_by_id(make: Make) -> None:
    # the second page overlaps the first by one case: 150 distinct cases in 151 entries
    listing = Listing(cases(1, 100) + cases(100, 150), filtered=150)
    client, _ = make(listing)
    assert [c["id"] for c in client.list_all("/case/DEMO")] == list(range(1, 151))


def test_list_all_de_duplicates_shared_steps_by_hash(make: Make) -> None:
    steps = [{"hash": f"h{n}", "title": "t"} for n in range(120)]
    client, _ = make(Listing(steps[:100] + steps[99:], filtered=120))
    assert [s["hash"] for s in client.list_all("/shared_step/DEMO")] == [s["hash"] for s in steps]


def test_list_all_reads_again_in_sequence_when_the_list_changed(make: Make) -> None:
    listing = Listing(cases(1, 150))
    reads = 0

    def changing(request: httpx.Request) -> httpx.Response:
        nonlocal reads
        reads += 1
        response = listing(request)
        if reads == 1:  # a case is deleted just after the first page was read
            with listing.lock:
                listing.entities.pop(0)
        return response

    client, _ = make(changing)
    assert [c["id"] for c in client.list_all("/case/DEMO")] == list(range(2, 151))
    assert client.request_count == 4


def test_list_all_gives_up_when_the_list_never_settles(make: Make, fake_time: FakeTime) -> None:
    client, _ = make(Listing(cases(1, 120), filtered=130))
    with pytest.raises(ApiError) as caught:
        client.list_all("/case/DEMO")
    assert str(caught.value) == (
        "GET /case/DEMO: the list kept changing while it was read: 5 reads never added up "
        "(the last: 120 entities arrived, 130 expected); try again"
    )
    assert client.request_count == 10  # 5 reads of 2 pages
    assert fake_time.sleeps == [1.0, 2.0, 3.0, 4.0]


def test_list_all_waits_for_a_burst_of_edits_to_settle(make: Make, fake_time: FakeTime) -> None:
    listing = Listing(cases(1, 150))
    reads = 0

    def edited(request: httpx.Request) -> httpx.Response:
        nonlocal reads
        response = listing(request)
        if request.url.params["offset"] == "0":
            reads += 1
            if reads <= 3:  # a tester creates a case after each of the first three first pages
                with listing.lock:
                    listing.entities.append({"id": 150 + reads, "title": "new"})
        return response

    client, _ = make(edited)
    assert [c["id"] for c in client.list_all("/case/DEMO")] == list(range(1, 154))
    assert reads == 4
    assert fake_time.sleeps == [1.0, 2.0, 3.0]


def test_list_all_refuses_more_than_the_offset_limit_allows(make: Make) -> None:
    client, _ = make(Listing(cases(1, 10), filtered=100_101))
    with pytest.raises(ApiError) as caught:
        client.list_all("/case/DEMO")
    assert str(caught.value) == (
        "GET /case/DEMO: 100,101 entities: the Qase API cannot page beyond offset 100,000, "
        "so no list longer than 100,100 can be read; narrow it with a filter"
    )
    assert client.request_count == 1


def test_list_all_passes_an_unpaged_list_through(make: Make) -> None:
    fields = [{"slug": "priority", "options": []}]
    client, _ = make(lambda request: ok(fields))
    assert client.list_all("/system_field") == fields


# --- retries -------------------------------------------------------------------------


def test_a_429_is_retried_after_retry_after(make: Make, fake_time: FakeTime) -> None:
    client, _ = make(Script(refused(429, **{"Retry-After": "1.5"}), ok({"code": "DEMO"})))
    assert client.get("/project/DEMO") == {"code": "DEMO"}
    assert fake_time.sleeps == [1.5]
    assert client.request_count == 2


def test_a_429_retry_after_may_be_an_http_date(make: Make, fake_time: FakeTime) -> None:
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    client, _ = make(Script(refused(429, **{"Retry-After": when}), ok(None)))
    client.get("/project/DEMO")
    assert 25 <= sum(fake_time.sleeps) <= 31


def test_a_post_is_retried_after_a_429(make: Make) -> None:
    client, transport = make(Script(refused(429, **{"Retry-After": "0.1"}), ok({"id": 7})))
    assert client.post("/case/DEMO", {"title": "t"}) == {"id": 7}
    assert [s.body for s in transport.sent] == [{"title": "t"}, {"title": "t"}]


def test_a_429_without_retry_after_backs_off_exponentially(make: Make, fake_time: FakeTime) -> None:
    client, _ = make(Script(*[refused(429)] * 4, ok(None)))
    client.get("/project/DEMO")
    steps = [0.5, 1.0, 2.0, 4.0]
    assert len(fake_time.sleeps) == 4
    assert all(s / 2 <= slept <= s for s, slept in zip(steps, fake_time.sleeps, strict=True))


def test_backoff_is_capped() -> None:
    policy = RetryPolicy()
    assert max(policy.backoff(n, random.Random(n)) for n in range(1, 40)) <= 30.0


def test_429s_past_the_attempt_budget_raise_rate_limited(make: Make) -> None:
    client, _ = make(Script(refused(429, **{"Retry-After": "1"})))
    with pytest.raises(RateLimitedError) as caught:
        client.get("/project/DEMO")
    assert str(caught.value) == "GET /project/DEMO → 429: still rate-limited after 10 attempts"
    assert client.request_count == 10


def test_a_retry_after_too_long_to_wait_for_is_not_waited_for(
    make: Make, fake_time: FakeTime
) -> None:
    client, _ = make(Script(refused(429, **{"Retry-After": "3600"})))
    with pytest.raises(RateLimitedError, match="asks to wait 3600 s"):
        client.get("/project/DEMO")
    assert fake_time.sleeps == []


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("status", [502, 503, 504])
def test_idempotent_requests_are_retried_after_502_503_504(
    make: Make, method: str, status: int
) -> None:
    client, _ = make(Script(refused(status), ok({"id": 5})))
    calls: dict[str, Callable[[], Any]] = {
        "GET": lambda: client.get("/case/DEMO/5"),
        "PATCH": lambda: client.patch("/case/DEMO/5", {"title": "new"}),
        "DELETE": lambda: client.delete("/case/DEMO/5"),
    }
    assert calls[method]() == {"id": 5}
    assert client.request_count == 2


def test_5xx_past_the_attempt_budget_is_an_api_error(make: Make) -> None:
    client, _ = make(Script(refused(503, {"status": False, "errorMessage": "Maintenance"})))
    with pytest.raises(ApiError) as caught:
        client.get("/project/DEMO")
    assert str(caught.value) == "GET /project/DEMO → 503: Maintenance"
    assert client.request_count == 5


@pytest.mark.parametrize(("header", "waited"), [("2", 2.0), ("3600", 30.0)])
def test_a_503_retry_after_is_honoured_up_to_the_backoff_cap(
    make: Make, fake_time: FakeTime, caplog: pytest.LogCaptureFixture, header: str, waited: float
) -> None:
    client, _ = make(Script(refused(503, **{"Retry-After": header}), ok({"code": "DEMO"})))
    assert client.get("/project/DEMO") == {"code": "DEMO"}
    assert fake_time.sleeps == [waited]
    assert len(warnings_of(caplog)) == (waited >= 5)  # a long silence is announced


def test_a_500_is_not_retried(make: Make) -> None:
    client, _ = make(Script(refused(500)))
    with pytest.raises(ApiError, match="→ 500: Internal Server Error"):
        client.get("/project/DEMO")
    assert client.request_count == 1


@pytest.mark.parametrize("error", [httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout])
def test_idempotent_requests_are_retried_after_connection_failures(
    make: Make, error: type[httpx.TransportError]
) -> None:
    client, _ = make(Script(error, ok({"id": 5})))
    assert client.patch("/case/DEMO/5", {"title": "new"}) == {"id": 5}
    assert client.request_count == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_post_answered_5xx_is_ambiguous_and_not_resent(make: Make, status: int) -> None:
    client, _ = make(Script(refused(status), ok({"id": 9})))
    body = {"cases": [{"title": "one"}, {"title": "two"}]}
    with pytest.raises(AmbiguousWriteError) as caught:
        client.post("/case/DEMO/bulk", body, bulk=True)
    assert caught.value.sent == body
    assert caught.value.status == status
    assert client.request_count == 1


@pytest.mark.parametrize(
    "error", [httpx.RemoteProtocolError, httpx.ReadTimeout, httpx.ReadError, httpx.WriteError]
)
def test_a_post_dropped_after_sending_is_ambiguous_and_not_resent(
    make: Make, error: type[httpx.TransportError]
) -> None:
    client, _ = make(Script(error, ok({"id": 9})))
    with pytest.raises(AmbiguousWriteError) as caught:
        client.post("/case/DEMO", {"title": "one"})
    reason = "30 s without an answer" if error is httpx.ReadTimeout else f"{error.__name__}: boom"
    assert str(caught.value) == (
        f"POST /case/DEMO: the connection failed ({reason}); the request may or "
        "may not have taken effect, and it was not resent: read the project again before retrying"
    )
    assert caught.value.sent == {"title": "one"}
    assert client.request_count == 1


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_a_post_that_never_left_is_retried(make: Make, error: type[httpx.TransportError]) -> None:
    client, _ = make(Script(error, ok({"id": 9})))
    assert client.post("/case/DEMO", {"title": "one"}) == {"id": 9}
    assert client.request_count == 2


def failing_connect(cause: OSError) -> Handler:
    """A transport whose every connection fails with ``cause``, wrapped as httpx wraps it."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(str(cause), request=request) from cause

    return handler


@pytest.mark.parametrize(
    ("cause", "reason"),
    [
        (ConnectionRefusedError(111, "Connection refused"), "connection refused"),
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "host not found"),
    ],
)
def test_an_unreachable_host_is_one_line_after_one_quick_retry(
    make: Make, fake_time: FakeTime, cause: OSError, reason: str
) -> None:
    client, _ = make(failing_connect(cause))
    with pytest.raises(UnreachableError) as caught:
        client.get("/project/DEMO")
    assert str(caught.value) == f"could not reach qase.test ({reason}): check QASE_API_URL"
    assert (caught.value.method, caught.value.path) == ("GET", "/project/DEMO")
    assert client.request_count == 2
    assert sum(fake_time.sleeps) <= 0.5


def test_a_firewalled_host_is_one_line_after_one_quick_retry(
    make: Make, fake_time: FakeTime
) -> None:
    client, _ = make(Script(httpx.ConnectTimeout))
    with pytest.raises(UnreachableError) as caught:
        client.get("/project/DEMO")
    assert str(caught.value) == (
        "could not reach qase.test (connection timed out): check QASE_API_URL"
    )
    assert client.request_count == 2
    assert sum(fake_time.sleeps) <= 0.5


def test_a_host_that_times_out_mid_run_gets_every_retry(make: Make) -> None:
    client, _ = make(Script(ok({"code": "DEMO"}), httpx.ConnectTimeout))
    client.get("/project/DEMO")
    with pytest.raises(UnreachableError) as caught:
        client.get("/project/DEMO")
    assert str(caught.value) == "could not reach qase.test after 5 attempts (connection timed out)"
    assert client.request_count == 6


def test_a_host_that_stops_answering_mid_run_gets_every_retry(make: Make) -> None:
    client, _ = make(Script(ok({"code": "DEMO"}), httpx.ConnectError))
    client.get("/project/DEMO")
    with pytest.raises(UnreachableError) as caught:
        client.get("/project/DEMO")
    assert str(caught.value) == "could not reach qase.test after 5 attempts (ConnectError: boom)"
    assert client.request_count == 6


def test_retries_are_logged_at_info_not_as_warnings(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = make(Script(refused(503), httpx.ReadError, ok({"id": 5})))
    assert client.get("/case/DEMO/5") == {"id": 5}
    retries = [r for r in caplog.records if "retrying in" in r.getMessage()]
    assert [r.levelno for r in retries] == [logging.INFO, logging.INFO]


def test_a_delete_that_went_through_unanswered_is_done_when_the_retry_finds_nothing(
    make: Make,
) -> None:
    client, transport = make(
        Script(
            httpx.RemoteProtocolError,
            refused(404, {"status": False, "errorMessage": "Suite not found"}),
        )
    )
    assert client.delete("/suite/DEMO/3", json={"destination_id": 1}) is None
    assert [s.body for s in transport.sent] == [{"destination_id": 1}] * 2


def test_a_plain_delete_of_nothing_is_not_found(make: Make) -> None:
    client, _ = make(
        lambda request: refused(404, {"status": False, "errorMessage": "Suite not found"})
    )
    with pytest.raises(NotFoundError) as caught:
        client.delete("/suite/DEMO/3")
    assert str(caught.value) == "DELETE /suite/DEMO/3 → 404: Suite not found"


# --- errors --------------------------------------------------------------------------


def test_a_refused_token_is_an_authentication_error(make: Make) -> None:
    client, _ = make(
        lambda request: refused(401, {"status": False, "errorMessage": "Unauthenticated."})
    )
    with pytest.raises(AuthenticationError) as caught:
        client.get("/project/DEMO")
    assert str(caught.value) == (
        "GET /project/DEMO → 401: the API rejected the token (QASE_TOKEN): Unauthenticated."
    )


@pytest.mark.parametrize(
    ("method", "path", "needed"),
    [
        ("GET", "/case/DEMO", "read test cases"),
        ("POST", "/case/DEMO/bulk", "create test cases"),
        ("PATCH", "/suite/DEMO/3", "edit suites"),
        ("DELETE", "/shared_step/DEMO/" + "a" * 40, "delete shared steps"),
        ("POST", "/case/DEMO/external-issue/attach", "link external issues to test cases"),
        ("GET", "/custom_field", "read custom fields"),
    ],
)
def test_a_403_names_the_permission_the_call_needs(
    make: Make, method: str, path: str, needed: str
) -> None:
    message = {"status": False, "errorMessage": "This action is unauthorized."}
    client, _ = make(lambda request: refused(403, message))
    with pytest.raises(AuthenticationError) as caught:
        if method == "GET":
            client.get(path)
        elif method == "PATCH":
            client.patch(path, {"title": "t"})
        elif method == "DELETE":
            client.delete(path)
        elif path.endswith("attach"):
            links = [{"case_id": 1, "external_issues": ["PROJ-1"]}]
            client.post(path, {"type": "jira-cloud", "links": links}, idempotent=True)
        else:
            client.post(path, {"cases": [{"title": "t"}]}, idempotent=True)
    assert str(caught.value) == (
        f"{method} {path} → 403: the token was accepted, but the token's role may lack the "
        f"permission to {needed} (ask a workspace admin to grant it, or use the token of a "
        "user who has it): This action is unauthorized."
    )
    assert "rejected the token" not in str(caught.value)


def test_a_validation_failure_carries_error_message_and_fields(make: Make) -> None:
    fields = [{"field": "cases.0.title", "error": "The title field is required."}]
    body = {"status": False, "errorMessage": "Data is invalid.", "errorFields": fields}
    client, _ = make(lambda request: refused(400, body))
    with pytest.raises(ApiError) as caught:
        client.post("/case/DEMO/bulk", {"cases": [{"title": ""}]}, bulk=True)
    error = caught.value
    assert (error.method, error.path, error.status) == ("POST", "/case/DEMO/bulk", 400)
    assert error.error_fields == tuple(fields)
    assert str(error) == (
        "POST /case/DEMO/bulk → 400: Data is invalid.\n"
        "  cases.0.title: The title field is required."
    )


def test_a_server_message_never_echoes_the_token(make: Make) -> None:
    client, _ = make(lambda request: refused(401, {"errorMessage": f"bad token {TOKEN}"}))
    with pytest.raises(AuthenticationError) as caught:
        client.get("/project/DEMO")
    assert str(caught.value).endswith("(QASE_TOKEN): bad token ***")


def test_a_success_that_is_not_json_is_an_api_error(make: Make) -> None:
    client, _ = make(lambda request: httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(ApiError, match="not a JSON envelope"):
        client.get("/project/DEMO")


def test_bare_status_envelopes_return_none(make: Make) -> None:
    client, _ = make(lambda request: httpx.Response(200, json={"status": True}))
    body = {"type": "jira-cloud", "links": [{"case_id": 1, "external_issues": ["PROJ-1"]}]}
    assert client.post("/case/DEMO/external-issue/attach", body) is None


def test_no_error_or_log_record_of_any_kind_holds_the_token(
    make: Make, caplog: pytest.LogCaptureFixture, no_token_leaks: list[BaseException]
) -> None:
    answers: list[Handler] = [
        lambda r: refused(401, {"errorMessage": "Unauthenticated."}),
        lambda r: refused(404, {"errorMessage": "Test case not found"}),
        lambda r: refused(
            400,
            {"errorMessage": "Data is invalid.", "errorFields": [{"field": "title", "error": "x"}]},
        ),
        lambda r: refused(429),
        lambda r: refused(503),
        Script(httpx.ConnectError),
        Script(httpx.RemoteProtocolError),
    ]
    for answer in answers:
        client, _ = make(answer)
        with pytest.raises(ApiError):
            client.post("/case/DEMO", {"title": "t"})
    with pytest.raises(ConfigError):
        QaseClient.from_env({"QASE_TOKEN": TOKEN, "QASE_API_URL": "http://qase.test/v1"})
    assert {type(e).__name__ for e in no_token_leaks} >= {
        "AuthenticationError",
        "NotFoundError",
        "ApiError",
        "RateLimitedError",
        "AmbiguousWriteError",
        "UnreachableError",
        "ConfigError",
    }
    assert assert_no_token(TOKEN, caplog.records, no_token_leaks) > 30


def test_the_leak_check_finds_a_leak(no_token_leaks: list[BaseException]) -> None:
    record = logging.LogRecord(
        "qasesync.qase.client", logging.DEBUG, __file__, 1, "sent %s", (TOKEN,), None
    )
    with pytest.raises(AssertionError, match="the token leaked into a log record"):
        assert_no_token(TOKEN, [record], [])
    with pytest.raises(AssertionError, match="the token leaked into a error ApiError"):
        assert_no_token(TOKEN, [], [ApiError("x", path=f"/project?t={TOKEN}")])
    assert len(no_token_leaks) == 1  # the leak made on purpose, seen by the guard
    no_token_leaks.clear()


# --- concurrency and rate limiting ----------------------------------------------------


def test_map_concurrent_keeps_order_and_counts_every_request(make: Make) -> None:
    client, transport = make(lambda request: ok({"id": int(request.url.path.rsplit("/", 1)[1])}))
    got = client.map_concurrent(
        lambda n: client.patch(f"/case/DEMO/{n}", {"title": "x"}), range(1, 201)
    )
    assert got == [{"id": n} for n in range(1, 201)]
    assert client.request_count == 200 == len(transport.sent)


def test_pages_after_the_first_are_fetched_concurrently_but_bounded(make: Make) -> None:
    listing = Listing(cases(1, 900))  # 8 pages after the first: two rounds of 4
    barrier = threading.Barrier(4, timeout=10)
    lock = threading.Lock()
    in_flight = [0, 0]  # now, most

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["offset"] == "0":
            return listing(request)
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
        barrier.wait()  # only passes when 4 requests are in flight at once
        with lock:
            in_flight[0] -= 1
        return listing(request)

    client, _ = make(handler, max_workers=4)
    assert len(client.list_all("/case/DEMO")) == 900
    assert in_flight[1] == 4


def test_map_concurrent_raises_the_first_error(make: Make) -> None:
    client, _ = make(lambda request: ok(None))

    def fail_on_three(n: int) -> int:
        if n == 3:
            raise ValueError("three")
        return n

    with pytest.raises(ValueError, match="three"):
        client.map_concurrent(fail_on_three, range(10))


def test_map_concurrent_nested_in_itself_does_not_deadlock(make: Make) -> None:
    client, _ = make(Listing(cases(1, 300)), max_workers=2)
    got = client.map_concurrent(lambda _: len(client.list_all("/case/DEMO")), range(4))
    assert got == [300] * 4


def test_the_rate_limit_holds_the_request_after_the_budget(make: Make, fake_time: FakeTime) -> None:
    client, _ = make(lambda request: ok(None), rate_limit=5)
    for _ in range(6):
        client.get("/project/DEMO")
    assert fake_time.sleeps == [60.0]


def test_a_short_job_never_waits(make: Make, fake_time: FakeTime) -> None:
    client, _ = make(Listing(cases(1, 5000)))
    assert len(client.list_all("/case/DEMO")) == 5000
    assert fake_time.sleeps == []


def test_rate_limiter_allows_n_in_any_rolling_minute(fake_time: FakeTime) -> None:
    limiter = RateLimiter(3, clock=fake_time.clock, sleep=fake_time.sleep)
    waits = [limiter.acquire() for _ in range(3)]
    fake_time.sleep(30.0)
    waits += [limiter.acquire(), limiter.acquire()]
    assert waits == [0.0, 0.0, 0.0, 30.0, 0.0]


def test_rate_limiter_spaces_requests_when_the_server_budget_runs_low(fake_time: FakeTime) -> None:
    limiter = RateLimiter(600, clock=fake_time.clock, sleep=fake_time.sleep)
    limiter.observe(600, 200)
    assert [limiter.acquire(), limiter.acquire()] == [0.0, 0.0]
    limiter.observe(600, 60)
    assert limiter.acquire() == pytest.approx(0.1)
    limiter.observe(1500, 151)
    assert limiter.spacing == 0.0


def test_server_rate_limit_headers_slow_the_client(make: Make, fake_time: FakeTime) -> None:
    headers = {"X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "5"}
    client, _ = make(lambda request: ok(None, 200, **headers))
    for _ in range(3):
        client.get("/project/DEMO")
    assert fake_time.sleeps == pytest.approx([0.1, 0.1])


def test_a_429_pauses_every_sender(fake_time: FakeTime) -> None:
    limiter = RateLimiter(600, clock=fake_time.clock, sleep=fake_time.sleep)
    limiter.pause(2.5)
    assert limiter.acquire() == 2.5
    assert limiter.acquire() == 0.0


def test_a_429_holds_the_other_requests_too(make: Make) -> None:
    # The clock stands still, so the second request comes while the first one's
    # Retry-After is still running: it waits it out as well instead of meeting a 429.
    sleeps: list[float] = []
    script = Script(refused(429, **{"Retry-After": "5"}), ok(None))
    client, _ = make(script, sleep=sleeps.append, clock=lambda: 1000.0)
    client.get("/project/DEMO")
    client.get("/suite/DEMO")
    assert sleeps == [5.0, 5.0]
    assert client.request_count == 3


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_long_429_wait_is_announced_once_for_every_waiting_request(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    sleeps: list[float] = []
    script = Script(refused(429, **{"Retry-After": "60"}), ok(None))
    client, _ = make(script, sleep=sleeps.append, clock=lambda: 1000.0)
    client.get("/project/DEMO")
    client.get("/suite/DEMO")
    assert sleeps == [60.0, 60.0]
    assert warnings_of(caplog) == ["rate limited by Qase; waiting 60 s"]


def test_a_long_wait_for_the_own_budget_is_announced(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = make(lambda request: ok(None), rate_limit=5)
    for _ in range(6):
        client.get("/project/DEMO")
    assert warnings_of(caplog) == ["5 requests a minute reached (QASE_RATE_LIMIT); waiting 60 s"]


def test_short_waits_are_not_announced(make: Make, caplog: pytest.LogCaptureFixture) -> None:
    client, _ = make(Script(refused(429, **{"Retry-After": "1.5"}), ok(None)))
    client.get("/project/DEMO")
    assert warnings_of(caplog) == []


def test_a_long_wait_reaches_stderr_when_nothing_configures_logging() -> None:
    # As in `qasesync plan`: no logging set up, yet a minute of silence must not look
    # like a hang.
    script = """
import httpx
from qasesync.qase.client import QaseClient
answers = [httpx.Response(429, headers={"Retry-After": "60"}), httpx.Response(200, json={})]
transport = httpx.MockTransport(lambda request: answers.pop(0))
client = QaseClient(token="t", transport=transport, sleep=lambda seconds: None)
client.get("/project/DEMO")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "rate limited by Qase; waiting 60 s\n")


# --- the spec hook (conftest.py) ----------------------------------------------------


def test_every_request_of_any_client_is_checked_against_the_spec(
    openapi_spec: dict[str, Any],
) -> None:
    transport = httpx.MockTransport(lambda request: ok({"id": 1}))  # no check of its own
    with QaseClient(token=TOKEN, base_url=BASE, transport=transport) as client:
        client.post("/case/DEMO", {"title": "fits"})
        with pytest.raises(AssertionError, match="does not fit the spec"):
            client.post("/case/DEMO", {"title": 5})
