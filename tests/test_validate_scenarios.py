"""Every invalid scenario under tests/data/ exits 1 with its exact FILE:LINE:COL messages."""

from __future__ import annotations

import io
import json
import os
import shutil
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from qasesync.cli import main

DATA = Path(__file__).parent / "data"

EXPECTED: dict[str, list[str]] = {
    "invalid-alias-bomb": [
        "bomb.yaml:1:1: anchors and aliases would expand this document by more than 10,000"
        " nodes (an alias bomb?); write the repeated parts out"
    ],
    "invalid-case-repeated-by-alias": [
        "login.yaml:4:12: two cases without `id` in the tree root are titled `Login works`"
        " (first at login.yaml:4:12, repeated here by a YAML alias);"
        " they could not be told apart on a rerun"
    ],
    "invalid-control-character": ["login.yaml:2:17: character U+0007 is not allowed in YAML"],
    "invalid-duplicate-case-id": [
        "auth/logout.yaml:3:9: case id 101 is used twice (first at auth/login.yaml:2:9)"
    ],
    "invalid-duplicate-key": ["auth/login.yaml:4:5: duplicate key `title` (first at line 2)"],
    "invalid-duplicate-shared-hash": [
        "shared_steps.yaml:8:11: shared step hash `0223905c291bada23e6049d415385982af92d758`"
        " is used twice (first at shared_steps.yaml:3:11)"
    ],
    "invalid-duplicate-shared-key": [
        "shared_steps/more.yaml:2:10: shared step key `sign-in` is used twice"
        " (first at shared_steps.yaml:2:10)"
    ],
    "invalid-duplicate-suite-id": [
        "cart/suite.yaml:2:5: suite id 12 is used twice (first at auth/suite.yaml:1:5)"
    ],
    "invalid-duplicate-suite-title": [
        "login/suite.yaml:1:8: two suites under one parent are titled `Sign-in`"
        " (first at auth/suite.yaml:1:8)"
    ],
    "invalid-duplicate-title-without-id": [
        "auth/more.yaml:3:12: two cases without `id` in suite `auth` are titled `Login works`"
        " (first at auth/login.yaml:2:12); they could not be told apart on a rerun"
    ],
    "invalid-empty-action": ["login.yaml:6:13: a step needs a non-empty `action`"],
    "invalid-empty-file": ["login.yaml:1:1: the file is empty; a case file holds `cases:`"],
    "invalid-enum-not-a-slug": [
        "login.yaml:3:15: `priority` must be an option slug: lowercase letters, digits, `-` or `_`"
    ],
    "invalid-many-problems": [
        "a.yaml:3:5: unknown key `expected`",
        "b.yaml:3:15: `severity`: unknown option `majr` (did you mean `major`?)",
        "b.yaml:5:11: `type`: unknown option `functionl` (did you mean `functional`?)",
    ],
    "invalid-missing-settings": ["qasesync.yaml:1:1: missing: every tree needs one"],
    "invalid-missing-title": ["login.yaml:2:5: missing required key `title`"],
    "invalid-not-a-mapping": ["login.yaml:1:1: the file must be a mapping"],
    "invalid-not-utf8": ["login.yaml:2:15: not UTF-8 text (byte 0xe9)"],
    "invalid-project-code": [
        "qasesync.yaml:1:10: `project` must be a Qase project code: 2 to 10 letters",
        "qasesync.yaml:2:1: unknown key `prun` (did you mean `prune`?)",
    ],
    "invalid-root-cases-with-scope": [
        "smoke.yaml:1:1: cases at the tree root are not allowed with `scope` in qasesync.yaml"
    ],
    "invalid-scope-missing-folder": [
        "qasesync.yaml:2:15: scope folder `checkot` is not in the tree (did you mean `checkout`?)"
    ],
    "invalid-shared-in-shared-step": [
        "shared_steps.yaml:9:17: a shared step cannot use another shared step"
    ],
    "invalid-shared-with-other-keys": [
        "login.yaml:5:9: a `shared` step has no other keys (found `expected_result`)"
    ],
    "invalid-special-file-as-yml": [
        "auth/suite.yml:1:1: not read: only `suite.yaml` holds a suite's fields; rename the file",
        "shared_steps.yml:1:1: not read: only `shared_steps.yaml` holds shared steps;"
        " rename the file",
    ],
    "invalid-steps-and-gherkin": ["login.yaml:5:14: a case has `steps` or `gherkin`, not both"],
    "invalid-title-empty": [
        "login.yaml:2:12: `title` must not be blank",
        "login.yaml:3:12: `title` must not be blank",
    ],
    "invalid-title-too-long": [
        "login.yaml:2:12: `title` is 256 characters long; at most 255 are allowed"
    ],
    "invalid-two-documents": [
        "login.yaml:6:1: YAML syntax: expected a single document in the stream,"
        " but found another document"
    ],
    "invalid-unknown-enum": [
        "login.yaml:3:15: `severity`: unknown option `majr` (did you mean `major`?)"
    ],
    "invalid-unknown-key": [
        "login.yaml:5:9: unknown key `expected` (did you mean `expected_result`?)"
    ],
    "invalid-unknown-shared-step": [
        "login.yaml:4:17: unknown shared step `sign-inn` (did you mean `sign-in`?)"
    ],
    "invalid-unsupported-tag": ["login.yaml:2:12: unsupported YAML tag `!!python/name:os.system`"],
    "invalid-wrong-type": [
        "login.yaml:3:11: `tags` must be a list",
        "login.yaml:4:12: `flaky` must be true or false",
    ],
    "invalid-yaml-syntax": [
        "login.yaml:4:7: YAML syntax: while parsing a flow node, did not find expected node content"
    ],
}


