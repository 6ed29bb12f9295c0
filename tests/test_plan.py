"""The plan as a value: order, counts, safety limit, request estimate, fingerprints, JSON."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
from kit.plans import (
    desired,
    live,
    live_tree,
    loc,
    mixed_desired,
    mixed_settings,
    with_case,
)

from qasesync.errors import SafetyError
from qasesync.model import Assignment, Case, CustomField, Live
from qasesync.plans.destroy import InScope
from qasesync.plans.plan import (
    Change,
    FieldDiff,
    Phase,
    Plan,
    bulk_batches,
    fingerprint,
    to_data,
    tree_fingerprint,
)
from qasesync.plans.planner import plan
from qasesync.plans.render import View, render


def mixed() -> Plan:
    return plan(mixed_desired(), live(), mixed_settings())


def test_changes_follow_the_apply_order() -> None:
    order = [(c.kind, c.entity) for c in mixed().changes]
    assert order == [
        ("create", "suite"),
        ("update", "shared_step"),
        ("create", "shared_step"),
        ("update", "case"),
        ("create", "case"),
        ("delete", "case"),
        ("delete", "suite"),
    ]


def test_the_changes_fall_into_the_apply_phases_every_phase_present() -> None:
    phases = mixed().by_phase()
    assert {phase: [(c.kind, c.entity) for c in changes] for phase, changes in phases.items()} == {
        Phase.SUITES: [("create", "suite")],
        Phase.SHARED_STEPS: [("update", "shared_step"), ("create", "shared_step")],
        Phase.CASES: [("update", "case"), ("create", "case")],
        Phase.CASE_PRUNES: [("delete", "case")],
        Phase.SHARED_STEP_DELETES: [],
        Phase.SUITE_DELETES: [("delete", "suite")],
    }
    assert list(phases) == sorted(Phase)


def test_counts_name_every_kind() -> None:
    assert mixed().counts() == {"create": 3, "update": 2, "deprecate": 0, "delete": 2}


def test_a_saved_plan_read_back_is_the_same_file_and_shows_the_same_plan() -> None:
    original = mixed()
    data = json.loads(json.dumps(original.to_json()))
    loaded = Plan.from_json(data)
    assert loaded.saved and not original.saved
    assert loaded.to_json() == data
    assert render(loaded, "text", View()) == render(original, "text", View())
    created = [c.desired for c in original.changes if c.kind == "create"]
    assert [c.desired for c in loaded.changes if c.kind == "create"] == created


def test_a_saved_change_holds_the_live_id_and_the_place_not_the_entities() -> None:
    loaded = Plan.from_json(mixed().to_json())
    update = next(c for c in loaded.changes if (c.kind, c.entity) == ("update", "case"))
    assert (update.live_id, str(update.location)) == (101, "authentication/login.yaml:2:5")
    assert update.live == Case("Login redirects to the dashboard", id=101)
    deleted = next(c for c in loaded.changes if (c.kind, c.entity) == ("delete", "case"))
    assert (deleted.live_id, deleted.desired) == (103, None)


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_a_created_case_whose_number_is_no_finite_number_saves_it_as_its_text(
    number: float,
) -> None:
    fields = (*live().workspace.custom_fields, CustomField(4, "Estimate", "number"))
    ws = replace(live().workspace, custom_fields=fields)
    tree = mixed_desired()
    tree = with_case(tree, len(tree.cases) - 1, custom_fields={"Estimate": number})
    planned = plan(tree, Live(live_tree(), ws), mixed_settings())

    def no_constant(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    data = json.loads(render(planned, "json", View()), parse_constant=no_constant)
    created = next(c for c in data["changes"] if (c["kind"], c["entity"]) == ("create", "case"))
    assert created["after"]["custom_fields"] == {"Estimate": str(number)}
    assert Plan.from_json(data).to_json() == data == planned.to_json()


def test_json_shows_the_limit_figures_and_reading_it_back_ignores_them() -> None:
    data = mixed().to_json()
    assert (data["cases_in_scope"], data["max_destroy"]) == ({"active": 3, "deprecated": 0}, "25 %")
    edited = {**data, "cases_in_scope": {"active": 4000, "deprecated": 0}, "max_destroy": "100 %"}
    loaded = Plan.from_json(edited)
    assert (loaded.in_scope, loaded.max_destroy) == (InScope(), None)
    assert loaded.to_json() == edited  # shown again as the file has them (`show`)


def test_json_carries_version_fingerprints_and_diff_values_as_json_values() -> None:
    data = mixed().to_json()
    assert data["format_version"] == 3 and data["project"] == "DEMO"
    assert data["tree_fingerprint"] == tree_fingerprint(mixed_desired())
    update = data["changes"][3]
    assert (update["id"], update["fields"]) == (101, ["priority", "tags", "steps"])
    assert update["diffs"] == [
        {"path": "priority", "before": "high", "after": "low"},
        {"path": "tags", "added": ["regression"], "removed": ["smoke"]},
        {
            "path": "steps[2].expected_result",
            "before": "The menu lists Settings",
            "after": "The menu lists Profile",
        },
    ]
    assert update["fingerprint"]["updated_at"] == "2026-11-01T10:00:00Z"
    assert "after" not in update and "before" not in update  # no copy of either entity
    create = data["changes"][4]
    assert create["location"] == {
        "file": "checkout/cases.yaml",
        "line": 2,
        "col": 5,
        "path": ["cases", 0],
    }
    assert create["after"]["steps"] == [
        {"action": "Pay", "expected_result": "Paid"},
        {"shared": "sign-out"},
    ]
    assert "description" not in create["after"]  # what defaults is left out


def test_a_step_diff_holds_the_step_as_an_object_and_shows_it_inline() -> None:
    diff = FieldDiff("steps[3]", None, {"action": "Pay", "data": "4242"})
    shown = Change("update", "case", "c", diffs=(diff,), fields=("steps",))
    data = Plan("DEMO", changes=(shown,)).to_json()
    assert data["changes"][0]["diffs"] == [
        {"path": "steps[3]", "after": {"action": "Pay", "data": "4242"}}
    ]
    assert 'steps[3]: (none) → {action: "Pay", data: "4242"}' in render(
        Plan.from_json(data), "text", View()
    )


def test_json_carries_the_adoptions() -> None:
    adopted = replace(
        mixed(), adoptions=(Assignment(loc("a/cases.yaml", 2, ("cases", 0)), "id", 7),)
    )
    loaded = Plan.from_json(json.loads(json.dumps(adopted.to_json())))
    assert loaded.adoptions == adopted.adoptions


def test_a_saved_plan_of_another_format_version_is_refused() -> None:
    data = {**mixed().to_json(), "format_version": 2}
    with pytest.raises(SafetyError, match=r"format_version 2; expected 3 \(plan again"):
        Plan.from_json(data)


def test_the_fingerprint_changes_with_content_not_with_the_stamp_alone() -> None:
    case = live_tree().cases[0]
    assert fingerprint(case) == fingerprint(replace(case))
    assert fingerprint(case).sha256 != fingerprint(replace(case, title="Other")).sha256
    stamped = fingerprint(replace(case, updated_at="2027-01-01T00:00:00Z"))
    assert stamped.sha256 == fingerprint(case).sha256 and stamped.updated_at != case.updated_at


def test_the_estimate_counts_bulk_batches_and_single_creates() -> None:
    creates = [
        Change("create", "case", f"c{i}", desired=Case(f"c{i}", automation="manual"))
        for i in range(250)
    ]
    creates += [Change("create", "case", "auto", desired=Case("auto", automation="automated"))]
    updates = [Change("update", "case", "u", fields=("title",)) for _ in range(4)]
    result = Plan("DEMO", changes=tuple(creates + updates))
    assert result.estimate_requests() == 5 + 1 + 4  # bulks of 20, 40, 80, 100 and 10
    assert result.estimate_seconds(600) == pytest.approx(1.0)
    assert replace(result, bulk_size=10).estimate_requests() == 25 + 1 + 4


@pytest.mark.parametrize(
    ("cases", "fixed", "batches"),
    [
        *[(0, None, 0), (20, None, 1), (21, None, 2), (140, None, 3), (141, None, 4)],
        *[(1000, None, 12), (0, 7, 0), (100, 100, 1), (101, 100, 2), (5, 1, 5)],
    ],
)
def test_bulk_batches_are_the_fewest_the_adaptive_size_allows_or_of_bulk_size(
    cases: int, fixed: int | None, batches: int
) -> None:
    assert bulk_batches(cases, fixed) == batches


def test_the_estimate_adds_external_issue_attachment() -> None:
    created = Change("create", "case", "c", desired=Case("c", external_issues=("ENG-1",)))
    assert Plan("DEMO", changes=(created,)).estimate_requests() == 2


def test_the_estimate_counts_no_patch_for_a_change_of_external_issues_alone() -> None:
    issues = FieldDiff("external_issues", added=("ENG-3",), removed=("ENG-1",))
    changed = Change("update", "case", "c", fields=("external_issues",), diffs=(issues,))
    assert Plan("DEMO", changes=(changed,)).estimate_requests() == 2


def test_the_tree_fingerprint_follows_the_tree() -> None:
    assert tree_fingerprint(desired()) == tree_fingerprint(desired())
    other = replace(desired(), cases=desired().cases[:1])
    assert tree_fingerprint(other) != tree_fingerprint(desired())


@pytest.mark.parametrize("size", [0, 1, 3])
def test_the_tree_fingerprint_hashes_the_repr_of_the_tree_piece_by_piece(size: int) -> None:
    """Streamed one entity at a time, it is the hash of the tree's whole repr (as before
    it was streamed): plans saved before still match their tree."""
    tree = desired()
    tree = replace(tree, suites=tree.suites[:size], cases=tree.cases[:size])
    whole = hashlib.sha256(repr(replace(tree, settings=None)).encode("utf-8"))
    whole.update(json.dumps(to_data(tree.settings), sort_keys=True).encode("utf-8"))
    assert tree_fingerprint(tree) == whole.hexdigest()


def test_the_tree_fingerprint_is_the_same_in_every_process() -> None:
    import os
    import subprocess
    import sys

    code = (
        "from dataclasses import replace\n"
        "from kit.plans import desired, settings\n"
        "from qasesync.plans.plan import tree_fingerprint\n"
        "s = settings(ignore_fields=frozenset({'a', 'b', 'c', 'description'}))\n"
        "print(tree_fingerprint(replace(desired(), settings=s)))\n"
    )
    tests = os.path.dirname(__file__)
    prints = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": tests},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(prints) == 1 and len(prints.pop().strip()) == 64
