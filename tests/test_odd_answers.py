"""A server whose answers have the envelope but not the shapes the Qase API gives (an id
that is not a number, steps that are not a list, JSON nested past Python's recursion
limit) stops plan with exit 1 and a message naming the API call, never exit 3."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kit.apply import PROJECT, copy_cases, on_socket, shop_emulator
from kit.apply import run_cli as run

from qasesync.emulator import Emulator
from qasesync.emulator.app import StartResponse

Edit = Callable[[dict[str, Any]], Any]


class Odd:
    """WSGI middleware: once switched on, the answer to one list (`path`) is edited."""

    def __init__(self, emu: Emulator) -> None:
        self.inner = emu.app
        self.edit: Edit | None = None
        self.path = f"/v1/case/{PROJECT}"

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        get = environ["REQUEST_METHOD"] == "GET"
        if self.edit is None or not get or environ.get("PATH_INFO") != self.path:
            return self.inner(environ, start_response)
        seen: list[Any] = []
        data = b"".join(self.inner(environ, lambda status, headers, *_: seen.append(status)))
        edited = self.edit(json.loads(data))
        out = edited if isinstance(edited, bytes) else json.dumps(edited).encode()
        start_response(seen[0], [("Content-Type", "application/json")])
        return [out]


@pytest.fixture
def odd(monkeypatch: pytest.MonkeyPatch) -> Iterator[Odd]:
    emu = shop_emulator()
    middleware = emu.app = Odd(emu)  # type: ignore[method-assign]
    yield from (middleware for _ in on_socket(monkeypatch, emu))


def first(change: Callable[[dict[str, Any]], None]) -> Edit:
    def edit(body: dict[str, Any]) -> dict[str, Any]:
        change(body["result"]["entities"][0])
        return body

    return edit


EDITS: dict[str, Edit] = {
    "deep JSON": lambda body: b"[" * 100_000 + b"]" * 100_000,
    "id not a number": first(lambda case: case.update(id="abc")),
    "steps not a list": first(lambda case: case.update(steps="oops")),
    "a step not an object": first(lambda case: case.update(steps=["oops"])),
    "tags not text": first(lambda case: case.update(tags=[1, None])),
    "custom fields not a list": first(lambda case: case.update(custom_fields="x")),
    "suite id not a number": first(lambda case: case.update(suite_id="q")),
    "nested steps not a list": first(
        lambda case: case.update(steps=[{"action": "a", "steps": "x"}])
    ),
    "external issues not a list": first(lambda case: case.update(external_issues="x")),
}


@pytest.mark.parametrize("name", EDITS)
def test_an_answer_of_another_shape_is_exit_1_naming_the_call(
    odd: Odd, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    tree = copy_cases(tmp_path)
    assert run("apply", str(tree), "--yes")[0] == 0
    capsys.readouterr()
    odd.edit = EDITS[name]
    code, _ = run("plan", str(tree))
    err = capsys.readouterr().err
    assert code == 1, err
    assert f"GET /case/{PROJECT}" in err


@pytest.mark.parametrize("entity", ["suite", "shared_step"])
def test_a_suite_or_shared_step_of_another_shape_is_exit_1_naming_the_call(
    odd: Odd, tmp_path: Path, capsys: pytest.CaptureFixture[str], entity: str
) -> None:
    tree = copy_cases(tmp_path)
    assert run("apply", str(tree), "--yes")[0] == 0
    capsys.readouterr()
    odd.path = f"/v1/{entity}/{PROJECT}"
    odd.edit = first(lambda item: item.update(title=None, id="x", hash=None, steps=7))
    code, _ = run("plan", str(tree))
    err = capsys.readouterr().err
    assert code == 1, err
    assert f"GET /{entity}/{PROJECT}: the answer has a shape the Qase API does not give" in err


@pytest.mark.parametrize("result", [[], None, "none"], ids=["an empty list", "null", "text"])
def test_a_case_list_answered_without_its_page_is_no_empty_project(
    odd: Odd, tmp_path: Path, capsys: pytest.CaptureFixture[str], result: Any
) -> None:
    """Read as no cases, such an answer would make apply create every case again."""
    tree = copy_cases(tmp_path)
    assert run("apply", str(tree), "--yes")[0] == 0
    (tree / "qasesync.base.jsonl").unlink()  # as on a first sync: no record of the last one
    capsys.readouterr()
    odd.edit = lambda body: {**body, "result": result}
    code, _ = run("apply", str(tree), "--yes")
    err = capsys.readouterr().err
    assert code == 1, err
    assert f"GET /case/{PROJECT}: the API answered a list request with no list" in err
