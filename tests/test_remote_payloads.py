"""payloads: the model turned into the bodies Qase's write endpoints take."""

from __future__ import annotations

from typing import Any

import pytest
from kit.remote_json import field_map
from kit.spec import check_request

from qasesync.errors import PlanError
from qasesync.model import Case, SharedStep, Step, Suite
from qasesync.qase.encode import CaseEncoder, shared_step_payload, suite_payload

HASH = "0223905c291bada23e6049d415385982af92d758"
SUITES = {None: None, "auth": 3, "auth/sso": 5}
SHARED = {"sign-in": HASH}

FULL = Case(
    title="  Login works ",
    suite="auth",
    description="Signs in\n",
    preconditions="A user",
    severity="blocker",
    priority="high",
    type="functional",
    status="draft",
    automation="to-be-automated",
    flaky=True,
    milestone_id=4,
    tags=("auth", "smoke"),
    custom_fields={
        "Owner": "alice",
        "Components": ("web", "api"),
        "Reviewed": True,
        "Estimate": 2.0,
    },
    parameters={"browser": ("chrome", "firefox")},
    steps=(
        Step(action="Open /login", expected_result="Form "),
        Step(shared="sign-in"),
        Step(action="Menu", steps=(Step(action="Click"), Step(shared="sign-in"))),
    ),
)


def encoder() -> CaseEncoder:
    return CaseEncoder(field_map(), SUITES, SHARED)


def test_a_single_create_sends_every_given_field_in_qase_form(openapi_spec: dict[str, Any]) -> None:
    body = encoder().create(FULL)
    assert body == {
        "title": "Login works",
        "description": "Signs in",
        "preconditions": "A user",
        "postconditions": "",
        "suite_id": 3,
        "severity": 1,
        "priority": 1,
        "behavior": 1,
        "layer": 0,
        "type": 8,
        "status": 1,
        "is_flaky": 1,
        "milestone_id": 4,
        "tags": ["auth", "smoke"],
        "custom_field": {"1": "alice", "7": "1,2", "4": "1", "3": "2"},
        "parameters": [{"title": "browser", "values": ["chrome", "firefox"]}],
        "steps_type": "classic",
        "steps": [
            {"action": "Open /login", "expected_result": "Form", "data": ""},
            {"shared": HASH},
            {
                "action": "Menu",
                "expected_result": "",
                "data": "",
                "steps": [{"action": "Click", "expected_result": "", "data": ""}, {"shared": HASH}],
            },
        ],
        "isManual": True,
        "isToBeAutomated": True,
    }
    check_request(openapi_spec, "POST", "/case/DEMO", body)


def test_a_minimal_create_sends_every_enum_as_the_workspace_default_and_empty_lists() -> None:
    body = encoder().create(Case(title="Bare"))
    assert body == {
        "title": "Bare",
        "description": "",
        "preconditions": "",
        "postconditions": "",
        **{"severity": 4, "priority": 0, "type": 1, "behavior": 1, "layer": 0, "status": 0},
        "tags": [],
        "custom_field": {},
        "parameters": [],
        "steps_type": "classic",
        "steps": [],
    }


@pytest.mark.parametrize(
    ("automation", "flags"),
    [("manual", (True, False)), ("to-be-automated", (True, True)), ("automated", (False, False))],
)
def test_automation_becomes_the_two_booleans(automation: str, flags: tuple[bool, bool]) -> None:
    body = encoder().create(Case(title="A", automation=automation))
    assert (body["isManual"], body["isToBeAutomated"]) == flags


def test_a_bulk_entry_carries_no_automation(openapi_spec: dict[str, Any]) -> None:
    body = encoder().create(FULL, for_bulk=True)
    assert "isManual" not in body and "isToBeAutomated" not in body and "automation" not in body
    check_request(openapi_spec, "POST", "/case/DEMO/bulk", {"cases": [body]})


@pytest.mark.parametrize("for_bulk", [False, True])
def test_a_create_leaves_the_ignored_fields_out(
    openapi_spec: dict[str, Any], for_bulk: bool
) -> None:
    ignored = frozenset({"description", "severity", "flaky", "custom_fields", "steps"})
    body = CaseEncoder(field_map(), SUITES, SHARED, ignored | {"automation", "tags"}).create(
        FULL, for_bulk=for_bulk
    )
    full = encoder().create(FULL, for_bulk=for_bulk)
    left_out = {"description", "severity", "is_flaky", "custom_field", "steps_type", "steps"}
    left_out |= {"tags"} | (set() if for_bulk else {"isManual", "isToBeAutomated"})
    assert body == {k: v for k, v in full.items() if k not in left_out}
    assert body["title"] == "Login works" and body["priority"] == 1
    check_request(openapi_spec, "POST", "/case/DEMO", body)


