"""Large plans stay reviewable: big sections rolled up per kind and field, deletions and
conflicts first and in full, the PR comment within its limit, annotations capped."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from qasesync.cli import main
from qasesync.errors import Problem
from qasesync.model import Case
from qasesync.plans.annotations import github_problems
from qasesync.plans.markdown import ABRIDGED, MARKER, render_markdown
from qasesync.plans.plan import Change, FieldDiff, Plan
from qasesync.plans.render import View, render
from qasesync.plans.rollup import field_of

VIEW = View(web="https://app.qase.io", rate_per_minute=600, tree_prefix="cases/")


def _update(i: int, *paths: str) -> Change:
    diffs = tuple(FieldDiff(p, '"old"', '"new"') for p in paths)
    live = Case(f"Case {i}", id=i)
    return Change("update", "case", f"Case {i}", live=live, desired=live, diffs=diffs, suite="big")


def big_plan(deletes: int = 60) -> Plan:
    updates = [_update(i, "description") for i in range(1, 121)]
    updates[:10] = [_update(i, "description", "priority") for i in range(1, 11)]
    small = [_update(500, "steps[2].action"), _update(501, "custom_fields.Layer")]
    small = [replace(c, suite="small") for c in small]
    gone = [
        Change("delete", "case", f"Old {i} {'x' * 200}", live=Case("Old", id=2000 + i), suite="o")
        for i in range(deletes)
    ]
    conflict = Change(
        "update",
        "case",
        "Both",
        live=Case("Both", id=7),
        diffs=(FieldDiff("title", '"a"', '"b"', side="conflict", base='"c"'),),
    )
    return Plan("DEMO", changes=(*updates, *small, *gone), conflicts=(conflict,))


def test_more_than_100_changes_are_rolled_up_per_kind_and_field_and_counted_per_suite() -> None:
    out = render(big_plan(), "text", VIEW)
    assert (
        "  # Every other change, rolled up (122 changes in 2 groups)\n"
        "  ~ 120 cases: description changed\n"
        '      e.g. "Case 1" (#1), "Case 2" (#2), "Case 3" (#3) and 117 more\n'
        "  ~ 10 cases: priority changed\n"
        '      e.g. "Case 1" (#1), "Case 2" (#2), "Case 3" (#3) and 7 more\n'
        "  ~ 1 case: steps changed\n"
        '      e.g. "Case 500" (#500)\n'
        "  ~ 1 case: custom_fields.Layer changed\n"
        '      e.g. "Case 501" (#501)\n'
        "\n"
        "  # Per suite\n"
        "      big: 120 to update\n"
        "      small: 2 to update\n"
    ) in out
    assert "(or `qasesync show PLAN.json --full`) lists every change." in out
    assert '~ update case "Case 500"' not in out
    assert len(out.splitlines()) < 300


def test_deletions_and_conflicts_come_first_and_in_full_in_the_text_plan() -> None:
    out = render(big_plan(), "text", VIEW)
    first, then = out.index("Conflicts:"), out.index("# To deprecate or delete")
    assert first < then < out.index("# Every other")
    assert all(f"(#{2000 + i})" in out for i in range(60))


def test_full_lists_every_change() -> None:
    out = render(big_plan(), "text", replace(VIEW, rollup=None))
    assert "rolled up" not in out and '~ update case "Case 120" (#120)' in out


def test_the_diff_path_names_its_field() -> None:
    paths = ("steps[2].action", "custom_fields.Layer", "custom_fields.Area [v1.2]", "tags", "a.b")
    assert [field_of(p) for p in paths] == [
        "steps",
        "custom_fields.Layer",
        "custom_fields.Area [v1.2]",
        "tags",
        "a",
    ]


def test_markdown_rolls_up_big_sections_and_lists_deletions_in_full() -> None:
    out = render_markdown(big_plan(), VIEW)
    assert "**Every other change, rolled up \\(122 changes in 2 groups\\)**" in out
    assert "<summary>Per suite (2 groups)</summary>\n\n- big: 120 to update\n- small: 2" in out
    rolled = "- `~` **120 cases: description changed** — e.g. &quot;Case 1&quot; \\(\\#&#8203;1\\)"
    assert rolled in out
    assert all(f"DEMO-{2000 + i})" in out for i in range(60))
    assert "cut here" not in out


def test_deletions_that_do_not_fit_the_comment_are_listed_as_far_as_they_fit_then_counted() -> None:
    out = render_markdown(big_plan(deletes=2000), VIEW)
    assert len(out) <= 60_000
    assert out.index("**Conflicts") < out.index("**To deprecate or delete**")
    listed = out.count("- `-` **delete** case")
    assert 50 < listed < 2000
    assert f"- … and {2000 - listed:,} more, not listed here to fit the comment: " in out
    assert f"{2000 - listed:,} cases to delete. Each is listed in the job summary" in out
    assert "- small: 2 to update" in out  # the reserve kept room


def test_github_emits_at_most_10_annotations_of_each_level_then_a_count() -> None:
    lines = render(big_plan(), "github", VIEW).splitlines()
    levels = [line[2:].split(" ")[0].split(":")[0] for line in lines if line.startswith("::")]
    assert levels == ["error"] + ["warning"] * 10 + ["notice"] * 10
    assert lines[0].startswith("::error::qasesync plan: conflict: update case")
    assert lines[1] == '::warning::qasesync plan: delete case "Old 0 ' + "x" * 200 + '" (#2000)'
    assert lines[20] == (
        "::notice::qasesync: 163 more annotations not shown (50 warnings, 113 notices; GitHub "
        "shows 10 of each level): the whole plan is in the job summary (or run `qasesync plan`)"
    )
    assert lines[21].startswith("Plan: 0 to create, 122 to update, 0 to deprecate, 60 to delete.")


def test_few_annotations_are_all_emitted_without_a_count() -> None:
    few = big_plan(deletes=3)
    out = render(replace(few, changes=few.changes[-5:], conflicts=()), "github", VIEW)
    assert out.count("::warning::") == 3 and "not shown" not in out


def test_validation_errors_are_capped_too() -> None:
    problems = [Problem("a.yaml", i, 1, "bad") for i in range(1, 31)]
    lines = github_problems(problems).splitlines()
    assert len(lines) == 11 and lines[9] == "::error file=a.yaml,line=10,col=1::bad"
    assert lines[10].startswith("::notice::qasesync: 20 more annotations not shown (20 errors;")


def test_show_full_lists_every_change_of_a_saved_plan(tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    saved.write_text(render(replace(big_plan(), conflicts=()), "json", VIEW), encoding="utf-8")
    rolled, full = io.StringIO(), io.StringIO()
    assert main(["show", str(saved)], out=rolled) == 0
    assert main(["show", str(saved), "--full"], out=full) == 0
    assert "# Every other change, rolled up (122 changes in 2 groups)" in rolled.getvalue()
    assert '~ update case "Case 120" (#120)' in full.getvalue()
    assert "rolled up" not in full.getvalue()


def test_a_hundred_changes_are_listed() -> None:
    hundred = Plan("DEMO", changes=tuple(_update(i, "title") for i in range(1, 101)))
    assert "rolled up" not in render(hundred, "text", VIEW)
    assert "rolled up" not in render_markdown(hundred, VIEW)


def test_a_per_suite_list_too_long_for_the_comment_is_cut() -> None:
    spread = tuple(replace(_update(i, "title"), suite=f"s{i:05d}-{'y' * 60}") for i in range(3000))
    out = render_markdown(Plan("DEMO", changes=spread), VIEW)
    assert len(out) <= 60_000 and "more suites: cut\n\n</details>" in out


def test_a_comment_that_does_not_list_every_change_says_so_in_a_hidden_marker() -> None:
    assert render_markdown(big_plan(), VIEW).startswith(f"{MARKER}\n{ABRIDGED}\n### ")
    assert ABRIDGED in render_markdown(big_plan(deletes=2000), replace(VIEW, rollup=None))
    few = Plan("DEMO", changes=big_plan().changes[:3])
    assert ABRIDGED not in render_markdown(few, VIEW)
    cut = render_markdown(Plan("DEMO", changes=big_plan().changes[:90]), VIEW, limit=9_000)
    assert "The plan is cut here" in cut and ABRIDGED in cut


def test_a_rolled_up_field_name_from_the_tree_or_qase_is_one_visible_line() -> None:
    odd = _update(900, "custom_fields.La\x1byer\nx")
    plan = replace(big_plan(), changes=(*big_plan().changes, odd))
    out = render(plan, "text", VIEW)
    assert "~ 1 case: custom_fields.La\\x1byer\\nx changed\n" in out
    assert "\x1b" not in out
