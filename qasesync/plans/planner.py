"""The planner: ``plan(desired, live, settings) → Plan``. Pure: no HTTP, no files.

Matching first (docs/design.md §4), then diffing the managed fields of each matched
pair on normalised values (`qasesync.plans.normalise`). Every problem is collected before one
`PlanError` is raised, each with the YAML place of the entity it concerns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, TypeVar

from qasesync.errors import ConfigError, PlanError, Problem
from qasesync.model import (
    Assignment,
    Base,
    Case,
    Live,
    Location,
    Settings,
    SharedStep,
    Step,
    Suite,
    Tree,
    collector_paused,
)
from qasesync.plans import attachments, destroy, prune
from qasesync.plans.casediff import CaseDiffer, base_field, field_names
from qasesync.plans.checks import parent_loops, workspace_problems
from qasesync.plans.normalise import show, text, workspace_content
from qasesync.plans.plan import (
    Change,
    Entity,
    EntityKind,
    FieldDiff,
    Message,
    Plan,
    fingerprint,
    tree_fingerprint,
)
from qasesync.plans.sync import CaseSync, EntitySync, shared_form, suite_form
from qasesync.plans.threeway import NEW as NEW_REF

#: A desired suite that has no live suite yet: nothing live is in it.
NEW = "(new)"
SUITE_FIELDS = ("title", "description", "preconditions")
#: A live entity of one kind, matched by title.
Matched = TypeVar("Matched", Case, Suite, SharedStep)


def plan(
    desired: Tree,
    live: Live,
    settings: Settings,
    *,
    for_pull: bool = False,
    base: Base | None = None,
    record_unchanged: bool = False,
    allow_attachment_loss: bool = False,
) -> Plan:
    """The changes that make ``live`` match ``desired``, in apply's order (docs/design.md §6).

    Raises `PlanError` with every problem found (unknown enum options or custom
    fields, ambiguous matches, inexpressible fields that would be overwritten, ...).
    ``for_pull``: the plan is read backwards (`qasesync.adopt.pull`), so a move the API
    cannot make (a case to the project root) is no problem: pull moves the YAML.
    ``base``: the last synced state; with it each difference is attributed to the tree,
    to Qase (drift) or to both (a conflict), docs/design.md §11. Without it the plan is
    two-way: the tree wins every difference. ``record_unchanged``: also work out the
    base records of unchanged entities whose record is missing or stale (``Plan.synced``),
    which only apply and pull write; a plan to show skips that work.
    ``allow_attachment_loss``: a tree change that deletes a step holding attachments in
    Qase is a warning, not a plan error (`qasesync.plans.attachments`).
    """
    with collector_paused():
        planner = _Planner(
            desired,
            live,
            settings,
            for_pull=for_pull,
            base=base,
            record_unchanged=record_unchanged,
            allow_attachment_loss=allow_attachment_loss,
        )
        return planner.run()


@dataclass
class _Planner:
    desired: Tree
    live: Live
    settings: Settings
    for_pull: bool = False
    base: Base | None = None
    record_unchanged: bool = False
    allow_attachment_loss: bool = False
    problems: list[Problem | str] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)
    adoptions: list[Assignment] = field(default_factory=list)  # matched by title
    suite_map: dict[str, Suite] = field(default_factory=dict)  # desired key → live suite
    shared_map: dict[str, SharedStep] = field(default_factory=dict)  # desired key → live
    claimed_suites: set[str] = field(default_factory=set)  # live keys
    claimed_cases: set[int] = field(default_factory=set)
    _folder_cache: dict[str, str] = field(default_factory=dict)

    def run(self) -> Plan:
        if self.base is not None and self.base.unsure:
            self.warnings.append(Message(_unsure(self.base.unsure)))
        self._check_workspace()
        self._check_live_suites()
        self._check_scope()
        suites = self._suite_changes()
        shared = self._shared_changes()
        cases = self._case_changes()
        left = self._leftovers()
        pruned = self._noted(prune.prune_cases(left))
        self.warnings += prune.rename_warnings(cases, pruned, self._content)
        if self.base is None:  # with a base record, `_Sync` names the late copies
            claimed = [c for c in self.live.tree.cases if c.id in self.claimed_cases]
            self.warnings += prune.duplicate_warnings(left, claimed, self.desired.cases)
        every_shared = self.live.tree.shared_steps
        tail = self._noted(prune.prune_shared(left, every_shared, cases + pruned))
        tree = self.live.tree
        changed = suites + cases + pruned
        if self.for_pull:  # pull reads drift as changes: the suites it empties can go too
            drift = self._sync.drift
            changed += [replace(c, kind="delete") if c.kind == "create" else c for c in drift]
        tail += self._noted(prune.prune_suites(left, tree.cases, tree.suites, changed))
        if self.problems:
            raise PlanError(_sorted(self.problems))
        changes = suites + shared + cases + pruned + tail
        return self._plan(sorted(changes, key=lambda change: change.phase))

    def _noted(self, result: tuple[list[Change], list[Message]]) -> list[Change]:
        changes, notes = result
        self.notes += notes
        return changes

    def _leftovers(self) -> prune.Leftovers:
        claimed_shared = {s.key for s in self.shared_map.values()}
        unclaimed = self._owned_live_suites() - self.claimed_suites
        owned = self._entities.unclaimed_suites(unclaimed, self._live_suites, self._live_path)
        return prune.Leftovers(
            settings=self.settings,
            cases=self._unclaimed_cases(),
            suites=prune.post_order(self.live.tree.suites, owned),
            shared_steps=self._entities.unclaimed_shared(
                tuple(s for s in self.live.tree.shared_steps if s.key not in claimed_shared)
            ),
            path=self._live_path,
            ref=self._ref,
        )

    def _unclaimed_cases(self) -> tuple[Case, ...]:
        """The live cases in scope no tree case claims and the prune may touch."""
        left = [c for c in self._live_cases_in_scope() if c.id not in self.claimed_cases]
        return self._sync.unclaimed(left, self._live_path)

    @cached_property
    def _sync(self) -> CaseSync:
        """The three-way view of the cases; built after shared steps are matched."""
        return CaseSync(
            self.base,
            differ=self._differ,
            keeps_drift=self._keeps_drift,
            for_pull=self.for_pull,
            record_unchanged=self.record_unchanged,
        )

    def _content(self, case: Case, live: bool) -> Hashable:
        return self._differ.content(case, live=live)

    def _plan(self, changes: list[Change]) -> Plan:
        result = self._plan_of(changes)
        refusal = destroy.check(changes, result.in_scope, self.settings.max_destroy)
        if refusal is None:
            return result
        # Said in the plan a pull request shows, not only when apply refuses after merge.
        refused = Message(f"{refusal}{destroy.REFUSED_IN_PLAN} (or {refusal.setting})")
        return replace(result, warnings=(*result.warnings, refused))

    def _plan_of(self, changes: list[Change]) -> Plan:
        return Plan(
            project=self.settings.project,
            changes=tuple(changes),
            warnings=(*self.warnings, *self._sync.warnings),
            notes=tuple(self.notes),
            suite_ids={k: s.id for k, s in self.suite_map.items() if s.id is not None},
            shared_hashes={k: s.hash for k, s in self.shared_map.items() if s.hash},
            in_scope=destroy.InScope.of(self._live_cases_in_scope()),
            max_destroy=self.settings.max_destroy,
            tree_fingerprint=tree_fingerprint(self.desired),
            adoptions=tuple(self.adoptions) if self.settings.write_back else (),
            ignore_fields=self.settings.ignore_fields,
            drift=(*self._entities.drift, *self._sync.drift),
            conflicts=(*self._entities.conflicts, *self._sync.conflicts),
            synced=(*self._entities.synced, *self._sync.synced),
            two_way=self.base is None and _holds_ids(self.desired),
            drift_mode=self.settings.drift,
            bulk_size=self.settings.bulk_size,
        )

    def _problem(self, location: Location | None, message: str) -> None:
        if location is None:
            self.problems.append(message)
        else:
            self.problems.append(Problem(location.file, location.line, location.col, message))

    # --- scope ----------------------------------------------------------------------------

    def _owned(self, key: str) -> bool:
        """Whether a desired suite folder is managed (in or under a scope path)."""
        scope = self.settings.scope
        return not scope or any(key == s or key.startswith(s + "/") for s in scope)

    def _above_scope(self, key: str) -> bool:
        """Whether a desired suite folder holds a scope path (created when missing)."""
        return any(s.startswith(key + "/") for s in self.settings.scope)

    def _check_scope(self) -> None:
        if not self.settings.scope:
            return
        for case in self.desired.cases:
            if case.suite is None or not self._owned(case.suite):
                where = case.suite or "the root of the tree"
                self._problem(case.location, f"case {case.title!r} is in {where}, outside scope")

    def _owned_live_suites(self) -> set[str]:
        live_suites = self.live.tree.suites
        if not self.settings.scope:
            return {s.key for s in live_suites}
        owned = {self.suite_map[k].key for k in self.settings.scope if k in self.suite_map}
        children = prune.children_of(live_suites)
        stack = list(owned)
        while stack:
            for child in children[stack.pop()]:
                owned.add(child.key)
                stack.append(child.key)
        return owned

    def _live_cases_in_scope(self) -> list[Case]:
        if not self.settings.scope:
            self._check_read(None)
            return list(self.live.tree.cases)
        owned = self._owned_live_suites()
        self._check_read(owned)
        return [c for c in self.live.tree.cases if c.suite in owned]

    def _check_read(self, owned: set[str] | None) -> None:
        """A scoped read (docs/design.md §13) must hold every case of every owned suite:
        otherwise an unread case would look gone and be pruned or created again."""
        read = self.live.cases_of
        if read is None or (owned is not None and owned <= read):
            return
        missed = "every suite" if owned is None else ", ".join(sorted(owned - read))
        raise PlanError([f"the live read left out the cases of {missed}; plan again"])

    def _check_live_suites(self) -> None:
        """Suites whose parents loop belong to no tree: every walk up from them would
        never end. Refused before any matching."""
        loops = parent_loops(self.live.tree.suites)
        for message in loops:
            self._problem(None, message)
        if loops:
            raise PlanError(_sorted(self.problems))

    def _check_workspace(self) -> None:
        found = workspace_problems(
            self.desired.cases, self.live.workspace, project=self.settings.project
        )
        for location, message in found:
            self._problem(location, message)

    # --- suites -----------------------------------------------------------------------------

    def _suite_changes(self) -> list[Change]:
        live_by_id = {s.id: s for s in self.live.tree.suites if s.id is not None}
        # A suite an id names is not free for a title match, even one made first (the
        # title matches run parents first, and a deeper suite may hold that id).
        self.claimed_suites |= {
            live_by_id[s.id].key
            for s in self.desired.suites
            if s.id is not None and s.id in live_by_id
        }
        by_parent_title: dict[tuple[str | None, str], list[Suite]] = defaultdict(list)
        for suite in self.live.tree.suites:
            by_parent_title[(suite.parent, text(suite.title))].append(suite)
        changes: list[Change] = []
        for suite in sorted(self.desired.suites, key=lambda s: s.key.count("/")):
            match = self._match_suite(suite, live_by_id, by_parent_title)
            change = self._suite_change(suite, match)
            if change is not None:
                changes.append(change)
        return changes

    def _match_suite(
        self,
        suite: Suite,
        by_id: dict[int, Suite],
        by_parent_title: dict[tuple[str | None, str], list[Suite]],
    ) -> Suite | None:
        if suite.id is not None:
            match = by_id.get(suite.id)
        else:
            parent = self._live_parent(suite.parent)
            same = by_parent_title.get((parent, text(suite.title)), [])
            found = [s for s in same if s.key not in self.claimed_suites]
            match = self._one(found, suite.location, f"suite {suite.key!r}")
            if match is not None and (self._owned(suite.key) or self._above_scope(suite.key)):
                self._adopt(suite, "id", match.id)
        if match is not None:
            self.suite_map[suite.key] = match
            self.claimed_suites.add(match.key)
        return match

    def _adopt(self, entity: Case | Suite | SharedStep, key: str, value: int | str | None) -> None:
        """A tree entity without id (or hash) matched by title: apply writes it back."""
        if entity.location is not None and value is not None:
            self.adoptions.append(Assignment(entity.location, key, value))

    def _live_parent(self, parent: str | None) -> str | None:
        if parent is None:
            return None
        match = self.suite_map.get(parent)
        return match.key if match is not None else NEW

    def _suite_change(self, suite: Suite, match: Suite | None) -> Change | None:
        if match is None and not (self._owned(suite.key) or self._above_scope(suite.key)):
            note = f"folder {suite.key!r} is outside scope and has no live suite; not created"
            self.notes.append(Message(note, suite.location))
            return None
        if match is None:
            if suite.id is not None:
                self._gone(suite.location, f"suite {suite.key!r} has id {suite.id}")
            synced = suite_form(suite, self._suite_ref(suite.parent))
            return Change(
                "create", "suite", suite.title, desired=suite, suite=suite.key, synced=synced
            )
        if not self._owned(suite.key):
            return None
        diffs = [
            FieldDiff(name, show(text(getattr(match, name))), show(text(getattr(suite, name))))
            for name in SUITE_FIELDS
            if text(getattr(match, name)) != text(getattr(suite, name))
        ]
        names = [d.path for d in diffs]
        parent = self._live_parent(suite.parent)
        if parent != match.parent:
            names.append("parent")
            diffs.append(
                FieldDiff("parent", show(self._live_path(match.parent)), show(suite.parent))
            )
        diffs, record = self._suite_sides(suite, match, diffs)
        names = [d.path for d in diffs]
        if not names:
            return None
        change = self._update("suite", suite.title, suite, match, names, diffs, suite.key)
        return replace(change, synced=record)

    def _suite_sides(
        self, suite: Suite, match: Suite, diffs: list[FieldDiff]
    ) -> tuple[list[FieldDiff], dict[str, Any]]:
        """The suite's differences the tree made, and its base record once made; drift
        and conflicts go to `_entities` (docs/design.md §11)."""
        forms = (suite_form(suite, self._suite_ref(suite.parent)), suite_form(match, match.parent))
        sides = self._entities.matched((suite, match), diffs, forms)
        return sides.diffs, sides.record

    @cached_property
    def _entities(self) -> EntitySync:
        """The three-way view of suites and shared steps."""
        return EntitySync(
            self.base,
            keeps_drift=self._keeps_drift,
            for_pull=self.for_pull,
            record_unchanged=self.record_unchanged,
        )

    @property
    def _keeps_drift(self) -> bool:
        """Drift is left alone: a base exists and ``drift`` is not ``revert``; always for
        `pull`, which brings it into the tree."""
        return self.for_pull or (self.base is not None and self.settings.drift != "revert")

    def _update(
        self,
        entity: EntityKind,
        name: str,
        desired: Entity,
        live: Entity,
        names: list[str],
        diffs: list[FieldDiff],
        suite: str,
    ) -> Change:
        return Change(
            "update",
            entity,
            name,
            desired=desired,
            live=live,
            fields=tuple(names),
            diffs=tuple(diffs),
            fingerprint=fingerprint(live),
            suite=suite,
            used_by=live.used_by if isinstance(live, SharedStep) else (),
        )

    def _live_path(self, key: str | None) -> str:
        """A live suite as a path: the matched folder where there is one, else titles
        below the nearest matched ancestor."""
        folders = self._folders()
        by_key = self._live_suites
        parts: list[str] = []
        while key is not None and key in by_key:
            if key in folders:
                parts.append(folders[key])
                break
            parts.append(by_key[key].title)
            key = by_key[key].parent
        return "/".join(reversed(parts))

    @cached_property
    def _live_suites(self) -> dict[str, Suite]:
        return self.live.tree.suite_by_key()

    def _folders(self) -> dict[str, str]:
        """Live suite key → matched folder; rebuilt only when matching added suites."""
        if len(self._folder_cache) != len(self.suite_map):
            self._folder_cache = {s.key: folder for folder, s in self.suite_map.items()}
        return self._folder_cache

    def _one(self, found: list[Matched], location: Location | None, what: str) -> Matched | None:
        if len(found) > 1:
            ids = " and ".join(_ident(f) for f in found)
            self._problem(location, f"{what} matches {ids} by title; add {_id_key(found[0])}")
            return None
        return found[0] if found else None

    def _gone(self, location: Location | None, what: str) -> None:
        self.warnings.append(
            Message(f"{what}, which no live entity has any more; created anew", location)
        )

    # --- shared steps -----------------------------------------------------------------------

    def _shared_changes(self) -> list[Change]:
        by_hash = {s.hash or s.key: s for s in self.live.tree.shared_steps}
        by_title: dict[str, list[SharedStep]] = defaultdict(list)
        for step in self.live.tree.shared_steps:
            by_title[text(step.title)].append(step)
        claimed: set[str] = set()
        for shared in (s for s in self.desired.shared_steps if s.hash):
            self._claim_shared(shared, by_hash.get(shared.hash or ""), claimed)
        for shared in (s for s in self.desired.shared_steps if not s.hash):
            found = [s for s in by_title.get(text(shared.title), []) if s.key not in claimed]
            match = self._one(found, shared.location, f"shared step {shared.key!r}")
            self._claim_shared(shared, match, claimed)
            if match is not None:
                self._adopt(shared, "hash", match.hash or match.key)
        return [c for c in map(self._shared_change, self.desired.shared_steps) if c is not None]

    def _claim_shared(
        self, shared: SharedStep, match: SharedStep | None, claimed: set[str]
    ) -> None:
        if match is None and shared.hash:
            self._gone(shared.location, f"shared step {shared.key!r} has hash {shared.hash}")
        if match is not None:
            self.shared_map[shared.key] = match
            claimed.add(match.key)

    def _ref(self, key: str) -> str:
        """A desired shared-step key as the live hash it stands for (or a new marker)."""
        match = self.shared_map.get(key)
        return match.key if match is not None else f"{NEW} {key}"

    @cached_property
    def _differ(self) -> CaseDiffer:
        """Built on first use, after shared steps are matched (it maps their keys)."""
        names = {s.key: key for key, s in self.shared_map.items()}
        content: dict[str, str] = {}
        for case in self.live.tree.cases:
            content.update(workspace_content(case.steps))
        return CaseDiffer(
            self.live.workspace, self.settings.ignore_fields, self._ref, names, content
        )

    def _shared_change(self, shared: SharedStep) -> Change | None:
        match = self.shared_map.get(shared.key)
        tree = shared_form(shared)
        if match is None:
            return Change(
                "create", "shared_step", shared.title, desired=shared, suite="", synced=tree
            )
        diffs = self._differ.shared_diffs(shared, match)
        sides = self._entities.matched((shared, match), diffs, (tree, shared_form(match)))
        if not sides.diffs:
            return None
        kept = sides.drift.fields if sides.drift else ()  # a patch sends both: keep Qase's
        what = f"shared step {shared.key!r} ({match.hash})"
        steps = match.steps if "steps" in kept else self._carried(what, shared, match)
        sent = replace(shared, title=match.title if "title" in kept else shared.title, steps=steps)
        change = self._update(
            "shared_step", shared.title, sent, match, ["title", "steps"], sides.diffs, ""
        )
        return replace(change, synced=sides.record)

    # --- cases ------------------------------------------------------------------------------

    def _case_changes(self) -> list[Change]:
        pairs = self._match_cases()
        changes = [self._case_change(d, m) for d, m in pairs]
        return [c for c in changes if c is not None]

    def _match_cases(self) -> list[tuple[Case, Case | None]]:
        by_id = {c.id: c for c in self.live.tree.cases if c.id is not None}
        matches: dict[int, Case | None] = {}
        for index, case in enumerate(self.desired.cases):
            if case.id is not None:
                matches[index] = by_id.get(case.id)
                self._claim_case(case, matches[index])
        candidates = self._case_candidates()
        for index, case in enumerate(self.desired.cases):
            if case.id is None:
                key = (self._live_parent(case.suite), text(case.title))
                found = [c for c in candidates.get(key, []) if c.id not in self.claimed_cases]
                matches[index] = match = self._prefer_actual(case, found)
                self._claim_case(case, match)
                if match is not None:
                    self._adopt(case, "id", match.id)
        return [(case, matches[i]) for i, case in enumerate(self.desired.cases)]

    def _case_candidates(self) -> dict[tuple[str | None, str], list[Case]]:
        candidates: dict[tuple[str | None, str], list[Case]] = defaultdict(list)
        for case in self.live.tree.cases:
            candidates[(case.suite, text(case.title))].append(case)
        return candidates

    def _prefer_actual(self, case: Case, found: list[Case]) -> Case | None:
        current = [c for c in found if c.status != "deprecated"]
        match: Case | None = self._one(current or found, case.location, f"case {case.title!r}")
        return match

    def _claim_case(self, case: Case, match: Case | None) -> None:
        if match is not None and match.id is not None:
            self.claimed_cases.add(match.id)

    def _case_change(self, case: Case, match: Case | None) -> Change | None:
        resolved = self._differ.resolve(case)
        folder = case.suite or ""
        suite = self._suite_ref(case.suite)
        if match is None:  # created, unless it was deleted in Qase since the last sync
            created = self._sync.unmatched(case, resolved, suite=suite)
            if created is not None and case.id is not None:
                self._gone(case.location, f"case {case.title!r} has id {case.id}")
            return created
        diffs = self._suite_diff(resolved, match) + self._differ.diffs(resolved, match)
        resolved, diffs, synced = self._sync.matched(
            case, (resolved, match), diffs, suite=suite, suite_diff=self._suite_diff
        )
        self._automation(resolved, match)
        names, diffs = self._inexpressible(resolved, match, field_names(diffs), diffs)
        if {"steps", "gherkin"} & set(names):
            what = f"case {case.title!r} (#{match.id})"
            resolved = replace(resolved, steps=self._carried(what, resolved, match))
        to_root = case.suite is None and match.suite is not None and "suite" in names
        if to_root and not self.for_pull:
            self._problem(
                case.location,
                f"case {case.title!r} (#{match.id}) cannot be moved to the project root; "
                "put it in a suite",
            )
        if not names:
            return None
        change = self._update("case", case.title, resolved, match, names, diffs, folder)
        return replace(change, synced=synced)

    def _suite_ref(self, folder: str | None) -> str | None:
        """A desired suite folder as the base records it: the matched live key, or a
        marker apply replaces with the id of the suite it creates."""
        if folder is None:
            return None
        match = self.suite_map.get(folder)
        return match.key if match is not None else f"{NEW_REF} {folder}"

    def _suite_diff(self, desired: Case, live: Case) -> list[FieldDiff]:
        if self._live_parent(desired.suite) == live.suite or self._differ.ignored("suite"):
            return []
        return [FieldDiff("suite", show(self._live_path(live.suite)), show(desired.suite))]

    def _automation(self, desired: Case, live: Case) -> None:
        if "automation" in self.settings.ignore_fields or live.automation is None:
            return
        if desired.automation != live.automation:
            self.warnings.append(
                Message(
                    f"case {desired.title!r} (#{live.id}): automation is {live.automation!r} "
                    f"live and {desired.automation!r} in the tree; the API cannot change it "
                    "— change it in the Qase web app",
                    desired.location,
                )
            )

    def _carried(
        self, what: str, desired: Case | SharedStep, live: Case | SharedStep
    ) -> tuple[Step, ...]:
        """The desired steps with the live steps' attachments carried in (a gherkin case
        has none to carry them); every loss a plan error, or a warning when allowed. A
        plan for pull writes nothing to Qase: nothing to carry."""
        if self.for_pull:
            return desired.steps
        if isinstance(desired, SharedStep) and "steps" in live.inexpressible:
            self._problem(desired.location, f"{what}: {_UNHASHED}")
        gherkin = isinstance(desired, Case) and desired.gherkin is not None
        carried = attachments.carry(live.steps, () if gherkin else desired.steps)
        for lost in carried.lost:
            self._attachment_loss(desired.location, f"{what}: the tree drops {lost}")
        if carried.kept:
            kept = (
                "1 attachment kept with its step"
                if carried.kept == 1
                else f"{carried.kept} attachments kept with their steps"
            )
            self.notes.append(Message(f"{what}: {kept}", desired.location))
        return desired.steps if gherkin else carried.steps

    def _attachment_loss(self, location: Location | None, text: str) -> None:
        if self.allow_attachment_loss:
            self.warnings.append(Message(f"{text}; apply removes them from Qase", location))
            return
        self._problem(
            location,
            f"{text}, which Qase would delete with the step — keep the step, move the "
            "files in the Qase web app first, or accept the loss with --allow-attachment-loss",
        )

    def _inexpressible(
        self, desired: Case, live: Case, names: list[str], diffs: list[FieldDiff]
    ) -> tuple[list[str], list[FieldDiff]]:
        blocked = {f for f in live.inexpressible if not self._differ.ignored(f)}
        for name in sorted(blocked & {base_field(n) for n in names}):
            self._problem(
                desired.location,
                f"case {desired.title!r} (#{live.id}): the live {name} hold what the tree "
                f"cannot express; changing {name} would destroy it — edit it in the Qase "
                f"web app, or add {name} to ignore_fields",
            )
        keep = [n for n in names if base_field(n) not in blocked]
        return keep, [d for d in diffs if base_field(d.path) not in blocked]


_UNHASHED = (
    "a step holds an attachment whose hash Qase did not give, which a steps write would "
    "delete — edit the steps in the Qase web app"
)


def _unsure(entities: tuple[tuple[str, int | str], ...]) -> str:
    names = [f"{kind.replace('_', ' ')} {key}" for kind, key in entities]
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return (
        f"qasesync.base.jsonl holds {', '.join(names[:5])}{more} twice (two branches merged "
        "it); they are compared two-way until the next apply or pull records them again"
    )


def _ident(entity: Entity) -> str:
    if isinstance(entity, SharedStep):
        return entity.hash or entity.key
    return f"#{entity.id}"


def _id_key(entity: Entity) -> str:
    return "a `hash`" if isinstance(entity, SharedStep) else "an `id`"


def _sorted(problems: list[Problem | str]) -> list[Problem | str]:
    located = sorted(p for p in problems if isinstance(p, Problem))
    return [*located, *(p for p in problems if isinstance(p, str))]


def live_base(live: Live, settings: Settings) -> Base:
    """The base of a tree that holds exactly the live project (what `export` writes):
    every live case and suite synced as it is."""
    differ = CaseDiffer(live.workspace, settings.ignore_fields, lambda key: key, {})
    return Base(
        cases={
            case.id: differ.synced(case, live=True, suite=case.suite)
            for case in live.tree.cases
            if case.id is not None
        },
        suites={s.id: suite_form(s, s.parent) for s in live.tree.suites if s.id is not None},
        shared_steps={s.key: shared_form(s) for s in live.tree.shared_steps},
        partial=settings.ignore_fields,
    )


def owned_suite_ids(desired: Tree, live: Live, settings: Settings) -> frozenset[int] | None:
    """The ids of the live suites ``scope`` owns, descendants included, matched as a plan
    matches them (``live`` needs no cases); None without ``scope`` or when the suites
    cannot be matched (the plan then reports why, from a whole read)."""
    if not settings.scope:
        return None
    with collector_paused():
        planner = _Planner(desired, live, settings)
        try:
            planner._check_live_suites()
            planner._suite_changes()
        except PlanError:
            return None
        if planner.problems:
            return None
        owned = planner._owned_live_suites()
    return frozenset(s.id for s in live.tree.suites if s.key in owned and s.id is not None)


def effective_settings(tree: Tree, project_override: str | None) -> Settings:
    """The tree's settings with ``QASE_PROJECT`` applied: refused when the tree holds ids
    (docs/design.md §4: a tree with ids is never applied to another project)."""
    settings = tree.settings
    if settings is None:
        raise ConfigError("the tree has no qasesync.yaml")
    override = (project_override or "").strip()
    if not override or override == settings.project:
        return settings
    if _holds_ids(tree):
        raise ConfigError(
            f"QASE_PROJECT is {override} but the tree belongs to project {settings.project} "
            "and holds its ids; unset QASE_PROJECT or use a tree without ids"
        )
    return replace(settings, project=override)


def _holds_ids(tree: Tree) -> bool:
    return (
        any(c.id is not None for c in tree.cases)
        or any(s.id is not None for s in tree.suites)
        or any(s.hash for s in tree.shared_steps)
    )
