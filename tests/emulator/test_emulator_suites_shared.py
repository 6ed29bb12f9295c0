"""Suites, shared steps, fields, list filters and external issues."""

from __future__ import annotations

import json

import httpx
import pytest

from qasesync.emulator import Emulator, Invalid, sample_custom_fields


def test_suites_list_flat_with_parent_id(emu: Emulator, api: httpx.Client) -> None:
    root = emu.store.create_suite("DEMO", {"title": "Root"})
    child = emu.store.create_suite("DEMO", {"title": "Child", "parent_id": root})
    emu.store.create_suite("DEMO", {"title": "Grandchild", "parent_id": child})
    entities = api.get("/suite/DEMO", params={"limit": 100}).json()["result"]["entities"]
    assert [(s["title"], s["parent_id"]) for s in entities] == [
        ("Root", None),
        ("Child", root),
        ("Grandchild", child),
    ]


def test_suite_search_filter(emu: Emulator, api: httpx.Client) -> None:
    emu.store.create_suite("DEMO", {"title": "Login"})
    emu.store.create_suite("DEMO", {"title": "Checkout"})
    result = api.get("/suite/DEMO", params={"search": "LOG"}).json()["result"]
    assert (result["total"], result["filtered"], [s["title"] for s in result["entities"]]) == (
        2,
        1,
        ["Login"],
    )


def test_suite_moves_by_parent_id_and_back_to_the_root(emu: Emulator, api: httpx.Client) -> None:
    first = emu.store.create_suite("DEMO", {"title": "A"})
    second = emu.store.create_suite("DEMO", {"title": "B"})
    assert api.patch(f"/suite/DEMO/{second}", json={"parent_id": first}).json()["result"] == {
        "id": second
    }
    assert emu.store.get_suite("DEMO", second)["parent_id"] == first
    api.patch(f"/suite/DEMO/{second}", json={"parent_id": None})
    assert emu.store.get_suite("DEMO", second)["parent_id"] is None


def test_a_suite_cannot_move_under_itself(emu: Emulator, api: httpx.Client) -> None:
    parent = emu.store.create_suite("DEMO", {"title": "A"})
    child = emu.store.create_suite("DEMO", {"title": "B", "parent_id": parent})
    response = api.patch(f"/suite/DEMO/{parent}", json={"parent_id": child})
    assert response.status_code == 400
    assert response.json()["errorFields"] == [
        {"field": "parent_id", "error": "The selected parent id is invalid."}
    ]


def test_suite_create_needs_a_title_and_a_known_parent(api: httpx.Client) -> None:
    response = api.post("/suite/DEMO", json={"title": "", "parent_id": 9})
    assert [e["field"] for e in response.json()["errorFields"]] == ["title", "parent_id"]


def _suite_with_cases(emu: Emulator) -> tuple[int, int, int]:
    doomed = emu.store.create_suite("DEMO", {"title": "Doomed"})
    child = emu.store.create_suite("DEMO", {"title": "Child", "parent_id": doomed})
    keeper = emu.store.create_suite("DEMO", {"title": "Keeper"})
    emu.store.create_cases(
        "DEMO", [{"title": "a", "suite_id": doomed}, {"title": "b", "suite_id": child}]
    )
    return doomed, child, keeper


def test_suite_delete_without_destination_deletes_its_cases_and_children(
    emu: Emulator, api: httpx.Client
) -> None:
    doomed, _, keeper = _suite_with_cases(emu)
    assert api.delete(f"/suite/DEMO/{doomed}").json() == {"status": True, "result": {"id": doomed}}
    assert [s["id"] for s in emu.store.suites("DEMO")] == [keeper]
    assert emu.store.cases("DEMO") == []


def test_suite_delete_with_destination_moves_the_cases(emu: Emulator, api: httpx.Client) -> None:
    doomed, _, keeper = _suite_with_cases(emu)
    api.request("DELETE", f"/suite/DEMO/{doomed}", json={"destination_id": keeper})
    assert [(c["title"], c["suite_id"]) for c in emu.store.cases("DEMO")] == [
        ("a", keeper),
        ("b", keeper),
    ]
    assert [s["id"] for s in emu.store.suites("DEMO")] == [keeper]


def test_suite_delete_refuses_a_destination_inside_itself(emu: Emulator, api: httpx.Client) -> None:
    doomed, child, _ = _suite_with_cases(emu)
    response = api.request("DELETE", f"/suite/DEMO/{doomed}", json={"destination_id": child})
    assert response.status_code == 400
    assert len(emu.store.cases("DEMO")) == 2


def test_suite_cases_count(emu: Emulator, api: httpx.Client) -> None:
    doomed, child, keeper = _suite_with_cases(emu)
    counts = {
        s["id"]: s["cases_count"] for s in api.get("/suite/DEMO").json()["result"]["entities"]
    }
    assert counts == {doomed: 1, child: 1, keeper: 0}


# --- shared steps -----------------------------------------------------------------------


