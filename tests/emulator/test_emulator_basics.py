"""The emulator's seams: store seeding, the WSGI app in-process, the socket server, the CLI."""

from __future__ import annotations

import ast
import io
import json
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

import qasesync.emulator
from qasesync import cli
from qasesync.cli.demo import example_tree
from qasesync.emulator import Emulator, Faults, sample_custom_fields, serve
from qasesync.emulator import server as server_module


def test_store_seeding_is_read_back_over_http(emu: Emulator, api: httpx.Client) -> None:
    suite = emu.store.create_suite("DEMO", {"title": "Auth", "parent_id": None})
    case = emu.store.create_case("DEMO", {"title": "Login", "suite_id": suite})
    body = api.get(f"/case/DEMO/{case}").json()
    assert body["status"] is True
    assert (body["result"]["title"], body["result"]["suite_id"]) == ("Login", suite)


def test_suite_create_returns_the_id_in_the_envelope(api: httpx.Client) -> None:
    response = api.post("/suite/DEMO", json={"title": "Auth"})
    assert response.status_code == 200
    assert response.json() == {"status": True, "result": {"id": 1}}


def test_socket_server_serves_the_same_app(emu: Emulator) -> None:
    emu.store.create_case("DEMO", {"title": "Login"})
    with serve(emu, host="127.0.0.1", port=0) as server:
        assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/v1")
        response = httpx.get(f"{server.url}/case/DEMO/1", headers={"Token": "T"})
    assert response.json()["result"]["title"] == "Login"


