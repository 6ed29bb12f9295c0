"""Helpers of the emulator-backed tests: an in-process client, the check of every 2xx
answer an emulator gave (from its request log) against the official spec, and workspaces
unlike the default one (shifted option ids, custom fields with defaults)."""

from __future__ import annotations

from typing import Any, BinaryIO

import httpx

from kit.spec import check_answers, load_spec
from qasesync.emulator import Emulator, default_system_fields

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


def shifted_system_fields() -> list[dict[str, Any]]:
    """Every option id moved by 100: nothing may rely on the default numbering."""
    return [
        {**f, "options": [{**o, "id": o["id"] + 100} for o in f["options"]]}
        for f in default_system_fields()
    ]


def with_defaults(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sample custom fields, Owner defaulting to ``qa-team``, Components to ``web``."""
    defaults = {"Owner": "qa-team", "Components": "1"}
    return [{**f, "default_value": defaults.get(f["title"])} for f in fields]


def raw_response(stream: BinaryIO) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of one HTTP/1.1 answer read off a
    socket's file, for tests that speak to the emulator's server byte by byte."""
    status = int(stream.readline().split()[1])
    headers: dict[str, str] = {}
    while (line := stream.readline().decode()) != "\r\n":
        name, _, value = line.partition(":")
        headers[name.lower()] = value.strip()
    return status, headers, stream.read(int(headers["content-length"]))
