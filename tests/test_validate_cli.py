"""`qasesync validate`: summary line, JSON output, exit codes."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from qasesync.cli import main

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stderr(err):
        code = main(list(argv), out=out)
    return code, out.getvalue(), err.getvalue()


def test_valid_tree_prints_the_summary_line_with_the_path_as_typed() -> None:
    code, out, err = run("validate", str(DATA / "valid-full"))
    assert (code, err) == (0, "")
    assert out == f"{DATA / 'valid-full'}/: 3 cases in 2 suites, 2 shared steps — valid\n"


def test_a_trailing_slash_is_not_doubled() -> None:
    code, out, _ = run("validate", f"{DATA / 'valid-minimal'}/")
    assert code == 0
    assert out == f"{DATA / 'valid-minimal'}/: 0 cases in 0 suites, 0 shared steps — valid\n"


def test_json_format_for_a_valid_tree() -> None:
    code, out, _ = run("validate", str(DATA / "valid-full"), "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "valid": True,
        "problems": [],
        "summary": "3 cases in 2 suites, 2 shared steps",
    }


def test_without_an_argument_the_current_folder_with_qasesync_yaml_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(DATA / "valid-minimal")
    code, out, _ = run("validate")
    assert code == 0
    assert out == "./: 0 cases in 0 suites, 0 shared steps — valid\n"


def test_without_an_argument_cases_below_the_current_folder_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shutil.copytree(DATA / "valid-full", tmp_path / "cases")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("validate")
    assert code == 0
    assert out == "cases/: 3 cases in 2 suites, 2 shared steps — valid\n"


def test_a_missing_tree_exits_1_with_one_line(tmp_path: Path) -> None:
    code, out, err = run("validate", str(tmp_path / "nope"))
    assert (code, out) == (1, "")
    assert err == f"error: {tmp_path / 'nope'}: no cases tree there (not a folder)\n"


def test_debug_is_accepted_after_the_command_too() -> None:
    code, out, err = run("validate", str(DATA / "valid-minimal"), "--debug")
    assert (code, err) == (0, "")
    assert out == f"{DATA / 'valid-minimal'}/: 0 cases in 0 suites, 0 shared steps — valid\n"


def test_an_unknown_format_is_a_usage_error_with_exit_1() -> None:
    code, _, err = run("validate", str(DATA / "valid-full"), "--format", "xml")
    assert code == 1
    assert "invalid choice: 'xml'" in err


def test_the_example_tree_is_valid() -> None:
    code, out, err = run("validate", str(REPO / "cases"))
    assert (code, err) == (0, "")
    assert out.endswith(" — valid\n")
