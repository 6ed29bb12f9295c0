"""The planner on hand-built trees: identity, scope, prune, defaults, plan-time checks."""

from __future__ import annotations

from dataclasses import replace

import pytest
from kit.plans import (
    HASH,
    SIGN_IN,
    desired,
    desired_case,
    live,
    live_case,
    live_tree,
    loc,
    settings,
    with_case,
    workspace,
)

from qasesync.errors import ConfigError, PlanError
from qasesync.model import (
    Case,
    CustomField,
    EnumField,
    Live,
    Settings,
    SharedStep,
    Step,
    Suite,
    Tree,
)
from qasesync.plans.destroy import InScope
from qasesync.plans.plan import Change, FieldDiff, Plan
from qasesync.plans.planner import effective_settings, plan


def run(tree: Tree, project: Live | None = None, **changes: object) -> Plan:
    return plan(tree, project or live(), settings(**changes))


def only(result: Plan) -> Change:
    assert len(result.changes) == 1, result.changes
    return result.changes[0]


def messages(result: Plan) -> list[str]:
    return [m.text for m in result.warnings]


def problems(tree: Tree, project: Live | None = None, **changes: object) -> list[str]:
    with pytest.raises(PlanError) as error:
        run(tree, project, **changes)
    return [str(p) for p in error.value.problems]


# --- no change --------------------------------------------------------------------------


def test_a_tree_equal_to_the_live_project_plans_clean() -> None:
    result = run(desired())
    assert result.changes == () and result.warnings == () and result.notes == ()


def test_trimmed_text_tag_order_and_multiselect_order_are_no_change() -> None:
    tree = with_case(
        desired(),
        0,
        title="  Login redirects to the dashboard ",
        tags=("smoke", "auth"),
        custom_fields={"Owner": "alice ", "Components": ("api", "web")},
    )
    assert run(tree).changes == ()


def test_an_omitted_enum_means_the_workspace_default() -> None:
    ws = workspace()
    enums = dict(ws.enums)
    enums["severity"] = EnumField("severity", ("normal", "major", "showstopper"), "showstopper")
    project = Live(live_tree(), replace(ws, enums=enums))
    result = run(desired(), project)
    assert [(c.name, c.fields) for c in result.changes] == [
        ("Logout ends the session", ("severity",)),
        ("SAML sign-in", ("severity",)),
    ]
    assert result.changes[0].diffs == (FieldDiff("severity", "normal", "showstopper"),)


# --- identity: cases --------------------------------------------------------------------


def test_a_case_with_id_is_found_in_another_suite_and_moved() -> None:
    tree = with_case(desired(), 2, suite="authentication")
    change = only(run(tree))
    assert (change.kind, change.live_id, change.fields) == ("update", 103, ("suite",))
    assert change.diffs == (FieldDiff("suite", "authentication/sso", "authentication"),)


def test_a_case_without_id_matches_the_same_title_in_the_same_suite() -> None:
    tree = with_case(desired(), 1, id=None, description="Now described")
    change = only(run(tree))
    assert (change.kind, change.live_id, change.fields) == ("update", 102, ("description",))


def test_a_title_match_prefers_an_actual_case_to_a_deprecated_one() -> None:
    cases = (
        *live_tree().cases,
        live_case("Logout ends the session", id=104, suite="#1", status="deprecated"),
    )
    tree = with_case(desired(), 1, id=None)
    assert run(tree, Live(live_tree(cases=cases), workspace())).changes == ()


def test_two_title_candidates_are_an_error_naming_both_ids() -> None:
    cases = (
        *live_tree().cases,
        live_case(
            "Logout ends the session",
            id=104,
            suite="#1",
            steps=(Step("Click Log out", "The login page is shown"),),
        ),
    )
    tree = with_case(desired(), 1, id=None)
    assert problems(tree, Live(live_tree(cases=cases), workspace())) == [
        "authentication/login.yaml:20:5: case 'Logout ends the session' matches #102 and #104 "
        "by title; add an `id`"
    ]


def test_an_id_no_live_case_has_is_created_with_a_warning() -> None:
    tree = with_case(desired(), 1, id=999)
    result = run(tree, prune="off")
    assert [(c.kind, c.name) for c in result.changes] == [("create", "Logout ends the session")]
    assert messages(result) == [
        "case 'Logout ends the session' has id 999, which no live entity has any more; created anew"
    ]


