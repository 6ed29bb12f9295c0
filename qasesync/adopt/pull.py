"""`qasesync pull`: edits made in the Qase web app brought into the YAML (docs/design.md §10).

Matching is the planner's: `pull` plans the tree against the live project and the base
record, and takes what changed in Qase since the last sync (the plan's drift, docs/design.md
§11): drifted fields are written with their live values, cases created in Qase are added,
cases deleted in Qase are removed; the tree's own unapplied edits stay as they are, and a
field both sides changed is a conflict, left alone and reported. Without a base record
every difference counts as changed in Qase. Suites and shared steps are still compared
two ways (``prune: delete`` shows what the tree lacks). Its parts
share a `PullState`: `qasesync.adopt.pulladd` adds what the tree lacks and moves the
cases moved live, `qasesync.adopt.pulledits` edits in place what the tree holds. This
module composes them, makes the file texts of their edits, the report and the diff.
`pull` only reads files; `write` writes them.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from qasesync.adopt.pulladd import Additions
from qasesync.adopt.pulledits import Updates
from qasesync.adopt.pullstate import PullState
from qasesync.errors import WriteBackError
from qasesync.model import Base, Case, Live, Settings, Suite, Tree
from qasesync.plans.plan import Change, Plan
from qasesync.plans.planner import plan
from qasesync.plans.render import ENTITY_NAMES, diff_text
from qasesync.plans.threeway import Record, updated
from qasesync.safetext import terminal
from qasesync.tree.base import BASE_FILE, write_base
from qasesync.tree.files import SETTINGS_FILE
from qasesync.tree.writeback import digest, replace_files
from qasesync.yamltext.edit import RemoveItem, apply_edits


@dataclass
class Pulled:
    """What `pull` would write, with the report and diff it prints: per file (relative
    to the tree, ``/`` separators) its bytes before (None: a new file) and after; the
    summary lines; the live changes left to make by hand."""

    files: dict[str, tuple[bytes | None, bytes]] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    base: Base | None = None  # the base record once pulled (None: no change to it)

    def report(self, project: str, *, dry_run: bool) -> str:
        """The summary `qasesync pull` prints."""
        lines = [*(f"! conflict: {line}" for line in self.conflicts)]
        lines += [*self.summary, *(f"! {line}" for line in self.skipped)]
        count, files = len(self.summary), len(self.files)
        if not self.files and self.skipped:
            lines.append(f"Nothing written: {len(self.skipped)} live change(s) to make by hand.")
        elif not self.files and self.conflicts:
            lines.append(f"Nothing pulled: {len(self.conflicts)} conflict(s) to resolve first.")
        elif not self.files:
            lines.append(f"Nothing to pull: the tree matches project {project}.")
        elif dry_run:
            lines.append(
                f"Would pull {count} change(s) from {project} into {files} file(s); "
                "nothing written (--dry-run)."
            )
        else:
            lines.append(f"Pulled {count} change(s) from {project} into {files} file(s).")
        # titles, tags and file names from Qase and the tree: one line each
        return "".join(f"{terminal(line)}\n" for line in lines)

    def diff(self) -> str:
        """A unified diff of every file pull would change, each line shown as `terminal`
        shows text (a file name, or a comment in the YAML, can hold anything); the
        carriage return that ends each line of a file with CRLF line endings stays."""
        diff = "".join(_file_diff(name, old, new) for name, (old, new) in self.files.items())
        return "".join(_diff_line(line) for line in diff.split("\n")[:-1])


def _diff_line(line: str) -> str:
    body = line.removesuffix("\r")
    return terminal(body) + line[len(body) :] + "\n"


def pull(
    root: Path, tree: Tree, live: Live, settings: Settings, base: Base | None = None
) -> Pulled:
    """Work out the new text of every YAML file that the live project changes, and the
    base record after them."""
    pulling = replace(settings, prune="delete")
    found = plan(tree, live, pulling, for_pull=True, base=base, record_unchanged=True)
    state = PullState(root, tree, live, settings, _changed_in_qase(found))
    _remove_deleted(state, found.drift)
    additions = Additions(state)
    additions.shared_steps()  # first: the updated steps may use their new keys
    moves = Updates(state).pull()
    additions.suites()
    additions.cases()
    additions.moves(moves)
    return Pulled(
        files=_files(state),
        summary=state.summary,
        skipped=state.skipped,
        conflicts=[_conflict_line(c) for c in found.conflicts],
        base=updated(base, _records(found), settings.ignore_fields),
    )


def _changed_in_qase(found: Plan) -> Plan:
    """The plan as pull reads it: the cases, suites and shared steps changed in Qase as
    updates of their drifted fields, the cases created there as what the tree lacks (the
    deletions of a plan that prunes by deleting), and the suites and shared steps the tree
    lacks as planned. The tree's own changes, and what it removed, are left out: they are
    apply's."""
    others = [c for c in found.changes if _read_as_planned(c)]
    updates = [c for c in found.drift if c.kind == "update"]
    created = [replace(c, kind="delete") for c in found.drift if c.kind == "create"]
    return replace(found, changes=tuple([*others, *updates, *created]))


