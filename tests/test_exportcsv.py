"""`export --format qase-csv`: a tree as Qase's CSV, and back through `import-csv` with the
same cases, suites and steps (what the CSV can hold: shared steps come back written out;
custom fields, external issues and settings are not in it)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from kit.apply import run_cli

from qasesync.adopt.exportcsv import export_csv
from qasesync.adopt.importcsv import import_csv
from qasesync.cli import main
from qasesync.model import Case, SharedStep, Step, Suite, Tree
from qasesync.tree.load import load_tree

DATA = Path(__file__).parent / "data" / "csv"
EXAMPLE = Path(__file__).parent.parent / "cases"


def _suite_paths(tree: Tree) -> dict[str | None, tuple[str, ...]]:
    """Suite key → the titles from the root down (keys differ between a loaded tree and
    an imported one; the titles and nesting must not)."""
    by_key = tree.suite_by_key()

    def path(key: str | None) -> tuple[str, ...]:
        if key is None or key not in by_key:
            return ()
        return (*path(by_key[key].parent), by_key[key].title)

    return {key: path(key) for key in (None, *by_key)}


def _suites(tree: Tree) -> set[tuple[tuple[str, ...], str, str]]:
    paths = _suite_paths(tree)
    return {(paths[s.key], s.description.strip(), s.preconditions.strip()) for s in tree.suites}


def _written_out(steps: tuple[Step, ...], shared: dict[str, tuple[Step, ...]]) -> tuple[Step, ...]:
    """Shared steps in place, text trimmed (a CSV cell is read trimmed, as the planner
    compares text)."""
    out: list[Step] = []
    for step in steps:
        if step.shared is not None:
            out += _written_out(shared[step.shared], shared)
        else:
            texts = (step.action.strip(), step.expected_result.strip(), step.data.strip())
            out.append(Step(*texts, steps=_written_out(step.steps, shared)))
    return tuple(out)


def _cases(tree: Tree, *, portable: bool = False) -> list[tuple[tuple[str, ...], Case]]:
    """Each case with its suite's title path; ``portable``: as the CSV can hold it."""
    paths = _suite_paths(tree)
    shared = {s.key: s.steps for s in tree.shared_steps}
    cases = []
    for case in tree.cases:
        plain = replace(case, suite=None, location=None)
        if portable:
            steps = _written_out(case.steps, shared)
            plain = replace(plain, steps=steps, custom_fields={}, external_issues=())
            texts = ("description", "preconditions", "postconditions")
            plain = replace(plain, **{name: getattr(plain, name).strip() for name in texts})
            if plain.gherkin is not None:
                plain = replace(plain, gherkin=plain.gherkin.strip())
        cases.append((paths[case.suite], plain))
    return sorted(cases, key=repr)


def _round_trip(tree: Tree, version: int, tmp_path: Path) -> Tree:
    path = tmp_path / f"back-v{version}.csv"
    path.write_text(export_csv(tree, version=version).text, encoding="utf-8")
    result = import_csv(path)
    assert (result.bad_rows, result.version) == ((), version)
    return result.tree


@pytest.mark.parametrize("version", [1, 2])
def test_an_imported_export_goes_back_to_csv_and_reads_the_same(
    version: int, tmp_path: Path
) -> None:
    """Sample → tree on disk → CSV → import: the same cases, ids, suites and steps."""
    first = import_csv(DATA / "qase-v2.csv").tree
    assert main(["import-csv", str(DATA / "qase-v2.csv"), "--out", str(tmp_path / "t")]) == 0
    back = _round_trip(load_tree(tmp_path / "t"), version, tmp_path)
    assert sorted(back.cases, key=lambda c: c.id or 0) == sorted(
        first.cases, key=lambda c: c.id or 0
    )
    assert sorted(back.suites, key=lambda s: s.id or 0) == sorted(
        first.suites, key=lambda s: s.id or 0
    )


@pytest.mark.parametrize("version", [1, 2])
def test_the_example_tree_goes_through_the_csv_with_shared_steps_written_out(
    version: int, tmp_path: Path
) -> None:
    tree = load_tree(EXAMPLE)
    assert tree.shared_steps and any(c.custom_fields for c in tree.cases)
    back = _round_trip(tree, version, tmp_path)
    assert _cases(back) == _cases(tree, portable=True)
    assert _suites(back) == _suites(tree)


def test_suites_without_id_are_numbered_above_the_tree_ids_parents_first() -> None:
    tree = Tree(
        settings=None,
        suites=(
            Suite(key="a/b", title="B", parent="a"),
            Suite(key="a", title="A"),
            Suite(key="c", title="C", id=7),
        ),
        cases=(Case(title="In B", suite="a/b", steps=(Step(action="x", data="d"),)),),
    )
    written = export_csv(tree)
    lines = written.text.splitlines()
    assert [line.split(",")[20:24] for line in lines[1:4]] == [
        ["9", "", "A", "1"],
        ["7", "", "C", "1"],
        ["8", "9", "B", "1"],
    ]
    assert lines[4] == ",In B" + "," * 13 + 'classic,"1. ""x""",,"1. ""d""",,,8,9,B,,,'
    assert (written.cases, written.suites, written.numbered_suites) == (1, 3, 2)


