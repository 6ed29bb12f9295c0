"""Where each id of a write-back record goes in a tree that others edited since the apply
that wrote it (docs/design.md §7): `place`, the rules in its docstring. Pure: it reads only
the `Tree` it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from qasesync.model import Assignment, Location, Tree
from qasesync.tree.idrecord import Written, YamlPath, group_of, path_text, slots


@dataclass(frozen=True)
class Placed:
    """A written id found again: ``now`` is the item as the tree holds its entity now (its
    title, folder, file, path and line there); ``note`` says how it was found when not at
    its old place (``reordered``, ``moved from …``, ``retitled from …``)."""

    item: Written
    now: Written
    note: str = ""

    @property
    def location(self) -> Location:
        return Location(self.now.file, self.now.line, 1, self.now.path)

    @property
    def assignment(self) -> Assignment:
        return Assignment(self.location, self.item.key, self.item.value)


@dataclass(frozen=True)
class LeftOut:
    """A written id that has no place in the tree as it is now, and why."""

    item: Written
    reason: str


@dataclass
class Placement:
    """`place`'s answer: ids to write, ids the tree holds already, ids without a place."""

    placed: list[Placed] = field(default_factory=list)
    present: list[Placed] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)


class _Tree:
    """The slots of a tree, indexed, and which of them `place` has given an item."""

    def __init__(self, tree: Tree) -> None:
        self.slots = list(slots(tree))
        self.taken: set[int] = set()
        self._places: dict[tuple[str, str, YamlPath], int] = {}
        self._lists: dict[tuple[str, str, Any], list[int]] = {}
        for index, slot in enumerate(self.slots):
            where = slot.location
            self._places[(slot.entity, where.file, where.path)] = index
            self._lists.setdefault(("value", slot.entity, slot.value), []).append(index)
            self._lists.setdefault(("title", slot.entity, slot.title.strip()), []).append(index)
            self._lists.setdefault(("file", slot.entity, where.file), []).append(index)

    def free(self, item: Written, index: int) -> bool:
        """Whether the slot may take ``item``: untaken, and holding no value or the stale one."""
        slot = self.slots[index]
        return index not in self.taken and slot.value in (None, item.old)

    def at(self, item: Written) -> int | None:
        """The slot at the item's file and path."""
        return self._places.get((item.entity, item.file, item.path))

    def carrying(self, item: Written) -> list[int]:
        return self._lists.get(("value", item.entity, item.value), [])

    def titled(self, item: Written) -> list[int]:
        return self._lists.get(("title", item.entity, item.title.strip()), [])

    def in_file(self, item: Written) -> list[int]:
        return self._lists.get(("file", item.entity, item.file), [])


def place(tree: Tree, written: Sequence[Written]) -> Placement:
    """Find the entity each written id or hash belongs to in ``tree``, as others left it.

    Rule by rule, each over all the items still unplaced, so that a weaker rule never takes
    an entity a stronger one gives another item:

    0. an entity of the kind that carries the value already: nothing to write;
    1. the entity at the same file and YAML path, with the same (trimmed) title; one that
       carries another value is an error;
    2. the entity with that title in the same file, else in the same group (a case's suite
       folder, a suite's parent folder, the shared steps): moved, or reordered;
    3. the entity at the same file and path under another title, when it is the only entity
       of the file without a value that no item took: retitled.

    In rules 2 and 3 an entity qualifies only when it carries no value (or the stale value the
    write replaced); two that qualify for rule 2 leave the item out. What no rule places is
    left out, with the reason.
    """
    state = _Tree(tree)
    placement = Placement()
    pending: list[Written] = []
    for item in written:
        present = _present(item, state)
        if present is None:
            pending.append(item)
        else:
            placement.present.append(present)
    outcomes: dict[int, Placed | LeftOut] = {}
    for rule in (_same_place, _same_title, _retitled):
        for number, item in enumerate(pending):
            if number not in outcomes:
                outcome = rule(item, state)
                if outcome is not None:
                    outcomes[number] = outcome
    for number, item in enumerate(pending):
        outcome = outcomes.get(number) or LeftOut(item, _not_found(item))
        if isinstance(outcome, Placed):
            placement.placed.append(outcome)
        else:
            placement.left_out.append(outcome)
    return placement


def _take(state: _Tree, index: int, item: Written, note: str = "") -> Placed:
    state.taken.add(index)
    slot = state.slots[index]
    where = slot.location
    now = replace(
        item,
        title=slot.title,
        folder=slot.folder,
        file=where.file,
        path=where.path,
        line=where.line,
        old=slot.value,
    )
    return Placed(item, now, note)


def _present(item: Written, state: _Tree) -> Placed | None:
    for i in state.carrying(item):
        if i not in state.taken:
            return _take(state, i, item)
    return None


def _same_place(item: Written, state: _Tree) -> Placed | LeftOut | None:
    index = state.at(item)
    if index is None or state.slots[index].title.strip() != item.title.strip():
        return None
    slot = state.slots[index]
    if slot.value not in (None, item.old):
        return LeftOut(item, f"{slot.location} carries {item.key} {slot.value}")
    return _take(state, index, item) if state.free(item, index) else None


def _same_title(item: Written, state: _Tree) -> Placed | LeftOut | None:
    named = [i for i in state.titled(item) if state.free(item, i)]
    for scope in (
        [i for i in named if state.slots[i].location.file == item.file],
        [i for i in named if state.slots[i].group == group_of(item.entity, item.folder)],
    ):
        if len(scope) == 1:
            where = state.slots[scope[0]].location
            moved = "reordered" if where.file == item.file else f"moved from {item.file}"
            return _take(state, scope[0], item, moved)
        if scope:
            places = ", ".join(str(state.slots[i].location) for i in scope)
            return LeftOut(
                item, f"{len(scope)} entities of this title without {item.key}: {places}"
            )
    return None


def _retitled(item: Written, state: _Tree) -> Placed | None:
    index = state.at(item)
    if index is None or not state.free(item, index):
        return None
    if [i for i in state.in_file(item) if state.free(item, i)] != [index]:
        return None
    return _take(state, index, item, f"retitled from {item.title!r}")


def _folder_text(folder: str) -> str:
    return f"{folder}/" if folder else "the tree root"


def _not_found(item: Written) -> str:
    at = f"{path_text(item.path)} of {item.file}" if item.path else item.file
    if item.entity == "suite":
        parent = _folder_text(group_of(item.entity, item.folder))
        return f"no folder {item.folder}/, and no suite of this title in {parent}"
    if item.entity == "shared_step":
        return f"no shared step of this title, and none retitled at {at}"
    return f"no case of this title in {_folder_text(item.folder or '')}, and none retitled at {at}"
