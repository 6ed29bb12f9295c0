"""The applier: executes a `Plan` through a `Remote`, in the order of docs/design.md §6.

1. suites created (parents first, each new id fed to its children and cases) and
   updated or moved;
2. shared steps created and updated, each new hash fed to the cases that use it (an
   update answered with another hash adopts it);
3. cases created, in ``POST /case/bulk`` batches of at most ``batch_size`` (a case whose
   automation is not the default gets its own ``POST /case``: bulk ignores automation),
   then patched, concurrently within the client's rate limit;
4. external issues attached and detached, once every case exists;
5. cases deprecated or deleted; then shared steps and suites deleted (children first).

**Faults.** A create whose outcome is unknown (dropped, 5xx, timed out) is followed by
a re-read of what it concerned, adoption of what exists and a new attempt for the rest
(see `qasesync.apply.reconcile`); idempotent writes are retried by the client alone, so
that no request is sent more than `qasesync.qase.ratelimit.SEND_ATTEMPTS` times. A bulk
batch the service refuses is split in halves until the refused case is found; it is
reported with its YAML place and Qase's ``errorFields``, the other cases are created, and
nothing is deprecated or deleted in that run.

**Write-back.** The ids and hashes of what was created are handed to ``on_written`` as
soon as each write succeeds (each suite, shared step and batch), so that a run killed
half-way leaves them in the YAML; a second apply adopts the rest by title, and the
plan's ``adoptions`` (entities it matched by title) go to ``on_written`` first.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from qasesync.apply.bulksize import BulkSize
from qasesync.apply.cases import CaseWriter, delete
from qasesync.apply.ledger import (
    ApplyFailed,
    ApplyReport,
    Done,
    Ledger,
    Progress,
    ProgressCallback,
    WrittenCallback,
    assign,
)
from qasesync.apply.reconcile import (
    adopt_shared,
    adopt_suite,
    create_adopting,
    shared_match,
    uncertain,
)
from qasesync.errors import ApiError, LockError, SafetyError
from qasesync.model import Assignment, Case, SharedStep, Suite, Tree
from qasesync.plans.destroy import REFUSED_IN_PLAN
from qasesync.plans.plan import (
    BULK_SIZE,
    Change,
    Phase,
    Plan,
    canonical_json,
    fingerprint,
    tree_fingerprint,
)
from qasesync.qase.remote import Remote
from qasesync.tree.writeback import digest, write_back

__all__ = [
    "ApplyFailed",
    "ApplyReport",
    "Done",
    "Progress",
    "YamlSink",
    "apply",
    "check_fresh",
]

log = logging.getLogger(__name__)


def apply(
    plan: Plan,
    remote: Remote,
    *,
    live: Tree | None = None,
    on_progress: ProgressCallback | None = None,
    on_written: WrittenCallback | None = None,
    batch_size: int | None = None,
) -> ApplyReport:
    """Carry out ``plan`` against ``remote``'s project; return what was done.

    ``live`` is the live tree the plan was made from: nothing in it is ever adopted
    after a lost write (without it, only the entities the plan names are protected).
    ``on_written`` receives the ids and hashes of each successful write at once (see
    `YamlSink`); ``on_progress`` is called after each change. Raises `ApplyFailed`
    (carrying the report) when anything failed: a second apply finishes the job.
    A plan read back from its file (``plan.saved``) is refused: `check_fresh` compares
    it with a plan made now, and that one runs.
    """
    if plan.saved:
        raise SafetyError("a saved plan is not run itself: plan again and check it first")
    bulk = BulkSize(remote.client.bulk_deadline, fixed=batch_size)  # checks 1..100
    ledger = Ledger(plan, live, on_progress, on_written)
    ledger.written(plan.adoptions)  # true whatever happens next: recorded first
    before = remote.client.request_count
    try:
        _Run(plan, remote, ledger, CaseWriter(remote, ledger, batch_size or BULK_SIZE, bulk)).run()
    except _Stopped:
        pass  # the failure that stopped the run is in the report
    except (ApiError, LockError) as error:  # LockError: the apply lock was lost
        ledger.failure(f"stopped: {error}")
    finally:
        ledger.report.requests = remote.client.request_count - before
    if ledger.failed:
        raise ApplyFailed(ledger.report)
    return ledger.report


class YamlSink:
    """An ``on_written`` callback that writes each batch's ids and hashes into the tree
    at once (`qasesync.tree.writeback`), keeping ``digests`` up to date with its own writes."""

    def __init__(self, root: Path, digests: dict[str, str]) -> None:
        self.root = root
        self.digests = digests
        self.files: dict[str, None] = {}  # the files written, in order
        self.keys: list[str] = []  # "id" or "hash", one per assignment written
        self.written: list[Assignment] = []  # what was written, in order (`apply --record`)

    def __call__(self, assignments: Sequence[Assignment]) -> None:
        for rel in write_back(self.root, assignments, digests=self.digests):
            self.digests[rel] = digest((self.root / rel).read_bytes())
            self.files[rel] = None
        self.keys += [a.key for a in assignments]
        self.written += assignments


def check_fresh(saved: Plan, tree: Tree, live: Tree, *, now: Plan) -> None:
    """Refuse (`SafetyError`) a saved plan unless ``now``, the plan of the same tree
    against today's project, is the same plan: the tree is unchanged, every live entity
    a change concerns or relies on is there and unchanged (its fingerprint), and each
    change, adoption and figure shown is what planning makes of them now (a case created
    live with the title of one the plan creates, or a plan file edited after review,
    are refused). Apply then runs ``now``, which holds the whole entities."""
    problems = [] if saved.tree_fingerprint == tree_fingerprint(tree) else ["the tree changed"]
    problems += _changed_entities(saved, live)
    if not problems:
        problems += _differences(saved, now)
    if problems:
        shown = "\n  ".join(problems[:20]) + ("\n  ..." if len(problems) > 20 else "")
        raise SafetyError(
            f"the saved plan is stale; since it was made:\n  {shown}\n"
            "run `qasesync plan --out` again and review the new plan"
        )


#: What a saved plan shows that planning again may change without making it stale: what
#: changed in Qase elsewhere (drift), notes on entities it leaves alone (live cases kept),
#: and the destroy limit's figures and warning (apply checks the limit on today's counts).
_NOT_COMPARED = frozenset({"drift", "notes", "cases_in_scope", "max_destroy"})


def _differences(saved: Plan, now: Plan) -> list[str]:
    """How ``saved`` differs from ``now``, planned again from the same tree and project:
    other changes, or a change of the same outline whose content (what it sends, what it
    shows) is not what planning makes of it, or other warnings, adoptions or settings
    shown: a plan file edited after review. Values are compared as JSON text, so that
    ``true`` or ``1.0`` shown for ``1`` is a difference."""
    if _outline(now) != _outline(saved):
        return _other_changes(saved, now)
    mine, fresh = _compared(saved), _compared(now)
    pairs = zip(mine["changes"], fresh["changes"], saved.changes, strict=True)
    problems = [
        f"{c.kind} {c.entity.replace('_', ' ')} {c.name!r}: not what planning the same tree "
        "and project makes of it (the plan file was edited)"
        for ours, theirs, c in pairs
        if canonical_json(ours) != canonical_json(theirs)
    ]
    problems += [
        f"its {name.replace('_', ' ')}: not what planning the same tree and project makes of them"
        for name in mine
        if name != "changes" and canonical_json(mine[name]) != canonical_json(fresh[name])
    ]
    return problems


def _compared(plan: Plan) -> dict[str, Any]:
    """The plan's JSON as `check_fresh` compares it (`_NOT_COMPARED` left out)."""
    data = {k: v for k, v in plan.to_json().items() if k not in _NOT_COMPARED}
    data["warnings"] = [
        w for w in data["warnings"] if w["location"] is not None or REFUSED_IN_PLAN not in w["text"]
    ]
    return data


