"""Integers of any length and mapping keys that YAML reads as something other than text:
`qasesync validate` reports each at its FILE:LINE:COL and exits 1, never 3."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import redirect_stderr
from pathlib import Path

import pytest
from kit.apply import PROJECT, on_socket, shop_emulator, writes

from qasesync.cli import main
from qasesync.emulator import Emulator

DATA = Path(__file__).parent / "data"
DIGITS_5000 = "1" * 5000
LONG = (
    "an integer of 5,000 digits; no field takes one longer than 100 digits"
    " (text of digits needs quotes)"
)
INT64_MAX = 2**63 - 1
TOO_BIG = "must be at most 9,223,372,036,854,775,807 (a 64-bit number)"


def validate(tree: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stderr(err):
        code = main(["validate", str(tree)], out=out)
    return code, out.getvalue(), err.getvalue()


def tree_with(tmp_path: Path, files: dict[str, str]) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(DATA / "valid-minimal", tree)
    for rel, text in files.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text, encoding="utf-8")
    return tree


def problems(tmp_path: Path, files: dict[str, str]) -> list[str]:
    """The problems validate prints, having checked it exits 1 and prints nothing else."""
    code, out, err = validate(tree_with(tmp_path, files))
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert lines[-1] == f"{len(lines) - 1} problem(s) found"
    return lines[:-1]


# --- integers ---------------------------------------------------------------------------


def test_a_title_of_5000_digits_is_a_problem_at_its_line(tmp_path: Path) -> None:
    found = problems(tmp_path, {"big.yaml": f"cases:\n  - title: {DIGITS_5000}\n"})
    assert found == [f"big.yaml:2:12: {LONG}"]


def test_a_title_of_5000_digits_in_quotes_is_text(tmp_path: Path) -> None:
    tree = tree_with(tmp_path, {"big.yaml": f"cases:\n  - title: '{DIGITS_5000[:200]}'\n"})
    assert validate(tree)[0] == 0


def test_a_case_id_of_5000_digits_is_a_problem_at_its_line(tmp_path: Path) -> None:
    found = problems(tmp_path, {"big.yaml": f"cases:\n  - id: {DIGITS_5000}\n    title: A\n"})
    assert found == [f"big.yaml:2:9: {LONG}"]


def test_max_destroy_of_5000_digits_is_a_problem_at_its_line(tmp_path: Path) -> None:
    settings = f"project: DEMO\nmax_destroy: {DIGITS_5000}\n"
    assert problems(tmp_path, {"qasesync.yaml": settings}) == [f"qasesync.yaml:2:14: {LONG}"]


def test_a_long_negative_or_hexadecimal_integer_is_a_problem(tmp_path: Path) -> None:
    text = f"cases:\n  - title: A\n    parameters: {{n: [0x{'f' * 5000}]}}\n"
    assert problems(tmp_path, {"a.yaml": text}) == [f"a.yaml:3:22: {LONG}"]
    text = f"cases:\n  - title: A\n    parameters: {{n: [-{DIGITS_5000}]}}\n"
    assert problems(tmp_path / "2", {"a.yaml": text}) == [f"a.yaml:3:22: {LONG}"]


def test_an_explicitly_tagged_long_integer_is_a_problem(tmp_path: Path) -> None:
    text = f"cases:\n  - title: A\n    milestone_id: !!int '{DIGITS_5000}'\n"
    assert problems(tmp_path, {"a.yaml": text}) == [f"a.yaml:3:19: {LONG}"]


def test_ids_past_64_bits_are_problems_at_their_lines(tmp_path: Path) -> None:
    files = {
        "a/suite.yaml": f"id: {INT64_MAX + 1}\n",
        "a/cases.yaml": f"cases:\n  - id: {10**30}\n    title: A\n"
        f"  - title: B\n    milestone_id: {10**99}\n  - id: 1.0e+30\n    title: C\n",
        "qasesync.yaml": f"project: DEMO\nmax_destroy: {10**40}\n",
    }
    assert problems(tmp_path, files) == [
        f"a/cases.yaml:2:9: `id` {TOO_BIG}",
        f"a/cases.yaml:5:19: `milestone_id` {TOO_BIG}",
        f"a/cases.yaml:6:9: `id` {TOO_BIG}",
        f"a/suite.yaml:1:5: `id` {TOO_BIG}",
        f"qasesync.yaml:2:14: `max_destroy` {TOO_BIG}",
    ]


def test_the_largest_64_bit_id_is_valid(tmp_path: Path) -> None:
    files = {
        "a/suite.yaml": f"id: {INT64_MAX}\n",
        "a/cases.yaml": f"cases:\n  - id: {INT64_MAX}\n    title: A\n",
        "qasesync.yaml": f"project: DEMO\nmax_destroy: {INT64_MAX}\n",
    }
    code, out, _ = validate(tree_with(tmp_path, files))
    assert code == 0
    assert out.endswith("1 cases in 1 suites, 0 shared steps — valid\n")


def test_100_digits_are_read_and_101_are_not(tmp_path: Path) -> None:
    text = "cases:\n  - title: A\n    parameters: {{n: [{}]}}\n"
    assert validate(tree_with(tmp_path, {"a.yaml": text.format("9" * 100)}))[0] == 0
    found = problems(tmp_path / "2", {"a.yaml": text.format("9" * 101)})
    assert found == [
        "a.yaml:3:22: an integer of 101 digits; no field takes one longer than 100 digits"
        " (text of digits needs quotes)"
    ]


# --- keys -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "col", "message"),
    [
        ("{1: a, true: b}", 21, 'the key `1` reads as a number, not text; put it in quotes: `"1"`'),
        (
            "{true: b}",
            21,
            'the key `true` reads as true or false, not text; put it in quotes: `"true"`',
        ),
        (
            "{Owner: a, null: 1}",
            31,
            'the key `null` reads as empty (null), not text; put it in quotes: `"null"`',
        ),
        ("{2.5: x}", 21, 'the key `2.5` reads as a number, not text; put it in quotes: `"2.5"`'),
        ("{? : x}", 23, "a mapping key is missing (YAML reads it as empty, null); keys are text"),
    ],
)
def test_custom_field_keys_must_be_text(
    tmp_path: Path, fields: str, col: int, message: str
) -> None:
    text = f"cases:\n  - title: A\n    custom_fields: {fields}\n"
    assert problems(tmp_path, {"a.yaml": text}) == [f"a.yaml:3:{col}: {message}"]


def test_quoted_custom_field_keys_are_text(tmp_path: Path) -> None:
    text = "cases:\n  - title: A\n    custom_fields: {'1': a, 'true': b, 'null': c}\n"
    assert validate(tree_with(tmp_path, {"a.yaml": text}))[0] == 0


def test_a_key_that_is_not_text_is_a_problem_in_any_file(tmp_path: Path) -> None:
    found = problems(tmp_path, {"qasesync.yaml": "project: DEMO\n1: x\n"})
    assert found == [
        'qasesync.yaml:2:1: the key `1` reads as a number, not text; put it in quotes: `"1"`'
    ]


# --- plan and apply stop at the same problems --------------------------------------------


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator())


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_plan_and_apply_exit_1_on_a_long_id_and_a_null_key(
    emu: Emulator, tmp_path: Path, command: str
) -> None:
    tree = tree_with(
        tmp_path,
        {
            "qasesync.yaml": f"project: {PROJECT}\n",
            "a.yaml": f"cases:\n  - id: {DIGITS_5000}\n    title: A\n",
            "b.yaml": "cases:\n  - title: B\n    custom_fields: {null: 1}\n",
        },
    )
    err = io.StringIO()
    with redirect_stderr(err):
        code = main([command, str(tree), *(["--yes"] if command == "apply" else [])])
    assert code == 1
    assert err.getvalue().splitlines() == [
        f"a.yaml:2:9: {LONG}",
        'b.yaml:3:21: the key `null` reads as empty (null), not text; put it in quotes: `"null"`',
        "2 problem(s) found",
    ]
    assert writes(emu) == []