def test_a_case_matched_nowhere_is_created_and_a_lookalike_prune_warns_of_a_rename() -> None:
    tree = with_case(desired(), 1, id=None, suite="authentication/sso")
    result = run(tree)
    assert [(c.kind, c.entity, c.name) for c in result.changes] == [
        ("create", "case", "Logout ends the session"),
        ("deprecate", "case", "Logout ends the session"),
    ]
    assert messages(result) == [
        "case 'Logout ends the session' looks like a rename or move of #102 "
        "'Logout ends the session' — add `id: 102` to keep its history"
    ]


def test_a_retitled_case_with_the_same_steps_warns_of_a_rename() -> None:
    tree = with_case(desired(), 1, id=None, title="Signing out ends the session")
    assert "looks like a rename or move of #102" in messages(run(tree))[0]


def test_a_live_status_differing_from_the_tree_is_set_to_the_tree_status() -> None:
    cases = list(live_tree().cases)
    cases[1] = replace(cases[1], status="deprecated")
    change = only(run(desired(), Live(live_tree(cases=tuple(cases)), workspace())))
    assert change.diffs == (FieldDiff("status", "deprecated", "actual"),)


def test_moving_a_case_to_the_project_root_is_an_error() -> None:
    tree = with_case(desired(), 1, suite=None)
    assert problems(tree) == [
        "authentication/login.yaml:20:5: case 'Logout ends the session' (#102) cannot be moved "
        "to the project root; put it in a suite"
    ]


# --- identity: suites and shared steps --------------------------------------------------


def suites_without_ids() -> Tree:
    return replace(desired(), suites=tuple(replace(s, id=None) for s in desired().suites))


def test_suites_without_id_match_by_title_under_the_same_parent() -> None:
    result = run(suites_without_ids())
    assert result.changes == ()
    assert dict(result.suite_ids) == {"authentication": 1, "authentication/sso": 2}


def test_a_suite_with_the_same_title_under_another_parent_is_not_matched() -> None:
    suites = (*live_tree().suites[:1], Suite("#2", "SSO", id=2, parent=None))
    result = run(suites_without_ids(), Live(live_tree(suites=suites), workspace()))
    assert [(c.kind, c.entity, c.name) for c in result.changes][:1] == [("create", "suite", "SSO")]


def test_two_suites_with_one_title_under_one_parent_are_an_error_naming_both() -> None:
    suites = (*live_tree().suites, Suite("#4", "SSO", id=4, parent="#1"))
    project = Live(live_tree(suites=suites), workspace())
    assert problems(suites_without_ids(), project) == [
        "authentication/sso/suite.yaml:1:1: suite 'authentication/sso' matches #2 and #4 by "
        "title; add an `id`"
    ]


def test_a_suite_that_another_folder_names_by_id_is_not_matched_by_title() -> None:
    auth, sso = desired().suites
    moved = replace(sso, key="authentication/legacy/sso", parent="authentication/legacy")
    legacy = Suite("authentication/legacy", "Legacy", parent="authentication")
    tree = replace(desired(), suites=(auth, replace(sso, id=None), legacy, moved))
    result = run(tree)
    assert [(c.kind, c.entity, c.suite) for c in result.changes if c.entity == "suite"] == [
        ("create", "suite", "authentication/sso"),
        ("create", "suite", "authentication/legacy"),
        ("update", "suite", "authentication/legacy/sso"),
    ]
    assert dict(result.suite_ids) == {"authentication": 1, "authentication/legacy/sso": 2}


def test_a_suite_id_no_live_suite_has_is_created_with_a_warning() -> None:
    tree = replace(desired(), suites=(desired().suites[0], replace(desired().suites[1], id=77)))
    result = run(tree)
    assert (result.changes[0].kind, result.changes[0].name) == ("create", "SSO")
    assert messages(result)[0] == (
        "suite 'authentication/sso' has id 77, which no live entity has any more; created anew"
    )
    moved = result.changes[1]
    assert (moved.kind, moved.entity, moved.live_id, moved.fields) == (
        "update",
        "case",
        103,
        ("suite",),
    )


