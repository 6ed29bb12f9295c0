"""The local lock on a tree: one apply, pull or writeback at a time on one checkout
(docs/design.md §12).

An exclusive ``flock`` on the tree's folder itself (no file is added to the tree); the
kernel drops it when the process ends, however it ends.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from qasesync.errors import LockError

POLL = 0.1


@contextmanager
def tree_lock(
    root: Path,
    *,
    timeout: float,
    on_wait: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> Iterator[None]:
    """Hold the lock on ``root`` while the block runs; wait for it up to ``timeout``
    seconds (``on_wait`` is told once), then `LockError`. A folder that cannot be opened
    is not locked: the loader reports what is wrong with it."""
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield
        return
    try:
        if not _try_lock(fd):
            on_wait(
                f"waiting for another qasesync command (apply, pull or writeback) on "
                f"{root} to end; waiting up to {timeout:.0f} s"
            )
            _wait(fd, root, monotonic() + timeout, sleep, monotonic)
        yield
    finally:
        os.close(fd)  # releases the lock


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _wait(
    fd: int,
    root: Path,
    deadline: float,
    sleep: Callable[[float], None],
    monotonic: Callable[[], float],
) -> None:
    while not _try_lock(fd):
        if monotonic() >= deadline:
            raise LockError(
                f"{root} is still in use by another qasesync command (apply, pull or "
                "writeback) on this checkout; nothing was changed"
            )
        sleep(POLL)
