"""After a write whose outcome is unknown: re-read what it concerned and adopt what exists.

A POST that timed out, was answered 5xx or lost its connection after it was sent may or
may not have created something (the client never resends it: see `qasesync.qase.client`).
The applier then re-reads the suites, the shared steps or the cases of the suites the
write concerned and *adopts* each live entity that matches what was sent by the same
identity rules as the planner (docs/design.md §4): a case by its title within its
suite, a suite by its title under its parent, a shared step by its title. An entity
that was already live when the plan was read (`Taken`) is never adopted, so only what
this apply created can be. What is not found is sent again: a create is sent at most
`SEND_ATTEMPTS` times in all.

Idempotent writes (PATCH, DELETE, the attach and detach of issue keys) are not retried
here: the client's retries are theirs, and a layer on top would multiply them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from qasesync.errors import (
    AmbiguousWriteError,
    ApiError,
    AuthenticationError,
    RateLimitedError,
    TransportError,
)
from qasesync.model import Case, SharedStep, Suite, Tree, live_suite_key
from qasesync.plans.normalise import text
from qasesync.qase.ratelimit import SEND_ATTEMPTS
from qasesync.qase.remote import Remote

log = logging.getLogger(__name__)

T = TypeVar("T")


def uncertain(error: ApiError) -> bool:
    """Whether a write may have taken effect although no success came back: it was
    dropped, timed out or answered 5xx, so what it concerned is read back. A 429 past the
    client's retries is not: nothing was processed, and the request had its attempts."""
    if isinstance(error, (AmbiguousWriteError, TransportError)):
        return True
    return error.status is not None and error.status >= 500


#: Seconds to wait before reading back a second time a case create that got no answer
#: and whose first read-back found nothing: bulk creation can take over a minute on the
#: live service, so the request may still be at work when the client gave up on it.
SETTLE_SECONDS = 30.0


def may_still_run(error: ApiError) -> bool:
    """Whether the service may still be working on a write: no answer at all (dropped,
    timed out) or a gateway's 502/504 (the backend behind it may go on)."""
    return isinstance(error, AmbiguousWriteError) and error.status in (None, 502, 504)


def refused(error: ApiError) -> bool:
    """Whether the service refused the request for its content (400, 404, 422...): a
    definite answer that re-sending cannot change. A wrong token is not such a refusal."""
    if isinstance(error, (AuthenticationError, RateLimitedError)) or error.status is None:
        return False
    return 400 <= error.status < 500


@dataclass
class Taken:
    """Live entities that may not be adopted: those live when the plan was read, and
    those this apply created or adopted so far."""

    cases: set[int] = field(default_factory=set)
    suites: set[int] = field(default_factory=set)
    hashes: set[str] = field(default_factory=set)

    @staticmethod
    def of(live: Tree) -> Taken:
        return Taken(
            cases={c.id for c in live.cases if c.id is not None},
            suites={s.id for s in live.suites if s.id is not None},
            hashes={s.hash or s.key for s in live.shared_steps},
        )

    def add_live(self, entity: Case | Suite | SharedStep | None) -> None:
        """Mark an entity a plan change names (when no live tree was given)."""
        if isinstance(entity, SharedStep):
            self.hashes.add(entity.hash or entity.key)
        elif entity is not None and entity.id is not None:
            (self.cases if isinstance(entity, Case) else self.suites).add(entity.id)


def create_adopting(
    send: Callable[[], T], adopt: Callable[[], T | None], *, what: str
) -> tuple[T, bool]:
    """Send a create (a POST, which the client sends once); after an unknown outcome,
    adopt what ``adopt`` finds live, else send again, `SEND_ATTEMPTS` sends at most.
    Returns the new id (or hash) and whether it was adopted."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return send(), False
        except ApiError as error:
            if not uncertain(error) or attempt == SEND_ATTEMPTS:
                raise
            log.warning("%s: %s; reading back before trying again", what, error)
            found = adopt()
            if found is not None:
                log.info("%s: found it live; adopted", what)
                return found, True
    raise AssertionError("unreachable")


# --- adopting ---------------------------------------------------------------------------


def adopt_suite(remote: Remote, suite: Suite, parent_id: int | None, taken: Taken) -> int | None:
    """The id of a live suite that a lost create made: same title, same parent."""
    parent = live_suite_key(parent_id)
    found = [
        s.id
        for s in remote.read_suites()
        if s.id is not None
        and s.id not in taken.suites
        and s.parent == parent
        and text(s.title) == text(suite.title)
    ]
    return min(found) if found else None


def adopt_shared(remote: Remote, shared: SharedStep, taken: Taken) -> str | None:
    """The hash of a live shared step that a lost create made: same title."""
    return shared_match(remote.read_shared_steps(), shared, taken)


def shared_match(live_steps: Iterable[SharedStep], shared: SharedStep, taken: Taken) -> str | None:
    """The hash of the first of ``live_steps`` not `Taken` with the title of ``shared``."""
    for live in live_steps:
        hash_ = live.hash or live.key
        if hash_ not in taken.hashes and text(live.title) == text(shared.title):
            return hash_
    return None


def adopt_cases(
    remote: Remote, cases: Sequence[Case], suite_ids: Sequence[int | None], taken: Taken
) -> dict[int, int]:
    """{index in ``cases``: live id} of the cases a lost create made. ``suite_ids[i]`` is
    the live suite of ``cases[i]``. The suites are read once each; among several
    candidates with one title the oldest goes first, as bulk ids follow submission order."""
    live = _read_suites_cases(remote, set(suite_ids))
    pool: dict[tuple[str | None, str], list[int]] = defaultdict(list)
    for case in sorted(live, key=lambda c: c.id or 0):
        if case.id is not None and case.id not in taken.cases:
            pool[(case.suite, text(case.title))].append(case.id)
    adopted: dict[int, int] = {}
    for index, (case, suite_id) in enumerate(zip(cases, suite_ids, strict=True)):
        candidates = pool.get((live_suite_key(suite_id), text(case.title)))
        if candidates:
            adopted[index] = candidates.pop(0)
    return adopted


def _read_suites_cases(remote: Remote, suite_ids: Iterable[int | None]) -> list[Case]:
    wanted = set(suite_ids)
    if None in wanted:  # the project root: no filter reads only it, so read everything
        return list(remote.read_cases())
    chunks = remote.client.map_concurrent(
        lambda sid: remote.read_cases(suite_id=sid), sorted(i for i in wanted if i is not None)
    )
    return [case for chunk in chunks for case in chunk]
