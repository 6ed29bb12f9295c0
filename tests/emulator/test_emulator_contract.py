"""Contract: every 2xx answer of every endpoint fits the official OpenAPI spec.

(conftest.py also checks every 2xx answer of every other emulator test at teardown.)
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from kit.emulator import check_log, make_client
from kit.spec import check_request, check_response

from qasesync.emulator import Emulator, sample_custom_fields


@pytest.fixture
def rich() -> Emulator:
    return Emulator(token="T", projects=("DEMO",), custom_fields=sample_custom_fields())


def _send(
    client: httpx.Client, spec: dict[str, Any], method: str, path: str, body: Any = None
) -> httpx.Response:
    if body is not None:
        check_request(spec, method, path, body)
    response = client.request(method, path, json=body)
    assert 200 <= response.status_code < 300, (method, path, response.text)
    return response


def test_every_endpoint_answers_within_the_spec(
    rich: Emulator, openapi_spec: dict[str, Any]
) -> None:
    with make_client(rich) as client:
        made = _create(client, openapi_spec)
        _read(client, openapi_spec, made)
        _change_and_delete(client, openapi_spec, made)
    assert check_log(rich) == len(rich.log) >= 25


def _create(client: httpx.Client, spec: dict[str, Any]) -> dict[str, Any]:
    """Every kind of write that creates; the ids and hash made."""
    parent = _send(
        client, spec, "POST", "/suite/DEMO", {"title": "Parent", "description": "d"}
    ).json()
    child = _send(
        client,
        spec,
        "POST",
        "/suite/DEMO",
        {"title": "Child", "parent_id": parent["result"]["id"]},
    )
    suite = child.json()["result"]["id"]
    shared = _send(
        client,
        spec,
        "POST",
        "/shared_step/DEMO",
        {"title": "S", "steps": [{"action": "A", "steps": [{"action": "N"}]}]},
    )
    shared_hash = shared.json()["result"]["hash"]
    case = {
        "title": "Case",
        "suite_id": suite,
        "severity": 2,
        "tags": ["a"],
        "isManual": True,
        "steps": [{"action": "x", "expected_result": "y"}, {"shared": shared_hash}],
        "custom_field": {"1": "alice", "7": "1,2", "4": "1"},
        "parameters": [
            {"title": "p", "values": ["1"]},
            {"items": [{"title": "a", "values": ["1"]}, {"title": "b", "values": ["2"]}]},
        ],
    }
    case_id = _send(client, spec, "POST", "/case/DEMO", case).json()["result"]["id"]
    gherkin = {"title": "G", "steps_type": "gherkin", "steps": [{"value": "Given x"}]}
    _send(client, spec, "POST", "/case/DEMO/bulk", {"cases": [gherkin, {"title": "B"}]})
    links = {"type": "jira-cloud", "links": [{"case_id": case_id, "external_issues": ["ENG-1"]}]}
    _send(client, spec, "POST", "/case/DEMO/external-issue/attach", links)
    return {
        "parent": parent["result"]["id"],
        "suite": suite,
        "shared": shared_hash,
        "case": case_id,
        "links": links,
    }


def _read(client: httpx.Client, spec: dict[str, Any], made: dict[str, Any]) -> None:
    """Every read, of lists and of single entities."""
    suite, case_id, shared_hash = made["suite"], made["case"], made["shared"]
    for path in (
        "/project",
        "/project/DEMO",
        "/system_field",
        "/custom_field",
        "/custom_field/5",
        "/suite/DEMO",
        f"/suite/DEMO/{suite}",
        "/case/DEMO",
        f"/case/DEMO/{case_id}",
        "/case/DEMO?include=external_issues",
        f"/case/DEMO/{case_id}?include=external_issues",
        "/shared_step/DEMO",
        f"/shared_step/DEMO/{shared_hash}",
        "/custom_field?entity=case",
    ):
        _send(client, spec, "GET", path)


def _change_and_delete(client: httpx.Client, spec: dict[str, Any], made: dict[str, Any]) -> None:
    """Detach, every PATCH, every DELETE."""
    suite, case_id, shared_hash = made["suite"], made["case"], made["shared"]
    _send(client, spec, "POST", "/case/DEMO/external-issue/detach", made["links"])
    _send(
        client,
        spec,
        "PATCH",
        f"/case/DEMO/{case_id}",
        {"title": "C2", "tags": [], "custom_field": {"1": ""}},
    )
    _send(client, spec, "PATCH", f"/suite/DEMO/{suite}", {"parent_id": None})
    _send(
        client,
        spec,
        "PATCH",
        f"/shared_step/DEMO/{shared_hash}",
        {"title": "S2", "steps": [{"action": "B"}]},
    )
    _send(client, spec, "DELETE", f"/shared_step/DEMO/{shared_hash}")
    _send(client, spec, "DELETE", f"/case/DEMO/{case_id}")
    _send(
        client,
        spec,
        "DELETE",
        f"/suite/DEMO/{suite}",
        {"destination_id": made["parent"]},
    )
    _send(client, spec, "DELETE", f"/suite/DEMO/{made['parent']}")


def test_the_teardown_check_catches_a_response_outside_the_spec(
    openapi_spec: dict[str, Any],
) -> None:
    with pytest.raises(AssertionError, match="title"):
        check_response(
            openapi_spec, "GET", "/suite/DEMO/1", 200, {"status": True, "result": {"title": 1}}
        )
