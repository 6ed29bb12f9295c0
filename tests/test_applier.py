"""The applier against the in-process emulator: faults in one run, lost and failed bulk
writes reconciled, a refused batch split to its bad case, write-back after each batch,
a shared step answered with a new hash. Every request body is checked against the spec."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from kit.apply import (
    PROJECT,
    duplicate_titles,
    generated_tree,
    in_process_remote,
    plan_of,
    shop_emulator,
    write_tree,
    writes,
)
from kit.client import FakeTime

from qasesync.apply.applier import ApplyFailed, ApplyReport, YamlSink, apply, check_fresh
from qasesync.apply.reconcile import SETTLE_SECONDS
from qasesync.emulator import Emulator, Faults
from qasesync.errors import SafetyError
from qasesync.plans.plan import Plan
from qasesync.qase.remote import Remote
from qasesync.tree.load import load_tree

Handler = Callable[[httpx.Request, Callable[[httpx.Request], httpx.Response]], httpx.Response]


@dataclass
class Intercept(httpx.BaseTransport):
    """Hands each request to ``handler(request, forward)``; ``forward`` sends it on."""

    inner: httpx.BaseTransport
    handler: Handler
    seen: list[str] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        return self.handler(request, self.inner.handle_request)


def once(match: Callable[[httpx.Request], bool], act: Handler) -> Handler:
    """A handler that does ``act`` to the first request ``match`` accepts, then forwards."""
    done: list[bool] = []

    def handler(
        request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]
    ) -> httpx.Response:
        if not done and match(request):
            done.append(True)
            return act(request, forward)
        return forward(request)

    return handler


def is_bulk(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path.endswith("/bulk")


def drop_after_processing(
    request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]
) -> httpx.Response:
    forward(request)
    raise httpx.RemoteProtocolError("Server disconnected without sending a response.")


def answer_503(
    request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]
) -> httpx.Response:
    return httpx.Response(503, json={"status": False, "errorMessage": "Service Unavailable."})


def remote_with(emu: Emulator, spec_checked: Any, handler: Handler | None = None) -> Remote:
    def wrap(inner: httpx.BaseTransport) -> httpx.BaseTransport:
        checked = spec_checked(inner)
        return Intercept(checked, handler) if handler is not None else checked

    return in_process_remote(emu, wrap)


def apply_writing_back(root: Path, remote: Remote, **options: Any) -> ApplyReport:
    """Plan the tree at ``root`` against ``remote`` and apply it, ids written back."""
    digests: dict[str, str] = {}
    load_tree(root, digests=digests)
    _, live, plan = plan_of(root, remote)
    return apply(plan, remote, live=live.tree, on_written=YamlSink(root, digests), **options)


def ids_in_yaml(root: Path) -> list[int]:
    return sorted(c.id for c in load_tree(root).cases if c.id is not None)


def live_ids(emu: Emulator) -> list[int]:
    return sorted(c["id"] for c in emu.store.cases(PROJECT))


# --- the must-show fault test ------------------------------------------------------------


def test_300_cases_under_429s_503s_and_dropped_writes_apply_in_one_run(
    tmp_path: Path, spec_checked: Any
) -> None:
    faults = Faults(rate_429=0.2, rate_5xx=0.05, rate_drop=0.03, retry_after=0.01)
    # a seed whose faults hit bulk creates (should the sequence of requests change, pick
    # another: the point is that they do)
    emu = shop_emulator(faults=faults, seed=29)
    root = generated_tree(tmp_path / "t", suites=6, per_suite=50)
    # one worker: the same requests meet the same faults on every run
    remote = in_process_remote(emu, spec_checked, max_workers=1)
    report = apply_writing_back(root, remote, batch_size=25)
    assert report.counts()["create"] == 307 and report.failures == []
    assert duplicate_titles(emu) == [] and len(emu.store.cases(PROJECT)) == 300
    faulted = {(r.fault, r.path) for r in emu.log if r.method == "POST"}
    assert {("drop", "/v1/case/SHOP/bulk"), ("5xx", "/v1/case/SHOP/bulk")} <= faulted
    assert any(r.fault == "429" for r in emu.log)
    assert report.adopted == 25  # the dropped batch, found live whole and not resent
    assert plan_of(root, remote)[2].changes == ()  # still under faults
    assert ids_in_yaml(root) == live_ids(emu)


# --- lost and failed bulk writes ---------------------------------------------------------


def test_a_dropped_bulk_is_reconciled_as_a_whole_without_resending(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    root = generated_tree(tmp_path / "t", suites=2, per_suite=10)
    remote = remote_with(emu, spec_checked, once(is_bulk, drop_after_processing))
    _, live, plan = plan_of(root, remote)
    report = apply(plan, remote, live=live.tree, batch_size=100)
    assert len(writes(emu, "POST", "/bulk")) == 1  # never sent again
    assert report.adopted == 20 and duplicate_titles(emu) == []
    assert [a.value for a in report.assignments if a.key == "id"][-20:] == live_ids(emu)


def test_a_dropped_bulk_is_reconciled_where_suite_id_also_lists_child_suites(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator(suite_filter="descendants")
    root = generated_tree(tmp_path / "t", suites=3, per_suite=10)  # s0 ⊃ s1 ⊃ s2
    remote = remote_with(emu, spec_checked, once(is_bulk, drop_after_processing))
    _, live, plan = plan_of(root, remote)
    report = apply(plan, remote, live=live.tree, batch_size=100)
    assert len(writes(emu, "POST", "/bulk")) == 1
    assert report.adopted == 29 and duplicate_titles(emu) == []  # case 25 is posted alone
    assert [a.value for a in report.assignments if a.key == "id"][-30:] == live_ids(emu)
    assert plan_of(root, remote)[2].changes == ()


def test_a_bulk_answered_503_is_read_back_then_sent_once_more(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    root = generated_tree(tmp_path / "t", suites=1, per_suite=12)
    intercept: list[Intercept] = []

    def wrap(inner: httpx.BaseTransport) -> httpx.BaseTransport:
        intercept.append(Intercept(spec_checked(inner), once(is_bulk, answer_503)))
        return intercept[0]

    remote = in_process_remote(emu, wrap)
    _, live, plan = plan_of(root, remote)
    start = len(intercept[0].seen)
    report = apply(plan, remote, live=live.tree)
    sent = intercept[0].seen[start:]
    bulk = f"POST /v1/case/{PROJECT}/bulk"
    assert sent.count(bulk) == 2 and sent.index(bulk) < sent.index(f"GET /v1/case/{PROJECT}")
    assert report.adopted == 0 and len(emu.store.cases(PROJECT)) == 12


def test_batches_hold_at_most_batch_size_and_automated_cases_go_alone(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    root = generated_tree(tmp_path / "t", suites=3, per_suite=25)  # cases 25, 50, 75 automated
    remote = remote_with(emu, spec_checked)
    _, live, plan = plan_of(root, remote)
    apply(plan, remote, live=live.tree, batch_size=20)
    assert [len(r.body["cases"]) for r in writes(emu, "POST", "/bulk")] == [20, 20, 20, 12]
    # Sent concurrently: which cases go alone matters, not the order they arrive in.
    singles = sorted(r.body["title"] for r in writes(emu, "POST", f"/case/{PROJECT}"))
    assert singles == ["Case number 25", "Case number 50", "Case number 75"]


def test_ids_are_written_back_as_each_batch_succeeds(tmp_path: Path, spec_checked: Any) -> None:
    emu = shop_emulator()
    root = generated_tree(tmp_path / "t", suites=1, per_suite=24)
    remote = remote_with(emu, spec_checked)
    digests: dict[str, str] = {}
    load_tree(root, digests=digests)
    _, live, plan = plan_of(root, remote)
    sink = YamlSink(root, digests)
    seen: list[tuple[int, int]] = []

    def on_written(assignments: Any) -> None:
        sink(assignments)
        seen.append((len(writes(emu, "POST")), len(ids_in_yaml(root))))

    apply(plan, remote, live=live.tree, on_written=on_written, batch_size=10)
    # (POSTs so far, case ids in the YAML) at each write-back: the suite, the shared
    # step, then each batch of cases, each written back before the next POST
    assert seen == [(1, 0), (2, 0), (3, 10), (4, 20), (5, 24)]


# --- a refused batch -----------------------------------------------------------------------

REFUSED_TREE = {
    "qasesync.yaml": f"project: {PROJECT}\n",
    "s/cases.yaml": "cases:\n"
    + "".join(f"  - title: Case {n}\n" for n in range(1, 7))
    + "  - title: Bad estimate\n    custom_fields:\n      Estimate: lots\n"
    + "".join(f"  - title: Case {n}\n" for n in range(8, 11)),
}


def test_a_refused_batch_is_split_until_the_bad_case_is_named(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    doomed = emu.store.create_case(
        PROJECT, {"title": "Kept: nothing is deprecated after a failure"}
    )
    root = write_tree(tmp_path / "t", REFUSED_TREE)
    remote = remote_with(emu, spec_checked)
    _, live, plan = plan_of(root, remote)
    with pytest.raises(ApplyFailed) as failed:
        apply(plan, remote, live=live.tree, batch_size=8)
    report = failed.value.report
    assert report.failures == [
        "s/cases.yaml:8:5: create case 'Bad estimate': POST /case/SHOP/bulk → 400: refused by "
        "Qase: Data is invalid.\n  custom_field.3: The selected cases.0.custom field.3 is invalid."
    ]
    titles = sorted(c["title"] for c in emu.store.cases(PROJECT))
    assert titles == sorted(
        [f"Case {n}" for n in (1, 2, 3, 4, 5, 6, 8, 9, 10)]
        + ["Kept: nothing is deprecated after a failure"]
    )
    # 8 refused → 4 created + 4 refused → 2 created + 2 refused → the bad one alone, and
    # case 8 alone; then the second batch of 2
    bulk_sizes = [len(r.body["cases"]) for r in emu.log if r.path.endswith("/bulk")]
    assert bulk_sizes == [8, 4, 4, 2, 2, 1, 1, 2]
    assert emu.store.get_case(PROJECT, doomed)["status"] == 0


# --- shared steps ------------------------------------------------------------------------

SHARED_TREE = {
    "qasesync.yaml": f"project: {PROJECT}\n",
    "shared_steps.yaml": "shared_steps:\n  - key: k\n    title: Sign in\n    steps:\n"
    "      - action: Open /login, then sign in\n",
    "s/cases.yaml": "cases:\n  - title: Uses it\n    steps:\n      - shared: k\n",
}


def test_a_shared_step_answered_with_a_new_hash_is_adopted_and_written_back(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    old = emu.store.create_shared_step(PROJECT, {"title": "Sign in", "steps": [{"action": "Open"}]})
    root = write_tree(tmp_path / "t", SHARED_TREE)

    def rehash(
        request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]
    ) -> httpx.Response:
        forward(request)  # the service stores the edit under a new hash
        new = emu.store.create_shared_step(PROJECT, json.loads(request.content))
        emu.store.delete_shared_step(PROJECT, old)
        return httpx.Response(200, json={"status": True, "result": {"hash": new}})

    patching = once(lambda r: r.method == "PATCH" and "/shared_step/" in r.url.path, rehash)
    remote = remote_with(emu, spec_checked, patching)
    apply_writing_back(root, remote)
    [new] = [s["hash"] for s in emu.store.shared_steps(PROJECT)]
    assert new != old and load_tree(root).shared_steps[0].hash == new
    [bulk] = writes(emu, "POST", "/bulk")
    assert bulk.body["cases"][0]["steps"] == [{"shared": new}]
    assert plan_of(root, remote)[2].changes == ()


def test_a_shared_step_update_whose_answers_are_lost_is_found_under_its_new_hash(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    old = emu.store.create_shared_step(PROJECT, {"title": "Sign in", "steps": [{"action": "Open"}]})
    root = write_tree(tmp_path / "t", SHARED_TREE)
    patches: list[str] = []

    def lost(
        request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]
    ) -> httpx.Response:
        if request.method != "PATCH" or "/shared_step/" not in request.url.path:
            return forward(request)
        if not patches:  # the first one is stored under a new hash; no answer comes back
            forward(request)
            emu.store.create_shared_step(PROJECT, json.loads(request.content))
            emu.store.delete_shared_step(PROJECT, old)
        patches.append(request.url.path)
        return answer_503(request, forward)

    remote = remote_with(emu, spec_checked, lost)
    apply_writing_back(root, remote)
    [new] = [s["hash"] for s in emu.store.shared_steps(PROJECT)]
    assert new != old and load_tree(root).shared_steps[0].hash == new
    assert set(patches) == {f"/v1/shared_step/{PROJECT}/{old}"}  # never sent again once gone
    assert plan_of(root, remote)[2].changes == ()


# --- write-back that cannot be done ------------------------------------------------------


def test_a_file_changed_during_apply_stops_write_back_not_the_apply(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    root = generated_tree(tmp_path / "t", suites=2, per_suite=5)
    remote = remote_with(emu, spec_checked)
    digests: dict[str, str] = {}
    load_tree(root, digests=digests)
    _, live, plan = plan_of(root, remote)
    (root / "s0/cases.yaml").write_bytes((root / "s0/cases.yaml").read_bytes() + b"# edited\n")
    with pytest.raises(ApplyFailed) as failed:
        apply(plan, remote, live=live.tree, on_written=YamlSink(root, digests))
    assert failed.value.report.failures == [
        "write-back stopped: s0/cases.yaml: changed on disk since it was read; run plan again"
    ]
    assert len(emu.store.cases(PROJECT)) == 10 and ids_in_yaml(root) == []
    assert plan_of(root, remote)[2].changes == ()  # the rerun finds them by title


# --- identity after a lost write ---------------------------------------------------------

SAME_TITLE_TREE = {
    "qasesync.yaml": f"project: {PROJECT}\n",
    "s/suite.yaml": "id: 1\ntitle: s\n",
    "s/cases.yaml": "cases:\n  - id: 1\n    title: Same\n  - title: Same\n",
}


def drop_before_processing(
    request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]
) -> httpx.Response:
    raise httpx.ReadTimeout("no answer", request=request)


def test_a_live_case_that_existed_before_is_never_adopted_after_a_lost_write(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    suite = emu.store.create_suite(PROJECT, {"title": "s"})
    emu.store.create_case(PROJECT, {"title": "Same", "suite_id": suite})
    root = write_tree(tmp_path / "t", SAME_TITLE_TREE)
    remote = remote_with(emu, spec_checked, once(is_bulk, drop_before_processing))
    _, live, plan = plan_of(root, remote)
    report = apply(plan, remote, live=live.tree)
    # the lost bulk created nothing; case #1 has the same title in the same suite, but it
    # was live when the plan was made: the case is sent again, not matched with #1
    assert report.adopted == 0 and [a.value for a in report.assignments] == [2]
    assert live_ids(emu) == [1, 2] and len(writes(emu, "POST", "/bulk")) == 1


def test_a_bulk_without_answer_is_read_back_again_after_a_pause_before_resending(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    root = generated_tree(tmp_path / "t", suites=1, per_suite=10)
    held: list[httpx.Request] = []
    reads: list[str] = []

    def late_commit(
        request: httpx.Request, forward: Callable[[httpx.Request], httpx.Response]
    ) -> httpx.Response:
        if is_bulk(request) and not held:
            held.append(request)  # the service is still at work when the client gives up
            raise httpx.ReadTimeout("no answer", request=request)
        if held and request.method == "GET" and request.url.path.endswith(f"/case/{PROJECT}"):
            reads.append(str(request.url.params.get("suite_id")))
            if len(reads) == 2:
                forward(held[0])  # ... and commits the bulk during the pause
        return forward(request)

    fake = FakeTime()
    remote = in_process_remote(emu, lambda t: Intercept(spec_checked(t), late_commit), fake)
    _, live, plan = plan_of(root, remote)
    report = apply(plan, remote, live=live.tree)
    assert reads == ["1", "1"] and fake.sleeps == [pytest.approx(SETTLE_SECONDS)]
    assert report.adopted == 10 and len(emu.store.cases(PROJECT)) == 10
    assert len(writes(emu, "POST", "/bulk")) == 1  # the late one: nothing was resent


# --- prune: delete, external issues -------------------------------------------------------


def test_prune_delete_removes_cases_then_shared_steps_then_suites_children_first(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    parent = emu.store.create_suite(PROJECT, {"title": "Old"})
    child = emu.store.create_suite(PROJECT, {"title": "Older", "parent_id": parent})
    shared = emu.store.create_shared_step(PROJECT, {"title": "Unused", "steps": [{"action": "a"}]})
    for suite in (parent, child):
        emu.store.create_case(PROJECT, {"title": f"In {suite}", "suite_id": suite})
    files = {
        "qasesync.yaml": f"project: {PROJECT}\nprune: delete\n",
        "keep/cases.yaml": "cases:\n  - title: Kept\n",
    }
    root = write_tree(tmp_path / "t", files)
    remote = remote_with(emu, spec_checked)
    _, live, plan = plan_of(root, remote)
    report = apply(plan, remote, live=live.tree)
    deleted = [r.path.rsplit("/", 1)[1] for r in writes(emu, "DELETE")]
    # the two cases (at once, in any order), the shared step, the child, its parent
    assert sorted(deleted[:2]) == ["1", "2"]
    assert deleted[2:] == [shared, str(child), str(parent)]
    assert report.counts() == {"create": 2, "update": 0, "deprecate": 0, "delete": 5}
    assert plan_of(root, remote)[2].changes == ()


def test_external_issues_are_attached_after_creation_and_follow_edits(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    files = {
        "qasesync.yaml": f"project: {PROJECT}\n",
        "s/cases.yaml": "cases:\n  - title: Linked\n    external_issues: [ENG-1, ENG-2]\n",
    }
    root = write_tree(tmp_path / "t", files)
    remote = remote_with(emu, spec_checked)
    _, live, plan = plan_of(root, remote)
    report = apply(plan, remote, live=live.tree)
    case_id = report.assignments[-1].value  # after the suite's
    [attach] = writes(emu, "POST", "/attach")
    assert attach.body == {
        "type": "jira-cloud",
        "links": [{"case_id": case_id, "external_issues": ["ENG-1", "ENG-2"]}],
    }
    edited = f"cases:\n  - id: {case_id}\n    title: Linked\n    external_issues: [ENG-2, ENG-3]\n"
    write_tree(root, {"s/cases.yaml": edited})
    _, live, plan = plan_of(root, remote)
    apply(plan, remote, live=live.tree)
    assert [r.body["links"] for r in writes(emu)[-2:]] == [
        [{"case_id": case_id, "external_issues": ["ENG-3"]}],
        [{"case_id": case_id, "external_issues": ["ENG-1"]}],
    ]
    assert writes(emu)[-1].path.endswith("/detach") and plan_of(root, remote)[2].changes == ()


def test_edits_and_removals_under_faults_apply_in_one_run(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    root = generated_tree(tmp_path / "t", suites=2, per_suite=40)
    remote = in_process_remote(emu, spec_checked, max_workers=1)  # the same faults each run
    apply_writing_back(root, remote)
    for path in sorted(root.rglob("cases.yaml")):
        text = path.read_text(encoding="utf-8").replace("Do thing 1", "Do thing one")
        head, *cases = text.split("\n  - id: ")
        path.write_text("\n  - id: ".join([head, *cases[:-3]]) + "\n", encoding="utf-8")
    emu.faults = Faults(rate_429=0.2, rate_5xx=0.1, rate_drop=0.3, retry_after=0.01)
    _, live, plan = plan_of(root, remote)
    assert plan.counts() == {"create": 0, "update": 11, "deprecate": 6, "delete": 0}
    report = apply(plan, remote, live=live.tree)
    assert report.counts() == plan.counts() and report.failures == []
    assert {"drop", "5xx"} <= {r.fault for r in emu.log if r.method == "PATCH"}
    assert plan_of(root, remote)[2].changes == ()


def test_a_refused_suite_is_named_and_stops_the_run(tmp_path: Path, spec_checked: Any) -> None:
    emu = shop_emulator()
    files = {
        "qasesync.yaml": f"project: {PROJECT}\n",
        "s/suite.yaml": "# the suite\ntitle: Refused\n",
        "s/cases.yaml": "cases:\n  - title: Never sent\n",
    }
    root = write_tree(tmp_path / "t", files)

    def refuse(request: httpx.Request, forward: Callable[..., httpx.Response]) -> httpx.Response:
        body = {
            "status": False,
            "errorMessage": "Data is invalid.",
            "errorFields": [{"field": "title", "error": "The title is not allowed."}],
        }
        return httpx.Response(422, json=body)

    is_suite = once(lambda r: r.method == "POST" and "/suite/" in r.url.path, refuse)
    remote = remote_with(emu, spec_checked, is_suite)
    _, live, plan = plan_of(root, remote)
    with pytest.raises(ApplyFailed) as failed:
        apply(plan, remote, live=live.tree)
    assert failed.value.report.failures == [
        "s/suite.yaml:2:1: create suite 'Refused': POST /suite/SHOP → 422: Data is invalid.\n"
        "  title: The title is not allowed."
    ]
    assert writes(emu) == [] and failed.value.report.done == []


def renamed_case(tmp_path: Path, more: str = "") -> tuple[Emulator, int, int, Path]:
    """A live suite ``s`` with a case the tree (``more`` cases after it) renames."""
    emu = shop_emulator()
    suite = emu.store.create_suite(PROJECT, {"title": "s"})
    case = emu.store.create_case(PROJECT, {"title": "Old title", "suite_id": suite})
    cases = f"cases:\n  - id: {case}\n    title: New title\n{more}"
    files = {"qasesync.yaml": f"project: {PROJECT}\n", "s/cases.yaml": cases}
    return emu, suite, case, write_tree(tmp_path / "t", files)


def test_a_saved_plan_whose_entities_are_gone_is_stale(tmp_path: Path, spec_checked: Any) -> None:
    emu, suite, case, root = renamed_case(tmp_path, "  - title: Added\n")
    remote = remote_with(emu, spec_checked)
    tree, _, plan = plan_of(root, remote)
    emu.store.delete_suite(PROJECT, suite)  # its case goes with it
    _, live, now = plan_of(root, remote)
    with pytest.raises(SafetyError) as stale:
        check_fresh(plan, tree, live.tree, now=now)
    assert str(stale.value) == (
        "the saved plan is stale; since it was made:\n"
        f"  case #{case} 'New title' is gone\n"
        f"  suite #{suite} (s) is gone\n"
        "run `qasesync plan --out` again and review the new plan"
    )


def test_a_saved_plan_must_fingerprint_every_live_entity_as_it_is_now(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu, _, case, root = renamed_case(tmp_path)
    remote = remote_with(emu, spec_checked)
    tree, live, plan = plan_of(root, remote)
    [update] = plan.changes
    assert update.fingerprint is not None
    check_fresh(plan, tree, live.tree, now=plan)
    unstamped = replace(update, fingerprint=None)
    retold = replace(update, fingerprint=replace(update.fingerprint, sha256="0" * 64))
    for edited, why in ((unstamped, ": carries no fingerprint"), (retold, " changed live")):
        with pytest.raises(SafetyError) as stale:
            check_fresh(replace(plan, changes=(edited,)), tree, live.tree, now=plan)
        assert f"case #{case} 'New title'{why}" in str(stale.value)


def test_a_plan_read_back_from_its_file_is_never_run_itself(
    tmp_path: Path, spec_checked: Any
) -> None:
    emu = shop_emulator()
    files = {"qasesync.yaml": f"project: {PROJECT}\n", "s/cases.yaml": "cases:\n  - title: A\n"}
    remote = remote_with(emu, spec_checked)
    _, _, plan = plan_of(write_tree(tmp_path / "t", files), remote)
    assert plan.has_changes
    with pytest.raises(SafetyError, match="a saved plan is not run itself"):
        apply(Plan.from_json(plan.to_json()), remote)
    assert emu.store.cases(PROJECT) == [] and emu.store.suites(PROJECT) == []
