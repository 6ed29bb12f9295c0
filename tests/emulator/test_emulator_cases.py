"""Case quirks: what is written, what is read back, and what the live API refuses."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from qasesync.emulator import Emulator, Invalid, default_system_fields, sample_custom_fields


def _errors(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 400
    body = response.json()
    assert body["errorMessage"] == "Data is invalid."
    return [(e["field"], e["error"]) for e in body["errorFields"]]


def _create(api: httpx.Client, payload: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/case/DEMO", json=payload)
    assert response.status_code == 200, response.text
    case: dict[str, Any] = api.get(f"/case/DEMO/{response.json()['result']['id']}").json()["result"]
    return case


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, [("title", "The title field is required.")]),
        ({"title": "   "}, [("title", "The title field is required.")]),
        ({"title": "x" * 256}, [("title", "The title must not be greater than 255 characters.")]),
        (
            {"title": "t", "steps": [{"expected_result": "e"}]},
            [("steps.0.action", "The steps.0.action field is required.")],
        ),
        (
            {"title": "t", "steps": [{"shared": "0" * 40}]},
            [("steps.0.shared", "The selected steps.0.shared is invalid.")],
        ),
        ({"title": "t", "severity": 99}, [("severity", "The selected severity is invalid.")]),
        ({"title": "t", "suite_id": 5}, [("suite_id", "The selected suite id is invalid.")]),
    ],
)
def test_bad_payloads_are_data_invalid(
    api: httpx.Client, payload: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert _errors(api.post("/case/DEMO", json=payload)) == expected


def test_a_title_of_255_characters_is_accepted(api: httpx.Client) -> None:
    assert _create(api, {"title": "x" * 255})["title"] == "x" * 255


def test_tags_written_as_strings_read_back_as_objects(api: httpx.Client) -> None:
    case = _create(api, {"title": "t", "tags": ["smoke", "auth"]})
    assert case["tags"] == [
        {"title": "smoke", "internal_id": 1},
        {"title": "auth", "internal_id": 2},
    ]


def test_a_shared_step_reference_reads_back_expanded(emu: Emulator, api: httpx.Client) -> None:
    shared = emu.store.create_shared_step(
        "DEMO",
        {
            "title": "Sign in",
            "steps": [{"action": "Open"}, {"action": "Submit", "expected_result": "In"}],
        },
    )
    inner = [s["hash"] for s in emu.store.get_shared_step("DEMO", shared)["steps"]]
    case = _create(api, {"title": "t", "steps": [{"action": "First"}, {"shared": shared}]})
    assert [
        (s["action"], s["shared_step_hash"], s["shared_step_nested_hash"]) for s in case["steps"]
    ] == [
        ("First", None, None),
        ("Open", shared, inner[0]),
        ("Submit", shared, inner[1]),
    ]
    assert [s["position"] for s in case["steps"]] == [1, 2, 3]


def test_an_edited_shared_step_shows_in_the_cases_that_use_it(
    emu: Emulator, api: httpx.Client
) -> None:
    shared = emu.store.create_shared_step("DEMO", {"title": "S", "steps": [{"action": "Old"}]})
    case = emu.store.create_case("DEMO", {"title": "t", "steps": [{"shared": shared}]})
    api.patch(f"/shared_step/DEMO/{shared}", json={"title": "S", "steps": [{"action": "New"}]})
    assert [s["action"] for s in emu.store.get_case("DEMO", case)["steps"]] == ["New"]


def test_shared_step_hash_on_write_is_ignored(emu: Emulator, api: httpx.Client) -> None:
    shared = emu.store.create_shared_step(
        "DEMO", {"title": "S", "steps": [{"action": "A"}, {"action": "B"}]}
    )
    case = _create(api, {"title": "t", "steps": [{"action": "Plain", "shared_step_hash": shared}]})
    assert [(s["action"], s["shared_step_hash"]) for s in case["steps"]] == [("Plain", None)]
    refused = api.post("/case/DEMO", json={"title": "t", "steps": [{"shared_step_hash": shared}]})
    assert _errors(refused) == [("steps.0.action", "The steps.0.action field is required.")]


def test_gherkin_reads_back_in_the_first_steps_action(api: httpx.Client) -> None:
    scenario = "Given a user\nWhen they sign in\nThen they see the dashboard"
    case = _create(api, {"title": "t", "steps_type": "gherkin", "steps": [{"value": scenario}]})
    assert case["steps_type"] == "gherkin"
    assert case["steps"][0]["action"] == scenario


def test_gherkin_refuses_expected_result_and_shared(emu: Emulator, api: httpx.Client) -> None:
    steps = [{"value": "Given x", "expected_result": "y"}]
    response = api.post("/case/DEMO", json={"title": "t", "steps_type": "gherkin", "steps": steps})
    assert [field for field, _ in _errors(response)] == ["steps.0.expected_result"]


def test_nested_steps_are_read_back_nested(api: httpx.Client) -> None:
    case = _create(
        api, {"title": "t", "steps": [{"action": "Outer", "steps": [{"action": "Inner"}]}]}
    )
    assert case["steps"][0]["steps"][0]["action"] == "Inner"
    assert case["steps"][0]["attachments"] == []


def test_enum_integers_are_the_workspaces_option_ids(api: httpx.Client) -> None:
    case = _create(
        api, {"title": "t", "severity": 3, "priority": 1, "type": 8, "behavior": 2, "layer": 1}
    )
    assert [case[k] for k in ("severity", "priority", "type", "behavior", "layer", "status")] == [
        3,
        1,
        8,
        2,
        1,
        0,
    ]


def test_omitted_enums_take_the_default_options(api: httpx.Client) -> None:
    case = _create(api, {"title": "t"})
    assert [case[k] for k in ("severity", "priority", "type", "behavior", "layer", "status")] == [
        0,
        0,
        1,
        1,
        0,
        0,
    ]


def test_a_workspace_with_other_option_ids(emu: Emulator) -> None:
    fields = default_system_fields()
    severity = next(f for f in fields if f["slug"] == "severity")
    severity["options"] = [
        {
            "id": 10,
            "title": "Showstopper",
            "slug": "showstopper",
            "color": None,
            "icon": None,
            "is_default": True,
            "read_only": False,
        },
    ]
    custom = Emulator(token="T", projects=("DEMO",), system_fields=fields)
    assert (
        custom.store.get_case("DEMO", custom.store.create_case("DEMO", {"title": "t"}))["severity"]
        == 10
    )
    with pytest.raises(Invalid, match="400"):
        custom.store.create_case("DEMO", {"title": "t", "severity": 3})


@pytest.mark.parametrize(
    ("flags", "automation", "is_manual", "to_be"),
    [
        ({}, 0, True, False),
        ({"isManual": True, "isToBeAutomated": True}, 1, True, True),
        ({"isManual": False}, 2, False, False),
        ({"automation": 2}, 0, True, False),
    ],
)
def test_single_post_honours_is_manual_and_ignores_automation(
    api: httpx.Client, flags: dict[str, Any], automation: int, is_manual: bool, to_be: bool
) -> None:
    case = _create(api, {"title": "t", **flags})
    assert (case["automation"], case["isManual"], case["isToBeAutomated"]) == (
        automation,
        is_manual,
        to_be,
    )


def test_patch_ignores_is_manual_and_automation(emu: Emulator, api: httpx.Client) -> None:
    case = emu.store.create_case("DEMO", {"title": "t"})
    api.patch(f"/case/DEMO/{case}", json={"isManual": False, "automation": 2, "title": "u"})
    read = emu.store.get_case("DEMO", case)
    assert (read["title"], read["automation"], read["isManual"]) == ("u", 0, True)


def test_bulk_ignores_is_manual_and_automation(emu: Emulator, api: httpx.Client) -> None:
    cases = [
        {"title": "t", "isManual": False},
        {"title": "u", "isManual": True, "isToBeAutomated": True},
        {"title": "v", "automation": 2},
    ]
    ids = api.post("/case/DEMO/bulk", json={"cases": cases}).json()["result"]["ids"]
    read = [emu.store.get_case("DEMO", case_id) for case_id in ids]
    assert [(c["automation"], c["isManual"], c["isToBeAutomated"]) for c in read] == [
        (0, True, False)
    ] * 3


def test_text_is_trimmed(emu: Emulator, api: httpx.Client) -> None:
    case = _create(
        api,
        {
            "title": "  Login  ",
            "description": "Text\n",
            "preconditions": "  ",
            "steps": [{"action": " Go \n"}],
        },
    )
    assert (case["title"], case["description"], case["preconditions"]) == ("Login", "Text", None)
    assert case["steps"][0]["action"] == "Go"


def test_patch_answers_only_the_id(emu: Emulator, api: httpx.Client) -> None:
    case = emu.store.create_case("DEMO", {"title": "t"})
    response = api.patch(f"/case/DEMO/{case}", json={"title": "u"})
    assert response.json() == {"status": True, "result": {"id": case}}


def test_patch_replaces_steps_and_tags_and_merges_custom_fields() -> None:
    emu = Emulator(token="T", projects=("DEMO",), custom_fields=sample_custom_fields())
    case = emu.store.create_case(
        "DEMO",
        {
            "title": "t",
            "steps": [{"action": "a"}, {"action": "b"}],
            "tags": ["x", "y"],
            "custom_field": {"1": "alice", "5": "2"},
        },
    )
    emu.store.patch_case(
        "DEMO", case, {"steps": [{"action": "c"}], "tags": ["z"], "custom_field": {"5": "3"}}
    )
    read = emu.store.get_case("DEMO", case)
    assert [s["action"] for s in read["steps"]] == ["c"]
    assert [t["title"] for t in read["tags"]] == ["z"]
    assert read["custom_fields"] == [{"id": 1, "value": "alice"}, {"id": 5, "value": "3"}]


def test_patch_with_an_empty_custom_value_clears_it() -> None:
    emu = Emulator(token="T", projects=("DEMO",), custom_fields=sample_custom_fields())
    case = emu.store.create_case("DEMO", {"title": "t", "custom_field": {"1": "alice"}})
    emu.store.patch_case("DEMO", case, {"custom_field": {"1": ""}})
    assert emu.store.get_case("DEMO", case)["custom_fields"] == []


@pytest.mark.parametrize(
    ("values", "bad"),
    [
        ({"5": "9"}, "custom_field.5"),
        ({"7": "1,9"}, "custom_field.7"),
        ({"4": "yes"}, "custom_field.4"),
        ({"3": "many"}, "custom_field.3"),
        ({"99": "x"}, "custom_field.99"),
    ],
)
def test_custom_field_values_are_checked(values: dict[str, str], bad: str) -> None:
    emu = Emulator(token="T", projects=("DEMO",), custom_fields=sample_custom_fields())
    with httpx.Client(
        transport=httpx.WSGITransport(app=emu.app), base_url="http://e/v1", headers={"Token": "T"}
    ) as client:
        response = client.post("/case/DEMO", json={"title": "t", "custom_field": values})
    assert [field for field, _ in _errors(response)] == [bad]


def test_patch_cannot_move_a_case_to_the_root(emu: Emulator, api: httpx.Client) -> None:
    suite = emu.store.create_suite("DEMO", {"title": "S"})
    case = emu.store.create_case("DEMO", {"title": "t", "suite_id": suite})
    response = api.patch(f"/case/DEMO/{case}", json={"suite_id": None})
    assert _errors(response) == [("suite_id", "The suite id must be an integer.")]


def test_updated_at_changes_on_every_write(emu: Emulator, api: httpx.Client) -> None:
    case = emu.store.create_case("DEMO", {"title": "t"})
    stamps = [emu.store.get_case("DEMO", case)["updated_at"]]
    for title in ("u", "v", "w"):
        api.patch(f"/case/DEMO/{case}", json={"title": title})
        stamps.append(emu.store.get_case("DEMO", case)["updated_at"])
    assert len(set(stamps)) == 4 and stamps == sorted(stamps)


def test_bulk_is_all_or_nothing(emu: Emulator, api: httpx.Client) -> None:
    cases = [{"title": "a"}, {"title": "b"}, {"title": "c"}, {"title": ""}]
    assert _errors(api.post("/case/DEMO/bulk", json={"cases": cases})) == [
        ("cases.3.title", "The cases.3.title field is required.")
    ]
    assert emu.store.cases("DEMO") == []


def test_bulk_returns_ids_in_submission_order(emu: Emulator, api: httpx.Client) -> None:
    emu.store.create_case("DEMO", {"title": "first"})
    response = api.post("/case/DEMO/bulk", json={"cases": [{"title": "b"}, {"title": "a"}]})
    ids = response.json()["result"]["ids"]
    assert ids == [2, 3]
    assert [emu.store.get_case("DEMO", i)["title"] for i in ids] == ["b", "a"]


def test_delete_case(emu: Emulator, api: httpx.Client) -> None:
    case = emu.store.create_case("DEMO", {"title": "t"})
    assert api.delete(f"/case/DEMO/{case}").json() == {"status": True, "result": {"id": case}}
    assert api.get(f"/case/DEMO/{case}").status_code == 404


def test_parameters_read_back_in_both_forms(api: httpx.Client) -> None:
    case = _create(
        api, {"title": "t", "parameters": [{"title": "browser", "values": ["chrome", "firefox"]}]}
    )
    assert case["parameters"] == [
        {
            "type": "single",
            "shared_id": None,
            "item": {"title": "browser", "values": ["chrome", "firefox"]},
        }
    ]
    assert case["params"] == {"browser": ["chrome", "firefox"]}
    assert _create(api, {"title": "u"})["params"] == []


def _listed(api: httpx.Client) -> list[tuple[str, list[str]]]:
    entities = api.get("/case/DEMO").json()["result"]["entities"]
    return [(c["title"], [s["action"] for s in c["steps"]]) for c in entities]


def test_list_pages_show_every_write(emu: Emulator, api: httpx.Client) -> None:
    shared = emu.store.create_shared_step("DEMO", {"title": "S", "steps": [{"action": "Old"}]})
    case = emu.store.create_case("DEMO", {"title": "t", "steps": [{"shared": shared}]})
    assert _listed(api) == [("t", ["Old"])]
    api.patch(f"/case/DEMO/{case}", json={"title": "u"})
    assert _listed(api) == [("u", ["Old"])]
    api.patch(f"/shared_step/DEMO/{shared}", json={"title": "S", "steps": [{"action": "New"}]})
    assert _listed(api) == [("u", ["New"])]
    api.delete(f"/case/DEMO/{case}")
    api.post("/case/DEMO/bulk", json={"cases": [{"id": case, "title": "again"}]})
    assert _listed(api) == [("again", [])]


def test_legacy_params_are_stored_as_single_parameters(api: httpx.Client) -> None:
    case = _create(api, {"title": "t", "params": {"browser": ["chrome"]}})
    assert case["params"] == {"browser": ["chrome"]}
    assert case["parameters"][0]["item"] == {"title": "browser", "values": ["chrome"]}


def test_a_group_parameter_needs_two_items(api: httpx.Client) -> None:
    items = [{"title": "a", "values": ["1"]}]
    response = api.post("/case/DEMO", json={"title": "t", "parameters": [{"items": items}]})
    assert _errors(response) == [
        ("parameters.0.items", "The parameters.0.items must have at least 2 items.")
    ]


def test_changing_steps_type_needs_steps(emu: Emulator, api: httpx.Client) -> None:
    case = emu.store.create_case("DEMO", {"title": "t", "steps": [{"action": "a"}]})
    response = api.patch(f"/case/DEMO/{case}", json={"steps_type": "gherkin"})
    assert [field for field, _ in _errors(response)] == ["steps"]


def test_patch_steps_keep_the_current_steps_type(emu: Emulator, api: httpx.Client) -> None:
    gherkin = {"title": "t", "steps_type": "gherkin", "steps": [{"value": "Given a"}]}
    case = emu.store.create_case("DEMO", gherkin)
    api.patch(f"/case/DEMO/{case}", json={"steps": [{"value": "Given b"}]})
    read = emu.store.get_case("DEMO", case)
    assert (read["steps_type"], read["steps"][0]["action"]) == ("gherkin", "Given b")


def test_gherkin_refuses_value_and_action_together(api: httpx.Client) -> None:
    steps = [{"value": "Given a", "action": "Given a"}]
    response = api.post("/case/DEMO", json={"title": "t", "steps_type": "gherkin", "steps": steps})
    assert [field for field, _ in _errors(response)] == ["steps.0.action"]


def test_bulk_keeps_a_free_explicit_id_and_refuses_a_taken_one(
    emu: Emulator, api: httpx.Client
) -> None:
    assert api.post("/case/DEMO/bulk", json={"cases": [{"id": 40, "title": "a"}]}).json()["result"][
        "ids"
    ] == [40]
    taken = api.post("/case/DEMO/bulk", json={"cases": [{"id": 40, "title": "b"}]})
    assert _errors(taken) == [("cases.0.id", "The cases.0.id has already been taken.")]
    assert emu.store.create_case("DEMO", {"title": "next"}) == 41
