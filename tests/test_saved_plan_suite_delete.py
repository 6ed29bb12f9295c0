"""A saved plan that deletes a suite (``prune: delete``) must not take with it a case that
someone added to that suite in the web app after the plan was saved: Qase deletes a
suite with everything in it, so `apply --plan` would lose that case without any plan
ever having shown it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from kit.apply import PROJECT, on_socket, shop_emulator, write_tree
from kit.apply import run_cli as run

from qasesync.emulator import Emulator


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator())


def test_apply_plan_keeps_a_case_added_to_a_doomed_suite_after_the_plan(
    emu: Emulator, tmp_path: Path
) -> None:
    tree = write_tree(
        tmp_path / "cases",
        {
            "qasesync.yaml": f"project: {PROJECT}\nprune: delete\nmax_destroy: 100%\n",
            "keep/cases.yaml": "cases:\n  - title: Kept\n",
            "gone/cases.yaml": "cases:\n  - title: Old\n",
        },
    )
    assert run("apply", str(tree), "--yes")[0] == 0
    gone = next(s["id"] for s in emu.store.suites(PROJECT) if s["title"] == "gone")
    shutil.rmtree(tree / "gone")
    plan_file = tmp_path / "plan.json"
    assert run("plan", str(tree), "--out", str(plan_file))[0] == 0

    emu.store.create_case(PROJECT, {"title": "Added in the web app", "suite_id": gone})
    code, _ = run("apply", str(tree), "--plan", str(plan_file), "--yes")

    titles = [c["title"] for c in emu.store.cases(PROJECT)]
    assert "Added in the web app" in titles, f"exit {code}: the web app's case was deleted"