def test_a_suite_retitled_in_the_tree_is_an_update_of_its_title() -> None:
    tree = replace(
        desired(), suites=(replace(desired().suites[0], title="Sign-in"), desired().suites[1])
    )
    change = only(run(tree))
    assert (change.entity, change.fields, change.live_id) == ("suite", ("title",), 1)


def test_a_shared_step_without_hash_matches_by_title() -> None:
    tree = replace(desired(), shared_steps=(replace(desired().shared_steps[0], hash=None),))
    result = run(tree)
    assert result.changes == () and dict(result.shared_hashes) == {"sign-in-as-admin": HASH}


def test_entities_matched_by_title_are_adopted_and_cases_with_id_are_not() -> None:
    tree = replace(
        with_case(suites_without_ids(), 1, id=None),
        shared_steps=(replace(desired().shared_steps[0], hash=None),),
    )
    result = run(tree)
    assert result.changes == ()
    assert [(a.location.file, a.key, a.value) for a in result.adoptions] == [
        ("authentication/suite.yaml", "id", 1),
        ("authentication/sso/suite.yaml", "id", 2),
        ("shared_steps.yaml", "hash", HASH),
        ("authentication/login.yaml", "id", 102),
    ]
    assert run(tree, write_back=False).adoptions == ()


def test_two_shared_steps_with_one_title_are_an_error() -> None:
    shared = (*live_tree().shared_steps, SharedStep("f00", "Sign in as admin", hash="f00"))
    tree = replace(desired(), shared_steps=(replace(desired().shared_steps[0], hash=None),))
    assert problems(tree, Live(live_tree(shared_steps=shared), workspace())) == [
        f"shared_steps.yaml:2:5: shared step 'sign-in-as-admin' matches {HASH} and f00 by "
        "title; add a `hash`"
    ]


def test_a_changed_shared_step_lists_the_cases_that_use_it() -> None:
    steps = (SIGN_IN[0], replace(SIGN_IN[1], expected_result="The admin dashboard is shown"))
    tree = replace(desired(), shared_steps=(replace(desired().shared_steps[0], steps=steps),))
    change = only(run(tree))
    assert (change.entity, change.fields, change.used_by) == (
        "shared_step",
        ("title", "steps"),
        (101,),
    )
    assert change.diffs == (
        FieldDiff(
            "steps[2].expected_result", "The dashboard is shown", "The admin dashboard is shown"
        ),
    )


def test_a_reference_to_a_shared_step_being_created_is_a_difference() -> None:
    new = SharedStep("sign-out", "Sign out", steps=(Step("Click Log out"),))
    tree = with_case(
        replace(desired(), shared_steps=(*desired().shared_steps, new)),
        1,
        steps=(Step(shared="sign-out"),),
    )
    result = run(tree)
    assert [(c.kind, c.entity, c.fields) for c in result.changes] == [
        ("create", "shared_step", ()),
        ("update", "case", ("steps",)),
    ]


# --- field diffs ------------------------------------------------------------------------


def test_step_diffs_name_the_step_and_field_one_based() -> None:
    steps = (
        Step(shared="sign-in-as-admin"),
        Step(
            "Open the account menu",
            "The menu lists Profile",
            steps=(Step("Click Settings", "The settings page opens", data="x"),),
        ),
    )
    change = only(run(with_case(desired(), 0, steps=steps)))
    assert change.diffs == (
        FieldDiff("steps[2].expected_result", "The menu lists Settings", "The menu lists Profile"),
        FieldDiff("steps[2].steps[1].data", None, "x"),
    )


def test_tags_are_compared_as_a_set_and_shown_added_and_removed() -> None:
    change = only(run(with_case(desired(), 0, tags=("auth", "regression"))))
    assert change.diffs == (FieldDiff("tags", added=("regression",), removed=("smoke",)),)


def test_one_custom_field_changed_patches_only_that_field() -> None:
    change = only(
        run(with_case(desired(), 0, custom_fields={"Owner": "bob", "Components": ("web", "api")}))
    )
    assert change.fields == ("custom_fields.Owner",)
    assert change.diffs == (FieldDiff("custom_fields.Owner", "alice", "bob"),)


