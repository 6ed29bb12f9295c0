"""Qase's own Python SDK (qase-api-client) reads the emulator's answers: list, create and
get of suites, cases and shared steps, over a real socket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from qasesync.emulator import Emulator, serve

sdk = pytest.importorskip(
    "qase.api_client_v1", reason="qase-api-client (a test extra) is not installed"
)


@pytest.fixture
def client(emu: Emulator) -> Iterator[Any]:
    with serve(emu) as server:
        configuration = sdk.Configuration(host=server.url, api_key={"TokenAuth": "T"})
        api_client = sdk.ApiClient(configuration)
        yield api_client
        api_client.rest_client.pool_manager.clear()


def test_sdk_creates_lists_and_gets_suites(client: Any) -> None:
    suites = sdk.SuitesApi(client)
    created = suites.create_suite("DEMO", sdk.SuiteCreate(title="Auth", description="Signing in"))
    child = suites.create_suite("DEMO", sdk.SuiteCreate(title="SSO", parent_id=created.result.id))
    listed = suites.get_suites("DEMO", limit=100)
    assert [(s.title, s.parent_id) for s in listed.result.entities] == [
        ("Auth", None),
        ("SSO", created.result.id),
    ]
    got = suites.get_suite("DEMO", child.result.id)
    assert (got.result.title, got.result.parent_id) == ("SSO", created.result.id)


def test_sdk_creates_lists_and_gets_shared_steps(client: Any) -> None:
    shared = sdk.SharedStepsApi(client)
    step = sdk.SharedStepContentCreate(action="Open /login", expected_result="Form shown")
    created = shared.create_shared_step("DEMO", sdk.SharedStepCreate(title="Sign in", steps=[step]))
    listed = shared.get_shared_steps("DEMO", limit=10)
    assert [s.hash for s in listed.result.entities] == [created.result.hash]
    got = shared.get_shared_step("DEMO", created.result.hash)
    assert (got.result.title, got.result.steps[0].action) == ("Sign in", "Open /login")


def test_sdk_creates_lists_and_gets_cases(client: Any, emu: Emulator) -> None:
    shared_hash = emu.store.create_shared_step(
        "DEMO", {"title": "S", "steps": [{"action": "Shared"}]}
    )
    cases = sdk.CasesApi(client)
    payload = sdk.TestCaseCreate(
        title="Login",
        severity=3,
        tags=["auth"],
        is_manual=True,
        steps=[
            sdk.TestStepCreate(action="Open", expected_result="Shown"),
            sdk.TestStepCreate(shared=shared_hash),
        ],
    )
    created = cases.create_case("DEMO", payload)
    listed = cases.get_cases("DEMO", limit=100, status="actual")
    assert [c.id for c in listed.result.entities] == [created.result.id]
    got = cases.get_case("DEMO", created.result.id).result
    assert (got.title, got.severity, got.is_manual) == ("Login", 3, True)
    assert [t.title for t in got.tags] == ["auth"]
    assert [(s.action, s.shared_step_hash) for s in got.steps] == [
        ("Open", None),
        ("Shared", shared_hash),
    ]