def validate(tree: Path, *extra: str) -> tuple[int, str, str]:
    out = io.StringIO()
    err = io.StringIO()
    with redirect_stderr(err):
        code = main(["validate", str(tree), *extra], out=out)
    return code, out.getvalue(), err.getvalue()


def test_every_invalid_folder_has_its_expected_messages() -> None:
    folders = sorted(p.name for p in DATA.iterdir() if p.name.startswith("invalid-"))
    assert folders == sorted(EXPECTED)
    assert len(folders) >= 20


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_invalid_scenario_exits_1_with_exact_messages(scenario: str) -> None:
    code, out, err = validate(DATA / scenario)
    problems = EXPECTED[scenario]
    assert code == 1
    assert out == ""
    assert err.splitlines() == [*problems, f"{len(problems)} problem(s) found"]


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_invalid_scenario_as_json_lists_the_same_problems(scenario: str) -> None:
    code, out, _ = validate(DATA / scenario, "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["valid"] is False
    found = [f"{p['file']}:{p['line']}:{p['col']}: {p['message']}" for p in report["problems"]]
    assert found == EXPECTED[scenario]


@pytest.mark.skipif(os.name != "posix", reason="names are bytes on POSIX only")
def test_a_path_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(DATA / "valid-minimal", tree)
    folder = os.path.join(os.fsencode(tree), b"caf\xe9")
    os.mkdir(folder)
    with open(os.path.join(folder, b"login.yaml"), "wb") as file:
        file.write(b"cases:\n  - title: Login works\n")
    code, _, err = validate(tree)
    assert code == 1
    assert err.splitlines()[0] == "caf\\xe9/login.yaml:1:1: the path is not UTF-8 text; rename it"


def test_suite_yaml_at_the_root_is_an_error(tmp_path: Path) -> None:
    shutil.copytree(DATA / "valid-minimal", tmp_path / "tree")
    (tmp_path / "tree" / "suite.yaml").write_text("title: Root\n", encoding="utf-8")
    code, _, err = validate(tmp_path / "tree")
    assert code == 1
    message = "suite.yaml:1:1: the tree root is not a suite: suite.yaml belongs in a suite folder"
    assert err.splitlines()[0] == message


def test_a_file_that_cannot_be_read_is_a_problem_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(DATA / "valid-minimal", tree)
    (tree / "smoke.yaml").write_text("cases: []\n")
    real_read = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.name == "smoke.yaml":
            raise PermissionError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    code, _, err = validate(tree)
    assert code == 1
    assert err.splitlines()[0] == "smoke.yaml:1:1: cannot be read: Permission denied"