def test_a_number_custom_field_ignores_a_trailing_point_zero() -> None:
    ws = replace(
        workspace(),
        custom_fields=(*workspace().custom_fields, CustomField(4, "Estimate", "number")),
    )
    cases = list(live_tree().cases)
    cases[1] = replace(cases[1], custom_fields={"Estimate": "3.0"})
    project = Live(live_tree(cases=tuple(cases)), ws)
    assert run(with_case(desired(), 1, custom_fields={"Estimate": 3}), project).changes == ()


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "NaN"])
def test_a_number_custom_field_that_is_no_finite_number_is_compared_as_its_text(
    value: float | str,
) -> None:
    ws = replace(
        workspace(),
        custom_fields=(*workspace().custom_fields, CustomField(4, "Estimate", "number")),
    )
    cases = list(live_tree().cases)
    cases[1] = replace(cases[1], custom_fields={"Estimate": str(value)})
    project = Live(live_tree(cases=tuple(cases)), ws)
    assert run(with_case(desired(), 1, custom_fields={"Estimate": value}), project).changes == ()
    other = run(with_case(desired(), 1, custom_fields={"Estimate": 3}), project)
    assert only(other).diffs[0].before == str(value)


def test_milestone_is_compared_only_where_the_tree_gives_it() -> None:
    cases = list(live_tree().cases)
    cases[1] = replace(cases[1], milestone_id=5)
    project = Live(live_tree(cases=tuple(cases)), workspace())
    assert run(desired(), project).changes == ()
    assert only(run(with_case(desired(), 1, milestone_id=6), project)).fields == ("milestone_id",)


# --- ignore_fields, automation, inexpressible -------------------------------------------


def test_ignored_fields_are_never_compared() -> None:
    tree = with_case(desired(), 0, description="Rewritten", tags=())
    assert run(tree, ignore_fields=frozenset({"description", "tags"})).changes == ()


def test_an_automation_difference_is_a_warning_not_a_change() -> None:
    result = run(with_case(desired(), 1, automation="automated"))
    assert result.changes == ()
    assert messages(result) == [
        "case 'Logout ends the session' (#102): automation is 'manual' live and 'automated' in "
        "the tree; the API cannot change it — change it in the Qase web app"
    ]


def attachment_project() -> Live:
    """Case #102's steps hold a file whose hash the read did not give."""
    cases = list(live_tree().cases)
    cases[1] = replace(cases[1], inexpressible=("steps",))
    return Live(live_tree(cases=tuple(cases)), workspace())


def test_steps_with_an_unhashed_attachment_are_never_overwritten() -> None:
    tree = with_case(desired(), 1, steps=(Step("Click Sign out"),))
    assert problems(tree, attachment_project()) == [
        "authentication/login.yaml:20:5: case 'Logout ends the session' (#102): the live steps "
        "hold what the tree cannot express; changing steps would destroy it — edit it in the "
        "Qase web app, or add steps to ignore_fields"
    ]


def test_steps_with_an_unhashed_attachment_in_ignore_fields_are_left_alone() -> None:
    tree = with_case(desired(), 1, steps=(Step("Click Sign out"),), title="Sign out")
    change = only(run(tree, attachment_project(), ignore_fields=frozenset({"steps"})))
    assert change.fields == ("title",)


def test_unchanged_steps_with_an_unhashed_attachment_plan_clean() -> None:
    assert run(desired(), attachment_project()).changes == ()


def attached(hashes: tuple[str, ...] = ("f" * 40,)) -> Live:
    """Case #102's step and the shared step's first step hold files."""
    tree = live_tree()
    cases = list(tree.cases)
    step = replace(cases[1].steps[0], attachments=hashes)
    cases[1] = replace(cases[1], steps=(step,))
    shared = tree.shared_steps[0]
    inner = (replace(shared.steps[0], attachments=hashes), *shared.steps[1:])
    return Live(
        replace(tree, cases=tuple(cases), shared_steps=(replace(shared, steps=inner),)), workspace()
    )


def test_an_edited_step_takes_its_files_into_the_change_and_the_plan_says_so() -> None:
    tree = with_case(desired(), 1, steps=(Step("Click Log out now", "The login page is shown"),))
    result = run(tree, attached())
    assert only(result).desired.steps[0].attachments == ("f" * 40,)  # type: ignore[union-attr]
    assert [str(n) for n in result.notes] == [
        "authentication/login.yaml:20:5: case 'Logout ends the session' (#102): 1 attachment "
        "kept with its step"
    ]


