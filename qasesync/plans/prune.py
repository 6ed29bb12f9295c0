"""What becomes of the live entities no YAML entity claimed (docs/design.md §5),
and the rename-or-move warnings (section 6). Pure; used by the planner."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Literal

from qasesync.model import Case, Settings, SharedStep, Step, Suite
from qasesync.plans.normalise import RefMapper, show, text
from qasesync.plans.plan import Change, FieldDiff, Message, fingerprint


@dataclass(frozen=True)
class Leftovers:
    """The live entities matching left unclaimed, with what describing them needs:
    ``path`` shows a live suite key as a path, ``ref`` maps a desired shared-step key
    to the live hash it matched."""

    settings: Settings
    cases: tuple[Case, ...]  # in scope
    suites: tuple[Suite, ...]  # owned, children before parents
    shared_steps: tuple[SharedStep, ...]
    path: Callable[[str | None], str]
    ref: RefMapper


def prune_cases(left: Leftovers) -> tuple[list[Change], list[Message]]:
    """Deprecate (unless already deprecated) or delete the unclaimed cases in scope."""
    prune = left.settings.prune
    if prune == "off":
        count = len(left.cases)
        cases = "1 live case in scope has" if count == 1 else f"{count} live cases in scope have"
        note = f"{cases} no YAML case; kept (prune: off)"
        return [], [Message(note)] if count else []
    if prune == "delete":
        return [_case_change(left, "delete", c) for c in left.cases], []
    return [_case_change(left, "deprecate", c) for c in left.cases if c.status != "deprecated"], []


def _case_change(left: Leftovers, kind: Literal["deprecate", "delete"], case: Case) -> Change:
    deprecate = kind == "deprecate"
    return Change(
        kind,
        "case",
        case.title,
        live=case,
        fields=("status",) if deprecate else (),
        diffs=(FieldDiff("status", show(case.status), show("deprecated")),) if deprecate else (),
        fingerprint=fingerprint(case),
        suite=left.path(case.suite),
    )


def prune_suites(
    left: Leftovers, every_case: Iterable[Case], every_suite: Iterable[Suite], changes: list[Change]
) -> tuple[list[Change], list[Message]]:
    """Delete the unclaimed owned suites, children first, under ``prune: delete`` (their
    cases are deleted or moved away before); otherwise a note each. A suite that would
    still hold a live case or suite after ``changes`` is kept, with a note: deleting it
    would delete what it holds (say a suite that a folder outside ``scope`` names by id)."""
    if left.settings.prune != "delete":
        notes = [
            Message(
                f"live suite {s.title!r} (#{s.id}) has no folder in the tree; "
                "kept (only prune: delete removes a suite)"
            )
            for s in left.suites
        ]
        return [], notes
    held = _held(left, every_case, every_suite, changes)
    deleted, kept = [], []
    for suite in left.suites:  # children first: a kept child holds its parent
        if held[suite.key]:
            kept.append(_kept_note(suite, held[suite.key]))
            held[suite.parent].append(f"suite #{suite.id}")
            continue
        deleted.append(
            Change(
                "delete",
                "suite",
                suite.title,
                live=suite,
                fingerprint=fingerprint(suite),
                suite=left.path(suite.key),
            )
        )
    return deleted, kept


def _held(
    left: Leftovers, every_case: Iterable[Case], every_suite: Iterable[Suite], changes: list[Change]
) -> dict[str | None, list[str]]:
    """Per unclaimed suite, the live cases and claimed suites still in it after
    ``changes`` (neither deleted nor moved out)."""
    doomed = {s.key for s in left.suites}
    leaving = {
        c.live.id if isinstance(c.live, Case) else c.live.key
        for c in changes
        if c.live is not None
        and (c.kind == "delete" or {"suite", "parent"} & set(c.fields))
        and not isinstance(c.live, SharedStep)
    }
    held: dict[str | None, list[str]] = defaultdict(list)
    for case in every_case:
        if case.suite in doomed and case.id not in leaving:
            held[case.suite].append(f"case #{case.id}")
    for suite in every_suite:
        if suite.parent in doomed and suite.key not in doomed | leaving:
            held[suite.parent].append(f"suite #{suite.id}")
    return held


def _kept_note(suite: Suite, held: list[str]) -> Message:
    shown = ", ".join(held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
    return Message(
        f"live suite {suite.title!r} (#{suite.id}) has no folder in the tree but still holds "
        f"{shown}; kept (deleting it would delete them)"
    )


def prune_shared(
    left: Leftovers, every_shared: Iterable[SharedStep], case_changes: list[Change]
) -> tuple[list[Change], list[Message]]:
    """Delete an unclaimed shared step under ``prune: delete`` without ``scope`` when no
    live case uses it once the plan is applied; otherwise a note naming its users."""
    if left.settings.prune != "delete" or left.settings.scope:
        return [], []
    still = _still_using(every_shared, case_changes, left.ref)
    changes, notes = [], []
    for step in left.shared_steps:
        users = ", ".join(f"#{i}" for i in sorted(still[step.key]))
        if users:
            kept = f"live shared step {step.title!r} is not in the tree but cases {users} use it"
            notes.append(Message(f"{kept}; kept"))
        else:
            changes.append(
                Change(
                    "delete", "shared_step", step.title, live=step, fingerprint=fingerprint(step)
                )
            )
    return changes, notes


def _still_using(
    every_shared: Iterable[SharedStep], case_changes: list[Change], ref: RefMapper
) -> dict[str, set[int]]:
    """Per live shared-step hash, the live cases that use it after apply."""
    gone = {c.live.id for c in case_changes if c.kind == "delete" and isinstance(c.live, Case)}
    restepped = {
        c.live.id: c.desired
        for c in case_changes
        if isinstance(c.live, Case) and isinstance(c.desired, Case) and "steps" in c.fields
    }
    using: dict[str, set[int]] = defaultdict(set)
    for step in every_shared:
        for case_id in step.used_by:
            desired = restepped.get(case_id)
            kept = desired is None or step.key in _refs(desired.steps, ref)
            if case_id not in gone and kept:
                using[step.key].add(case_id)
    return using


def _refs(steps: Iterable[Step], ref: RefMapper) -> set[str]:
    found: set[str] = set()
    for step in steps:
        if step.shared is not None:
            found.add(ref(step.shared))
        found |= _refs(step.steps, ref)
    return found


def rename_warnings(
    created: list[Change], pruned: list[Change], content: Callable[[Case, bool], Hashable]
) -> list[Message]:
    """A warning for each created case that looks like a pruned one renamed or moved:
    the same title (another suite), or the same ``content`` (another title)."""
    by_title: dict[str, list[Case]] = defaultdict(list)
    by_content: dict[Hashable, list[Case]] = defaultdict(list)
    for gone in (c.live for c in pruned if isinstance(c.live, Case)):
        by_title[text(gone.title).casefold()].append(gone)
        by_content[content(gone, True)].append(gone)
    warnings = []
    for change in created:
        case = change.desired
        if change.kind != "create" or not isinstance(case, Case):
            continue
        alike = by_title.get(text(case.title).casefold()) or by_content.get(content(case, False))
        if alike:
            old = alike[0]
            warnings.append(
                Message(
                    f"case {case.title!r} looks like a rename or move of #{old.id} "
                    f"{old.title!r} — add `id: {old.id}` to keep its history",
                    case.location,
                )
            )
    return warnings


def duplicate_warnings(
    left: Leftovers, claimed: Iterable[Case], tree_cases: Iterable[Case]
) -> list[Message]:
    """A warning for each unclaimed live case that repeats a live case the tree holds by id
    (same suite, same title, a later id): what a bulk create leaves when it commits after
    its answer was lost and the cases were sent again. Named as such, at the tree case."""
    where = {c.id: c.location for c in tree_cases}
    owners: dict[tuple[str | None, str], Case] = {}
    for case in sorted(claimed, key=lambda c: c.id or 0):
        owners.setdefault((case.suite, text(case.title).casefold()), case)
    warnings = []
    for extra in left.cases:
        owner = owners.get((extra.suite, text(extra.title).casefold()))
        if owner is None or (extra.id or 0) <= (owner.id or 0):
            continue
        warnings.append(
            Message(
                f"live case #{extra.id} {extra.title!r} is a duplicate of #{owner.id}, which "
                "this project created: a bulk create that got no answer in time committed "
                f"after the cases were sent again; prune: {left.settings.prune} applies to "
                "it like any live case without a YAML case",
                where.get(owner.id),
            )
        )
    return warnings


def children_of(suites: Iterable[Suite]) -> dict[str | None, list[Suite]]:
    children: dict[str | None, list[Suite]] = defaultdict(list)
    for suite in suites:
        children[suite.parent].append(suite)
    return children


def post_order(suites: tuple[Suite, ...], keep: set[str]) -> tuple[Suite, ...]:
    """The suites in ``keep``, children before parents."""
    children = children_of(suites)
    order: list[Suite] = []

    def visit(key: str | None) -> None:
        for child in children[key]:
            visit(child.key)
            if child.key in keep:
                order.append(child)

    visit(None)
    return tuple(order)
