"""The apply lock on a Qase project, held in the project itself (docs/design.md §12).

An apply that wants the lock creates a lock suite (`qasesync.qase.lockentity`), then lists
the lock suites: the lowest id that has not expired holds the lock. A loser deletes its own
suite and waits, polling, until no lock is held; then it tries again. The holder renews its
expiry in the background and deletes its suite when apply ends, however it ends. An expired
lock (a killed apply) is deleted by whoever finds it.

The library never prints: what a person should see (who holds the lock, a wait, an expired
lock removed) goes to the ``note`` callback.
"""

from __future__ import annotations

import getpass
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType

from qasesync.errors import AmbiguousWriteError, LockError, NotFoundError, QasesyncError
from qasesync.qase.lockentity import LockSuite, lock_description, stamp
from qasesync.qase.remote import Remote

log = logging.getLogger(__name__)

Note = Callable[[str], None]

DEFAULT_TIMEOUT = 300.0
"""Seconds an apply waits for the lock by default (``--lock-timeout``)."""

CREATE_ATTEMPTS = 3
"""Sends of one lock suite's create, each after finding the one before did not happen."""


#: The clock difference between two machines that a lock's expiry allows for, in seconds.
SKEW = 60.0


@dataclass(frozen=True)
class Timing:
    """How long to wait, how long a lock lives unrenewed, how often to look again.

    ``ttl`` outlives several missed renewals and a clock difference of a minute between
    machines; ``timeout`` outlives ``ttl``, so a waiter always sees a killed apply's lock
    expire."""

    timeout: float = DEFAULT_TIMEOUT
    ttl: float = 180.0
    renew_every: float = 30.0
    remind_every: float = 30.0
    first_poll: float = 0.5
    max_poll: float = 5.0