def test_a_case_turned_gherkin_loses_its_step_files() -> None:
    tree = with_case(desired(), 1, steps=(), gherkin="Given a\nThen b")
    assert problems(tree, attached()) == [
        "authentication/login.yaml:20:5: case 'Logout ends the session' (#102): the tree drops "
        "steps[1] 'Click Log out' (1 attachment), which Qase would delete with the step — keep "
        "the step, move the files in the Qase web app first, or accept the loss with "
        "--allow-attachment-loss"
    ]
    accepted = plan(tree, attached(), settings(), allow_attachment_loss=True)
    assert only(accepted).desired.steps == ()  # type: ignore[union-attr]
    assert messages(accepted) == [
        "case 'Logout ends the session' (#102): the tree drops steps[1] 'Click Log out' "
        "(1 attachment); apply removes them from Qase"
    ]


def test_a_shared_step_edit_carries_its_files_or_is_refused() -> None:
    shared = desired().shared_steps[0]
    steps = (replace(shared.steps[0], action="Open the admin login"), *shared.steps[1:])
    tree = replace(desired(), shared_steps=(replace(shared, steps=steps),))
    change = only(run(tree, attached()))
    assert change.desired.steps[0].attachments == ("f" * 40,)  # type: ignore[union-attr]
    project = attached()
    unhashed = replace(project.tree.shared_steps[0], inexpressible=("steps",))
    project = Live(replace(project.tree, shared_steps=(unhashed,)), project.workspace)
    assert problems(tree, project) == [
        f"shared_steps.yaml:2:5: shared step 'sign-in-as-admin' ({HASH}): a step holds an "
        "attachment whose hash Qase did not give, which a steps write would delete — edit the "
        "steps in the Qase web app"
    ]


def test_a_pull_plan_carries_nothing_and_refuses_no_loss() -> None:
    tree = with_case(desired(), 1, steps=())
    result = plan(tree, attached(), settings(), for_pull=True)
    assert [c.name for c in result.drift] == ["Logout ends the session"]
    assert result.notes == () and result.warnings == ()


# --- workspace checks -------------------------------------------------------------------


def test_an_enum_option_the_workspace_lacks_is_an_error_listing_what_it_has() -> None:
    assert problems(with_case(desired(), 2, severity="showstopper")) == [
        "authentication/sso/saml.yaml:2:5: severity 'showstopper' is not an option of this "
        "workspace; it has: undefined, blocker, critical, major, normal, minor, trivial"
    ]


def test_unknown_custom_fields_and_options_are_errors() -> None:
    tree = with_case(desired(), 2, custom_fields={"Team": "a", "Components": ("desktop",)})
    assert problems(tree) == [
        "authentication/sso/saml.yaml:2:5: custom field 'Components' has no option 'desktop'; "
        "it has: web, api, mobile",
        "authentication/sso/saml.yaml:2:5: custom field 'Team' is unknown to project DEMO; "
        "its case fields: Components, Owner, Reviewed",
    ]


def test_a_workspace_problem_is_reported_once_with_how_many_cases_meet_it() -> None:
    cases = [
        replace(c, custom_fields={"Team": "a"}, severity="showstopper") for c in desired().cases
    ]
    tree = replace(desired(), cases=tuple(cases))
    ws = replace(workspace(), custom_fields=())
    assert problems(tree, Live(live_tree(), ws)) == [
        "authentication/login.yaml:2:5: custom field 'Team' is unknown to project DEMO "
        "(used by 3 cases); its case fields: none",
        "authentication/login.yaml:2:5: severity 'showstopper' is not an option of this "
        "workspace (used by 3 cases); it has: undefined, blocker, critical, major, normal, "
        "minor, trivial",
    ]


def test_an_option_the_field_lacks_is_reported_once_per_option() -> None:
    cases = list(desired().cases)
    cases[1] = replace(cases[1], custom_fields={"Components": ("desktop", "web")})
    cases[2] = replace(cases[2], custom_fields={"Components": ("desktop", "tv", "desktop")})
    assert problems(replace(desired(), cases=tuple(cases))) == [
        "authentication/login.yaml:20:5: custom field 'Components' has no option 'desktop' "
        "(used by 2 cases); it has: web, api, mobile",
        "authentication/sso/saml.yaml:2:5: custom field 'Components' has no option 'tv'; "
        "it has: web, api, mobile",
    ]


