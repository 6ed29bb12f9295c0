"""`qasesync demo`: the real commands on a copy of the example tree against an in-process
emulator; the checkout and the user's environment are left as they were."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import qasesync
from qasesync.cli import main
from qasesync.cli.demo import STEPS, custom_fields_of, example_tree, run_demo
from qasesync.model import Case, Tree

REPO = Path(__file__).resolve().parents[1]
HEADINGS = [
    "== Step 1/8: validate the tree (offline)\n$ qasesync validate cases\n",
    "== Step 2/8: plan: what apply would change in the empty project\n$ qasesync plan cases\n",
    "== Step 3/8: apply the plan, writing the new ids back into the YAML\n"
    "$ qasesync apply cases --yes\n",
    "== Step 4/8: plan again: the project matches the tree, so no changes\n"
    "$ qasesync plan cases --detailed-exitcode\n",
    "== Step 5/8: a tester sets the priority of case #1 to low in the Qase web app\n",
    "== Step 6/8: plan: the tester's edit is a change made in Qase, which apply leaves alone\n"
    "$ qasesync plan cases --detailed-exitcode\n",
    "== Step 7/8: pull: the tester's edit comes into the YAML\n$ qasesync pull cases\n",
    "== Step 8/8: plan again: the tree, the record and Qase agree\n"
    "$ qasesync plan cases --detailed-exitcode\n",
]


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def sections(text: str) -> list[str]:
    """The demo's output cut at each step heading: [introduction, step 1, ..., step 8]."""
    parts = [text]
    for heading in HEADINGS:
        head, _, rest = parts.pop().partition(heading)
        parts += [head, rest]
    return parts


@dataclass(frozen=True)
class DemoRun:
    code: int
    text: str
    cases_before: dict[str, bytes]
    cases_after: dict[str, bytes]
    environment_after: dict[str, str | None]


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoRun]:
    """`qasesync demo` run once, in an environment pointing elsewhere."""
    names = ("QASE_API_URL", "QASE_PROJECT", "QASE_TOKEN", "QASE_TIMEOUT")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QASE_API_URL", "https://api.example.invalid/v1")
        patch.setenv("QASE_PROJECT", "OTHER")
        patch.setenv("QASE_TIMEOUT", "0.000001")  # no request could answer in time
        patch.delenv("QASE_TOKEN", raising=False)
        before = snapshot(REPO / "cases")
        out = io.StringIO()
        code = main(["demo"], out=out)
        after = snapshot(REPO / "cases")
        yield DemoRun(code, out.getvalue(), before, after, {n: os.environ.get(n) for n in names})


def test_demo_applies_the_example_tree_and_the_second_plan_is_clean(demo: DemoRun) -> None:
    assert demo.code == 0
    assert all(heading in demo.text for heading in HEADINGS), demo.text
    _, validate, first, applied, second, edit, drift, pulled, last = sections(demo.text)
    assert validate == "cases/: 46 cases in 18 suites, 4 shared steps — valid\n\n"
    assert "\nPlan: 68 to create, 0 to update, 0 to deprecate, 0 to delete.\n" in first
    assert "Apply complete: 68 created, 0 updated, 0 deprecated, 0 deleted" in applied
    assert second.startswith("No changes. Project SHOP matches the tree.\n")
    assert edit == "(in the emulator: case #1 gets priority low)\n\n"
    assert drift.startswith("No changes to make. Project SHOP has changes made in Qase:\n")
    assert '~ changed case "Order history lists orders newest first" (#1)' in drift
    assert 'priority: "medium" → "low"' in drift
    assert "1 change in Qase kept." in drift
    assert "): priority\nPulled 1 change(s) from SHOP into 1 file(s).\n" in pulled
    assert last.startswith("No changes. Project SHOP matches the tree.\n")
    assert "\nDemo complete: the tree was applied, the tester's edit was kept and pulled" in last


