"""A command line that helps: bare `qasesync` is the help, a mistyped command or option gets
the closest one and the usage of the command it was given to, every argument says what it
is, options honour their environment variable, and bash completes from the same parser."""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess

import pytest

from qasesync import __version__
from qasesync.cli import COMMANDS, main
from qasesync.cli.completion import bash_script
from qasesync.cli.parser import build_parser, commands, parse


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue(), capsys.readouterr().err


def test_bare_qasesync_prints_the_help_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([], capsys)
    assert (code, err) == (0, "")
    assert out.startswith("usage: qasesync [-h] [--version] [--debug] COMMAND ...\n")
    assert all(f"\n    {name}" in out for name in COMMANDS)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert (exited.value.code, capsys.readouterr().out) == (0, f"qasesync {__version__}\n")


def test_a_mistyped_command_gets_the_closest_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["plna", "cases"], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "error: qasesync: unknown command 'plna' (did you mean 'plan'?);"
        " `qasesync --help` lists them",
        "usage: qasesync [-h] [--version] [--debug] COMMAND ...",
    ]


def test_a_command_like_nothing_gets_no_guess(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--debug", "zzzzzz"], capsys)
    assert code == 1
    assert err.startswith("error: qasesync: unknown command 'zzzzzz'; `qasesync --help`")


def test_a_mistyped_option_gets_the_command_usage_and_the_closest_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(["plan", "--formt", "json"], capsys)
    lines = err.splitlines()
    assert code == 1
    assert (
        lines[0] == "error: qasesync plan: unrecognized arguments: --formt (did you mean --format?)"
    )
    assert lines[1].startswith("usage: qasesync plan [-h] [--format")
    code, _, err = run(["apply", "--yes", "--alow-destroy=1", "--qqqqqq"], capsys)
    assert err.splitlines()[0] == (
        "error: qasesync apply: unrecognized arguments:"
        " --alow-destroy=1 (did you mean --allow-destroy?) --qqqqqq"
    )


def test_a_bad_choice_names_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["validate", "--format", "xml"], capsys)
    assert code == 1
    assert err.startswith("error: qasesync validate: argument --format: invalid choice: 'xml'")
    assert "usage: qasesync validate" in err


def every_action() -> list[tuple[str, argparse.Action]]:
    parser = build_parser()
    found = [("qasesync", action) for action in parser._actions]
    for name, command in commands(parser).items():
        found += [(name, action) for action in command._actions]
    return found


@pytest.mark.parametrize(
    ("command", "action"),
    [pair for pair in every_action() if not isinstance(pair[1], argparse._SubParsersAction)],
    ids=lambda value: value if isinstance(value, str) else (value.dest or "?"),
)
def test_every_argument_and_option_has_help(command: str, action: argparse.Action) -> None:
    assert action.help, f"{command} {action.option_strings or action.dest} has no help"


def test_every_command_has_help_and_is_dispatched() -> None:
    parser = build_parser()
    described = {
        choice.dest: choice.help
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for choice in action._choices_actions
    }
    assert set(described) == set(commands(parser)) == set(COMMANDS)
    assert all(described.values())


def test_qase_project_is_the_default_project_of_export_and_import_csv() -> None:
    environ = {"QASE_PROJECT": "SHOP"}
    assert parse(["export", "--out", "x"], environ).project == "SHOP"
    assert parse(["export", "--project", "DEMO"], environ).project == "DEMO"
    assert parse(["import-csv", "a.csv", "--out", "x"], environ).project == "SHOP"
    assert parse(["import-csv", "a.csv", "--out", "x"], {}).project is None
    assert "env: QASE_PROJECT" in commands(build_parser())["export"].format_help()


def test_export_without_a_project_anywhere_says_which_option(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QASE_PROJECT", raising=False)
    code, _, err = run(["export", "--out", "x"], capsys)
    assert code == 1
    assert "the following arguments are required: --project" in err


def complete(line: str) -> list[str]:
    """What bash completes for ``line`` (the cursor at its end) with our script."""
    words = line.split(" ")
    script = bash_script(build_parser()) + (
        f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
        "_qasesync; printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    bash = shutil.which("bash")
    assert bash is not None
    done = subprocess.run([bash, "--norc", "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return sorted(done.stdout.split())


def test_bash_completes_commands_options_and_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert complete("qasesync pl") == ["plan"]
    assert complete("qasesync --debug ap") == ["apply"]
    assert complete("qasesync plan --fo") == ["--format"]
    assert complete("qasesync plan --format ") == ["github", "json", "markdown", "text"]
    assert complete("qasesync apply --al") == ["--allow-attachment-loss", "--allow-destroy"]
    assert complete("qasesync --ver") == ["--version"]
    code, out, _ = run(["completion", "bash"], capsys)
    assert code == 0 and out == bash_script(build_parser())
