"""`qasesync pull`: edits made in the Qase web app brought into the YAML (docs/design.md §10).

Matching is the planner's: `pull` plans the tree against the live project with
``prune: delete`` (so that every live entity in scope that the tree lacks shows up
as a deletion), and `qasesync.adopt.pulledits` reads the plan backwards into the new text of
each file. `pull` only reads files; `write` writes them.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from qasesync.adopt.pulladd import PulledEdits
from qasesync.adopt.pulledits import pulled_edits
from qasesync.errors import WriteBackError
from qasesync.model import Live, Settings, Tree
from qasesync.plans.planner import plan
from qasesync.tree.writeback import digest, replace_bytes


@dataclass
class Pulled(PulledEdits):
    """What `pull` would write (`PulledEdits`), with the report and diff it prints."""

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
    edits = pulled_edits(root, tree, live, settings, found)
    return Pulled(files=edits.files, summary=edits.summary, skipped=edits.skipped)


def write(root: Path, pulled: Pulled, digests: Mapping[str, str]) -> list[str]:
    """Replace each changed file atomically; refuse them all when one changed on disk
    since it was read (``digests``, as `load_tree` fills them)."""
    stale = [
        name
        for name, (old, _) in pulled.files.items()
        if old is not None and digests.get(name) not in (None, digest(old))
    ]
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


def _file_diff(name: str, old: bytes | None, new: bytes) -> str:
    before = [] if old is None else old.decode("utf-8").splitlines(keepends=True)
    after = new.decode("utf-8").splitlines(keepends=True)
    origin = "/dev/null" if old is None else f"a/{name}"
    lines = difflib.unified_diff(before, after, fromfile=origin, tofile=f"b/{name}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