def test_a_shared_step_inside_a_nested_step_is_written_out_in_place() -> None:
    tree = Tree(
        settings=None,
        shared_steps=(SharedStep(key="login", title="Login", steps=(Step(action="Sign in"),)),),
        cases=(
            Case(
                title="Buy",
                steps=(Step(action="Start", steps=(Step(shared="login"), Step(action="Pay"))),),
            ),
        ),
    )
    text = export_csv(tree, version=1).text
    assert '"1. Start\n1.1. Sign in\n1.2. Pay"' in text


def test_workspace_shared_steps_are_counted_and_said_not_dropped_silently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    steps = (Step("a"), Step(workspace="abc123"), Step("b", steps=(Step(workspace="abc123"),)))
    tree = Tree(settings=None, cases=(Case(title="Uses", steps=steps),))
    written = export_csv(tree, version=1)
    assert written.workspace_steps == 2
    assert '"1. a\n3. b"' in written.text  # their numbers stay taken, their text empty
    assert export_csv(Tree(settings=None, cases=(Case(title="No"),))).workspace_steps == 0
    root = tmp_path / "tree"
    root.mkdir()
    (root / "qasesync.yaml").write_text("project: SHOP\n")
    (root / "cases.yaml").write_text(
        "cases:\n  - title: Uses\n    steps:\n      - workspace_shared: abc123\n"
    )
    code, output = _run("--tree", str(root))
    assert code == 0 and output.startswith("v2.id,")
    assert capsys.readouterr().err == (
        "warning: 1 use(s) of workspace-level shared steps are written as empty steps:"
        " the tree holds only their hash, not their text\n"
    )


def test_suites_whose_parents_loop_are_still_written() -> None:
    tree = Tree(
        settings=None,
        suites=(
            Suite(key="a", title="A", id=1, parent="b"),
            Suite(key="b", title="B", id=2, parent="a"),
        ),
    )
    lines = export_csv(tree).text.splitlines()
    assert [line.split(",")[20:23] for line in lines[1:]] == [["1", "2", "A"], ["2", "1", "B"]]


def test_a_version_other_than_1_or_2_is_refused() -> None:
    with pytest.raises(ValueError, match="versions 1 and 2, not 3"):
        export_csv(Tree(settings=None), version=3)


# --- the command ------------------------------------------------------------------------


def _run(*argv: str) -> tuple[int, str]:
    return run_cli("export", "--format", "qase-csv", *argv)


def test_export_qase_csv_writes_to_standard_output_by_default(tmp_path: Path) -> None:
    code, output = _run("--tree", str(EXAMPLE))
    assert code == 0
    assert output == export_csv(load_tree(EXAMPLE)).text
    assert output.startswith("v2.id,title,")


def test_export_qase_csv_writes_a_new_file_and_replaces_one_only_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "cases.csv"
    code, output = _run("--tree", str(EXAMPLE), "--out", str(target), "--csv-version", "1")
    tree = load_tree(EXAMPLE)
    assert code == 0
    assert output.splitlines() == [
        f"{len(tree.cases)} cases in {len(tree.suites)} suites written to {target} (Qase CSV V1)",
        f"{len(tree.suites)} suite(s) have no id yet: the file numbers them above the tree's"
        " ids (suite_id is the file's own reference)",
    ]
    assert target.read_text(encoding="utf-8").startswith("id,title,")
    assert _run("--tree", str(EXAMPLE), "--out", str(target))[0] == 1
    assert (
        capsys.readouterr().err == f"error: {target} exists and is a file (--force replaces it)\n"
    )
    assert _run("--tree", str(EXAMPLE), "--out", str(target), "--force")[0] == 0
    assert target.read_text(encoding="utf-8").startswith("v2.id,title,")
    tree_with_ids = tmp_path / "t"
    assert main(["import-csv", str(DATA / "qase-v1.csv"), "--out", str(tree_with_ids)]) == 0
    capsys.readouterr()
    code, output = _run("--tree", str(tree_with_ids), "--out", str(tmp_path / "ids.csv"))
    assert (code, output) == (
        0,
        f"4 cases in 5 suites written to {tmp_path / 'ids.csv'} (Qase CSV V2)\n",
    )
    assert _run("--tree", str(EXAMPLE), "--out", str(tmp_path), "--force")[0] == 1
    assert capsys.readouterr().err == f"error: {tmp_path} exists and is not a file\n"


def test_export_qase_csv_names_a_file_it_cannot_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing" / "cases.csv"
    assert _run("--tree", str(EXAMPLE), "--out", str(target))[0] == 1
    assert capsys.readouterr().err.startswith(f"error: {target}: cannot write (")


def test_export_of_the_live_project_wants_a_project_and_no_tree(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("QASE_PROJECT", raising=False)
    assert main(["export", "--out", "x"]) == 1
    assert "required: --project (or QASE_PROJECT; --format qase-csv" in capsys.readouterr().err
    assert main(["export", "--project", "SHOP", "--tree", "cases"]) == 1
    assert "--tree goes with --format qase-csv" in capsys.readouterr().err
