"""Reads that tolerate the live API's other shapes: a deployment that refuses
``include=external_issues`` (the emulator's ``--no-include``), and cases in the trash bin."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kit.apply import PROJECT, TOKEN, on_socket, run_cli, shop_emulator, write_tree

from qasesync.emulator import Emulator
from qasesync.errors import ApiError, NotFoundError
from qasesync.qase.client import QaseClient
from qasesync.qase.remote import Remote, include_refused, trashed

REFUSED = (
    "external issues not read: this Qase deployment refused include=external_issues "
    f"(GET /case/{PROJECT} → 400: Invalid include value); this run leaves every case's "
    "external issues as they are"
)


def remote_of(app: Any) -> Iterator[Remote]:
    transport = httpx.WSGITransport(app=app)
    with QaseClient(token=TOKEN, base_url="http://127.0.0.1/v1", transport=transport) as client:
        yield Remote(client, PROJECT)


def case_reads(emu: Emulator) -> list[dict[str, str]]:
    return [r.query for r in emu.log if r.method == "GET" and r.path == f"/v1/case/{PROJECT}"]


# --- include=external_issues refused -----------------------------------------------------


def test_a_refused_include_is_retried_once_without_it_and_said_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu = shop_emulator(no_include=True)
    case_id = emu.store.create_case(PROJECT, {"title": "Login"})
    emu.store.attach_external_issues(
        PROJECT, {"type": "jira-cloud", "links": [{"case_id": case_id, "external_issues": ["A-1"]}]}
    )
    for remote in remote_of(emu.app):
        live = remote.read()
        remote.read_cases(suite_id=1)  # a later read asks no more
    assert [c.title for c in live.tree.cases] == ["Login"]
    assert live.tree.cases[0].external_issues == ()
    assert live.unread == frozenset({"external_issues"})
    reads = case_reads(emu)
    assert ["include" in q for q in reads] == [True, False, False]
    assert [r.status for r in emu.log if r.path == f"/v1/case/{PROJECT}"] == [400, 200, 200]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [REFUSED]


def test_a_deployment_that_includes_them_is_asked_once() -> None:
    emu = shop_emulator()
    emu.store.create_case(PROJECT, {"title": "Login"})
    for remote in remote_of(emu.app):
        assert remote.read().unread == frozenset()
    assert [q.get("include") for q in case_reads(emu)] == ["external_issues"]


@pytest.mark.parametrize(
    ("error", "refused"),
    [
        (ApiError("Invalid include value", status=400), True),
        (ApiError("Unprocessable", status=422), True),
        (ApiError("Internal server error.", status=500), False),
        (NotFoundError("Project not found", status=404), False),
        (ApiError("the list kept changing", method="GET"), False),
    ],
)
def test_only_a_plain_400_or_422_counts_as_the_include_refusal(
    error: ApiError, refused: bool
) -> None:
    assert include_refused(error) is refused


def test_a_read_refused_for_another_reason_fails_with_that_reason() -> None:
    emu = shop_emulator()

    def limit_refused(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["PATH_INFO"] == f"/v1/case/{PROJECT}":
            body = json.dumps({"status": False, "errorMessage": "Data is invalid."}).encode()
            start_response("400 Bad Request", [("Content-Type", "application/json")])
            return [body]
        return emu.app(environ, start_response)

    for remote in remote_of(limit_refused):
        with pytest.raises(ApiError) as caught:
            remote.read()
    assert str(caught.value) == f"GET /case/{PROJECT} → 400: Data is invalid."
    assert remote.external_issues_read is False  # asked twice: with, then without


# --- the lifecycle under --no-include ---------------------------------------------------


@pytest.fixture
def old_deployment(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator(no_include=True))


ISSUE_TREE = {
    "qasesync.yaml": f"project: {PROJECT}\n",
    "auth/cases.yaml": (
        "cases:\n"
        "  - title: Login works\n"
        "    priority: high\n"
        "    external_issues: [AUTH-1]\n"
        "  - title: Logout works\n"
    ),
}


def test_the_lifecycle_on_a_deployment_that_refuses_include(
    old_deployment: Emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tree = write_tree(tmp_path / "cases", ISSUE_TREE)
    code, text = run_cli("apply", str(tree), "--yes")
    assert code == 0, text
    assert REFUSED in caplog.messages
    # unmanaged for the run: not attached on create either
    live = old_deployment.store.cases(PROJECT, include_external=True)
    assert [(c["title"], c["external_issues"]) for c in live] == [
        ("Login works", []),
        ("Logout works", []),
    ]
    assert not [r for r in old_deployment.log if "external-issue" in r.path]
    assert run_cli("plan", str(tree), "--detailed-exitcode")[0] == 0
    # an edit of the issue keys is no change this run; the title is
    text = (tree / "auth/cases.yaml").read_text()
    text = text.replace("[AUTH-1]", "[AUTH-2]").replace("Logout works", "Logout ends it")
    (tree / "auth/cases.yaml").write_text(text)
    code, text = run_cli("plan", str(tree), "--format", "json", "--detailed-exitcode")
    plan = json.loads(text)
    assert code == 2
    assert plan["summary"] == {"create": 0, "update": 1, "deprecate": 0, "delete": 0}
    assert "external_issues" in plan["ignore_fields"]
    assert run_cli("apply", str(tree), "--yes")[0] == 0
    caplog.clear()
    assert run_cli("plan", str(tree), "--detailed-exitcode")[0] == 0
    assert caplog.messages.count(REFUSED) == 1
    assert all("include" not in r.query or r.status == 400 for r in old_deployment.log)


# --- trashed cases -----------------------------------------------------------------------


def test_a_trashed_case_is_no_live_case() -> None:
    assert trashed({"id": 1, "deleted": "2026-11-30T10:00:00.000000Z"})
    assert trashed({"id": 1, "is_deleted": True})
    assert not trashed({"id": 1, "deleted": None})
    assert not trashed({"id": 1, "deleted": "", "is_deleted": False})
    assert not trashed({"id": 1})
    assert not trashed(None)


def test_trashed_cases_in_a_list_are_left_out_of_every_read() -> None:
    emu = shop_emulator()
    ids = [emu.store.create_case(PROJECT, {"title": f"case {n}"}) for n in range(3)]

    def with_trash(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        answer = b"".join(emu.app(environ, start_response))
        if environ["PATH_INFO"] != f"/v1/case/{PROJECT}":
            return [answer]
        data = json.loads(answer)
        for entity in data["result"]["entities"]:  # the list holds trashed ones, marked
            if entity["id"] == ids[1]:
                entity["deleted"] = "2026-11-30T10:00:00.000000Z"
            if entity["id"] == ids[2]:
                entity["is_deleted"] = True
        return [json.dumps(data).encode()]

    for remote in remote_of(with_trash):
        assert [c.title for c in remote.read().tree.cases] == ["case 0"]
        assert [c.title for c in remote.read_cases(suite_id=None)] == ["case 0"]


def test_the_emulator_lists_trashed_cases_after_the_live_ones_when_asked() -> None:
    emu = shop_emulator(list_trashed=True)
    suite = emu.store.create_suite(PROJECT, {"title": "S"})
    ids = [emu.store.create_case(PROJECT, {"title": f"c{n}", "suite_id": suite}) for n in range(3)]
    transport = httpx.WSGITransport(app=emu.app)
    with httpx.Client(transport=transport, base_url="http://e/v1", headers={"Token": TOKEN}) as api:
        assert api.delete(f"/case/{PROJECT}/{ids[1]}").status_code == 200
        assert api.get(f"/case/{PROJECT}/{ids[1]}").status_code == 404
        first = api.get(f"/case/{PROJECT}", params={"limit": 2}).json()["result"]
        second = api.get(f"/case/{PROJECT}", params={"limit": 2, "offset": 2}).json()["result"]
        other = api.get(f"/case/{PROJECT}", params={"suite_id": suite + 1}).json()["result"]
        issues = api.get(f"/case/{PROJECT}", params={"include": "external_issues"}).json()
        assert api.delete(f"/case/{PROJECT}/999").status_code == 404  # nothing trashed
    assert [e["id"] for e in first["entities"]] == [ids[0], ids[2]]
    assert (first["total"], first["filtered"], first["count"]) == (3, 3, 2)
    [gone] = second["entities"]
    assert (gone["id"], gone["deleted"][:2]) == (ids[1], "20")
    assert (other["filtered"], other["entities"]) == (0, [])
    assert issues["result"]["entities"][-1]["external_issues"] == []


@pytest.fixture
def trash_listed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator(list_trashed=True))


def test_the_lifecycle_on_a_service_that_lists_its_trash(
    trash_listed: Emulator, tmp_path: Path
) -> None:
    files = {**ISSUE_TREE, "qasesync.yaml": f"project: {PROJECT}\nprune: delete\n"}
    tree = write_tree(tmp_path / "cases", files)
    assert run_cli("apply", str(tree), "--yes")[0] == 0
    cases = tree / "auth/cases.yaml"
    kept = cases.read_text()
    cases.write_text(kept.split("  - id: ")[0] + "  - id: " + kept.split("  - id: ")[1])
    code, text = run_cli("apply", str(tree), "--yes", "--allow-destroy")
    assert code == 0, text
    assert "1 deleted" in text
    listed = trash_listed.store  # the deleted case is still listed, marked deleted
    assert len(listed.cases(PROJECT)) == 1
    assert run_cli("plan", str(tree), "--detailed-exitcode") == (
        0,
        f"No changes. Project {PROJECT} matches the tree.\n\n"
        "Plan: 0 to create, 0 to update, 0 to deprecate, 0 to delete.\n"
        "Apply will make no API requests.\n",
    )
    cases.write_text(cases.read_text() + "  - title: Logout works\n")  # back again
    code, text = run_cli("plan", str(tree), "--format", "json")
    assert json.loads(text)["summary"]["create"] == 1  # created anew, not the trashed one
