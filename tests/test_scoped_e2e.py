"""A tree whose ``scope`` owns part of a project reads only that part (docs/design.md
§13), and plan, pull and apply say exactly what they say after reading every case: a
case moved out of scope in the web app is still matched by id, one created in scope
is seen, one created elsewhere is not. Under both answers of the ``suite_id`` filter."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kit.apply import PROJECT, copy_cases, on_socket, shop_emulator
from kit.apply import run_cli as run

from qasesync.cli import live as cli_live
from qasesync.emulator import Emulator
from qasesync.model import Live, Settings, Tree

FILLER = 400  # cases outside scope: every case is 5 pages, the scoped read 3 requests


@pytest.fixture(params=["direct", "descendants"])
def emu(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator(suite_filter=request.param))


@pytest.fixture
def tree(emu: Emulator, tmp_path: Path) -> Path:
    """The example tree applied whole, then cut down to ``catalog`` with ``scope``;
    the project holds FILLER more cases in ``cart``."""
    root = copy_cases(tmp_path)
    assert run("apply", str(root), "--yes")[0] == 0
    bodies = [{"title": f"Filler {n}", "suite_id": suite_id(emu, "Cart")} for n in range(FILLER)]
    emu.store.create_cases(PROJECT, bodies)
    for name in ("account", "authentication", "cart", "checkout"):
        shutil.rmtree(root / name)
    (root / "smoke.yaml").unlink()
    settings = root / "qasesync.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "scope:\n  - catalog\n")
    return root


def suite_id(emu: Emulator, title: str) -> int:
    [found] = [s["id"] for s in emu.store.suites(PROJECT) if s["title"] == title]
    return int(found)


def case_in(emu: Emulator, title: str) -> int:
    """The id of the first case of the suite ``title``."""
    suite = suite_id(emu, title)
    return min(int(c["id"]) for c in emu.store.cases(PROJECT) if c["suite_id"] == suite)


def title(emu: Emulator, case_id: int) -> str:
    return str(emu.store.get_case(PROJECT, case_id)["title"])


def suite_of(emu: Emulator, case_id: int) -> int:
    return int(emu.store.get_case(PROJECT, case_id)["suite_id"])


def whole(tree: Tree, settings: Settings) -> Callable[[Live], None]:
    return lambda live: None


def both_ways(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, *argv: str
) -> tuple[tuple[int, str], int, int]:
    """``qasesync ARGV`` with the scoped read, then reading every case: the scoped
    result, and the requests each made; the results are the same."""
    start = len(emu.log)
    scoped = run(*argv)
    middle = len(emu.log)
    with monkeypatch.context() as patch:
        patch.setattr(cli_live, "case_scope", whole)
        assert run(*argv) == scoped
    return scoped, middle - start, len(emu.log) - middle


def test_a_no_op_plan_lists_only_the_owned_suites(
    emu: Emulator, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = len(emu.log)
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0
    lists = [r.query for r in list(emu.log)[start:] if r.path == f"/v1/case/{PROJECT}"]
    owned = {str(suite_id(emu, t)) for t in ("Catalog", "Search", "Product page")}
    assert lists and all(q.get("suite_id") in owned for q in lists)
    (code, _), scoped, every = both_ways(emu, monkeypatch, "plan", str(tree), "--format", "json")
    assert code == 0 and scoped < every


def test_a_case_moved_out_of_scope_is_matched_by_id_and_moved_back(
    emu: Emulator, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved = case_in(emu, "Search")
    emu.store.patch_case(PROJECT, moved, {"suite_id": suite_id(emu, "Cart")})
    (code, text), scoped, every = both_ways(emu, monkeypatch, "plan", str(tree))
    assert code == 0 and scoped < every
    assert f'~ changed case "{title(emu, moved)}" (#{moved})' in text
    assert 'suite: "catalog/search" → "Cart"' in text
    assert (
        "Plan: 0 to create, 0 to update, 0 to deprecate, 0 to delete. 1 change in Qase kept."
        in text
    )
    settings = tree / "qasesync.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "drift: revert\n")
    assert run("apply", str(tree), "--yes")[0] == 0
    assert suite_of(emu, moved) == suite_id(emu, "Search")
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0


def test_pull_of_a_case_moved_out_of_scope_says_what_a_whole_read_says(
    emu: Emulator, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu.store.patch_case(PROJECT, case_in(emu, "Search"), {"suite_id": suite_id(emu, "Cart")})
    (_, text), scoped, every = both_ways(emu, monkeypatch, "pull", str(tree), "--dry-run")
    assert scoped < every
    assert "was moved to another suite live: move it in the tree by hand" in text


def test_cases_made_in_scope_are_seen_and_those_elsewhere_are_not(
    emu: Emulator, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu.store.create_case(PROJECT, {"title": "Made in Qase", "suite_id": suite_id(emu, "Search")})
    emu.store.create_case(PROJECT, {"title": "Made elsewhere", "suite_id": suite_id(emu, "Cart")})
    emu.store.patch_case(PROJECT, case_in(emu, "Product page"), {"title": "Renamed in Qase"})
    emu.store.delete_case(PROJECT, case_in(emu, "Search"))
    (_, text), _, _ = both_ways(emu, monkeypatch, "plan", str(tree), "--format", "json")
    assert "Made in Qase" in text and "Renamed in Qase" in text
    assert "Made elsewhere" not in text
    (_, pulled), _, _ = both_ways(emu, monkeypatch, "pull", str(tree), "--dry-run")
    assert "Made in Qase" in pulled and "Made elsewhere" not in pulled


def test_a_wrong_early_guess_of_the_project_is_abandoned_and_the_tree_read_scoped(
    emu: Emulator, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_live, "_peek_settings", lambda root, env: ("OTHER", "jira-cloud"))
    start = len(emu.log)
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0
    lists = [r.query for r in list(emu.log)[start:] if r.path == f"/v1/case/{PROJECT}"]
    assert lists and all("suite_id" in q for q in lists)
