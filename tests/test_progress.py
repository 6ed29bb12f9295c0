"""Apply's progress: a bar on a terminal that never leaves a wrapped line behind and puts
rate-limit waits on lines of their own; a line every few seconds in CI."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from kit.screen import Screen

from qasesync.apply.ledger import Progress
from qasesync.cli.progress import (
    ProgressDisplay,
    bar_line,
    ci_line,
    display_for,
    duration,
    figures,
    interval,
    shown,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_figures_are_counts_share_rate_and_time_left() -> None:
    assert figures(Progress("patching cases", 0, 6000), 0.0) == "0/6000 0%"
    assert (
        figures(Progress("patching cases", 1200, 6000), 120.0)
        == "1200/6000 20% 10.0/s ETA 8 min 00 s"
    )
    assert (
        figures(Progress("patching cases", 6000, 6000), 613.2)
        == "6000/6000 100% 9.8/s done in 10 min 14 s"
    )
    assert figures(Progress("x", 5, 0), 1.0) == "5/0 100% 5.0/s done in 1 s"
    assert figures(Progress("x", 500, 1000), 1.0) == "500/1000 50% 500/s ETA 1 s"


def test_durations_read_as_a_person_says_them() -> None:
    assert [duration(s) for s in (0.2, 59, 61, 3599, 7440)] == [
        "1 s",
        "59 s",
        "1 min 01 s",
        "59 min 59 s",
        "2 h 04 min",
    ]


def test_the_bar_line_fits_the_terminal_and_leaves_the_last_column_free() -> None:
    progress = Progress("patching cases", 1200, 6000)
    wide = bar_line(progress, 120.0, 100, color=False)
    assert wide == "[====>               ] 1200/6000 20% 10.0/s ETA 8 min 00 s patching cases"
    assert bar_line(progress, 120.0, 40, color=False) == "1200/6000 20% 10.0/s ETA 8 min 00 s pa…"
    assert bar_line(progress, 120.0, 62, color=False) == (
        "[====>               ] 1200/6000 20% 10.0/s ETA 8 min 00 s p…"
    )
    assert all(len(bar_line(progress, 120.0, w, color=False)) == w - 1 for w in (10, 40, 61))
    assert bar_line(progress, 120.0, 1, color=False) == ""


def test_the_bar_is_green_when_colour_is_allowed() -> None:
    done = bar_line(Progress("suites", 10, 10), 1.0, 80, color=True)
    assert done.startswith("[\x1b[32m====================\x1b[0m] 10/10 100%")
    assert bar_line(Progress("suites", 0, 10), 1.0, 80, color=True).startswith("[\x1b[32m> ")


def test_without_a_terminal_a_line_comes_each_interval_and_one_at_the_end() -> None:
    clock, out = Clock(), io.StringIO()
    display = ProgressDisplay(out, terminal=False, interval=10.0, clock=clock)
    for done in range(1, 31):
        clock.now += 1.0
        display(Progress("patching cases", done, 30))
    assert out.getvalue().splitlines() == [
        "apply: patching cases 10/30 33% 1.0/s ETA 20 s",
        "apply: patching cases 20/30 66% 1.0/s ETA 10 s",
        "apply: patching cases 30/30 100% 1.0/s done in 30 s",
    ]


def test_a_short_apply_without_a_terminal_prints_nothing() -> None:
    clock, out = Clock(), io.StringIO()
    display = ProgressDisplay(out, terminal=False, interval=10.0, clock=clock)
    for done in range(1, 4):
        display(Progress("suites", done, 3))
    display.end()
    assert out.getvalue() == ""


def test_on_a_terminal_the_bar_redraws_in_place_and_a_warning_gets_its_own_line() -> None:
    clock, out = Clock(), io.StringIO()
    display = ProgressDisplay(out, terminal=True, width=lambda: 40, clock=clock)
    clock.now += 1.0
    display(Progress("cases", 1, 4))
    display(Progress("cases", 2, 4))  # within a tenth of a second: not drawn
    display.message("rate limited by Qase; waiting 3 s")
    clock.now += 1.0
    display(Progress("cases", 3, 4))
    display(Progress("cases", 4, 4))
    display.end()
    assert out.getvalue() == (
        "\r1/4 25% 1.0/s ETA 3 s cases\x1b[K"
        "\r\x1b[Krate limited by Qase; waiting 3 s\n"
        "\r2/4 50% 2.0/s ETA 1 s cases\x1b[K"
        "\r3/4 75% 1.5/s ETA 1 s cases\x1b[K"
        "\r4/4 100% 2.0/s done in 2 s cases\x1b[K\n"
    )


def test_a_warning_without_a_bar_shown_is_just_a_line() -> None:
    out = io.StringIO()
    ProgressDisplay(out, terminal=True).message("waiting")
    assert out.getvalue() == "waiting\n"


def test_an_interrupted_bar_is_ended_by_a_newline() -> None:
    clock, out = Clock(), io.StringIO()
    display = ProgressDisplay(out, terminal=True, width=lambda: 40, clock=clock)
    display(Progress("cases", 1, 4))
    display.end()
    display.end()
    assert out.getvalue() == "\r1/4 25% cases\x1b[K\n"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("", 10.0), ("2.5", 2.5), ("0", 0.0), ("x", 10.0), ("-1", 10.0), ("nan", 10.0)],
)
def test_the_interval_comes_from_the_environment(value: str, seconds: float) -> None:
    assert interval({"QASESYNC_PROGRESS_INTERVAL": value}) == seconds


@pytest.fixture
def quiet_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("qasesync")
    saved = logger.handlers[:]
    logger.handlers.clear()
    yield logger
    logger.handlers[:] = saved


def test_warnings_logged_during_an_apply_go_above_the_bar(quiet_logger: logging.Logger) -> None:
    out = io.StringIO()
    display = ProgressDisplay(out, terminal=True, width=lambda: 40, clock=Clock())
    with shown(display):
        display(Progress("cases", 1, 2))
        logging.getLogger("qasesync.qase.ratelimit").warning("waiting %d s", 7)
    assert out.getvalue() == ("\r1/2 50% cases\x1b[K\r\x1b[Kwaiting 7 s\n\r1/2 50% cases\x1b[K\n")
    assert quiet_logger.handlers == []


def test_under_a_log_handler_the_bar_gives_way_to_lines(quiet_logger: logging.Logger) -> None:
    handler = logging.NullHandler()
    quiet_logger.addHandler(handler)
    display = ProgressDisplay(io.StringIO(), terminal=True)
    with shown(display):
        assert not display.terminal
    assert quiet_logger.handlers == [handler]


def test_a_dumb_terminal_gets_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stderr", Tty())
    assert display_for({"TERM": "xterm"}).terminal
    assert display_for({"TERM": "xterm"}).color
    assert not display_for({"TERM": "xterm", "NO_COLOR": "1"}).color
    assert not display_for({"TERM": "dumb"}).terminal
    assert display_for({}).width() == 80  # no real terminal behind it


def test_the_screen_model_wraps_and_erases() -> None:
    screen = Screen(5)
    screen.feed("abcdefg\r\nxy\rz\x1b[K\x1b[32m!\x1b[0m\n")
    assert screen.lines() == ["abcde", "fg", "z!", ""]
    assert screen.wrapped == [False, True, False, False]


def test_ci_line_names_the_phase_first() -> None:
    assert ci_line(Progress("suites", 1, 2), 1.0) == "apply: suites 1/2 50% 1.0/s ETA 1 s"


def test_a_progress_told_late_by_a_worker_is_not_shown() -> None:
    clock, out = Clock(), io.StringIO()
    display = ProgressDisplay(out, terminal=False, interval=0.0, clock=clock)
    clock.now += 1.0
    for done in (1, 3, 2, 3):
        display(Progress("cases", done, 3))
    assert out.getvalue().splitlines() == [
        "apply: cases 1/3 33% 1.0/s ETA 2 s",
        "apply: cases 3/3 100% 3.0/s done in 1 s",
    ]