def test_socket_server_answers_concurrent_requests_at_the_same_time(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All 8 requests are inside the app at once (a barrier in place of the added latency):
    the server gives each connection its own thread."""
    barrier = threading.Barrier(8, timeout=10)
    monkeypatch.setattr("qasesync.emulator.app.time.sleep", lambda seconds: barrier.wait())
    emu.faults = Faults(latency=1.0)
    emu.store.create_case("DEMO", {"title": "Login"})
    statuses: list[int] = []
    with serve(emu) as server, httpx.Client(base_url=server.url, headers={"Token": "T"}) as client:

        def fetch() -> None:
            statuses.append(client.get("/case/DEMO/1").status_code)

        threads = [threading.Thread(target=fetch) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [200] * 8


def test_cli_emulator_serves_and_saves_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state.json"
    seen: list[int] = []

    def one_request_then_ctrl_c() -> None:
        url = printed.getvalue().split(" at ")[1].split(" ")[0]
        seen.append(
            httpx.post(f"{url}/suite/QA", json={"title": "S"}, headers={"Token": "K"}).status_code
        )
        raise KeyboardInterrupt

    monkeypatch.setattr(server_module, "wait_for_interrupt", one_request_then_ctrl_c)
    printed = io.StringIO()
    argv = ["emulator", "--port", "0", "--token", "K", "--project", "QA", "--state", str(state)]
    assert cli.main(argv, out=printed) == 0
    assert seen == [200]
    again = Emulator(token="K", projects=())
    again.load_state(state)
    assert [s["title"] for s in again.store.suites("QA")] == ["S"]


def test_cli_emulator_with_custom_fields_from_a_tree_plans_that_tree(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The flow of docs/emulator.md: start the emulator for the example tree, then plan the tree."""
    example = str(example_tree())
    codes: list[int] = []

    def plan_then_ctrl_c() -> None:
        monkeypatch.setenv("QASE_API_URL", printed.getvalue().split(" at ")[1].split(" ")[0])
        codes.append(cli.main(["plan", example], out=planned))
        raise KeyboardInterrupt

    monkeypatch.setattr(server_module, "wait_for_interrupt", plan_then_ctrl_c)
    monkeypatch.setenv("QASE_TOKEN", "K")
    monkeypatch.delenv("QASE_PROJECT", raising=False)
    printed, planned = io.StringIO(), io.StringIO()
    argv = ["emulator", "--port", "0", "--token", "K", "--custom-fields-from", example]
    assert cli.main(argv, out=printed) == 0
    assert "(project SHOP; custom fields: Components, Owner); Ctrl-C stops it" in printed.getvalue()
    assert (codes, capsys.readouterr().err) == ([0], "")
    assert "Plan: 68 to create, 0 to update" in planned.getvalue()


def test_cli_emulator_saves_state_when_terminated(tmp_path: Path) -> None:
    """`kill` (SIGTERM), as CI teardowns and `docker stop` send it, saves like Ctrl-C."""
    state = tmp_path / "state.json"
    argv = ["emulator", "--port", "0", "--token", "K", "--state", str(state)]
    command = [sys.executable, "-m", "qasesync", *argv]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        url = process.stdout.readline().split(" at ")[1].split(" ")[0]
        pasted = process.stdout.readline()
        httpx.post(f"{url}/suite/DEMO", json={"title": "S"}, headers={"Token": "K"})
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    assert pasted == f"export QASE_API_URL={url} QASE_TOKEN=K\n"
    assert (process.returncode, rest) == (0, f"emulator stopped\nstate saved to {state}\n")
    again = Emulator(token="K", projects=())
    again.load_state(state)
    assert [s["title"] for s in again.store.suites("DEMO")] == ["S"]


def test_state_round_trips_through_a_file(tmp_path: Path) -> None:
    emu = Emulator(token="T", projects=("DEMO",), custom_fields=sample_custom_fields())
    suite = emu.store.create_suite("DEMO", {"title": "S"})
    shared = emu.store.create_shared_step("DEMO", {"title": "Sh", "steps": [{"action": "A"}]})
    case = {
        "title": "t",
        "suite_id": suite,
        "tags": ["x"],
        "custom_field": {"5": "2"},
        "steps": [{"shared": shared}],
    }
    emu.store.create_case("DEMO", case)
    emu.save_state(tmp_path / "state.json")
    again = Emulator(token="T", projects=("DEMO",))
    again.load_state(tmp_path / "state.json")
    assert again.store.cases("DEMO") == emu.store.cases("DEMO")
    assert again.store.shared_steps("DEMO") == emu.store.shared_steps("DEMO")
    assert again.store.create_case("DEMO", {"title": "next"}) == 2
    assert (
        again.store.create_shared_step("DEMO", {"title": "n", "steps": [{"action": "a"}]}) != shared
    )


def test_the_emulator_imports_nothing_else_of_qasesync() -> None:
    package = Path(qasesync.emulator.__file__).parent
    imported: set[str] = set()
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                # a relative import, resolved from the emulator package
                base = "qasesync.emulator".rsplit(".", node.level - 1)[0]
                imported.add(f"{base}.{node.module}" if node.module else base)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    ours = {name for name in imported if name.split(".")[0] == "qasesync"}
    assert ours and all(name.startswith("qasesync.emulator") for name in ours), sorted(ours)


def test_a_fixture_file_seeds_custom_and_system_fields(tmp_path: Path) -> None:
    fixture = tmp_path / "workspace.json"
    fixture.write_text(
        json.dumps({"custom_fields": sample_custom_fields(["QA"])}), encoding="utf-8"
    )
    emu = Emulator(token="T", projects=("QA",))
    emu.load_state(fixture)
    assert [f["title"] for f in emu.store.custom_fields(entity="case")][:2] == ["Owner", "Notes"]
    assert emu.store.system_fields() == Emulator().store.system_fields()
    assert emu.store.create_case("QA", {"title": "t", "custom_field": {"1": "alice"}}) == 1


def test_cli_emulator_on_a_busy_port_is_a_user_error(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(emu) as server:
        port = server.url.split(":")[2].split("/")[0]
        assert cli.main(["emulator", "--port", port], out=io.StringIO()) == 1
    assert capsys.readouterr().err.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")


@pytest.mark.parametrize("content", ["{not json", "[]", '"state"'])
def test_cli_emulator_with_a_broken_state_file_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    state = tmp_path / "state.json"
    state.write_text(content, encoding="utf-8")
    assert cli.main(["emulator", "--port", "0", "--state", str(state)], out=io.StringIO()) == 1
    assert capsys.readouterr().err.startswith(f"error: {state}: not an emulator state file (")


def test_concurrent_creates_on_a_socket_get_distinct_ids(emu: Emulator) -> None:
    ids: list[int] = []
    with serve(emu) as server, httpx.Client(base_url=server.url, headers={"Token": "T"}) as client:

        def create(worker: int) -> None:
            for n in range(5):
                response = client.post("/case/DEMO", json={"title": f"w{worker}-{n}"})
                ids.append(response.json()["result"]["id"])

        threads = [threading.Thread(target=create, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(ids) == list(range(1, 41))
    assert len(emu.store.cases("DEMO")) == 40
