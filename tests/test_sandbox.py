"""`emulator --from-tree` / `--from-csv`: the emulator starts with the user's content live,
ids as in the files, and prints the line that points qasesync at it; `plan` of the same
content then creates nothing."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from qasesync import cli
from qasesync.cli.demo import example_tree
from qasesync.emulator import server as server_module

DATA = Path(__file__).parent / "data" / "csv"


def _serve(
    monkeypatch: pytest.MonkeyPatch, argv: Sequence[str], then: Callable[[str], None]
) -> tuple[int, str]:
    """Run ``qasesync emulator ARGV`` until ``then(url)`` has run against it."""
    printed = io.StringIO()

    def run_then_ctrl_c() -> None:
        then(printed.getvalue().split(" at ")[1].split(" ")[0])
        raise KeyboardInterrupt

    monkeypatch.setattr(server_module, "wait_for_interrupt", run_then_ctrl_c)
    code = cli.main(["emulator", "--port", "0", "--token", "K", *argv], out=printed)
    return code, printed.getvalue()


def _plan(monkeypatch: pytest.MonkeyPatch, url: str, tree: Path) -> tuple[int, dict[str, object]]:
    monkeypatch.setenv("QASE_API_URL", url)
    monkeypatch.setenv("QASE_TOKEN", "K")
    monkeypatch.delenv("QASE_PROJECT", raising=False)
    out = io.StringIO()
    code = cli.main(["plan", str(tree), "--format", "json"], out=out)
    return code, json.loads(out.getvalue())


def _kinds(plan: dict[str, object]) -> list[str]:
    changes = plan["changes"]
    assert isinstance(changes, list)
    return [str(change["kind"]) for change in changes]


@pytest.mark.parametrize("version", [1, 2])
def test_a_tree_imported_from_a_csv_plans_no_creates_against_the_same_csv_live(
    version: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """V1 with --project SHOP on both sides; V2 with neither (both take the placeholder)."""
    source = DATA / f"qase-v{version}.csv"
    tree = tmp_path / "cases"
    named = ["--project", "SHOP"] if version == 1 else []
    assert cli.main(["import-csv", str(source), "--out", str(tree), *named]) == 0
    planned: list[tuple[int, dict[str, object]]] = []
    argv = ["--from-csv", str(source), *named]
    code, printed = _serve(
        monkeypatch, argv, lambda url: planned.append(_plan(monkeypatch, url, tree))
    )
    assert code == 0
    first, second = printed.splitlines()[:2]
    project = "SHOP" if version == 1 else "CHANGEME"
    assert first.endswith(
        f"(project {project}: 4 cases in 5 suites from {source}); Ctrl-C stops it"
    )
    url = first.split(" at ")[1].split(" ")[0]
    assert second == f"export QASE_API_URL={url} QASE_TOKEN=K"
    [(plan_code, plan)] = planned
    assert plan_code == 0
    assert "create" not in _kinds(plan)
    assert _kinds(plan) == []


def test_the_example_tree_served_live_then_exported_has_the_ids_of_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tree with ids (an import of the V2 sample) and the example tree (custom fields,
    shared steps, no ids): both start live, and plan clean against themselves."""
    ids_tree = tmp_path / "ids"
    assert (
        cli.main(
            ["import-csv", str(DATA / "qase-v2.csv"), "--out", str(ids_tree), "--project", "SHOP"]
        )
        == 0
    )
    planned: list[tuple[int, dict[str, object]]] = []
    code, printed = _serve(
        monkeypatch,
        ["--from-tree", str(ids_tree)],
        lambda url: planned.append(_plan(monkeypatch, url, ids_tree)),
    )
    assert code == 0
    assert "(project SHOP: 4 cases in 5 suites from" in printed
    assert planned[0][0] == 0 and _kinds(planned[0][1]) == []
    example = example_tree()
    planned.clear()
    code, printed = _serve(
        monkeypatch,
        ["--from-tree", str(example)],
        lambda url: planned.append(_plan(monkeypatch, url, example)),
    )
    assert code == 0
    assert "custom fields: Components, Owner" in printed
    assert planned[0][0] == 0
    assert "create" not in _kinds(planned[0][1])


def test_a_state_file_that_exists_is_not_overwritten_by_a_sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.json"
    state.write_text("{}", encoding="utf-8")
    argv = [
        "emulator",
        "--port",
        "0",
        "--from-csv",
        str(DATA / "qase-v2.csv"),
        "--state",
        str(state),
    ]
    assert cli.main(argv, out=io.StringIO()) == 1
    assert f"--state {state} exists and holds the emulator's content" in capsys.readouterr().err


