"""decode: live Qase JSON read into the model, following the model's live conventions."""

from __future__ import annotations

from typing import Any

import pytest
from kit.remote_json import field_map, live_case, live_step

from qasesync.errors import PlanError
from qasesync.model import Case, SharedStep, Step, Suite
from qasesync.qase.decode import (
    CaseReader,
    automation_from_json,
    shared_step_from_json,
    suites_from_json,
)

SHARED = "0223905c291bada23e6049d415385982af92d758"
OTHER = "1111111111111111111111111111111111111111"


def reader(**lengths: int) -> CaseReader:
    return CaseReader(field_map(), {SHARED: 2, OTHER: 1, **lengths})


def suite_json(suite_id: int, title: str, parent_id: int | None = None) -> dict[str, Any]:
    return {
        "id": suite_id,
        "title": title,
        "description": None,
        "preconditions": "logged in" if suite_id == 3 else None,
        "position": 1,
        "cases_count": 0,
        "parent_id": parent_id,
        "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": f"2026-01-0{suite_id}T00:00:00+00:00",
    }


def test_the_flat_suite_list_becomes_keys_with_parents_first() -> None:
    suites = suites_from_json(
        [suite_json(5, "SSO", 3), suite_json(3, "Auth"), suite_json(7, "Deep", 5)]
    )
    assert suites == (
        Suite(key="#3", title="Auth", id=3, preconditions="logged in"),
        Suite(key="#5", title="SSO", id=5, parent="#3"),
        Suite(key="#7", title="Deep", id=7, parent="#5"),
    )
    assert suites[0].updated_at == "2026-01-03T00:00:00+00:00"


def test_a_suite_with_an_unknown_parent_reads_as_a_root_suite() -> None:
    (suite,) = suites_from_json([suite_json(5, "SSO", 99)])
    assert suite.parent is None


def test_a_shared_step_is_keyed_by_its_hash_with_the_cases_using_it() -> None:
    item = {
        "hash": SHARED,
        "title": "Sign in",
        "steps": [
            {
                "hash": "a",
                "action": "Open /login",
                "expected_result": "Form",
                "data": "",
                "steps": [],
            },
            {"hash": "b", "action": "Submit", "steps": [{"action": "Click OK"}]},
        ],
        "cases": [4, 9],
        "cases_count": 2,
        "updated_at": "2026-02-01T00:00:00+00:00",
    }
    shared = shared_step_from_json(item)
    assert shared == SharedStep(
        key=SHARED,
        title="Sign in",
        hash=SHARED,
        steps=(
            Step(action="Open /login", expected_result="Form"),
            Step(action="Submit", steps=(Step(action="Click OK"),)),
        ),
    )
    assert shared.used_by == (4, 9)
    assert shared.updated_at == "2026-02-01T00:00:00+00:00"


def test_a_case_reads_every_field_as_the_model_holds_it() -> None:
    item = live_case(
        12,
        "Login works",
        suite_id=3,
        description="Signs in",
        severity=1,
        priority=1,
        type=8,
        behavior=2,
        layer=1,
        status=1,
        is_flaky=1,
        milestone_id=4,
        tags=[{"title": "auth", "internal_id": 1}, {"title": "smoke", "internal_id": 2}],
        custom_fields=[
            {"id": 1, "value": "alice"},
            {"id": 7, "value": "2,1"},
            {"id": 11, "value": "x"},
        ],
        parameters=[
            {
                "type": "single",
                "shared_id": None,
                "item": {"title": "browser", "values": ["chrome"]},
            }
        ],
        external_issues=[
            {"type": "jira-cloud", "issues": [{"id": "ENG-2", "link": "l"}, {"id": "ENG-1"}]}
        ],
    )
    case = reader().case(item)
    assert case == Case(
        title="Login works",
        id=12,
        suite="#3",
        description="Signs in",
        severity="blocker",
        priority="high",
        type="functional",
        behavior="positive",
        layer="e2e",
        status="draft",
        automation="manual",
        flaky=True,
        milestone_id=4,
        tags=("auth", "smoke"),
        external_issues=("ENG-1", "ENG-2"),
        custom_fields={"Owner": "alice", "Components": ("api", "web")},
        parameters={"browser": ("chrome",)},
    )
    assert case.inexpressible == ()
    assert case.updated_at == "2026-01-02T00:00:00+00:00"


