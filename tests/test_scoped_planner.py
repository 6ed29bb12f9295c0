"""The planner's side of a scoped read (docs/design.md §13): which live suites ``scope``
owns, matched as a plan matches them, and a plan refused when the read missed one."""

from __future__ import annotations

from dataclasses import replace

import pytest
from kit.plans import desired, live, settings

from qasesync.errors import PlanError
from qasesync.model import Suite
from qasesync.plans.planner import owned_suite_ids, plan


def test_no_scope_owns_no_suites_to_read_apart() -> None:
    assert owned_suite_ids(desired(), live(), settings()) is None


def test_a_scope_owns_its_suite_and_the_live_suites_under_it() -> None:
    other = Suite("#3", "Other", id=3)
    under = Suite("#4", "Made in Qase", id=4, parent="#1")
    found = live(suites=(*live().tree.suites, other, under), cases=())
    assert owned_suite_ids(desired(), found, settings(scope=("authentication",))) == frozenset(
        {1, 2, 4}
    )
    assert owned_suite_ids(desired(), found, settings(scope=("authentication/sso",))) == frozenset(
        {2}
    )


def test_a_scope_matched_by_title_owns_the_suite_of_that_title() -> None:
    tree = desired()
    untitled = tuple(replace(s, id=None) for s in tree.suites)
    found = live(cases=())
    owned = owned_suite_ids(
        replace(tree, suites=untitled), found, settings(scope=("authentication",))
    )
    assert owned == frozenset({1, 2})


def test_suites_that_cannot_be_matched_leave_the_read_whole() -> None:
    twin = Suite("#5", "Authentication", id=5)
    tree = desired()
    untitled = tuple(replace(s, id=None) for s in tree.suites)
    found = live(suites=(*live().tree.suites, twin), cases=())
    scope = settings(scope=("authentication",))
    assert owned_suite_ids(replace(tree, suites=untitled), found, scope) is None
    loop = live(suites=(Suite("#1", "A", id=1, parent="#2"), Suite("#2", "B", id=2, parent="#1")))
    assert owned_suite_ids(tree, loop, scope) is None


def test_a_read_that_missed_an_owned_suite_is_no_plan() -> None:
    scope = settings(scope=("authentication",))
    read = live()
    assert not plan(desired(), replace(read, cases_of=frozenset({"#1", "#2"})), scope).changes
    with pytest.raises(PlanError) as raised:
        plan(desired(), replace(read, cases_of=frozenset({"#1"})), scope)
    assert str(raised.value) == "the live read left out the cases of #2; plan again"
    with pytest.raises(PlanError) as raised:
        plan(desired(), replace(read, cases_of=frozenset({"#1"})), settings())
    assert str(raised.value) == "the live read left out the cases of every suite; plan again"
