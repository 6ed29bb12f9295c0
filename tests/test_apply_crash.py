"""Crash safety: `qasesync apply` as a child process, killed with SIGKILL right after the
emulator (on a socket) processed its k-th write and before the answer left; a second
apply then finishes the job with no duplicates, for several k."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from kit.apply import PROJECT, TOKEN, duplicate_titles, generated_tree, shop_emulator

from qasesync.cli import main
from qasesync.emulator import Emulator, serve
from qasesync.tree.load import load_tree

WRITES = frozenset({"POST", "PATCH", "DELETE"})


class KillAfter:
    """WSGI middleware: processes each request, and on the k-th write kills the client
    process before the answer is sent."""

    def __init__(self, emu: Emulator, k: int) -> None:
        self.inner = emu.app
        self.k = k
        self.writes = 0
        self.child: subprocess.Popen[bytes] | None = None
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        answer = self.inner(environ, start_response)
        if environ["REQUEST_METHOD"] in WRITES:
            with self.lock:
                self.writes += 1
                if self.writes == self.k and self.child is not None:
                    os.kill(self.child.pid, signal.SIGKILL)
                    self.child.wait()
        return answer


def ids_in(tree: Path) -> int:
    loaded = load_tree(tree)
    suites = sum(s.id is not None for s in loaded.suites)
    cases = sum(c.id is not None for c in loaded.cases)
    return suites + cases + sum(bool(s.hash) for s in loaded.shared_steps)


def plan_code(tree: Path) -> int:
    return main(["plan", str(tree), "--detailed-exitcode"], out=io.StringIO())


# The writes of this tree, in order: the lock suite (docs/design.md §12); suites s0 and
# s2 (at once), s0/s1; the shared step; two bulks of 29 cases (20, the adaptive size's
# first, then 9); one POST /case for the automated case number 25. Before the kill, every
# write but the k-th was answered and its ids written back. The rerun removes the killed
# run's lock at once: its process has ended.
@pytest.mark.parametrize(("k", "written"), [(1, 0), (2, 0), (5, 3), (6, 4), (7, 24), (8, 33)])
def test_apply_killed_after_k_writes_is_finished_by_a_rerun_without_duplicates(
    k: int, written: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = shop_emulator()
    killer = KillAfter(emu, k)
    object.__setattr__(emu, "app", killer)
    tree = generated_tree(tmp_path / "cases", suites=3, per_suite=10)
    with serve(emu) as server:
        env = {**os.environ, "QASE_TOKEN": TOKEN, "QASE_API_URL": server.url}
        env.pop("QASE_PROJECT", None)
        killer.child = subprocess.Popen(
            [sys.executable, "-m", "qasesync", "apply", "--yes", str(tree)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert killer.child.wait(timeout=60) == -signal.SIGKILL
        assert killer.writes >= k  # a write sent at the same time may be processed too
        assert ids_in(tree) == written  # and every file it wrote is whole
        monkeypatch.setenv("QASE_TOKEN", TOKEN)
        monkeypatch.setenv("QASE_API_URL", server.url)
        monkeypatch.delenv("QASE_PROJECT", raising=False)
        assert main(["apply", str(tree), "--yes"], out=io.StringIO()) == 0
        assert plan_code(tree) == 0
    assert duplicate_titles(emu) == [] and len(emu.store.cases(PROJECT)) == 30
    # The rerun recorded every case once, those the killed run made included.
    base = (tree / "qasesync.base.jsonl").read_text(encoding="utf-8").splitlines()
    assert base[0] == '{"qasesync_base":1}' and sum('"case_id"' in line for line in base) == 30
    assert len(emu.store.suites(PROJECT)) == 3 and len(emu.store.shared_steps(PROJECT)) == 1
