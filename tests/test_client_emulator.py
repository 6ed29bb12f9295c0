"""QaseClient against the emulator, in-process and on a socket: paging under injected
faults, dropped writes, the server's rate-limit headers and error mapping."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
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

from qasesync.emulator import Emulator, Faults, serve
from qasesync.errors import (
    AmbiguousWriteError,
    ApiError,
    AuthenticationError,
    NotFoundError,
    TransportError,
)
from qasesync.qase.client import QaseClient

Connect = Callable[..., QaseClient]


# After every test: the token is in no log record and no error (see conftest.py).
pytestmark = pytest.mark.usefixtures("no_token_leaks")


@pytest.fixture
def emu() -> Emulator:
    return Emulator(token=TOKEN, projects=("DEMO",), seed=0)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def connect(
    request: pytest.FixtureRequest, emu: Emulator, fake_time: FakeTime
) -> Iterator[Connect]:
    """``connect(**options)``: a client of the in-process emulator, every request
    checked against the spec; ``connect(url=...)`` goes to a socket instead."""
    clients: list[QaseClient] = []
    spec = spec_of(request)

    def build(
        *, url: str = "", token: str = TOKEN, emu: Emulator = emu, **options: Any
    ) -> QaseClient:
        inner: httpx.BaseTransport = (
            httpx.HTTPTransport() if url else httpx.WSGITransport(app=emu.app)
        )
        url = url or "http://127.0.0.1/v1"
        defaults = {"sleep": fake_time.sleep, "clock": fake_time.clock, "rng": random.Random(0)}
        client = QaseClient(
            token=token,
            base_url=url,
            transport=CheckingTransport(inner, spec),
            **{**defaults, **options},
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


def add_cases(emu: Emulator, count: int) -> list[int]:
    return [emu.store.create_case("DEMO", {"title": f"case {n}"}) for n in range(count)]


def titles(emu: Emulator) -> list[str]:
    return [case["title"] for case in emu.store.cases("DEMO")]


# --- paging under faults ---------------------------------------------------------------


@pytest.mark.parametrize("seed", [3, 4])
def test_1000_cases_listed_exactly_once_under_30_percent_429s_and_10_percent_503s(
    seed: int, connect: Connect
) -> None:
    # The emulator draws each request's fate in arrival order from its seeded generator,
    # so whatever the threads do, seeds 3 and 4 meet both 429s and 503s on this list.
    emu = Emulator(token=TOKEN, projects=("DEMO",), seed=seed)
    ids = add_cases(emu, 1000)
    emu.faults = Faults(rate_429=0.3, retry_after=1.0, rate_5xx=0.1)
    client = connect(emu=emu)
    got = client.list_all("/case/DEMO", params={"include": "external_issues"})
    assert sorted(case["id"] for case in got) == sorted(ids)
    assert len(got) == 1000
    faults = [record.fault for record in emu.log]
    assert faults.count("429") > 0 and faults.count("5xx") > 0
    assert client.request_count == len(emu.log) == 10 + len([f for f in faults if f])


def test_list_all_reads_suites_and_shared_steps(emu: Emulator, connect: Connect) -> None:
    for n in range(130):
        emu.store.create_suite("DEMO", {"title": f"suite {n}"})
    client = connect()
    assert len(client.list_all("/suite/DEMO")) == 130
    assert client.list_all("/shared_step/DEMO") == []
    assert client.request_count == 3


def test_system_fields_are_an_unpaged_list(emu: Emulator, connect: Connect) -> None:
    fields = connect().list_all("/system_field")
    assert {"priority", "severity"} <= {field["slug"] for field in fields}


# --- dropped writes ------------------------------------------------------------------


def test_a_dropped_post_is_ambiguous_and_creates_exactly_one_case(
    emu: Emulator, connect: Connect
) -> None:
    emu.faults = Faults(rate_drop=1.0)
    client = connect()
    with pytest.raises(AmbiguousWriteError) as caught:
        client.post("/case/DEMO", {"title": "only once"})
    assert caught.value.sent == {"title": "only once"}
    assert titles(emu) == ["only once"]
    assert [(r.method, r.fault) for r in emu.log] == [("POST", "drop")]


def test_a_dropped_post_on_a_socket_is_ambiguous_and_creates_exactly_one_case(
    emu: Emulator, connect: Connect
) -> None:
    emu.faults = Faults(rate_drop=1.0)
    with serve(emu, host="127.0.0.1", port=0) as server:
        client = connect(url=server.url)
        body = {"cases": [{"title": "a"}, {"title": "b"}, {"title": "c"}]}
        with pytest.raises(AmbiguousWriteError) as caught:
            client.post("/case/DEMO/bulk", body, bulk=True)
    assert caught.value.sent == body
    assert str(caught.value).startswith("POST /case/DEMO/bulk: the connection failed (")
    assert titles(emu) == ["a", "b", "c"]
    assert client.request_count == 1


def test_a_post_answered_503_is_ambiguous_and_never_resent(emu: Emulator, connect: Connect) -> None:
    emu.faults = Faults(rate_5xx=1.0)
    client = connect()
    with pytest.raises(AmbiguousWriteError) as caught:
        client.post("/suite/DEMO", {"title": "Checkout"})
    assert caught.value.status == 503
    assert len(emu.log) == 1


def test_a_dropped_patch_is_retried_and_applied_once(emu: Emulator, connect: Connect) -> None:
    (case_id,) = add_cases(emu, 1)
    client = connect()
    emu.faults = Faults(rate_drop=1.0)
    with pytest.raises(TransportError) as caught:  # every attempt dropped: the budget runs out
        client.patch(f"/case/DEMO/{case_id}", {"title": "renamed"})
    assert str(caught.value) == (
        f"PATCH /case/DEMO/{case_id}: no answer from 127.0.0.1 after 5 attempts "
        "(RemoteProtocolError: Server disconnected without sending a response.)"
    )
    assert len(emu.log) == 5
    emu.faults = Faults()
    assert client.patch(f"/case/DEMO/{case_id}", {"title": "renamed again"}) == {"id": case_id}
    assert titles(emu) == ["renamed again"]


def test_a_dropped_delete_is_retried_and_the_404_taken_as_done(
    emu: Emulator, connect: Connect, fake_time: FakeTime
) -> None:
    (case_id,) = add_cases(emu, 1)

    def sleep(seconds: float) -> None:  # the fault goes away while the client backs off
        emu.faults = Faults()
        fake_time.sleep(seconds)

    client = connect(sleep=sleep)
    emu.faults = Faults(rate_drop=1.0)
    assert client.delete(f"/case/DEMO/{case_id}") is None
    assert titles(emu) == []
    assert [(r.method, r.status, r.fault) for r in emu.log] == [
        ("DELETE", 200, "drop"),
        ("DELETE", 404, None),
    ]


# --- the server's answers --------------------------------------------------------------


def test_low_remaining_budget_spaces_requests(
    emu: Emulator, connect: Connect, fake_time: FakeTime
) -> None:
    emu.faults = Faults(rate_limit=20)  # low-water mark: 10 left, then one request per 3 s
    client = connect()
    for _ in range(15):
        client.get("/project/DEMO")
    assert fake_time.sleeps == [3.0] * 5
    assert all(r.fault is None for r in emu.log)


def test_a_wrong_token_is_an_authentication_error(connect: Connect) -> None:
    client = connect(token="not-the-token")
    with pytest.raises(AuthenticationError) as caught:
        client.get("/project/DEMO")
    assert str(caught.value) == (
        "GET /project/DEMO → 401: the API rejected the token (QASE_TOKEN): Unauthenticated."
    )


def test_an_unknown_case_is_not_found(connect: Connect) -> None:
    with pytest.raises(NotFoundError) as caught:
        connect().get("/case/DEMO/404")
    assert (caught.value.method, caught.value.path, caught.value.status) == (
        "GET",
        "/case/DEMO/404",
        404,
    )


def test_a_refused_write_carries_the_error_fields(connect: Connect) -> None:
    with pytest.raises(ApiError) as caught:
        connect().post("/suite/DEMO", {"title": "orphan", "parent_id": 999})
    assert caught.value.status == 400
    assert caught.value.error_fields == (
        {"field": "parent_id", "error": "The selected parent id is invalid."},
    )


def test_an_unreachable_emulator_is_one_line_naming_host_and_port(
    emu: Emulator, connect: Connect
) -> None:
    with serve(emu, host="127.0.0.1", port=0) as server:
        url, port = server.url, server.port
    client = connect(url=url)  # the server is gone: connection refused
    with pytest.raises(TransportError) as caught:
        client.get("/project/DEMO")
    assert str(caught.value) == (
        f"could not reach 127.0.0.1:{port} (connection refused): check QASE_API_URL"
    )
    assert client.request_count == 2


def test_the_token_is_in_no_log_record_or_error_of_a_faulty_session(
    emu: Emulator,
    connect: Connect,
    caplog: pytest.LogCaptureFixture,
    no_token_leaks: list[BaseException],
) -> None:
    add_cases(emu, 250)
    emu.faults = Faults(rate_429=0.3, rate_5xx=0.1, rate_drop=0.5)
    client = connect()
    client.list_all("/case/DEMO")
    for n in range(20):
        with contextlib.suppress(AmbiguousWriteError):
            client.post("/case/DEMO", {"title": f"new {n}"})
    assert any(isinstance(e, AmbiguousWriteError) for e in no_token_leaks)
    assert assert_no_token(TOKEN, caplog.records, no_token_leaks) > 50
