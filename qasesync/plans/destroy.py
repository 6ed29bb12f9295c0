"""The destroy limit, ``max_destroy`` (docs/design.md §5): how many live cases one apply
may deprecate or delete. Pure.

Cases fall into two pools by their live status, each limited by the same setting:

- the **active** cases in scope (``actual`` and ``draft``): a deprecation, a deletion, or an
  update that sets the status to ``deprecated`` takes one away;
- the **deprecated** cases in scope: under ``prune: delete`` a deletion takes one away.

Deprecated cases never count towards the active pool, so pruning cannot loosen the limit
for the next prune. The pools are of the live project as read now (`InScope`, which the
planner builds); the changes counted are those of the plan to apply, whichever plan that
is. A saved plan's own figures are never read back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qasesync.errors import SafetyError
from qasesync.model import Case, MaxDestroy

if TYPE_CHECKING:
    from qasesync.plans.plan import Change

DEPRECATED = "deprecated"
#: What the warning of a plan over the limit says after the refusal (`planner`); a saved
#: plan's copy of it is not compared with the plan made again (`apply.applier`).
REFUSED_IN_PLAN = "; apply refuses this plan unless given --allow-destroy"


@dataclass(frozen=True)
class InScope:
    """The ids of the live cases in scope, active (actual or draft) and deprecated."""

    active: frozenset[int] = frozenset()
    deprecated: frozenset[int] = frozenset()

    @staticmethod
    def of(cases: Iterable[Case]) -> InScope:
        known = [(c.id, c.status == DEPRECATED) for c in cases if c.id is not None]
        return InScope(
            frozenset(i for i, deprecated in known if not deprecated),
            frozenset(i for i, deprecated in known if deprecated),
        )

    def counts(self) -> dict[str, int]:
        return {"active": len(self.active), "deprecated": len(self.deprecated)}


@dataclass(frozen=True)
class Pool:
    """What a plan takes from one pool of cases in scope."""

    status: str  # "active" or "deprecated"
    in_scope: int
    deprecating: int = 0
    deleting: int = 0

    @property
    def taken(self) -> int:
        return self.deprecating + self.deleting

    def over(self, limit: MaxDestroy) -> bool:
        return self.taken > limit.allowed(self.in_scope)

    def text(self, limit: MaxDestroy) -> str:
        """``deprecate 80 of 180 active cases in scope (44.4 %)``"""
        verbs = [
            f"{verb} {n}"
            for verb, n in (("deprecate", self.deprecating), ("delete", self.deleting))
            if n
        ]
        share = f" ({_percent(self.taken * 100 / self.in_scope, limit)})" if self.in_scope else ""
        return f"{' and '.join(verbs)} of {self.in_scope} {self.status} cases in scope{share}"


@dataclass(frozen=True)
class Refusal:
    """The pools a plan takes too much from, and the limit it breaks."""

    pools: tuple[Pool, ...]
    limit: MaxDestroy

    def __str__(self) -> str:
        """``would deprecate 80 of 180 active cases in scope (44 %), above max_destroy 25 %``"""
        taken = " and ".join(pool.text(self.limit) for pool in self.pools)
        default = "" if self.limit.explicit else " (the default, which allows at least 1)"
        return f"would {taken}, above max_destroy {self.limit}{default}"

    @property
    def setting(self) -> str:
        """Where to change the limit: ``raise max_destroy in qasesync.yaml:5``."""
        where = self.limit.location
        if where is None:
            return "set max_destroy in qasesync.yaml"
        return f"raise max_destroy in {where.file}:{where.line}"


def pools(changes: Iterable[Change], in_scope: InScope) -> tuple[Pool, Pool]:
    """What ``changes`` take from the active and the deprecated cases in scope. A case
    counts in the pool of its live status as ``in_scope`` has it, not as a plan says."""
    taken: Counter[tuple[str, str]] = Counter()
    for change in changes:
        how = _takes(change)
        if how is not None and isinstance(change.live, Case):
            status = "deprecated" if change.live.id in in_scope.deprecated else "active"
            taken[status, how] += 1
    active = Pool("active", len(in_scope.active), *_kinds(taken, "active"))
    return active, Pool("deprecated", len(in_scope.deprecated), *_kinds(taken, "deprecated"))


def _kinds(taken: Counter[tuple[str, str]], status: str) -> tuple[int, int]:
    return taken[status, "deprecate"], taken[status, "delete"]


def _takes(change: Change) -> str | None:
    """``deprecate`` or ``delete`` when ``change`` takes a case away, else None."""
    if change.entity != "case":
        return None
    if change.kind in ("deprecate", "delete"):
        return change.kind
    desired = change.desired
    if change.kind == "update" and "status" in change.fields and isinstance(desired, Case):
        return "deprecate" if desired.status == DEPRECATED else None
    return None


def check(changes: Iterable[Change], in_scope: InScope, limit: MaxDestroy) -> Refusal | None:
    """Why ``changes`` break ``limit``, or None when they keep it."""
    over = tuple(pool for pool in pools(changes, in_scope) if pool.over(limit))
    return Refusal(over, limit) if over else None


def refuse(changes: Iterable[Change], in_scope: InScope, limit: MaxDestroy) -> None:
    """Raise `SafetyError` when ``changes`` break ``limit`` (apply without --allow-destroy)."""
    refusal = check(changes, in_scope, limit)
    if refusal is not None:
        raise SafetyError(f"{refusal}; rerun with --allow-destroy or {refusal.setting}")


def _percent(share: float, limit: MaxDestroy) -> str:
    """``44 %``, ``28.3 %``: a whole number when it is one to a tenth; more digits when a
    share just above a percent limit would read as the limit itself (``25.04 %``)."""
    shown = f"{share:.1f}".removesuffix(".0")
    if limit.percent and share > limit.value and float(shown) <= limit.value:
        shown = f"{share:.3f}".rstrip("0")
    return f"{shown} %"
