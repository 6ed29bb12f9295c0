"""`qasesync pull`: edits made in the Qase web app brought into the YAML (docs/design.md §10).

Matching is the planner's: `pull` plans the tree against the live project with
``prune: delete`` (so that every live entity in scope that the tree lacks shows up
as a deletion) and reads the plan backwards into the new text of each file. Its parts
share a `PullState`: `qasesync.adopt.pulladd` adds what the tree lacks and moves the
cases moved live, `qasesync.adopt.pulledits` edits in place what the tree holds. This
module composes them, makes the file texts of their edits, the report and the diff.
`pull` only reads files; `write` writes them.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from qasesync.adopt.pulladd import Additions
from qasesync.adopt.pulledits import Updates
from qasesync.adopt.pullstate import PullState
from qasesync.errors import WriteBackError
from qasesync.model import Live, Settings, Tree
from qasesync.plans.planner import plan
from qasesync.tree.files import SETTINGS_FILE
from qasesync.tree.writeback import digest, replace_bytes
from qasesync.yamltext.edit import apply_edits


@dataclass
class Pulled:
    """What `pull` would write, with the report and diff it prints: per file (relative
    to the tree, ``/`` separators) its bytes before (None: a new file) and after; the
    summary lines; the live changes left to make by hand."""

    files: dict[str, tuple[bytes | None, bytes]] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def report(self, project: str, *, dry_run: bool) -> str:
        """The summary `qasesync pull` prints."""
        lines = [*self.summary, *(f"! {line}" for line in self.skipped)]
        count, files = len(self.summary), len(self.files)
        if not self.files and self.skipped:
            lines.append(f"Nothing written: {len(self.skipped)} live change(s) to make by hand.")
        elif not self.files:
            lines.append(f"Nothing to pull: the tree matches project {project}.")
        elif dry_run:
            lines.append(
                f"Would pull {count} change(s) from {project} into {files} file(s); "
                "nothing written (--dry-run)."
            )
        else:
            lines.append(f"Pulled {count} change(s) from {project} into {files} file(s).")
        return "".join(f"{line}\n" for line in lines)

    def diff(self) -> str:
        """A unified diff of every file pull would change."""
        return "".join(_file_diff(name, old, new) for name, (old, new) in self.files.items())


def pull(root: Path, tree: Tree, live: Live, settings: Settings) -> Pulled:
    """Work out the new text of every YAML file that the live project changes."""
    found = plan(tree, live, replace(settings, prune="delete"), for_pull=True)
    state = PullState(root, tree, live, settings, found)
    additions = Additions(state)
    additions.shared_steps()  # first: the updated steps may use their new keys
    moves = Updates(state).pull()
    additions.suites()
    additions.cases()
    additions.moves(moves)
    return Pulled(files=_files(state), summary=state.summary, skipped=state.skipped)


def _files(state: PullState) -> dict[str, tuple[bytes | None, bytes]]:
    """Each file's bytes before and after the state's edits, when they differ; then
    the new files, with the tree's line end."""
    files: dict[str, tuple[bytes | None, bytes]] = {}
    for file, edits in sorted(state.edits.items()):
        if not edits:
            continue
        old = state.read(file)
        source = "" if old is None else old.decode("utf-8")
        new = apply_edits(source, edits).encode("utf-8")
        if new != old:
            files[file] = (old, new)
    eol = _line_end(state.read(SETTINGS_FILE))
    for file, body in sorted(state.new_files.items()):
        files[file] = (None, body.replace("\n", eol).encode("utf-8"))
    return files


def _line_end(settings: bytes | None) -> str:
    """The tree's line end, as its qasesync.yaml has it: new files follow it."""
    head = (settings or b"")[:4096]
    return "\r\n" if b"\r\n" in head else "\n"


def write(root: Path, pulled: Pulled, digests: Mapping[str, str]) -> list[str]:
    """Replace each changed file atomically; refuse them all when one changed on disk
    since it was read (``digests``, as `load_tree` fills them)."""
    stale = _stale(pulled, digests)
    if stale:
        raise WriteBackError(
            "\n".join(
                f"{name}: changed on disk since it was read; run pull again" for name in stale
            )
        )
    written = []
    for name, (old, new) in pulled.files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        if replace_bytes(root, name, old, new):
            written.append(name)
    return written


def _stale(pulled: Pulled, digests: Mapping[str, str]) -> list[str]:
    """The files pull would change whose digest on disk is not the one read."""
    return [
        name
        for name, (old, _) in pulled.files.items()
        if old is not None and digests.get(name) not in (None, digest(old))
    ]


def _file_diff(name: str, old: bytes | None, new: bytes) -> str:
    before = [] if old is None else old.decode("utf-8").splitlines(keepends=True)
    after = new.decode("utf-8").splitlines(keepends=True)
    origin = "/dev/null" if old is None else f"a/{name}"
    lines = difflib.unified_diff(before, after, fromfile=origin, tofile=f"b/{name}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
