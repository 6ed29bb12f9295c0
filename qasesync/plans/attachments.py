"""Attachments stay with their steps (docs/design.md §5). Pure.

Qase replaces a case's (or a shared step's) whole step list on every steps write, and a
step sent without its attachment hashes loses its files. The tree cannot name them, so
`carry` gives each live step's attachments to the desired step that takes its place:
the step with the same text (action, expected result and data, trimmed), wherever it
moved; else the step in its place when only its text changed: the live and desired lists
aligned, a run of live steps replaced by a run of as many desired steps pairs them by
position (a place taken by no step of unchanged text); where steps were inserted or
removed around an edited step, nothing is in its place. A live step holding attachments
that no desired step takes is *lost*: the planner refuses the plan, unless the user
accepts the loss.
Nested steps are carried the same way inside each pair.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from qasesync.model import Step
from qasesync.plans.normalise import text


@dataclass(frozen=True)
class Lost:
    """A live step whose attachments no desired step takes: its path in the live step
    list (``steps[3]``, ``steps[2].steps[1]``, 1-based), its action and how many files."""

    path: str
    action: str
    count: int

    def __str__(self) -> str:
        files = "1 attachment" if self.count == 1 else f"{self.count} attachments"
        return f"{self.path} {text(self.action)!r} ({files})"


@dataclass(frozen=True)
class Carried:
    """The desired steps with the live attachments carried in; how many files they keep;
    the live steps whose files they would lose."""

    steps: tuple[Step, ...]
    kept: int = 0
    lost: tuple[Lost, ...] = ()


def carry(live: tuple[Step, ...], desired: tuple[Step, ...], path: str = "steps") -> Carried:
    """``desired`` with each live step's attachments on the step that takes its place."""
    pairs = _pairs(live, desired)
    out: list[Step] = []
    kept, lost = 0, list[Lost]()
    for index, step in enumerate(desired):
        source = pairs.get(index)
        if source is None:
            out.append(step)
            continue
        inner = carry(live[source].steps, step.steps, f"{path}[{source + 1}].steps")
        out.append(replace(step, attachments=live[source].attachments, steps=inner.steps))
        kept += len(live[source].attachments) + inner.kept
        lost += inner.lost
    taken = set(pairs.values())
    for index, step in enumerate(live):
        if index not in taken:
            lost += held(step, f"{path}[{index + 1}]")
    return Carried(tuple(out), kept, tuple(lost))


def held(step: Step, path: str) -> list[Lost]:
    """The attachments a live step and its nested steps hold, as losses."""
    if step.reference:  # a shared step's files are its own, not the case's
        return []
    found = [Lost(path, step.action, len(step.attachments))] if step.attachments else []
    for index, inner in enumerate(step.steps):
        found += held(inner, f"{path}.steps[{index + 1}]")
    return found


def count(steps: tuple[Step, ...]) -> int:
    """How many attachments a step list holds, nested steps included."""
    return sum(len(s.attachments) + count(s.steps) for s in steps if not s.reference)


def _pairs(live: tuple[Step, ...], desired: tuple[Step, ...]) -> dict[int, int]:
    """Desired index → the live index whose attachments it takes: a step of unchanged text
    at its own place first (so that steps sharing a text keep theirs), then by text in
    order, then by position."""
    pairs = {
        index: index
        for index, step in enumerate(live[: len(desired)])
        if _own(step) and _own(desired[index]) and _key(step) == _key(desired[index])
    }
    free: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for index, step in enumerate(desired):
        if _own(step) and index not in pairs:
            free[_key(step)].append(index)
    changed: list[int] = []
    for index, step in enumerate(live):
        if not _own(step) or pairs.get(index) == index:
            continue
        slots = free.get(_key(step))
        if slots:
            pairs[slots.pop(0)] = index
        elif held(step, ""):
            changed.append(index)
    places = _places(live, desired)
    for index in changed:  # only the text changed: the step in its place
        place = places.get(index)
        if place is not None and _own(desired[place]) and place not in pairs:
            pairs[place] = index
    return pairs


def _places(live: tuple[Step, ...], desired: tuple[Step, ...]) -> dict[int, int]:
    """Live index → the desired index in its place: the two lists aligned (difflib), a
    step is in the place of one that a run of as many steps replaced; where steps were
    inserted or removed around it, no step is in its place."""
    matcher = SequenceMatcher(None, _slots(live), _slots(desired), autojunk=False)
    places: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "replace") and i2 - i1 == j2 - j1:
            places.update(zip(range(i1, i2), range(j1, j2), strict=True))
    return places


def _slots(steps: tuple[Step, ...]) -> list[tuple[str, ...]]:
    return [("shared", str(s.shared or s.workspace)) if s.reference else _key(s) for s in steps]


def _own(step: Step) -> bool:
    return not step.reference


def _key(step: Step) -> tuple[str, str, str]:
    return text(step.action), text(step.expected_result), text(step.data)
