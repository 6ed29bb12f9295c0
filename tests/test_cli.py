from __future__ import annotations

import io
import logging
import socket
import time
from pathlib import Path

import pytest

from qasesync.cli import main


def test_unknown_flag_is_a_usage_error_with_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--bogus"], out=io.StringIO()) == 1
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_an_option_without_a_command_is_a_usage_error_with_exit_1() -> None:
    assert main(["--bogus"], out=io.StringIO()) == 1


def unreachable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """A tree in ``tmp_path`` and a QASE_API_URL nothing listens on; return its port."""
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\n")
    (tmp_path / "a.yaml").write_text("cases:\n  - title: x\n")
    with socket.socket() as closed:  # a port that nothing listens on once it is closed
        closed.bind(("127.0.0.1", 0))
        port: int = closed.getsockname()[1]
    monkeypatch.setenv("QASE_TOKEN", "T")
    monkeypatch.setenv("QASE_API_URL", f"http://127.0.0.1:{port}/v1")
    return port


def test_an_unreachable_api_url_is_one_line_and_exit_1_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = unreachable(tmp_path, monkeypatch)
    started = time.monotonic()
    assert main(["plan", str(tmp_path)], out=io.StringIO()) == 1
    assert time.monotonic() - started < 2
    assert capsys.readouterr().err == (
        f"error: could not reach 127.0.0.1:{port} (connection refused): check QASE_API_URL\n"
    )


def test_debug_shows_the_client_retries_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = unreachable(tmp_path, monkeypatch)
    assert main(["plan", str(tmp_path), "--debug"], out=io.StringIO()) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith(
        "INFO qasesync.qase.client: GET /project/DEMO: connection refused; retrying in "
    )
    assert lines[1:] == [
        f"error: could not reach 127.0.0.1:{port} (connection refused): check QASE_API_URL"
    ]
    assert logging.getLogger("qasesync").handlers == []  # removed after the command
