"""`pull`: the in-place edits of entities the tree holds, read off the plan's changes.

An update's fields are rewritten with their *live* values in place
(`qasesync.yamltext.edit`: every untouched byte kept), a step list field by field where its
shape is unchanged. An ``automation`` changed live (the API cannot set it; the web app
can) is written, left out when ``manual``. A case moved live to another suite is handed
on as a `Move` (with its other pulled edits) to `qasesync.adopt.pulladd`. A suite moved
live is only reported: moving a folder is the user's call, and so is removing an entity
deleted live. Edits collect in the `PullState`; nothing here reads or writes a file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from qasesync.adopt.pullstate import Move, PullState
from qasesync.model import Case, SharedStep, Step, Suite
from qasesync.plans.normalise import text
from qasesync.plans.plan import Change
from qasesync.yamltext.edit import Edit, RemoveField, SetField
from qasesync.yamltext.spans import YamlPath

_TEXT = ("title", "description", "preconditions", "postconditions", "gherkin")
_STEP_TEXT = ("action", "expected_result", "data")


class Updates:
    """The plan's updates of entities the tree holds, as edits of their YAML in place."""

    def __init__(self, state: PullState) -> None:
        self.state = state
        self._moves: list[Move] = []
        self._updated: set[int | None] = set()  # live ids of updated cases

    def pull(self) -> list[Move]:
        """Add the edits to the state; the cases moved live, for `pulladd` to move."""
        for change in self.state.plan.changes:
            self._take(change)
        self._automation_only()
        return self._moves

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
        self.state.skipped.append(
            f"{kind} {ident} {entity.title!r} was deleted live: remove it from the tree by "
            f"hand, or apply creates it again ({where})"
        )

    # --- updates ----------------------------------------------------------------------

    def _case_update(self, desired: Case, live: Case, fields: Sequence[str]) -> None:
        assert desired.location is not None
        file = desired.location.file
        pulled = [n for n in fields if n != "suite"]
        edits = [edit for name in pulled for edit in self._field_edits(desired, live, name)]
        automation = self._automation_edit(desired, live)
        if automation is not None:
            edits.append(automation)
            pulled.append("automation")
        self._updated.add(live.id)
        if "suite" in fields:
            self._moves.append(Move(desired, live, edits, ("suite", *pulled)))
            return
        self.state.add(file, edits)
        if pulled:
            self.state.summary.append(
                f"~ case #{live.id} {live.title!r} ({file}): {', '.join(pulled)}"
            )

    def _field_edits(self, desired: Case, live: Case, name: str) -> list[Edit]:
        """The edits that give the case's field ``name`` its live value."""
        assert desired.location is not None
        path = desired.location.path
        if name.startswith("custom_fields."):
            return [self._custom_edit(path, name.split(".", 1)[1], live)]
        if name == "steps":
            return self._step_edits(path, desired.steps, live.steps)
        return [_field_edit(path, name, _case_value(desired, live, name))]

    def _automation_edit(self, case: Case, live: Case) -> Edit | None:
        """Automation changed in the web app (the API cannot change it): the live value,
        or no key for the default ``manual``, as `export` writes it."""
        if live.automation is None or "automation" in self.state.settings.ignore_fields:
            return None
        if (case.automation or "manual") == live.automation:
            return None
        assert case.location is not None
        value = None if live.automation == "manual" else live.automation
        return _field_edit(case.location.path, "automation", value)

    def _automation_only(self) -> None:
        """Cases whose only difference is automation: the plan warns, with no change."""
        for case, live in self._matched_cases():
            edit = None if live.id in self._updated else self._automation_edit(case, live)
            if edit is not None:
                assert case.location is not None
                self.state.add(case.location.file, [edit])
                self.state.summary.append(
                    f"~ case #{live.id} {live.title!r} ({case.location.file}): automation"
                )

    def _matched_cases(self) -> Iterator[tuple[Case, Case]]:
        """Each tree case with the live case of its id, or of the id the plan adopts."""
        adopted = {
            (a.location.file, a.location.path): a.value
            for a in self.state.plan.adoptions
            if a.key == "id"
        }
        by_id = {c.id: c for c in self.state.live.tree.cases}
        for case in self.state.tree.cases:
            where = case.location
            if where is None:
                continue
            ident = case.id if case.id is not None else adopted.get((where.file, where.path))
            live = by_id.get(ident) if isinstance(ident, int) else None
            if live is not None:
                yield case, live

    def _custom_edit(self, path: YamlPath, title: str, live: Case) -> Edit:
        value = live.custom_fields.get(title)
        where = (*path, "custom_fields")
        if value is not None:
            return SetField(where, title, _plain(value))
        definition = next(f for f in self.state.live.workspace.custom_fields if f.title == title)
        if definition.default is None:
            return RemoveField(where, title)
        return SetField(where, title, [] if definition.type == "multiselect" else "")

    def _step_edits(
        self, path: YamlPath, desired: Sequence[Step], live: Sequence[Step]
    ) -> list[Edit]:
        """Field by field while the list keeps its shape; else the whole list."""
        if not self._same_shape(desired, live):
            value = [self._step_data(s) for s in live]
            return [_field_edit(path, "steps", value)]
        edits: list[Edit] = []
        for index, (mine, theirs) in enumerate(zip(desired, live, strict=True)):
            if mine.reference:
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
            (not mine.reference and not theirs.reference)
            or (mine.workspace is not None and mine.workspace == theirs.workspace)
            or (
                mine.shared is not None and mine.shared == self.state.names.get(theirs.shared or "")
            )
            for mine, theirs in zip(desired, live, strict=True)
        )

    def _step_data(self, step: Step) -> dict[str, Any]:
        if step.shared is not None:
            return {"shared": self.state.names.get(step.shared, step.shared)}
        if step.workspace is not None:
            return {"workspace_shared": step.workspace}
        data: dict[str, Any] = {"action": _block(step.action)}
        data.update({n: _block(getattr(step, n)) for n in _STEP_TEXT[1:] if text(getattr(step, n))})
        if step.steps:
            data["steps"] = [self._step_data(s) for s in step.steps]
        return data

    def _suite_update(self, desired: Suite, live: Suite, fields: Sequence[str]) -> None:
        assert desired.location is not None
        file = desired.location.file
        if "parent" in fields:
            self.state.skipped.append(
                f"suite #{live.id} {live.title!r} was moved live: move its folder "
                f"{desired.key}/ by hand"
            )
        pulled = [n for n in fields if n != "parent"]
        self.state.add(file, [_field_edit((), n, _block(getattr(live, n))) for n in pulled])
        if pulled:
            self.state.summary.append(
                f"~ suite #{live.id} {live.title!r} ({file}): {', '.join(pulled)}"
            )

    def _shared_update(self, desired: SharedStep, live: SharedStep) -> None:
        assert desired.location is not None
        file, path = desired.location.file, desired.location.path
        edits: list[Edit] = []
        changed = []
        if text(desired.title) != text(live.title):
            edits.append(_field_edit(path, "title", live.title))
            changed.append("title")
        steps = self._step_edits(path, desired.steps, live.steps)  # none: the same steps
        if steps:
            edits += steps
            changed.append("steps")
        self.state.add(file, edits)
        self.state.summary.append(f"~ shared step {desired.key!r} ({file}): {', '.join(changed)}")


# --- values -------------------------------------------------------------------------------


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


def _field_edit(path: YamlPath, name: str, value: Any) -> Edit:
    """Set ``name`` to ``value``, or remove it when the value is empty (``action`` stays)."""
    empty = value is None or value == "" or value == [] or value == {}
    if empty and name != "action":
        return RemoveField(path, name)
    return SetField(path, name, "" if value is None else value)


def _block(value: str) -> str:
    """Multi-line text ending in a newline, so that it reads as a plain ``|`` block."""
    return value + "\n" if "\n" in value.strip("\n") and not value.endswith("\n") else value


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
