"""Two pieces of work at once, the second in a forked child process.

Used by the loader on large trees: parsing YAML is CPU-bound and holds the GIL, so a
thread would not help, and a process pool costs more to start than the work saves.
A forked child already has everything imported and loaded; it sends its result back
pickled through a pipe. Where forking is unsafe (not Linux, other threads running)
or the child fails, the second piece runs here after the first: same result, slower.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def available() -> bool:
    """Whether `split` would really use a second process."""
    cores = os.cpu_count() or 1
    only_thread = threading.active_count() == 1
    return sys.platform == "linux" and hasattr(os, "fork") and cores > 1 and only_thread


def split(first: Callable[[], T], second: Callable[[], T]) -> tuple[T, T]:
    """``(first(), second())``, with ``second`` computed in a child process if possible.
    When the child's result is used, it is a copy: the child's side effects are lost."""
    if not available():
        return first(), second()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which never returns
        _child(second, read_end, write_end)
    os.close(write_end)
    try:
        mine = first()
    except BaseException:  # Ctrl-C or a bug here: do not leave the child behind
        _abandon(pid, read_end)
        raise
    theirs = _collect(pid, read_end)
    return mine, (second() if theirs is None else theirs)


def _child(work: Callable[[], T], read_end: int, write_end: int) -> None:  # pragma: no cover
    code = 1
    try:
        os.close(read_end)
        payload = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        code = 0
    finally:
        os._exit(code)  # no atexit handlers, no flushing of the parent's buffers


def _abandon(pid: int, read_end: int) -> None:
    os.close(read_end)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _collect(pid: int, read_end: int) -> T | None:
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        log.warning("the second loader process failed; reading its files here")
        return None
    result: T = pickle.loads(payload)
    return result