def _read_as_planned(change: Change) -> bool:
    """Plan changes pull reads as they are: the suites and shared steps the tree lacks,
    and tree entities whose id (hash) no live one has (said, not pulled)."""
    if change.entity != "case" and change.kind == "delete":
        return True
    gone = change.kind == "create" and change.desired is not None
    known = getattr(change.desired, "id", None) or getattr(change.desired, "hash", None)
    return gone and bool(known)


def _remove_deleted(state: PullState, drift: Sequence[Change]) -> None:
    """Cases deleted in Qase since the last sync, which the tree has not edited since:
    their items leave the tree."""
    for change in (c for c in drift if c.kind == "delete" and c.location is not None):
        assert change.location is not None and isinstance(change.desired, Case)
        state.add(change.location.file, [RemoveItem(change.location.path)])
        state.summary.append(
            f"- case #{change.desired.id} {change.name!r} ({change.location.file}): deleted in Qase"
        )


def _conflict_line(change: Change) -> str:
    where = f" ({change.location})" if change.location else ""
    known = change.live_id
    ident = "" if known is None else f" #{known}" if isinstance(known, int) else f" {known}"
    details = "; ".join(diff_text(d) for d in change.diffs)
    what = ENTITY_NAMES[change.entity]
    return f"{what}{ident} {change.name!r}{where}: {details}; the tree's lines are left as they are"


def _records(found: Plan) -> list[Record]:
    """What the base records once pulled: the agreements the plan found, the drifted
    fields at their live values, the cases added with all theirs, the removed forgotten."""
    records = list(found.synced)
    for change in found.drift:
        ident = change.live_id if change.kind != "delete" else _tree_id(change)
        if ident is None or (change.kind == "create" and change.synced is None):
            continue
        fields = None if change.kind == "delete" else change.synced
        records.append(Record(change.entity, ident, fields, merge=change.kind == "update"))
    return records


def _tree_id(change: Change) -> int | None:
    return change.desired.id if isinstance(change.desired, (Case, Suite)) else None


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


def write(
    root: Path, pulled: Pulled, digests: Mapping[str, str], base_bytes: bytes | None = None
) -> list[str]:
    """Replace the changed files, all or none (`replace_all`); refuse them all when one
    changed on disk since it was read (``digests``, as `load_tree` fills them). The base
    record follows once they are written."""
    stale = _stale(pulled, digests)
    if stale:
        raise WriteBackError(
            "\n".join(
                f"{name}: changed on disk since it was read; run pull again" for name in stale
            )
        )
    made = _folders(root, list(pulled.files))  # each file in it changes (`_files`)
    try:
        replace_files(root, pulled.files)
    except BaseException:
        for folder in reversed(made):  # nothing was written: no empty new folder either
            folder.rmdir()
        raise
    written = list(pulled.files)
    if pulled.base is not None and write_base(root, pulled.base, base_bytes):
        written.append(BASE_FILE)
    return written


def _folders(root: Path, names: Sequence[str]) -> list[Path]:
    """Make the folders the new files go into; those made, parents first."""
    made: list[Path] = []
    for name in names:
        folder = (root / name).parent
        within = [f for f in (folder, *folder.parents) if f.is_relative_to(root)]
        for new in reversed([f for f in within if not f.exists()]):
            new.mkdir()
            made.append(new)
    return made


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
