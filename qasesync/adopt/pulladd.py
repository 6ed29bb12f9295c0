"""`pull`: what goes into the tree — live entities the tree lacks, and cases moved live.

A live case the tree lacks is appended to the last file holding cases of its suite's
folder (or a new ``cases.yaml`` there), a live suite the tree lacks becomes a new folder
(`qasesync.tree.write`), a live shared step the tree lacks is appended to
``shared_steps.yaml``. A case moved live to another suite moves in the tree: its item
leaves its file (`yamledit.remove_item`) and, with its other pulled fields, is appended
to the last case file of its new suite's folder (or a new ``cases.yaml`` there, at the
root, or in a new folder). `qasesync.adopt.pulledits` builds on this state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path, PurePosixPath

from qasesync.adopt.export import writable_cases
from qasesync.model import Case, Live, Settings, Suite, Tree
from qasesync.plans.plan import Change, Plan
from qasesync.tree.files import SHARED_FILE
from qasesync.tree.write import (
    CASES_FILE,
    case_document,
    rekey_steps,
    render_tree,
    schema_line,
    shared_step_document,
    shared_step_keys,
    suite_folders,
    unique_names,
)
from qasesync.yamltext import edit as yamledit

Edits = list[yamledit.Edit]


@dataclass
class PulledEdits:
    """Per file (relative to the tree, ``/`` separators) its bytes before (None: a new
    file) and after; the summary lines; the live changes left to make by hand."""

    files: dict[str, tuple[bytes | None, bytes]] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Move:
    """A case moved live to another suite: its tree item and its other pulled edits
    (paths from its file's root), made on the item before it moves."""

    case: Case
    live: Case
    edits: Edits
    fields: tuple[str, ...]


@dataclass
class PullState:
    """What pull has worked out so far, and how it adds to the tree."""

    root: Path
    tree: Tree
    live: Live
    settings: Settings
    plan: Plan
    edits: dict[str, Edits] = field(default_factory=dict)
    new_files: dict[str, str] = field(default_factory=dict)
    result: PulledEdits = field(default_factory=PulledEdits)
    names: dict[str, str] = field(default_factory=dict)  # live hash → YAML key
    folders: dict[str, str] = field(default_factory=dict)  # live suite key → folder
    in_new_folders: set[str] = field(default_factory=set)  # live suite keys written whole
    pending: dict[str, list[Case]] = field(default_factory=dict)  # new case files
    moves: list[Move] = field(default_factory=list)

    def _add(self, file: str, edits: Edits) -> None:
        self.edits.setdefault(file, []).extend(edits)

    # --- what the tree lacks ----------------------------------------------------------

    def _new_shared_steps(self) -> None:
        claimed = set(self.plan.shared_hashes.values())
        new = [s for s in self.live.tree.shared_steps if s.hash not in claimed]
        if not new:
            return
        keys = shared_step_keys([*self.tree.shared_steps, *new])
        added = [replace(s, key=keys[s.key]) for s in new]
        self.names.update({s.hash or s.key: s.key for s in added})
        file = self._shared_file()
        if file is None:
            rendered = _rendered(Tree(None, shared_steps=tuple(added)), depth=0)
            self.new_files.update({str(path): body for path, body in rendered.items()})
            file = SHARED_FILE
        else:
            docs = [shared_step_document(s) for s in added]
            self._add(file, [yamledit.AppendItem(("shared_steps",), d) for d in docs])
        for shared in added:
            self.result.summary.append(f"+ shared step {shared.key!r} ({file})")

    def _shared_file(self) -> str | None:
        files = [s.location.file for s in self.tree.shared_steps if s.location is not None]
        if SHARED_FILE in files or (self.root / SHARED_FILE).is_file():
            return SHARED_FILE
        return files[-1] if files else None

    def _new_suites(self, suites: Sequence[Suite]) -> None:
        new = {s.key for s in suites}
        tops = [s for s in self.live.tree.suites if s.key in new and s.parent not in new]
        for top in tops:
            parent = self.folders.get(top.parent, "") if top.parent else ""
            name = self._free_name(parent, top.title)
            folder = f"{parent}/{name}" if parent else name
            self._new_folder(top, folder, new)

    def _free_name(self, parent: str, title: str) -> str:
        """A folder name for ``title`` that no folder under ``parent`` has yet."""
        base = self.root / parent if parent else self.root
        taken = sorted(p.name for p in base.iterdir()) if base.is_dir() else []
        taken += [f.rsplit("/", 1)[-1] for f in self.folders.values() if _parent(f) == parent]
        return unique_names([*taken, title])[-1]

    def _new_folder(self, top: Suite, folder: str, new: set[str]) -> None:
        """The live suite ``top`` and its new descendants, written with the tree writer."""
        inside = _descendants(self.live.tree.suites, top.key, new)
        keys = {s.key for s in inside}
        cases = [c for c in self._addable if c.suite in keys]
        subtree = Tree(
            None,
            suites=tuple(replace(s, parent=None) if s is top else s for s in inside),
            cases=self._writable(cases),
        )
        for path, body in _rendered(subtree, depth=len(_parts(folder)) - 1).items():
            self.new_files[str(PurePosixPath(folder, *path.parts[1:]))] = body
        for key, inner in suite_folders(subtree).items():  # where moved cases go
            self.folders[key] = str(PurePosixPath(folder, *PurePosixPath(inner).parts[1:]))
        self.in_new_folders |= keys
        self.result.summary.append(
            f"+ suite #{top.id} {top.title!r} with {len(cases)} case(s) ({folder}/, new folder)"
        )

    @cached_property
    def _deleted(self) -> list[Change]:
        """What the plan (pruning by deletion) would delete: what the tree lacks."""
        return [c for c in self.plan.changes if c.kind == "delete"]

    @cached_property
    def _addable(self) -> list[Case]:
        """Live cases in scope that the tree lacks, but not the ones apply deprecated."""
        keep_deprecated = self.settings.prune == "delete"
        return [
            c.live
            for c in self._deleted
            if isinstance(c.live, Case) and (keep_deprecated or c.live.status != "deprecated")
        ]

    def _new_cases(self) -> None:
        for case in self._addable:
            if case.suite in self.in_new_folders:
                continue  # written with its new folder
            folder = self.folders.get(case.suite, "") if case.suite else ""
            self._append_case(case, folder)

    def _append_case(self, case: Case, folder: str) -> None:
        [ready] = self._writable([case])
        file = self._case_file(folder)
        if file in self.pending or not (self.root / file).is_file():
            self.pending.setdefault(file, []).append(replace(ready, suite=None))
        else:
            self._add(file, [yamledit.AppendItem(("cases",), case_document(ready))])
        self.result.summary.append(f"+ case #{case.id} {case.title!r} ({file})")

    @cached_property
    def _case_files(self) -> dict[str, str]:
        """Folder → the last file holding cases of it (in tree order)."""
        return {c.suite or "": c.location.file for c in self.tree.cases if c.location is not None}

    def _case_file(self, folder: str) -> str:
        """Where a case added to ``folder`` goes: its last case file, else its cases.yaml."""
        return self._case_files.get(folder) or str(PurePosixPath(folder, CASES_FILE))

    def _new_case_files(self) -> None:
        for file, cases in self.pending.items():
            subtree = Tree(None, cases=tuple(cases))
            [body] = _rendered(subtree, depth=len(_parts(_parent(file)))).values()
            self.new_files[file] = body

    def _writable(self, cases: Sequence[Case]) -> tuple[Case, ...]:
        rekeyed = [replace(c, steps=rekey_steps(c.steps, self.names)) for c in cases]
        return writable_cases(rekeyed, self.live.workspace)

    # --- moves -----------------------------------------------------------------------

    def _moved_cases(self) -> None:
        for move in self.moves:
            folder = "" if move.live.suite is None else self.folders.get(move.live.suite)
            assert move.case.location is not None
            source = move.case.location.file
            if folder is None:  # a suite out of the tree's reach
                self._unmovable(move)
                continue
            text = (self.root / source).read_bytes().decode("utf-8")
            item = yamledit.value_at(text, move.case.location.path, move.edits)
            self._add(source, [yamledit.RemoveItem(move.case.location.path)])
            target = self._append_moved(item, folder)
            self.result.summary.append(
                f"~ case #{move.live.id} {move.live.title!r} ({source} -> {target}): "
                f"{', '.join(move.fields)}"
            )

    def _unmovable(self, move: Move) -> None:
        assert move.case.location is not None
        source = move.case.location.file
        self.result.skipped.append(
            f"case #{move.live.id} {move.live.title!r} was moved to another suite live: "
            f"move it in the tree by hand ({source})"
        )
        self._add(source, move.edits)
        if move.fields[1:]:
            self.result.summary.append(
                f"~ case #{move.live.id} {move.live.title!r} ({source}): "
                f"{', '.join(move.fields[1:])}"
            )

    def _append_moved(self, item: Mapping[str, object], folder: str) -> str:
        """Append a moved case's item to the folder's last case file (maybe one that
        pull writes new); the file it goes to."""
        file = self._case_file(folder)
        if file in self.new_files:
            self.new_files[file] = yamledit.append_item(self.new_files[file], ("cases",), item)
        elif (self.root / file).is_file():
            self._add(file, [yamledit.AppendItem(("cases",), item)])
        else:
            empty = schema_line(PurePosixPath(file), "../schemas") + "cases: []\n"
            self.new_files[file] = yamledit.append_item(empty, ("cases",), item)
        return file


def _rendered(tree: Tree, *, depth: int) -> dict[PurePosixPath, str]:
    """The tree writer's files for a subtree that goes ``depth`` folders below the root
    (their schema lines point that much further up)."""
    return render_tree(tree, schemas="../" * depth + "../schemas")


def _parts(folder: str) -> tuple[str, ...]:
    return PurePosixPath(folder).parts if folder else ()


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _descendants(suites: Sequence[Suite], top: str, new: set[str]) -> list[Suite]:
    inside = {top}
    for suite in suites:  # parents come before children
        if suite.parent in inside and suite.key in new:
            inside.add(suite.key)
    return [s for s in suites if s.key in inside]
