"""A child process's own peak RSS, whatever the size of the bench that starts it.

Linux keeps a process's peak RSS across ``execve``: a child started by a bench that holds
a large tree and an emulator reports the bench's size as its own peak when that is the
larger. `run` starts the command from a worker of a fork server that `start` launched
while the bench was still small, and reads the child's rusage there (``os.wait4``).

    start()  # first thing in main()
    measured = run([sys.executable, "-m", "qasesync", "plan", ...], env)
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from multiprocessing import forkserver

_CONTEXT = multiprocessing.get_context("forkserver")


@dataclass(frozen=True)
class Measured:
    """What a command did: exit code, stdout, stderr, wall seconds, user CPU seconds and
    peak RSS in MB."""

    code: int
    output: str
    errors: str
    wall_s: float
    user_s: float
    rss_mb: float


def start() -> None:
    """Launch the fork server now, while this process is small."""
    forkserver.ensure_running()


def run(command: list[str], env: dict[str, str]) -> Measured:
    """``command`` in a child of a fork-server worker, measured there."""
    with _CONTEXT.Pool(1) as pool:
        measured: Measured = pool.apply(_measure, (command, env))
    return measured


def _measure(command: list[str], env: dict[str, str]) -> Measured:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        output, errors = out.read(), err.read()
    code = process.returncode
    return Measured(code, output, errors, wall, usage.ru_utime, usage.ru_maxrss / 1024)
