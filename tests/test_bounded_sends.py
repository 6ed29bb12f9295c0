"""One request is sent at most `SEND_ATTEMPTS` times across every retry layer (the client's
retries, apply's read-back loop), and at most `RATE_LIMITED_ATTEMPTS` times while answered
429: counted at the transport through a whole apply against the in-process emulator, the
service answering every send of one request with a failure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from kit.apply import PROJECT, in_process_remote, plan_of, shop_emulator, write_tree

from qasesync.apply.applier import ApplyFailed, apply
from qasesync.emulator import Emulator
from qasesync.qase.ratelimit import RATE_LIMITED_ATTEMPTS, SEND_ATTEMPTS
from qasesync.qase.remote import Remote

Match = Callable[[httpx.Request], bool]


@dataclass
class Refusing(httpx.BaseTransport):
    """Once ``armed``, answers every request that ``match`` accepts with ``answer``
    instead of forwarding it; records each request handed to it (``METHOD /path``)."""

    inner: httpx.BaseTransport
    match: Match = lambda request: False
    answer: httpx.Response = field(default_factory=lambda: httpx.Response(200))
    armed: bool = False
    sent: list[str] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.armed:
            return self.inner.handle_request(request)
        self.sent.append(f"{request.method} {request.url.path}")
        if self.match(request):
            return httpx.Response(
                self.answer.status_code, headers=self.answer.headers, content=self.answer.content
            )
        return self.inner.handle_request(request)


def unavailable() -> httpx.Response:
    return httpx.Response(503, json={"status": False, "errorMessage": "Service Unavailable."})


def rate_limited() -> httpx.Response:
    body = {"status": False, "errorMessage": "Too Many Attempts."}
    return httpx.Response(429, json=body, headers={"Retry-After": "1"})


def request(method: str, path: str) -> Match:
    """Requests of ``method`` whose path (after ``/v1``) starts with ``path``."""
    return lambda r: r.method == method and r.url.path.startswith(f"/v1{path}")


def refusing_remote(emu: Emulator, spec_checked: Any) -> tuple[Remote, Refusing]:
    transports: list[Refusing] = []

    def wrap(inner: httpx.BaseTransport) -> httpx.BaseTransport:
        transports.append(Refusing(spec_checked(inner)))
        return transports[0]

    remote = in_process_remote(emu, wrap)
    return remote, transports[0]


def failed_apply(
    root: Path, emu: Emulator, spec_checked: Any, match: Match, answer: Any
) -> list[str]:
    """Plan the tree at ``root``, then apply it while the requests ``match`` accepts are
    answered ``answer()``: the apply fails; the requests it sent."""
    remote, transport = refusing_remote(emu, spec_checked)
    _, live, plan = plan_of(root, remote)
    transport.match, transport.answer, transport.armed = match, answer(), True
    with pytest.raises(ApplyFailed):
        apply(plan, remote, live=live.tree)
    return transport.sent


def live_case(emu: Emulator) -> tuple[int, int]:
    suite = emu.store.create_suite(PROJECT, {"title": "s"})
    return suite, emu.store.create_case(PROJECT, {"title": "Login works", "suite_id": suite})


def update_tree(root: Path, emu: Emulator) -> Path:
    """A tree that changes the priority of one live case: one PATCH."""
    suite, case = live_case(emu)
    return write_tree(
        root,
        {
            "qasesync.yaml": f"project: {PROJECT}\n",
            "s/suite.yaml": f"id: {suite}\ntitle: s\n",
            "s/cases.yaml": f"cases:\n  - id: {case}\n    title: Login works\n    priority: high\n",
        },
    )


def new_suite_tree(root: Path) -> Path:
    """A tree that creates one suite (with a case, which is never reached)."""
    files = {"qasesync.yaml": f"project: {PROJECT}\n", "s/cases.yaml": "cases:\n  - title: A\n"}
    return write_tree(root, files)


# --- idempotent requests: the client's attempts, and no more ------------------------------


def test_a_patch_answered_503_every_time_is_sent_send_attempts_times(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    root = update_tree(tmp_path / "t", emu)
    sent = failed_apply(root, emu, spec_checked, request("PATCH", "/case/"), unavailable)
    assert sent == [f"PATCH /v1/case/{PROJECT}/1"] * SEND_ATTEMPTS


def test_a_delete_answered_503_every_time_is_sent_send_attempts_times(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    suite, _ = live_case(emu)
    files = {
        "qasesync.yaml": f"project: {PROJECT}\nprune: delete\n",
        "s/suite.yaml": f"id: {suite}\ntitle: s\n",
    }
    root = write_tree(tmp_path / "t", files)
    sent = failed_apply(root, emu, spec_checked, request("DELETE", "/case/"), unavailable)
    assert sent == [f"DELETE /v1/case/{PROJECT}/1"] * SEND_ATTEMPTS


def test_an_issue_attach_answered_503_every_time_is_sent_send_attempts_times(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    suite, case = live_case(emu)
    cases = f"cases:\n  - id: {case}\n    title: Login works\n    external_issues: [ENG-1]\n"
    files = {
        "qasesync.yaml": f"project: {PROJECT}\n",
        "s/suite.yaml": f"id: {suite}\ntitle: s\n",
        "s/cases.yaml": cases,
    }
    root = write_tree(tmp_path / "t", files)
    attach = request("POST", f"/case/{PROJECT}/external-issue/attach")
    sent = failed_apply(root, emu, spec_checked, attach, unavailable)
    assert sent == [f"POST /v1/case/{PROJECT}/external-issue/attach"] * SEND_ATTEMPTS


def test_a_page_read_back_answered_503_every_time_is_sent_send_attempts_times(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    root = new_suite_tree(tmp_path / "t")
    suites = f"/suite/{PROJECT}"
    sent = failed_apply(
        root, emu, spec_checked, lambda r: r.url.path == f"/v1{suites}", unavailable
    )
    # the create's answer is lost; the page that reads it back never comes
    assert sent == [f"POST /v1{suites}"] + [f"GET /v1{suites}"] * SEND_ATTEMPTS


def test_a_patch_answered_429_every_time_is_sent_rate_limited_attempts_times(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    root = update_tree(tmp_path / "t", emu)
    sent = failed_apply(root, emu, spec_checked, request("PATCH", "/case/"), rate_limited)
    assert sent == [f"PATCH /v1/case/{PROJECT}/1"] * RATE_LIMITED_ATTEMPTS


# --- creates: sent once each time, read back in between ------------------------------------


def test_a_suite_create_answered_503_every_time_is_sent_send_attempts_times(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    root = new_suite_tree(tmp_path / "t")
    post = request("POST", f"/suite/{PROJECT}")
    sent = failed_apply(root, emu, spec_checked, post, unavailable)
    create, read_back = f"POST /v1/suite/{PROJECT}", f"GET /v1/suite/{PROJECT}"
    assert sent == [create, read_back] * (SEND_ATTEMPTS - 1) + [create]


def test_a_bulk_create_answered_503_every_time_is_sent_send_attempts_times(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    suite, _ = live_case(emu)
    files = {
        "qasesync.yaml": f"project: {PROJECT}\n",
        "s/suite.yaml": f"id: {suite}\ntitle: s\n",
        "s/cases.yaml": "cases:\n  - title: Login works\n  - title: Logout works\n",
    }
    root = write_tree(tmp_path / "t", files)
    bulk = request("POST", f"/case/{PROJECT}/bulk")
    sent = failed_apply(root, emu, spec_checked, bulk, unavailable)
    create, read_back = f"POST /v1/case/{PROJECT}/bulk", f"GET /v1/case/{PROJECT}"
    assert sent == [create, read_back] * (SEND_ATTEMPTS - 1) + [create]


def test_a_create_answered_429_every_time_is_not_read_back_nor_sent_again(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    root = new_suite_tree(tmp_path / "t")
    post = request("POST", f"/suite/{PROJECT}")
    sent = failed_apply(root, emu, spec_checked, post, rate_limited)
    assert sent == [f"POST /v1/suite/{PROJECT}"] * RATE_LIMITED_ATTEMPTS
