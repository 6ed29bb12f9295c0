"""Symlinks in a cases tree: a folder or file reached twice is a validation error naming
the link, so that apply never creates its cases twice nor writes ids into one file under
two names; a link to a place reached once is followed; a link out of the tree is refused."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

import pytest
from kit.apply import PROJECT, on_socket, shop_emulator, write_tree, writes
from kit.apply import run_cli as run

from qasesync.cli import main
from qasesync.emulator import Emulator

AUTH_CASES = "cases:\n  - title: Login works\n  - title: Logout works\n"


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator())


def tree_with_auth(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path / "cases",
        {"qasesync.yaml": f"project: {PROJECT}\n", "auth/cases.yaml": AUTH_CASES},
    )


def files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones too), through no link."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if not path.is_symlink():
                found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def validate(tree: Path) -> tuple[int, str, list[str]]:
    """Exit code, stdout and the problem lines of ``qasesync validate TREE``."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stderr(err):
        code = main(["validate", str(tree)], out=out)
    lines = err.getvalue().splitlines()
    if code == 1:
        assert lines[-1] == f"{len(lines) - 1} problem(s) found"
        lines = lines[:-1]
    return code, out.getvalue(), lines


TWICE = (
    "; each folder and file is read once (its cases would count twice, and write-back would"
    " edit one file under two names): remove the link"
)
OUTSIDE = (
    ", outside the tree: not followed (qasesync reads and writes inside the tree only);"
    " copy it into the tree"
)


# --- validate -------------------------------------------------------------------------


def test_a_link_to_a_folder_of_the_tree_is_an_error_naming_the_link(tmp_path: Path) -> None:
    tree = tree_with_auth(tmp_path)
    os.symlink("auth", tree / "auth2")
    assert validate(tree) == (
        1,
        "",
        [f"auth2:1:1: a symlink to `auth/`, which the tree reaches already{TWICE}"],
    )


def test_the_link_is_named_even_when_its_name_sorts_first(tmp_path: Path) -> None:
    tree = tree_with_auth(tmp_path)
    os.symlink("auth", tree / "a-link")
    message = f"a-link:1:1: a symlink to `auth/`, which the tree reaches already{TWICE}"
    assert validate(tree)[2] == [message]


def test_a_link_to_a_file_of_the_tree_is_an_error(tmp_path: Path) -> None:
    tree = tree_with_auth(tmp_path)
    os.symlink("auth/cases.yaml", tree / "more.yaml")
    message = "more.yaml:1:1: a symlink to `auth/cases.yaml`, which the tree reaches already"
    assert validate(tree)[2] == [message + TWICE]


def test_a_link_to_a_folder_above_it_is_a_loop(tmp_path: Path) -> None:
    tree = tree_with_auth(tmp_path)
    os.symlink("..", tree / "auth" / "up")
    os.symlink(".", tree / "auth" / "here")
    assert validate(tree)[2] == [
        f"auth/here:1:1: a symlink to `auth/`, a folder it is in: a loop{TWICE}",
        f"auth/up:1:1: a symlink to the tree's root folder, a folder it is in: a loop{TWICE}",
    ]


def test_a_folder_holding_one_reached_already_is_an_error(tmp_path: Path) -> None:
    tree = tree_with_auth(tmp_path)
    write_tree(tree, {".shared/sub/cases.yaml": "cases:\n  - title: Shared\n"})
    os.symlink(".shared/sub", tree / "a")
    os.symlink(".shared", tree / "b")
    assert validate(tree)[2] == [
        "b:1:1: a symlink to `.shared/`, which holds `.shared/sub/`, reached already as `a`" + TWICE
    ]


def test_two_links_to_one_hidden_folder_name_the_second(tmp_path: Path) -> None:
    tree = tree_with_auth(tmp_path)
    write_tree(tree, {".shared/cases.yaml": "cases:\n  - title: Shared\n"})
    os.symlink(".shared", tree / "one")
    os.symlink(".shared", tree / "two")
    message = "two:1:1: a symlink to `.shared/`, which the tree reaches already as `one`"
    assert validate(tree)[2] == [message + TWICE]


