"""Large plans for a human: many changes rolled up per kind and per field.

More than `ROLLUP_AT` changes (besides conflicts, deprecations and deletions) are shown as
one line per kind of change and changed field (``~ 1,812 cases: description changed``)
with a few examples, instead of one block per change, and counted per suite. Deprecations,
deletions and conflicts are never rolled up in the text plan: the renderers list them in
full, first. Pure: it groups changes; `qasesync.plans.render` formats the lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qasesync.plans.plan import KINDS, Change, EntityKind, Kind

#: More changes than this are rolled up (``plan --full`` lists each).
ROLLUP_AT = 100
#: Examples named under each rolled-up line.
EXAMPLES = 3
PLURALS = {"case": "cases", "suite": "suites", "shared_step": "shared steps"}
SINGULARS = {"case": "case", "suite": "suite", "shared_step": "shared step"}
_DONE = {"create": "to create", "deprecate": "to deprecate", "delete": "to delete"}


@dataclass(frozen=True)
class Rolled:
    """One rolled-up line: ``count`` changes of ``kind`` to ``entity`` entities, with
    ``what`` they do (``description changed``) and the first few of them."""

    kind: Kind
    entity: EntityKind
    what: str
    count: int
    examples: tuple[Change, ...]

    def text(self) -> str:
        """``1,812 cases: description changed``, ``3 suites to create``."""
        noun = SINGULARS[self.entity] if self.count == 1 else PLURALS[self.entity]
        joiner = ": " if self.kind == "update" else " "
        return f"{self.count:,} {noun}{joiner}{self.what}"


def rolls_up(changes: Sequence[Change], at: int | None) -> bool:
    """Whether ``changes`` are rolled up (``at`` None: never)."""
    return at is not None and len(changes) > at


def rolled(changes: Iterable[Change]) -> list[Rolled]:
    """The changes counted per kind, entity and changed field, in the order of `KINDS`
    and then of first appearance; an update of several fields counts under each."""
    keyed: dict[tuple[Kind, EntityKind, str], list[Change]] = {}
    for change in changes:
        for what in _whats(change):
            keyed.setdefault((change.kind, change.entity, what), []).append(change)
    lines = [
        Rolled(kind, entity, what, len(found), tuple(found[:EXAMPLES]))
        for (kind, entity, what), found in keyed.items()
    ]
    return sorted(lines, key=lambda line: KINDS.index(line.kind))


def _whats(change: Change) -> list[str]:
    if change.kind != "update":
        return [_DONE[change.kind]]
    fields = dict.fromkeys(field_of(d.path) for d in change.diffs)
    return [f"{field} changed" for field in fields] or ["updated"]


def field_of(path: str) -> str:
    """The field a diff path is about: ``steps[2].action`` → ``steps``; a custom field
    keeps its whole name (``custom_fields.Layer``)."""
    if path.startswith("custom_fields."):  # its title may hold "[" or "."
        return path
    return path.split("[", 1)[0].split(".", 1)[0]
