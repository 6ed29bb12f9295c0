"""The three-way view of cases, suites and shared steps (docs/design.md §11): for each, what
the tree changed, what changed in Qase (drift) and what both changed (a conflict), against
the base record. Pure; the planner asks it about each entity and collects what it finds.
Suites and shared steps, whose fields are plain, go through `entity_sides`.

`CaseSync` answers three questions:

- a matched pair (`matched`): the case apply should send (the tree's, with what Qase
  changed kept), the diffs of the tree's own changes, and what the base records once they
  are made;
- a tree case no live case matches (`unmatched`): create it, or was it deleted in Qase?
- the live cases no tree case claims (`unclaimed`): prune them, or were they created in
  Qase (or are they late copies of this project's own creates)?
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from qasesync.model import Base, Case, SharedStep, Suite, Synced, live_suite_id, live_suite_key
from qasesync.plans import threeway
from qasesync.plans.casediff import CaseDiffer, field_names
from qasesync.plans.normalise import show, steps_data, steps_view_of_data, text, value_at
from qasesync.plans.plan import Change, EntityKind, FieldDiff, Message
from qasesync.plans.threeway import Record, Sides

#: The suite a case's diffs show as moved, live against desired (the planner's rule).
SuiteDiff = Callable[[Case, Case], list[FieldDiff]]


@dataclass
class _Sync:
    """What three-way decisions start from, and what they leave for the plan: drift,
    conflicts and the base records of unchanged entities.

    ``keeps_drift``: drift is left alone (a base exists and ``drift`` is not ``revert``;
    always for pull). ``for_pull``: without a base, the tree counts as the last sync.
    ``record_unchanged``: work out the records of unchanged entities (apply and pull write
    them; a plan to show does not need them, and a no-op plan of 10,000 cases is a
    third faster without)."""

    base: Base | None
    keeps_drift: bool
    for_pull: bool
    record_unchanged: bool = False
    drift: list[Change] = field(default_factory=list)
    conflicts: list[Change] = field(default_factory=list)
    synced: list[Record] = field(default_factory=list)


@dataclass
class CaseSync(_Sync):
    """Three-way decisions about cases (see `_Sync`); ``warnings`` name late copies."""

    differ: CaseDiffer = field(kw_only=True)
    warnings: list[Message] = field(default_factory=list)

    # --- matched pairs ------------------------------------------------------------------

    def matched(
        self,
        case: Case,
        pair: tuple[Case, Case],
        diffs: list[FieldDiff],
        *,
        suite: str | None,
        suite_diff: SuiteDiff,
    ) -> tuple[Case, list[FieldDiff], dict[str, Any]]:
        """``pair`` is the resolved tree case and the live one, ``diffs`` their differences
        and ``suite`` the tree's suite as the base records it."""
        resolved, live = pair
        if not diffs and not self.record_unchanged:
            return resolved, diffs, {}
        tree = self.differ.synced(resolved, live=False, suite=suite)
        entry = self._entry(live.id)
        if not diffs:
            if entry != tree and live.id is not None:
                self.synced.append(Record("case", live.id, threeway.Packed(tree)))
            return resolved, diffs, tree
        if self.base is None and self.for_pull:
            entry = tree  # pull without a record: the tree was the last sync
        theirs = self.differ.synced(live, live=True, suite=live.suite)
        keys = {threeway.field_key(d.path) for d in diffs}
        partial = self.base.partial if self.base else frozenset()
        sides = threeway.classify(keys, tree, theirs, entry, partial)
        if not self.keeps_drift:  # drift: revert: the tree wins, conflicts included
            return resolved, _reverting(diffs, sides), tree
        self._conflicts(case, pair, diffs, sides, entry)
        merged = self._merged(resolved, live, sides, entry)
        if sides.drift:
            shown = replace(live, tags=merged.tags, parameters=merged.parameters)
            pulled = {**(entry or {}), **{k: theirs.get(k) for k in sides.drift}}
            self.drift.append(_drift_change(case, (resolved, shown), diffs, sides, pulled))
        kept = suite_diff(merged, live) + self.differ.diffs(merged, live)
        ours = [_based(d, entry) for d in kept if threeway.field_key(d.path) in sides.changed]
        return merged, ours, _record(tree, entry, sides)

    def _entry(self, case_id: int | None) -> Synced | None:
        return self.base.cases.get(case_id) if self.base and case_id is not None else None

    def _conflicts(
        self,
        case: Case,
        pair: tuple[Case, Case],
        diffs: list[FieldDiff],
        sides: Sides,
        entry: Synced | None,
    ) -> None:
        if not sides.conflict:
            return
        resolved, live = pair
        shown = [_conflict(d, entry) for d in diffs if threeway.field_key(d.path) in sides.conflict]
        self.conflicts.append(
            Change(
                "update",
                "case",
                case.title,
                desired=resolved,
                live=live,
                diffs=tuple(shown),
                suite=case.suite or "",
            )
        )

    def _merged(self, resolved: Case, live: Case, sides: Sides, entry: Synced | None) -> Case:
        """The tree's case with what changed in Qase kept: tags merged per tag, drifted
        parameter lists taken from live (the patch sends all parameters at once)."""
        merged = resolved
        if "tags" in sides.drift and "tags" in sides.changed and entry is not None:
            tags = threeway.merged_items(
                [text(t) for t in resolved.tags],
                [text(t) for t in live.tags],
                entry.get("tags") or [],
            )
            merged = replace(merged, tags=tuple(tags))
        elif "tags" in sides.drift:
            merged = replace(merged, tags=live.tags)
        parameters = dict(merged.parameters)
        for key in (k for k in sides.drift if k.startswith("parameters.")):
            name = key[len("parameters.") :]
            if name in live.parameters:
                parameters[name] = live.parameters[name]
            else:
                parameters.pop(name, None)
        return replace(merged, parameters=parameters)

    # --- unmatched tree cases -----------------------------------------------------------

    def unmatched(self, case: Case, resolved: Case, *, suite: str | None) -> Change | None:
        """A tree case no live case matches: created, unless it was deleted in Qase since
        the last sync (its id is in the base), which is drift (a conflict when the tree
        edited it since)."""
        synced = self.differ.synced(resolved, live=False, suite=suite)
        folder = case.suite or ""
        entry = self._entry(case.id)
        if entry is None or not self.keeps_drift:
            return Change(
                "create", "case", case.title, desired=resolved, suite=folder, synced=synced
            )
        if _without(synced, ["suite"]) != _without(entry, ["suite"]):  # its suite may be gone too
            note = FieldDiff("(deleted in Qase)", side="conflict", after="edited")
            self.conflicts.append(
                Change("update", "case", case.title, desired=resolved, suite=folder, diffs=(note,))
            )
        else:
            self.drift.append(Change("delete", "case", case.title, desired=resolved, suite=folder))
        return None

    # --- unclaimed live cases -----------------------------------------------------------

    def unclaimed(self, left: list[Case], path: Callable[[str | None], str]) -> tuple[Case, ...]:
        """The live cases in scope no tree case claims, less those created in Qase since
        the last sync (in no base), which become drift unless ``drift: revert``; ``path``
        shows a live suite key as a path. A deprecated case in no base is what apply makes
        of a case the tree removed (before the base recorded it): pruned, so no change."""
        if not self.keeps_drift:
            return tuple(left)
        synced: set[int | str | None] = set(self.base.cases) if self.base is not None else set()
        if self.base is not None:  # on two lines of the record: known, just not sure how
            synced |= {key for kind, key in self.base.unsure if kind == "case"}
        unknown = [c for c in left if c.id not in synced and c.status != "deprecated"]
        copies = self._copies(unknown)
        for case in (c for c in unknown if c.id not in copies):
            theirs = self.differ.synced(case, live=True, suite=case.suite)
            self.drift.append(
                Change(
                    "create", "case", case.title, live=case, suite=path(case.suite), synced=theirs
                )
            )
        created = {c.id for c in unknown} - copies
        return tuple(c for c in left if c.id not in created)

    def _copies(self, unknown: Sequence[Case]) -> set[int | None]:
        """Live cases in no base record that have the title and suite of a recorded case:
        second copies this project made (a bulk create the service committed after the
        client gave up on it), not cases created in Qase: pruned by apply (with a warning
        naming the case they copy), never added to the tree by `pull`."""
        if self.base is None or not unknown:  # no record read for nothing to look up
            return set()
        recorded = {(f.get("suite"), f.get("title")): i for i, f in self.base.cases.items()}
        copies: set[int | None] = set()
        for case in unknown:
            original = recorded.get((case.suite, text(case.title)))
            if original is not None and original != case.id:
                copies.add(case.id)
                self.warnings.append(
                    Message(
                        f"case #{case.id} {case.title!r} has the title and suite of #{original}, "
                        "which qasesync created and recorded: a second copy from a create whose "
                        "answer was lost, not a case made in Qase; pruned"
                    )
                )
        return copies


