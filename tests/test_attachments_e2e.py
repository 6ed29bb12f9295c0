"""Files attached to steps in Qase survive every steps write qasesync makes: against the
emulator on a socket, through the command line. A step keeps its files when the tree
reorders the steps or edits its text; a tree that deletes such a step is refused, naming
it, unless the loss is accepted; a shared step edited in the tree keeps its files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kit.apply import PROJECT, on_socket, shop_emulator, write_tree
from kit.apply import run_cli as run

from qasesync.emulator import Emulator

SETTINGS = "project: SHOP\n"
SHARED = """\
shared_steps:
  - key: sign-in
    title: Sign in
    steps:
      - action: Open the login page
      - action: Sign in as Ada
"""
CASES = """\
cases:
  - title: Checkout
    steps:
      - action: Open the cart
      - action: Pay
        expected_result: Paid
      - action: Read the receipt
      - shared: sign-in
"""


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator())


@pytest.fixture
def tree(tmp_path: Path, emu: Emulator) -> Path:
    """The tree applied, then files attached in Qase (as in the web app) to the case's
    second step and to the shared step's first."""
    root = write_tree(
        tmp_path / "cases",
        {"qasesync.yaml": SETTINGS, "shared_steps.yaml": SHARED, "shop/cases.yaml": CASES},
    )
    assert run("apply", str(root), "--yes")[0] == 0
    store = emu.store
    shot, log = store.add_attachment("shot.png"), store.add_attachment("log.txt")
    [case] = store.cases(PROJECT)
    [shared] = store.shared_steps(PROJECT)
    steps: list[dict[str, Any]] = [
        {"action": "Open the cart"},
        {"action": "Pay", "expected_result": "Paid", "attachments": [shot, log]},
        {"action": "Read the receipt"},
        {"shared": shared["hash"]},
    ]
    store.patch_case(PROJECT, case["id"], {"steps": steps})
    content = [
        {"action": "Open the login page", "attachments": [shot]},
        {"action": "Sign in as Ada"},
    ]
    store.patch_shared_step(PROJECT, shared["hash"], {"title": "Sign in", "steps": content})
    assert run("plan", str(root), "--detailed-exitcode")[0] == 0
    return root


def files_by_step(emu: Emulator) -> dict[str, list[str]]:
    """The live case's own steps: action → attached file names."""
    [case] = emu.store.cases(PROJECT)
    return {
        s["action"]: [a["filename"] for a in s["attachments"]]
        for s in case["steps"]
        if s["shared_step_hash"] is None
    }


def shared_files(emu: Emulator) -> dict[str, list[str]]:
    [shared] = emu.store.shared_steps(PROJECT)
    return {s["action"]: [a["filename"] for a in s["attachments"]] for s in shared["steps"]}


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_reordered_steps_keep_their_files(emu: Emulator, tree: Path) -> None:
    edit(tree, "shop/cases.yaml", "      - action: Read the receipt\n", "")
    edit(tree, "shop/cases.yaml", "      - action: Open the cart\n", "")
    edit(
        tree,
        "shop/cases.yaml",
        "      - shared: sign-in\n",
        "      - action: Read the receipt\n"
        "      - action: Open the cart\n"
        "      - shared: sign-in\n",
    )
    code, text = run("apply", str(tree), "--yes")
    assert code == 0, text
    assert "case 'Checkout' (#1): 2 attachments kept with their steps" in text
    assert files_by_step(emu) == {
        "Pay": ["shot.png", "log.txt"],
        "Read the receipt": [],
        "Open the cart": [],
    }
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0


def test_a_step_whose_text_changed_keeps_its_files_in_its_place(emu: Emulator, tree: Path) -> None:
    edit(tree, "shop/cases.yaml", "Pay\n", "Pay with the test card\n")
    assert run("apply", str(tree), "--yes")[0] == 0
    assert files_by_step(emu)["Pay with the test card"] == ["shot.png", "log.txt"]
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0


def test_a_shared_step_edited_in_the_tree_keeps_its_files(emu: Emulator, tree: Path) -> None:
    edit(tree, "shared_steps.yaml", "Sign in as Ada", "Sign in as Ada Lovelace")
    edit(tree, "shared_steps.yaml", "title: Sign in\n", "title: Sign in as a customer\n")
    code, text = run("apply", str(tree), "--yes")
    assert code == 0, text
    assert "shared step 'sign-in'" in text and "1 attachment kept with its step" in text
    assert shared_files(emu) == {"Open the login page": ["shot.png"], "Sign in as Ada Lovelace": []}
    [case] = emu.store.cases(PROJECT)
    inner = [s for s in case["steps"] if s["shared_step_hash"] is not None]
    assert [a["filename"] for a in inner[0]["attachments"]] == ["shot.png"]
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0


def test_deleting_a_step_that_holds_files_is_a_plan_error_naming_it(
    emu: Emulator, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(tree, "shop/cases.yaml", "      - action: Pay\n        expected_result: Paid\n", "")
    before = emu.store.dump()
    for command in ("plan", "apply"):
        code, _ = (
            run(command, str(tree), "--yes") if command == "apply" else run(command, str(tree))
        )
        assert code == 1
        error = capsys.readouterr().err
        assert (
            "shop/cases.yaml:2:5: case 'Checkout' (#1): the tree drops steps[2] 'Pay' "
            "(2 attachments), which Qase would delete with the step" in error
        )
        assert "--allow-attachment-loss" in error
    # Apply took and released its lock (one suite id used up, docs/design.md §12); else
    # nothing changed.
    after = emu.store.dump()["projects"]["SHOP"]
    assert after["next_suite"] == before["projects"]["SHOP"]["next_suite"] + 1
    assert {**after, "next_suite": 0} == {**before["projects"]["SHOP"], "next_suite": 0}


def test_the_loss_accepted_deletes_the_step_and_its_files(emu: Emulator, tree: Path) -> None:
    edit(tree, "shop/cases.yaml", "      - action: Pay\n        expected_result: Paid\n", "")
    code, text = run("plan", str(tree), "--allow-attachment-loss")
    assert code == 0
    assert "the tree drops steps[2] 'Pay' (2 attachments); apply removes them from Qase" in text
    assert run("apply", str(tree), "--yes", "--allow-attachment-loss")[0] == 0
    assert files_by_step(emu) == {"Open the cart": [], "Read the receipt": []}
    assert shared_files(emu)["Open the login page"] == ["shot.png"]


def test_ignore_fields_steps_leaves_the_live_steps_and_their_files_alone(
    emu: Emulator, tree: Path
) -> None:
    edit(tree, "qasesync.yaml", SETTINGS, SETTINGS + "ignore_fields: [steps]\n")
    edit(tree, "shop/cases.yaml", "      - action: Pay\n        expected_result: Paid\n", "")
    assert run("apply", str(tree), "--yes")[0] == 0
    assert files_by_step(emu)["Pay"] == ["shot.png", "log.txt"]
