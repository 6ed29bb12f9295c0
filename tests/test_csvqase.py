"""Qase's own CSV (V1 and V2), read by `import-csv`: every column of the sample files
written from Qase's documentation (docs/csv.md), the suite tree by ids, and bad rows."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from qasesync.adopt.importcsv import QASE, import_csv
from qasesync.cli import main
from qasesync.errors import ValidationError
from qasesync.model import Case, Step, Suite
from qasesync.tree.load import load_tree
from qasesync.tree.typos import closest, edits
from qasesync.tree.write import prepare

DATA = Path(__file__).parent / "data" / "csv"
HEADER = (
    "v2.id,title,description,preconditions,postconditions,tags,priority,severity,type,"
    "behavior,automation,status,is_flaky,layer,steps_type,steps_actions,steps_result,"
    "steps_data,milestone_id,milestone,suite_id,suite_parent_id,suite,suite_without_cases,"
    "parameters,is_muted\n"
)
SUITES = (
    Suite(
        key="#1",
        title="Authentication",
        id=1,
        description="Signing in and out",
        preconditions="The shop is up",
    ),
    Suite(key="#3", title="Checkout", id=3),
    Suite(key="#4", title="Payments", id=4, parent="#3"),
    Suite(key="#5", title="Archive", id=5),
    Suite(key="#2", title="Login", id=2, parent="#1"),
)
GHERKIN = (
    "Feature: Checkout\n  Scenario: saved card\n    Given a saved card\n"
    "    When I pay\n    Then the order is placed"
)


def _expected(version: int) -> tuple[Case, ...]:
    """The four cases both sample files hold; V1 cannot hold commas, quotes and line
    breaks in steps, so its steps say the same in plainer words."""
    v2 = version == 2
    first = 1 if v2 else 11
    nested = (
        Step(
            action="Type the e-mail address\nand the password"
            if v2
            else "Type the e-mail address and the password",
            data="ada@cartwheel.test, Correct-Horse-42"
            if v2
            else "ada@cartwheel.test / Correct-Horse-42",
        ),
        Step(
            action='Press "Sign in"' if v2 else "Press Sign in",
            expected_result="The dashboard opens",
        ),
    )
    return (
        Case(
            title="Customer signs in with e-mail and password",
            id=first,
            suite="#2",
            description="The basic path.\nReturns to the page the customer came from.",
            preconditions="The account ada@cartwheel.test exists",
            postconditions="The customer is signed in",
            severity="critical",
            priority="high",
            type="functional",
            behavior="positive",
            layer="e2e",
            status="actual",
            automation="automated",
            flaky=False,
            milestone_id=3,
            tags=("auth", "smoke"),
            parameters={"browser": ("chrome", "firefox")},
            steps=(
                Step(action="Open the sign-in page", expected_result="The form is shown"),
                Step(action="Sign in, then wait" if v2 else "Sign in and wait", steps=nested),
                Step(action="Reload the page", expected_result="Still signed in"),
            ),
        ),
        Case(
            title="A wrong password is refused",
            id=first + 1,
            suite="#2",
            severity="major",
            priority="medium",
            type="security",
            behavior="negative",
            layer="api",
            status="draft",
            automation="manual",
            flaky=True,
            tags=("auth", "security"),
            steps=(
                Step(
                    action="Sign in with a wrong password",
                    expected_result='The message says "Email or password is incorrect"'
                    if v2
                    else "The message says the e-mail or password is incorrect",
                ),
            ),
        ),
        Case(
            title="Order with a saved card",
            id=first + 2,
            suite="#3",
            severity="normal",
            priority="low",
            type="regression",
            behavior="undefined",
            layer="unknown",
            status="actual",
            automation="to-be-automated",
            flaky=False,
            gherkin=GHERKIN,
        ),
        Case(
            title="Home page loads",
            id=first + 3,
            steps=(Step(action="Open the home page", expected_result="It loads"),),
        ),
    )


@pytest.mark.parametrize("version", [1, 2])
def test_a_qase_export_gives_every_case_suite_step_automation_value_and_id(version: int) -> None:
    source = DATA / f"qase-v{version}.csv"
    result = import_csv(source)
    assert (result.layout, result.version, result.bad_rows) == (QASE, version, ())
    assert result.tree.suites == SUITES
    assert result.tree.cases == _expected(version)
    assert result.warnings == (
        f"{source}: 1 case(s) are muted (is_muted); a cases tree holds no mute "
        "(the API does not set it), so it is left out",
    )


@pytest.mark.parametrize("version", [1, 2])
def test_import_csv_of_a_qase_export_writes_a_tree_that_validates(
    version: int, tmp_path: Path
) -> None:
    source = DATA / f"qase-v{version}.csv"
    out = io.StringIO()
    argv = ["import-csv", str(source), "--out", str(tmp_path / "u"), "--project", "SHOP"]
    code = main(argv, out=out)
    assert code == 0
    assert out.getvalue() == f"4 cases in 5 suites written to {tmp_path / 'u'}\n"
    out = io.StringIO()
    assert main(["validate", str(tmp_path / "u")], out=out) == 0
    assert out.getvalue().endswith("4 cases in 5 suites, 0 shared steps — valid\n")
    loaded = load_tree(tmp_path / "u")
    expected = prepare(import_csv(source, project="SHOP").tree)
    assert sorted(loaded.cases, key=repr) == sorted(expected.cases, key=repr)
    folders = sorted(str(p.relative_to(tmp_path / "u")) for p in (tmp_path / "u").rglob("*.yaml"))
    assert folders == [
        "archive/suite.yaml",
        "authentication/login/cases.yaml",
        "authentication/login/suite.yaml",
        "authentication/suite.yaml",
        "cases.yaml",
        "checkout/cases.yaml",
        "checkout/payments/suite.yaml",
        "checkout/suite.yaml",
        "qasesync.yaml",
    ]


# --- rows that are wrong ----------------------------------------------------------------


def _import(tmp_path: Path, *rows: str) -> list[str]:
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return [problem.split(":", 1)[1] for problem in import_csv(path).problems()]


def _row(**cells: str) -> str:
    names = HEADER.strip().split(",")
    unknown = set(cells) - {name.replace(".", "_") for name in names}
    assert not unknown
    values = [cells.get(name.replace(".", "_"), "") for name in names]
    return ",".join(f'"{v.replace(chr(34), chr(34) * 2)}"' if v else "" for v in values)


def test_qase_slugs_are_read_and_other_meanings_get_no_suggestion(tmp_path: Path) -> None:
    problems = _import(
        tmp_path,
        _row(title="Manual", automation="is-not-automated"),
        _row(title="Not automated", automation="not-automated"),
        _row(title="Unautomated", automation="unautomated"),
        _row(title="Typo", automation="automted"),
        _row(title="Muted typo", is_muted="yse"),
    )
    assert problems == [
        "3: unknown automation `not-automated` "
        "(expected one of manual, to-be-automated, automated)",
        "4: unknown automation `unautomated` (expected one of manual, to-be-automated, automated)",
        "5: unknown automation `automted` (did you mean `automated`?)",
        "6: is_muted `yse` is neither yes nor no",
    ]


def test_bad_ids_suites_and_parameters_are_bad_rows(tmp_path: Path) -> None:
    problems = _import(
        tmp_path,
        _row(v2_id="7", title="First"),
        _row(v2_id="7", title="Second"),
        _row(v2_id="x", title="Third"),
        _row(suite_id="1", suite="Auth", suite_without_cases="1"),
        _row(title="Elsewhere", suite_id="1", suite="Authentication"),
        _row(suite_without_cases="1"),
        _row(suite_id="8", suite_parent_id="9", suite="Eight", suite_without_cases="1"),
        _row(suite_id="9", suite_parent_id="8", suite="Nine", suite_without_cases="1"),
        _row(title="Params", parameters="browser=chrome"),
        _row(title="Param list", parameters='{"browser": "chrome"}'),
    )
    assert problems == [
        "3: case id 7 is already on line 2",
        "4: id `x` is not a positive integer",
        "6: suite_id 1 is `Authentication` under the root here, but `Auth` under the root "
        "on line 5",
        "7: a suite row (suite_without_cases) names neither suite_id nor suite",
        "8: suite_id 8 is its own ancestor (suite_parent_id loops)",
        "9: suite_id 9 is its own ancestor (suite_parent_id loops)",
        "10: parameters `browser=chrome` is not a JSON object of value lists"
        ' ({"browser": ["chrome", "firefox"]})',
        '11: parameters `{"browser": "chrome"}` is not a JSON object of value lists'
        ' ({"browser": ["chrome", "firefox"]})',
    ]


def test_cases_with_ids_may_share_a_title_and_without_ids_may_not(tmp_path: Path) -> None:
    problems = _import(
        tmp_path,
        _row(v2_id="1", title="Same"),
        _row(v2_id="2", title="Same"),
        _row(title="Twice"),
        _row(title="Twice"),
    )
    assert problems == ["5: a case titled `Twice` is already in the project root (line 4)"]


def test_v2_step_text_that_is_no_json_string_is_taken_as_written(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    actions = '1. "unterminated\n2. plain\n3. "a" and "b"'
    row = _row(title="Raw", steps_actions=actions, parameters="[]")
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    case = import_csv(path).tree.cases[0]
    assert [step.action for step in case.steps] == ['"unterminated', "plain", '"a" and "b"']
    assert case.parameters == {}


def test_a_suite_path_without_suite_id_and_a_milestone_title_alone(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    row = _row(title="Deep", suite="Shop/Cart", milestone="Release 2")
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    result = import_csv(path)
    assert result.tree.cases == (Case(title="Deep", suite="Shop/Cart"),)
    assert result.warnings == (
        f"{path}: 1 case(s) name a milestone without milestone_id; a cases tree holds a "
        "milestone by id only, so it is left out",
    )


def test_a_v1_header_is_qase_layout_by_its_columns_alone(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("id,title,suite_without_cases\n5,Only,\n", encoding="utf-8")
    result = import_csv(path)
    assert (result.layout, result.version) == (QASE, 1)
    assert result.tree.cases == (Case(title="Only", id=5),)


# --- suggestions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "meant"),
    [
        ("majr", "major"),
        ("hihg", "high"),
        ("e3e", "e2e"),
        ("titel", "title"),
        ("prun", "prune"),
        ("automted", "automated"),
        ("is-not-automated", "manual"),
        ("IS-NOT-AUTOMATED", "manual"),
        ("not-automated", None),
        ("unautomated", None),
        ("negative", None),
        ("automated", None),
        ("", None),
    ],
)
def test_a_suggestion_is_a_typo_of_one_option_only(word: str, meant: str | None) -> None:
    options = ["major", "high", "e2e", "title", "prune", "project", "manual", "automated"]
    options += ["to-be-automated", "positive"]
    assert closest(word, options) == meant


def test_a_word_as_close_to_two_options_gets_no_suggestion() -> None:
    assert closest("cart", ["card", "care"]) is None
    assert closest("cot", ["cat", "cut"]) is None
    assert edits("ab", "ba") == 1
    assert edits("kitten", "sitting") == 3


def test_a_yaml_automation_in_qase_slug_is_pointed_to_manual_not_automated(
    tmp_path: Path,
) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: SHOP\n", encoding="utf-8")
    (tmp_path / "cases.yaml").write_text(
        "cases:\n  - title: A\n    automation: is-not-automated\n", encoding="utf-8"
    )
    with pytest.raises(ValidationError) as raised:
        load_tree(tmp_path)
    assert [str(p) for p in raised.value.problems] == [
        "cases.yaml:3:17: `automation`: unknown value `is-not-automated` (did you mean `manual`?)"
    ]


def test_more_bad_rows_and_an_unknown_column(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    rows = [
        _row(title="Two\nlines"),
        _row(title="Bad parent", suite_id="3", suite_parent_id="x", suite="Three"),
        _row(title="Empty action", steps_actions='1. "Open"\n2. ""'),
        _row(title="No suite", suite="/"),
        _row(title="Untitled suite", suite_id="6"),
    ]
    path.write_text(
        HEADER.strip() + ",Owner\n" + "".join(r + ",ada\n" for r in rows), encoding="utf-8"
    )
    result = import_csv(path)
    assert [p.split(":", 1)[1] for p in result.problems()] == [
        "2: the title spans several lines",
        "4: suite_parent_id `x` is not a positive integer",
        "5: step 2 has no action",
        "7: the suite path `/` names no suite",
    ]
    assert result.warnings[0] == f"{path}:1: unknown column(s) ignored: `Owner`"
    assert result.tree.suites == (Suite(key="#6", title="Suite 6", id=6),)
