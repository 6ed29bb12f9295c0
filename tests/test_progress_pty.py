"""A recorded terminal session of a long apply: `qasesync apply` in a pseudo-terminal 40
columns wide, its output fed through a small screen model. The progress bar never leaves a
wrapped line behind, and each rate-limit wait stands on a line of its own. Then the lines
the same apply writes without a terminal (CI)."""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest
from kit.apply import generated_tree, on_socket, run_cli, shop_emulator
from kit.screen import Screen

import qasesync
from qasesync.emulator import Emulator
from qasesync.emulator.faults import Faults

REPO = Path(qasesync.__file__).resolve().parents[1]
#: The CLI, with every wait announced (not only those of 5 s or more), so that the short
#: waits of this test show as a long apply's would.
DRIVER = (
    "import sys\n"
    "import qasesync.qase.ratelimit as limits\n"
    "limits.LONG_WAIT = 0.001\n"
    "from qasesync.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
PROGRESS = re.compile(r"\d+/\d+ \d+%")
WAIT = "rate limited by Qase; waiting 0 s"
CASES = 120


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator(seed=7))


def pending(root: Path, emu: Emulator) -> Path:
    """A tree applied once, then with a step of each of its 120 cases edited: 120 patches,
    sent through latency and occasional 429s."""
    tree = generated_tree(root, suites=4, per_suite=CASES // 4)
    assert run_cli("apply", str(tree), "--yes")[0] == 0
    for path in tree.rglob("cases.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"Do thing (\d+)\n", r"Do thing \1 again\n", text), "utf-8")
    emu.faults = Faults(latency=0.01, rate_429=0.08, retry_after=0.02)
    return tree


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    return {**env, "PYTHONPATH": str(REPO), "TERM": "xterm", **extra}


def in_terminal(tree: Path, columns: int) -> str:
    """``qasesync apply TREE --yes`` with a pseudo-terminal of ``columns`` as its standard
    input, output and error: everything it wrote to the terminal."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    command = [sys.executable, "-c", DRIVER, "apply", str(tree), "--yes"]
    child = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=environment())
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert child.wait(timeout=120) == 0
    return b"".join(chunks).decode("utf-8")


def logical_lines(screen: Screen) -> list[str]:
    """The screen's rows, each wrapped row joined to the row it continues."""
    lines: list[str] = []
    for row, wrapped in zip(screen.lines(), screen.wrapped, strict=True):
        if wrapped:
            lines[-1] += row
        else:
            lines.append(row)
    return lines


def test_a_long_apply_on_a_40_column_terminal_leaves_no_wrapped_line(
    tmp_path: Path, emu: Emulator
) -> None:
    session = in_terminal(pending(tmp_path / "cases", emu), 40)
    screen = Screen(40)
    screen.feed(session)
    assert session.count("\x1b[K") >= 3  # the bar was drawn again and again, in place
    lines = logical_lines(screen)
    shown = [line for line in lines if PROGRESS.search(line)]
    assert len(shown) == 1  # only the last state of the bar is left
    assert re.fullmatch(rf"{CASES}/{CASES} 100% [\d.]+/s done in \d+ s patchin…", shown[0])
    assert len(shown[0]) == 39
    waits = [line for line in lines if "waiting" in line]
    assert waits and all(line == WAIT for line in waits)
    assert f"Apply complete: 0 created, {CASES} updated" in session


def test_the_same_apply_without_a_terminal_writes_lines_with_the_same_figures(
    tmp_path: Path, emu: Emulator
) -> None:
    tree = pending(tmp_path / "cases", emu)
    command = [sys.executable, "-c", DRIVER, "apply", str(tree), "--yes"]
    env = environment(QASESYNC_PROGRESS_INTERVAL="0")
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    progress = [line for line in lines if line != WAIT]
    assert len(lines) > len(progress)  # the waits, each a line of its own
    pattern = rf"apply: patching cases (\d+)/{CASES} \d+% [\d.]+/s (ETA|done in) \d+ s"
    counts = [int(re.fullmatch(pattern, line).group(1)) for line in progress]  # type: ignore[union-attr]
    # A line per change (the interval is 0), but for those the workers told late.
    assert counts == sorted(set(counts)) and len(counts) > CASES // 2
    assert counts[-1] == CASES and "done in" in progress[-1]
    assert "\x1b" not in done.stderr and "\r" not in done.stderr
