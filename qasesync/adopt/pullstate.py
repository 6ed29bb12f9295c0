"""What `pull` works from, and what it has worked out so far: the state its parts share.

`PullState` holds what was read — the tree, the live project, the settings, the plan
made with ``prune: delete`` and the bytes of each file once read — and what the parts
collect: text edits per file (`qasesync.yamltext.edit`), whole new files, the summary
lines, the live changes left to make by hand, and how live keys map to the tree's (a
shared step's hash to its YAML key, a suite's key to its folder). `Move` carries a case
moved live from `qasesync.adopt.pulledits`, which finds it, to `qasesync.adopt.pulladd`,
which moves it. Nothing here writes a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qasesync.model import Case, Live, Settings, Tree
from qasesync.plans.plan import Plan
from qasesync.yamltext.edit import Edit


@dataclass(frozen=True)
class Move:
    """A case moved live to another suite: its tree item and its other pulled edits
    (paths from its file's root), made on the item before it moves."""

    case: Case
    live: Case
    edits: list[Edit]
    fields: tuple[str, ...]


@dataclass
class PullState:
    """What pull read (the first five fields and the files' bytes) and what it has
    collected so far. ``names`` and ``folders`` start from the plan's matching."""

    root: Path
    tree: Tree
    live: Live
    settings: Settings
    plan: Plan
    edits: dict[str, list[Edit]] = field(default_factory=dict)  # by file
    new_files: dict[str, str] = field(default_factory=dict)  # file → its whole text
    summary: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # live changes to make by hand
    names: dict[str, str] = field(init=False)  # live hash → YAML key
    folders: dict[str, str] = field(init=False)  # live suite key → folder
    _bytes: dict[str, bytes | None] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.names = {h: k for k, h in self.plan.shared_hashes.items()}
        self.folders = {f"#{i}": folder for folder, i in self.plan.suite_ids.items()}

    def add(self, file: str, edits: Sequence[Edit]) -> None:
        """Edits to make in ``file`` (relative to the tree), after those added before."""
        self.edits.setdefault(file, []).extend(edits)

    def read(self, file: str) -> bytes | None:
        """The bytes of ``file`` (relative to the tree), None when there is no such
        file; read once, so that every part sees the same text."""
        if file not in self._bytes:
            path = self.root / file
            self._bytes[file] = path.read_bytes() if path.is_file() else None
        return self._bytes[file]
