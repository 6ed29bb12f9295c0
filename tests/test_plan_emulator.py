"""`qasesync plan` end to end against the emulator on a socket: a project put into the
emulator directly (not through qasesync) whose content equals a tree plans clean; one
field changed live plans exactly one patch of exactly that field."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kit.emulator import shifted_system_fields
from kit.golden import golden

from qasesync.cli import main
from qasesync.emulator import Emulator, sample_custom_fields, serve

TOKEN = "T"
TREE = {
    "qasesync.yaml": "project: DEMO\n",
    "shared_steps.yaml": """\
shared_steps:
  - key: sign-in
    title: Sign in
    steps:
      - action: Open /login
        expected_result: The form is shown
      - action: Submit
""",
    "auth/suite.yaml": "title: Auth\ndescription: Signing in\n",
    "auth/login.yaml": """\
cases:
  - title: Login works
    description: |
      Lands on the dashboard
    severity: critical
    priority: high
    tags: [smoke, auth]
    custom_fields:
      Owner: alice
      Components: [api, web]
    steps:
      - shared: sign-in
      - action: Open the menu
        expected_result: Settings listed
        steps:
          - action: Click Settings
  - title: Logout works
    layer: e2e
""",
    "auth/sso/suite.yaml": "title: SSO\n",
    "auth/sso/saml.yaml": "cases:\n  - title: SAML\n    status: draft\n",
}


def option(emu: Emulator, field: str, slug: str) -> int:
    """The emulator workspace's option id of a slug (whatever its numbering)."""
    entry = next(f for f in emu.store.system_fields() if f["slug"] == field)
    found: int = next(o["id"] for o in entry["options"] if o["slug"] == slug)
    return found


def seed(emu: Emulator) -> dict[str, Any]:
    """The project of TREE, made through the store as a person in the web app would."""
    store = emu.store
    auth = store.create_suite("DEMO", {"title": "Auth", "description": "Signing in"})
    sso = store.create_suite("DEMO", {"title": "SSO", "parent_id": auth})
    shared = store.create_shared_step(
        "DEMO",
        {
            "title": "Sign in",
            "steps": [
                {"action": "Open /login", "expected_result": "The form is shown"},
                {"action": "Submit"},
            ],
        },
    )
    login = store.create_case(
        "DEMO",
        {
            "title": "Login works",
            "suite_id": auth,
            "description": "Lands on the dashboard",
            "severity": option(emu, "severity", "critical"),
            "priority": option(emu, "priority", "high"),
            "tags": ["auth", "smoke"],
            "custom_field": {"1": "alice", "7": "1,2"},
            "steps": [
                {"shared": shared},
                {
                    "action": "Open the menu",
                    "expected_result": "Settings listed",
                    "steps": [{"action": "Click Settings"}],
                },
            ],
        },
    )
    logout = store.create_case(
        "DEMO", {"title": "Logout works", "suite_id": auth, "layer": option(emu, "layer", "e2e")}
    )
    saml = store.create_case(
        "DEMO", {"title": "SAML", "suite_id": sso, "status": option(emu, "status", "draft")}
    )
    return {
        "auth": auth,
        "sso": sso,
        "shared": shared,
        "login": login,
        "logout": logout,
        "saml": saml,
    }