def _drift_change(
    case: Case,
    pair: tuple[Case, Case],
    diffs: list[FieldDiff],
    sides: Sides,
    pulled: Synced,
) -> Change:
    """A case changed in Qase, as `pull` reads it: the drifted ``fields`` to write with
    the values of ``live`` (tags and parameters already merged with the tree's own edits),
    and what the base records once they are pulled (``pulled``)."""
    resolved, live = pair
    ours = [d for d in diffs if threeway.field_key(d.path) in sides.drift]
    return Change(
        "update",
        "case",
        case.title,
        desired=resolved,
        live=live,
        fields=tuple(field_names(ours)),
        diffs=tuple(_drifted(d) for d in ours),
        suite=case.suite or "",
        synced=pulled,
    )


def _reverting(diffs: list[FieldDiff], sides: Sides) -> list[FieldDiff]:
    """Under ``drift: revert``: every difference, what Qase changed marked as drift."""
    undone = sides.drift | sides.conflict
    return [replace(d, side="drift") if threeway.field_key(d.path) in undone else d for d in diffs]


def _without(fields: Synced, names: Iterable[str]) -> dict[str, Any]:
    drop = set(names)
    return {k: v for k, v in fields.items() if k not in drop}


def _record(tree: Synced, entry: Synced | None, sides: Sides) -> dict[str, Any]:
    """What the base records once the tree's changes are made: the tree's fields, but a
    drifted or conflicting field keeps its old base value (tags: the tree's, so that Qase's
    own additions and removals stay drift)."""
    hold = (sides.drift | sides.conflict) - threeway.MERGED
    record = _without(tree, hold)
    for key in hold:
        if entry is not None and key in entry:
            record[key] = entry[key]
    return record


