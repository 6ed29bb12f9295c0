"""The files of a cases tree, by role (docs/design.md §2).

Hidden files and folders are skipped. Every folder and file is reached once: the real
ones first, then each symlink inside the tree, followed only when what it leads to was
not reached already (a link to a folder of the tree, or a loop, would give its cases
twice and have write-back edit one file under two names). A link that is broken or
leads out of the tree is a problem too; one to a file qasesync would not read anyway
(not `.yaml`) is ignored like that file.
"""

from __future__ import annotations

import errno
import os
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
    """Walk the tree: hidden entries skipped, each folder and file reached once."""
    layout = Layout()
    for rel in _Walk(root, problems).files():
        if not _undecodable(rel, problems) and not _misnamed(rel, problems):
            _place(layout, rel)
    layout.shared.sort(key=lambda rel: (rel != SHARED_FILE, rel))
    return layout


def _is_yaml(name: str) -> bool:
    return name.lower().endswith(_SUFFIXES)


class _Twice(Exception):
    """A followed link reaches ``real`` again (first reached as ``first``)."""

    def __init__(self, real: Path, first: str) -> None:
        super().__init__(first)
        self.real = real
        self.first = first


class _Walk:
    """One walk: the real path of every folder and file reached, with the name it was
    reached under, and the symlinks still to follow."""

    def __init__(self, root: Path, problems: list[Problem]) -> None:
        self.real_root = root.resolve()
        self.problems = problems
        self.reached: dict[Path, str] = {self.real_root: ""}
        self.links: list[tuple[str, Path, Path]] = []  # (name, target, real folder of the link)

    def files(self) -> list[str]:
        """Every YAML file, in the order of a walk through sorted names."""
        found = self.below("", self.real_root)
        while self.links:  # those met while following a link come after it
            found += self.follow(*self.links.pop(0))
        return sorted(found, key=lambda rel: rel.split("/"))

    def below(self, rel_dir: str, real_dir: Path) -> list[str]:
        """The YAML files below a folder; the links met are kept for later."""
        try:
            with os.scandir(real_dir) as entries:
                listed = sorted((entry.name, entry) for entry in entries)
        except OSError as error:
            self.problems.append(Problem(rel_dir or ".", 1, 1, f"cannot be read: {error.strerror}"))
            return []
        found: list[str] = []
        for name, entry in listed:
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if name.startswith("."):
                continue
            if entry.is_symlink():
                self.link(rel, Path(entry.path), real_dir)
            elif entry.is_dir():
                found += self.below(rel, self.reach(real_dir / name, rel))
            elif entry.is_file() and _is_yaml(name):
                self.reach(real_dir / name, rel)
                found.append(rel)
        return found

    def reach(self, real: Path, rel: str) -> Path:
        first = self.reached.setdefault(real, rel)
        if first != rel:
            raise _Twice(real, first)
        return real

    def link(self, rel: str, path: Path, real_dir: Path) -> None:
        """Keep a link to follow once the real entries are walked, or say why not."""
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError) as error:  # RuntimeError: a loop, before 3.13
            self.problems.append(_broken(rel, path, error))
            return
        if not target.is_dir() and not _is_yaml(rel):
            return  # not read, like any file that is not YAML
        if target.is_relative_to(self.real_root):
            self.links.append((rel, target, real_dir))
        else:
            message = f"a symlink to `{os.readlink(path)}`, outside the tree: not followed"
            self.problems.append(Problem(rel, 1, 1, message + _OUTSIDE))

    def follow(self, rel: str, target: Path, real_dir: Path) -> list[str]:
        """The files a link leads to, or none (with a problem naming the link) when it
        reaches a folder or file a second time."""
        reached, links, problems = dict(self.reached), len(self.links), len(self.problems)
        try:
            self.reach(target, rel)
            return self.below(rel, target) if target.is_dir() else [rel]
        except _Twice as twice:  # nothing of what the link leads to is read
            self.reached = reached
            del self.links[links:], self.problems[problems:]
            message = self.twice(target, twice, loop=real_dir.is_relative_to(target))
            self.problems.append(Problem(rel, 1, 1, message))
            return []

    def twice(self, target: Path, twice: _Twice, *, loop: bool) -> str:
        """What reaching ``target`` again would do, in words."""
        shown = f"a symlink to {self.shown(target)}"
        if loop:
            return f"{shown}, a folder it is in: a loop{_TWICE}"
        first = twice.first
        if twice.real != target:
            held = self.shown(twice.real)
            return f"{shown}, which holds {held}, reached already as `{first}`{_TWICE}"
        named = target.relative_to(self.real_root).as_posix()
        where = "" if first == named else f" as `{first}`"
        return f"{shown}, which the tree reaches already{where}{_TWICE}"

    def shown(self, real: Path) -> str:
        """A real path inside the tree as the tree names it: `auth/`, `auth/login.yaml`."""
        rel = real.relative_to(self.real_root).as_posix()
        if rel == ".":
            return "the tree's root folder"
        return f"`{rel}/`" if real.is_dir() else f"`{rel}`"


_OUTSIDE = " (qasesync reads and writes inside the tree only); copy it into the tree"
_TWICE = (
    "; each folder and file is read once (its cases would count twice, and write-back"
    " would edit one file under two names): remove the link"
)


def _broken(rel: str, path: Path, error: Exception) -> Problem:
    if isinstance(error, RuntimeError) or getattr(error, "errno", None) == errno.ELOOP:
        return Problem(rel, 1, 1, "a symlink loop: the link leads back to itself")
    return Problem(rel, 1, 1, f"a broken symlink: `{os.readlink(path)}` does not exist")


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
