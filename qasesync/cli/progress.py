"""How far an apply is, wherever it runs: a bar on a terminal, a line every few seconds in CI.

On a terminal (standard error is one, ``TERM`` is not ``dumb``) one line is redrawn in
place, at most ten times a second: ``[=====>    ] 1200/6000 20% 9.8/s ETA 8 min patching
cases``, cut to the terminal's width (asked again at each redraw, so a resize is followed)
so that it never wraps, and redrawn with a carriage return and an erase to the end of the
line, so that nothing is left behind. The bar is green unless ``NO_COLOR`` is set; a
terminal narrower than 60 columns gets the figures without the bar.

Anywhere else (CI logs, a pipe, ``TERM=dumb``) a line with the same figures every
``QASESYNC_PROGRESS_INTERVAL`` seconds (default 10) and one when the apply is done.

What qasesync logs at WARNING while the progress shows (a rate-limit wait: "600 requests a
minute reached …") goes on a line of its own: the bar is erased, the message printed
through the output guard, the bar drawn again.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from qasesync.apply.applier import Progress

#: Seconds between two lines without a terminal (``QASESYNC_PROGRESS_INTERVAL``).
INTERVAL = 10.0
#: Seconds between two redraws of the bar.
REDRAW = 0.1
#: Terminals narrower than this get no bar, only the figures.
BAR_FROM = 60
BAR_WIDTH = 20
_CLEAR = "\x1b[K"


def figures(progress: Progress, elapsed: float) -> str:
    """``1200/6000 20% 9.8/s ETA 8 min``: counts, share, rate and time left (``done in
    …`` at the end; no rate or ETA before the first change)."""
    done, total = progress.done, progress.total
    share = math.floor(100 * done / total) if total else 100
    text = f"{done}/{total} {share}%"
    if done == 0 or elapsed <= 0:
        return text
    rate = done / elapsed
    if done >= total:
        return f"{text} {_rate(rate)} done in {duration(elapsed)}"
    return f"{text} {_rate(rate)} ETA {duration((total - done) / rate)}"


def _rate(per_second: float) -> str:
    return f"{per_second:.1f}/s" if per_second < 100 else f"{per_second:.0f}/s"


def duration(seconds: float) -> str:
    """``8 s``, ``3 min 05 s``, ``2 h 04 min``."""
    whole = max(0, math.ceil(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def bar_line(progress: Progress, elapsed: float, width: int, *, color: bool) -> str:
    """The terminal's line: at most ``width - 1`` columns (a character in the last column
    would wrap on some terminals), the bar only when there is room for it."""
    text = f"{figures(progress, elapsed)} {progress.phase}"
    room = width - 1
    if width < BAR_FROM:
        return _cut(text, room)
    filled = BAR_WIDTH * progress.done // progress.total if progress.total else BAR_WIDTH
    inside = "=" * filled + (">" if filled < BAR_WIDTH else "")
    inside = inside[:BAR_WIDTH].ljust(BAR_WIDTH)
    shown = f"[{_green(inside, color)}] {_cut(text, room - BAR_WIDTH - 3)}"
    return shown


def _green(text: str, color: bool) -> str:
    return f"\x1b[32m{text}\x1b[0m" if color and text.strip() else text


def _cut(text: str, room: int) -> str:
    if len(text) <= room:
        return text
    return text[: max(0, room - 1)] + "…" if room > 0 else ""


def ci_line(progress: Progress, elapsed: float) -> str:
    """``apply: patching cases 1200/6000 20% 9.8/s ETA 8 min``."""
    return f"apply: {progress.phase} {figures(progress, elapsed)}"


class ProgressDisplay:
    """The ``on_progress`` of an apply (see the module docstring); thread-safe."""

    def __init__(
        self,
        stream: TextIO,
        *,
        terminal: bool,
        color: bool = False,
        interval: float = INTERVAL,
        width: Callable[[], int] = lambda: 80,
        clock: Callable[[], float] = time.monotonic,
        messages: TextIO | None = None,
    ) -> None:
        self.stream, self.terminal, self.color = stream, terminal, color
        self.interval, self.width, self.clock = interval, width, clock
        self.messages = messages or stream
        self._lock = threading.Lock()
        self._start = clock()
        self._shown = -math.inf
        self._open = False  # a bar is on the screen that no newline ended
        self._last: Progress | None = None
        self._lines = 0  # lines written without a terminal

    def __call__(self, progress: Progress) -> None:
        with self._lock:
            if self._last is not None and progress.done <= self._last.done:
                return  # told late: the workers report in parallel
            self._last = progress
            now = self.clock()
            last = progress.done >= progress.total
            if self.terminal:
                if now - self._shown >= REDRAW or last:
                    self._shown = now
                    self._draw(progress, now, end=last)
                return
            # In a log: a line each interval, and the last one only after others (a
            # short apply stays quiet).
            due = now - max(self._start, self._shown) >= self.interval
            if due or (last and self._lines):
                self._shown = now
                self._lines += 1
                self.stream.write(ci_line(progress, now - self._start) + "\n")
                self.stream.flush()

    def _draw(self, progress: Progress, now: float, *, end: bool) -> None:
        line = bar_line(progress, now - self._start, self.width(), color=self.color)
        self.stream.write(f"\r{line}{_CLEAR}" + ("\n" if end else ""))
        self.stream.flush()
        self._open = not end

    def message(self, text: str) -> None:
        """A line of its own (a rate-limit wait), the bar drawn again under it."""
        with self._lock:
            if self._open:
                self.stream.write(f"\r{_CLEAR}")
                self.stream.flush()
            self.messages.write(text + "\n")
            self.messages.flush()
            if self._open and self._last is not None:
                self._draw(self._last, self.clock(), end=False)

    def end(self) -> None:
        """End the bar shown, so that what is printed next starts on a line of its own."""
        with self._lock:
            if self._open:
                self.stream.write("\n")
                self.stream.flush()
                self._open = False


class _Messages(logging.Handler):
    """qasesync's warnings during an apply, each on a line of its own above the bar."""

    def __init__(self, display: ProgressDisplay) -> None:
        super().__init__(logging.WARNING)
        self.display = display

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.display.message(self.format(record))
        except Exception:
            self.handleError(record)


