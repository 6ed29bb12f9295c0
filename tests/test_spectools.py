"""The spec helpers catch what they must and accept what they must."""

from __future__ import annotations

from typing import Any

import pytest
from kit.spec import check_request, check_response, match_template


def test_match_template_prefers_literal_segments(openapi_spec: dict[str, Any]) -> None:
    assert match_template(openapi_spec, "/v1/case/DEMO/bulk") == "/case/{code}/bulk"
    assert match_template(openapi_spec, "/case/DEMO/12") == "/case/{code}/{id}"
    full = "http://127.0.0.1:8787/v1/case/DEMO?limit=100"
    assert match_template(openapi_spec, full) == "/case/{code}"


def test_check_response_accepts_a_fitting_body(openapi_spec: dict[str, Any]) -> None:
    body = {"status": True, "result": {"id": 1, "title": "x", "milestone_id": None}}
    check_response(openapi_spec, "GET", "/v1/case/DEMO/1", 200, body)


def test_check_response_rejects_null_where_not_nullable(openapi_spec: dict[str, Any]) -> None:
    with pytest.raises(AssertionError, match="result/title: None for not nullable"):
        check_response(
            openapi_spec, "GET", "/case/DEMO/1", 200, {"status": True, "result": {"title": None}}
        )


def test_check_request_rejects_a_wrong_type(openapi_spec: dict[str, Any]) -> None:
    with pytest.raises(AssertionError, match="cases/0/title"):
        check_request(openapi_spec, "POST", "/case/DEMO/bulk", {"cases": [{"title": 5}]})


def test_check_request_requires_a_required_body(openapi_spec: dict[str, Any]) -> None:
    with pytest.raises(AssertionError, match="requires a request body"):
        check_request(openapi_spec, "POST", "/case/DEMO", None)
