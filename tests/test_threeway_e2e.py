"""Three-way sync end to end (docs/design.md §11): the emulator on a socket, the tree in a
git repository with a commit after every apply and pull, as the workflows do. A web edit is
never reverted, a case created in the web app never deprecated, an unapplied tree edit never
pulled away; conflicts stop plan and apply."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kit.apply import PROJECT, on_socket, write_tree
from kit.apply import run_cli as run

from qasesync.emulator import Emulator

TREE = {
    "qasesync.yaml": f"project: {PROJECT}\n",
    "cart/suite.yaml": "title: Cart\n",
    "cart/cases.yaml": (
        "cases:\n"
        "  # the first case\n"
        "  - title: Adding a product shows it in the cart\n"
        "    priority: high\n"
        "    tags: [cart, smoke]\n"
        "  - title: Quantity above stock is refused\n"
        "    priority: medium\n"
        "  - title: Removing the last product empties the cart\n"
    ),
}
A = "Adding a product shows it in the cart"
B = "Quantity above stock is refused"


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, Emulator(token="T", projects=(PROJECT,)), token="T")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    )
    return done.stdout


@pytest.fixture
def tree(tmp_path: Path, emu: Emulator) -> Path:
    """The tree applied once and committed with its ids and base record."""
    root = write_tree(tmp_path / "cases", TREE)
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "config", "user.email", "ci@example.com")
    git(root, "config", "user.name", "CI")
    commit(root, "cases")
    applied(root)
    return root


def commit(root: Path, message: str) -> None:
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "--allow-empty", "-m", message)


def applied(root: Path, *args: str) -> str:
    code, text = run("apply", str(root), "--yes", *args)
    assert code == 0, text
    commit(root, "apply")
    return text


def pulled(root: Path) -> str:
    code, text = run("pull", str(root))
    assert code == 0, text
    commit(root, "pull")
    return text


def ids(emu: Emulator) -> dict[str, int]:
    return {case["title"]: case["id"] for case in emu.store.cases(PROJECT)}


def live(emu: Emulator, title: str) -> dict[str, Any]:
    [case] = [c for c in emu.store.cases(PROJECT) if c["title"] == title]
    return case


def option(emu: Emulator, name: str, slug: str) -> int:
    entry = next(f for f in emu.store.system_fields() if f["slug"] == name)
    found: int = next(o["id"] for o in entry["options"] if o["slug"] == slug)
    return found


def edit(root: Path, old: str, new: str) -> None:
    path = root / "cart" / "cases.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def plan_json(root: Path) -> tuple[int, dict[str, Any]]:
    code, text = run("plan", str(root), "--format", "json", "--detailed-exitcode")
    return code, json.loads(text)


def test_the_first_apply_records_a_base_and_the_next_plan_is_clean(
    emu: Emulator, tree: Path
) -> None:
    lines = (tree / "qasesync.base.jsonl").read_text(encoding="utf-8").splitlines()
    cart = emu.store.suites(PROJECT)[0]["id"]  # 2: the apply's lock took 1 (§12)
    assert lines[:2] == ['{"qasesync_base":1}', f'{{"suite_id":{cart},"title":"Cart"}}']
    assert [json.loads(line)["case_id"] for line in lines[2:]] == [ids(emu)[A], ids(emu)[B], 3]
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0


def test_a_web_edit_is_drift_kept_by_apply_until_pulled(emu: Emulator, tree: Path) -> None:
    case_ids = ids(emu)
    emu.store.patch_case(PROJECT, case_ids[A], {"priority": option(emu, "priority", "low")})
    edit(tree, "    priority: medium\n", "    priority: low\n")  # the tree edits B
    commit(tree, "B is less urgent")

    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 2
    assert f'~ update case "{B}" (#{case_ids[B]})' in text
    drift = text.split("Changed in Qase since the last sync:")[1]
    assert f'~ changed case "{A}" (#{case_ids[A]})' in drift
    assert 'priority: "high" → "low"' in drift
    assert "1 change in Qase kept." in text

    applied(tree)
    assert live(emu, B)["priority"] == option(emu, "priority", "low")
    assert live(emu, A)["priority"] == option(emu, "priority", "low")  # the web value kept
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 0 and f'~ changed case "{A}"' in text  # still drift, not a change

    assert "~ case" in pulled(tree)
    assert "    priority: low\n    tags: [cart, smoke]\n" in (tree / "cart/cases.yaml").read_text()
    assert run("plan", str(tree), "--detailed-exitcode") == (
        0,
        f"No changes. Project {PROJECT} matches the tree.\n\n"
        "Plan: 0 to create, 0 to update, 0 to deprecate, 0 to delete.\n"
        "Apply will make no API requests.\n",
    )


def test_a_case_edited_on_both_sides_in_other_fields_keeps_both(emu: Emulator, tree: Path) -> None:
    case_id = ids(emu)[B]
    emu.store.patch_case(PROJECT, case_id, {"priority": option(emu, "priority", "high")})
    edit(tree, f"    title: {B}\n", f"    title: {B} for every product\n")
    commit(tree, "retitle B")

    applied(tree)
    assert live(emu, f"{B} for every product")["priority"] == option(emu, "priority", "high")
    for _ in range(2):  # the base moved per field: later applies keep the web priority too
        assert "Plan: 0 to create, 0 to update" in applied(tree)
        assert live(emu, f"{B} for every product")["priority"] == option(emu, "priority", "high")

    assert "priority" in pulled(tree)
    text = (tree / "cart/cases.yaml").read_text(encoding="utf-8")
    assert f"  - id: {case_id}\n    title: {B} for every product\n    priority: high\n" in text
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0


def test_a_case_created_in_the_web_app_is_not_deprecated_and_pull_adds_it(
    emu: Emulator, tree: Path
) -> None:
    suite = live(emu, A)["suite_id"]
    made = emu.store.create_case(PROJECT, {"title": "Created in the web app", "suite_id": suite})

    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 0 and "deprecate case" not in text
    assert f'+ created case "Created in the web app" (#{made})' in text
    applied(tree)
    assert live(emu, "Created in the web app")["status"] != option(emu, "status", "deprecated")

    assert f"+ case #{made} 'Created in the web app' (cart/cases.yaml)" in pulled(tree)
    assert f"  - id: {made}\n    title: Created in the web app\n" in (
        tree / "cart/cases.yaml"
    ).read_text(encoding="utf-8")
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0


def test_an_unapplied_tree_edit_survives_pull_byte_for_byte(emu: Emulator, tree: Path) -> None:
    emu.store.patch_case(PROJECT, ids(emu)[A], {"description": "Edited in the web app"})
    edit(tree, "    priority: medium\n", "    priority:   low   # not applied yet\n")
    before = (tree / "cart/cases.yaml").read_text(encoding="utf-8")

    assert f"~ case #{ids(emu)[A]} '{A}' (cart/cases.yaml): description" in pulled(tree)
    after = (tree / "cart/cases.yaml").read_text(encoding="utf-8")
    assert "    priority:   low   # not applied yet\n" in after
    assert after.replace("    description: Edited in the web app\n", "") == before
    code, plan = plan_json(tree)  # the tree's edit is still a change to make
    assert code == 2 and [c["fields"] for c in plan["changes"]] == [["priority"]]


def test_a_conflict_fails_plan_and_apply_and_changes_nothing(emu: Emulator, tree: Path) -> None:
    case_id = ids(emu)[B]
    emu.store.patch_case(PROJECT, case_id, {"priority": option(emu, "priority", "high")})
    edit(tree, "    priority: medium\n", "    priority: low\n")
    edit(tree, "    title: Removing", "    title: Emptying")  # a change beside it
    before = json.dumps(emu.store.cases(PROJECT), sort_keys=True)

    code, text = run("plan", str(tree), "--detailed-exitcode", "--out", str(tree / "p.json"))
    assert code == 1 and not (tree / "p.json").exists()
    head = text.split("qasesync will make these changes")[0]
    assert f'! update case "{B}" (#{case_id})' in head
    assert 'priority: was "medium"; the tree has "low", Qase has "high"' in head
    assert "cart/cases.yaml:7:5" in head  # B's item, below the ids apply wrote

    code, _ = run("apply", str(tree), "--yes")
    assert code == 1
    assert json.dumps(emu.store.cases(PROJECT), sort_keys=True) == before


def test_drift_revert_restores_the_tree_and_drift_fail_exits_1(emu: Emulator, tree: Path) -> None:
    emu.store.patch_case(PROJECT, ids(emu)[A], {"priority": option(emu, "priority", "low")})
    settings = tree / "qasesync.yaml"

    settings.write_text(f"project: {PROJECT}\ndrift: fail\n", encoding="utf-8")
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 1 and f'~ changed case "{A}"' in text
    assert run("apply", str(tree), "--yes")[0] == 1
    assert live(emu, A)["priority"] == option(emu, "priority", "low")

    settings.write_text(f"project: {PROJECT}\ndrift: revert\n", encoding="utf-8")
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 2 and "(changed in Qase; reverted)" in text
    applied(tree)
    assert live(emu, A)["priority"] == option(emu, "priority", "high")
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0


def test_a_case_deleted_in_the_web_app_is_not_created_again_and_pull_removes_it(
    emu: Emulator, tree: Path
) -> None:
    case_id = ids(emu)[B]
    emu.store.delete_case(PROJECT, case_id)
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 0 and f'- deleted case "{B}" (#{case_id})\n      cart/cases.yaml:' in text
    assert "created anew" not in text  # it is not: no warning says it is
    applied(tree)
    assert B not in ids(emu)
    assert f"- case #{case_id} '{B}' (cart/cases.yaml): deleted in Qase" in pulled(tree)
    assert B not in (tree / "cart/cases.yaml").read_text(encoding="utf-8")
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0


def test_tags_merge_per_tag(emu: Emulator, tree: Path) -> None:
    emu.store.patch_case(PROJECT, ids(emu)[A], {"tags": ["cart", "smoke", "web"]})
    edit(tree, "tags: [cart, smoke]", "tags: [cart]")  # the tree drops smoke
    applied(tree)
    tags = sorted(tag["title"] for tag in live(emu, A)["tags"])
    assert tags == ["cart", "web"]  # both sides' edits hold


def test_a_late_second_copy_of_a_created_case_is_pruned_not_taken_for_a_web_case(
    emu: Emulator, tree: Path
) -> None:
    # A bulk create the service committed after the client gave up: the same title again.
    original = live(emu, B)
    copy = emu.store.create_case(PROJECT, {"title": B, "suite_id": original["suite_id"]})

    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 2 and f'- deprecate case "{B}" (#{copy})' in text
    assert f"case #{copy} '{B}' has the title and suite of #{original['id']}" in text
    assert "Changed in Qase" not in text
    assert "Nothing to pull" in pulled(tree)  # pull does not bring the copy into the tree


def test_a_field_the_tree_emptied_leaves_the_record_and_a_later_web_edit_is_drift(
    emu: Emulator, tree: Path
) -> None:
    case_id = ids(emu)[A]
    edit(tree, "    tags: [cart, smoke]\n", "")
    applied(tree)
    emu.store.patch_case(PROJECT, case_id, {"tags": ["cart"]})  # a tester puts one back
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 0 and f'~ changed case "{A}"' in text and "tags: +cart" in text
    applied(tree)
    assert [tag["title"] for tag in live(emu, A)["tags"]] == ["cart"]


def test_a_case_the_tree_removed_stays_recorded_deprecated_not_created_in_qase(
    emu: Emulator, tree: Path
) -> None:
    text = (tree / "cart/cases.yaml").read_text(encoding="utf-8")
    start = text.index(f"  - id: {ids(emu)[B]}\n")
    end = text.index("  - id:", start + 1)
    (tree / "cart/cases.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    assert "1 deprecated" in applied(tree)
    (tree / "qasesync.yaml").write_text(f"project: {PROJECT}\ndrift: fail\n", encoding="utf-8")
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0
    assert "Nothing to pull" in pulled(tree)


def test_a_deprecated_case_from_before_the_record_is_not_created_in_qase(
    emu: Emulator, tree: Path
) -> None:
    suite = live(emu, A)["suite_id"]
    deprecated = option(emu, "status", "deprecated")
    emu.store.create_case(PROJECT, {"title": "Old", "suite_id": suite, "status": deprecated})
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 0 and "Old" not in text


def test_cases_deleted_in_qase_with_their_suite_are_drift_not_conflicts(
    emu: Emulator, tree: Path
) -> None:
    suite = live(emu, A)["suite_id"]
    for case in emu.store.cases(PROJECT):
        emu.store.delete_case(PROJECT, case["id"])
    emu.store.delete_suite(PROJECT, suite)
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 2 and "Conflicts" not in text  # the suite is created again: a change
    assert text.count("- deleted case") == 3


def test_apply_without_write_back_keeps_an_existing_record_true(emu: Emulator, tree: Path) -> None:
    case_id = ids(emu)[A]
    edit(tree, "    priority: high\n", "    priority: low\n")
    assert run("apply", str(tree), "--yes", "--no-write-back")[0] == 0
    emu.store.patch_case(PROJECT, case_id, {"priority": option(emu, "priority", "high")})
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 0 and f'~ changed case "{A}"' in text  # the tester's, not a tree change


def test_drift_revert_settles_a_conflict_in_the_trees_favour(emu: Emulator, tree: Path) -> None:
    emu.store.patch_case(PROJECT, ids(emu)[B], {"priority": option(emu, "priority", "high")})
    edit(tree, "    priority: medium\n", "    priority: low\n")
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 1
    (tree / "qasesync.yaml").write_text(f"project: {PROJECT}\ndrift: revert\n", encoding="utf-8")
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 2 and 'priority: "high" → "low"   (changed in Qase; reverted)' in text
    applied(tree)
    assert live(emu, B)["priority"] == option(emu, "priority", "low")
    (tree / "qasesync.yaml").write_text(f"project: {PROJECT}\n", encoding="utf-8")
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0


def test_a_suite_renamed_in_qase_is_drift_and_pull_brings_the_title(
    emu: Emulator, tree: Path
) -> None:
    suite = live(emu, A)["suite_id"]
    emu.store.patch_suite(PROJECT, suite, {"title": "Shopping cart"})
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 0 and f'~ changed suite "Cart" (#{suite})' in text
    assert 'title: "Cart" → "Shopping cart"' in text
    applied(tree)
    assert [s["title"] for s in emu.store.suites(PROJECT)] == ["Shopping cart"]
    assert "title" in pulled(tree)
    assert "title: Shopping cart\n" in (tree / "cart/suite.yaml").read_text(encoding="utf-8")
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0


def test_a_suite_created_in_qase_is_never_deleted(emu: Emulator, tree: Path) -> None:
    made = emu.store.create_suite(PROJECT, {"title": "Made in the web app"})
    (tree / "qasesync.yaml").write_text(f"project: {PROJECT}\nprune: delete\n", encoding="utf-8")
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 0 and f'+ created suite "Made in the web app" (#{made})' in text
    applied(tree)
    assert made in [s["id"] for s in emu.store.suites(PROJECT)]


def test_an_exported_tree_is_recorded_so_a_later_web_edit_is_drift(
    emu: Emulator, tree: Path, tmp_path: Path
) -> None:
    out = tmp_path / "exported"
    assert run("export", "--project", PROJECT, "--out", str(out))[0] == 0
    lines = (out / "qasesync.base.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 1 + 3  # the header, the suite, the cases
    emu.store.patch_case(PROJECT, ids(emu)[B], {"priority": option(emu, "priority", "high")})
    code, text = run("plan", str(out), "--detailed-exitcode")
    assert code == 0 and f'~ changed case "{B}"' in text


def test_a_field_managed_again_after_ignore_fields_is_the_trees_change(
    emu: Emulator, tree: Path
) -> None:
    (tree / "qasesync.yaml").write_text(
        f"project: {PROJECT}\nignore_fields: [priority]\n", encoding="utf-8"
    )
    edit(
        tree,
        "    title: Removing the last product empties the cart\n",
        "    title: Removing the last product empties the cart\n    priority: low\n",
    )
    applied(tree)  # the record leaves priority out, and says so in its header
    assert (
        (tree / "qasesync.base.jsonl")
        .read_text()
        .startswith('{"qasesync_base":1,"partial":["priority"]}\n')
    )
    (tree / "qasesync.yaml").write_text(f"project: {PROJECT}\n", encoding="utf-8")
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 2 and "Conflicts" not in text and 'priority: "undefined" → "low"' in text


def test_a_case_on_two_lines_of_the_record_is_not_taken_for_one_created_in_qase(
    emu: Emulator, tree: Path
) -> None:
    record = tree / "qasesync.base.jsonl"
    lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
    [line] = [x for x in lines if f'"case_id":{ids(emu)[B]},' in x]
    record.write_text("".join([*lines, line.replace('"title"', '"priority":"low","title"')]))
    text = (tree / "cart/cases.yaml").read_text(encoding="utf-8")
    start = text.index(f"  - id: {ids(emu)[B]}\n")
    end = text.index("  - id:", start + 1)
    (tree / "cart/cases.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 2 and f'- deprecate case "{B}"' in text and "created case" not in text
    assert f"holds case {ids(emu)[B]} twice" in text


SHARED = {
    **TREE,
    "shared_steps.yaml": (
        "shared_steps:\n"
        "  - key: sign-in\n"
        "    title: Sign in\n"
        "    steps:\n"
        "      - action: Open /login\n"
    ),
}


def test_a_shared_step_edited_in_qase_is_drift_a_tree_edit_is_applied(
    emu: Emulator, tmp_path: Path
) -> None:
    root = write_tree(tmp_path / "cases", SHARED)
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "config", "user.email", "ci@example.com")
    git(root, "config", "user.name", "CI")
    applied(root)
    [step] = emu.store.shared_steps(PROJECT)
    steps = [{"action": "Open /login", "expected_result": "The form is shown"}]
    emu.store.patch_shared_step(PROJECT, step["hash"], {"title": "Sign in", "steps": steps})
    text = (root / "shared_steps.yaml").read_text(encoding="utf-8")
    (root / "shared_steps.yaml").write_text(text.replace("title: Sign in", "title: Log in"))

    code, text = run("plan", str(root), "--detailed-exitcode")
    assert code == 2 and '~ update shared step "Log in"' in text
    assert '~ changed shared step "Log in"' in text.split("Changed in Qase")[1]
    applied(root)
    [step] = emu.store.shared_steps(PROJECT)
    assert step["title"] == "Log in"  # the tree's title, and Qase's steps kept
    assert step["steps"][0]["expected_result"] == "The form is shown"
    assert "steps" in pulled(root)
    assert "expected_result: The form is shown" in (root / "shared_steps.yaml").read_text()
    assert run("plan", str(root), "--detailed-exitcode")[0] == 0


def test_a_shared_step_created_in_qase_is_never_deleted(emu: Emulator, tree: Path) -> None:
    made = emu.store.create_shared_step(
        PROJECT, {"title": "Made in Qase", "steps": [{"action": "Do it"}]}
    )
    (tree / "qasesync.yaml").write_text(f"project: {PROJECT}\nprune: delete\n", encoding="utf-8")
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 0 and f'+ created shared step "Made in Qase" ({made})' in text
    applied(tree)
    assert [s["hash"] for s in emu.store.shared_steps(PROJECT)] == [made]


def test_two_pull_requests_merged_one_after_the_other_both_land(emu: Emulator, tree: Path) -> None:
    git(tree, "checkout", "--quiet", "-b", "first")
    edit(tree, "    priority: high\n", "    priority: low\n")
    commit(tree, "A is less urgent")
    git(tree, "checkout", "--quiet", "main")
    git(tree, "checkout", "--quiet", "-b", "second")
    edit(tree, "    priority: medium\n", "    priority: high\n")
    commit(tree, "B is urgent")
    git(tree, "checkout", "--quiet", "main")
    for branch in ("first", "second"):  # merged in turn; apply runs on main after each
        git(tree, "merge", "--quiet", "--no-edit", branch)  # the record never conflicts
        applied(tree)
    assert live(emu, A)["priority"] == option(emu, "priority", "low")
    assert live(emu, B)["priority"] == option(emu, "priority", "high")
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0
    assert git(tree, "status", "--porcelain") == ""


def test_pull_reports_a_conflict_leaves_its_lines_and_exits_1(emu: Emulator, tree: Path) -> None:
    case_id = ids(emu)[B]
    emu.store.patch_case(PROJECT, case_id, {"priority": option(emu, "priority", "high")})
    emu.store.patch_case(PROJECT, ids(emu)[A], {"description": "From the web app"})
    edit(tree, "    priority: medium\n", "    priority: low\n")
    code, text = run("pull", str(tree))
    assert code == 1
    assert text.startswith(
        f"! conflict: case #{case_id} '{B}' (cart/cases.yaml:7:5): "
        'priority: was "medium"; the tree has "low", Qase has "high"; '
        "the tree's lines are left as they are\n"
    )
    yaml = (tree / "cart/cases.yaml").read_text(encoding="utf-8")
    assert "    priority: low\n" in yaml  # the conflict's line as the tree has it
    assert "    description: From the web app\n" in yaml  # the rest is pulled


def test_a_step_conflict_shows_the_recorded_step_value_both_sides_changed(
    emu: Emulator, tree: Path
) -> None:
    steps = "    steps:\n      - action: Add 5\n"
    edit(tree, "    priority: medium\n", "    priority: medium\n" + steps)
    applied(tree)
    case_id = ids(emu)[B]
    emu.store.patch_case(PROJECT, case_id, {"steps": [{"action": "Add 9"}]})
    edit(tree, "      - action: Add 5\n", "      - action: Add 7\n")
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 1
    assert 'steps[1].action: was "Add 5"; the tree has "Add 7", Qase has "Add 9"' in text