def _conflict(diff: FieldDiff, entry: Synced | None) -> FieldDiff:
    """A tree-vs-live diff as a conflict line, with the base value both sides left."""
    return replace(_based(diff, entry), side="conflict")


def _based(diff: FieldDiff, entry: Synced | None) -> FieldDiff:
    """The diff with the base value of its field (for the saved plan), when recorded."""
    if entry is None:
        return diff
    recorded = entry.get(threeway.field_key(diff.path))
    if diff.path.startswith("steps") and isinstance(recorded, list):
        recorded = value_at(steps_view_of_data(recorded), diff.path)
    return replace(diff, base=show(recorded))


def _drifted(diff: FieldDiff) -> FieldDiff:
    """A tree-vs-live diff seen from the base: the tree holds the base value, so it is
    the old one (and the base) and live the new."""
    return replace(
        diff,
        before=diff.after,
        after=diff.before,
        added=diff.removed,
        removed=diff.added,
        side="drift",
        base=diff.after,
    )


# --- suites and shared steps -------------------------------------------------------------


@dataclass
class EntitySides:
    """The three-way view of one matched suite or shared step: the diffs apply makes and
    what the base records once they are made; drift and a conflict, when there are, as
    changes."""

    diffs: list[FieldDiff]
    record: dict[str, Any]
    drift: Change | None = None
    conflict: Change | None = None


def suite_form(suite: Suite, parent: str | None) -> dict[str, Any]:
    """A suite's managed fields in the synced form; ``parent`` as the base records it."""
    values: dict[str, Any] = {
        name: text(getattr(suite, name)) for name in ("title", "description", "preconditions")
    }
    values["parent"] = parent
    return {k: v for k, v in values.items() if v}


def shared_form(shared: SharedStep) -> dict[str, Any]:
    """A shared step's managed fields in the synced form (its steps hold no references)."""
    values = {"title": text(shared.title), "steps": steps_data(shared.steps, lambda key: key)}
    return {k: v for k, v in values.items() if v}