def test_a_case_with_defaults_fills_every_enum_in() -> None:
    case = reader().case(live_case(1, "Plain"))
    assert (case.severity, case.priority, case.type, case.behavior, case.layer, case.status) == (
        "normal",
        "undefined",
        "other",
        "undefined",
        "unknown",
        "actual",
    )
    assert (case.suite, case.flaky, case.steps, case.gherkin) == (None, False, (), None)


def test_an_unknown_enum_id_on_a_case_fails_clearly() -> None:
    with pytest.raises(PlanError, match="case 1: severity 99 is not an option id"):
        reader().case(live_case(1, "Odd", severity=99))


@pytest.mark.parametrize(
    ("fields", "automation"),
    [
        ({"isManual": True, "isToBeAutomated": False, "automation": 2}, "manual"),
        ({"isManual": True, "isToBeAutomated": True}, "to-be-automated"),
        ({"isManual": False, "isToBeAutomated": True}, "automated"),
        ({"automation": 1}, "to-be-automated"),
        ({"automation": 2}, "automated"),
        ({}, "manual"),
    ],
)
def test_automation_reads_the_booleans_before_the_old_integer(
    fields: dict[str, Any], automation: str
) -> None:
    assert automation_from_json({"id": 1, **fields}) == automation


def test_an_expanded_shared_step_folds_into_one_reference() -> None:
    steps = [
        live_step("Open"),
        live_step("Sign 1", shared=SHARED),
        live_step("Sign 2", shared=SHARED),
        live_step("Check", expected_result="Done"),
    ]
    case = reader().case(live_case(1, "Uses shared", steps=steps))
    assert case.steps == (
        Step(action="Open"),
        Step(shared=SHARED),
        Step(action="Check", expected_result="Done"),
    )


def test_a_shared_step_repeated_back_to_back_folds_per_use() -> None:
    steps = [live_step(f"Sign {i}", shared=SHARED) for i in range(4)]
    steps += [live_step("Wait", shared=OTHER), live_step("Wait", shared=OTHER)]
    case = reader().case(live_case(1, "Twice", steps=steps))
    assert case.steps == (Step(shared=SHARED),) * 2 + (Step(shared=OTHER),) * 2


def test_shared_steps_fold_inside_nested_steps_too() -> None:
    nested = [live_step("Sign 1", shared=SHARED), live_step("Sign 2", shared=SHARED)]
    case = reader().case(live_case(1, "Nested", steps=[live_step("Parent", steps=nested)]))
    assert case.steps == (Step(action="Parent", steps=(Step(shared=SHARED),)),)


def test_step_attachments_read_as_their_hashes_from_a_hash_or_the_url() -> None:
    by_url = {
        "size": 1,
        "mime": "image/png",
        "filename": "a.png",
        "url": f"https://x/attachment/{OTHER}/a.png",
    }
    by_hash = {"filename": "b.png", "hash": SHARED}
    steps = [
        live_step(
            "Parent",
            attachments=["c" * 32],
            steps=[live_step("Child", attachments=[by_url, by_hash])],
        )
    ]
    case = reader().case(live_case(1, "Attached", steps=steps))
    child = Step(action="Child", attachments=(OTHER, SHARED))
    assert case.steps == (Step(action="Parent", steps=(child,), attachments=("c" * 32,)),)
    assert case.inexpressible == ()


def test_an_attachment_without_a_hash_makes_steps_inexpressible() -> None:
    attachment = {"size": 1, "mime": "image/png", "filename": "a.png", "url": "u"}
    steps = [live_step("Parent", steps=[live_step("Child", attachments=[attachment, 7])])]
    case = reader().case(live_case(1, "Attached", steps=steps))
    assert case.inexpressible == ("steps",)
    assert case.steps == (Step(action="Parent", steps=(Step(action="Child"),)),)


def test_a_shared_step_reads_the_hashes_of_its_attachments() -> None:
    item = {
        "hash": SHARED,
        "title": "Sign in",
        "steps": [
            {"action": "Open", "attachments": [{"hash": OTHER, "filename": "a.png"}]},
            {"action": "Type", "attachments": [{"filename": "lost.png", "url": "u"}]},
        ],
    }
    shared = shared_step_from_json(item)
    assert shared.steps == (Step("Open", attachments=(OTHER,)), Step("Type"))
    assert shared.inexpressible == ("steps",)


def test_a_gherkin_case_holds_the_scenario_and_no_steps() -> None:
    scenario = "Given a user\nWhen they sign in\nThen they see the dashboard"
    item = live_case(1, "Gherkin", steps_type="gherkin", steps=[live_step(scenario)])
    case = reader().case(item)
    assert (case.gherkin, case.steps) == (scenario, ())