def holder_name(env: Mapping[str, str]) -> str:
    """Who takes the lock: the CI run's URL on GitHub Actions, else ``user@host (pid N)``."""
    run = [env.get(name, "") for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY")]
    run_id = env.get("GITHUB_RUN_ID", "")
    if all(run) and run_id:
        return f"{run[0].rstrip('/')}/{run[1]}/actions/runs/{run_id}"
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment nor in the user database
        user = "unknown"
    return f"{user}@{socket.gethostname()} (pid {os.getpid()})"


def this_process() -> tuple[str, int] | None:
    """(where, pid): ``where`` names this boot of the machine and this process's pid
    namespace, so that another qasesync can tell whether it sees the same processes (on
    Linux; None elsewhere: such a lock only expires)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        where = f"{boot}/{os.readlink('/proc/self/ns/pid')}"
    except OSError:
        return None
    return where, os.getpid()


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs (here): signal 0 checks without sending."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):  # someone else's, or no pid at all
        return True
    return True


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ProjectLock:
    """The lock on ``remote``'s project for one apply: ``with ProjectLock(...):``."""

    def __init__(
        self,
        remote: Remote,
        *,
        holder: str,
        note: Note,
        timing: Timing = Timing(),
        now: Callable[[], datetime] = _utcnow,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        process: tuple[str, int] | None = None,
        alive: Callable[[int], bool] = pid_alive,
    ) -> None:
        self.remote, self.holder, self.note, self.timing = remote, holder, note, timing
        self._process, self._alive = process or this_process(), alive
        self._now, self._sleep, self._monotonic = now, sleep, monotonic
        self._nonce = uuid.uuid4().hex
        self._since = now()
        self.held: int | None = None
        self.waited: float = 0.0
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self._described = monotonic()  # when the last description was made
        self._valid_until = 0.0  # monotonic: no reader can think it expired before
        self._lost: str | None = None
        self._own_path = ""  # the held lock suite's path: the write guard lets it through

    def __enter__(self) -> ProjectLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    # --- taking the lock ----------------------------------------------------------------

    def acquire(self) -> None:
        """Hold the lock, waiting up to ``timing.timeout`` seconds; else `LockError`."""
        start = self._monotonic()
        deadline = start + self.timing.timeout
        waited = False
        while (holder := self._try()) is not None:
            self._wait(holder, start, deadline)
            waited = True
        if waited:
            self.waited = self._monotonic() - start
            self.note(
                f"took the lock on project {self.remote.project} after {self.waited:.0f} s; "
                "reading the project again"
            )

    def _try(self) -> LockSuite | None:
        """Create a lock suite and keep it when it holds the lock: None. Else delete it
        and return the lock that holds."""
        self._since = self._now()
        mine = self._create()
        try:
            holder = self._holder(mine)
        except BaseException:
            self.remote.delete_lock(mine)
            raise
        if holder is not None and holder.id == mine:
            self._hold(mine)
            return None
        self.remote.delete_lock(mine)
        return holder or self._try()  # our suite vanished (`unlock`): create another

    def _create(self) -> int:
        """A new lock suite. A create whose answer was lost is looked up by its nonce
        first, and sent again only when it is not there (at most `CREATE_ATTEMPTS`
        sends); one that shows up later anyway is deleted as stale (`_stale`)."""
        sent, first = 0, None
        while True:
            sent += 1
            description = self._description()
            first = self._described if first is None else first
            try:
                return self.remote.create_lock(description)
            except AmbiguousWriteError:
                ours = [k for k in self.remote.read_locks() if k.nonce == self._nonce]
                if ours:
                    self._described = first  # it may be an earlier send's, landed late
                    return ours[-1].id
                if sent == CREATE_ATTEMPTS:
                    raise

    def _description(self) -> str:
        self._described = self._monotonic()
        expires = self._now() + timedelta(seconds=self.timing.ttl)
        return lock_description(self.holder, self._since, expires, self._nonce, self._process)

    def _holder(self, mine: int | None = None) -> LockSuite | None:
        """The lock that holds (the lowest id not expired), deleting expired ones."""
        now = self._now()
        held = []
        for lock in self.remote.read_locks():
            stale = self._stale(lock, now) if lock.id != mine else None
            if stale is None:
                held.append(lock)
            elif self.remote.delete_lock(lock.id):
                self.note(f"removed {stale} on project {self.remote.project}: {lock.describe()}")
        return held[0] if held else None

    def _stale(self, lock: LockSuite, now: datetime) -> str | None:
        """Why ``lock`` no longer holds (None: it holds)."""
        if lock.nonce == self._nonce:
            return "a lock suite of this apply's own from a create whose answer was lost"
        if lock.expired(now):
            expired = f" (expired {stamp(lock.expires)})" if lock.expires else ""
            return f"an expired lock{expired}"
        if lock.expires and lock.expires > now + timedelta(seconds=self.timing.ttl + SKEW):
            # No apply writes an expiry that far ahead: a lock that claims to outlive any
            # renewal (written by hand, or by a clock far ahead) would block every apply.
            return f"a lock that claims to last past any apply's (expires {stamp(lock.expires)})"
        theirs, ours = lock.process, self._process
        if theirs and ours and theirs[0] == ours[0] and not self._alive(theirs[1]):
            return f"the lock of a qasesync on this machine that has ended (pid {theirs[1]})"
        return None

    def _wait(self, holder: LockSuite, start: float, deadline: float) -> None:
        """Poll until no lock holds; print who holds it, then a line now and then."""
        self._announce(holder)
        shown, reminded = holder.id, self._monotonic()
        delay = self.timing.first_poll
        while True:
            left = deadline - self._monotonic()
            if left <= 0:
                raise self._timeout(holder)
            self._sleep(min(delay, left))
            delay = min(delay * 2, self.timing.max_poll)
            current = self._holder()
            if current is None:
                return
            holder = current
            if holder.id != shown:
                self._announce(holder)
                shown, reminded = holder.id, self._monotonic()
            elif self._monotonic() - reminded >= self.timing.remind_every:
                reminded = self._monotonic()
                self.note(
                    f"still waiting for the lock on project {self.remote.project} "
                    f"({holder.describe()}): {reminded - start:.0f} s of "
                    f"{self.timing.timeout:.0f} s"
                )

    def _announce(self, holder: LockSuite) -> None:
        self.note(
            f"project {self.remote.project} is locked by another apply: lock "
            f"{holder.describe()}{_until(holder)}; waiting up to "
            f"{self.timing.timeout:.0f} s (--lock-timeout)"
        )

    def _timeout(self, holder: LockSuite) -> LockError:
        return LockError(
            f"project {self.remote.project} is still locked by another apply after "
            f"{self.timing.timeout:.0f} s (--lock-timeout): lock {holder.describe()}"
            f"{_until(holder)}; nothing was changed. If no apply is running, "
            "`qasesync unlock` removes the lock"
        )

    # --- holding and releasing ----------------------------------------------------------

    def _hold(self, lock_id: int) -> None:
        self.held = self.remote.own_lock = lock_id
        self._own_path = self.remote.lock_path(lock_id)
        self._confirmed()
        self._lost = None
        self.remote.client.write_guard = self.check_held
        self._stop.clear()
        self._renewer = threading.Thread(
            target=self._renew, args=(lock_id,), name="qasesync-lock", daemon=True
        )
        self._renewer.start()

    def _renew(self, lock_id: int) -> None:
        """Push the expiry forward until released. A renewal that fails is logged and
        tried again; a lock removed by someone else is lost (`check_held`)."""
        while not self._stop.wait(self.timing.renew_every):
            try:
                self.remote.renew_lock(lock_id, self._description())
            except NotFoundError:
                self._lost = (
                    f"the lock #{lock_id} on project {self.remote.project} was removed by "
                    "someone else (`qasesync unlock`?)"
                )
                self.note(f"{self._lost}; this apply stops before its next write")
                return
            except QasesyncError as error:
                log.warning("could not renew the lock #%s: %s", lock_id, error)
            else:
                self._confirmed()

    def _confirmed(self) -> None:
        """The last description written holds: no reader whose clock is within `SKEW`
        of ours takes it for expired before ``ttl - SKEW`` after it was made."""
        self._valid_until = self._described + self.timing.ttl - SKEW

    def check_held(self, method: str, path: str) -> None:
        """The client's write guard while the lock is held: a write (other than to the
        lock suite itself) raises `LockError` once the lock is lost or may have expired,
        as another apply could then hold it and both would write."""
        if path == self._own_path:
            return  # renewing or removing the lock itself
        if self._lost is None and self._monotonic() > self._valid_until:
            self._lost = (
                f"the lock #{self.held} on project {self.remote.project} could not be renewed "
                f"for {self.timing.ttl - SKEW:.0f} s and may have expired"
            )
        if self._lost is not None:
            raise LockError(
                f"{self._lost}: another apply may hold the project now, so this one stopped "
                f"before {method} {path}"
            )

    def release(self) -> None:
        """Stop renewing and delete the lock suite; a failure is noted, not raised, so
        that it never hides why apply ended."""
        self._stop.set()
        self.remote.client.write_guard = None
        if self._renewer is not None:
            self._renewer.join()
            self._renewer = None
        lock_id, self.held = self.held, None
        if lock_id is None:
            return
        self.remote.own_lock = None
        try:
            self.remote.delete_lock(lock_id)
        except QasesyncError as error:
            self.note(
                f"could not remove the lock #{lock_id} on project {self.remote.project} "
                f"({error}); it expires by itself within {self.timing.ttl:.0f} s, or "
                "`qasesync unlock` removes it now"
            )


def unlock(remote: Remote) -> list[LockSuite]:
    """Delete every lock suite of the project, held or not; those deleted."""
    return [lock for lock in remote.read_locks() if remote.delete_lock(lock.id)]


def _until(lock: LockSuite) -> str:
    return f" (expires {stamp(lock.expires)})" if lock.expires else ""