def entity_sides(
    pair: tuple[Suite, Suite] | tuple[SharedStep, SharedStep],
    diffs: list[FieldDiff],
    forms: tuple[dict[str, Any], dict[str, Any], Synced | None],
    *,
    keeps_drift: bool,
) -> EntitySides:
    """``pair``: the tree's suite (or shared step) and the live one; ``forms``: their
    synced forms and the base record (the tree's form when pull has no base)."""
    tree, theirs, entry = forms
    sides = threeway.classify({threeway.field_key(d.path) for d in diffs}, tree, theirs, entry)
    if not keeps_drift:
        return EntitySides(_reverting(diffs, sides), tree)
    desired, live = pair
    kind: EntityKind = "suite" if isinstance(desired, Suite) else "shared_step"
    group = desired.key if isinstance(desired, Suite) else ""
    drift = conflict = None
    if sides.drift:
        mine = [d for d in diffs if threeway.field_key(d.path) in sides.drift]
        pulled = {**(entry or {}), **{k: theirs.get(k) for k in sides.drift}}
        drift = Change(
            "update",
            kind,
            desired.title,
            desired=desired,
            live=live,
            fields=tuple(sorted(sides.drift)),
            diffs=tuple(_drifted(d) for d in mine),
            suite=group,
            synced=pulled,
        )
    if sides.conflict:
        key = threeway.field_key
        shown = tuple(_conflict(d, entry) for d in diffs if key(d.path) in sides.conflict)
        conflict = Change(
            "update", kind, desired.title, desired=desired, live=live, diffs=shown, suite=group
        )
    ours = [_based(d, entry) for d in diffs if threeway.field_key(d.path) in sides.changed]
    return EntitySides(ours, _record(tree, entry, sides), drift, conflict)


@dataclass
class EntitySync(_Sync):
    """Three-way decisions about suites and shared steps (see `_Sync`)."""

    def matched(
        self,
        pair: tuple[Suite, Suite] | tuple[SharedStep, SharedStep],
        diffs: list[FieldDiff],
        forms: tuple[dict[str, Any], dict[str, Any]],
    ) -> EntitySides:
        """``forms``: the synced forms of the tree's entity and the live one."""
        tree, theirs = forms
        kind, key = _identity(pair[1])
        entry = self._entry(kind, key)
        if not diffs:
            if self.record_unchanged and entry != tree and key is not None:
                self.synced.append(Record(kind, key, tree))
            return EntitySides(diffs, tree)
        if self.base is None and self.for_pull:
            entry = tree  # pull without a record: the tree was the last sync
        sides = entity_sides(pair, diffs, (tree, theirs, entry), keeps_drift=self.keeps_drift)
        self.drift += [sides.drift] if sides.drift else []
        self.conflicts += [sides.conflict] if sides.conflict else []
        return sides

    def _entry(self, kind: str, key: int | str | None) -> Synced | None:
        if self.base is None or key is None:
            return None
        table: Mapping[Any, Synced] = (
            self.base.suites if kind == "suite" else self.base.shared_steps
        )
        return table.get(key)

    def unclaimed_suites(
        self, unclaimed: set[str], suites: Mapping[str, Suite], path: Callable[[str], str]
    ) -> set[str]:
        """The unclaimed live suites (keys) the prune may touch: not those created in Qase
        since the last sync (in no base), which are drift; `pull` sees them all."""
        if self.for_pull or not self.keeps_drift or self.base is None:
            return unclaimed
        recorded = {live_suite_key(i) for i in self.base.suites}
        for key in sorted(unclaimed - recorded, key=live_suite_id):
            suite = suites[key]
            form = suite_form(suite, suite.parent)
            made = Change("create", "suite", suite.title, live=suite, suite=path(key), synced=form)
            self.drift.append(made)
        return unclaimed & recorded

    def unclaimed_shared(self, unclaimed: tuple[SharedStep, ...]) -> tuple[SharedStep, ...]:
        """The unclaimed live shared steps the prune may touch: not those created in Qase
        since the last sync (in no base), which are drift; `pull` sees them all."""
        if self.for_pull or not self.keeps_drift or self.base is None:
            return unclaimed
        recorded = self.base.shared_steps
        for step in (s for s in unclaimed if s.key not in recorded):
            made = Change("create", "shared_step", step.title, live=step, synced=shared_form(step))
            self.drift.append(made)
        return tuple(s for s in unclaimed if s.key in recorded)


def _identity(live: Suite | SharedStep) -> tuple[str, int | str | None]:
    """How the record names a live suite (by id) or shared step (by hash)."""
    return ("suite", live.id) if isinstance(live, Suite) else ("shared_step", live.key)
