#!/usr/bin/env python3
"""The files a write-back record names (`qasesync apply --record`, `qasesync writeback --record`).

Usage: recorded.py files RECORD TREE > FILES   (NUL-separated, as paths from here)

Every file the record says was written, under TREE, that exists and that git does not ignore
(`git add` refuses an ignored path named on its own; it stays out, as `git add TREE` would
leave it out). A record that is missing or empty names none. Standard library and git only,
so it runs before anything is installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def named(record: Path, tree: str) -> list[str]:
    if not record.is_file() or record.stat().st_size == 0:
        return []
    data = json.loads(record.read_text(encoding="utf-8"))
    return [f"{tree}/{name}" for name in data["files"] if Path(tree, name).is_file()]


def ignored(paths: list[str]) -> set[str]:
    """Which of ``paths`` git ignores (a tracked file never is)."""
    if not paths:
        return set()
    done = subprocess.run(
        ["git", "check-ignore", "-z", "--stdin"],
        input="".join(f"{path}\0" for path in paths).encode("utf-8", "surrogateescape"),
        capture_output=True,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"recorded.py: git check-ignore: {done.stderr.decode(errors='replace')}")
    return set(done.stdout.decode("utf-8", "surrogateescape").split("\0")) - {""}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "files":
        print("usage: recorded.py files RECORD TREE", file=sys.stderr)
        return 2
    paths = named(Path(argv[1]), argv[2])
    left = ignored(paths)
    sys.stdout.write("".join(f"{path}\0" for path in paths if path not in left))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