def test_demo_leaves_the_checkout_and_the_environment_as_they_were(demo: DemoRun) -> None:
    assert demo.cases_after == demo.cases_before
    assert demo.environment_after == {
        "QASE_API_URL": "https://api.example.invalid/v1",
        "QASE_PROJECT": "OTHER",
        "QASE_TOKEN": None,
        "QASE_TIMEOUT": "0.000001",
    }


def readme_block(after: str) -> str:
    """The README's first ```text block after the line ``after``."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rest = readme[readme.index(after) :]
    return rest.split("```text\n", 1)[1].split("```", 1)[0]


def test_the_readme_shows_what_the_demo_prints(demo: DemoRun) -> None:
    ending = readme_block("The demo takes about a second")
    plan = readme_block("A plan, as `qasesync demo` prints it")
    first_plan = sections(demo.text)[2]

    assert demo.text.endswith(ending)
    assert [
        line for line in plan.splitlines() if line.strip() != "..." and line not in first_plan
    ] == []


class FakeRunner:
    """Records each step's command line, environment and working folder; answers
    ``codes`` in turn (0 once they run out)."""

    def __init__(self, *codes: int) -> None:
        self.codes = list(codes)
        self.calls: list[tuple[tuple[str, ...], str, str, bool]] = []

    def __call__(self, argv: Sequence[str]) -> int:
        url, token = os.environ["QASE_API_URL"], os.environ["QASE_TOKEN"]
        self.calls.append((tuple(argv), url, token, Path("cases/qasesync.yaml").is_file()))
        return self.codes.pop(0) if self.codes else 0


def test_each_step_runs_in_order_on_a_copy_against_a_loopback_emulator() -> None:
    runner = FakeRunner()
    cwd = Path.cwd()
    out = io.StringIO()

    # A runner that creates nothing leaves no case for the tester to edit: the demo stops.
    assert run_demo(runner, out) == 1
    assert "\nStep 5: the project has no case #1.\n\nDemo failed" in out.getvalue()

    assert [call[0] for call in runner.calls] == [step.argv for step in STEPS[:4]]
    assert [call[0] for call in runner.calls][-1] == ("plan", "cases", "--detailed-exitcode")
    assert all(
        url.startswith("http://127.0.0.1:") and url.endswith("/v1") for _, url, _, _ in runner.calls
    )
    assert all(token and copied for _, _, token, copied in runner.calls)
    assert Path.cwd() == cwd


def test_a_second_plan_with_changes_fails_the_demo() -> None:
    out = io.StringIO()

    assert run_demo(FakeRunner(0, 0, 0, 2), out) == 1

    assert "\nStep 4 exited 2 (the plan still has changes).\n\nDemo failed" in out.getvalue()


def test_a_failing_step_stops_the_demo_and_an_interrupt_passes_through() -> None:
    runner = FakeRunner(0, 1)
    assert run_demo(runner, io.StringIO()) == 1
    assert len(runner.calls) == 2
    assert run_demo(FakeRunner(130), io.StringIO()) == 130


def test_the_emulator_gets_the_custom_fields_the_tree_uses() -> None:
    tree = Tree(
        settings=None,
        cases=(
            Case("a", custom_fields={"Owner": "ann", "Components": ("web", "api")}),
            Case("b", custom_fields={"Components": ("api", "search"), "Reviewed": True}),
        ),
    )

    fields = {field["title"]: field for field in custom_fields_of(tree, "SHOP")}

    assert {title: field["type"] for title, field in fields.items()} == {
        "Components": "Multiselect",
        "Owner": "string",
        "Reviewed": "Checkbox",
    }
    assert fields["Components"]["value"] == (
        '[{"id": 1, "title": "api"}, {"id": 2, "title": "search"}, {"id": 3, "title": "web"}]'
    )
    assert all(field["projects_codes"] == ["SHOP"] for field in fields.values())


def test_a_development_install_finds_the_checkouts_example_tree() -> None:
    if (Path(qasesync.__file__).parent / "examples" / "cases").is_dir():
        pytest.skip("an installed wheel: the example tree is the packaged one")
    assert example_tree() == REPO / "cases"
