#!/usr/bin/env python3
"""Which files under the tree `qasesync pull` wrote: a snapshot before, a comparison after.

Usage: pullfiles.py snapshot TREE > BEFORE.json
       pullfiles.py written TREE BEFORE.json > FILES   (NUL-separated, relative to the repo)

A snapshot is every file under TREE that `git status` reports as modified, added or
untracked (ignored files never), with a digest of its bytes. A file pull wrote is one whose
entry after pull is not in the snapshot before it: a file that was clean and now differs,
or a leftover (untracked, or edited by an earlier step) whose bytes pull changed. A leftover
pull left alone keeps its digest and is never named. Pull's own report is not parsed: it
names a new suite by its folder, and its wording is for people.

Only what pull writes is named: YAML files, and `qasesync.base.jsonl` at the tree's root
(the record of the last synced state), when it changed. Deletions are never named: pull
deletes no file. Standard library and git only, so it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path, PurePosixPath

BASE_RECORD = "qasesync.base.jsonl"
YAML_SUFFIXES = (".yaml", ".yml")


def git(*args: str) -> bytes:
    return subprocess.run(["git", *args], check=True, capture_output=True).stdout


def dirty(tree: str) -> list[str]:
    """Paths (relative to the repository) under ``tree`` that differ from HEAD or are
    untracked, each file on its own (new folders are listed file by file)."""
    out = git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", tree)
    paths = []
    for entry in out.decode("utf-8", "surrogateescape").split("\0"):
        if entry and "D" not in entry[:2]:
            paths.append(entry[3:])
    return paths


def pulled_kind(path: str, root: str) -> bool:
    """Whether pull writes a file at ``path``: YAML under the tree, or its base record."""
    name = PurePosixPath(path)
    return name.suffix in YAML_SUFFIXES or name == PurePosixPath(root) / BASE_RECORD


def snapshot(tree: str) -> dict[str, str]:
    top = Path(git("rev-parse", "--show-toplevel").decode().strip())
    root = (Path(tree).resolve()).relative_to(top.resolve()).as_posix()
    return {
        path: hashlib.sha256((top / path).read_bytes()).hexdigest()
        for path in dirty(tree)
        if pulled_kind(path, root) and (top / path).is_file()
    }


def written(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The files whose state after pull is not what it was before."""
    return sorted(path for path, digest in after.items() if before.get(path) != digest)


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "snapshot":
        json.dump(snapshot(argv[1]), sys.stdout, sort_keys=True)
        return 0
    if len(argv) == 3 and argv[0] == "written":
        before = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
        sys.stdout.write("".join(f"{path}\0" for path in written(before, snapshot(argv[1]))))
        return 0
    print(
        "usage: pullfiles.py snapshot TREE | pullfiles.py written TREE BEFORE.json", file=sys.stderr
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
