"""Workspace-level shared steps stay references: against the emulator on a socket, under
each way the live read may shape a shared reference (expanded or collapsed). A case that
uses one exports as `workspace_shared: <hash>`, plans clean, and after a tree edit its
live steps still hold the reference, never copies of its steps; the example tree's whole
lifecycle passes under the collapsed read too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kit.apply import PROJECT, copy_cases, on_socket, shop_emulator, writes
from kit.apply import run_cli as run

from qasesync.emulator import Emulator


@pytest.fixture(params=["expanded", "collapsed"])
def emu(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator(shared_read=request.param))


def stored_steps(emu: Emulator, title: str) -> list[dict[str, Any]]:
    """A case's steps as the emulator stores them (references as `{"shared": hash}`)."""
    cases = emu.store.dump()["projects"][PROJECT]["cases"]
    [case] = [c for c in cases if c["title"] == title]
    return [
        {"shared": s["shared"]} if "shared" in s else {"action": s["action"]} for s in case["steps"]
    ]


def seeded(emu: Emulator) -> tuple[str, str]:
    """A workspace-level shared step used twice back to back (and once nested) by one case,
    and a project shared step used twice back to back by another."""
    store = emu.store
    workspace = store.add_workspace_shared_step(
        "Sign in (workspace)", [{"action": "Open the login page"}, {"action": "Sign in as Ada"}]
    )
    project = store.create_shared_step(
        PROJECT, {"title": "Add to cart", "steps": [{"action": "Open SKU 1"}, {"action": "Add"}]}
    )
    steps = [
        {"shared": workspace},
        {"shared": workspace},
        {"action": "Open the cart", "steps": [{"shared": workspace}]},
    ]
    store.create_case(PROJECT, {"title": "Checkout", "steps": steps})
    twice = [{"shared": project}, {"shared": project}, {"action": "Check the badge"}]
    store.create_case(PROJECT, {"title": "Cart badge", "steps": twice})
    return workspace, project


def test_a_workspace_shared_step_round_trips_and_stays_a_reference(
    emu: Emulator, tmp_path: Path
) -> None:
    workspace, project = seeded(emu)
    before = stored_steps(emu, "Checkout")
    tree = tmp_path / "cases"
    assert run("export", "--project", PROJECT, "--out", str(tree))[0] == 0
    text = (tree / "cases.yaml").read_text(encoding="utf-8")
    assert text.count("workspace_shared: ") == text.count(workspace) == 3
    assert text.count("shared: add-to-cart") == 2 and "Sign in as Ada" not in text
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0
    edited = text.replace("title: Checkout", "title: Checkout with the saved card")
    (tree / "cases.yaml").write_text(edited, encoding="utf-8")
    code, out = run("apply", str(tree), "--yes")
    assert code == 0, out
    assert stored_steps(emu, "Checkout with the saved card") == before
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0
    edited = edited.replace("action: Open the cart", "action: Open the cart page")
    (tree / "cases.yaml").write_text(edited, encoding="utf-8")
    assert run("apply", str(tree), "--yes")[0] == 0
    [patch] = writes(emu, "PATCH", "")[-1:]
    assert patch.body["steps"][:2] == [{"shared": workspace}, {"shared": workspace}]
    assert patch.body["steps"][2]["steps"] == [{"shared": workspace}]
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0
    assert emu.store.shared_steps(PROJECT)[0]["hash"] == project  # never touched


def test_a_new_reference_shows_the_workspace_step_content_in_the_plan(
    emu: Emulator, tmp_path: Path
) -> None:
    workspace, _ = seeded(emu)
    tree = tmp_path / "cases"
    assert run("export", "--project", PROJECT, "--out", str(tree))[0] == 0
    path = tree / "cases.yaml"
    text = path.read_text(encoding="utf-8")
    badge = "      - action: Check the badge\n"
    path.write_text(text.replace(badge, badge + f"      - workspace_shared: {workspace}\n"))
    code, out = run("plan", str(tree), "--detailed-exitcode")
    assert code == 2, out
    content = "Open the login page; Sign in as Ada"
    if emu.store.shared_read == "collapsed":  # one entry a use: the title is all it reads
        content = "Sign in (workspace)"
    shown = f'steps[4]: (none) → {{workspace_shared: "{workspace}", content: "{content}"}}'
    assert shown in out


def test_the_lifecycle_of_the_example_tree_passes_under_each_read(
    emu: Emulator, tmp_path: Path
) -> None:
    tree = copy_cases(tmp_path)
    assert run("apply", str(tree), "--yes")[0] == 0
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0
    shared = tree / "shared_steps.yaml"
    shared.write_text(shared.read_text().replace('Click "Add to cart"', 'Click "Add"'))
    cases = tree / "authentication" / "login" / "cases.yaml"
    text = cases.read_text().replace("Reload the page", "Reload the page twice")
    cases.write_text(text.replace("Customer signs in with", "A customer signs in with"))
    code, out = run("plan", str(tree), "--detailed-exitcode")
    assert code == 2 and "0 to create" in out and "0 to deprecate" in out
    assert run("apply", str(tree), "--yes")[0] == 0
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0


def test_pull_and_create_keep_workspace_references(emu: Emulator, tmp_path: Path) -> None:
    workspace, _ = seeded(emu)
    tree = tmp_path / "cases"
    assert run("export", "--project", PROJECT, "--out", str(tree))[0] == 0
    [case] = [c for c in emu.store.cases(PROJECT) if c["title"] == "Checkout"]
    nested = [{"action": "Open the cart page", "steps": [{"shared": workspace}]}]
    steps = [{"shared": workspace}, {"shared": workspace}, *nested]
    emu.store.patch_case(PROJECT, case["id"], {"steps": steps})  # edited in the web app
    assert run("pull", str(tree))[0] == 0
    text = (tree / "cases.yaml").read_text(encoding="utf-8")
    assert "action: Open the cart page" in text and text.count(workspace) == 3
    emu.store.patch_case(PROJECT, case["id"], {"steps": [*steps, {"action": "Pay"}]})
    assert run("pull", str(tree))[0] == 0
    text = (tree / "cases.yaml").read_text(encoding="utf-8")
    assert "action: Pay" in text and text.count(workspace) == 3
    new = f"  - title: Reorder\n    steps:\n      - workspace_shared: {workspace}\n"
    (tree / "cases.yaml").write_text(text + new, encoding="utf-8")
    assert run("apply", str(tree), "--yes")[0] == 0
    assert stored_steps(emu, "Reorder") == [{"shared": workspace}]
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0
