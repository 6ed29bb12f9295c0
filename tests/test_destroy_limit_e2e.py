"""The destroy limit end to end, against the emulator on a socket: each way round it that
was found is refused (deprecated cases loosening the share, ``max_destroy: 0`` under ten
cases, a saved plan's edited figures or changes), with nothing written to Qase; apply
works the limit out from the live project as it reads it then."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kit.apply import PROJECT, on_socket, shop_emulator, write_tree, writes
from kit.apply import run_cli as run

from qasesync.emulator import Emulator


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator())


@pytest.fixture
def tree_root(tmp_path: Path) -> Path:
    return tmp_path


def small_tree(root: Path, count: int, *, settings: str = "") -> Path:
    """``count`` cases ``Case 0`` … in one suite folder ``area``; ``settings``: more lines
    of qasesync.yaml (line 3 on)."""
    cases = "".join(f"  - title: Case {i}\n" for i in range(count))
    files = {
        "qasesync.yaml": f"# the destroy limit\nproject: {PROJECT}\n{settings}",
        "area/cases.yaml": f"cases:\n{cases}",
    }
    return write_tree(root / "cases", files)


def drop(tree: Path, *numbers: int) -> None:
    """Remove the cases ``Case N`` from the tree (ids written back or not)."""
    path = tree / "area/cases.yaml"
    head, *blocks = re.split(r"(?m)^(?=  - )", path.read_text(encoding="utf-8"))
    gone = {f"title: Case {n}\n" for n in numbers}
    kept = [b for b in blocks if not any(g in b for g in gone)]
    assert len(kept) == len(blocks) - len(numbers)
    path.write_text(head + "".join(kept) if kept else "cases: []\n", encoding="utf-8")


def applied(tree: Path, *options: str) -> str:
    code, text = run("apply", str(tree), "--yes", *options)
    assert code == 0, text
    return text


def statuses(emu: Emulator) -> dict[str, int]:
    """How many live cases have each status id (0 actual, 1 draft, 2 deprecated)."""
    counted: dict[str, int] = {}
    for case in emu.store.cases(PROJECT):
        counted[str(case["status"])] = counted.get(str(case["status"]), 0) + 1
    return counted


def refused(tree: Path, capsys: pytest.CaptureFixture[str], *options: str) -> str:
    """apply refused with exit 1: its error line."""
    capsys.readouterr()
    code, _ = run("apply", str(tree), "--yes", *options)
    assert code == 1
    return capsys.readouterr().err


# --- the live share --------------------------------------------------------------------------


def test_deprecated_cases_do_not_loosen_the_limit_of_the_next_apply(
    emu: Emulator, tree_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = small_tree(tree_root, 12, settings="max_destroy: 25%\n")
    applied(tree)
    drop(tree, 0, 1, 2)  # 3 of 12: 25 %
    assert "3 deprecated" in applied(tree)
    drop(tree, 3, 4, 5)  # 3 of the 9 still active: 33 % (3 of all 12 live would be 25 %)
    before = len(writes(emu))
    assert refused(tree, capsys) == (
        "error: would deprecate 3 of 9 active cases in scope (33.3 %), above max_destroy 25 %; "
        "rerun with --allow-destroy or raise max_destroy in qasesync.yaml:3\n"
    )
    assert len(writes(emu)) == before and statuses(emu) == {"0": 9, "2": 3}


def test_max_destroy_zero_holds_for_a_project_of_nine_cases(
    emu: Emulator, tree_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = small_tree(tree_root, 9, settings="prune: deprecate\nmax_destroy: 0\n")
    applied(tree)
    drop(tree, *range(9))
    before = len(writes(emu))
    assert refused(tree, capsys) == (
        "error: would deprecate 9 of 9 active cases in scope (100 %), above max_destroy 0; "
        "rerun with --allow-destroy or raise max_destroy in qasesync.yaml:4\n"
    )
    assert len(writes(emu)) == before and statuses(emu) == {"0": 9}
    assert "9 deprecated" in applied(tree, "--allow-destroy")


def test_the_default_allows_one_case_of_a_small_project_but_not_two(
    emu: Emulator, tree_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = small_tree(tree_root, 3)
    applied(tree)
    drop(tree, 0, 1)
    assert refused(tree, capsys) == (
        "error: would deprecate 2 of 3 active cases in scope (66.7 %), above max_destroy 25 % "
        "(the default, which allows at least 1); rerun with --allow-destroy or set "
        "max_destroy in qasesync.yaml\n"
    )
    small_tree(tree_root, 3)  # the ids are lost; the next plan adopts the cases by title
    drop(tree, 0)
    assert "1 deprecated" in applied(tree)


def test_deleting_deprecated_cases_is_limited_by_their_share(
    emu: Emulator, tree_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = small_tree(tree_root, 8)
    applied(tree)
    drop(tree, 0, 1)
    applied(tree)  # 2 deprecated
    (tree / "qasesync.yaml").write_text(
        f"project: {PROJECT}\nprune: delete\n", encoding="utf-8"
    )  # both deprecated cases would go: 2 of 2
    assert refused(tree, capsys) == (
        "error: would delete 2 of 2 deprecated cases in scope (100 %), above max_destroy 25 % "
        "(the default, which allows at least 1); rerun with --allow-destroy or set "
        "max_destroy in qasesync.yaml\n"
    )
    assert statuses(emu) == {"0": 6, "2": 2}


def test_drafts_are_active_cases(
    emu: Emulator, tree_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = small_tree(tree_root, 4, settings="max_destroy: 25%\n")
    applied(tree)
    for i in range(4):
        emu.store.create_case(PROJECT, {"title": f"Draft {i}", "status": 1})
    # The drafts were made in Qase after the last sync: never pruned, but in scope.
    drop(tree, 0, 1, 2)
    assert refused(tree, capsys).startswith(
        "error: would deprecate 3 of 8 active cases in scope (37.5 %), above max_destroy 25 %;"
    )


# --- saved plans -------------------------------------------------------------------------------


def saved_over_the_limit(tree_root: Path, plan_file: Path) -> tuple[Path, dict[str, Any]]:
    """8 cases applied, then 4 removed from the tree (50 %, over the default 25 %): the plan
    saved, with the warning that apply will refuse it."""
    tree = small_tree(tree_root, 8)
    applied(tree)
    drop(tree, 0, 1, 2, 3)
    code, text = run("plan", str(tree), "--out", str(plan_file))
    assert code == 0 and "apply refuses this plan unless given --allow-destroy" in text
    return tree, json.loads(plan_file.read_text(encoding="utf-8"))


def apply_saved(
    tree: Path, plan_file: Path, data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> str:
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    capsys.readouterr()
    assert run("apply", str(tree), "--plan", str(plan_file), "--yes")[0] == 1
    return capsys.readouterr().err


@pytest.mark.parametrize(
    "figures",
    [
        {"cases_in_scope": {"active": 400, "deprecated": 0}, "max_destroy": "100 %"},
        {"cases_in_scope": {"active": 400, "deprecated": 0}, "max_destroy": None},
    ],
)
def test_a_saved_plan_with_edited_figures_is_refused_by_the_live_counts(
    emu: Emulator,
    tree_root: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    figures: dict[str, Any],
) -> None:
    plan_file = tmp_path / "plan.json"
    tree, data = saved_over_the_limit(tree_root, plan_file)
    assert (data["cases_in_scope"], data["max_destroy"]) == (
        {"active": 8, "deprecated": 0},
        "25 %",
    )
    before = len(writes(emu))
    assert apply_saved(tree, plan_file, {**data, **figures}, capsys) == (
        "error: would deprecate 4 of 8 active cases in scope (50 %), above max_destroy 25 % "
        "(the default, which allows at least 1); rerun with --allow-destroy or set "
        "max_destroy in qasesync.yaml\n"
    )
    assert len(writes(emu)) == before and statuses(emu) == {"0": 8}


def test_a_saved_plan_without_a_deprecations_fingerprint_is_refused(
    emu: Emulator, tree_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_file = tmp_path / "plan.json"
    tree, data = saved_over_the_limit(tree_root, plan_file)
    data["changes"][0]["fingerprint"] = None
    name = data["changes"][0]["id"]
    err = apply_saved(tree, plan_file, data, capsys)
    assert "the saved plan is stale" in err
    assert f"case #{name} 'Case 0': carries no fingerprint" in err
    assert statuses(emu) == {"0": 8}


def test_a_saved_plan_whose_shown_values_were_edited_is_refused(
    emu: Emulator, tree_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_file = tmp_path / "plan.json"
    tree, data = saved_over_the_limit(tree_root, plan_file)
    data["changes"][1]["diffs"][0]["before"] = "deprecated"  # as if it were one already
    err = apply_saved(tree, plan_file, data, capsys)
    assert "deprecate case 'Case 1': not what planning the same tree and project" in err
    assert statuses(emu) == {"0": 8}


def test_a_saved_plan_with_a_deprecation_added_is_refused(
    emu: Emulator, tree_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = small_tree(tree_root, 8)
    applied(tree)
    drop(tree, 0)
    plan_file = tmp_path / "plan.json"
    assert run("plan", str(tree), "--out", str(plan_file))[0] == 0
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    [first] = data["changes"]
    kept = next(c for c in emu.store.cases(PROJECT) if c["title"] == "Case 5")
    data["changes"].append({**first, "name": "Case 5", "id": kept["id"]})
    data["summary"]["deprecate"] += 1  # as plan would count it: read back, then compared
    err = apply_saved(tree, plan_file, data, capsys)
    assert "the saved plan is stale" in err and statuses(emu) == {"0": 8}


def test_a_saved_plan_that_names_no_live_case_to_deprecate_is_refused(
    emu: Emulator, tree_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_file = tmp_path / "plan.json"
    tree, data = saved_over_the_limit(tree_root, plan_file)
    data["changes"][0]["id"] = None
    err = apply_saved(tree, plan_file, data, capsys)
    assert "deprecate case 'Case 0': names no live entity" in err
    assert statuses(emu) == {"0": 8}


def test_apply_of_a_saved_plan_counts_the_live_project_as_it_is_then(
    emu: Emulator, tree_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Saved within the limit: 3 of 16 active (11 synced, 5 made in Qase since). Then the
    # 5 are deprecated in the web app: the same 3 are now 3 of 11 active, over 25 %.
    tree = small_tree(tree_root, 11, settings="max_destroy: 25%\n")
    applied(tree)
    made = [emu.store.create_case(PROJECT, {"title": f"Made in Qase {i}"}) for i in range(5)]
    drop(tree, 0, 1, 2)
    plan_file = tmp_path / "plan.json"
    code, text = run("plan", str(tree), "--out", str(plan_file))
    assert code == 0 and "--allow-destroy" not in text
    for case_id in made:
        emu.store.patch_case(PROJECT, case_id, {"status": 2})
    capsys.readouterr()
    assert run("apply", str(tree), "--plan", str(plan_file), "--yes")[0] == 1
    assert capsys.readouterr().err == (
        "error: would deprecate 3 of 11 active cases in scope (27.3 %), above max_destroy 25 %; "
        "rerun with --allow-destroy or raise max_destroy in qasesync.yaml:3\n"
    )
    assert statuses(emu) == {"0": 11, "2": 5}
    code, text = run("apply", str(tree), "--plan", str(plan_file), "--yes", "--allow-destroy")
    assert code == 0 and "3 deprecated" in text
