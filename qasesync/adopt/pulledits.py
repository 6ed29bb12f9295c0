"""What `pull` writes, read off a plan made with ``prune: delete`` (`qasesync.adopt.pull`).

An update's fields are rewritten with their *live* values in place
(`qasesync.yamltext.edit`: every untouched byte kept), a step list field by field where its
shape is unchanged. An ``automation`` changed live (the API cannot set it; the web app
can) is written, left out when ``manual``. What the tree lacks and cases moved live are
added by `qasesync.adopt.pulladd`. A suite moved live is only reported: moving a folder is the
user's call. A case deprecated by a previous apply (live, deprecated, not in the tree) is
left out, unless the tree prunes by deleting. Nothing here writes a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qasesync.adopt.pulladd import Edits, Move, PulledEdits, PullState
from qasesync.model import Case, Live, Settings, SharedStep, Step, Suite, Tree
from qasesync.plans.normalise import text
from qasesync.plans.plan import Change, Plan
from qasesync.yamltext import edit as yamledit
from qasesync.yamltext.spans import YamlPath

_TEXT = ("title", "description", "preconditions", "postconditions", "gherkin")
_STEP_TEXT = ("action", "expected_result", "data")


def pulled_edits(
    root: Path, tree: Tree, live: Live, settings: Settings, found: Plan
) -> PulledEdits:
    """The new text of every YAML file under ``root`` that ``found`` (the plan of
    ``tree`` against ``live``, pruning by deletion) changes."""
    return _Puller(root, tree, live, settings, found).run()


@dataclass
class _Puller(PullState):
    updated: set[int | None] = field(default_factory=set)  # live ids of updated cases

    def run(self) -> PulledEdits:
        self.names = {h: k for k, h in self.plan.shared_hashes.items()}
        self.folders = {f"#{i}": folder for folder, i in self.plan.suite_ids.items()}
        self._new_shared_steps()
        for change in self.plan.changes:
            self._take(change)
        self._automation_only()
        self._new_suites([c.live for c in self._deleted if isinstance(c.live, Suite)])
        self._new_cases()
        self._new_case_files()
        self._moved_cases()
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

    # --- updates ----------------------------------------------------------------------

    def _case_update(self, desired: Case, live: Case, fields: Sequence[str]) -> None:
        assert desired.location is not None
        file, path = desired.location.file, desired.location.path
        edits: Edits = []
        pulled = [n for n in fields if n != "suite"]
        for name in pulled:
            if name.startswith("custom_fields."):
                edits.append(self._custom_edit(path, name.split(".", 1)[1], live))
            elif name == "steps":
                edits += self._step_edits(path, desired.steps, live.steps)
            else:
                edits.append(_field_edit(path, name, _case_value(desired, live, name)))
        automation = self._automation_edit(desired, live)
        if automation is not None:
            edits.append(automation)
            pulled.append("automation")
        self.updated.add(live.id)
        if "suite" in fields:
            self.moves.append(Move(desired, live, edits, ("suite", *pulled)))
            return
        self._add(file, edits)
        if pulled:
            self.result.summary.append(
                f"~ case #{live.id} {live.title!r} ({file}): {', '.join(pulled)}"
            )

    def _automation_edit(self, case: Case, live: Case) -> yamledit.Edit | None:
        """Automation changed in the web app (the API cannot change it): the live value,
        or no key for the default ``manual``, as `export` writes it."""
        if live.automation is None or "automation" in self.settings.ignore_fields:
            return None
        if (case.automation or "manual") == live.automation:
            return None
        assert case.location is not None
        value = None if live.automation == "manual" else live.automation
        return _field_edit(case.location.path, "automation", value)

    def _automation_only(self) -> None:
        """Cases whose only difference is automation: the plan warns, with no change."""
        adopted = {
            (a.location.file, a.location.path): a.value
            for a in self.plan.adoptions
            if a.key == "id"
        }
        by_id = {c.id: c for c in self.live.tree.cases}
        for case in self.tree.cases:
            where = case.location
            if where is None:
                continue
            ident = case.id if case.id is not None else adopted.get((where.file, where.path))
            live = by_id.get(ident) if isinstance(ident, int) else None
            if live is None or live.id in self.updated:
                continue
            edit = self._automation_edit(case, live)
            if edit is not None:
                self._add(where.file, [edit])
                self.result.summary.append(
                    f"~ case #{live.id} {live.title!r} ({where.file}): automation"
                )

    def _custom_edit(self, path: YamlPath, title: str, live: Case) -> yamledit.Edit:
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
        steps = self._step_edits(path, desired.steps, live.steps)  # none: the same steps
        if steps:
            edits += steps
            changed.append("steps")
        self._add(file, edits)
        self.result.summary.append(f"~ shared step {desired.key!r} ({file}): {', '.join(changed)}")

    # --- text -------------------------------------------------------------------------

    def _render(self) -> None:
        for file, edits in sorted(self.edits.items()):
            if not edits:
                continue
            old = (self.root / file).read_bytes() if (self.root / file).is_file() else None
            source = "" if old is None else old.decode("utf-8")
            new = yamledit.apply_edits(source, edits).encode("utf-8")
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


def _field_edit(path: YamlPath, name: str, value: Any) -> yamledit.Edit:
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