def test_group_and_shared_parameters_are_inexpressible() -> None:
    params = [
        {"type": "single", "shared_id": None, "item": {"title": "os", "values": ["linux", "mac"]}},
        {"type": "group", "shared_id": None, "items": [{"title": "a", "values": ["1"]}] * 2},
        {
            "type": "single",
            "shared_id": "5f0c8d1e-0000-4000-8000-000000000000",
            "item": {"title": "b", "values": []},
        },
    ]
    case = reader().case(live_case(1, "Params", parameters=params))
    assert case.parameters == {"os": ("linux", "mac")}
    assert case.inexpressible == ("parameters",)


def test_the_deprecated_params_object_is_read_when_parameters_are_absent() -> None:
    case = reader().case(live_case(1, "Old", parameters=None, params={"os": ["linux"]}))
    assert case.parameters == {"os": ("linux",)}


def test_issues_of_another_type_are_inexpressible() -> None:
    issues = [
        {"type": "jira-cloud", "issues": [{"id": "ENG-1"}]},
        {"type": "jira-server", "issues": [{"id": "OLD-9"}]},
    ]
    case = reader().case(live_case(1, "Issues", external_issues=issues))
    assert case.external_issues == ("ENG-1",)
    assert case.inexpressible == ("external_issues",)


def test_a_multiselect_given_as_one_entry_per_option_is_joined() -> None:
    values = [{"id": 7, "value": "3"}, {"id": 7, "value": "1"}, {"id": 4, "value": ""}]
    case = reader().case(live_case(1, "Multi", custom_fields=values))
    assert case.custom_fields == {"Components": ("mobile", "web")}


def test_tags_read_from_objects_or_plain_strings() -> None:
    item = live_case(1, "Tags", tags=[{"title": "a", "internal_id": 1}, "b"])
    assert reader().case(item).tags == ("a", "b")


# --- shared-step runs and workspace-level shared steps ---------------------------------


def test_an_unknown_shared_step_hash_is_a_workspace_shared_step_with_its_content() -> None:
    steps = [live_step("Kept", shared="f" * 40)]
    case = reader().case(live_case(1, "Workspace", steps=steps))
    assert case.steps == (Step(workspace="f" * 40, steps=(Step("Kept"),)),)


def test_back_to_back_uses_split_where_the_first_inner_step_comes_again() -> None:
    ws = "e" * 40
    run = [
        live_step("A", shared=ws, shared_step_nested_hash="n1"),
        live_step("B", shared=ws, shared_step_nested_hash="n2"),
        live_step("A", shared=ws, shared_step_nested_hash="n1"),
        live_step("B", shared=ws, shared_step_nested_hash="n2"),
        live_step("X", shared=SHARED, shared_step_nested_hash="m1"),
        live_step("X", shared=SHARED, shared_step_nested_hash="m1"),
    ]
    case = reader().case(live_case(1, "Twice", steps=run))
    use = Step(workspace=ws, steps=(Step("A"), Step("B")))
    assert case.steps == (use, use, Step(shared=SHARED), Step(shared=SHARED))


def test_collapsed_uses_read_one_entry_each_and_never_fold() -> None:
    run = [live_step("Sign in", shared=SHARED), live_step("Sign in", shared=SHARED)]
    case = reader().case(live_case(1, "Collapsed", steps=run))
    assert case.steps == (Step(shared=SHARED), Step(shared=SHARED))
    ws = [live_step("Title", shared="e" * 40)] * 2
    assert (
        reader().case(live_case(2, "W", steps=ws)).steps
        == (Step(workspace="e" * 40, steps=(Step("Title"),)),) * 2
    )


def test_an_expanded_run_without_nested_hashes_of_a_workspace_step_is_one_use() -> None:
    ws = "e" * 40
    run = [live_step("A", shared=ws), live_step("B", shared=ws)]
    case = reader().case(live_case(1, "W", steps=run))
    assert case.steps == (Step(workspace=ws, steps=(Step("A"), Step("B"))),)


def test_an_expanded_run_that_is_no_multiple_of_its_length_is_read_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    steps = [live_step(f"Sign {i}", shared=SHARED) for i in range(3)]
    case = reader().case(live_case(1, "Odd", steps=steps))
    assert case.steps == (Step(shared=SHARED),) * 2
    assert f"shared step {SHARED}: a run of 3 steps is no multiple of 2" in caplog.text
