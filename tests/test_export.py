"""`qasesync export` against the emulator on a socket: the example tree applied, then
exported, plans clean (the fixpoint); a workspace with other option ids and an extra
slug; what the tree cannot express goes into ignore_fields and the report; a non-empty
folder is refused without --force."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kit.apply import (
    PROJECT,
    TOKEN,
    copy_cases,
    looping_suites,
    on_socket,
    shop_emulator,
    shop_fields,
)
from kit.apply import run_cli as run
from kit.emulator import shifted_system_fields

from qasesync.emulator import Emulator
from qasesync.tree.load import load_tree


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator())


def with_showstopper() -> list[dict[str, Any]]:
    """Option ids moved by 100, and a severity ``showstopper`` (id 150) as the default."""
    fields = shifted_system_fields()
    severity = next(f for f in fields if f["slug"] == "severity")
    for item in severity["options"]:
        item["is_default"] = False
    severity["options"].append(
        {"id": 150, "slug": "showstopper", "title": "Showstopper", "is_default": True}
    )
    return fields


@pytest.fixture
def odd_emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator(system_fields=with_showstopper()))


def plan_is_clean(tree: Path) -> None:
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 0, text
    assert "No changes." in text and "warning" not in text.lower()


def test_the_example_tree_applied_then_exported_plans_clean(emu: Emulator, tmp_path: Path) -> None:
    source = copy_cases(tmp_path)
    assert run("apply", str(source), "--yes")[0] == 0
    out = tmp_path / "exported"
    code, text = run("export", "--project", PROJECT, "--out", str(out))
    assert (code, text) == (
        0,
        f"Exported {PROJECT}: 46 cases in 18 suites, 4 shared steps into {out} (40 files)\n",
    )
    plan_is_clean(out)
    assert run("validate", str(out))[0] == 0


def test_the_example_tree_on_other_ids_and_another_default_exports_and_plans_clean(
    odd_emu: Emulator, tmp_path: Path
) -> None:
    source = copy_cases(tmp_path)
    assert run("apply", str(source), "--yes")[0] == 0
    out = tmp_path / "exported"
    code, text = run("export", "--project", PROJECT, "--out", str(out))
    assert (code, text.splitlines()[1:]) == (
        0,
        ["options: severity: showstopper (beyond the default table)"],
    )
    plan_is_clean(out)
    assert run("validate", str(out))[0] == 0
    # the cases that leave severity out got the workspace's default, and still leave it out
    mine, theirs = load_tree(source), load_tree(out)
    assert sorted(c.id or 0 for c in theirs.cases if c.severity is None) == sorted(
        c.id or 0 for c in mine.cases if c.severity is None
    )


def test_the_export_holds_what_the_example_tree_holds(emu: Emulator, tmp_path: Path) -> None:
    source = copy_cases(tmp_path)
    run("apply", str(source), "--yes")
    out = tmp_path / "exported"
    run("export", "--project", PROJECT, "--out", str(out))
    mine, theirs = load_tree(source), load_tree(out)
    assert sorted((c.id, c.title, c.severity, c.tags) for c in theirs.cases) == sorted(
        (c.id, c.title, c.severity, c.tags) for c in mine.cases
    )
    assert sorted(s.hash or "" for s in theirs.shared_steps) == sorted(
        s.hash or "" for s in mine.shared_steps
    )


def option(emu: Emulator, name: str, slug: str) -> int:
    entry = next(f for f in emu.store.system_fields() if f["slug"] == name)
    found: int = next(o["id"] for o in entry["options"] if o["slug"] == slug)
    return found


def test_a_workspace_with_other_ids_and_an_extra_slug_exports_its_options(
    odd_emu: Emulator, tmp_path: Path
) -> None:
    store = odd_emu.store
    suite = store.create_suite(PROJECT, {"title": "Billing"})
    for title, severity in (("Refund", "showstopper"), ("Invoice", "normal")):
        payload = {
            "title": title,
            "suite_id": suite,
            "severity": option(odd_emu, "severity", severity),
        }
        store.create_case(PROJECT, payload)
    out = tmp_path / "exported"
    code, text = run("export", "--project", PROJECT, "--out", str(out))
    assert (code, text.splitlines()[1:]) == (
        0,
        ["options: severity: showstopper (beyond the default table)"],
    )
    assert (out / "qasesync.yaml").read_text(encoding="utf-8") == (
        "# yaml-language-server: $schema=.schemas/qasesync.schema.json\n"
        "project: SHOP\n"
        "options:\n"
        "  severity: [showstopper]\n"
    )
    # showstopper is the workspace's default: left out; normal is not, so it is written
    assert (out / "billing" / "cases.yaml").read_text(encoding="utf-8").split("cases:\n")[1] == (
        "  - id: 1\n    title: Refund\n  - id: 2\n    title: Invoice\n    severity: normal\n"
    )
    plan_is_clean(out)


def test_group_parameters_go_into_ignore_fields_and_the_report(
    emu: Emulator, tmp_path: Path
) -> None:
    group = {"items": [{"title": "os", "values": ["linux"]}, {"title": "cpu", "values": ["arm"]}]}
    emu.store.create_case(PROJECT, {"title": "Plain"})
    case_id = emu.store.create_case(PROJECT, {"title": "Matrix", "parameters": [group]})
    out = tmp_path / "exported"
    code, text = run("export", "--project", PROJECT, "--out", str(out))
    assert (code, text.splitlines()[1:]) == (
        0,
        [
            "ignore_fields: parameters — 1 live case(s) hold group or shared parameters, "
            "which qasesync must never overwrite:",
            f"  #{case_id} 'Matrix'",
            "  (fields in ignore_fields are never compared nor sent, for every case: "
            "remove one from the list to manage it again)",
        ],
    )
    settings = (out / "qasesync.yaml").read_text(encoding="utf-8")
    assert settings.endswith("project: SHOP\nignore_fields: [parameters]\n")
    plan_is_clean(out)


def test_a_non_empty_folder_is_refused_without_force(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emu.store.create_case(PROJECT, {"title": "Only"})
    out = tmp_path / "exported"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert run("export", "--project", PROJECT, "--out", str(out))[0] == 1
    assert capsys.readouterr().err == f"error: {out} is not empty; use --force to write into it\n"
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert run("export", "--project", PROJECT, "--out", str(out), "--force")[0] == 0
    assert sorted(p.name for p in out.iterdir()) == [
        ".schemas",
        "cases.yaml",
        "notes.txt",
        "qasesync.base.jsonl",
        "qasesync.yaml",
    ]
    plan_is_clean(out)


def test_an_unknown_project_is_one_clear_error(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("export", "--project", "NOPE", "--out", str(tmp_path / "x"))[0] == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "project NOPE not found" in err and err.count("\n") == 1
    assert not (tmp_path / "x").exists()


def test_live_suites_whose_parents_loop_are_the_plan_error_and_nothing_is_written(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problem = looping_suites(emu, PROJECT)
    out = tmp_path / "exported"
    assert run("export", "--project", PROJECT, "--out", str(out)) == (1, "")
    assert capsys.readouterr().err == f"error: {problem}\n"
    assert not out.exists()


def link(emu: Emulator, kind: str, case_id: int, key: str) -> None:
    links = [{"case_id": case_id, "external_issues": [key]}]
    emu.store.attach_external_issues(PROJECT, {"type": kind, "links": links})


def test_a_project_linked_to_jira_server_exports_that_issue_type(
    emu: Emulator, tmp_path: Path
) -> None:
    case_id = emu.store.create_case(PROJECT, {"title": "Linked"})
    link(emu, "jira-server", case_id, "OPS-7")
    out = tmp_path / "exported"
    code, text = run("export", "--project", PROJECT, "--out", str(out))
    assert (code, text.count("\n")) == (0, 1)
    assert (
        (out / "qasesync.yaml")
        .read_text(encoding="utf-8")
        .endswith("project: SHOP\nexternal_issue_type: jira-server\n")
    )
    assert "    external_issues: [OPS-7]\n" in (out / "cases.yaml").read_text(encoding="utf-8")
    plan_is_clean(out)


def test_issues_of_both_jira_types_put_external_issues_into_ignore_fields(
    emu: Emulator, tmp_path: Path
) -> None:
    cloud = emu.store.create_case(PROJECT, {"title": "Cloud"})
    both = emu.store.create_case(PROJECT, {"title": "Both"})
    link(emu, "jira-cloud", cloud, "ENG-1")
    link(emu, "jira-cloud", both, "ENG-2")
    link(emu, "jira-server", both, "OPS-2")
    out = tmp_path / "exported"
    code, text = run("export", "--project", PROJECT, "--out", str(out))
    assert (code, text.splitlines()[1:3]) == (
        0,
        [
            "ignore_fields: external_issues — 1 live case(s) hold external issues of another "
            "type, which qasesync must never overwrite:",
            f"  #{both} 'Both'",
        ],
    )
    plan_is_clean(out)


def test_two_custom_fields_with_one_title_are_left_out_and_ignored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fields = shop_fields()
    fields.append({**fields[0], "id": 11})  # a second string field titled Owner
    workspace = Emulator(token=TOKEN, projects=(PROJECT,), custom_fields=fields)
    for emu in on_socket(monkeypatch, workspace):
        payload = {"title": "Owned twice", "custom_field": {"1": "alice", "11": "bob", "3": "2"}}
        case_id = emu.store.create_case(PROJECT, payload)
        out = tmp_path / "exported"
        code, text = run("export", "--project", PROJECT, "--out", str(out))
        assert (code, text.splitlines()[1:3]) == (
            0,
            [
                "ignore_fields: custom_fields — 1 live case(s) hold custom fields that share a "
                "title, which qasesync must never overwrite:",
                f"  #{case_id} 'Owned twice'",
            ],
        )
        written = (out / "cases.yaml").read_text(encoding="utf-8")
        assert written.endswith(
            f"  - id: {case_id}\n    title: Owned twice\n    custom_fields:\n      Estimate: 2\n"
        )
        plan_is_clean(out)


def test_exporting_again_writes_the_same_bytes(emu: Emulator, tmp_path: Path) -> None:
    assert run("apply", str(copy_cases(tmp_path)), "--yes")[0] == 0
    out = tmp_path / "exported"
    assert run("export", "--project", PROJECT, "--out", str(out))[0] == 0
    first = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert run("export", "--project", PROJECT, "--out", str(out), "--force")[0] == 0
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == first


def test_a_folder_that_cannot_be_made_is_refused_before_anything_is_read(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("a file\n", encoding="utf-8")
    out = tmp_path / "notes.txt" / "cases"
    assert run("export", "--project", PROJECT, "--out", str(out))[0] == 1
    assert capsys.readouterr().err == f"error: {out}: {tmp_path / 'notes.txt'} is not a folder\n"
    assert emu.log == []


def test_a_tree_that_cannot_be_written_is_one_clear_error(
    emu: Emulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("qasesync.adopt.export.write_tree", refused)
    out = tmp_path / "exported"
    assert run("export", "--project", PROJECT, "--out", str(out))[0] == 1
    assert capsys.readouterr().err == (
        f"error: {out}: the tree cannot be written ([Errno 13] Permission denied)\n"
    )