def _other_changes(saved: Plan, now: Plan) -> list[str]:
    """The changes planned now that the saved plan lacks, and those it holds that are
    not planned now."""
    mine, fresh = Counter(_outline(saved)), Counter(_outline(now))
    return [
        f"{kind} {entity.replace('_', ' ')} {name!r}: {where}"
        for outlines, where in (
            (fresh - mine, "planned now, not in the saved plan"),
            (mine - fresh, "in the saved plan, not planned now"),
        )
        for kind, entity, name, _, _ in outlines.elements()
    ] or ["planned again, the changes come in another order"]


def _outline(plan: Plan) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    return [(c.kind, c.entity, c.name, str(c.live_id), c.fields) for c in plan.changes]


def _changed_entities(plan: Plan, live: Tree) -> list[str]:
    index = _live_index(live)
    problems = [p for p in (_changed(c, index) for c in plan.changes) if p is not None]
    problems += [
        f"suite #{i} ({k}) is gone" for k, i in plan.suite_ids.items() if ("suite", i) not in index
    ]
    problems += [
        f"shared step {h} ({k}) is gone"
        for k, h in plan.shared_hashes.items()
        if ("shared_step", h) not in index
    ]
    return problems


def _changed(
    change: Change, index: Mapping[tuple[str, Any], Case | Suite | SharedStep]
) -> str | None:
    """Why the live entity ``change`` concerns no longer matches its fingerprint, or None.
    Every change to a live entity must carry one: a plan edited by hand cannot drop it."""
    entity = change.entity.replace("_", " ")
    if change.live_id is None:
        destroys = change.kind in ("deprecate", "delete")
        return f"{change.kind} {entity} {change.name!r}: names no live entity" if destroys else None
    what = f"{entity} {_ident(change.live_id)} {change.name!r}"
    now = index.get((change.entity, change.live_id))
    if change.fingerprint is None:
        return f"{what}: carries no fingerprint"
    if now is None:
        return f"{what} is gone"
    return f"{what} changed live" if fingerprint(now) != change.fingerprint else None


