"""The locks through the command line (docs/design.md §12): two applies at once against
the emulator on a socket, an apply that waits past `--lock-timeout`, release on failure and
Ctrl-C, `unlock`, the lock entity ignored by plan, export, pull, prune and the three-way
sync, and the local lock on the tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from kit.apply import PROJECT, TOKEN, copy_cases, duplicate_titles, on_socket, shop_emulator
from kit.apply import run_cli as run

from qasesync.emulator import Emulator, serve
from qasesync.emulator.app import StartResponse
from qasesync.errors import ApiError
from qasesync.qase.lockentity import LOCK_TITLE, lock_description
from qasesync.tree.treelock import tree_lock

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator())


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return copy_cases(tmp_path)


def lock_suites(emu: Emulator) -> list[dict[str, Any]]:
    return [s for s in emu.store.suites(PROJECT) if s["title"] == LOCK_TITLE]


def foreign_lock(emu: Emulator, *, expires_in: float = 180, holder: str = "ci@runner") -> int:
    now = datetime.now(timezone.utc)
    text = lock_description(holder, now, now + timedelta(seconds=expires_in), "nonce")
    return emu.store.create_suite(PROJECT, {"title": LOCK_TITLE, "description": text})


# --- two applies at once ----------------------------------------------------------------


class Gate:
    """WSGI middleware: every bulk create of cases waits until an apply has lost the race
    for the lock (it deleted its lock suite), so that the two applies overlap for sure."""

    def __init__(self, emu: Emulator) -> None:
        self.inner, self.emu = emu.app, emu
        self.lost = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if method == "POST" and path == f"/v1/case/{PROJECT}/bulk":
            self.lost.wait(60)
        answer = self.inner(environ, start_response)
        if method == "DELETE" and path.startswith(f"/v1/suite/{PROJECT}/"):
            self.lost.set()
        return answer


def start_apply(tree: Path, url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "QASE_TOKEN": TOKEN, "QASE_API_URL": url, "PYTHONPATH": str(REPO)}
    for name in ("QASE_PROJECT", "QASE_WEB_URL", "QASE_RATE_LIMIT", "GITHUB_RUN_ID"):
        env.pop(name, None)
    return subprocess.Popen(
        [sys.executable, "-m", "qasesync", "apply", str(tree), "--yes", "--lock-timeout", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.parametrize("round_", range(3))
def test_two_applies_at_once_never_both_write(
    tmp_path: Path, round_: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A laptop and CI: two checkouts of one tree applied at once. One creates everything;
    the other waits for the lock, reads the project again and has nothing left to create
    (it only writes the ids it matched by title into its own checkout)."""
    emu = shop_emulator()
    emu.app = Gate(emu)  # type: ignore[method-assign]
    trees = [copy_cases(tmp_path / name) for name in ("laptop", "ci")]
    with serve(emu) as server:
        children = [start_apply(tree, server.url) for tree in trees]
        results = [(child.wait(120), *child.communicate()) for child in children]
        monkeypatch.setenv("QASE_TOKEN", TOKEN)
        monkeypatch.setenv("QASE_API_URL", server.url)
        for tree in trees:  # both checkouts hold every id now
            assert run("plan", str(tree), "--detailed-exitcode")[0] == 0
    assert [code for code, _, _ in results] == [0, 0], results
    assert duplicate_titles(emu) == []
    assert len(emu.store.cases(PROJECT)) == 46 and lock_suites(emu) == []
    assert len(emu.store.suites(PROJECT)) == 18
    waited = [r for r in results if "is locked by another apply" in r[2]]
    assert len(waited) == 1, results
    _, out, err = waited[0]
    lines = err.splitlines()
    assert lines[0].startswith("qasesync: project SHOP is locked by another apply: lock #")
    assert lines[0].endswith("waiting up to 60 s (--lock-timeout)")
    assert lines[-1].startswith("qasesync: took the lock on project SHOP after ")
    assert lines[-1].endswith(" s; reading the project again")
    assert "No changes. Project SHOP matches the tree." in out
    assert "Plan: 0 to create, 0 to update, 0 to deprecate, 0 to delete." in out
    (winner,) = [r for r in results if r is not waited[0]]
    assert "Apply complete: 68 created" in winner[1] and winner[2] == ""


