"""A server (or a proxy in front of it) that echoes the token in every text it answers:
the error message, the names and messages of errorFields, the body shown under
``--debug``. None of it reaches an error, a log record or the command's output."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from kit.apply import write_tree

from qasesync.cli import main
from qasesync.errors import ApiError
from qasesync.qase.client import QaseClient

TOKEN = "echo-t0ken-5ecret-42"
FORMS = (TOKEN, quote(TOKEN, safe=""))


def echoing(request: httpx.Request) -> httpx.Response:
    """Refuses everything, repeating the token it was sent everywhere it can."""
    token = request.headers["Token"]
    body = {
        "status": False,
        "errorMessage": f"token {token} is not allowed here",
        "errorFields": [
            {"field": f"title{token}", "error": f"{token} is {quote(token, safe='')}"},
            {"field": "x", "error": "fine", token: token},
        ],
        "echo": {"headers": dict(request.headers)},
    }
    return httpx.Response(422, json=body)


def client() -> QaseClient:
    return QaseClient(
        token=TOKEN,
        base_url="http://emulator/v1",
        transport=httpx.MockTransport(echoing),
        sleep=lambda _: None,
    )


def test_every_text_of_an_error_answer_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="qasesync")
    with client() as api, pytest.raises(ApiError) as caught:
        api.patch("/case/DEMO/1", {"title": "t"})
    error = caught.value
    assert str(error) == (
        "PATCH /case/DEMO/1 → 422: token *** is not allowed here\n  title***: *** is ***\n  x: fine"
    )
    shown = [str(error), repr(error.error_fields), *(r.getMessage() for r in caplog.records)]
    assert not any(form in text for text in shown for form in FORMS)
    assert any("answered: " in r.getMessage() for r in caplog.records)  # the body, redacted


def test_the_cli_shows_no_token_from_an_echoing_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write_tree(tmp_path / "cases", {"qasesync.yaml": "project: DEMO\n"})
    monkeypatch.setenv("QASE_TOKEN", TOKEN)
    monkeypatch.setenv("QASE_API_URL", "http://127.0.0.1:9/v1")
    make = QaseClient.from_env

    def from_env(env: Any, **options: Any) -> QaseClient:
        return make(env, transport=httpx.MockTransport(echoing), **options)

    monkeypatch.setattr(QaseClient, "from_env", from_env)
    out = io.StringIO()
    assert main(["plan", str(tree), "--debug"], out=out) == 1
    err = capsys.readouterr().err
    assert "error: GET /project/DEMO → 422: token *** is not allowed here" in err
    assert "answered: " in err and json.dumps(TOKEN) not in err
    assert not any(form in out.getvalue() + err for form in FORMS)
