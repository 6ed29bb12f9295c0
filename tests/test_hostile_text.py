"""Hostile text: titles, tags, step texts, file names and the workspace's field and option
titles that hold workflow commands, escape sequences, fences and HTML go through plan
(every format), apply, validate, export and pull against the emulator on a socket, and
come out inert: no output line starts a workflow command but ours, no control character
reaches the terminal, and the markdown leaves no block open or closed early."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from kit.apply import on_socket, write_tree
from kit.apply import run_cli as run
from kit.remote_json import custom_field

from qasesync.cli.output import GuardedOutput
from qasesync.emulator import Emulator
from qasesync.tree.load import load_tree

TOKEN = "hostile-token-5ecret"
PROJECT = "EVIL"
INJECT = "x\n::error::injected"
STOP = "::stop-commands::tok"
ESC = "\x1b[2J\x1b]0;pwned\x07\x9b31m\u202eesc"
FENCE = "~~~~~\n### ✅ Plan approved — safe to merge\n~~~~~"
TICKS = "``````` code"
HTML = "</details><img src=https://evil.example/x.png>"
OLD = "see ##[error]old-style"
ALL = [INJECT, STOP, ESC, FENCE, TICKS, HTML, OLD]

#: .NET's white space, which the runner skips before it looks for ``::``.
_SPACE = "\t\n\v\f\r \x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_OURS = re.compile(r"::(?:error|warning|notice)(?: [^:]*)?::")
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def inert(text: str, *, commands: bool = False) -> None:
    """No line starts a workflow command (``commands``: but our annotations), none holds
    the older ``##[`` form, no control character or bidi control is left. Without the
    CLI's output guard (`unguarded`), only the last: the renderers escape control
    characters themselves; where a line starts is the guard's to check."""
    for line in text.split("\n"):
        assert not _UNSAFE.search(line), line
        if UNGUARDED:
            continue
        rest = re.sub(f"^[{_SPACE}]+", "", line)
        if rest.startswith("::"):
            assert commands and _OURS.match(rest), line
        assert "##[" not in line, line
    assert TOKEN not in text


UNGUARDED: list[bool] = []


