"""The apply lock on a project (docs/design.md §12), in process against the emulator with a
fake clock: the race rule, waiting and its messages, the timeout, expiry, a killed apply on
this machine, renewal, release, `unlock`, and what the lock entity looks like."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from kit.apply import PROJECT, in_process_remote, plan_of, shop_emulator, write_tree

from qasesync.apply.applier import ApplyFailed, Progress, apply
from qasesync.apply.lock import ProjectLock, Timing, holder_name, pid_alive, this_process, unlock
from qasesync.emulator import Emulator
from qasesync.errors import AmbiguousWriteError, ApiError, LockError
from qasesync.qase.lockentity import (
    LOCK_TITLE,
    LockSuite,
    lock_description,
    lock_from_json,
    printable,
)
from qasesync.qase.remote import Remote

T0 = datetime(2026, 12, 6, 3, 0, 0, tzinfo=timezone.utc)
HERE = ("boot/pid:[1]", 4242)


class Clock:
    """Wall time and monotonic time that move together, only when someone sleeps; each
    sleep first runs the test's ``on_sleep`` (another apply doing something meanwhile)."""

    def __init__(self) -> None:
        self.elapsed = 0.0
        self.sleeps: list[float] = []
        self.on_sleep: Callable[[], None] = lambda: None

    def now(self) -> datetime:
        return T0 + timedelta(seconds=self.elapsed)

    def monotonic(self) -> float:
        return self.elapsed

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds
        self.on_sleep()


@pytest.fixture
def emu() -> Emulator:
    return shop_emulator()


@pytest.fixture
def remote(emu: Emulator) -> Remote:
    return in_process_remote(emu)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_lock(
    remote: Remote, clock: Clock, notes: list[str], timing: Timing | None = None, **kw: Any
) -> ProjectLock:
    return ProjectLock(
        remote,
        holder="me@laptop",
        note=notes.append,
        timing=timing or Timing(timeout=60, renew_every=3600),
        now=clock.now,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        process=kw.pop("process", HERE),
        **kw,
    )


def foreign_lock(
    emu: Emulator,
    *,
    holder: str = "https://github.com/octo/shop/actions/runs/7",
    expires: datetime = T0 + timedelta(minutes=3),
    process: tuple[str, int] | None = None,
    description: str | None = None,
) -> int:
    """A lock suite another apply created."""
    text = description or lock_description(holder, T0 - timedelta(minutes=1), expires, "n", process)
    return emu.store.create_suite(PROJECT, {"title": LOCK_TITLE, "description": text})


def lock_suites(emu: Emulator) -> list[dict[str, Any]]:
    return [s for s in emu.store.suites(PROJECT) if s["title"] == LOCK_TITLE]


