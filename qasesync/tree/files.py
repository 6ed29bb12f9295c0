"""The files of a cases tree, by role (docs/design.md §2).

Hidden files and folders are skipped; a symlink is followed when it stays inside the
tree (a link to a folder above is not followed round in circles), and is a problem when
it is broken or leads out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qasesync.errors import Problem

SETTINGS_FILE = "qasesync.yaml"
SHARED_FILE = "shared_steps.yaml"
SHARED_DIR = "shared_steps"
SUITE_FILE = "suite.yaml"
_SUFFIXES = (".yaml", ".yml")


@dataclass
class Layout:
    """The files of a tree by role, paths relative to the root with "/"."""

    settings: str | None = None
    shared: list[str] = field(default_factory=list)
    suite_files: dict[str, str] = field(default_factory=dict)
    case_files: list[str] = field(default_factory=list)
    folders: set[str] = field(default_factory=set)


def find_files(root: Path, problems: list[Problem]) -> Layout:
    """Walk the tree: hidden entries skipped, symlinks followed only inside the tree."""
    layout = Layout()
    real_root = root.resolve()
    for rel in _walk(root, "", real_root, {real_root}, problems):
        if not _undecodable(rel, problems) and not _misnamed(rel, problems):
            _place(layout, rel)
    layout.shared.sort(key=lambda rel: (rel != SHARED_FILE, rel))
    return layout


def _walk(
    root: Path, rel_dir: str, real_root: Path, above: set[Path], problems: list[Problem]
) -> Iterator[str]:
    """Files below ``rel_dir``; ``above`` holds the real folders on the way down, so that
    a symlink to a folder above is not followed round in circles."""
    try:
        with os.scandir(root / rel_dir) as entries:
            names = sorted(entry.name for entry in entries)
    except OSError as error:
        problems.append(Problem(rel_dir or ".", 1, 1, f"cannot be read: {error.strerror}"))
        return
    for name in names:
        if name.startswith("."):
            continue
        rel = f"{rel_dir}/{name}" if rel_dir else name
        target = _inside(root / rel, real_root, rel, problems)
        if target is None:
            continue
        if target.is_dir() and target not in above:
            yield from _walk(root, rel, real_root, above | {target}, problems)
        elif target.is_file() and name.lower().endswith(_SUFFIXES):
            yield rel


def _inside(path: Path, real_root: Path, rel: str, problems: list[Problem]) -> Path | None:
    """The real path, or None (with a problem) for a symlink that is broken or leads out."""
    if not path.is_symlink():
        return path.resolve()
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing target, or a loop (RuntimeError before 3.13)
        target = None
    if target is None:
        problems.append(Problem(rel, 1, 1, "a broken symlink"))
        return None
    if not target.is_relative_to(real_root):
        problems.append(Problem(rel, 1, 1, "a symlink that leads out of the tree"))
        return None
    return target


def _undecodable(rel: str, problems: list[Problem]) -> bool:
    """A name that is not UTF-8 (Python keeps its bytes as lone surrogates): it could not
    become a suite title, nor be sent to Qase."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        problems.append(Problem(shown, 1, 1, "the path is not UTF-8 text; rename it"))
        return True
    return False


_ROLES = {
    SETTINGS_FILE: "the project settings",
    SHARED_FILE: "shared steps",
    SUITE_FILE: "a suite's fields",
}


def _misnamed(rel: str, problems: list[Problem]) -> bool:
    """``suite.yml`` and the like: a special file under the other suffix, which would
    otherwise be read as a case file and fail with puzzling messages."""
    folder, _, name = rel.rpartition("/")
    wanted = name.removesuffix(".yml") + ".yaml"
    special = wanted == SUITE_FILE or (not folder and wanted in _ROLES)
    if not name.endswith(".yml") or not special or rel.startswith(SHARED_DIR + "/"):
        return False
    message = f"not read: only `{wanted}` holds {_ROLES[wanted]}; rename the file"
    problems.append(Problem(rel, 1, 1, message))
    return True


def _place(layout: Layout, rel: str) -> None:
    folder, _, name = rel.rpartition("/")
    if rel == SETTINGS_FILE:
        layout.settings = rel
    elif rel == SHARED_FILE or rel.startswith(SHARED_DIR + "/"):
        layout.shared.append(rel)
        return
    elif name == SUITE_FILE and folder:
        layout.suite_files[folder] = rel
    else:
        layout.case_files.append(rel)
    while folder:
        layout.folders.add(folder)
        folder = folder.rpartition("/")[0]