@pytest.fixture(params=["default ids", "shifted ids"])
def emu(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    fields = shifted_system_fields() if request.param == "shifted ids" else None
    emulator = Emulator(
        token=TOKEN,
        projects=("DEMO",),
        custom_fields=sample_custom_fields(("DEMO", "OTHER")),
        system_fields=fields,
    )
    with serve(emulator) as server:
        monkeypatch.setenv("QASE_TOKEN", TOKEN)
        monkeypatch.setenv("QASE_API_URL", server.url)
        monkeypatch.delenv("QASE_PROJECT", raising=False)
        monkeypatch.delenv("QASE_WEB_URL", raising=False)
        yield emulator


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "cases"
    for name, text in TREE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def plan_json(tree: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = main(["plan", str(tree), "--format", "json", "--detailed-exitcode", *extra], out=out)
    return code, json.loads(out.getvalue())


def test_a_project_equal_to_the_tree_plans_clean(emu: Emulator, tree: Path) -> None:
    seed(emu)
    code, data = plan_json(tree)
    assert (code, data["changes"], data["warnings"], data["notes"]) == (0, [], [], [])


def test_one_field_changed_live_plans_one_patch_of_that_field(emu: Emulator, tree: Path) -> None:
    ids = seed(emu)
    emu.store.patch_case("DEMO", ids["logout"], {"description": "Edited in the web app"})
    code, data = plan_json(tree)
    assert code == 2
    [change] = data["changes"]
    assert (change["kind"], change["id"], change["fields"]) == (
        "update",
        ids["logout"],
        ["description"],
    )
    assert change["diffs"] == [{"path": "description", "before": "Edited in the web app"}]


def test_an_enum_changed_live_plans_one_patch_of_that_enum(emu: Emulator, tree: Path) -> None:
    ids = seed(emu)
    emu.store.patch_case("DEMO", ids["saml"], {"severity": option(emu, "severity", "blocker")})
    code, data = plan_json(tree)
    [change] = data["changes"]
    assert (code, change["id"], change["fields"]) == (2, ids["saml"], ["severity"])
    assert change["diffs"] == [{"path": "severity", "before": "blocker", "after": "undefined"}]


def test_an_empty_project_plans_every_creation_and_saves_the_plan(
    emu: Emulator, tree: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    out = io.StringIO()
    assert main(["plan", str(tree), "--out", str(saved)], out=out) == 0
    text = out.getvalue()
    assert "Plan: 6 to create, 0 to update, 0 to deprecate, 0 to delete." in text
    assert json.loads(saved.read_text(encoding="utf-8"))["summary"]["create"] == 6


def test_a_plan_file_that_cannot_be_written_is_one_clear_line_and_exit_1(
    emu: Emulator, tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "missing" / "plan.json"
    assert main(["plan", str(tree), "--out", str(saved)], out=io.StringIO()) == 1
    assert capsys.readouterr().err == (
        f"error: cannot write the plan to {saved}: No such file or directory\n"
    )


def test_an_unknown_option_fails_with_github_annotations(
    emu: Emulator, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "auth/sso/saml.yaml").write_text("cases:\n  - title: SAML\n    severity: showstopper\n")
    (tree / "qasesync.yaml").write_text("project: DEMO\noptions:\n  severity: [showstopper]\n")
    out = io.StringIO()
    assert main(["plan", str(tree), "--format", "github"], out=out) == 1
    assert out.getvalue().startswith(
        f"::error file={_rel(tree)}auth/sso/saml.yaml,line=2,col=5::severity 'showstopper' is "
        "not an option of this workspace; it has: "
    )
    assert "error: auth/sso/saml.yaml:2:5: severity 'showstopper'" in capsys.readouterr().err


def test_several_plan_problems_are_counted_then_listed_one_a_line(
    emu: Emulator, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "auth/sso/saml.yaml").write_text(
        "cases:\n  - title: SAML\n    severity: showstopper\n    custom_fields:\n      Team: sso\n"
    )
    (tree / "qasesync.yaml").write_text("project: DEMO\noptions:\n  severity: [showstopper]\n")
    assert main(["plan", str(tree)], out=io.StringIO()) == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: the plan has 2 problems:",
        "auth/sso/saml.yaml:2:5: custom field 'Team' is unknown to project DEMO; its case "
        "fields: Component, Components, Due, Estimate, Notes, Owner, Platform, Reviewed, "
        "Reviewer, Spec link",
        "auth/sso/saml.yaml:2:5: severity 'showstopper' is not an option of this workspace; "
        "it has: undefined, blocker, critical, major, normal, minor, trivial",
    ]


def _rel(tree: Path) -> str:
    import os

    return os.path.relpath(tree).replace(os.sep, "/") + "/"


def test_a_wrong_token_is_one_clear_line_and_exit_1(
    emu: Emulator, tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QASE_TOKEN", "wrong")
    assert main(["plan", str(tree)], out=io.StringIO()) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "wrong" not in err


def test_qase_project_names_the_project_read_for_a_tree_without_ids(
    emu: Emulator, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu.store.add_project("OTHER")
    monkeypatch.setenv("QASE_PROJECT", "OTHER")
    code, data = plan_json(tree)
    assert (code, data["project"], data["summary"]["create"]) == (2, "OTHER", 6)


def test_an_unknown_project_is_one_clear_line(
    emu: Emulator, tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QASE_PROJECT", "NOPE")
    assert main(["plan", str(tree)], out=io.StringIO()) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "project NOPE not found" in err


def test_a_missing_token_is_one_clear_line(
    emu: Emulator, tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("QASE_TOKEN")
    assert main(["plan", str(tree)], out=io.StringIO()) == 1
    assert capsys.readouterr().err == (
        "error: QASE_TOKEN is not set: export your Qase API token as QASE_TOKEN\n"
    )


def edited(emu: Emulator, tree: Path) -> None:
    """Edits on both sides: one live field changed, one live case the tree lacks, a case
    added to the tree and a tree field changed."""
    ids = seed(emu)
    emu.store.patch_case("DEMO", ids["logout"], {"description": "Edited in the web app"})
    emu.store.create_case("DEMO", {"title": "Old case", "suite_id": ids["auth"]})
    saml = tree / "auth/sso/saml.yaml"
    saml.write_text(saml.read_text() + "  - title: SAML <logout> | redirect\n    tags: [sso]\n")
    login = tree / "auth/login.yaml"
    login.write_text(login.read_text().replace("priority: high", "priority: low"))


@pytest.mark.parametrize(("fmt", "name"), [("text", "emulator.txt"), ("markdown", "emulator.md")])
def test_golden_plan_of_an_edited_project(
    emu: Emulator, tree: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, name: str
) -> None:
    edited(emu, tree)
    monkeypatch.setenv("QASE_WEB_URL", "https://app.qase.io")
    out = io.StringIO()
    assert main(["plan", str(tree), "--format", fmt], out=out) == 0
    golden(name, out.getvalue())


def test_golden_json_plan_of_an_edited_project(emu: Emulator, tree: Path) -> None:
    import re

    edited(emu, tree)
    out = io.StringIO()
    assert main(["plan", str(tree), "--format", "json"], out=out) == 0
    # The emulator stamps writes with the wall clock; the content hashes leave it out.
    golden("emulator.json", re.sub(r'"updated_at": "[^"]+"', '"updated_at": "…"', out.getvalue()))


def test_an_invalid_tree_fails_without_waiting_for_an_unreachable_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    (tmp_path / "qasesync.yaml").write_text("project: DEMO\n")
    (tmp_path / "a.yaml").write_text("cases:\n  - titel: x\n")
    monkeypatch.setenv("QASE_TOKEN", TOKEN)
    monkeypatch.setenv("QASE_API_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    started = time.monotonic()
    assert main(["plan", str(tmp_path)], out=io.StringIO()) == 1
    assert time.monotonic() - started < 3
    assert "a.yaml:2:5: unknown key `titel` (did you mean `title`?)" in capsys.readouterr().err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_text_is_coloured_on_a_terminal_unless_no_color(
    emu: Emulator, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = Terminal()
    main(["plan", str(tree)], out=out)
    assert "\x1b[32m  + create" in out.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    out = Terminal()
    main(["plan", str(tree)], out=out)
    assert "\x1b[" not in out.getvalue() and "  + create" in out.getvalue()
