"""A scoped read (docs/design.md §13): only the owned suites' case lists and the tree's
cases found elsewhere, by id; the cheaper of that and the whole read; both answers the
``suite_id`` filter may give (the emulator's ``suite_filter``)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from qasesync.emulator import Emulator
from qasesync.model import CaseScope, Live
from qasesync.qase.client import QaseClient
from qasesync.qase.remote import Remote
from qasesync.qase.scoped import (
    SuiteTree,
    case_count,
    prefer_scoped,
    project_case_count,
    whole_cost,
)

TOKEN = "T"
PROJECT = "DEMO"


def seeded(suite_filter: str = "direct", **options: object) -> tuple[Emulator, dict[str, int]]:
    """Suites A (3 cases) ⊃ A1 (2 cases) ⊃ A2 (none), B (250 cases), C (none) ⊃ C1 (4)."""
    emu = Emulator(token=TOKEN, projects=(PROJECT,), suite_filter=suite_filter, **options)  # type: ignore[arg-type]
    store = emu.store
    ids = {"A": store.create_suite(PROJECT, {"title": "A"})}
    ids["A1"] = store.create_suite(PROJECT, {"title": "A1", "parent_id": ids["A"]})
    ids["A2"] = store.create_suite(PROJECT, {"title": "A2", "parent_id": ids["A1"]})
    ids["B"] = store.create_suite(PROJECT, {"title": "B"})
    ids["C"] = store.create_suite(PROJECT, {"title": "C"})
    ids["C1"] = store.create_suite(PROJECT, {"title": "C1", "parent_id": ids["C"]})
    for name, count in (("A", 3), ("A1", 2), ("B", 250), ("C1", 4)):
        bodies = [{"title": f"{name} {n}", "suite_id": ids[name]} for n in range(count)]
        store.create_cases(PROJECT, bodies)
    return emu, ids


def remote_of(emu: Emulator) -> Iterator[Remote]:
    transport = httpx.WSGITransport(app=emu.app)
    with QaseClient(token=TOKEN, base_url="http://127.0.0.1/v1", transport=transport) as client:
        yield Remote(client, PROJECT)


Request = tuple[str, dict[str, str]]


def read(emu: Emulator, scope: CaseScope | None) -> tuple[Live, list[Request]]:
    """The live read through ``scope`` and the case requests it made (path, query)."""
    before = len(emu.log)
    for remote in remote_of(emu):
        live = remote.read(lambda _: scope)
    return live, [(r.path, r.query) for r in list(emu.log)[before:] if "/case/" in r.path]


def case_ids(emu: Emulator, *suites: int) -> set[int]:
    return {int(c["id"]) for c in emu.store.cases(PROJECT) if c["suite_id"] in suites}


def listed(requests: list[Request]) -> list[str]:
    """The suite ids the case lists were filtered by, in order."""
    return [query["suite_id"] for _, query in requests if "suite_id" in query]


def by_id(requests: list[Request]) -> list[str]:
    """The single case reads: path, and ``+include`` when it asked for external issues."""
    return [
        path + ("+include" if "include" in query else "")
        for path, query in requests
        if path.rsplit("/", 1)[1].isdigit()
    ]


@pytest.mark.parametrize("mode", ["direct", "descendants"])
def test_the_owned_suites_are_read_and_a_case_elsewhere_by_id(mode: str) -> None:
    emu, ids = seeded(mode)
    elsewhere = min(case_ids(emu, ids["B"]))
    owned = frozenset({ids["A"], ids["A1"], ids["A2"]})
    live, requests = read(emu, CaseScope(owned, frozenset({elsewhere})))
    wanted = case_ids(emu, ids["A"], ids["A1"]) | {elsewhere}
    assert {c.id for c in live.tree.cases} == wanted and len(live.tree.cases) == 6
    assert live.cases_of == frozenset(f"#{s}" for s in owned)
    # direct: A2 says it holds no case, so only A and A1 are listed; descendants: A's
    # answer holds A1's cases, so A1 is not listed again
    assert listed(requests) == (
        [str(ids["A"]), str(ids["A1"])] if mode == "direct" else [str(ids["A"])]
    )
    assert by_id(requests) == [f"/v1/case/{PROJECT}/{elsewhere}+include"]


@pytest.mark.parametrize("mode", ["direct", "descendants"])
def test_a_root_without_cases_is_listed_to_learn_the_filter(mode: str) -> None:
    emu, ids = seeded(mode)
    live, requests = read(emu, CaseScope(frozenset({ids["C"], ids["C1"]}), frozenset()))
    assert {c.id for c in live.tree.cases} == case_ids(emu, ids["C1"])
    expected = [str(ids["C"]), str(ids["C1"])] if mode == "direct" else [str(ids["C"])]
    assert listed(requests) == expected


def test_suites_holding_no_case_are_not_listed() -> None:
    emu, ids = seeded()
    live, requests = read(emu, CaseScope(frozenset({ids["A2"]}), frozenset()))
    assert (live.tree.cases, requests, live.cases_of) == ((), [], frozenset({f"#{ids['A2']}"}))


def test_every_case_is_read_when_the_scope_costs_as_much() -> None:
    emu, ids = seeded()  # B: 250 cases, 3 pages; the project: 259, 3 pages
    live, requests = read(emu, CaseScope(frozenset({ids["B"]}), frozenset()))
    assert live.cases_of is None and len(live.tree.cases) == 259
    assert listed(requests) == [] and len(requests) == 3


def test_every_case_is_read_when_more_tree_cases_are_elsewhere_than_it_costs() -> None:
    emu, ids = seeded()
    elsewhere = frozenset(sorted(case_ids(emu, ids["B"]))[:4])  # 4 single reads > 3 pages
    live, requests = read(emu, CaseScope(frozenset({ids["A1"]}), elsewhere))
    assert live.cases_of is None and len(live.tree.cases) == 259
    assert listed(requests) == [str(ids["A1"])] and len(requests) == 4


def test_a_tree_case_gone_from_qase_is_left_out() -> None:
    emu, ids = seeded()
    gone = min(case_ids(emu, ids["B"]))
    emu.store.delete_case(PROJECT, gone)
    live, requests = read(emu, CaseScope(frozenset({ids["A1"]}), frozenset({gone})))
    assert {c.id for c in live.tree.cases} == case_ids(emu, ids["A1"])
    assert by_id(requests) == [f"/v1/case/{PROJECT}/{gone}+include"]


def test_a_refused_include_on_a_read_by_id_is_read_again_without() -> None:
    emu, ids = seeded(no_include=True)
    one = min(case_ids(emu, ids["B"]))
    live, requests = read(emu, CaseScope(frozenset({ids["A2"]}), frozenset({one})))
    assert [c.id for c in live.tree.cases] == [one] and live.unread == {"external_issues"}
    assert by_id(requests) == [f"/v1/case/{PROJECT}/{one}+include", f"/v1/case/{PROJECT}/{one}"]


def test_no_scope_reads_every_case() -> None:
    emu, _ = seeded()
    live, requests = read(emu, None)
    assert live.cases_of is None and len(live.tree.cases) == 259 and len(requests) == 3


def test_the_cost_of_every_case_comes_from_the_project_else_from_the_suites() -> None:
    assert whole_cost(250, {1: 5}) == 3
    assert whole_cost(None, {1: 150, 2: 51}) == 3
    assert whole_cost(None, {1: 150, 2: None}) is None
    assert prefer_scoped(2, None) and prefer_scoped(2, 3) and not prefer_scoped(3, 3)


def test_counts_are_read_only_where_the_answer_gives_a_number() -> None:
    projects: list[object] = [None, {"counts": None}, {"counts": {"cases": True}}]
    assert project_case_count({"counts": {"cases": 7}}) == 7
    assert [project_case_count(p) for p in projects] == [None, None, None]
    suites: list[object] = [{"cases_count": 3}, {"cases_count": "3"}, []]
    assert [case_count(s) for s in suites] == [3, None, None]


def test_suite_parents_that_loop_end_the_walk_up() -> None:
    suites = SuiteTree(parents={1: 2, 2: 1, 3: None}, counts={})
    assert suites.lineage(1) == [1, 2] and suites.below(3, frozenset({1, 2, 3})) == []
    assert suites.roots(frozenset({3})) == [3] and suites.scoped_cost(frozenset({1, 3})) == 2