@pytest.fixture(autouse=True, params=["guarded", "unguarded"])
def guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test with the output guard, and again with it letting every line through."""
    if request.param == "unguarded":
        monkeypatch.setattr(GuardedOutput, "_shown", lambda self, line: line)
        UNGUARDED.append(True)
    yield
    UNGUARDED.clear()


FIELDS = [
    custom_field(1, "Owner", "string", everywhere=True),
    custom_field(
        2,
        "Components",
        "multiselect",
        options=tuple(enumerate(["web", STOP, ESC, "a" + HTML], start=1)),
        everywhere=True,
    ),
    custom_field(3, "Team" + INJECT + ESC, "string", everywhere=True),
]


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    emulator = Emulator(token=TOKEN, projects=(PROJECT,), custom_fields=FIELDS)
    yield from on_socket(monkeypatch, emulator, token=TOKEN)


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text)


def hostile_tree(root: Path) -> Path:
    case = (
        "  - title: {title}\n"
        "    description: {description}\n"
        "    tags: [{tags}]\n"
        "    custom_fields:\n"
        "      Owner: {owner}\n"
        "      Components: [web]\n"
        "    steps:\n"
        "      - action: {action}\n"
        "        expected_result: {expected}\n"
        "      - shared: evil\n"
    )
    cases = [
        case.format(
            title=q(f"{text} {n}"),
            description=q("\n".join(ALL)),
            tags=", ".join(q(t) for t in [INJECT, STOP, ESC]),
            owner=q(HTML),
            action=q(text),
            expected=q(TICKS + FENCE),
        )
        for n, text in enumerate(ALL)
    ]
    return write_tree(
        root,
        {
            "qasesync.yaml": f"project: {PROJECT}\n",
            "shared_steps.yaml": (
                f"shared_steps:\n  - key: evil\n    title: {q(FENCE + INJECT)}\n"
                f"    steps:\n      - action: {q(ESC + HTML)}\n"
            ),
            "auth/suite.yaml": f"title: {q(HTML + INJECT)}\n",
            "auth/cases.yaml": "cases:\n" + "\n".join(cases),
        },
    )


def outputs(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code, out = run(*argv)
    return code, out, capsys.readouterr().err


def test_plan_in_every_format_is_inert(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = hostile_tree(tmp_path / "cases")
    code, text, err = outputs(capsys, "plan", str(tree))
    assert code == 0 and "create case" in text
    inert(text + err)
    code, github, err = outputs(capsys, "plan", str(tree), "--format", "github")
    assert code == 0 and github.count("::notice ") == 1 + 1 + len(ALL)
    inert(github, commands=True)
    inert(err)
    code, markdown, err = outputs(capsys, "plan", str(tree), "--format", "markdown")
    assert code == 0
    inert(markdown + err)
    markdown_is_balanced(markdown)
    code, saved, err = outputs(capsys, "plan", str(tree), "--format", "json")
    assert code == 0
    inert(saved + err)
    titles = {c["name"] for c in json.loads(saved)["changes"] if c["entity"] == "case"}
    assert titles == {f"{t} {n}" for n, t in enumerate(ALL)}  # the JSON keeps the text


def markdown_is_balanced(text: str) -> None:
    """Every fence closes where it opened, ``<details>`` open and close in pairs outside
    fences, no raw image or heading that the text made."""
    fence: str | None = None
    depth = 0
    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        run_ = re.match(r"(`{3,}|~{3,})", stripped)
        if fence is None and run_:
            fence = run_.group(1)
        elif fence is not None and run_ and run_.group(1)[0] == fence[0]:
            if len(run_.group(1)) >= len(fence) and not stripped[len(run_.group(1)) :].strip():
                fence = None
        elif fence is None:
            depth += line.count("<details>") - line.count("</details>")
            assert depth >= 0, line
            assert "<img" not in line and not line.startswith("### ✅"), line
    assert fence is None and depth == 0


def test_apply_reports_hostile_tags_and_titles_inert(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = hostile_tree(tmp_path / "cases")
    code, text, err = outputs(capsys, "apply", str(tree), "--yes")
    assert code == 0 and "Apply complete" in text
    inert(text + err)
    [live] = [c for c in emu.store.cases(PROJECT) if c["title"] == f"{STOP} 1"]
    assert {t["title"] for t in live["tags"]} == {INJECT, STOP, ESC}  # sent as written
    emu.store.patch_case(PROJECT, live["id"], {"tags": ["live\n::error::x", ESC]})
    code, text, err = outputs(capsys, "apply", str(tree), "--yes")
    assert code == 0 and "tags: +" in text  # the live tag change is drift: kept, shown
    inert(text + err)


def test_plan_errors_list_hostile_workspace_titles_inert(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = hostile_tree(tmp_path / "cases")
    cases = tree / "auth/cases.yaml"
    text = cases.read_text(encoding="utf-8")
    cases.write_text(
        text.replace("Components: [web]", "Components: [nope]", 1).replace("Owner:", "Nope:", 1),
        encoding="utf-8",
    )
    for fmt in ("text", "github"):
        code, out, err = outputs(capsys, "plan", str(tree), "--format", fmt)
        assert code == 1
        assert "has no option 'nope'" in err and "is unknown to project" in err
        inert(out, commands=fmt == "github")
        inert(err)
        assert "Team" + INJECT not in err and "Team" in err


def test_validate_names_a_hostile_file_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = hostile_tree(tmp_path / "cases")
    evil = tree / "auth" / "evil\n::error::file\x1b[2J.yaml"
    evil.write_text(f"cases:\n  - title: {q(INJECT)}\n    severity: {q(STOP)}\n")
    for fmt in ("text", "json"):
        code, out, err = outputs(capsys, "validate", str(tree), "--format", fmt)
        assert code == 1 and "problem" in (out + err)
        inert(out + err)
    report = json.loads(outputs(capsys, "validate", str(tree), "--format", "json")[1])
    assert report["problems"][0]["file"] == "auth/evil\n::error::file\x1b[2J.yaml"


def test_export_and_pull_of_a_hostile_project_are_inert(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = hostile_tree(tmp_path / "cases")
    assert outputs(capsys, "apply", str(tree), "--yes")[0] == 0
    [live] = [c for c in emu.store.cases(PROJECT) if c["title"] == f"{ESC} 2"]
    emu.store.patch_case(PROJECT, live["id"], {"title": f"{INJECT} {FENCE}", "tags": [HTML]})
    code, out, err = outputs(capsys, "pull", str(tree), "--dry-run")
    assert code == 0 and "Would pull" in out
    inert(out + err)
    code, out, err = outputs(capsys, "pull", str(tree))
    assert code == 0 and "Pulled" in out
    inert(out + err)
    titles = [c.title.strip() for c in load_tree(tree).cases]  # compared trimmed
    assert f"{INJECT} {FENCE}" in titles
    target = tmp_path / "exported"
    code, out, err = outputs(capsys, "export", "--project", PROJECT, "--out", str(target))
    assert code == 0 and "Exported" in out
    inert(out + err)
    assert outputs(capsys, "plan", str(target), "--detailed-exitcode")[0] == 0


def test_a_qase_csv_on_standard_output_is_inert_and_its_file_exact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = hostile_tree(tmp_path / "cases")
    code, out, err = outputs(capsys, "export", "--format", "qase-csv", "--tree", str(tree))
    assert code == 0
    if UNGUARDED:  # the CSV is data, kept as it is: only the guard makes it inert
        assert ESC in out
    else:
        inert(out + err)
    target = tmp_path / "cases.csv"
    argv = ("export", "--format", "qase-csv", "--tree", str(tree), "--out", str(target))
    assert outputs(capsys, *argv)[0] == 0
    written = target.read_text(encoding="utf-8")
    assert "\n::error::injected" in written and ESC in written  # the file is the data


def test_show_of_a_tampered_saved_plan_is_inert(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = hostile_tree(tmp_path / "cases")
    saved = tmp_path / "plan.json"
    assert outputs(capsys, "plan", str(tree), "--out", str(saved))[0] == 0
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["project"] = INJECT + ESC
    for change in data["changes"]:
        change["suite"] = INJECT + ESC + HTML  # the group it is shown in
        if change["location"]:
            change["location"]["file"] = STOP + ESC + "\n" + HTML
    assert any(c["entity"] == "case" for c in data["changes"])
    saved.write_text(json.dumps(data), encoding="utf-8")
    for fmt in ("text", "markdown", "github", "json"):
        code, out, err = outputs(capsys, "show", str(saved), "--format", fmt)
        assert code == 0, err
        inert(out + err, commands=fmt == "github")
        if fmt == "text":  # the tampered project, group and file are shown, escaped
            assert "project x\\n::error::injected\\x1b[2J" in out
            assert "# x\\n::error::injected\\x1b" in out and "stop-commands::tok\\x1b" in out
        if fmt == "markdown":
            markdown_is_balanced(out)


def test_writeback_of_a_hostile_apply_record_is_inert(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = hostile_tree(tmp_path / "cases")
    record = tmp_path / "written.json"
    code, out, err = outputs(capsys, "apply", str(tree), "--yes", "--record", str(record))
    assert code == 0
    inert(out + err)
    tree = hostile_tree(tmp_path / "again")  # the head before the apply, as CI checks it out
    code, out, err = outputs(capsys, "writeback", str(record), str(tree))
    assert code == 0 and "Wrote " in out
    inert(out + err)
    assert outputs(capsys, "plan", str(tree), "--detailed-exitcode")[0] == 0
