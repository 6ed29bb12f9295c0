"""The case part of an apply: creation in bulk batches, patches, external issues,
deprecations and deletions (see `qasesync.apply.applier` for the order and the rules)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from qasesync.apply.bulksize import BulkSize
from qasesync.apply.ledger import Ledger, assign
from qasesync.apply.reconcile import (
    SETTLE_SECONDS,
    adopt_cases,
    may_still_run,
    refused,
    uncertain,
)
from qasesync.errors import ApiError, NotFoundError
from qasesync.model import Assignment, Case
from qasesync.plans.plan import Change
from qasesync.qase.ratelimit import SEND_ATTEMPTS
from qasesync.qase.remote import Remote

log = logging.getLogger(__name__)


class _Refused(Exception):
    """A create the service refused; ``pending`` are the cases it did not create."""

    def __init__(self, error: ApiError, pending: list[Change]) -> None:
        self.error = error
        self.pending = pending
        super().__init__(str(error))


@dataclass
class CaseWriter:
    """Writes the case changes of one apply, recording each in ``ledger``."""

    remote: Remote
    ledger: Ledger
    #: The batch of the concurrent single creates and of the issue links.
    batch_size: int
    #: The size of each bulk create: fixed or adaptive (`qasesync.apply.bulksize`).
    bulk: BulkSize

    # --- creation ---------------------------------------------------------------------

    def create(self, creates: list[Change]) -> None:
        """Bulk batches in plan order; then one ``POST /case`` per case whose automation
        is not the default (bulk ignores automation), a batch of them at a time."""
        bulk = [c for c in creates if self._automation(c) == "manual"]
        singles = [c for c in creates if self._automation(c) != "manual"]
        start = 0
        while start < len(bulk):
            size = self.bulk.current  # as the answers so far made it
            self._batch(bulk[start : start + size], single=False)
            start += size
        for start in range(0, len(singles), self.batch_size):
            with self.ledger.batch():  # sent concurrently; one write-back per batch
                self.remote.client.map_concurrent(
                    lambda change: self._batch([change], single=True),
                    singles[start : start + self.batch_size],
                )

    def _automation(self, change: Change) -> str:
        """The automation a create sets (none when it is ignored: no POST of its own)."""
        automation = _case(change).automation
        return "manual" if "automation" in self.ledger.ignored else automation or "manual"

    def _batch(self, batch: list[Change], *, single: bool) -> None:
        """Create ``batch``; a refused batch is split until the refused case is found."""
        try:
            self._send(batch, single=single)
        except _Refused as refusal:
            pending = refusal.pending
            if len(pending) == 1:
                self.ledger.fail(pending[0], _one_case_error(refusal.error))
                return
            middle = len(pending) // 2
            self._batch(pending[:middle], single=single)
            self._batch(pending[middle:], single=single)

    def _send(self, batch: list[Change], *, single: bool) -> None:
        pending = list(batch)
        for attempt in range(1, SEND_ATTEMPTS + 1):
            started = self.remote.client.clock()
            try:
                ids = self._post([_case(c) for c in pending], single=single)
            except ApiError as error:
                if refused(error):
                    raise _Refused(error, pending) from error
                if not single and may_still_run(error):
                    self.bulk.lost()
                if not uncertain(error) or attempt == SEND_ATTEMPTS:
                    raise
                log.warning("creating %d case(s): %s; reading back", len(pending), error)
                pending = self._read_back(pending, error)
                if not pending:
                    return
                continue
            if not single:
                self.bulk.answered(len(pending), self.remote.client.clock() - started)
            self._created(pending, ids, adopted=False)
            return

    def _post(self, cases: list[Case], *, single: bool) -> list[int]:
        ids, hashes, ignored = self.ledger.suite_ids, self.ledger.hashes, self.ledger.ignored
        if single:
            case = cases[0]
            return [
                self.remote.create_case(case, suite_ids=ids, shared_hashes=hashes, ignored=ignored)
            ]
        return self.remote.create_cases(cases, suite_ids=ids, shared_hashes=hashes, ignored=ignored)

    def _read_back(self, pending: list[Change], error: ApiError) -> list[Change]:
        """Adopt what the lost write created; when it found nothing and the service may
        still be at work (no answer came), wait `SETTLE_SECONDS` and look once more."""
        left = self._adopt(pending)
        if len(left) == len(pending) and may_still_run(error):
            log.warning("nothing found yet; looking again in %.0f s", SETTLE_SECONDS)
            self.remote.client.rate_limiter.pause(SETTLE_SECONDS)  # the next read waits
            left = self._adopt(left)
        return left

    def _adopt(self, pending: list[Change]) -> list[Change]:
        """Adopt the pending cases found live; return those still to create."""
        cases = [_case(c) for c in pending]
        suites = [self.ledger.suite_ids[c.suite] for c in cases]
        found = adopt_cases(self.remote, cases, suites, self.ledger.taken)
        order = sorted(found)
        self._created([pending[i] for i in order], [found[i] for i in order], adopted=True)
        return [c for i, c in enumerate(pending) if i not in found]

    def _created(self, changes: list[Change], ids: Sequence[int], *, adopted: bool) -> None:
        pairs = list(zip(changes, ids, strict=True))
        assignments: list[Assignment] = []
        for change, case_id in pairs:
            self.ledger.taken.cases.add(case_id)
            self.ledger.created[case_id] = _case(change)
            assignments += assign(_case(change), "id", case_id)
        self.ledger.written(assignments)  # the whole batch in one write-back
        for change, case_id in pairs:
            self.ledger.record(change, case_id, "creating cases", adopted=adopted)

    # --- patches, deprecations, deletions ---------------------------------------------

    def patch(self, change: Change) -> None:
        """PATCH the fields that differ (the client retries it: a PATCH may be sent twice)."""
        case_id = _live_id(change)
        ids, hashes = self.ledger.suite_ids, self.ledger.hashes
        self.remote.update_case(
            case_id, _case(change), change.fields, suite_ids=ids, shared_hashes=hashes
        )
        self.ledger.record(change, case_id, "patching cases")

    def destroy(self, change: Change) -> None:
        """Deprecate (PATCH status) or delete one live case."""
        case_id = _live_id(change)
        if change.kind == "delete":
            delete(lambda: self.remote.delete_case(case_id), what=f"delete case #{case_id}")
        else:
            deprecated = replace(_live_case(change), status="deprecated")
            self.remote.update_case(
                case_id, deprecated, ("status",), suite_ids={}, shared_hashes={}
            )
        self.ledger.record(change, case_id, "deprecating cases")

    # --- external issues --------------------------------------------------------------

    def issues(self, updates: list[Change]) -> None:
        """Attach the issue keys of the cases created (in the order of their ids); attach
        and detach what the updates changed."""
        attach: dict[int, list[str]] = {}
        detach: dict[int, list[str]] = {}
        if "external_issues" not in self.ledger.ignored:
            for case_id, case in sorted(self.ledger.created.items()):
                attach[case_id] = _keys(case.external_issues)
        for change in updates:
            if "external_issues" in change.fields:
                before = _keys(_live_case(change).external_issues)
                after = _keys(_case(change).external_issues)
                attach[_live_id(change)] = [k for k in after if k not in before]
                detach[_live_id(change)] = [k for k in before if k not in after]
        self._links("attach", self.remote.attach_external_issues, attach)
        self._links("detach", self.remote.detach_external_issues, detach)

    def _links(
        self,
        what: str,
        send: Callable[[Mapping[int, Sequence[str]]], None],
        links: dict[int, list[str]],
    ) -> None:
        items = [(case_id, keys) for case_id, keys in links.items() if keys]
        chunks = [
            dict(items[i : i + self.batch_size]) for i in range(0, len(items), self.batch_size)
        ]
        for chunk in chunks:
            try:
                send(chunk)
            except ApiError as error:
                if not refused(error):
                    raise
                cases = ", ".join(f"#{i}" for i in chunk)
                self.ledger.failure(f"{what} external issues of cases {cases}: {error}")


def delete(send: Callable[[], None], *, what: str) -> None:
    """A deletion; what is already gone counts as deleted."""
    try:
        send()
    except NotFoundError:
        log.info("%s: already gone", what)


def _case(change: Change) -> Case:
    case = change.desired
    assert isinstance(case, Case), change
    return case


def _live_case(change: Change) -> Case:
    case = change.live
    assert isinstance(case, Case), change
    return case


def _live_id(change: Change) -> int:
    ident = change.live_id
    assert isinstance(ident, int), change
    return ident


def _keys(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def _one_case_error(error: ApiError) -> ApiError:
    """The refusal of a one-case batch, its ``errorFields`` without ``cases.0.``."""
    fields = [
        {**f, "field": str(f.get("field", "")).removeprefix("cases.0.")} for f in error.error_fields
    ]
    return ApiError(
        f"refused by Qase: {error.error_message}",
        method=error.method,
        path=error.path,
        status=error.status,
        error_fields=fields,
    )
