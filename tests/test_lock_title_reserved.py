"""The title of the apply lock's suite is reserved at the root of a tree: every read of
the live project leaves such a suite out and every apply deletes it as an expired lock,
so a tree suite of that title would be created by one apply and deleted with its cases
by the next, forever. validate refuses it, naming the file and line, and apply sends
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kit.apply import PROJECT, on_socket, shop_emulator, write_tree
from kit.apply import run_cli as run

from qasesync.emulator import Emulator
from qasesync.errors import ValidationError
from qasesync.qase.lockentity import LOCK_TITLE
from qasesync.tree.load import load_tree


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator())


def lockish_tree(tmp_path: Path, title: str) -> Path:
    return write_tree(
        tmp_path / "cases",
        {
            "qasesync.yaml": f"project: {PROJECT}\n",
            "lockish/suite.yaml": f"title: '{title}'\n",
            "lockish/cases.yaml": "cases:\n  - title: Precious\n",
        },
    )


@pytest.mark.parametrize("title", [LOCK_TITLE, f"  {LOCK_TITLE} "])
def test_a_root_suite_titled_as_the_lock_is_a_validation_error(tmp_path: Path, title: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load_tree(lockish_tree(tmp_path, title))
    text = str(caught.value)
    assert "lockish/suite.yaml:1:" in text
    assert "reserved for the apply lock" in text


def test_a_root_folder_named_as_the_lock_is_a_validation_error(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "cases",
        {
            "qasesync.yaml": f"project: {PROJECT}\n",
            f"{LOCK_TITLE}/cases.yaml": "cases:\n  - title: A\n",
        },
    )
    with pytest.raises(ValidationError) as caught:
        load_tree(root)
    assert f"{LOCK_TITLE}/ (no suite.yaml): the suite title" in str(caught.value)


def test_a_nested_suite_may_have_the_title(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "cases",
        {
            "qasesync.yaml": f"project: {PROJECT}\n",
            "outer/inner/suite.yaml": f"title: '{LOCK_TITLE}'\n",
            "outer/inner/cases.yaml": "cases:\n  - title: A\n",
        },
    )
    assert [s.title for s in load_tree(root).suites] == ["outer", LOCK_TITLE]


def test_apply_of_such_a_tree_sends_nothing_and_the_cases_are_not_lost(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run("apply", str(lockish_tree(tmp_path, LOCK_TITLE)), "--yes")
    assert code == 1
    assert "lockish/suite.yaml:1:8: the suite title" in capsys.readouterr().err
    assert [r for r in emu.log if r.method != "GET"] == []
