"""The destroy limit, ``max_destroy``, on plans: the share is of the live active cases in
scope (drafts included), deprecated cases never loosen it, an explicit setting applies at
any size, the default allows at least one, deletions of deprecated cases have a share of
their own. The saved-plan side is in `test_destroy_limit_e2e`."""

from __future__ import annotations

from dataclasses import replace

import pytest
from kit.plans import desired, live_case, live_tree, loc, settings, workspace

from qasesync.errors import SafetyError
from qasesync.model import DEFAULT_MAX_DESTROY, Case, Live, MaxDestroy, Tree
from qasesync.plans import destroy
from qasesync.plans.destroy import InScope, Pool
from qasesync.plans.plan import Change, Plan
from qasesync.plans.planner import plan

LIMIT_AT = loc("qasesync.yaml", 5)


def project(active: int, *, deprecated: int = 0, draft: int = 0) -> Live:
    """A live project of one suite: ``active`` actual cases (ids 100…), ``draft`` drafts
    (ids 300…) and ``deprecated`` deprecated cases (ids 500…)."""
    cases = [live_case(f"Active {i}", id=100 + i, suite="#1") for i in range(active)]
    cases += [live_case(f"Draft {i}", id=300 + i, suite="#1", status="draft") for i in range(draft)]
    cases += [
        live_case(f"Old {i}", id=500 + i, suite="#1", status="deprecated")
        for i in range(deprecated)
    ]
    tree = live_tree(cases=tuple(cases), suites=live_tree().suites[:1], shared_steps=())
    return Live(tree, workspace())


def keeping(live: Live, dropped: set[int]) -> Tree:
    """The tree that holds every live case but those in ``dropped``, as they are live."""
    cases = tuple(
        Case(c.title, id=c.id, suite="authentication", status=c.status)
        for c in live.tree.cases
        if c.id not in dropped
    )
    return replace(desired(), suites=desired().suites[:1], cases=cases, shared_steps=())


def planned(live: Live, dropped: set[int], **changes: object) -> Plan:
    return plan(keeping(live, dropped), live, settings(**changes))


def refusal(result: Plan, limit: MaxDestroy = DEFAULT_MAX_DESTROY) -> str | None:
    found = destroy.check(result.changes, result.in_scope, limit)
    return None if found is None else str(found)


def explicit(value: float, *, percent: bool = True) -> MaxDestroy:
    return MaxDestroy(value, percent=percent, location=LIMIT_AT)


# --- deprecated cases do not loosen the share -----------------------------------------------


def test_deprecated_cases_in_scope_do_not_count_towards_the_share() -> None:
    # 4 of 12 active is 33 %; counted over all 20 live cases it would pass as 20 %.
    live = project(12, deprecated=8)
    result = planned(live, {100, 101, 102, 103}, max_destroy=explicit(25))
    assert result.in_scope.counts() == {"active": 12, "deprecated": 8}
    assert [m.text for m in result.warnings] == [
        "would deprecate 4 of 12 active cases in scope (33.3 %), above max_destroy 25 %; "
        "apply refuses this plan unless given --allow-destroy "
        "(or raise max_destroy in qasesync.yaml:5)"
    ]


def test_a_prune_does_not_loosen_the_next_one() -> None:
    # After 3 of 12 were deprecated (25 %), the next prune counts over the 9 left active.
    live = project(9, deprecated=3)
    assert refusal(planned(live, {100, 101})) is None  # 2 of 9: 22 %
    assert refusal(planned(live, {100, 101, 102})) == (
        "would deprecate 3 of 9 active cases in scope (33.3 %), above max_destroy 25 % "
        "(the default, which allows at least 1)"
    )


def test_drafts_count_as_active_cases() -> None:
    live = project(4, draft=4, deprecated=4)
    assert refusal(planned(live, {100, 300})) is None  # 2 of 8 active: 25 %
    assert refusal(planned(live, {100, 300, 301})) == (
        "would deprecate 3 of 8 active cases in scope (37.5 %), above max_destroy 25 % "
        "(the default, which allows at least 1)"
    )


# --- an explicit setting applies at any size; the default allows at least one ---------------


def test_max_destroy_zero_applies_below_ten_cases() -> None:
    live = project(9)
    result = planned(live, set(range(100, 109)), max_destroy=explicit(0, percent=False))
    assert refusal(result, explicit(0, percent=False)) == (
        "would deprecate 9 of 9 active cases in scope (100 %), above max_destroy 0"
    )
    assert refusal(planned(live, {100}), explicit(0, percent=False)) is not None


def test_an_explicit_share_applies_to_a_small_project() -> None:
    live = project(3)
    assert refusal(planned(live, {100}), explicit(25)) == (
        "would deprecate 1 of 3 active cases in scope (33.3 %), above max_destroy 25 %"
    )
    assert refusal(planned(live, {100}), explicit(34)) is None


def test_the_default_applies_below_ten_cases() -> None:
    assert refusal(planned(project(9), {100, 101, 102})) == (
        "would deprecate 3 of 9 active cases in scope (33.3 %), above max_destroy 25 % "
        "(the default, which allows at least 1)"
    )


def test_the_default_always_allows_at_least_one() -> None:
    assert refusal(planned(project(1), {100})) is None
    assert refusal(planned(project(3), {100})) is None
    assert refusal(planned(project(3), {100, 101})) is not None


def test_a_count_limits_each_pool_on_its_own() -> None:
    live = project(10, deprecated=10)
    limit = explicit(3, percent=False)
    three_each = planned(live, {100, 101, 102, 500, 501, 502}, prune="delete")
    assert refusal(three_each, limit) is None
    assert refusal(planned(live, {100, 500, 501, 502, 503}, prune="delete"), limit) == (
        "would delete 4 of 10 deprecated cases in scope (40 %), above max_destroy 3"
    )