# --- the project lock through apply -------------------------------------------------------


def test_apply_gives_up_past_the_lock_timeout_and_writes_nothing(
    emu: Emulator, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = foreign_lock(emu)
    code, out = run("apply", str(tree), "--yes", "--lock-timeout", "0.2")
    err = capsys.readouterr().err
    assert code == 1 and out == ""
    assert err.startswith(
        f"qasesync: project SHOP is locked by another apply: lock #{other} held by ci@runner since "
    )
    assert "error: project SHOP is still locked by another apply after 0 s (--lock-timeout)" in err
    assert err.rstrip().endswith("If no apply is running, `qasesync unlock` removes the lock")
    assert [s["id"] for s in emu.store.suites(PROJECT)] == [other]
    assert emu.store.cases(PROJECT) == []


def test_apply_removes_an_expired_lock_and_goes_on(
    emu: Emulator, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = foreign_lock(emu, expires_in=-5)
    code, out = run("apply", str(tree), "--yes")
    assert code == 0 and "Apply complete: 68 created" in out
    err = capsys.readouterr().err
    assert err.startswith("qasesync: removed an expired lock (expired ")
    assert f"on project SHOP: #{other} held by ci@runner since " in err
    assert lock_suites(emu) == []


@pytest.mark.parametrize(
    ("error", "exit_code"),
    [(ApiError("refused", method="POST", path="/suite/SHOP", status=400), 1), (RuntimeError, 3)],
)
def test_the_lock_is_released_when_apply_fails(
    emu: Emulator, tree: Path, error: BaseException, exit_code: int
) -> None:
    from qasesync.apply import applier

    def failing(*args: Any, **kwargs: Any) -> Any:
        assert len(lock_suites(emu)) == 1  # held while apply runs
        raise error

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(applier, "apply", failing)
        code, _ = run("apply", str(tree), "--yes")
    assert code == exit_code and lock_suites(emu) == []


def test_the_lock_is_released_on_ctrl_c(emu: Emulator, tree: Path) -> None:
    from qasesync.apply import applier

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        assert len(lock_suites(emu)) == 1  # held while apply runs
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(applier, "apply", interrupted)
        code, _ = run("apply", str(tree), "--yes")
    assert code == 130 and lock_suites(emu) == []


def test_a_saved_plan_is_checked_against_the_read_made_after_the_lock(
    emu: Emulator, tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The other apply ran while this one waited: the saved plan is stale, refused."""
    saved = tmp_path / "plan.json"
    assert run("plan", str(tree), "--out", str(saved))[0] == 0
    other = copy_cases(tmp_path / "other")
    assert run("apply", str(other), "--yes")[0] == 0
    code, _ = run("apply", str(tree), "--plan", str(saved))
    assert code == 1
    assert duplicate_titles(emu) == [] and len(emu.store.cases(PROJECT)) == 46
    assert lock_suites(emu) == []
    assert "error:" in capsys.readouterr().err


# --- unlock ----------------------------------------------------------------------------


def test_unlock_says_what_it_removed(emu: Emulator, tree: Path) -> None:
    first, second = foreign_lock(emu), foreign_lock(emu, expires_in=-1, holder="me\x1b[2J")
    code, out = run("unlock", str(tree))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"Removed the apply lock #{first} held by ci@runner since ")
    assert lines[0].endswith(" UTC from project SHOP.")
    assert lines[1].startswith(f"Removed the apply lock #{second} held by me\\x1b[2J since ")
    assert lock_suites(emu) == []
    assert run("unlock", "--project", "shop") == (0, "Project SHOP has no apply lock.\n")


# --- the lock entity is invisible to every reader ---------------------------------------


@pytest.fixture
def applied_and_locked(emu: Emulator, tree: Path) -> int:
    """The tree applied (its base record written), then another apply holds the lock."""
    assert run("apply", str(tree), "--yes")[0] == 0
    return foreign_lock(emu)


def test_plan_ignores_the_lock_and_says_an_apply_is_running(
    emu: Emulator, tree: Path, applied_and_locked: int, caplog: pytest.LogCaptureFixture
) -> None:
    """(Without handlers, as in the command, Python prints the warning as a bare line.)"""
    caplog.clear()
    code, out = run("plan", str(tree), "--detailed-exitcode")
    assert (code, out.splitlines()[0]) == (0, "No changes. Project SHOP matches the tree.")
    (warning,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warning.startswith(
        f"an apply is running on SHOP (lock #{applied_and_locked} held by ci@runner since "
    )


def test_prune_delete_and_drift_revert_leave_the_lock_alone(
    emu: Emulator, tree: Path, applied_and_locked: int
) -> None:
    settings = tree / "qasesync.yaml"
    text = settings.read_text().replace("prune: deprecate", "prune: delete")
    settings.write_text(text + "drift: revert\n")
    code, text = run("plan", str(tree), "--format", "json", "--detailed-exitcode")
    assert code == 0, text
    assert LOCK_TITLE not in text


def test_export_and_pull_ignore_the_lock(
    emu: Emulator, tree: Path, tmp_path: Path, applied_and_locked: int
) -> None:
    exported = tmp_path / "exported"
    assert run("export", "--project", PROJECT, "--out", str(exported))[0] == 0
    texts = [p.read_text() for p in exported.rglob("*.yaml")]
    assert texts and not any("apply in progress" in t for t in texts)
    code, out = run("pull", str(tree))
    assert code == 0 and "apply in progress" not in out
    assert run("plan", str(exported), "--detailed-exitcode")[0] == 0


# --- the local lock on the tree ---------------------------------------------------------


def test_a_second_command_on_one_checkout_waits_for_the_first(
    emu: Emulator, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    held, released = threading.Event(), threading.Event()

    def hold() -> None:
        with tree_lock(tree, timeout=1, on_wait=print):
            held.set()
            released.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(30)
        code, out = run("apply", str(tree), "--yes", "--lock-timeout", "0.3")
        assert (code, out) == (1, "")
        err = capsys.readouterr().err
        assert err == (
            f"qasesync: waiting for another qasesync command (apply, pull or writeback) on {tree}"
            f" to end; waiting up to 0 s\nerror: {tree} is still in use by another qasesync"
            " command (apply, pull or writeback) on this checkout; nothing was changed\n"
        )
        assert emu.store.suites(PROJECT) == []
        threading.Timer(0.3, released.set).start()
        code, out = run("apply", str(tree), "--yes")
        assert code == 0 and "Apply complete: 68 created" in out
    finally:
        released.set()
        holder.join()
    assert capsys.readouterr().err.startswith("qasesync: waiting for another qasesync command")


def test_pull_and_writeback_hold_the_tree_lock(tree: Path, tmp_path: Path) -> None:
    """Both refuse to run beside another command on the checkout (timeout 0 in the test)."""
    from qasesync.cli import locking

    with pytest.MonkeyPatch.context() as patch, tree_lock(tree, timeout=1, on_wait=print):
        patch.setattr(locking, "DEFAULT_TIMEOUT", 0.0)
        assert run("pull", str(tree))[0] == 1
        record = tmp_path / "record.json"
        record.write_text(json.dumps({}))
        assert run("writeback", str(record), str(tree))[0] == 1


def test_a_tree_that_is_no_folder_is_not_locked(tmp_path: Path) -> None:
    with tree_lock(tmp_path / "missing", timeout=0, on_wait=print):
        pass


def test_the_command_line_waits_for_the_lock_as_long_as_the_lock_itself_by_default() -> None:
    from qasesync.apply.lock import DEFAULT_TIMEOUT, Timing
    from qasesync.cli.parser import build_parser

    parsed = build_parser().parse_args(["apply", "--yes"])
    assert parsed.lock_timeout == DEFAULT_TIMEOUT == Timing().timeout
