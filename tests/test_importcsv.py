"""`qasesync import-csv`: both CSV layouts, bad rows with their lines, and the command."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kit.apply import run_cli

from qasesync.adopt.importcsv import BULK, QASE, import_csv
from qasesync.errors import QasesyncError
from qasesync.model import DEFAULT_OPTIONS, Case, Step, Suite
from qasesync.tree.load import load_tree
from qasesync.tree.write import prepare

DATA = Path(__file__).parent / "data" / "csv"


def _write(tmp_path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / "cases.csv"
    path.write_bytes(text.encode(encoding))
    return path


# --- the bulk layout --------------------------------------------------------------------


def test_bulk_layout_is_recognised_and_every_row_read() -> None:
    result = import_csv(DATA / "bulk.csv")
    assert result.layout == BULK
    assert result.bad_rows == ()
    assert result.warnings == ()
    assert [c.title for c in result.tree.cases] == [
        "Customer signs in with email and password",
        "Wrong password shows a generic error",
        "Search by name",
        "Paiement refusé par la banque",
        "Home page loads",
    ]


def test_bulk_steps_pair_up_by_position_and_quoted_cells_keep_commas_and_lines() -> None:
    case = import_csv(DATA / "bulk.csv").tree.cases[0]
    assert case == Case(
        title="Customer signs in with email and password",
        suite="Authentication/Login",
        description="The basic path.\nReturns to the page the customer came from.",
        preconditions="The account ada@cartwheel.test exists",
        severity="major",
        priority="high",
        tags=("auth", "smoke"),
        steps=(
            Step(action="Open /login", expected_result="The form is shown"),
            Step(
                action="Sign in",
                expected_result="The dashboard opens",
                data="ada@cartwheel.test, Correct-Horse-42",
            ),
            Step(action="Reload the page", expected_result="Still signed in"),
        ),
    )


def test_bulk_integers_follow_the_default_table_and_tags_are_deduplicated() -> None:
    case = import_csv(DATA / "bulk.csv").tree.cases[1]
    assert (case.severity, case.priority) == ("critical", "high")
    assert case.tags == ("auth", "security")
    assert case.steps[0].expected_result == 'The message says "Email or password is incorrect"'


def test_non_ascii_text_and_spaced_suite_paths() -> None:
    tree = import_csv(DATA / "bulk.csv").tree
    case = tree.cases[3]
    assert case.suite == "Checkout/Payments/Cartes"
    assert case.steps == (
        Step(
            action="Payer avec la carte 4000 0000 0000 0002",
            expected_result="Le formulaire affiche « Carte refusée »",
        ),
    )
    assert case.description == "Vérifie le message d’erreur — sans créer de commande"
    assert Suite(key="Checkout/Payments/Cartes", title="Cartes", parent="Checkout/Payments") in (
        tree.suites
    )


def test_a_row_without_suite_is_a_root_case() -> None:
    assert import_csv(DATA / "bulk.csv").tree.cases[4] == Case(title="Home page loads")


def test_bulk_suites_are_made_for_every_level_of_a_path() -> None:
    keys = [s.key for s in import_csv(DATA / "bulk.csv").tree.suites]
    assert keys == [
        "Authentication",
        "Authentication/Login",
        "Catalog",
        "Catalog/Search",
        "Checkout",
        "Checkout/Payments",
        "Checkout/Payments/Cartes",
    ]


def test_bad_bulk_rows_are_reported_with_the_line_they_start_on() -> None:
    result = import_csv(DATA / "bulk-bad.csv")
    source = DATA / "bulk-bad.csv"
    assert result.problems() == [
        f"{source}:4: the title is empty",
        f"{source}:5: unknown severity `majr` (did you mean `major`?)",
        f"{source}:6: step 2 has an expected result or data but no action",
        f"{source}:7: priority 7 is not one of the API's integers 0-3",
        f"{source}:8: 8 cells, but the header has 7 columns",
        f"{source}:9: a case titled `Good case` is already in suite `Cart` (line 2)",
    ]
    assert [c.title for c in result.tree.cases] == ["Good case", "Another good case"]
    assert result.tree.cases[0].steps == (
        Step(action="Add the lamp\nto the cart", expected_result="The badge shows 1"),
    )


def test_a_suite_id_becomes_a_suite_with_that_id_and_a_warning() -> None:
    result = import_csv(DATA / "bulk-suite-id.csv")
    assert result.tree.suites == (Suite(key="#12", title="Suite 12", id=12),)
    assert [c.suite for c in result.tree.cases] == ["#12", "#12", None]
    assert result.warnings == (
        "suite_id 12: its title is unknown offline; it is written as `Suite 12`: set the "
        "real title in its suite.yaml before `apply`, which would otherwise rename the live suite",
    )


# --- Qase's layout ----------------------------------------------------------------------


def test_qase_layout_is_recognised_with_bom_and_crlf_and_keeps_the_ids() -> None:
    result = import_csv(DATA / "qase.csv")
    assert (result.layout, result.version) == (QASE, 1)
    assert result.bad_rows == ()
    assert result.warnings == (
        f"{DATA / 'qase.csv'}: 1 case(s) name a milestone without milestone_id; a cases tree "
        "holds a milestone by id only, so it is left out",
    )
    assert result.tree.cases[0].title == "Order is placed with a valid card"
    assert [case.id for case in result.tree.cases] == [17, 18, 19, 20]


def test_qase_numbered_steps_pair_up_by_number_and_nest() -> None:
    case = import_csv(DATA / "qase.csv").tree.cases[0]
    assert case.steps == (
        Step(action="Open the cart", expected_result="The cart is shown"),
        Step(action='Click "Checkout"'),
        Step(
            action="Pay with the test card",
            expected_result="The confirmation page opens",
            steps=(
                Step(action="Enter 4242 4242 4242 4242", data="12/34, CVC 123"),
                Step(
                    action='Click "Pay now"',
                    expected_result="The order number starts with CW-",
                ),
            ),
        ),
    )


def test_qase_enum_names_become_slugs() -> None:
    case = import_csv(DATA / "qase.csv").tree.cases[0]
    fields = (case.severity, case.priority, case.type, case.behavior, case.status)
    assert fields == ("critical", "high", "smoke", "positive", "actual")
    assert (case.automation, case.postconditions) == ("automated", "The order is paid")
    assert case.tags == ("payments", "smoke")


def test_qase_gherkin_case_keeps_the_scenario_text() -> None:
    case = import_csv(DATA / "qase.csv").tree.cases[1]
    assert case.automation == "to-be-automated"
    assert case.steps == ()
    assert case.gherkin == (
        "Feature: Search\n  Scenario: by name\n    Given I am on the home page\n"
        '    When I search for "lamp"\n    Then the first result is "Brass Desk Lamp"'
    )


def test_qase_continuation_lines_join_their_step_and_cyrillic_survives() -> None:
    case = import_csv(DATA / "qase.csv").tree.cases[2]
    assert case.title == "Поиск по-русски работает"
    assert case.steps == (
        Step(
            action="Ввести «лампа» в поиск\nи нажать Enter",
            expected_result="Показана «Латунная настольная лампа»",
        ),
    )


def test_qase_unnumbered_cell_is_one_step() -> None:
    case = import_csv(DATA / "qase.csv").tree.cases[3]
    assert case.steps == (Step(action="Open the home page", expected_result="It loads"),)
    assert case.suite is None


def test_bad_qase_rows_are_reported_with_their_reasons() -> None:
    source = DATA / "qase-bad.csv"
    result = import_csv(source)
    assert result.problems() == [
        f"{source}:2: steps_result has step 3 but steps_actions has not",
        f"{source}:5: steps_actions numbers step 1 twice",
        f"{source}:7: steps_actions: `Setup` comes before the first numbered step",
        f"{source}:9: unknown automation `sometimes` "
        "(expected one of manual, to-be-automated, automated)",
        f"{source}:10: steps_type `bdd` is neither classic nor gherkin",
        f"{source}:11: step 2.1 has no parent step 2",
        f"{source}:13: is_flaky `maybe` is neither yes nor no",
    ]
    assert [(c.title, c.flaky) for c in result.tree.cases] == [("Fine", True)]


# --- files that are not a CSV of cases --------------------------------------------------


def test_a_header_without_title_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "name,steps\nx,y\n")
    with pytest.raises(QasesyncError, match=r"cases\.csv:1: no `title` column in the header$"):
        import_csv(path)


def test_a_header_separated_by_semicolons_says_so(tmp_path: Path) -> None:
    path = _write(tmp_path, "title;suite\nx;y\n")
    message = r"cases\.csv:1: no `title` column in the header \(cells are separated by `;`\?"
    with pytest.raises(QasesyncError, match=message + r" save it with commas\)$"):
        import_csv(path)


def test_repeated_columns_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "title,Tags,tags\nx,a,b\n")
    with pytest.raises(QasesyncError, match=r":1: repeated column\(s\): tags$"):
        import_csv(path)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(QasesyncError, match="no header row"):
        import_csv(_write(tmp_path, "\n\n"))


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "title\nCafé\n", encoding="latin-1")
    with pytest.raises(QasesyncError, match=r"cases\.csv: not UTF-8 text"):
        import_csv(path)


def test_broken_quoting_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, 'title,steps\nfine,x\n"broken "quote,x\n')
    with pytest.raises(QasesyncError, match=r"cases\.csv:3: malformed CSV"):
        import_csv(path)


def test_blank_lines_and_short_rows_are_fine(tmp_path: Path) -> None:
    path = _write(tmp_path, "title,severity,priority\n\nOnly a title\n\nWith severity,minor\n")
    cases = import_csv(path).tree.cases
    assert cases == (Case(title="Only a title"), Case(title="With severity", severity="minor"))


def test_a_bad_row_adds_no_suite_nor_suite_warning(tmp_path: Path) -> None:
    text = "title,suite,suite_id,severity\n,Gone/Deeper,,\nTypo,,7,majr\nKept,Shop/Cart,,\n"
    result = import_csv(_write(tmp_path, text))
    assert len(result.bad_rows) == 2
    assert result.tree.suites == (
        Suite(key="Shop", title="Shop"),
        Suite(key="Shop/Cart", title="Cart", parent="Shop"),
    )
    assert result.warnings == ()


def test_a_title_over_255_characters_is_a_bad_row(tmp_path: Path) -> None:
    path = _write(tmp_path, f"title\n{'x' * 256}\n")
    assert import_csv(path).problems() == [
        f"{path}:2: the title has 256 characters; at most 255 are allowed"
    ]


# --- the command ------------------------------------------------------------------------


def _run(*argv: str) -> tuple[int, str]:
    return run_cli("import-csv", *argv)


def test_import_csv_writes_a_valid_tree(tmp_path: Path) -> None:
    target = tmp_path / "tree"
    code, output = _run(str(DATA / "qase.csv"), "--out", str(target), "--project", "shop")
    assert code == 0
    assert output == f"4 cases in 5 suites written to {target}\n"
    loaded = load_tree(target)
    assert loaded.settings is not None and loaded.settings.project == "SHOP"
    expected = prepare(import_csv(DATA / "qase.csv", project="SHOP").tree)
    assert sorted(loaded.cases, key=repr) == sorted(expected.cases, key=repr)


def test_import_csv_without_project_uses_the_placeholder(tmp_path: Path) -> None:
    code, output = _run(str(DATA / "bulk.csv"), "--out", str(tmp_path / "t"))
    assert code == 0
    assert output.splitlines() == [
        f"5 cases in 7 suites written to {tmp_path / 't'}",
        "project code is the placeholder CHANGEME: edit qasesync.yaml",
    ]
    loaded = load_tree(tmp_path / "t")
    assert loaded.settings is not None and loaded.settings.project == "CHANGEME"


def test_import_csv_writes_nothing_when_a_row_is_bad(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = _run(str(DATA / "bulk-bad.csv"), "--out", str(tmp_path / "t"))
    assert (code, output) == (1, "")
    assert not (tmp_path / "t").exists()
    errors = capsys.readouterr().err.splitlines()
    assert errors[0] == (
        f"error: 6 bad row(s) in {DATA / 'bulk-bad.csv'}; nothing written"
        " (--skip-bad leaves them out):"
    )
    assert errors[1] == f"{DATA / 'bulk-bad.csv'}:4: the title is empty"


def test_import_csv_skip_bad_writes_the_good_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = _run(str(DATA / "bulk-bad.csv"), "--out", str(tmp_path / "t"), "--skip-bad")
    assert code == 0
    assert output.startswith(f"2 cases in 1 suites written to {tmp_path / 't'}\n")
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 6
    assert errors[0] == f"skipped: {DATA / 'bulk-bad.csv'}:4: the title is empty"
    assert len(load_tree(tmp_path / "t").cases) == 2


def test_import_csv_prints_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = _run(str(DATA / "qase.csv"), "--out", str(tmp_path / "t"), "--project", "SHOP")
    assert code == 0
    assert capsys.readouterr().err == (
        f"warning: {DATA / 'qase.csv'}: 1 case(s) name a milestone without milestone_id; "
        "a cases tree holds a milestone by id only, so it is left out\n"
    )


def test_import_csv_refuses_a_non_empty_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "keep.txt").write_text("x", encoding="utf-8")
    code, _ = _run(str(DATA / "bulk.csv"), "--out", str(tmp_path))
    assert code == 1
    assert "is not an empty folder" in capsys.readouterr().err


def test_import_csv_refuses_a_bad_project_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = _run(str(DATA / "bulk.csv"), "--out", str(tmp_path / "t"), "--project", "SH-1")
    assert code == 1
    assert "a Qase project code is 2 to 10 letters" in capsys.readouterr().err
    assert not (tmp_path / "t").exists()


def test_import_csv_of_a_missing_file_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = _run(str(tmp_path / "nope.csv"), "--out", str(tmp_path / "t"))
    assert code == 1
    assert "nope.csv: cannot read" in capsys.readouterr().err


# --- any text survives the CSV ----------------------------------------------------------

_CELL = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="|,/"),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(lambda s: s and not s[0].isdigit())
)
_BLOCK = st.lists(_CELL, min_size=1, max_size=3).map("\n".join)


@st.composite
def _rows(draw: st.DrawFn) -> list[Case]:
    cases = []
    for title in draw(st.lists(_CELL, unique=True, max_size=5)):
        steps = draw(st.lists(st.tuples(_CELL, _CELL), max_size=3))
        cases.append(
            Case(
                title=title,
                suite=draw(st.none() | st.lists(_CELL, min_size=1, max_size=3).map("/".join)),
                description=draw(_BLOCK),
                tags=tuple(draw(st.lists(_CELL, unique=True, max_size=3))),
                severity=draw(st.sampled_from(DEFAULT_OPTIONS["severity"])),
                steps=tuple(Step(action=a, expected_result=e) for a, e in steps),
            )
        )
    return cases


@settings(max_examples=60, deadline=None)
@given(cases=_rows())
def test_bulk_and_qase_csv_read_back_what_was_written(cases: list[Case]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for layout, row in ((BULK, _bulk_row), (QASE, _qase_row)):
            path = Path(folder) / f"{layout}.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(_HEADERS[layout])
                writer.writerows(row(case) for case in cases)
            result = import_csv(path)
            assert (result.layout, result.problems()) == (layout, [])
            assert list(result.tree.cases) == cases


_HEADERS = {
    BULK: ["title", "suite", "description", "tags", "severity", "steps", "expected"],
    QASE: ["title", "suite", "description", "tags", "severity", "steps_actions", "steps_result"],
}


def _bulk_row(case: Case) -> list[str]:
    return [
        *_common(case),
        "|".join(s.action for s in case.steps),
        "|".join(s.expected_result for s in case.steps),
    ]


def _qase_row(case: Case) -> list[str]:
    actions = [f"{n}. {step.action}" for n, step in enumerate(case.steps, start=1)]
    results = [f"{n}. {step.expected_result}" for n, step in enumerate(case.steps, start=1)]
    return [*_common(case), "\n".join(actions), "\n".join(results)]


def _common(case: Case) -> list[str]:
    return [
        case.title,
        case.suite or "",
        case.description,
        ", ".join(case.tags),
        case.severity or "",
    ]