def test_shared_step_create_returns_a_40_hex_hash(api: httpx.Client) -> None:
    response = api.post("/shared_step/DEMO", json={"title": "S", "steps": [{"action": "A"}]})
    shared_hash = response.json()["result"]["hash"]
    assert len(shared_hash) == 40 and int(shared_hash, 16) >= 0


def test_shared_step_patch_requires_the_title(emu: Emulator, api: httpx.Client) -> None:
    shared = emu.store.create_shared_step("DEMO", {"title": "S", "steps": [{"action": "A"}]})
    response = api.patch(f"/shared_step/DEMO/{shared}", json={"steps": [{"action": "B"}]})
    assert response.json()["errorFields"] == [
        {"field": "title", "error": "The title field is required."}
    ]
    ok = api.patch(f"/shared_step/DEMO/{shared}", json={"title": "T", "steps": [{"action": "B"}]})
    assert ok.json() == {"status": True, "result": {"hash": shared}}


def test_shared_step_steps_need_an_action(api: httpx.Client) -> None:
    response = api.post(
        "/shared_step/DEMO", json={"title": "S", "steps": [{"expected_result": "x"}]}
    )
    assert response.json()["errorFields"][0]["field"] == "steps.0.action"


def test_shared_step_lists_the_cases_that_use_it(emu: Emulator, api: httpx.Client) -> None:
    shared = emu.store.create_shared_step("DEMO", {"title": "S", "steps": [{"action": "A"}]})
    emu.store.create_case("DEMO", {"title": "no"})
    user = emu.store.create_case(
        "DEMO", {"title": "yes", "steps": [{"action": "x", "steps": [{"shared": shared}]}]}
    )
    result = api.get(f"/shared_step/DEMO/{shared}").json()["result"]
    assert (result["cases"], result["cases_count"]) == ([user], 1)


def test_deleting_a_used_shared_step_leaves_plain_copies(emu: Emulator, api: httpx.Client) -> None:
    shared = emu.store.create_shared_step(
        "DEMO", {"title": "S", "steps": [{"action": "A"}, {"action": "B"}]}
    )
    case = emu.store.create_case("DEMO", {"title": "t", "steps": [{"shared": shared}]})
    assert api.delete(f"/shared_step/DEMO/{shared}").json() == {
        "status": True,
        "result": {"hash": shared},
    }
    steps = emu.store.get_case("DEMO", case)["steps"]
    assert [(s["action"], s["shared_step_hash"]) for s in steps] == [("A", None), ("B", None)]
    assert api.get(f"/shared_step/DEMO/{shared}").status_code == 404


# --- fields -----------------------------------------------------------------------------


def test_system_field_is_a_bare_array(api: httpx.Client) -> None:
    result = api.get("/system_field").json()["result"]
    assert isinstance(result, list)
    severity = next(f for f in result if f["slug"] == "severity")
    assert [(o["id"], o["slug"]) for o in severity["options"]][:4] == [
        (0, "undefined"),
        (1, "blocker"),
        (2, "critical"),
        (3, "major"),
    ]
    assert [o["slug"] for o in severity["options"] if o["is_default"]] == ["undefined"]


def test_custom_fields_are_paged_with_json_encoded_options() -> None:
    emu = Emulator(token="T", projects=("DEMO",), custom_fields=sample_custom_fields())
    with httpx.Client(
        transport=httpx.WSGITransport(app=emu.app), base_url="http://e/v1", headers={"Token": "T"}
    ) as client:
        first = client.get("/custom_field", params={"entity": "case"}).json()["result"]
        second = client.get("/custom_field", params={"offset": 10}).json()["result"]
        none = client.get("/custom_field", params={"entity": "run"}).json()["result"]
    assert (first["total"], first["count"], second["count"], none["filtered"]) == (10, 10, 0, 0)
    multiselect = next(f for f in first["entities"] if f["title"] == "Components")
    assert multiselect["type"] == "Multiselect"
    assert json.loads(multiselect["value"]) == [
        {"id": 1, "title": "web"},
        {"id": 2, "title": "api"},
        {"id": 3, "title": "mobile"},
    ]
    assert multiselect["projects_codes"] == ["DEMO"]


def test_a_required_custom_field_without_default_is_enforced_on_create_only() -> None:
    fields = sample_custom_fields()
    fields[0]["is_required"] = True
    emu = Emulator(token="T", projects=("DEMO",), custom_fields=fields)
    with pytest.raises(Invalid) as caught:
        emu.store.create_case("DEMO", {"title": "t"})
    assert caught.value.fields == [("custom_field.1", "The custom field.1 field is required.")]
    case = emu.store.create_case("DEMO", {"title": "t", "custom_field": {"1": "alice"}})
    emu.store.patch_case("DEMO", case, {"title": "u"})


def test_custom_fields_of_another_project_are_refused() -> None:
    emu = Emulator(
        token="T", projects=("DEMO", "OTHER"), custom_fields=sample_custom_fields(["DEMO"])
    )
    with pytest.raises(Invalid):
        emu.store.create_case("OTHER", {"title": "t", "custom_field": {"1": "alice"}})


# --- list filters -----------------------------------------------------------------------


