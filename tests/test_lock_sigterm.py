"""An apply stopped by SIGTERM (``kill``, ``docker stop``, a CI job's timeout) ends as one
stopped by Ctrl-C: the project's lock is removed, it says it was interrupted and exits
130, instead of dying at once and leaving the lock to block every other apply until it
expires."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kit.apply import PROJECT, TOKEN, copy_cases, shop_emulator

from qasesync.cli import main
from qasesync.emulator import serve
from qasesync.emulator.app import StartResponse
from qasesync.qase.lockentity import LOCK_TITLE

REPO = Path(__file__).resolve().parents[1]


def test_sigterm_during_apply_removes_the_lock(tmp_path: Path) -> None:
    emu = shop_emulator()
    inner, arrived, release = emu.app, threading.Event(), threading.Event()

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith("/bulk"):
            arrived.set()
            release.wait(60)
        return inner(environ, start_response)

    emu.app = app  # type: ignore[method-assign]
    tree = copy_cases(tmp_path)
    with serve(emu) as server:
        env = {**os.environ, "QASE_TOKEN": TOKEN, "QASE_API_URL": server.url}
        env["PYTHONPATH"] = str(REPO)
        for name in ("QASE_PROJECT", "QASE_WEB_URL", "QASE_RATE_LIMIT", "GITHUB_RUN_ID"):
            env.pop(name, None)
        child = subprocess.Popen(
            [sys.executable, "-m", "qasesync", "apply", str(tree), "--yes"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert arrived.wait(60), child.communicate()
            assert [s for s in emu.store.suites(PROJECT) if s["title"] == LOCK_TITLE]
            time.sleep(0.2)  # the child is waiting for the bulk create's answer
            child.send_signal(signal.SIGTERM)
            _, err = child.communicate(timeout=60)
        finally:
            release.set()
            if child.poll() is None:
                child.kill()
                child.wait()
    assert child.returncode == 130, err
    assert "apply interrupted" in err
    assert [s["id"] for s in emu.store.suites(PROJECT) if s["title"] == LOCK_TITLE] == []


def test_a_command_run_in_another_thread_leaves_signals_alone(tmp_path: Path) -> None:
    tree = copy_cases(tmp_path)
    before = signal.getsignal(signal.SIGTERM)
    codes: list[int] = []
    worker = threading.Thread(
        target=lambda: codes.append(main(["validate", str(tree)], out=io.StringIO()))
    )
    worker.start()
    worker.join()
    assert codes == [0]
    assert signal.getsignal(signal.SIGTERM) is before


def test_the_handler_is_put_back_after_a_command(tmp_path: Path) -> None:
    before = signal.getsignal(signal.SIGTERM)
    assert main(["validate", str(copy_cases(tmp_path))], out=io.StringIO()) == 0
    assert signal.getsignal(signal.SIGTERM) is before
