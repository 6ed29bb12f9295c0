from __future__ import annotations

import io

import pytest

from qasesync.cli import main


def test_unknown_flag_is_a_usage_error_with_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--bogus"], out=io.StringIO()) == 1
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_missing_command_is_a_usage_error_with_exit_1() -> None:
    assert main([], out=io.StringIO()) == 1
