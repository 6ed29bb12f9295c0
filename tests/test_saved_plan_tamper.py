"""`apply --plan PLAN.json` executes exactly the plan that was reviewed: a plan file whose
changes were edited after review (what an update sends, what a create makes) while their
outline (kind, entity, name, id, fields) stays is refused as stale and nothing is
written, though the tree and the live project are as they were."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kit.apply import PROJECT, copy_cases, on_socket, shop_emulator
from kit.apply import run_cli as run

from qasesync.emulator import Emulator

OLD = "Adding a product shows it in the cart with the right total"
NEW = "Adding a product shows the right total"


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator())


def edit_after(change: dict[str, Any]) -> None:
    change["diffs"][0]["after"] = "Forged title"


def edit_created(change: dict[str, Any]) -> None:
    change["after"]["description"] = "Forged description"


@pytest.mark.parametrize(
    ("edit_tree", "edit_change"),
    [
        (lambda text: text.replace(f"title: {OLD}", f"title: {NEW}"), edit_after),
        (lambda text: text + "\n  - title: Brand new\n", edit_created),
    ],
    ids=["update", "create"],
)
def test_a_saved_plan_edited_after_review_is_refused(
    emu: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    edit_tree: Callable[[str], str],
    edit_change: Callable[[dict[str, Any]], None],
) -> None:
    tree = copy_cases(tmp_path)
    assert run("apply", str(tree), "--yes")[0] == 0
    cases = tree / "cart" / "cases.yaml"
    cases.write_text(edit_tree(cases.read_text(encoding="utf-8")), encoding="utf-8")
    plan_file = tmp_path / "plan.json"
    assert run("plan", str(tree), "--out", str(plan_file))[0] == 0
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    (change,) = data["changes"]
    edit_change(change)
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    before = emu.store.cases(PROJECT)
    capsys.readouterr()

    code, _ = run("apply", str(tree), "--plan", str(plan_file), "--yes")

    assert code == 1
    err = capsys.readouterr().err
    assert "the saved plan is stale" in err
    assert "(the plan file was edited)" in err
    assert emu.store.cases(PROJECT) == before


def test_an_unedited_saved_plan_applies(emu: Emulator, tmp_path: Path) -> None:
    tree = copy_cases(tmp_path)
    assert run("apply", str(tree), "--yes")[0] == 0
    cases = tree / "cart" / "cases.yaml"
    cases.write_text(cases.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
    plan_file = tmp_path / "plan.json"
    assert run("plan", str(tree), "--out", str(plan_file))[0] == 0
    assert run("apply", str(tree), "--plan", str(plan_file), "--yes")[0] == 0
    assert NEW in [c["title"] for c in emu.store.cases(PROJECT)]