def test_step_attachments_are_sent_back_as_their_hashes(openapi_spec: dict[str, Any]) -> None:
    inner = Step(action="Click", attachments=("b" * 40,))
    steps = (Step(action="Open", attachments=("a" * 40, "c" * 40), steps=(inner,)),)
    body = encoder().patch(Case(title="T", id=1, steps=steps), ["steps"])
    assert body["steps"] == [
        {
            "action": "Open",
            "expected_result": "",
            "data": "",
            "attachments": ["a" * 40, "c" * 40],
            "steps": [
                {"action": "Click", "expected_result": "", "data": "", "attachments": ["b" * 40]}
            ],
        }
    ]
    check_request(openapi_spec, "PATCH", "/case/DEMO/1", body)
    shared = shared_step_payload(SharedStep(key="k", title="S", steps=(inner,)))
    assert shared["steps"][0]["attachments"] == ["b" * 40]
    check_request(openapi_spec, "PATCH", f"/shared_step/DEMO/{'d' * 40}", shared)


def test_a_gherkin_case_is_sent_as_one_value_step() -> None:
    body = encoder().create(Case(title="G", gherkin="Given a\nWhen b\n"))
    assert (body["steps_type"], body["steps"]) == ("gherkin", [{"value": "Given a\nWhen b"}])


def test_an_unknown_slug_is_a_plan_error_naming_what_the_workspace_has() -> None:
    with pytest.raises(PlanError) as error:
        encoder().create(Case(title="X", severity="showstopper"))
    assert str(error.value) == (
        "severity 'showstopper' is not an option of this workspace; it has: "
        "undefined, blocker, critical, major, normal, minor, trivial"
    )


def test_an_unresolved_shared_key_or_suite_is_a_plan_error() -> None:
    with pytest.raises(PlanError, match="shared step 'nope' has no live hash"):
        encoder().create(Case(title="X", steps=(Step(shared="nope"),)))
    with pytest.raises(PlanError, match="no live suite for 'gone'"):
        encoder().create(Case(title="X", suite="gone"))


def test_a_patch_sends_only_the_named_fields(openapi_spec: dict[str, Any]) -> None:
    body = encoder().patch(FULL, ["title", "severity", "tags", "suite", "flaky"])
    assert body == {
        "title": "Login works",
        "severity": 1,
        "tags": ["auth", "smoke"],
        "suite_id": 3,
        "is_flaky": 1,
    }
    check_request(openapi_spec, "PATCH", "/case/DEMO/1", body)


def test_a_patch_of_an_omitted_enum_sends_the_workspace_default() -> None:
    assert encoder().patch(Case(title="X"), ["severity", "layer"]) == {"severity": 4, "layer": 0}


def test_a_patch_never_sends_automation_nor_external_issues() -> None:
    assert encoder().patch(FULL, ["automation", "external_issues"]) == {}


def test_a_patch_of_one_custom_field_clears_it_to_its_default_or_empty() -> None:
    body = encoder().patch(
        FULL, ["custom_fields.Owner", "custom_fields.Risk", "custom_fields.Spec"]
    )
    assert body == {"custom_field": {"1": "alice", "6": "1", "8": ""}}


def test_a_patch_of_steps_or_gherkin_sends_the_steps_type() -> None:
    assert encoder().patch(Case(title="X", gherkin="Given"), ["gherkin"]) == {
        "steps_type": "gherkin",
        "steps": [{"value": "Given"}],
    }
    assert encoder().patch(Case(title="X"), ["steps"]) == {"steps_type": "classic", "steps": []}


def test_a_patch_cannot_move_a_case_to_the_root() -> None:
    with pytest.raises(PlanError, match="cannot move a case to the project root"):
        encoder().patch(Case(title="X", id=9), ["suite"])


def test_an_unknown_case_field_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not a case field: colour"):
        encoder().patch(FULL, ["colour"])


def test_suite_bodies(openapi_spec: dict[str, Any]) -> None:
    suite = Suite(key="auth/sso", title=" SSO ", description="Single sign-on")
    body = suite_payload(suite, parent_id=3)
    assert body == {
        "title": "SSO",
        "description": "Single sign-on",
        "preconditions": "",
        "parent_id": 3,
    }
    check_request(openapi_spec, "POST", "/suite/DEMO", body)
    assert suite_payload(suite, ["parent"], parent_id=None) == {"parent_id": None}
    check_request(openapi_spec, "PATCH", "/suite/DEMO/5", {"parent_id": None})


def test_a_shared_step_body_has_the_title_and_every_step(openapi_spec: dict[str, Any]) -> None:
    shared = SharedStep(
        key="sign-in",
        title="Sign in",
        steps=(
            Step(action="Open", expected_result="Form"),
            Step(action="Go", steps=(Step(action="In"),)),
        ),
    )
    body = shared_step_payload(shared)
    assert body == {
        "title": "Sign in",
        "steps": [
            {"action": "Open", "expected_result": "Form", "data": ""},
            {
                "action": "Go",
                "expected_result": "",
                "data": "",
                "steps": [{"action": "In", "expected_result": "", "data": ""}],
            },
        ],
    }
    check_request(openapi_spec, "POST", "/shared_step/DEMO", body)
    check_request(openapi_spec, "PATCH", f"/shared_step/DEMO/{HASH}", body)
