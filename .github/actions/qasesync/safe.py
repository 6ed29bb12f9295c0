#!/usr/bin/env python3
"""Text from a pull request or from Qase made safe where the action's scripts show it.

Usage: safe.py log                 stdin to stdout, line by line: every line a data line
                                   (it can start no workflow command), controls escaped
       safe.py annotations         the same, except that qasesync's own annotations
                                   (`::notice …::`, `::warning …::`, `::error …::`) pass
       safe.py fence INFO FILE     FILE as a fenced markdown code block that no line of it
                                   can close (the fence is longer than any run in it)
       safe.py errors TITLE        each line of stdin that starts with `error: ` as an
                                   `::error title=TITLE::` annotation, escaped

The rules are qasesync's own (`qasesync.safetext`), taken from the qasesync checkout this
action comes from, the same commit as these scripts, whatever version the `version` input
installed (an older release may have no safetext); the installed one only when the action
sits in no checkout. annotate.py and comment.py import them from here.

Titles, tags, step texts and error messages reach the log and the job summary through
these, never raw: a line `::stop-commands::…` or `::error::…` inside a title stays text,
and `~~~~~` inside a failed plan's message cannot close its block and forge a heading.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType


def _safetext() -> ModuleType:
    """qasesync.safetext of the checkout three folders up, else the installed one."""
    source = Path(__file__).resolve().parents[3] / "qasesync" / "safetext.py"
    spec = importlib.util.spec_from_file_location("qasesync_action_safetext", source)
    if not source.is_file() or spec is None or spec.loader is None:
        import qasesync.safetext

        return qasesync.safetext
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_rules = _safetext()
markdown_code: Callable[..., str] = _rules.markdown_code
markdown_inline: Callable[..., str] = _rules.markdown_inline
redact: Callable[..., str] = _rules.redact
terminal: Callable[..., str] = _rules.terminal
terminal_lines: Callable[..., str] = _rules.terminal_lines
workflow_command: Callable[..., str] = _rules.workflow_command
workflow_line: Callable[..., str] = _rules.workflow_line
workflow_text: Callable[..., str] = _rules.workflow_text

#: The annotations `qasesync plan --format github` prints: a kind, properties without a
#: colon (the runner's escaping turns one into %3A), then the message.
ANNOTATION = re.compile(r"::(notice|warning|error)( [^:\r\n]*)?::")


def log_line(line: str) -> str:
    """One line of output as a data line of the log: controls escaped, no command."""
    return workflow_line(terminal(line))


def annotation_or_log_line(line: str) -> str:
    if ANNOTATION.match(line):
        return terminal(line)
    return log_line(line)


def lines(stream: Iterable[bytes]) -> Iterator[str]:
    for raw in stream:
        yield raw.decode("utf-8", "replace").rstrip("\n")


def filter_stdin(rule: str) -> int:
    guard = annotation_or_log_line if rule == "annotations" else log_line
    for line in lines(sys.stdin.buffer):
        sys.stdout.write(guard(line) + "\n")
        sys.stdout.flush()
    return 0


def errors(title: str) -> int:
    for line in lines(sys.stdin.buffer):
        if line.startswith("error: "):
            message = line.removeprefix("error: ")
            sys.stdout.write(workflow_command("error", message, title=title) + "\n")
    return 0


def fence(info: str, file: str) -> int:
    text = Path(file).read_text(encoding="utf-8", errors="replace")
    sys.stdout.write(markdown_code(text.removesuffix("\n"), info) + "\n")
    return 0


def main(argv: list[str]) -> int:
    if argv in (["log"], ["annotations"]):
        return filter_stdin(argv[0])
    if len(argv) == 3 and argv[0] == "fence":
        return fence(argv[1], argv[2])
    if len(argv) == 2 and argv[0] == "errors":
        return errors(argv[1])
    print("usage: safe.py log | annotations | fence INFO FILE | errors TITLE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
