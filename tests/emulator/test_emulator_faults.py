"""Fault injection: seeded, reproducible, and each fault as a client meets it."""

from __future__ import annotations

import io

import httpx
import pytest

from qasesync import cli
from qasesync.emulator import Emulator, Faults, serve
from qasesync.emulator import server as server_module
from qasesync.emulator.faults import retry_after_header


def test_latency_is_added_to_each_request(
    emu: Emulator, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr("qasesync.emulator.app.time.sleep", slept.append)
    emu.faults = Faults(latency=0.05)
    api.get("/project/DEMO")
    api.get("/suite/DEMO")
    assert slept == [0.05, 0.05]


@pytest.mark.parametrize(("seconds", "header"), [(60, "60"), (1.2, "2"), (1.0, "1"), (0.2, "0.2")])
def test_retry_after_is_whole_seconds_unless_below_one(seconds: float, header: str) -> None:
    assert retry_after_header(seconds) == header


def test_429_share_answers_with_retry_after_and_does_not_process(
    emu: Emulator, api: httpx.Client
) -> None:
    emu.faults = Faults(rate_429=1.0, retry_after=0.2)
    response = api.post("/suite/DEMO", json={"title": "S"})
    assert (response.status_code, response.headers["Retry-After"]) == (429, "0.2")
    assert response.json() == {"status": False, "errorMessage": "Too Many Attempts."}
    assert emu.store.suites("DEMO") == []
    assert emu.log[-1].fault == "429"


def test_5xx_share_answers_503_and_does_not_process(emu: Emulator, api: httpx.Client) -> None:
    emu.faults = Faults(rate_5xx=1.0)
    assert api.post("/suite/DEMO", json={"title": "S"}).status_code == 503
    assert emu.store.suites("DEMO") == []
    assert (emu.log[-1].status, emu.log[-1].fault) == (503, "5xx")


def test_a_dropped_write_is_processed_then_raises_in_process(
    emu: Emulator, api: httpx.Client
) -> None:
    emu.faults = Faults(rate_drop=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/suite/DEMO", json={"title": "S"})
    assert [s["title"] for s in emu.store.suites("DEMO")] == ["S"]
    assert (emu.log[-1].status, emu.log[-1].fault) == (200, "drop")


def test_a_dropped_write_closes_the_socket_without_a_response(emu: Emulator) -> None:
    emu.faults = Faults(rate_drop=1.0)
    with serve(emu) as server, httpx.Client(base_url=server.url, headers={"Token": "T"}) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/suite/DEMO", json={"title": "S"})
        assert client.get("/suite/DEMO").status_code == 200
    assert [s["title"] for s in emu.store.suites("DEMO")] == ["S"]


def test_reads_are_never_dropped(emu: Emulator, api: httpx.Client) -> None:
    emu.faults = Faults(rate_drop=1.0)
    assert api.get("/suite/DEMO").status_code == 200


def test_faults_never_apply_to_the_store(emu: Emulator) -> None:
    emu.faults = Faults(rate_429=1.0, rate_5xx=1.0, rate_drop=1.0)
    assert emu.store.create_suite("DEMO", {"title": "S"}) == 1


def _fault_pattern(seed: int) -> list[str | None]:
    emu = Emulator(token="T", seed=seed, faults=Faults(rate_429=0.3, rate_5xx=0.2))
    with httpx.Client(
        transport=httpx.WSGITransport(app=emu.app), base_url="http://e/v1", headers={"Token": "T"}
    ) as client:
        for _ in range(40):
            client.get("/project/DEMO")
    return [r.fault for r in emu.log]


def test_faults_are_seeded_and_reproducible() -> None:
    first, again, other = _fault_pattern(1), _fault_pattern(1), _fault_pattern(2)
    assert first == again
    assert first != other
    assert {"429", "5xx", None} == set(first)


def test_rate_limit_in_a_rolling_minute() -> None:
    now = [1000.0]
    emu = Emulator(token="T", faults=Faults(rate_limit=3), monotonic=lambda: now[0])
    with httpx.Client(
        transport=httpx.WSGITransport(app=emu.app), base_url="http://e/v1", headers={"Token": "T"}
    ) as client:
        remaining = [client.get("/project/DEMO").headers["X-RateLimit-Remaining"] for _ in range(3)]
        now[0] += 20
        refused = client.get("/project/DEMO")
        now[0] += 40
        allowed = client.get("/project/DEMO")
    assert remaining == ["2", "1", "0"]
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "40")
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert allowed.status_code == 200
    assert [r.fault for r in emu.log] == [None, None, None, "rate_limit", None]


def test_faults_are_replaceable_at_runtime(emu: Emulator, api: httpx.Client) -> None:
    emu.faults = Faults(rate_5xx=1.0)
    assert api.get("/project/DEMO").status_code == 503
    emu.faults = Faults()
    assert api.get("/project/DEMO").status_code == 200


def test_the_emulator_command_maps_its_fault_options_to_faults() -> None:
    options = "--latency 0.05 --rate-429 0.3 --retry-after 2 --rate-5xx 0.1 --rate-drop 0.03"
    args = cli.build_parser().parse_args(["emulator", *options.split(), "--rate-limit", "600"])
    assert cli.emulator_faults(args) == Faults(
        latency=0.05, rate_429=0.3, retry_after=2.0, rate_5xx=0.1, rate_drop=0.03, rate_limit=600
    )
    plain = cli.build_parser().parse_args(["emulator", "--seed", "7"])
    assert (cli.emulator_faults(plain), plain.seed, args.seed) == (Faults(), 7, 0)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--rate-429", "1.5", "argument --rate-429: a share is between 0 and 1, not 1.5"),
        ("--latency", "-1", "argument --latency: must be at least 0.0, not -1"),
        ("--rate-limit", "0", "argument --rate-limit: must be at least 1, not 0"),
        ("--rate-limit", "2.5", "argument --rate-limit: not a whole number: 2.5"),
    ],
)
def test_a_bad_fault_option_is_a_usage_error(
    option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["emulator", option, value], out=io.StringIO()) == 1
    assert capsys.readouterr().err.startswith(f"error: qasesync emulator: {message}\n")


def test_the_emulator_command_enforces_rate_limit_on_its_socket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    statuses: list[tuple[int, str | None]] = []

    def three_requests_then_ctrl_c() -> None:
        url = printed.getvalue().split(" at ")[1].split(" ")[0]
        for _ in range(3):
            answer = httpx.get(f"{url}/project/DEMO", headers={"Token": "K"})
            statuses.append((answer.status_code, answer.headers.get("Retry-After")))
        raise KeyboardInterrupt

    monkeypatch.setattr(server_module, "wait_for_interrupt", three_requests_then_ctrl_c)
    printed = io.StringIO()
    argv = ["emulator", "--port", "0", "--token", "K", "--rate-limit", "2"]
    assert cli.main(argv, out=printed) == 0
    assert "(project DEMO; faults: rate_limit=2); Ctrl-C stops it" in printed.getvalue()
    assert statuses[:2] == [(200, None), (200, None)]
    assert statuses[2][0] == 429 and statuses[2][1] is not None
