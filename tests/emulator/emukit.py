"""Helpers of the emulator tests: a client whose answers are recorded, and a check of every
recorded 2xx answer against the official spec (when the spec is present)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from spectools import check_response

from qasesync.emulator import Emulator

TOKEN = "T"
SPEC_PATH = Path(__file__).resolve().parents[3] / "shared" / "qase-openapi" / "qase-api-v1.json"
_SPEC: dict[str, Any] | None = (
    json.loads(SPEC_PATH.read_text(encoding="utf-8")) if SPEC_PATH.is_file() else None
)


class Recorder:
    """Every (method, path, status, body) answered through a client."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int, Any]] = []

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        body = response.json() if response.content else None
        self.seen.append(
            (response.request.method, response.request.url.path, response.status_code, body)
        )

    def check_all(self) -> int:
        """Check every 2xx answer against the spec; the number checked."""
        if _SPEC is None:
            return 0
        answered = [s for s in self.seen if 200 <= s[2] < 300]
        for method, path, status, body in answered:
            check_response(_SPEC, method, path, status, body)
        return len(answered)


def make_client(
    emu: Emulator, recorder: Recorder, base_url: str = "http://emulator/v1"
) -> httpx.Client:
    transport = httpx.WSGITransport(app=emu.app) if base_url.startswith("http://emulator") else None
    return httpx.Client(
        transport=transport,
        base_url=base_url,
        headers={"Token": TOKEN},
        event_hooks={"response": [recorder]},
    )
