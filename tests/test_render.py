"""Plan output: exact text, markdown, JSON and GitHub annotations against golden files.

Regenerate the golden files after an intended change with ``QASESYNC_GOLDEN=update``.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from kit.golden import golden
from kit.plans import desired, live, mixed_desired, mixed_settings, settings, with_case

from qasesync.errors import Problem
from qasesync.model import Case, Location, Step, Suite
from qasesync.plans.annotations import command, github_problems
from qasesync.plans.markdown import MARKER, md, render_markdown
from qasesync.plans.plan import Change, EntityKind, FieldDiff, Message, Plan
from qasesync.plans.planner import plan
from qasesync.plans.render import View, diff_text, render
from qasesync.qase.connection import web_base

VIEW = View(web="https://app.qase.io", rate_per_minute=600, tree_prefix="cases/")


def mixed() -> Plan:
    return plan(mixed_desired(), live(), mixed_settings())


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("text", "mixed.txt"),
        ("markdown", "mixed.md"),
        ("json", "mixed.json"),
        ("github", "mixed.github"),
    ],
)
def test_golden_output_of_a_plan_with_every_kind_of_change(fmt: str, name: str) -> None:
    golden(name, render(mixed(), fmt, VIEW))


def test_golden_text_of_a_plan_without_changes() -> None:
    golden("clean.txt", render(plan(desired(), live(), settings()), "text", VIEW))


def test_text_is_coloured_only_when_asked() -> None:
    coloured = render(mixed(), "text", replace(VIEW, color=True))
    assert '\x1b[32m  + create suite "Checkout"\x1b[0m' in coloured
    assert '\x1b[31m  - delete suite "SSO" (#2)\x1b[0m' in coloured
    assert "\x1b[" not in render(mixed(), "text", VIEW)


def test_a_title_cannot_inject_markdown_or_html() -> None:
    title = (
        "<img src=x onerror=alert(1)> [click](https://evil.example) **bold** @admin\n# Heading | x"
    )
    tree = replace(desired(), cases=(*desired().cases, Case(title, suite="authentication")))
    out = render(plan(tree, live(), settings()), "markdown", VIEW)
    line = next(x for x in out.splitlines() if x.startswith("- `+`"))
    assert line == (
        "- `+` **create** case &lt;img src=x onerror=alert\\(1\\)&gt; "
        "\\[click\\]\\(https://evil\\.example\\) "
        "\\*\\*bold\\*\\* @&#8203;admin \\#&#8203; Heading \\| x"
    )


def test_a_suite_name_can_neither_mention_nor_link_an_issue() -> None:
    named = Suite("#9", "@org/qa #12 <b>", id=9)
    updated = Change("update", "suite", named.title, live=named, suite=named.title)
    out = render_markdown(Plan("DEMO", changes=(updated,)), VIEW)
    assert "<summary>@&#8203;org/qa #&#8203;12 &lt;b&gt; (1 change)</summary>" in out


def test_md_escapes_html_before_markdown() -> None:
    assert md("a & b <i>") == "a &amp; b &lt;i&gt;"


def test_markdown_starts_with_the_hidden_marker() -> None:
    assert render(mixed(), "markdown", VIEW).startswith(MARKER + "\n")


def many_changes(count: int) -> Plan:
    changes = tuple(
        Change(
            "create",
            "case",
            f"Case {i} " + "x" * 80,
            desired=Case(f"Case {i}", suite=f"s{i % 50}"),
            suite=f"suite-{i % 50}",
        )
        for i in range(count)
    )
    return Plan("DEMO", changes=changes)


def test_markdown_is_cut_above_the_limit_and_says_so() -> None:
    out = render_markdown(many_changes(2000), replace(VIEW, rollup=None))
    assert len(out) <= 60_000
    assert out.count("<details>") == out.count("</details>")
    assert "The plan is cut here:" in out and "job summary" in out


def test_a_cut_markdown_plan_keeps_its_warnings_and_notes() -> None:
    warned = replace(
        many_changes(2000),
        warnings=(Message("case 'x' looks like a rename or move of #7"),),
        notes=(Message("live suite 'Old' (#3) has no folder in the tree; kept"),),
    )
    out = render_markdown(warned, replace(VIEW, rollup=None))
    assert len(out) <= 60_000 and out.count("<details>") == out.count("</details>")
    assert out.endswith(
        "(or run `qasesync plan`).\n\n"
        "**Warnings**\n\n- case &#x27;x&#x27; looks like a rename or move of \\#&#8203;7\n\n"
        "**Notes**\n\n- live suite &#x27;Old&#x27; \\(\\#&#8203;3\\) has no folder in the tree; "
        "kept\n"
    )


def test_a_suite_too_large_for_the_limit_shows_its_first_changes_under_full() -> None:
    one_suite = Plan(
        "DEMO", changes=tuple(replace(c, suite="big") for c in many_changes(2000).changes)
    )
    out = render_markdown(one_suite, replace(VIEW, rollup=None))
    assert len(out) <= 60_000 and out.count("<details>") == out.count("</details>") == 1
    shown = out.count("- `+` **create** case")
    assert 100 < shown < 2000
    assert f"- … {2000 - shown} more changes: cut\n\n</details>" in out
    assert "**The plan is cut here to fit in 60,000 characters.**" in out


def test_markdown_under_the_limit_is_not_cut() -> None:
    assert "cut here" not in render_markdown(many_changes(50), VIEW)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "https://app.qase.io"),
        ({"QASE_API_URL": "https://api.qase.io/v1"}, "https://app.qase.io"),
        ({"QASE_API_URL": "https://api-company.qase.io/v1"}, "https://company.qase.io"),
        ({"QASE_API_URL": "http://127.0.0.1:8787/v1"}, "http://127.0.0.1:8787"),
        (
            {"QASE_API_URL": "https://api.qase.io/v1", "QASE_WEB_URL": "https://qase.example/"},
            "https://qase.example",
        ),
    ],
)
def test_the_web_base_is_derived_from_the_api_url(env: dict[str, str], expected: str) -> None:
    assert web_base(env) == expected


def test_workflow_commands_escape_data_and_properties() -> None:
    assert command("notice", "50% done\r\nnext", file="a,b:c.yaml", line=3) == (
        "::notice file=a%2Cb%3Ac.yaml,line=3::50%25 done%0D%0Anext"
    )


def test_problems_become_error_annotations_on_their_yaml_line() -> None:
    problems: list[Problem | str] = [
        Problem("smoke.yaml", 4, 5, "severity 'x' is not an option"),
        "no project",
    ]
    assert github_problems(problems, tree_prefix="cases/") == (
        "::error file=cases/smoke.yaml,line=4,col=5::severity 'x' is not an option\n"
        "::error::no project\n"
    )


def test_a_change_without_a_yaml_place_is_an_annotation_without_a_file() -> None:
    live_only = Change("delete", "case", "Gone", live=Case("Gone", id=9), suite="x")
    out = render(Plan("DEMO", changes=(live_only,)), "github", VIEW)
    assert out.splitlines()[0] == '::warning::qasesync plan: delete case "Gone" (#9)'


def test_a_step_added_reads_as_one_line() -> None:
    steps = (*desired().cases[1].steps, Step("Close the tab", "The session ends"))
    tree = replace(
        desired(),
        cases=(desired().cases[0], replace(desired().cases[1], steps=steps), desired().cases[2]),
    )
    text = render(plan(tree, live(), settings()), "text", VIEW)
    assert (
        '      steps[2]: (none) → {action: "Close the tab", expected_result: "The session ends"}'
        in text
    )


def test_a_step_replaced_by_a_shared_reference_reads_like_an_added_step() -> None:
    tree = with_case(desired(), 1, steps=(Step(shared="sign-in-as-admin"),))
    text = render(plan(tree, live(), settings()), "text", VIEW)
    assert (
        '      steps[1]: {action: "Click Log out", expected_result: "The login page is shown"} '
        '→ {shared: "sign-in-as-admin"}' in text
    )


def test_change_location_is_shown_relative_to_the_tree() -> None:
    change = Change("create", "case", "A", desired=Case("A", location=Location("a.yaml", 2, 5)))
    assert "      a.yaml:2:5" in render(Plan("DEMO", changes=(change,)), "text", VIEW)


def test_markdown_of_a_plan_without_changes_says_so() -> None:
    out = render(plan(desired(), live(), settings()), "markdown", VIEW)
    assert "**No changes.** Project DEMO matches the tree." in out


def folder_plan(*, with_case: bool) -> Plan:
    """A suite folder without suite.yaml (line 0), and maybe a case file in it."""
    suite = Change(
        "create",
        "suite",
        "auth",
        desired=Suite("auth", "auth", location=Location("auth/suite.yaml", 0, 0)),
        suite="auth",
    )
    saml = Case("A", suite="auth", location=Location("auth/sso/saml.yaml", 2, 5))
    case = Change("create", "case", "A", desired=saml, suite="auth/sso")
    other = replace(case, desired=replace(saml, location=Location("auth/a.yaml", 2, 5)))
    return Plan("DEMO", changes=(suite, case, other) if with_case else (suite,))


def test_a_folder_without_suite_yaml_is_shown_as_the_folder() -> None:
    plan = folder_plan(with_case=False)
    assert "      auth/ (no suite.yaml)\n" in render(plan, "text", VIEW)
    assert "**create** suite auth — auth/ \\(no suite\\.yaml\\)" in render(plan, "markdown", VIEW)


def test_a_folder_without_suite_yaml_is_annotated_on_its_first_case_file() -> None:
    with_case = render(folder_plan(with_case=True), "github", VIEW).splitlines()[0]
    assert with_case == '::notice file=cases/auth/a.yaml::qasesync plan: create suite "auth"'
    alone = render(folder_plan(with_case=False), "github", VIEW).splitlines()[0]
    assert alone == '::notice::qasesync plan: create suite "auth"'


def test_a_problem_of_a_folder_without_suite_yaml_names_the_folder() -> None:
    problem = Problem("auth/suite.yaml", 0, 0, "suite 'auth' matches #1 and #2 by title")
    assert str(problem) == "auth/ (no suite.yaml): suite 'auth' matches #1 and #2 by title"
    assert github_problems([problem], tree_prefix="cases/") == (
        "::error::auth/ (no suite.yaml): suite 'auth' matches #1 and #2 by title\n"
    )


def test_text_groups_follow_the_suite_tree_and_keep_execution_order_inside() -> None:
    def created(entity: EntityKind, name: str, suite: str) -> Change:
        desired = Suite(suite, name) if entity == "suite" else Case(name, severity="major")
        return Change("create", entity, name, desired=desired, suite=suite)

    changes = (
        created("suite", "Account", "account"),
        created("suite", "Orders", "account/orders"),
        created("suite", "Cart", "cart"),
        created("case", "Order list", "account/orders"),
        created("case", "Sign up", "account"),
        created("case", "Root case", ""),
    )
    plan = Plan("DEMO", changes=changes)
    heads = [x for x in render(plan, "text", VIEW).splitlines() if x.startswith("  ")]
    assert [x for x in heads if not x.startswith("      ")] == [
        "  # (project root)",
        '  + create case "Root case"',
        "  # account",
        '  + create suite "Account"',
        '  + create case "Sign up"',
        "  # account/orders",
        '  + create suite "Orders"',
        '  + create case "Order list"',
        "  # cart",
        '  + create suite "Cart"',
    ]
    assert plan.changes == changes


def test_a_created_case_shows_its_key_fields() -> None:
    case = Case(
        "A",
        severity="major",
        priority="high",
        tags=("auth", "smoke"),
        steps=(Step(shared="sign-in"), Step("Open"), Step(shared="sign-in"), Step("Close")),
    )
    change = Change("create", "case", "A", desired=case, suite="auth")
    assert render(Plan("DEMO", changes=(change,)), "text", VIEW).splitlines()[3:5] == [
        '  + create case "A"',
        "      severity: major, priority: high, tags: [auth, smoke], 4 steps (2 shared: sign-in)",
    ]


def test_a_created_gherkin_case_says_so() -> None:
    change = Change("create", "case", "G", desired=Case("G", gherkin="Given a"), suite="")
    text = render(Plan("DEMO", changes=(change,)), "text", VIEW)
    assert '  + create case "G"\n      Gherkin steps\n' in text


def test_unquoted_text_in_a_diff_cannot_drive_a_terminal_nor_start_a_line() -> None:
    diff = FieldDiff("custom_fields.Own\x1b[2Jer", added=("a\n  + create case forged", "\x9b"))
    assert diff_text(diff) == ('custom_fields.Own\\x1b[2Jer: +"a\\n  + create case forged" +\\x9b')


def test_a_suite_path_from_qase_cannot_drive_a_terminal_in_a_heading() -> None:
    named = Suite("#9", "Cart\x1b[2J", id=9)
    updated = Change("update", "suite", named.title, live=named, suite="Cart\x1b[2J\nforged")
    gone = Change("delete", "suite", named.title, live=named, suite="Cart\x1b[2J")
    out = render(Plan("DEMO", changes=(gone, updated)), "text", VIEW)
    assert "\x1b" not in out and "  # Cart\\x1b[2J\\nforged\n" in out
    assert "      in Cart\\x1b[2J\n" in out
    assert "\x1b" not in render(Plan("DEMO", changes=(updated,)), "markdown", VIEW)
