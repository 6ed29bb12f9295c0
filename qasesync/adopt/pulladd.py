"""`pull`: what goes into the tree — live entities the tree lacks, and cases moved live.

A live case the tree lacks is appended to the last file holding cases of its suite's
folder (or a new ``cases.yaml`` there), a live suite the tree lacks becomes a new folder
(`qasesync.tree.write`), a live shared step the tree lacks is appended to
``shared_steps.yaml``. A case deprecated by a previous apply (live, deprecated, not in
the tree) is left out, unless the tree prunes by deleting. A case moved live to another
suite (a `Move` from `qasesync.adopt.pulledits`) moves in the tree: its item leaves its
file (`qasesync.yamltext.edit.RemoveItem`) and, with its other pulled fields, is appended
to the last case file of its new suite's folder (or a new ``cases.yaml`` there, at the
root, or in a new folder). Edits and new files collect in the `PullState`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import PurePosixPath

from qasesync.adopt.export import writable_cases
from qasesync.adopt.pullstate import Move, PullState
from qasesync.model import Case, Suite, Tree
from qasesync.plans.plan import Change
from qasesync.tree.files import SETTINGS_FILE, SHARED_FILE
from qasesync.tree.write import (
    CASES_FILE,
    case_document,
    rekey_steps,
    render_tree,
    schema_line,
    schemas_base,
    shared_step_document,
    shared_step_keys,
    suite_folders,
    unique_names,
)
from qasesync.yamltext.edit import AppendItem, RemoveItem, append_item, value_at


class Additions:
    """Live entities the tree lacks, added to its files; cases moved live, moved in it.

    `pull` calls `shared_steps` before the updates are worked out (their steps may use
    the new keys), then `suites`, `cases` and `moves`, in that order."""

    def __init__(self, state: PullState) -> None:
        self.state = state
        # New files get schema lines the way the tree's qasesync.yaml has one (or none).
        self.schemas = schemas_base(state.read(SETTINGS_FILE))
        self._in_new_folders: set[str] = set()  # live suite keys written whole
        self._pending: dict[str, list[Case]] = {}  # new case files

    def shared_steps(self) -> None:
        """Live shared steps no tree step claims, appended to the shared-steps file."""
        claimed = set(self.state.plan.shared_hashes.values())
        new = [s for s in self.state.live.tree.shared_steps if s.hash not in claimed]
        if not new:
            return
        keys = shared_step_keys([*self.state.tree.shared_steps, *new])
        added = [replace(s, key=keys[s.key]) for s in new]
        self.state.names.update({s.hash or s.key: s.key for s in added})
        file = self._shared_file()
        if file is None:
            rendered = _rendered(Tree(None, shared_steps=tuple(added)), self.schemas, depth=0)
            self.state.new_files.update({str(path): body for path, body in rendered.items()})
            file = SHARED_FILE
        else:
            docs = [shared_step_document(s) for s in added]
            self.state.add(file, [AppendItem(("shared_steps",), d) for d in docs])
        for shared in added:
            self.state.summary.append(f"+ shared step {shared.key!r} ({file})")

    def suites(self) -> None:
        """Live suites the tree lacks, each top one a new folder with all it holds."""
        new = {c.live.key for c in self._deleted if isinstance(c.live, Suite)}
        tops = [s for s in self.state.live.tree.suites if s.key in new and s.parent not in new]
        for top in tops:
            parent = self.state.folders.get(top.parent, "") if top.parent else ""
            name = self._free_name(parent, top.title)
            folder = f"{parent}/{name}" if parent else name
            self._new_folder(top, folder, new)

    def cases(self) -> None:
        """Live cases the tree lacks (outside new folders), added to their folders."""
        for case in self._addable:
            if case.suite in self._in_new_folders:
                continue  # written with its new folder
            folder = self.state.folders.get(case.suite, "") if case.suite else ""
            self._append_case(case, folder)
        self._new_case_files()

    def moves(self, moves: Sequence[Move]) -> None:
        """Cases moved live: out of their files, into their new suites' folders."""
        for move in moves:
            folder = "" if move.live.suite is None else self.state.folders.get(move.live.suite)
            if folder is None:  # a suite out of the tree's reach
                self._unmovable(move)
            else:
                self._move(move, folder)

    # --- what the tree lacks ----------------------------------------------------------

    def _shared_file(self) -> str | None:
        files = [s.location.file for s in self.state.tree.shared_steps if s.location is not None]
        if SHARED_FILE in files or self.state.read(SHARED_FILE) is not None:
            return SHARED_FILE
        return files[-1] if files else None

    def _free_name(self, parent: str, title: str) -> str:
        """A folder name for ``title`` that no folder under ``parent`` has yet."""
        base = self.state.root / parent if parent else self.state.root
        taken = sorted(p.name for p in base.iterdir()) if base.is_dir() else []
        taken += [f.rsplit("/", 1)[-1] for f in self.state.folders.values() if _parent(f) == parent]
        return unique_names([*taken, title])[-1]

    def _new_folder(self, top: Suite, folder: str, new: set[str]) -> None:
        """The live suite ``top`` and its new descendants, written with the tree writer."""
        inside = _descendants(self.state.live.tree.suites, top.key, new)
        keys = {s.key for s in inside}
        cases = [c for c in self._addable if c.suite in keys]
        subtree = Tree(
            None,
            suites=tuple(replace(s, parent=None) if s is top else s for s in inside),
            cases=self._writable(cases),
        )
        for path, body in _rendered(subtree, self.schemas, depth=len(_parts(folder)) - 1).items():
            self.state.new_files[str(PurePosixPath(folder, *path.parts[1:]))] = body
        for key, inner in suite_folders(subtree).items():  # where moved cases go
            self.state.folders[key] = str(PurePosixPath(folder, *PurePosixPath(inner).parts[1:]))
        self._in_new_folders |= keys
        self.state.summary.append(
            f"+ suite #{top.id} {top.title!r} with {len(cases)} case(s) ({folder}/, new folder)"
        )

    @cached_property
    def _deleted(self) -> list[Change]:
        """What the plan (pruning by deletion) would delete: what the tree lacks."""
        return [c for c in self.state.plan.changes if c.kind == "delete"]

    @cached_property
    def _addable(self) -> list[Case]:
        """Live cases in scope that the tree lacks, but not the ones apply deprecated."""
        keep_deprecated = self.state.settings.prune == "delete"
        return [
            c.live
            for c in self._deleted
            if isinstance(c.live, Case) and (keep_deprecated or c.live.status != "deprecated")
        ]

    def _append_case(self, case: Case, folder: str) -> None:
        [ready] = self._writable([case])
        file = self._case_file(folder)
        if file in self._pending or self.state.read(file) is None:
            self._pending.setdefault(file, []).append(replace(ready, suite=None))
        else:
            self.state.add(file, [AppendItem(("cases",), case_document(ready))])
        self.state.summary.append(f"+ case #{case.id} {case.title!r} ({file})")

    @cached_property
    def _case_files(self) -> dict[str, str]:
        """Folder → the last file holding cases of it (in tree order)."""
        return {
            c.suite or "": c.location.file for c in self.state.tree.cases if c.location is not None
        }

    def _case_file(self, folder: str) -> str:
        """Where a case added to ``folder`` goes: its last case file, else its cases.yaml."""
        return self._case_files.get(folder) or str(PurePosixPath(folder, CASES_FILE))

    def _new_case_files(self) -> None:
        for file, cases in self._pending.items():
            subtree = Tree(None, cases=tuple(cases))
            [body] = _rendered(subtree, self.schemas, depth=len(_parts(_parent(file)))).values()
            self.state.new_files[file] = body

    def _writable(self, cases: Sequence[Case]) -> tuple[Case, ...]:
        rekeyed = [replace(c, steps=rekey_steps(c.steps, self.state.names)) for c in cases]
        return writable_cases(rekeyed, self.state.live.workspace)

    # --- moves -----------------------------------------------------------------------

    def _move(self, move: Move, folder: str) -> None:
        assert move.case.location is not None
        source = move.case.location.file
        old = self.state.read(source)
        assert old is not None
        item = value_at(old.decode("utf-8"), move.case.location.path, move.edits)
        self.state.add(source, [RemoveItem(move.case.location.path)])
        target = self._append_moved(item, folder)
        self.state.summary.append(
            f"~ case #{move.live.id} {move.live.title!r} ({source} -> {target}): "
            f"{', '.join(move.fields)}"
        )

    def _unmovable(self, move: Move) -> None:
        assert move.case.location is not None
        source = move.case.location.file
        self.state.skipped.append(
            f"case #{move.live.id} {move.live.title!r} was moved to another suite live: "
            f"move it in the tree by hand ({source})"
        )
        self.state.add(source, move.edits)
        if move.fields[1:]:
            self.state.summary.append(
                f"~ case #{move.live.id} {move.live.title!r} ({source}): "
                f"{', '.join(move.fields[1:])}"
            )

    def _append_moved(self, item: Mapping[str, object], folder: str) -> str:
        """Append a moved case's item to the folder's last case file (maybe one that
        pull writes new); the file it goes to."""
        file = self._case_file(folder)
        if file in self.state.new_files:
            self.state.new_files[file] = append_item(self.state.new_files[file], ("cases",), item)
        elif self.state.read(file) is not None:
            self.state.add(file, [AppendItem(("cases",), item)])
        else:
            empty = schema_line(PurePosixPath(file), self.schemas) + "cases: []\n"
            self.state.new_files[file] = append_item(empty, ("cases",), item)
        return file


def _rendered(tree: Tree, schemas: str | None, *, depth: int) -> dict[PurePosixPath, str]:
    """The tree writer's files for a subtree that goes ``depth`` folders below the root
    (their schema lines point that much further up)."""
    if schemas is not None and "://" not in schemas:
        schemas = "../" * depth + schemas
    return render_tree(tree, schemas=schemas)


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
