"""What an apply knows and has done so far: the `Ledger` the applier writes in.

It holds the live ids of suites and hashes of shared steps (those the plan matched and
those created since, so that children and cases can refer to them), the entities that
may not be adopted after a lost write, the report, and the callbacks through which the
caller hears of progress and of new ids to write back. Thread-safe where the applier
works concurrently (recording a change, a failure).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from qasesync.apply.reconcile import Taken
from qasesync.errors import ApiError, ApplyError, WriteBackError
from qasesync.model import Assignment, Case, SharedStep, Suite, Tree
from qasesync.plans.plan import KINDS, Change, Plan
from qasesync.plans.threeway import Record, resolve_new

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """How far an apply is: ``done`` of ``total`` plan changes, in ``phase``."""

    phase: str
    done: int
    total: int


@dataclass(frozen=True)
class Done:
    """One change carried out; ``ident`` is the live id (the hash of a shared step);
    ``adopted`` says it was found live after a write whose answer was lost."""

    kind: str
    entity: str
    name: str
    ident: int | str | None
    adopted: bool = False


@dataclass
class ApplyReport:
    """What an apply did: the changes carried out, the ids and hashes for the YAML,
    the failures and the requests it made."""

    project: str
    total: int = 0
    done: list[Done] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    requests: int = 0
    #: What the base record says of each case once its change is done (docs/design.md §11).
    synced: list[Record] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Changes carried out, per kind (every kind present)."""
        return {kind: sum(1 for d in self.done if d.kind == kind) for kind in KINDS}

    @property
    def adopted(self) -> int:
        return sum(1 for d in self.done if d.adopted)


class ApplyFailed(ApplyError):
    """Apply stopped part-way or some changes were refused; ``report`` holds what was done."""

    def __init__(self, report: ApplyReport) -> None:
        self.report = report
        super().__init__("\n".join(report.failures))


ProgressCallback = Callable[[Progress], None]
WrittenCallback = Callable[[Sequence[Assignment]], None]


class Ledger:
    """The state of one apply (see the module docstring)."""

    def __init__(
        self,
        plan: Plan,
        live: Tree | None,
        on_progress: ProgressCallback | None = None,
        on_written: WrittenCallback | None = None,
    ) -> None:
        self.suite_ids: dict[str | None, int | None] = {None: None}
        self.suite_ids.update(plan.suite_ids)
        self.hashes: dict[str, str] = dict(plan.shared_hashes)
        self.taken = Taken.of(live) if live is not None else Taken()
        for change in plan.changes:
            self.taken.add_live(change.live)
        self.created: dict[int, Case] = {}  # case id → the desired case it was created for
        self.ignored = plan.ignore_fields  # left out of what is created
        self.report = ApplyReport(plan.project, total=len(plan.changes))
        self.on_progress = on_progress
        self.on_written = on_written
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._batch: list[Assignment] | None = None

    def record(
        self,
        change: Change,
        ident: int | str | None,
        phase: str,
        *,
        adopted: bool = False,
        assignments: Sequence[Assignment] = (),
    ) -> None:
        """One change done; its new ids go to write-back at once."""
        synced = self._synced(change, ident)
        with self._lock:
            self.report.done.append(Done(change.kind, change.entity, change.name, ident, adopted))
            self.report.synced += synced
            done = len(self.report.done)
        self.written(assignments)
        if self.on_progress is not None:
            self.on_progress(Progress(phase, done, self.report.total))

    def _synced(self, change: Change, ident: int | str | None) -> list[Record]:
        """The base records of a change done: a created or updated entity's whole record
        (with the ids and hashes of what this apply created put in; a field the tree
        emptied is left out), a deprecated case's status (it stays live, and recorded, so
        that it is never taken for a case created in Qase), or the end of the record of a
        deleted entity."""
        if change.entity == "shared_step":
            return self._shared_synced(change, ident)
        if not isinstance(ident, int):
            return []
        if change.kind == "deprecate":
            return [Record("case", ident, {"status": "deprecated"}, merge=True)]
        if change.kind == "delete":
            return [Record(change.entity, ident, None)]
        if change.synced is None:
            return []
        known = {k: v for k, v in self.suite_ids.items() if k is not None and v is not None}
        return [Record(change.entity, ident, resolve_new(change.synced, known, self.hashes))]

    def _shared_synced(self, change: Change, ident: int | str | None) -> list[Record]:
        """A shared step's record under the hash it has now; an update that gave it a new
        hash ends the record under the old one."""
        if not isinstance(ident, str):
            return []
        if change.kind == "delete":
            return [Record("shared_step", ident, None)]
        if not change.synced:
            return []
        old = change.live_id
        gone = [Record("shared_step", old, None)] if isinstance(old, str) and old != ident else []
        return [*gone, Record("shared_step", ident, change.synced)]

    def written(self, assignments: Sequence[Assignment]) -> None:
        """New ids for write-back: handed to ``on_written`` at once, or at the end of the
        current `batch`."""
        if not assignments:
            return
        with self._lock:
            self.report.assignments.extend(assignments)
            if self._batch is not None:
                self._batch.extend(assignments)
                return
        self._hand_over(assignments)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Collect the ids of the writes made inside (from any thread) and hand them over
        in one write-back when the block ends, even by an error: one write-back of a file
        per batch instead of one per entity."""
        self._batch = []
        try:
            yield
        finally:
            pending, self._batch = self._batch, None
            self._hand_over(pending)

    def _hand_over(self, assignments: Sequence[Assignment]) -> None:
        """One write-back at a time (they may share a file); one that fails stops
        write-back only."""
        if not assignments:
            return
        with self._write_lock:
            if self.on_written is None:
                return
            try:
                self.on_written(assignments)
            except WriteBackError as error:
                self.failure(f"write-back stopped: {error}")
                self.on_written = None  # the tree no longer is what was read

    def fail(self, change: Change, error: ApiError | str) -> None:
        """A change that could not be carried out, with its YAML place."""
        where = f"{change.location}: " if change.location is not None else ""
        what = f"{change.kind} {change.entity.replace('_', ' ')} {change.name!r}"
        with self._lock:
            self.report.failures.append(f"{where}{what}: {error}")

    def failure(self, message: str) -> None:
        with self._lock:
            self.report.failures.append(message)

    @property
    def failed(self) -> bool:
        return bool(self.report.failures)


def assign(entity: Case | Suite | SharedStep, key: str, value: int | str) -> list[Assignment]:
    """The write-back of ``key: value`` into the entity's YAML place (none without one)."""
    return [] if entity.location is None else [Assignment(entity.location, key, value)]