def test_an_apply_alone_takes_the_lock_at_once_and_release_deletes_it(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    notes: list[str] = []
    with make_lock(remote, clock, notes) as lock:
        (suite,) = lock_suites(emu)
        assert lock.held == remote.own_lock == suite["id"]
        assert suite["parent_id"] is None
        data = json.loads(suite["description"])
        assert data["holder"] == "me@laptop"
        assert (data["since"], data["expires"]) == (
            "2026-12-06T03:00:00+00:00",
            "2026-12-06T03:03:00+00:00",
        )
        assert data["process"] == {"where": "boot/pid:[1]", "pid": 4242}
    assert lock_suites(emu) == []
    assert (notes, clock.sleeps, lock.waited, remote.own_lock) == ([], [], 0.0, None)


def test_the_lowest_live_lock_wins_a_race(emu: Emulator, remote: Remote, clock: Clock) -> None:
    """A lock created after ours (a higher id) does not hold: ours does."""
    original = remote.create_lock

    def create_then_another(description: str) -> int:
        mine = original(description)
        foreign_lock(emu)  # the other apply created its suite just after ours
        return mine

    remote.create_lock = create_then_another  # type: ignore[method-assign]
    notes: list[str] = []
    with make_lock(remote, clock, notes) as lock:
        mine = lock.held or 0
        assert [s["id"] for s in lock_suites(emu)] == [mine, mine + 1]
    assert notes == []


def test_a_loser_deletes_its_suite_waits_and_says_who_holds_the_lock(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    other = foreign_lock(emu)
    notes: list[str] = []
    seen: list[list[int]] = []

    def meanwhile() -> None:
        seen.append([s["id"] for s in lock_suites(emu)])
        if clock.elapsed >= 40:  # the other apply ends
            emu.store.delete_suite(PROJECT, other)

    clock.on_sleep = meanwhile
    with make_lock(remote, clock, notes, Timing(timeout=60, remind_every=30)) as lock:
        assert [s["id"] for s in lock_suites(emu)] == [lock.held]
    assert seen[0] == [other]  # our first suite was deleted before the wait
    assert clock.sleeps == [0.5, 1, 2, 4, 5, 5, 5, 5, 5, 5, 5]
    assert lock.waited == 42.5
    since = "2026-12-06 02:59:00 UTC"
    holder = f"#{other} held by https://github.com/octo/shop/actions/runs/7 since {since}"
    assert notes == [
        f"project SHOP is locked by another apply: lock {holder} (expires 2026-12-06 03:03:00"
        " UTC); waiting up to 60 s (--lock-timeout)",
        f"still waiting for the lock on project SHOP ({holder}): 32 s of 60 s",
        "took the lock on project SHOP after 42 s; reading the project again",
    ]


def test_a_new_holder_while_waiting_is_announced(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    first = foreign_lock(emu, holder="first@ci")
    state = {"second": 0}

    def meanwhile() -> None:
        if clock.elapsed >= 1 and not state["second"]:  # first ends, second takes it
            emu.store.delete_suite(PROJECT, first)
            state["second"] = foreign_lock(emu, holder="second@ci")
        elif clock.elapsed >= 3:
            emu.store.delete_suite(PROJECT, state["second"])

    clock.on_sleep = meanwhile
    notes: list[str] = []
    with make_lock(remote, clock, notes):
        pass
    assert [n.split(" since")[0] for n in notes[:2]] == [
        f"project SHOP is locked by another apply: lock #{first} held by first@ci",
        f"project SHOP is locked by another apply: lock #{state['second']} held by second@ci",
    ]


def test_past_the_timeout_apply_gives_up_and_leaves_no_suite(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    other = foreign_lock(emu, expires=T0 + timedelta(minutes=3))
    notes: list[str] = []
    lock = make_lock(remote, clock, notes, Timing(timeout=10, remind_every=1000))
    with pytest.raises(LockError) as raised:
        lock.acquire()
    assert str(raised.value) == (
        f"project SHOP is still locked by another apply after 10 s (--lock-timeout): lock #{other}"
        " held by https://github.com/octo/shop/actions/runs/7 since 2026-12-06 02:59:00 UTC"
        " (expires 2026-12-06 03:03:00 UTC); nothing was changed. If no apply is running,"
        " `qasesync unlock` removes the lock"
    )
    assert clock.elapsed == 10
    assert [s["id"] for s in lock_suites(emu)] == [other]
    assert len(notes) == 1


def test_an_expired_lock_is_removed_with_a_line(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    other = foreign_lock(emu, expires=T0 - timedelta(seconds=1))
    notes: list[str] = []
    with make_lock(remote, clock, notes) as lock:
        assert [s["id"] for s in lock_suites(emu)] == [lock.held]
    assert notes == [
        f"removed an expired lock (expired 2026-12-06 02:59:59 UTC) on project SHOP: #{other}"
        " held by https://github.com/octo/shop/actions/runs/7 since 2026-12-06 02:59:00 UTC"
    ]
    assert clock.sleeps == []


def test_a_lock_that_claims_to_outlive_any_apply_is_removed_with_a_line(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    far = foreign_lock(emu, expires=T0 + timedelta(days=365))
    near = foreign_lock(emu, expires=T0 + timedelta(seconds=180 + 60))  # ttl + skew: holds
    notes: list[str] = []

    def holder_ends() -> None:
        emu.store.delete_suite(PROJECT, near)

    clock.on_sleep = holder_ends
    with make_lock(remote, clock, notes) as lock:
        assert [s["id"] for s in lock_suites(emu)] == [lock.held]
    assert notes[0] == (
        "removed a lock that claims to last past any apply's (expires 2027-12-06 03:00:00 UTC)"
        f" on project SHOP: #{far} held by https://github.com/octo/shop/actions/runs/7"
        " since 2026-12-06 02:59:00 UTC"
    )
    assert notes[1].startswith(f"project SHOP is locked by another apply: lock #{near} held by")
    assert clock.sleeps  # the lock within the allowed time was waited for, not removed


def test_an_expired_lock_another_apply_removed_first_is_not_reported(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    other = foreign_lock(emu, expires=T0 - timedelta(seconds=1))
    original = remote.delete_lock

    def raced(lock_id: int) -> bool:
        if lock_id == other:
            emu.store.delete_suite(PROJECT, other)  # the other waiter was quicker
        return original(lock_id)

    remote.delete_lock = raced  # type: ignore[method-assign]
    notes: list[str] = []
    with make_lock(remote, clock, notes):
        pass
    assert notes == [] and lock_suites(emu) == []


def test_a_lock_whose_description_was_edited_counts_as_expired(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    other = foreign_lock(emu, description="someone typed here")
    notes: list[str] = []
    with make_lock(remote, clock, notes):
        pass
    assert notes == [
        f"removed an expired lock on project SHOP: #{other} held by (unreadable description)"
    ]


def test_the_lock_of_an_ended_qasesync_on_this_machine_is_removed_at_once(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    dead = foreign_lock(emu, holder="me@laptop (pid 17)", process=(HERE[0], 17))
    elsewhere = foreign_lock(emu, holder="ci", process=("other-boot/pid:[1]", 17))
    running = {18}
    notes: list[str] = []

    def meanwhile() -> None:
        emu.store.delete_suite(PROJECT, elsewhere)

    clock.on_sleep = meanwhile
    with make_lock(remote, clock, notes, alive=running.__contains__):
        pass
    assert notes[0] == (
        "removed the lock of a qasesync on this machine that has ended (pid 17) on project SHOP:"
        f" #{dead} held by me@laptop (pid 17) since 2026-12-06 02:59:00 UTC"
    )
    assert notes[1].startswith(f"project SHOP is locked by another apply: lock #{elsewhere} ")


def test_a_running_qasesync_on_this_machine_keeps_its_lock(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    foreign_lock(emu, process=(HERE[0], 18))
    lock = make_lock(remote, clock, [], Timing(timeout=1), alive=lambda pid: pid == 18)
    with pytest.raises(LockError):
        lock.acquire()


def test_a_lock_suite_that_vanishes_before_the_check_is_made_again(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    original = remote.create_lock
    calls: list[int] = []

    def create_then_unlocked(description: str) -> int:
        mine = original(description)
        calls.append(mine)
        if len(calls) == 1:
            emu.store.delete_suite(PROJECT, mine)  # `qasesync unlock` elsewhere
        return mine

    remote.create_lock = create_then_unlocked  # type: ignore[method-assign]
    with make_lock(remote, clock, []) as lock:
        assert lock.held == calls[1]


def test_a_create_with_a_lost_answer_is_found_by_its_nonce(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    original = remote.create_lock

    def lost(description: str) -> int:
        original(description)
        raise AmbiguousWriteError("no answer", method="POST", path="/suite/SHOP")

    remote.create_lock = lost  # type: ignore[method-assign]
    with make_lock(remote, clock, []) as lock:
        assert [s["id"] for s in lock_suites(emu)] == [lock.held]


def test_writes_stop_by_the_expiry_of_the_oldest_description_a_retried_create_sent(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    """The first create got no answer and is not found, so it is sent again 30 s later;
    the first lands late after all, with the higher id and the earlier expiry: the
    guard must time writes from that earlier description."""
    original = remote.create_lock
    sent: list[str] = []

    def late(description: str) -> int:
        sent.append(description)
        if len(sent) == 1:
            clock.elapsed += 30.0
            raise AmbiguousWriteError("no answer", method="POST", path="/suite/SHOP")
        original(description)  # the second send...
        original(sent[0])  # ...and the first, landing late with a higher id
        raise AmbiguousWriteError("no answer", method="POST", path="/suite/SHOP")

    remote.create_lock = late  # type: ignore[method-assign]
    with make_lock(remote, clock, []) as lock:
        held = next(s for s in lock_suites(emu) if s["id"] == lock.held)
        assert held["description"] == sent[0]  # the one that holds says the earlier expiry
        clock.elapsed = 120.5  # 120 s after the first description: no longer safe
        with pytest.raises(LockError, match="may have expired"):
            remote.client.post(f"/suite/{PROJECT}", {"title": "Too late"})


def test_a_create_that_did_not_happen_is_sent_again_up_to_three_times(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    original = remote.create_lock
    sent: list[str] = []

    def lost_twice(description: str) -> int:
        sent.append(description)
        if len(sent) < 3:
            raise AmbiguousWriteError("no answer", method="POST", path="/suite/SHOP")
        return original(description)

    remote.create_lock = lost_twice  # type: ignore[method-assign]
    with make_lock(remote, clock, []) as lock:
        assert [s["id"] for s in lock_suites(emu)] == [lock.held]
    sent.clear()

    def never(description: str) -> int:
        sent.append(description)
        raise AmbiguousWriteError("no answer", method="POST", path="/suite/SHOP")

    remote.create_lock = never  # type: ignore[method-assign]
    with pytest.raises(AmbiguousWriteError):
        make_lock(remote, clock, []).acquire()
    assert len(sent) == 3 and lock_suites(emu) == []


def test_a_lost_create_that_shows_up_late_is_deleted_as_stale(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    """The first create reached Qase only after apply looked for it: sent again, and the
    late one (lower id, our nonce) does not hold the lock against us."""
    original = remote.create_lock
    late: list[str] = []

    def lost(description: str) -> int:
        if not late:
            late.append(description)
            raise AmbiguousWriteError("no answer", method="POST", path="/suite/SHOP")
        original(late[0])  # the first one lands now
        return original(description)

    remote.create_lock = lost  # type: ignore[method-assign]
    notes: list[str] = []
    with make_lock(remote, clock, notes) as lock:
        held = lock.held or 0
        assert [s["id"] for s in lock_suites(emu)] == [held]
    assert notes == [
        "removed a lock suite of this apply's own from a create whose answer was lost on"
        f" project SHOP: #{held - 1} held by me@laptop since 2026-12-06 03:00:00 UTC"
    ]


def test_a_failed_check_deletes_the_suite_just_created(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    def broken() -> list[LockSuite]:
        raise KeyboardInterrupt

    remote.read_locks = broken  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        make_lock(remote, clock, []).acquire()
    assert lock_suites(emu) == []


def test_the_holder_renews_the_expiry_in_the_background(emu: Emulator, remote: Remote) -> None:
    lock = ProjectLock(
        remote, holder="me", note=print, timing=Timing(renew_every=0.01), process=HERE
    )
    with lock:
        first = lock_suites(emu)[0]["description"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            renewed = json.loads(lock_suites(emu)[0]["description"])
            if renewed["expires"] != json.loads(first)["expires"]:
                break
            time.sleep(0.02)
        assert renewed["since"] == json.loads(first)["since"]
        assert renewed["expires"] > json.loads(first)["expires"]


def test_a_lock_removed_under_the_holder_stops_the_next_write(
    emu: Emulator, remote: Remote
) -> None:
    notes: list[str] = []
    lock = ProjectLock(remote, holder="me", note=notes.append, timing=Timing(renew_every=0.01))
    with lock:
        assert unlock(remote)[0].id == lock.held
        deadline = time.monotonic() + 10
        while not notes and time.monotonic() < deadline:
            time.sleep(0.02)
        with pytest.raises(LockError, match=r"removed by someone else .*: another apply may"):
            remote.client.post("/suite/SHOP", {"title": "After the lock went"})
    assert notes == [
        f"the lock #{lock_suites_id(notes)} on project SHOP was removed by someone else "
        "(`qasesync unlock`?); this apply stops before its next write"
    ]
    assert [s["title"] for s in emu.store.suites(PROJECT)] == []


def test_a_lock_not_renewed_for_two_minutes_stops_writes_but_not_reads(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    with make_lock(remote, clock, []) as lock:  # renews every hour: never, here
        held = lock.held
        remote.client.post(f"/suite/{PROJECT}", {"title": "In time"})
        clock.elapsed = 120.0  # the lifetime less a minute of clock difference
        remote.client.post(f"/suite/{PROJECT}", {"title": "Just in time"})
        clock.elapsed = 120.5
        assert remote.read_suites()  # reading is harmless
        with pytest.raises(LockError) as lost:
            remote.client.post(f"/suite/{PROJECT}", {"title": "Too late"})
        remote.client.patch(f"/suite/{PROJECT}/{held}", {"description": "the lock's own"})
    assert str(lost.value) == (
        f"the lock #{held} on project {PROJECT} could not be renewed for 120 s and may have "
        "expired: another apply may hold the project now, so this one stopped before "
        f"POST /suite/{PROJECT}"
    )
    assert [s["title"] for s in emu.store.suites(PROJECT)] == ["In time", "Just in time"]
    assert remote.client.write_guard is None  # released: writes are free again


def test_each_renewal_moves_the_time_until_which_writes_go_on(
    emu: Emulator, remote: Remote, clock: Clock
) -> None:
    with make_lock(remote, clock, [], timing=Timing(timeout=60, renew_every=0.01)):
        clock.elapsed = 100.0
        renewed = (T0 + timedelta(seconds=280)).isoformat()
        deadline = time.monotonic() + 10
        while json.loads(lock_suites(emu)[0]["description"])["expires"] != renewed:
            assert time.monotonic() < deadline, "no renewal"
            time.sleep(0.01)
        clock.elapsed = 200.0  # past the first description's 120 s, within the renewed one's
        remote.client.post(f"/suite/{PROJECT}", {"title": "Renewed in time"})
    assert "Renewed in time" in [s["title"] for s in emu.store.suites(PROJECT)]


def test_an_apply_whose_lock_may_have_expired_stops_and_reports_what_it_did(
    emu: Emulator, remote: Remote, clock: Clock, tmp_path: Path
) -> None:
    cases = "cases:\n" + "".join(f"  - title: Case {n}\n" for n in range(3))
    files = {"qasesync.yaml": f"project: {PROJECT}\n", "s/cases.yaml": cases}
    _, live, plan = plan_of(write_tree(tmp_path / "t", files), remote)

    def late(progress: Progress) -> None:
        clock.elapsed = 121.0  # the suite was created; then renewals stalled

    with make_lock(remote, clock, []), pytest.raises(ApplyFailed) as failed:
        apply(plan, remote, live=live.tree, on_progress=late)
    [stopped] = failed.value.report.failures
    assert stopped.startswith("stopped: the lock #") and "may have expired" in stopped
    assert [s["title"] for s in emu.store.suites(PROJECT)] == ["s"]
    assert emu.store.cases(PROJECT) == []


def lock_suites_id(notes: list[str]) -> str:
    return notes[0].split("#")[1].split(" ")[0]


def test_a_renewal_that_fails_is_logged_and_retried(
    remote: Remote, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    def failing(lock_id: int, description: str) -> None:
        calls.append(lock_id)
        raise ApiError("server error", method="PATCH", path=f"/suite/SHOP/{lock_id}", status=500)

    remote.renew_lock = failing  # type: ignore[method-assign]
    caplog.set_level(logging.WARNING, "qasesync.apply.lock")
    with ProjectLock(remote, holder="me", note=print, timing=Timing(renew_every=0.01)):
        deadline = time.monotonic() + 10
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert len(calls) >= 2
    assert "could not renew the lock" in caplog.records[0].getMessage()


def test_a_release_that_fails_says_the_lock_expires_by_itself(remote: Remote, clock: Clock) -> None:
    notes: list[str] = []
    with make_lock(remote, clock, notes) as lock:
        held = lock.held

        def failing(lock_id: int) -> bool:
            raise ApiError("gone away", method="DELETE", path=f"/suite/SHOP/{lock_id}")

        remote.delete_lock = failing  # type: ignore[method-assign]
    assert notes == [
        f"could not remove the lock #{held} on project SHOP (DELETE /suite/SHOP/{held}: gone"
        " away); it expires by itself within 180 s, or `qasesync unlock` removes it now"
    ]
    lock.release()  # a second release does nothing
    assert len(notes) == 1


def test_unlock_removes_every_lock_held_or_not(emu: Emulator, remote: Remote) -> None:
    first, second = foreign_lock(emu), foreign_lock(emu, expires=T0)
    normal = emu.store.create_suite(PROJECT, {"title": "Cart"})
    assert [lock.id for lock in unlock(remote)] == [first, second]
    assert [s["id"] for s in emu.store.suites(PROJECT)] == [normal]
    assert unlock(remote) == []


def test_reads_leave_lock_suites_out_and_warn_of_the_one_that_holds(
    emu: Emulator, remote: Remote, caplog: pytest.LogCaptureFixture
) -> None:
    now = datetime.now(timezone.utc)
    foreign_lock(emu, holder="gone", expires=now - timedelta(seconds=1))
    other = foreign_lock(emu, holder="ci\x1b[2J\n::error::x", expires=now + timedelta(minutes=3))
    foreign_lock(emu, holder="loser", expires=now + timedelta(minutes=3))
    nested = emu.store.create_suite(PROJECT, {"title": "Cart"})
    emu.store.create_suite(PROJECT, {"title": LOCK_TITLE, "parent_id": nested})  # no lock
    caplog.set_level(logging.WARNING, "qasesync.qase.remote")
    assert [s.title for s in remote.read_suites()] == ["Cart", LOCK_TITLE]
    assert [r.getMessage() for r in caplog.records] == [
        f"an apply is running on SHOP (lock #{other} held by ci\\x1b[2J\\n::error::x since"
        " 2026-12-06 02:59:00 UTC): what is read now may change when it ends"
    ]
    caplog.clear()
    remote.own_lock = other  # the holder itself: the other suites are losers'
    remote.read_suites()
    assert caplog.records == []


def test_holder_names_the_ci_run_or_the_user_and_host(monkeypatch: pytest.MonkeyPatch) -> None:
    github = {
        "GITHUB_SERVER_URL": "https://github.com/",
        "GITHUB_REPOSITORY": "octo/shop",
        "GITHUB_RUN_ID": "99",
    }
    assert holder_name(github) == "https://github.com/octo/shop/actions/runs/99"
    monkeypatch.setattr("getpass.getuser", lambda: "alice")
    monkeypatch.setattr("socket.gethostname", lambda: "laptop")
    mine = f"alice@laptop (pid {__import__('os').getpid()})"
    assert holder_name({**github, "GITHUB_RUN_ID": ""}) == mine

    def nobody() -> str:
        raise OSError("no user name")

    monkeypatch.setattr("getpass.getuser", nobody)
    assert holder_name({}).startswith("unknown@laptop (pid ")


def test_pid_alive_tells_a_running_process_from_an_ended_one() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert pid_alive(child.pid) is False
    assert pid_alive(__import__("os").getpid()) is True
    assert pid_alive(2**80) is True  # no such pid can be checked: assume it runs


def test_this_process_names_the_boot_and_pid_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    where, pid = this_process() or ("", 0)
    assert pid == __import__("os").getpid() and "/pid:[" in where

    def no_proc(path: str) -> str:
        raise OSError("no /proc")

    monkeypatch.setattr("os.readlink", no_proc)
    assert this_process() is None


@pytest.mark.parametrize(
    "description",
    [
        "",
        "[]",
        '{"kind": "other"}',
        '{"kind": "qasesync-apply-lock", "since": "2026-12-06T03:00:00"}',
        '{"kind": "qasesync-apply-lock", "holder": "x", "since": "2026-12-06T03:00:00",'
        ' "expires": "2026-12-06T03:00:00"}',
        '{"kind": "qasesync-apply-lock", "holder": "x", "since": "2026-12-06T03:00:00+00:00",'
        ' "expires": "2026-12-06T03:00:00+00:00", "process": {"where": "w", "pid": "'
        + "9" * 5000
        + '"}}',
    ],
)
def test_a_description_qasesync_did_not_write_reads_as_expired(description: str) -> None:
    lock = lock_from_json({"id": 3, "title": LOCK_TITLE, "description": description})
    assert lock == LockSuite(3, "(unreadable description)", None, None)
    assert lock.expired(T0)


def test_printable_escapes_control_characters_and_cuts_long_text() -> None:
    assert printable("a\x1b[31mb\n\u202ec\u2028d") == "a\\x1b[31mb\\n\\u202ec\\u2028d"
    assert printable("x" * 300) == "x" * 199 + "…"
