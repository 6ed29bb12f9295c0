"""The `qasesync` command: argument parsing, one function per command, the one error boundary.

This package is the only place that prints (with `render`, which only formats). Exit codes
(docs/design.md §10): 0 success, 1 a user error, 2 only with ``--detailed-exitcode``
when the plan has changes, 3 a bug (traceback only under ``--debug``), 130 interrupted.

    __init__   main(): the dispatch table and the error boundary; entry() for the script
    parser     build_parser(), parse() (with "did you mean") and the argparse types
    completion the bash completion script, made from the parser
    offline    validate, import-csv, show, schema: no Qase reads
    live       plan, export, pull: they read the live project; what plan and apply share
    applying   apply, in its stages: lock, read, plan (a saved plan must be it), confirm, run
    locking    the apply lock on the project, the local lock on the tree, and unlock
    local      emulator, demo: the commands that run the local Qase API emulator
    demo       what demo runs: the whole job on the example tree, against an emulator
    sandbox    emulator --from-tree / --from-csv: a tree or a CSV as the emulator's content
    qasecsv    export --format qase-csv: a tree as Qase's CSV, offline
    writeback  writeback, and what `apply --record` saves for it: no Qase reads
    common     exit codes, UsageError and the helpers the command modules share
    output     the guard every printed line passes (qasesync.safetext's rules)
    progress   apply's progress: a bar on a terminal, a line every few seconds in CI
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO, cast

from qasesync.cli.applying import cmd_apply
from qasesync.cli.common import (
    EXIT_BUG,
    EXIT_CHANGES,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USER,
    Command,
    UsageError,
)
from qasesync.cli.completion import cmd_completion
from qasesync.cli.live import cmd_export, cmd_plan, cmd_pull
from qasesync.cli.local import cmd_demo, cmd_emulator, emulator_faults
from qasesync.cli.locking import cmd_unlock
from qasesync.cli.offline import cmd_import_csv, cmd_schema, cmd_show, cmd_validate
from qasesync.cli.output import GuardedOutput
from qasesync.cli.parser import build_parser, parse
from qasesync.cli.writeback import cmd_writeback
from qasesync.errors import QasesyncError, ValidationError
from qasesync.safetext import terminal, terminal_lines

__all__ = [
    "COMMANDS",
    "EXIT_BUG",
    "EXIT_CHANGES",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USER",
    "UsageError",
    "build_parser",
    "emulator_faults",
    "entry",
    "main",
]

COMMANDS: dict[str, Command] = {
    "validate": cmd_validate,
    "plan": cmd_plan,
    "show": cmd_show,
    "schema": cmd_schema,
    "apply": cmd_apply,
    "writeback": cmd_writeback,
    "export": cmd_export,
    "pull": cmd_pull,
    "unlock": cmd_unlock,
    "import-csv": cmd_import_csv,
    "emulator": cmd_emulator,
    "demo": cmd_demo,
    "completion": cmd_completion,
}


# --- the error boundary -----------------------------------------------------------------


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if debug:  # also after the command, where users put it (`qasesync plan --debug`)
        argv = ["--debug", *(arg for arg in argv if arg != "--debug")]
    guard = guarded(out)
    with _guarded_stderr(), _sigterm_interrupts():
        try:
            return _run(argv, guard, debug=debug)
        finally:
            guard.flush()


def _run(argv: list[str], out: GuardedOutput, *, debug: bool) -> int:
    if argv in ([], ["--debug"]):  # bare `qasesync`: the help, which is not an error
        out.write(build_parser().format_help())
        return EXIT_OK
    try:
        args = parse(argv)
        out.mode = _output_mode(args)
        with _debug_log(debug):
            return COMMANDS[args.command](args, cast(TextIO, out))
    except KeyboardInterrupt:
        print("qasesync: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ValidationError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{len(error.problems)} problem(s) found", file=sys.stderr)
        return EXIT_USER
    except QasesyncError as error:
        print(_error_text(error), file=sys.stderr)
        return EXIT_USER
    except Exception:
        if debug:
            traceback.print_exc()
        else:
            print(
                "qasesync: unexpected error (a bug); run again with --debug for the traceback",
                file=sys.stderr,
            )
        return EXIT_BUG


def _output_mode(args: argparse.Namespace) -> str:
    """How standard output is guarded: ``--format github`` writes workflow commands of
    its own, ``--format json`` JSON; anything else is text."""
    fmt = getattr(args, "format", "text")
    return fmt if fmt in ("github", "json") else "text"


def guarded(stream: TextIO | GuardedOutput) -> GuardedOutput:
    """``stream`` behind the output guard (once: `demo` runs commands inside a command)."""
    if isinstance(stream, GuardedOutput):
        return stream
    return GuardedOutput(stream, secret=os.environ.get("QASE_TOKEN", "").strip())


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (``kill``, ``docker stop``, a CI job's timeout) stops a command as Ctrl-C
    does: the apply lock is released and what was done is said, instead of the process
    ending at once. Only in the main thread, where Python delivers signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def _guarded_stderr() -> Iterator[None]:
    """Standard error behind the output guard while a command runs: the error boundary,
    warnings, the log under ``--debug`` and tracebacks all write there."""
    stderr = sys.stderr
    guard = guarded(stderr)
    sys.stderr = cast(TextIO, guard)
    try:
        yield
    finally:
        guard.flush()
        sys.stderr = stderr


@contextmanager
def _debug_log(debug: bool) -> Iterator[None]:
    """Under ``--debug``, qasesync's log (each request, retry and wait) on stderr. Without
    it nothing is set up: Python's last-resort handler prints warnings, such as a long
    rate-limit wait, as bare lines, and INFO and DEBUG stay silent."""
    root = logging.getLogger("qasesync")
    if not debug or any(isinstance(h, _Stderr) for h in root.handlers):  # `demo` nests
        yield
        return
    handler, level = _Stderr(), root.level
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


class _Stderr(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (tests replace it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def _error_text(error: QasesyncError) -> str:
    """One line; a plan error with several problems: a count, then one problem a line
    (``FILE:LINE:COL: message`` first, as `validate` prints them)."""
    from qasesync.errors import PlanError

    if isinstance(error, PlanError):
        problems = [terminal(str(p)) for p in error.problems]  # one line each
        if len(problems) == 1:
            return f"error: {problems[0]}"
        head = f"error: the plan has {len(problems)} problems:"
        return "\n".join([head, *problems])
    return f"error: {terminal_lines(str(error))}"


def entry() -> None:
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    sys.exit(main())