def test_two_custom_fields_with_one_title_are_an_error() -> None:
    ws = replace(
        workspace(), custom_fields=(*workspace().custom_fields, CustomField(9, "Owner", "string"))
    )
    assert problems(desired(), Live(live_tree(), ws))[0] == (
        "authentication/login.yaml:2:5: two custom fields are titled 'Owner': #1 and #9"
    )


def test_custom_fields_sharing_a_title_the_tree_omits_are_left_alone() -> None:
    teams = (CustomField(8, "Team", "string", default="qa"), CustomField(9, "Team", "string"))
    ws = replace(workspace(), custom_fields=(*workspace().custom_fields, *teams))
    cases = list(live_tree().cases)
    cases[1] = replace(cases[1], custom_fields={"Team": "qa"})
    tree = replace(desired(), cases=(*desired().cases, Case("New", suite="authentication")))
    result = run(tree, Live(live_tree(cases=tuple(cases)), ws))
    created = only(result).desired
    assert isinstance(created, Case) and "Team" not in created.custom_fields


def test_a_required_custom_field_without_default_must_be_given() -> None:
    ws = replace(workspace(), custom_fields=(CustomField(5, "Risk", "string", required=True),))
    assert problems(with_case(desired(), 0, custom_fields={}), Live(live_tree(), ws)) == [
        "authentication/login.yaml:2:5: custom field 'Risk' is required and has no default "
        "(3 cases leave it out)"
    ]


def test_an_omitted_custom_field_means_its_default() -> None:
    ws = replace(
        workspace(),
        custom_fields=(*workspace().custom_fields, CustomField(5, "Risk", "string", default="low")),
    )
    result = run(desired(), Live(live_tree(), ws))
    assert [c.live_id for c in result.changes] == [101, 102, 103]
    assert {c.diffs for c in result.changes} == {(FieldDiff("custom_fields.Risk", None, "low"),)}


# --- scope and prune --------------------------------------------------------------------


def sso_only() -> Tree:
    tree = desired()
    return replace(tree, cases=tree.cases[2:])


def test_with_scope_live_cases_outside_it_are_untouched() -> None:
    result = run(sso_only(), scope=("authentication/sso",))
    assert result.changes == () and result.in_scope == InScope(frozenset({103}))


def test_a_case_moved_out_of_scope_in_the_web_app_is_moved_back() -> None:
    cases = list(live_tree().cases)
    cases[2] = replace(cases[2], suite="#1")
    result = run(
        sso_only(), Live(live_tree(cases=tuple(cases)), workspace()), scope=("authentication/sso",)
    )
    change = only(result)
    assert (change.kind, change.live_id, change.fields) == ("update", 103, ("suite",))


def test_with_scope_a_folder_outside_it_is_not_created() -> None:
    billing = Suite("billing", "Billing", location=loc("billing/suite.yaml", 1))
    okta = Suite("authentication/sso/okta", "Okta", parent="authentication/sso")
    tree = replace(sso_only(), suites=(*sso_only().suites, billing, okta))
    result = run(tree, scope=("authentication/sso",))
    assert [(c.kind, c.entity, c.suite) for c in result.changes] == [
        ("create", "suite", "authentication/sso/okta")
    ]
    assert [str(n) for n in result.notes] == [
        "billing/suite.yaml:1:1: folder 'billing' is outside scope and has no live suite; "
        "not created"
    ]


def test_a_folder_outside_scope_whose_suite_is_gone_live_is_not_said_to_be_created() -> None:
    billing = Suite("billing", "Billing", id=99, location=loc("billing/suite.yaml", 1))
    tree = replace(sso_only(), suites=(*sso_only().suites, billing))
    result = run(tree, scope=("authentication",))
    assert "created anew" not in " ".join(str(w) for w in result.warnings)
    assert [str(n) for n in result.notes] == [
        "billing/suite.yaml:1:1: folder 'billing' is outside scope and has no live suite; "
        "not created"
    ]


def test_with_scope_a_missing_folder_above_it_is_created() -> None:
    tree = replace(sso_only(), suites=tuple(replace(s, id=None) for s in sso_only().suites))
    project = Live(live_tree(suites=(), cases=()), workspace())
    result = run(tree, project, scope=("authentication/sso",))
    assert [(c.kind, c.entity, c.suite) for c in result.changes] == [
        ("create", "suite", "authentication"),
        ("create", "suite", "authentication/sso"),
        ("create", "case", "authentication/sso"),
    ]


