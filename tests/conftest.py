"""Fixtures shared by the whole suite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SPEC_PATH = REPO.parent / "shared" / "qase-openapi" / "qase-api-v1.json"


@pytest.fixture(scope="session")
def openapi_spec() -> dict[str, Any]:
    """The official Qase OpenAPI spec, where the checkout has it beside it."""
    if not SPEC_PATH.is_file():
        pytest.skip(f"the Qase OpenAPI spec is not at {SPEC_PATH}")
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


@pytest.fixture
def spec_checked(request: pytest.FixtureRequest) -> Any:
    """``spec_checked(transport)``: the same httpx transport, but every request body is
    first checked against the spec's request schema (no check where the spec is absent).
    Wrap the transport of any QaseClient a test builds with it."""
    from test_client_kit import CheckingTransport, spec_or_none

    spec = spec_or_none(request)
    return lambda inner: CheckingTransport(inner, spec)
