"""Fixtures of the emulator tests. (Every emulator a test creates has each 2xx answer it
gave checked against the official spec at teardown: see ``tests/conftest.py``.)"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from kit.emulator import TOKEN, make_client

from qasesync.emulator import Emulator


@pytest.fixture
def emu() -> Emulator:
    return Emulator(token=TOKEN, projects=("DEMO",))


@pytest.fixture
def api(emu: Emulator) -> Iterator[httpx.Client]:
    """An in-process client of ``emu``."""
    with make_client(emu) as client:
        yield client
