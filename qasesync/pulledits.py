"""What `pull` writes, read off a plan made with ``prune: delete`` (`qasesync.pull`).

An update's fields are rewritten with their *live* values in place
(`qasesync.yamledit`: every untouched byte kept), a step list field by field where its
shape is unchanged; a live case the tree lacks is appended to its suite's file, a live
suite the tree lacks becomes a new folder (`qasesync.treewriter`), a live shared step the
tree lacks is appended to ``shared_steps.yaml``. A case deprecated by a previous apply
(live, deprecated, not in the tree) is left out, unless the tree prunes by deleting.
Nothing here writes a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from qasesync import yamledit
from qasesync.diffing import text
from qasesync.export import writable_cases
from qasesync.model import Case, Live, Settings, SharedStep, Step, Suite, Tree
from qasesync.plan import Change, Plan
from qasesync.treewriter import (
    CASES_FILE,
    SHARED_FILE,
    case_document,
    render_tree,
    shared_step_document,
    shared_step_keys,
    unique_names,
)
from qasesync.yamlspans import YamlPath

Edits = list[yamledit.Change]
_TEXT = ("title", "description", "preconditions", "postconditions", "gherkin")
_STEP_TEXT = ("action", "expected_result", "data")


@dataclass
class PulledEdits:
    """Per file (relative to the tree, ``/`` separators) its bytes before (None: a new
    file) and after; the summary lines; the live changes left to make by hand."""

    files: dict[str, tuple[bytes | None, bytes]] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def pulled_edits(
    root: Path, tree: Tree, live: Live, settings: Settings, found: Plan
) -> PulledEdits:
    """The new text of every YAML file under ``root`` that ``found`` (the plan of
    ``tree`` against ``live``, pruning by deletion) changes."""
    return _Puller(root, tree, live, settings, found).run()


@dataclass
class _Puller:
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

    def run(self) -> PulledEdits:
        self.names = {h: k for k, h in self.plan.shared_hashes.items()}
        self.folders = {f"#{i}": folder for folder, i in self.plan.suite_ids.items()}
        self._new_shared_steps()
        for change in self.plan.changes:
            self._take(change)
        self._new_suites([c.live for c in self._deleted if isinstance(c.live, Suite)])
        self._new_cases()
        self._new_case_files()
        self._render()
        return self.result

    def _take(self, change: Change) -> None:
        if change.kind == "create" and change.desired is not None:
            self._deleted_live(change.desired)
            return
        if change.kind != "update" or change.desired is None or change.live is None:
            return
        if isinstance(change.desired, Case) and isinstance(change.live, Case):
            self._case_update(change.desired, change.live, change.fields)
        elif isinstance(change.desired, Suite) and isinstance(change.live, Suite):
            self._suite_update(change.desired, change.live, change.fields)
        elif isinstance(change.desired, SharedStep) and isinstance(change.live, SharedStep):
            self._shared_update(change.desired, change.live)

    def _deleted_live(self, entity: Case | Suite | SharedStep) -> None:
        """An entity the tree names by an id (hash) that no live entity has any more:
        deleted in the web app. Said, not pulled (the next apply would create it again)."""
        known = entity.hash if isinstance(entity, SharedStep) else entity.id
        if not known:
            return  # new in the tree: apply creates it
        kind = "shared step" if isinstance(entity, SharedStep) else type(entity).__name__.lower()
        ident = f"#{known}" if isinstance(known, int) else known
        where = entity.location.file if entity.location is not None else "?"
        self.result.skipped.append(
            f"{kind} {ident} {entity.title!r} was deleted live: remove it from the tree by "
            f"hand, or apply creates it again ({where})"
        )

    def _add(self, file: str, edits: Edits) -> None:
        self.edits.setdefault(file, []).extend(edits)

    # --- updates ----------------------------------------------------------------------

    def _case_update(self, desired: Case, live: Case, fields: Sequence[str]) -> None:
        assert desired.location is not None
        file, path = desired.location.file, desired.location.path
        edits: Edits = []
        for name in fields:
            if name == "suite":
                self.result.skipped.append(
                    f"case #{live.id} {live.title!r} was moved to another suite live: "
                    f"move it in the tree by hand ({file})"
                )
            elif name.startswith("custom_fields."):
                edits.append(self._custom_edit(path, name.split(".", 1)[1], live))
            elif name == "steps":
                edits += self._step_edits(path, desired.steps, live.steps)
            else:
                edits.append(_field_edit(path, name, _case_value(desired, live, name)))
        self._add(file, edits)
        pulled = [n for n in fields if n != "suite"]
        if pulled:
            self.result.summary.append(
                f"~ case #{live.id} {live.title!r} ({file}): {', '.join(pulled)}"
            )

    def _custom_edit(self, path: YamlPath, title: str, live: Case) -> yamledit.Change:
        value = live.custom_fields.get(title)
        where = (*path, "custom_fields")
        if value is not None:
            return yamledit.SetField(where, title, _plain(value))
        definition = next(f for f in self.live.workspace.custom_fields if f.title == title)
        if definition.default is None:
            return yamledit.RemoveField(where, title)
        return yamledit.SetField(where, title, [] if definition.type == "multiselect" else "")

    def _step_edits(self, path: YamlPath, desired: Sequence[Step], live: Sequence[Step]) -> Edits:
        """Field by field while the list keeps its shape; else the whole list."""
        if not self._same_shape(desired, live):
            value = [self._step_data(s) for s in live]
            return [_field_edit(path, "steps", value)]
        edits: Edits = []
        for index, (mine, theirs) in enumerate(zip(desired, live, strict=True)):
            if mine.shared is not None:
                continue
            where = (*path, "steps", index)
            edits += [
                _field_edit(where, name, _block(getattr(theirs, name)))
                for name in _STEP_TEXT
                if text(getattr(mine, name)) != text(getattr(theirs, name))
            ]
            edits += self._step_edits(where, mine.steps, theirs.steps)
        return edits

    def _same_shape(self, desired: Sequence[Step], live: Sequence[Step]) -> bool:
        if len(desired) != len(live):
            return False
        return all(
            (mine.shared is None and theirs.shared is None)
            or (mine.shared is not None and mine.shared == self.names.get(theirs.shared or ""))
            for mine, theirs in zip(desired, live, strict=True)
        )

    def _step_data(self, step: Step) -> dict[str, Any]:
        if step.shared is not None:
            return {"shared": self.names.get(step.shared, step.shared)}
        data: dict[str, Any] = {"action": _block(step.action)}
        data.update({n: _block(getattr(step, n)) for n in _STEP_TEXT[1:] if text(getattr(step, n))})
        if step.steps:
            data["steps"] = [self._step_data(s) for s in step.steps]
        return data

    def _suite_update(self, desired: Suite, live: Suite, fields: Sequence[str]) -> None:
        assert desired.location is not None
        file = desired.location.file
        if "parent" in fields:
            self.result.skipped.append(
                f"suite #{live.id} {live.title!r} was moved live: move its folder "
                f"{desired.key}/ by hand"
            )
        pulled = [n for n in fields if n != "parent"]
        self._add(file, [_field_edit((), n, _block(getattr(live, n))) for n in pulled])
        if pulled:
            self.result.summary.append(
                f"~ suite #{live.id} {live.title!r} ({file}): {', '.join(pulled)}"
            )

    def _shared_update(self, desired: SharedStep, live: SharedStep) -> None:
        assert desired.location is not None
        file, path = desired.location.file, desired.location.path
        edits: Edits = []
        changed = []
        if text(desired.title) != text(live.title):
            edits.append(_field_edit(path, "title", live.title))
            changed.append("title")
        if not self._same_steps(desired.steps, live.steps):
            edits += self._step_edits(path, desired.steps, live.steps)
            changed.append("steps")
        self._add(file, edits)
        self.result.summary.append(f"~ shared step {desired.key!r} ({file}): {', '.join(changed)}")

    def _same_steps(self, desired: Sequence[Step], live: Sequence[Step]) -> bool:
        return self._same_shape(desired, live) and not self._step_edits((), desired, live)

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
            parent = self.folders.get(top.parent or "", "") if top.parent else ""
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
        self.folders[top.key] = folder
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
        file = self._case_files.get(folder) or str(PurePosixPath(folder, CASES_FILE))
        if file in self.pending or not (self.root / file).is_file():
            self.pending.setdefault(file, []).append(replace(ready, suite=None))
        else:
            self._add(file, [yamledit.AppendItem(("cases",), case_document(ready))])
        self.result.summary.append(f"+ case #{case.id} {case.title!r} ({file})")

    @cached_property
    def _case_files(self) -> dict[str, str]:
        """Folder → the last file holding cases of it (in tree order)."""
        return {c.suite or "": c.location.file for c in self.tree.cases if c.location is not None}

    def _new_case_files(self) -> None:
        for file, cases in self.pending.items():
            subtree = Tree(None, cases=tuple(cases))
            [body] = _rendered(subtree, depth=len(_parts(_parent(file)))).values()
            self.new_files[file] = body

    def _writable(self, cases: Sequence[Case]) -> tuple[Case, ...]:
        rekeyed = [replace(c, steps=self._rekey(c.steps)) for c in cases]
        return writable_cases(rekeyed, self.live.workspace)

    def _rekey(self, steps: Sequence[Step]) -> tuple[Step, ...]:
        return tuple(
            replace(s, shared=self.names.get(s.shared, s.shared))
            if s.shared is not None
            else replace(s, steps=self._rekey(s.steps))
            for s in steps
        )

    # --- text -------------------------------------------------------------------------

    def _render(self) -> None:
        for file, edits in sorted(self.edits.items()):
            if not edits:
                continue
            old = (self.root / file).read_bytes() if (self.root / file).is_file() else None
            source = "" if old is None else old.decode("utf-8")
            new = yamledit.apply_changes(source, edits).encode("utf-8")
            if new != old:
                self.result.files[file] = (old, new)
        eol = _line_end(self.root)
        for file, body in sorted(self.new_files.items()):
            self.result.files[file] = (None, body.replace("\n", eol).encode("utf-8"))


# --- values -------------------------------------------------------------------------------


def _line_end(root: Path) -> str:
    """The tree's line end, as its qasesync.yaml has it: new files follow it."""
    settings = root / "qasesync.yaml"
    head = settings.read_bytes()[:4096] if settings.is_file() else b""
    return "\r\n" if b"\r\n" in head else "\n"


def _case_value(desired: Case, live: Case, name: str) -> Any:
    value = getattr(live, name)
    if name in ("tags", "external_issues"):
        kept = [t for t in getattr(desired, name) if t in value]
        return kept + [t for t in value if t not in kept]
    if name == "parameters":
        return {k: list(v) for k, v in value.items()}
    if name == "flaky":
        return value or None
    return _block(value or "") if name in _TEXT else value


def _field_edit(path: YamlPath, name: str, value: Any) -> yamledit.Change:
    """Set ``name`` to ``value``, or remove it when the value is empty (``action`` stays)."""
    empty = value is None or value == "" or value == [] or value == {}
    if empty and name != "action":
        return yamledit.RemoveField(path, name)
    return yamledit.SetField(path, name, "" if value is None else value)


def _block(value: str) -> str:
    """Multi-line text ending in a newline, so that it reads as a plain ``|`` block."""
    return value + "\n" if "\n" in value.strip("\n") and not value.endswith("\n") else value


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


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
