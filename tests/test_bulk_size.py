"""How many cases a bulk create carries: the ``bulk_size`` setting, the adaptive default
(starts at 20, grows while batches answer fast, shrinks when one is slow, quarters after
one that got no answer), and the duplicate that a late commit leaves, named by the plan.
Time is a fake clock that the transport moves by the service's time per case."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from kit.apply import (
    PROJECT,
    generated_tree,
    in_process_remote,
    plan_of,
    shop_emulator,
    write_tree,
    writes,
)
from kit.client import FakeTime

from qasesync.apply.applier import apply
from qasesync.apply.bulksize import MAX_SIZE, START, BulkSize
from qasesync.errors import ValidationError
from qasesync.plans.planner import plan
from qasesync.tree.load import load_tree

# --- the size itself --------------------------------------------------------------------


def test_the_adaptive_size_starts_at_20_and_doubles_while_answers_are_instant() -> None:
    size = BulkSize(deadline=180.0)
    seen = [size.current]
    for _ in range(4):
        size.answered(size.current, 0.0)
        seen.append(size.current)
    assert seen == [START, 40, 80, MAX_SIZE, MAX_SIZE]


def test_a_slow_batch_shrinks_the_next_to_a_quarter_of_the_deadline() -> None:
    size = BulkSize(deadline=180.0, current=100)
    size.answered(100, 150.0)  # 1.5 s a case: 45 s is a quarter of the deadline
    assert size.current == 30
    size.answered(30, 45.0)  # on target: kept
    assert size.current == 30
    size.answered(30, 10.0)  # fast again: grows, at most doubling
    assert size.current == 60


def test_a_batch_without_answer_quarters_the_next_and_the_size_stays_in_1_to_100() -> None:
    size = BulkSize(deadline=1.0, current=3)
    size.lost()
    assert size.current == 1
    size.answered(1, 60.0)
    assert size.current == 1
    size.answered(0, 0.0)  # nothing sent: nothing learnt
    assert size.current == 1


def test_a_fixed_size_never_changes_and_must_be_1_to_100() -> None:
    size = BulkSize(deadline=1.0, fixed=7)
    size.answered(7, 100.0)
    size.lost()
    assert size.current == 7
    for bad in (0, 101):
        with pytest.raises(ValueError, match="bulk_size must be 1 to 100"):
            BulkSize(deadline=1.0, fixed=bad)


# --- the setting ------------------------------------------------------------------------


def test_bulk_size_is_read_from_qasesync_yaml(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\nbulk_size: 25\n")
    settings = load_tree(tmp_path).settings
    assert settings is not None and settings.bulk_size == 25
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\n")
    settings = load_tree(tmp_path).settings
    assert settings is not None and settings.bulk_size is None


@pytest.mark.parametrize("value", ["0", "101", "2.5", "big"])
def test_a_bulk_size_out_of_range_names_its_place(tmp_path: Path, value: str) -> None:
    (tmp_path / "qasesync.yaml").write_text(f"project: DEMO\nbulk_size: {value}\n")
    with pytest.raises(ValidationError) as error:
        load_tree(tmp_path)
    assert "qasesync.yaml:2:12: `bulk_size`" in str(error.value)


# --- apply with the adaptive size -------------------------------------------------------


class Slow(httpx.BaseTransport):
    """Moves ``fake`` by ``per_case(batch number)`` seconds a case of each bulk create."""

    def __init__(
        self, inner: httpx.BaseTransport, fake: FakeTime, per_case: Callable[[int], float]
    ) -> None:
        self.inner, self.fake, self.per_case, self.batches = inner, fake, per_case, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/bulk"):
            self.batches += 1
            cases = len(json.loads(request.content)["cases"])
            self.fake.sleep(cases * self.per_case(self.batches))
        return self.inner.handle_request(request)


def _bulk_sizes(per_case: Callable[[int], float], tmp: Path, **options: Any) -> list[int]:
    emu = shop_emulator()
    fake = FakeTime()
    remote = in_process_remote(emu, lambda t: Slow(t, fake, per_case), fake, bulk_deadline=10.0)
    root = generated_tree(tmp / "t", suites=4, per_suite=50)  # cases 25, 50 … automated
    _, live, made = plan_of(root, remote)
    apply(made, remote, live=live.tree, **options)
    assert len(emu.store.cases(PROJECT)) == 200
    return [len(r.body["cases"]) for r in writes(emu, "POST", "/bulk")]


def test_batches_grow_while_fast_and_stay_a_quarter_of_the_deadline(tmp_path: Path) -> None:
    # 0.1 s a case against a 10 s deadline: 25 cases make a quarter of it
    assert _bulk_sizes(lambda _: 0.1, tmp_path) == [20, 25, 25, 25, 25, 25, 25, 22]


def test_one_slow_batch_shrinks_the_next(tmp_path: Path) -> None:
    sizes = _bulk_sizes(lambda n: 0.5 if n == 2 else 0.01, tmp_path)
    assert sizes[:4] == [20, 40, 5, 10]  # the second took 20 s: 5 cases make 2.5 s


def test_the_setting_fixes_the_size(tmp_path: Path) -> None:
    sizes = _bulk_sizes(lambda _: 0.5, tmp_path, batch_size=30)
    assert sizes == [30] * 6 + [12]


# --- a late commit ----------------------------------------------------------------------


def test_a_duplicate_left_by_a_late_commit_is_named_by_the_next_plan(tmp_path: Path) -> None:
    emu = shop_emulator()
    remote = in_process_remote(emu)
    root = write_tree(
        tmp_path / "t",
        {
            "qasesync.yaml": f"project: {PROJECT}\nmax_destroy: 2\n",
            "cases.yaml": (
                "cases:\n  - id: 1\n    title: Login works\n  - id: 2\n    title: Other\n"
            ),
        },
    )
    # the third: the late commit; the fourth: a case made in Qase, no duplicate
    for title in ("Login works", "Other", "Login works", "Made in Qase"):
        emu.store.create_case(PROJECT, {"title": title})
    tree, live, made = plan_of(root, remote)
    warnings = [str(w) for w in made.warnings]
    assert warnings == [
        "cases.yaml:2:5: live case #3 'Login works' is a duplicate of #1, which this project "
        "created: a bulk create that got no answer in time committed after the cases were "
        "sent again; prune: deprecate applies to it like any live case without a YAML case"
    ]
    assert [(c.kind, c.live_id) for c in made.changes] == [("deprecate", 3), ("deprecate", 4)]
    assert tree.settings is not None
    assert plan(tree, live, tree.settings).warnings == made.warnings


class LostOnce(httpx.BaseTransport):
    """The first bulk create commits, but its answer never comes (a read timeout)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.lost = inner, False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.inner.handle_request(request)
        if not self.lost and request.method == "POST" and request.url.path.endswith("/bulk"):
            self.lost = True
            raise httpx.ReadTimeout("no answer", request=request)
        return answer


def test_a_batch_without_answer_is_read_back_and_the_next_is_a_quarter(tmp_path: Path) -> None:
    emu = shop_emulator()
    remote = in_process_remote(emu, LostOnce)
    root = generated_tree(tmp_path / "t", suites=1, per_suite=30)  # case 25 goes alone
    _, live, made = plan_of(root, remote)
    report = apply(made, remote, live=live.tree)
    assert [len(r.body["cases"]) for r in writes(emu, "POST", "/bulk")] == [20, 5, 4]
    assert report.adopted == 20 and len(emu.store.cases(PROJECT)) == 30  # nothing resent
