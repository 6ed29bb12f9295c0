"""Fixtures of the emulator tests: an emulator and an in-process client whose every 2xx
answer is checked against the official spec when the spec is present."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from emukit import TOKEN, Recorder, make_client

from qasesync.emulator import Emulator


@pytest.fixture
def emu() -> Emulator:
    return Emulator(token=TOKEN, projects=("DEMO",))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def api(emu: Emulator, recorder: Recorder) -> Iterator[httpx.Client]:
    """An in-process client; at teardown every 2xx answer it got must fit the spec."""
    with make_client(emu, recorder) as client:
        yield client
    recorder.check_all()
