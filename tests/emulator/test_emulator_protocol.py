"""Auth, envelopes, paging limits, headers and 404 bodies, as the live API has them."""

from __future__ import annotations

import httpx
import pytest

from qasesync.emulator import Emulator

UNAUTHENTICATED = {"status": False, "errorMessage": "Unauthenticated."}


@pytest.mark.parametrize("headers", [{}, {"Token": "wrong"}])
def test_a_missing_or_wrong_token_is_401_unauthenticated(
    emu: Emulator, headers: dict[str, str]
) -> None:
    with httpx.Client(transport=httpx.WSGITransport(app=emu.app), base_url="http://e/v1") as client:
        response = client.get("/case/DEMO", headers=headers)
    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)


def test_list_limit_defaults_to_10(emu: Emulator, api: httpx.Client) -> None:
    emu.store.create_cases("DEMO", [{"title": f"c{i}"} for i in range(12)])
    result = api.get("/case/DEMO").json()["result"]
    assert (result["total"], result["filtered"], result["count"]) == (12, 12, 10)


@pytest.mark.parametrize(
    ("query", "field", "error"),
    [
        ({"limit": "101"}, "limit", "The limit must not be greater than 100."),
        ({"limit": "0"}, "limit", "The limit must be at least 1."),
        ({"limit": "ten"}, "limit", "The limit must be an integer."),
        ({"offset": "100001"}, "offset", "The offset must not be greater than 100000."),
        ({"offset": "-1"}, "offset", "The offset must be at least 0."),
    ],
)
def test_paging_out_of_bounds_is_400_with_error_fields(
    api: httpx.Client, query: dict[str, str], field: str, error: str
) -> None:
    for path in ("/case/DEMO", "/suite/DEMO", "/shared_step/DEMO", "/custom_field", "/project"):
        response = api.get(path, params=query)
        assert response.status_code == 400
        assert response.json() == {
            "status": False,
            "errorMessage": "Data is invalid.",
            "errorFields": [{"field": field, "error": error}],
        }


def test_paging_accepts_the_bounds(emu: Emulator, api: httpx.Client) -> None:
    emu.store.create_cases("DEMO", [{"title": f"c{i}"} for i in range(101)])
    assert api.get("/case/DEMO", params={"limit": 100}).json()["result"]["count"] == 100
    last = api.get("/case/DEMO", params={"limit": 1, "offset": 100000}).json()["result"]
    assert (last["count"], last["filtered"]) == (0, 101)


def test_offset_pages_through_ascending_ids(emu: Emulator, api: httpx.Client) -> None:
    emu.store.create_cases("DEMO", [{"title": f"c{i}"} for i in range(25)])
    ids = [
        case["id"]
        for offset in (0, 10, 20)
        for case in api.get("/case/DEMO", params={"offset": offset}).json()["result"]["entities"]
    ]
    assert ids == list(range(1, 26))


def test_rate_limit_headers_are_on_every_response(emu: Emulator, api: httpx.Client) -> None:
    responses = [
        api.get("/project/DEMO"),
        api.get("/case/DEMO/99"),
        api.post("/case/DEMO", json={}),
        api.get("/case/DEMO", headers={"Token": "bad"}),
    ]
    assert [r.status_code for r in responses] == [200, 404, 400, 401]
    assert [r.headers["X-RateLimit-Limit"] for r in responses] == ["1500"] * 4
    assert [int(r.headers["X-RateLimit-Remaining"]) for r in responses] == [1499, 1498, 1497, 1496]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/case/DEMO/7", "Test case not found"),
        ("/suite/DEMO/7", "Suite not found"),
        ("/shared_step/DEMO/0223905c291bada23e6049d415385982af92d758", "Shared step not found"),
        ("/project/NOPE", "Project not found"),
        ("/case/NOPE", "Project not found"),
    ],
)
def test_404_bodies(api: httpx.Client, path: str, message: str) -> None:
    response = api.get(path)
    assert (response.status_code, response.json()) == (
        404,
        {"status": False, "errorMessage": message},
    )


def test_an_unknown_method_on_a_known_path_is_405(api: httpx.Client) -> None:
    assert api.put("/case/DEMO/1", json={}).status_code == 405


def test_invalid_json_is_400(api: httpx.Client) -> None:
    response = api.post(
        "/case/DEMO", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()["errorMessage"]) == (400, "Data is invalid.")


def test_project_has_counts(emu: Emulator, api: httpx.Client) -> None:
    suite = emu.store.create_suite("DEMO", {"title": "S"})
    emu.store.create_cases("DEMO", [{"title": "a", "suite_id": suite}, {"title": "b"}])
    result = api.get("/project/DEMO").json()["result"]
    assert result["code"] == "DEMO"
    assert (result["counts"]["cases"], result["counts"]["suites"]) == (2, 1)


def test_request_log_records_each_request(emu: Emulator, api: httpx.Client) -> None:
    api.post("/suite/DEMO", json={"title": "S"})
    api.get("/suite/DEMO", params={"limit": "5"})
    records = [(r.method, r.path, r.query, r.body, r.status, r.fault) for r in emu.log]
    assert records == [
        ("POST", "/v1/suite/DEMO", {}, {"title": "S"}, 200, None),
        ("GET", "/v1/suite/DEMO", {"limit": "5"}, None, 200, None),
    ]


def test_the_log_keeps_a_body_that_is_not_json_as_text(emu: Emulator, api: httpx.Client) -> None:
    api.post("/suite/DEMO", content=b"title=S", headers={"Content-Type": "text/plain"})
    assert (emu.log[-1].body, emu.log[-1].status) == ("title=S", 400)


def test_a_log_limit_keeps_the_latest_records() -> None:
    emu = Emulator(token="T", log_limit=2)
    with httpx.Client(
        transport=httpx.WSGITransport(app=emu.app), base_url="http://e/v1", headers={"Token": "T"}
    ) as client:
        for suite in ("a", "b", "c"):
            client.post("/suite/DEMO", json={"title": suite})
    assert [r.body["title"] for r in emu.log] == ["b", "c"]
