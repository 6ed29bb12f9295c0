"""Helpers of the emulator tests: a client, and the check of every 2xx answer an emulator
gave (from its request log) against the official spec, when the spec is present."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from spectools import check_answers

from qasesync.emulator import Emulator

TOKEN = "T"
SPEC_PATH = Path(__file__).resolve().parents[3] / "shared" / "qase-openapi" / "qase-api-v1.json"
SPEC: dict[str, Any] | None = (
    json.loads(SPEC_PATH.read_text(encoding="utf-8")) if SPEC_PATH.is_file() else None
)


def check_log(emu: Emulator) -> int:
    """Check every 2xx answer in ``emu.log`` against the spec; the number checked."""
    return 0 if SPEC is None else check_answers(SPEC, emu.log)


def make_client(emu: Emulator, token: str = TOKEN) -> httpx.Client:
    """An in-process client of ``emu``."""
    return httpx.Client(
        transport=httpx.WSGITransport(app=emu.app),
        base_url="http://emulator/v1",
        headers={"Token": token},
    )