def test_a_case_outside_scope_in_the_tree_is_an_error() -> None:
    assert problems(desired(), scope=("authentication/sso",))[0] == (
        "authentication/login.yaml:2:5: case 'Login redirects to the dashboard' is in "
        "authentication, outside scope"
    )


def test_prune_deprecate_leaves_an_already_deprecated_case_alone() -> None:
    cases = list(live_tree().cases)
    cases[1] = replace(cases[1], status="deprecated")
    tree = replace(desired(), cases=desired().cases[::2])
    assert run(tree, Live(live_tree(cases=tuple(cases)), workspace())).changes == ()
    change = only(run(tree))
    assert (change.kind, change.live_id, change.fields) == ("deprecate", 102, ("status",))


def test_prune_delete_deletes_and_prune_off_notes() -> None:
    tree = replace(desired(), cases=desired().cases[::2])
    assert [(c.kind, c.live_id) for c in run(tree, prune="delete").changes] == [("delete", 102)]
    result = run(tree, prune="off")
    assert result.changes == ()
    assert [m.text for m in result.notes] == [
        "1 live case in scope has no YAML case; kept (prune: off)"
    ]


def no_sso() -> Tree:
    tree = desired()
    return replace(tree, suites=tree.suites[:1], cases=tree.cases[:2])


def test_a_live_suite_without_folder_is_a_note_unless_prune_delete() -> None:
    result = run(no_sso())
    assert [(c.kind, c.live_id) for c in result.changes] == [("deprecate", 103)]
    assert [m.text for m in result.notes] == [
        "live suite 'SSO' (#2) has no folder in the tree; kept (only prune: delete removes a suite)"
    ]


def test_prune_delete_deletes_cases_then_suites_children_first() -> None:
    suites = (*live_tree().suites, Suite("#3", "SAML", id=3, parent="#2"))
    result = run(no_sso(), Live(live_tree(suites=suites), workspace()), prune="delete")
    assert [(c.kind, c.entity, c.live_id) for c in result.changes] == [
        ("delete", "case", 103),
        ("delete", "suite", 3),
        ("delete", "suite", 2),
    ]


def test_prune_delete_keeps_a_suite_that_would_still_hold_a_live_case() -> None:
    tree = replace(
        no_sso(), cases=(*no_sso().cases, replace(desired().cases[2], suite="authentication"))
    )
    suites = (*live_tree().suites, Suite("#3", "SAML", id=3, parent="#2"))
    project = Live(live_tree(suites=suites), workspace())
    result = run(tree, project, prune="delete", ignore_fields=frozenset({"suite"}))
    assert [(c.kind, c.entity, c.live_id) for c in result.changes] == [("delete", "suite", 3)]
    assert [m.text for m in result.notes] == [
        "live suite 'SSO' (#2) has no folder in the tree but still holds case #103; kept "
        "(deleting it would delete them)"
    ]
    moved = run(tree, project, prune="delete")
    assert [(c.kind, c.entity, c.live_id) for c in moved.changes] == [
        ("update", "case", 103),
        ("delete", "suite", 3),
        ("delete", "suite", 2),
    ]


def test_prune_delete_keeps_a_suite_holding_one_a_folder_outside_scope_names() -> None:
    suites = (*live_tree().suites, Suite("#3", "SAML", id=3, parent="#2"))
    legacy = Suite("legacy", "Legacy", location=loc("legacy/suite.yaml", 1))
    saml = Suite("legacy/saml", "SAML", id=3, parent="legacy")
    tree = replace(no_sso(), suites=(*no_sso().suites, legacy, saml))
    project = Live(live_tree(suites=suites), workspace())
    result = run(tree, project, prune="delete", scope=("authentication",))
    assert [(c.kind, c.entity, c.live_id) for c in result.changes] == [("delete", "case", 103)]
    assert [m.text for m in result.notes][1:] == [
        "live suite 'SSO' (#2) has no folder in the tree but still holds suite #3; kept "
        "(deleting it would delete them)"
    ]