def test_a_link_to_a_place_reached_once_is_followed(tmp_path: Path) -> None:
    tree = tree_with_auth(tmp_path)
    write_tree(tree, {".common/billing/cases.yaml": "cases:\n  - title: Invoice\n"})
    os.symlink(".common/billing", tree / "billing")
    os.symlink("../.common/billing/cases.yaml", tree / "auth" / "linked.yaml")
    code, out, problems = validate(tree)
    assert problems == [  # the first link in the walk is followed, the second refused
        "billing:1:1: a symlink to `.common/billing/`, which holds"
        f" `.common/billing/cases.yaml`, reached already as `auth/linked.yaml`{TWICE}"
    ]
    os.remove(tree / "auth" / "linked.yaml")
    code, out, problems = validate(tree)
    assert (code, problems) == (0, [])
    assert out == f"{tree}/: 3 cases in 2 suites, 0 shared steps — valid\n"


def test_a_link_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    tree = tree_with_auth(tmp_path)
    write_tree(tmp_path / "outside", {"cases.yaml": "cases:\n  - title: Outside\n"})
    os.symlink(tmp_path / "outside", tree / "folder")
    os.symlink("../../outside/cases.yaml", tree / "auth" / "file.yaml")
    assert validate(tree)[2] == [
        f"auth/file.yaml:1:1: a symlink to `../../outside/cases.yaml`{OUTSIDE}",
        f"folder:1:1: a symlink to `{tmp_path / 'outside'}`{OUTSIDE}",
    ]


def test_a_link_to_a_file_that_is_not_yaml_is_ignored_like_the_file(tmp_path: Path) -> None:
    tree = tree_with_auth(tmp_path)
    (tmp_path / "notes.txt").write_text("notes", encoding="utf-8")
    os.symlink(tmp_path / "notes.txt", tree / "notes.txt")
    os.symlink("auth/cases.yaml", tree / "auth.txt")
    assert validate(tree)[0] == 0


def test_a_broken_link_is_an_error(tmp_path: Path) -> None:
    tree = tree_with_auth(tmp_path)
    os.symlink("gone", tree / "billing")
    os.symlink("gone.yaml", tree / "auth" / "more.yaml")
    assert validate(tree)[2] == [
        "auth/more.yaml:1:1: a broken symlink: `gone.yaml` does not exist",
        "billing:1:1: a broken symlink: `gone` does not exist",
    ]


def test_a_link_to_itself_is_a_loop(tmp_path: Path) -> None:
    tree = tree_with_auth(tmp_path)
    os.symlink("loop.yaml", tree / "loop.yaml")
    os.symlink("b", tree / "a")
    os.symlink("a", tree / "b")
    assert validate(tree)[2] == [
        "a:1:1: a symlink loop: the link leads back to itself",
        "b:1:1: a symlink loop: the link leads back to itself",
        "loop.yaml:1:1: a symlink loop: the link leads back to itself",
    ]


# --- apply --------------------------------------------------------------------------------


def test_apply_on_a_tree_with_a_linked_folder_writes_nothing_anywhere(
    emu: Emulator, tmp_path: Path
) -> None:
    tree = tree_with_auth(tmp_path)
    os.symlink("auth", tree / "auth2")
    before = files(tree)
    err = io.StringIO()
    with redirect_stderr(err):
        code, _ = run("apply", str(tree), "--yes")
    assert code == 1
    assert err.getvalue().splitlines() == [
        f"auth2:1:1: a symlink to `auth/`, which the tree reaches already{TWICE}",
        "1 problem(s) found",
    ]
    assert writes(emu) == []
    assert files(tree) == before


def test_a_folder_that_cannot_be_listed_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tree_with_auth(tmp_path)
    real_scandir = os.scandir

    def scandir(path: Path) -> Any:
        if Path(path).name == "auth":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert validate(tree)[2] == ["auth:1:1: cannot be read: Permission denied"]
