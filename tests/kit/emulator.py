"""Helpers of the emulator tests: a client, and the check of every 2xx answer an emulator
gave (from its request log) against the official spec."""

from __future__ import annotations

import httpx

from kit.spec import check_answers, load_spec
from qasesync.emulator import Emulator

TOKEN = "T"


def check_log(emu: Emulator) -> int:
    """Check every 2xx answer in ``emu.log`` against the spec; the number checked."""
    return check_answers(load_spec(), emu.log)


def make_client(emu: Emulator, token: str = TOKEN) -> httpx.Client:
    """An in-process client of ``emu``."""
    return httpx.Client(
        transport=httpx.WSGITransport(app=emu.app),
        base_url="http://emulator/v1",
        headers={"Token": token},
    )