def test_prune_delete_keeps_the_parent_of_a_kept_suite() -> None:
    suites = (*live_tree().suites, Suite("#3", "SAML", id=3, parent="#2"))
    cases = (*live_tree().cases, live_case("SAML logout", id=104, suite="#3"))
    kept = desired_case("SAML logout", id=104, suite="authentication")
    tree = replace(no_sso(), cases=(*no_sso().cases, kept))
    project = Live(live_tree(suites=suites, cases=cases), workspace())
    result = run(tree, project, prune="delete", ignore_fields=frozenset({"suite"}))
    assert [(c.kind, c.entity, c.live_id) for c in result.changes] == [("delete", "case", 103)]
    assert [m.text for m in result.notes] == [
        "live suite 'SAML' (#3) has no folder in the tree but still holds case #104; kept "
        "(deleting it would delete them)",
        "live suite 'SSO' (#2) has no folder in the tree but still holds suite #3; kept "
        "(deleting it would delete them)",
    ]


@pytest.mark.timeout(10)
@pytest.mark.parametrize("scope", [(), ("authentication",)])
def test_live_suites_whose_parents_loop_are_a_plan_error_naming_them(
    scope: tuple[str, ...],
) -> None:
    suites = (
        *live_tree().suites,
        Suite("#7", "Loop A", id=7, parent="#8"),
        Suite("#8", "Loop B", id=8, parent="#7"),
        Suite("#9", "Under the loop", id=9, parent="#8"),
        Suite("#10", "Itself", id=10, parent="#10"),
    )
    cases = (*live_tree().cases, live_case("Lost", id=110, suite="#9"))
    project = Live(live_tree(suites=suites, cases=cases), workspace())
    assert problems(desired(), project, scope=scope) == [
        "the parents of live suites loop: #7 'Loop A' → #8 'Loop B' → #7 (corrupt data in "
        "Qase); give one of them another parent in the Qase web app, then plan again",
        "the parents of live suites loop: #10 'Itself' → #10 (corrupt data in Qase); give "
        "one of them another parent in the Qase web app, then plan again",
    ]


def test_an_unused_shared_step_is_deleted_only_under_prune_delete() -> None:
    shared = (*live_tree().shared_steps, SharedStep("f00", "Old", hash="f00"))
    project = Live(live_tree(shared_steps=shared), workspace())
    assert run(desired(), project).changes == ()
    assert [(c.kind, c.live_id) for c in run(desired(), project, prune="delete").changes] == [
        ("delete", "f00")
    ]


# --- settings ---------------------------------------------------------------------------


def test_qase_project_overrides_the_project_of_a_tree_without_ids() -> None:
    tree = Tree(settings=Settings(project="DEMO"), cases=(Case("A", suite="s"),))
    assert effective_settings(tree, "OTHER").project == "OTHER"


def test_qase_project_naming_another_project_of_a_tree_with_ids_is_refused() -> None:
    with pytest.raises(
        ConfigError, match="QASE_PROJECT is OTHER but the tree belongs to project DEMO"
    ):
        effective_settings(desired(), "OTHER")


def test_locations_are_kept_on_created_cases() -> None:
    new = Case(
        "Brand new",
        suite="authentication",
        location=loc("authentication/login.yaml", 40, ("cases", 2)),
    )
    result = run(replace(desired(), cases=(*desired().cases, new)))
    assert only(result).location == loc("authentication/login.yaml", 40, ("cases", 2))
    assert only(result).desired == replace(
        new,
        severity="normal",
        priority="undefined",
        type="other",
        behavior="undefined",
        layer="unknown",
        status="actual",
        automation="manual",
        flaky=False,
    )


def test_prune_delete_deletes_a_shared_step_whose_only_user_is_deleted() -> None:
    tree = replace(desired(), cases=desired().cases[1:], shared_steps=())
    result = run(tree, prune="delete")
    assert [(c.kind, c.entity, c.live_id) for c in result.changes] == [
        ("delete", "case", 101),
        ("delete", "shared_step", HASH),
    ]


def test_a_shared_step_still_used_by_a_kept_case_is_kept_with_a_note() -> None:
    tree = with_case(replace(desired(), shared_steps=()), 0, steps=(Step("Sign in by hand"),))
    result = run(tree, prune="delete", ignore_fields=frozenset({"steps"}))
    assert result.changes == ()
    assert [m.text for m in result.notes] == [
        "live shared step 'Sign in as admin' is not in the tree but cases #101 use it; kept"
    ]
