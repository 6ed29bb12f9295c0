"""The output guard of the CLI: every line printed passes the rules of safetext, whatever
a renderer forgot; our own annotations, colours, prompts and progress line still work."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from kit.apply import write_tree

from qasesync.cli import guarded, main
from qasesync.cli.output import GuardedOutput


def shown(*writes: str, mode: str = "text", secret: str = "") -> str:
    stream = io.StringIO()
    guard = GuardedOutput(stream, mode=mode, secret=secret)
    for text in writes:
        guard.write(text)
    guard.flush()
    return stream.getvalue()


def test_a_line_is_written_when_it_ends() -> None:
    stream = io.StringIO()
    guard = GuardedOutput(stream)
    assert guard.write("::err") == 5
    assert stream.getvalue() == ""
    guard.write("or::x\nnext")
    assert stream.getvalue() == "\\x3a:error::x\n"
    guard.flush()
    assert stream.getvalue() == "\\x3a:error::x\nnext"


def test_text_lines_start_no_command_and_hold_no_control() -> None:
    assert shown("ok\n  ::stop-commands::t\n\x1b[2Jx ##[error]y\n") == (
        "ok\n  \\x3a:stop-commands::t\n\\x1b[2Jx ##\\x5berror]y\n"
    )


def test_our_colours_and_a_line_ending_carriage_return_stay() -> None:
    assert shown("\x1b[32m  + case\x1b[0m\n", "a\r\n", "b\rc\n") == (
        "\x1b[32m  + case\x1b[0m\na\r\nb\\rc\n"
    )
    assert shown("\x1b[8mhidden\x1b[0m\n") == "\\x1b[8mhidden\x1b[0m\n"
    assert shown("a\tb\x0bc\n") == "a\tb\\x0bc\n"


def test_github_mode_keeps_our_annotations_only() -> None:
    text = "::notice file=a.yaml,line=3::ok\n::stop-commands::tok\n::error::x\nPlan: 1\n"
    assert shown(text, mode="github") == (
        "::notice file=a.yaml,line=3::ok\n\\x3a:stop-commands::tok\n::error::x\nPlan: 1\n"
    )


def test_json_mode_keeps_json() -> None:
    assert shown('{\n  "a": "\x9b ##[x]"\n}\n', mode="json") == (
        '{\n  "a": "\\u009b ##\\u005bx]"\n}\n'
    )


def test_a_prompt_flushed_mid_line_is_continued_not_restarted() -> None:
    assert shown("Apply? ", "::x::\n") == "Apply? ::x::\n"  # one line: not its start
    stream = io.StringIO()
    guard = GuardedOutput(stream)
    guard.write("Apply? ")
    guard.flush()
    guard.write("::x:: ##[y]\n")
    assert stream.getvalue() == "Apply? ::x:: ##\\x5by]\n"
    stream = io.StringIO()
    guard = GuardedOutput(stream)
    guard.write("   ")
    guard.flush()  # white space only: the runner still sees the line's start next
    guard.write("::x::\n")
    assert stream.getvalue() == "   \\x3a:x::\n"


def test_a_long_token_is_never_printed_a_short_one_is_left_to_the_client() -> None:
    assert shown("token abcdefgh!\n", secret="abcdefgh") == "token ***!\n"
    assert shown("token abc\n", secret="abc") == "token abc\n"


def test_the_guard_is_put_on_once_and_tells_a_terminal() -> None:
    guard = guarded(io.StringIO())
    assert guarded(guard) is guard and not guard.isatty()
    assert guard.encoding is None and guard.closed is False  # asked of the stream beneath


def test_main_guards_stdout_and_stderr_and_puts_stderr_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sys.stderr
    tree = write_tree(tmp_path / "t", {"qasesync.yaml": "project: DEMO\n", "::error::x.yaml": "a"})
    out = io.StringIO()
    assert main(["validate", str(tree)], out=out) == 1
    assert sys.stderr is before
    err = capsys.readouterr().err
    assert err.startswith("\\x3a:error::x.yaml:1:1: ") and "\n::" not in err
