"""Fixtures of the emulator tests. Every emulator created in these tests has each 2xx
answer it gave (in-process, on a socket, to the Qase SDK) checked against the official
spec at teardown, when the spec is present."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from emukit import TOKEN, check_log, make_client

from qasesync.emulator import Emulator


@pytest.fixture(autouse=True)
def _every_answer_fits_the_spec(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    created: list[Emulator] = []
    original = Emulator.__post_init__

    def register(self: Emulator) -> None:
        original(self)
        created.append(self)

    monkeypatch.setattr(Emulator, "__post_init__", register)
    yield
    for emulator in created:
        check_log(emulator)


@pytest.fixture
def emu() -> Emulator:
    return Emulator(token=TOKEN, projects=("DEMO",))


@pytest.fixture
def api(emu: Emulator) -> Iterator[httpx.Client]:
    """An in-process client of ``emu``."""
    with make_client(emu) as client:
        yield client