def _titles(api: httpx.Client, **params: str) -> list[str]:
    return [c["title"] for c in api.get("/case/DEMO", params=params).json()["result"]["entities"]]


def test_case_filters(emu: Emulator, api: httpx.Client) -> None:
    suite = emu.store.create_suite("DEMO", {"title": "S"})
    emu.store.create_cases(
        "DEMO",
        [
            {"title": "Login ok", "suite_id": suite, "severity": 1},
            {"title": "Logout", "status": 2, "priority": 1},
            {"title": "Search", "suite_id": suite, "status": 1},
        ],
    )
    assert _titles(api, suite_id=str(suite)) == ["Login ok", "Search"]
    assert _titles(api, **{"filters[suite_id]": str(suite)}) == ["Login ok", "Search"]
    assert _titles(api, status="actual,draft") == ["Login ok", "Search"]
    assert _titles(api, status="deprecated") == ["Logout"]
    assert _titles(api, search="log") == ["Login ok", "Logout"]
    assert _titles(api, severity="blocker") == ["Login ok"]
    assert _titles(api, priority="high") == ["Logout"]
    assert _titles(api, automation="automated") == []


def test_suite_filter_is_not_recursive(emu: Emulator, api: httpx.Client) -> None:
    parent = emu.store.create_suite("DEMO", {"title": "P"})
    child = emu.store.create_suite("DEMO", {"title": "C", "parent_id": parent})
    emu.store.create_case("DEMO", {"title": "deep", "suite_id": child})
    assert _titles(api, suite_id=str(parent)) == []


# --- external issues --------------------------------------------------------------------


def _links(case: int, *keys: str) -> dict[str, object]:
    return {"type": "jira-cloud", "links": [{"case_id": case, "external_issues": list(keys)}]}


def test_external_issues_attach_detach_and_include(emu: Emulator, api: httpx.Client) -> None:
    case = emu.store.create_case("DEMO", {"title": "t"})
    assert api.post(
        "/case/DEMO/external-issue/attach", json=_links(case, "ENG-1", "ENG-2")
    ).json() == {"status": True}
    api.post("/case/DEMO/external-issue/detach", json=_links(case, "ENG-1"))
    assert "external_issues" not in api.get(f"/case/DEMO/{case}").json()["result"]
    included = api.get(f"/case/DEMO/{case}", params={"include": "external_issues"}).json()["result"]
    assert [(e["type"], [i["id"] for i in e["issues"]]) for e in included["external_issues"]] == [
        ("jira-cloud", ["ENG-2"])
    ]
    listed = api.get(
        "/case/DEMO",
        params={
            "include": "external_issues",
            "external_issues[type]": "jira-cloud",
            "external_issues[ids][]": "ENG-2",
        },
    ).json()["result"]
    assert [c["id"] for c in listed["entities"]] == [case]


def test_an_unknown_issue_key_is_refused(emu: Emulator, api: httpx.Client) -> None:
    case = emu.store.create_case("DEMO", {"title": "t"})
    response = api.post("/case/DEMO/external-issue/attach", json=_links(case, "not a key"))
    assert response.json() == {
        "status": False,
        "errorMessage": "Issues with ids: not a key not found.",
    }


def test_an_invalid_include_is_refused(api: httpx.Client) -> None:
    response = api.get("/case/DEMO", params={"include": "runs"})
    assert (response.status_code, response.json()["errorMessage"]) == (400, "Invalid include value")


def test_the_deprecated_single_step_form_of_a_shared_step(api: httpx.Client) -> None:
    response = api.post(
        "/shared_step/DEMO", json={"title": "S", "action": "Do", "expected_result": "Done"}
    )
    got = api.get(f"/shared_step/DEMO/{response.json()['result']['hash']}").json()["result"]
    assert [(s["action"], s["expected_result"]) for s in got["steps"]] == [("Do", "Done")]
    assert (got["action"], got["expected_result"]) == ("Do", "Done")


def test_a_shared_step_needs_steps(api: httpx.Client) -> None:
    response = api.post("/shared_step/DEMO", json={"title": "S"})
    assert response.json()["errorFields"] == [
        {"field": "steps", "error": "The steps field is required."}
    ]


def test_custom_field_by_id_and_type_filter() -> None:
    emu = Emulator(token="T", projects=("DEMO",), custom_fields=sample_custom_fields())
    with httpx.Client(
        transport=httpx.WSGITransport(app=emu.app), base_url="http://e/v1", headers={"Token": "T"}
    ) as client:
        assert client.get("/custom_field/5").json()["result"]["title"] == "Component"
        assert client.get("/custom_field/99").json() == {
            "status": False,
            "errorMessage": "Custom field not found",
        }
        listed = client.get("/custom_field", params={"type": "multiselect"}).json()["result"][
            "entities"
        ]
    assert [f["title"] for f in listed] == ["Components"]


def test_project_list(api: httpx.Client) -> None:
    result = api.get("/project").json()["result"]
    assert (result["total"], [p["code"] for p in result["entities"]]) == (1, ["DEMO"])