def display_for(env: Mapping[str, str]) -> ProgressDisplay:
    """The display for this process: a bar when standard error is a terminal that can
    take one, else lines every ``QASESYNC_PROGRESS_INTERVAL`` seconds. Both write to
    standard error past the output guard (the bar is ours, and redraws itself with
    controls the guard would show escaped); messages go through the guard."""
    raw: TextIO = getattr(sys.stderr, "unguarded", sys.stderr)
    tty = sys.stderr.isatty() and env.get("TERM", "") != "dumb"
    color = tty and not env.get("NO_COLOR")
    return ProgressDisplay(
        raw,
        terminal=tty,
        color=color,
        interval=interval(env),
        width=lambda: _width(raw),
        messages=sys.stderr,
    )


def interval(env: Mapping[str, str]) -> float:
    """``QASESYNC_PROGRESS_INTERVAL`` in seconds (default `INTERVAL`; not a number or
    negative: the default)."""
    try:
        seconds = float(env.get("QASESYNC_PROGRESS_INTERVAL", "") or INTERVAL)
    except ValueError:
        return INTERVAL
    return seconds if math.isfinite(seconds) and seconds >= 0 else INTERVAL


def _width(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError, AttributeError):
        return shutil.get_terminal_size().columns


@contextmanager
def shown(display: ProgressDisplay) -> Iterator[ProgressDisplay]:
    """While an apply runs: qasesync's warnings above the bar (unless a log handler, that
    of ``--debug``, already prints them: then the bar gives way to lines), the bar ended
    when it stops, however it stops."""
    logger = logging.getLogger("qasesync")
    handler = None
    if logger.handlers:
        display.terminal = False
    else:
        handler = _Messages(display)
        logger.addHandler(handler)
    try:
        yield display
    finally:
        if handler is not None:
            logger.removeHandler(handler)
        display.end()