def test_a_csv_with_bad_rows_starts_no_emulator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    assert (
        cli.main(["emulator", "--port", "0", "--from-csv", str(DATA / "qase-bad.csv")], out=out)
        == 1
    )
    assert out.getvalue() == ""
    err = capsys.readouterr().err
    assert err.startswith(
        f"error: 7 bad row(s) in {DATA / 'qase-bad.csv'}; the emulator was not started:"
    )


def test_from_tree_and_from_csv_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["emulator", "--from-tree", "cases", "--from-csv", "x.csv"]
    assert cli.main(argv, out=io.StringIO()) == 1
    assert "not allowed with argument" in capsys.readouterr().err


def test_the_export_line_quotes_what_a_shell_would_split() -> None:
    from qasesync.cli.sandbox import export_line

    assert export_line("http://127.0.0.1:1/v1", "a b") == (
        "export QASE_API_URL=http://127.0.0.1:1/v1 QASE_TOKEN='a b'"
    )


# --- the seed itself --------------------------------------------------------------------


def test_seeding_keeps_given_ids_and_hashes_and_numbers_the_rest() -> None:
    from qasesync.emulator import Emulator
    from qasesync.emulator.seed import seed_project

    fields = [
        {
            "id": 5,
            "title": "Area",
            "entity": "case",
            "type": "selectbox",
            "value": json.dumps([{"id": 1, "title": "Web"}, {"id": 2, "title": "App"}]),
            "is_enabled_for_all_projects": True,
        },
        {
            "id": 6,
            "title": "Reviewed",
            "entity": "case",
            "type": "checkbox",
            "value": None,
            "is_enabled_for_all_projects": True,
        },
        {
            "id": 7,
            "title": "Broken",
            "entity": "case",
            "type": "string",
            "value": "not json",
            "is_enabled_for_all_projects": True,
        },
    ]
    emulator = Emulator(token="K", projects=(), custom_fields=fields)
    store = emulator.store
    shared_hash = "ab" * 20
    seed_project(
        store,
        "QA",
        suites=[
            {"key": "child", "id": None, "title": "Child", "parent": "top"},
            {"key": "top", "id": 40, "title": "Top"},
        ],
        shared_steps=[
            {
                "key": "login",
                "hash": shared_hash,
                "title": "Login",
                "steps": [{"action": "Sign in"}],
            },
            {"key": "other", "hash": None, "title": "Other", "steps": [{"action": "x"}]},
        ],
        cases=[
            {
                "title": "New",
                "suite": "child",
                "automation": "to-be-automated",
                "steps": [{"shared": "login"}, {"action": "Pay", "steps": [{"action": "Card"}]}],
                "custom_fields": {"Area": "App", "Reviewed": True, "Broken": 3, "Gone": "x"},
            },
            {
                "id": 9,
                "title": "Known",
                "automation": "automated",
                "severity": "major",
                "gherkin": "Given x",
                "is_flaky": 1,
                "milestone_id": 2,
                "parameters": {"browser": ["chrome"]},
            },
            {"id": 10, "title": "Empty gherkin", "gherkin": ""},
        ],
    )
    suites = {s["title"]: s for s in store.suites("QA")}
    assert (suites["Top"]["id"], suites["Child"]["id"], suites["Child"]["parent_id"]) == (
        40,
        41,
        40,
    )
    assert shared_hash in {s["hash"] for s in store.shared_steps("QA")}
    cases = {c["title"]: c for c in store.cases("QA")}
    assert (cases["Known"]["id"], cases["New"]["id"]) == (9, 11)
    assert (cases["Known"]["automation"], cases["New"]["automation"]) == (2, 1)
    assert cases["Known"]["severity"] == 3 and cases["Known"]["steps_type"] == "gherkin"
    assert cases["New"]["suite_id"] == 41
    values = {f["id"]: f["value"] for f in cases["New"]["custom_fields"]}
    assert values == {5: "2", 6: "1", 7: "3"}
    assert store.create_suite("QA", {"title": "Next"}) == 42


def test_seeding_suites_whose_parents_loop_is_refused() -> None:
    from qasesync.emulator import Store
    from qasesync.emulator.seed import seed_project

    loop = [
        {"key": "a", "id": 1, "title": "A", "parent": "b"},
        {"key": "b", "id": 2, "title": "B", "parent": "a"},
    ]
    with pytest.raises(ValueError, match="cycle"):
        seed_project(Store(), "QA", suites=loop)