# --- deleting deprecated cases ---------------------------------------------------------------


def test_deleting_deprecated_cases_is_limited_by_their_own_share() -> None:
    live = project(8, deprecated=8)
    assert refusal(planned(live, {500, 501}, prune="delete")) is None  # 2 of 8: 25 %
    assert refusal(planned(live, set(range(500, 508)), prune="delete")) == (
        "would delete 8 of 8 deprecated cases in scope (100 %), above max_destroy 25 % "
        "(the default, which allows at least 1)"
    )


def test_both_pools_over_are_named_in_one_message() -> None:
    live = project(4, deprecated=4)
    result = planned(live, {100, 101, 500, 501}, prune="delete", max_destroy=explicit(25))
    assert [m.text for m in result.warnings] == [
        "would delete 2 of 4 active cases in scope (50 %) and delete 2 of 4 deprecated cases "
        "in scope (50 %), above max_destroy 25 %; apply refuses this plan unless given "
        "--allow-destroy (or raise max_destroy in qasesync.yaml:5)"
    ]


def test_deprecating_a_case_already_deprecated_is_no_change_and_counts_nothing() -> None:
    result = planned(project(4, deprecated=4), set(range(500, 504)))
    assert result.changes == () and refusal(result) is None


# --- what counts ------------------------------------------------------------------------------


def test_a_status_set_to_deprecated_in_the_tree_counts_as_a_deprecation() -> None:
    live = project(4)
    tree = keeping(live, set())
    cases = tuple(replace(c, status="deprecated") if c.id in (100, 101) else c for c in tree.cases)
    result = plan(replace(tree, cases=cases), live, settings())
    assert [c.kind for c in result.changes] == ["update", "update"]
    assert refusal(result) == (
        "would deprecate 2 of 4 active cases in scope (50 %), above max_destroy 25 % "
        "(the default, which allows at least 1)"
    )


def test_a_status_set_to_anything_but_deprecated_counts_nothing() -> None:
    live = project(0, draft=4)
    tree = keeping(live, set())
    cases = tuple(replace(c, status="actual") for c in tree.cases)
    result = plan(replace(tree, cases=cases), live, settings(max_destroy=explicit(0)))
    assert len(result.changes) == 4 and refusal(result, explicit(0)) is None


def test_a_case_counts_in_the_pool_of_its_live_status_not_the_plans() -> None:
    # The plan's copy says deprecated; live the case is active: the active pool holds it.
    active = live_case("Active", id=100, suite="#1")
    claimed = replace(active, status="deprecated")
    gone = (Change("delete", "case", "Active", live=claimed),)
    in_scope = InScope(frozenset({100, 101, 102, 103}), frozenset({500}))
    assert destroy.pools(gone, in_scope) == (
        Pool("active", 4, deprecating=0, deleting=1),
        Pool("deprecated", 1),
    )


def test_suites_and_shared_steps_deleted_do_not_count() -> None:
    gone = (Change("delete", "suite", "Old suite", live=live_tree().suites[0]),)
    assert destroy.check(gone, InScope(), explicit(0, percent=False)) is None


def test_a_share_just_above_the_limit_never_reads_as_the_limit() -> None:
    in_scope = InScope(frozenset(range(2500)))
    gone = tuple(
        Change("deprecate", "case", str(i), live=live_case(str(i), id=i)) for i in range(626)
    )
    assert str(destroy.check(gone, in_scope, explicit(25))) == (
        "would deprecate 626 of 2500 active cases in scope (25.04 %), above max_destroy 25 %"
    )
    # A count limit shows the share as it is.
    assert str(destroy.check(gone, in_scope, explicit(600, percent=False))) == (
        "would deprecate 626 of 2500 active cases in scope (25 %), above max_destroy 600"
    )


def test_a_share_in_a_pool_with_nothing_in_scope_is_not_shown() -> None:
    # A case outside scope (only a hand-made plan holds one) still counts.
    gone = (Change("deprecate", "case", "Elsewhere", live=live_case("Elsewhere", id=9)),)
    found = destroy.check(gone, InScope(), explicit(0, percent=False))
    assert str(found) == "would deprecate 1 of 0 active cases in scope, above max_destroy 0"


# --- apply's refusal -----------------------------------------------------------------------


def test_refuse_names_the_counts_the_setting_and_its_line() -> None:
    live = project(180)
    result = planned(live, set(range(100, 180)))
    with pytest.raises(SafetyError) as error:
        destroy.refuse(result.changes, result.in_scope, explicit(25))
    assert str(error.value) == (
        "would deprecate 80 of 180 active cases in scope (44.4 %), above max_destroy 25 %; "
        "rerun with --allow-destroy or raise max_destroy in qasesync.yaml:5"
    )


def test_refuse_under_the_default_says_where_to_set_it() -> None:
    result = planned(project(8), {100, 101, 102})
    with pytest.raises(SafetyError) as error:
        destroy.refuse(result.changes, result.in_scope, DEFAULT_MAX_DESTROY)
    assert str(error.value) == (
        "would deprecate 3 of 8 active cases in scope (37.5 %), above max_destroy 25 % "
        "(the default, which allows at least 1); rerun with --allow-destroy or set "
        "max_destroy in qasesync.yaml"
    )


def test_refuse_lets_a_plan_within_the_limit_pass() -> None:
    result = planned(project(8), {100, 101})
    destroy.refuse(result.changes, result.in_scope, DEFAULT_MAX_DESTROY)