def _live_index(live: Tree) -> dict[tuple[str, Any], Case | Suite | SharedStep]:
    index: dict[tuple[str, Any], Case | Suite | SharedStep] = {}
    index.update((("case", c.id), c) for c in live.cases)
    index.update((("suite", s.id), s) for s in live.suites)
    index.update((("shared_step", s.hash or s.key), s) for s in live.shared_steps)
    return index


def _ident(value: int | str | None) -> str:
    return f"#{value}" if isinstance(value, int) else str(value)


# --- the run ----------------------------------------------------------------------------


class _Stopped(Exception):
    """A failure (already recorded) after which the run cannot go on."""


class _Run:
    """One apply, in apply's order (docs/design.md §6); case writes go through ``cases``."""

    def __init__(self, plan: Plan, remote: Remote, ledger: Ledger, cases: CaseWriter) -> None:
        self.plan = plan
        self.remote = remote
        self.ledger = ledger
        self.cases = cases

    def run(self) -> None:
        phases = self.plan.by_phase()
        for level in _levels(phases[Phase.SUITES]):  # a level's suites need only those above
            with self.ledger.batch():
                self.remote.client.map_concurrent(self._needed(self._suite), level)
        shared = phases[Phase.SHARED_STEPS]
        with self.ledger.batch():
            self.remote.client.map_concurrent(self._needed(self._shared), shared)
        creates = [c for c in phases[Phase.CASES] if c.kind == "create"]
        updates = [c for c in phases[Phase.CASES] if c.kind == "update"]
        self.cases.create(creates)
        self._concurrently(updates, self.cases.patch)
        self.cases.issues(updates)
        if self.ledger.failed:
            return  # nothing is destroyed after a failure: the next run decides again
        self._concurrently(phases[Phase.CASE_PRUNES], self.cases.destroy)
        for change in phases[Phase.SHARED_STEP_DELETES] + phases[Phase.SUITE_DELETES]:
            self._delete(change)

    def _concurrently(self, changes: list[Change], one: Callable[[Change], None]) -> None:
        """``one`` on each change through the client's pool; a failure is recorded and
        the other changes go on (unlike a suite or shared step, which later changes need:
        their failure stops the run)."""

        def guarded(change: Change) -> None:
            try:
                one(change)
            except ApiError as error:
                self.ledger.fail(change, error)

        self.remote.client.map_concurrent(guarded, changes)

    def _needed(self, one: Callable[[Change], None]) -> Callable[[Change], None]:
        """``one``, whose failure is recorded with the change's place and stops the run:
        what comes later needs the suites and shared steps."""

        def stopping(change: Change) -> None:
            try:
                one(change)
            except ApiError as error:
                self.ledger.fail(change, error)
                raise _Stopped from error

        return stopping

    # --- suites -----------------------------------------------------------------------

    def _suite(self, change: Change) -> None:
        suite = change.desired
        assert isinstance(suite, Suite), change
        parent_id = self.ledger.suite_ids[suite.parent]
        if change.kind == "update":
            self._update_suite(change, suite, parent_id)
            return
        new_id, adopted = create_adopting(
            lambda: self.remote.create_suite(suite, parent_id=parent_id),
            lambda: adopt_suite(self.remote, suite, parent_id, self.ledger.taken),
            what=f"create suite {suite.key!r}",
        )
        self.ledger.taken.suites.add(new_id)
        self.ledger.suite_ids[suite.key] = new_id
        written = assign(suite, "id", new_id)
        self.ledger.record(change, new_id, "suites", adopted=adopted, assignments=written)

    def _update_suite(self, change: Change, suite: Suite, parent_id: int | None) -> None:
        live_id = change.live_id
        assert isinstance(live_id, int), change
        self.remote.update_suite(live_id, suite, change.fields, parent_id=parent_id)
        self.ledger.suite_ids[suite.key] = live_id
        self.ledger.record(change, live_id, "suites")

    # --- shared steps -----------------------------------------------------------------

    def _shared(self, change: Change) -> None:
        shared = change.desired
        assert isinstance(shared, SharedStep), change
        old = None if change.live is None else str(change.live_id)
        if old is None:
            new, adopted = create_adopting(
                lambda: self.remote.create_shared_step(shared),
                lambda: adopt_shared(self.remote, shared, self.ledger.taken),
                what=f"create shared step {shared.key!r}",
            )
        else:
            new, adopted = self._update_shared(old, shared), False
        self.ledger.taken.hashes.add(new)
        self.ledger.hashes[shared.key] = new
        written = assign(shared, "hash", new) if new != old else []
        self.ledger.record(change, new, "shared steps", adopted=adopted, assignments=written)

    def _update_shared(self, old: str, shared: SharedStep) -> str:
        """PATCH a shared step; the hash it has afterwards (the service may change it).
        The client retries the PATCH; when its outcome stays unknown, the step may be
        stored under a new hash: once the old hash is gone, it is found by title."""
        try:
            return self.remote.update_shared_step(old, shared)
        except ApiError as error:
            if not uncertain(error):
                raise
            log.warning("update shared step %s: %s; reading back", old, error)
            new = self._moved(old, shared)
            if new is None:
                raise
            log.info("update shared step %s: found it live as %s; adopted", old, new)
            return new

    def _moved(self, old: str, shared: SharedStep) -> str | None:
        """The new hash of the shared step ``old``, if the old one is gone."""
        live = self.remote.read_shared_steps()
        if any((s.hash or s.key) == old for s in live):
            return None
        return shared_match(live, shared, self.ledger.taken)

    # --- deletions --------------------------------------------------------------------

    def _delete(self, change: Change) -> None:
        ident = change.live_id
        if change.entity == "suite":
            delete(lambda: self.remote.delete_suite(int(str(ident))), what=f"delete suite #{ident}")
        else:
            delete(lambda: self.remote.delete_shared_step(str(ident)), what=f"delete {ident}")
        self.ledger.record(change, ident, "deleting")


def _levels(changes: list[Change]) -> list[list[Change]]:
    """Suite changes grouped by the depth of their folder, shallowest first."""
    levels: dict[int, list[Change]] = {}
    for change in changes:
        suite = change.desired
        depth = suite.key.count("/") if isinstance(suite, Suite) else 0
        levels.setdefault(depth, []).append(change)
    return [levels[depth] for depth in sorted(levels)]
