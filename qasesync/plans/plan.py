"""The plan as a value: changes, their order, counts, the safety limit, fingerprints, JSON.

A `Plan` is what `planner.plan` returns, what `render` shows and what `apply`
executes. Its JSON form (``plan --out``, ``format_version`` 3) is what a reviewer
approved: each change's kind, entity, name, place and live id, the fields it sends,
its diffs with their values as JSON values, a fingerprint of the live entity it
concerns, and the whole desired entity of a creation. ``apply --plan`` plans again
and runs that plan only when it is the saved one (`qasesync.apply.applier.check_fresh`):
a plan read back is for showing and comparing (``Plan.saved``), never run itself.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass
from enum import IntEnum
from functools import cache
from typing import Any, Literal, Union

from qasesync.errors import SafetyError
from qasesync.model import (
    Assignment,
    Case,
    Location,
    MaxDestroy,
    SharedStep,
    Step,
    Suite,
    Tree,
    as_custom_value,
)
from qasesync.plans.destroy import InScope
from qasesync.plans.threeway import Record

FORMAT_VERSION = 3
#: The service's limit of cases in one ``POST /case/bulk``.
BULK_SIZE = 100
#: The first batch of apply's adaptive bulk size (`qasesync.apply.bulksize`), which at
#: most doubles from one batch to the next.
FIRST_BULK = 20

Kind = Literal["create", "update", "deprecate", "delete"]
#: Who changed a field since the last sync: the tree (a change apply makes), Qase (drift),
#: or both, differently (a conflict). docs/design.md §11.
Side = Literal["change", "drift", "conflict"]
EntityKind = Literal["suite", "shared_step", "case"]
Entity = Union[Case, Suite, SharedStep]  # noqa: UP007 (a runtime alias on 3.10)
KINDS: tuple[Kind, ...] = ("create", "update", "deprecate", "delete")


class Phase(IntEnum):
    """The steps of an apply, in their order (docs/design.md §6). A plan holds its changes
    sorted by phase; the applier runs a phase once the ones before it are done."""

    SUITES = 0  # created, updated and moved, parents first
    SHARED_STEPS = 1  # created and updated
    CASES = 2  # created, then patched
    CASE_PRUNES = 3  # deprecated or deleted
    SHARED_STEP_DELETES = 4
    SUITE_DELETES = 5  # children first


@dataclass(frozen=True)
class FieldDiff:
    """One line of a change: ``path: before → after``, or ``path: +added −removed`` for sets.

    ``before``, ``after`` and ``base`` are JSON values (text, numbers, lists; a step as
    an object); ``None`` means absent. A change's diffs are live → tree; a drift's are
    tree (the base) → live; a conflict's are live → tree, with the ``base`` value both
    sides changed from. `qasesync.plans.render.shown` quotes a value for display.
    """

    path: str
    before: Any = None
    after: Any = None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    side: Side = "change"
    base: Any = None


@dataclass(frozen=True)
class Fingerprint:
    """What a live entity looked like when planned: its ``updated_at`` and a content hash."""

    updated_at: str | None
    sha256: str


@dataclass(frozen=True)
class Message:
    """A warning or a note, with the YAML place it concerns when there is one."""

    text: str
    location: Location | None = None

    def __str__(self) -> str:
        return f"{self.location}: {self.text}" if self.location else self.text


@dataclass(frozen=True)
class Change:
    """One operation of a plan.

    ``desired`` is the tree's entity with defaults resolved (enums filled in, custom
    fields completed); ``live`` the live entity it concerns. ``fields`` names what an
    update sends (model field names; ``custom_fields.<Title>`` for one custom field).
    ``suite`` is the display path of the suite the change belongs to, for grouping.
    ``synced`` is what the base records for the entity once the change is done (the
    fields it makes agree; `qasesync.plans.threeway`).
    """

    kind: Kind
    entity: EntityKind
    name: str
    desired: Entity | None = None
    live: Entity | None = None
    fields: tuple[str, ...] = ()
    diffs: tuple[FieldDiff, ...] = ()
    fingerprint: Fingerprint | None = None
    suite: str = ""
    used_by: tuple[int, ...] = ()
    synced: Mapping[str, Any] | None = None

    @property
    def location(self) -> Location | None:
        return self.desired.location if self.desired is not None else None

    @property
    def live_id(self) -> int | str | None:
        """The live case or suite id, or the shared step's hash."""
        if isinstance(self.live, SharedStep):
            return self.live.hash
        return self.live.id if self.live is not None else None

    @property
    def phase(self) -> Phase:
        """The apply phase this change belongs to. The planner emits the changes of each
        phase in their order (parents first; deleted suites children first), and a stable
        sort on the phase keeps it."""
        deleting = self.kind in ("deprecate", "delete")
        if self.entity == "suite":
            return Phase.SUITE_DELETES if deleting else Phase.SUITES
        if self.entity == "shared_step":
            return Phase.SHARED_STEP_DELETES if deleting else Phase.SHARED_STEPS
        return Phase.CASE_PRUNES if deleting else Phase.CASES


@dataclass(frozen=True)
class Plan:
    """The operations that make the live project match the tree, in execution order.

    ``suite_ids`` maps each desired suite key (folder path) matched with a live suite
    to that suite's id; ``shared_hashes`` maps each matched shared-step key to its
    live hash: the applier resolves references through them and through what it creates.
    ``adoptions`` are the ids and hashes of the tree's entities that matched a live one by
    title: apply writes them into the YAML (they change nothing in Qase, so they are not
    changes). ``ignore_fields`` are the tree's: apply leaves them out of what it creates.

    Three-way (docs/design.md §11): ``drift`` lists what changed in Qase since the last
    sync and is left alone (``drift: keep``); ``conflicts`` the entities both sides
    changed differently (a plan with any is refused); ``synced`` the base records of
    entities that need no change; ``two_way`` is True when the tree holds ids but no base
    record, so that changes made in Qase cannot be told apart (the plan says so);
    ``drift_mode`` is the tree's ``drift`` setting; ``bulk_size`` its ``bulk_size`` (for
    the request estimate).

    ``in_scope`` (the live cases in scope, by status) and ``max_destroy`` are what the
    planner checked the destroy limit against (`qasesync.plans.destroy`). The saved plan
    shows them, but reads neither back: apply checks a saved plan's changes against the
    live project as it reads it then. ``shown_figures`` keeps the saved plan's figures as
    read, only for `show` to print the file again as it is.

    ``saved`` marks a plan read back from its file: its entities other than creations
    are stubs (`_stub`), and the applier refuses to run it.
    """

    project: str
    changes: tuple[Change, ...] = ()
    warnings: tuple[Message, ...] = ()
    notes: tuple[Message, ...] = ()
    suite_ids: Mapping[str, int] = field(default_factory=dict)
    shared_hashes: Mapping[str, str] = field(default_factory=dict)
    in_scope: InScope = InScope()  # noqa: RUF009 (frozen, so shared safely)
    max_destroy: MaxDestroy | None = None
    shown_figures: Mapping[str, Any] | None = field(default=None, compare=False)
    tree_fingerprint: str = ""
    adoptions: tuple[Assignment, ...] = ()
    ignore_fields: frozenset[str] = frozenset()
    drift: tuple[Change, ...] = ()
    conflicts: tuple[Change, ...] = ()
    synced: tuple[Record, ...] = ()
    two_way: bool = False
    drift_mode: str = "keep"
    bulk_size: int | None = None
    saved: bool = field(default=False, compare=False)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def by_phase(self) -> dict[Phase, list[Change]]:
        """The changes of each phase (every phase present), in plan order."""
        phases: dict[Phase, list[Change]] = {phase: [] for phase in Phase}
        for change in self.changes:
            phases[change.phase].append(change)
        return phases

    def counts(self) -> dict[Kind, int]:
        """How many changes of each kind, every kind present (zero included)."""
        counted = Counter(change.kind for change in self.changes)
        return {kind: counted[kind] for kind in KINDS}

    def refused(self) -> str | None:
        """Why neither this plan nor its apply may go on (conflicts; drift under
        ``drift: fail``), or None. The plan is still shown whole."""
        if self.conflicts:
            return (
                f"{_count(len(self.conflicts), 'entity was', 'entities were')} changed both in "
                "the tree and in Qase since the last sync; resolve the conflicts shown first"
            )
        if self.drift and self.drift_mode == "fail":
            return (
                f"{_count(len(self.drift), 'entity was', 'entities were')} changed in Qase since "
                "the last sync, and qasesync.yaml says `drift: fail`; run `qasesync pull`"
            )
        return None

    def estimate_requests(self) -> int:
        """About how many API requests apply makes: one per suite, shared step, patch,
        deprecation and deletion; case creations in bulk batches (`bulk_batches`), except
        a case with non-default automation (its own request); one attach and one detach
        of external issues when any change touches them."""
        creates = [c for c in self.changes if c.entity == "case" and c.kind == "create"]
        ignored = self.ignore_fields
        single = sum(
            1 for c in creates if _automation(c) != "manual" and "automation" not in ignored
        )
        batches = bulk_batches(len(creates) - single, self.bulk_size)
        others = len(self.changes) - len(creates) - sum(map(_issues_only, self.changes))
        issues = 0 if "external_issues" in ignored else _issue_requests(self.changes)
        return single + batches + others + issues

    def estimate_seconds(self, rate_per_minute: float) -> float:
        return self.estimate_requests() * 60.0 / rate_per_minute

    def to_json(self) -> dict[str, Any]:
        """The saved plan (``--out``), JSON-ready."""
        return {name: member() for name, member in self.json_members()}

    def json_members(self) -> Iterator[tuple[str, Callable[[], Any]]]:
        """Each member of `to_json`, in its order, with what makes its value (so that a
        caller can make and drop one at a time); a list of changes also by change
        (`change_lists`)."""
        yield "format_version", lambda: FORMAT_VERSION
        yield "project", lambda: self.project
        yield "tree_fingerprint", lambda: self.tree_fingerprint
        yield "summary", self.counts
        for name, value in self._figures().items():
            yield name, _constant(value)
        yield "suite_ids", lambda: dict(self.suite_ids)
        yield "shared_hashes", lambda: dict(self.shared_hashes)
        yield "changes", lambda: [_change_json(c) for c in self.changes]
        yield "warnings", lambda: [_message_json(m) for m in self.warnings]
        yield "notes", lambda: [_message_json(m) for m in self.notes]
        yield "adoptions", lambda: [_adoption_json(a) for a in self.adoptions]
        yield "ignore_fields", lambda: sorted(self.ignore_fields)
        yield "two_way", lambda: self.two_way
        yield "drift_mode", lambda: self.drift_mode
        yield "bulk_size", lambda: self.bulk_size
        yield "drift", lambda: [_change_json(c) for c in self.drift]
        yield "conflicts", lambda: [_change_json(c) for c in self.conflicts]

    def change_lists(self) -> dict[str, tuple[Change, ...]]:
        """The members of `to_json` that list changes, and their changes."""
        return {"changes": self.changes, "drift": self.drift, "conflicts": self.conflicts}

    def _figures(self) -> dict[str, Any]:
        """The destroy limit's figures, to show (apply counts the live project again)."""
        if self.shown_figures is not None:
            return dict(self.shown_figures)
        limit = str(self.max_destroy) if self.max_destroy else None
        return {"cases_in_scope": self.in_scope.counts(), "max_destroy": limit}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Plan:
        """Read a saved plan back; refuse a format version this build does not know
        (`SafetyError`) and JSON that is not the shape ``plan --out`` writes (`ValueError`
        naming the place, `qasesync.plans.planshape`) or not what it writes of the plan
        read (`_check_as_written`). The figures of the destroy limit
        are kept only to be shown: apply works them out again."""
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise SafetyError(
                f"saved plan has format_version {version!r}; expected {FORMAT_VERSION} "
                "(plan again with this qasesync)"
            )
        from qasesync.plans.planshape import check_saved  # it imports this module

        check_saved(data)
        bulk_size = data["bulk_size"]
        if bulk_size is not None and not 1 <= bulk_size <= BULK_SIZE:
            raise ValueError(f"bulk_size: {bulk_size} is not from 1 to {BULK_SIZE}")
        plan = Plan(
            project=data["project"],
            changes=tuple(_change_from(c) for c in data["changes"]),
            warnings=tuple(_message_from(m) for m in data["warnings"]),
            notes=tuple(_message_from(m) for m in data["notes"]),
            suite_ids=dict(data["suite_ids"]),
            shared_hashes=dict(data["shared_hashes"]),
            tree_fingerprint=data["tree_fingerprint"],
            adoptions=tuple(_adoption_from(a) for a in data["adoptions"]),
            ignore_fields=frozenset(data["ignore_fields"]),
            drift=tuple(_change_from(c) for c in data["drift"]),
            conflicts=tuple(_change_from(c) for c in data["conflicts"]),
            two_way=data["two_way"],
            drift_mode=data["drift_mode"],
            bulk_size=bulk_size,
            shown_figures={k: data.get(k) for k in ("cases_in_scope", "max_destroy")},
            saved=True,
        )
        _check_as_written(plan, data)
        return plan


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def _check_as_written(plan: Plan, data: Mapping[str, Any]) -> None:
    """Refuse (`ValueError`) a saved plan that is not what ``plan --out`` writes of the
    plan read from it: a summary that does not count its changes, a value reading back
    drops or takes for another (``true`` for ``1``, an id as text), so that what a
    reviewer reads in the file is what `show` shows and what `check_fresh` compares.
    A change at a time: a large plan is not held twice."""
    lists = plan.change_lists()
    for key, member in plan.json_members():
        if key in lists:
            for index, change in enumerate(lists[key]):
                if canonical_json(_change_json(change)) != canonical_json(data[key][index]):
                    raise ValueError(f"{key}[{index}]: not as `plan --out` writes it")
        elif canonical_json(member()) != canonical_json(data[key]):
            raise ValueError(f"{key}: not as `plan --out` writes it")


def canonical_json(value: Any) -> str:
    """JSON text that tells apart what ``==`` does not (``true``, ``1``, ``1.0``): how a
    saved plan is compared, with what it reads back as and with a plan made again."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def bulk_batches(cases: int, fixed: int | None) -> int:
    """How many bulk creates carry ``cases``: batches of ``fixed`` (the ``bulk_size``
    setting), else the fewest the adaptive size allows (20, 40, 80, then 100 a batch, as
    when every batch answers fast; a slow service makes more)."""
    if fixed is not None:
        return math.ceil(cases / fixed)
    batches, size = 0, FIRST_BULK
    while cases > 0:
        cases -= size
        batches += 1
        size = min(BULK_SIZE, 2 * size)
    return batches


def _count(count: int, one: str, many: str) -> str:
    return f"1 {one}" if count == 1 else f"{count} {many}"


def _automation(change: Change) -> str:
    desired = change.desired
    return (desired.automation or "manual") if isinstance(desired, Case) else "manual"


def _issue_requests(changes: tuple[Change, ...]) -> int:
    touching = [c for c in changes if c.entity == "case" and _touches_issues(c)]
    attach = any(
        d.added or d.after for c in touching for d in c.diffs if d.path == "external_issues"
    )
    detach = any(d.removed for c in touching for d in c.diffs if d.path == "external_issues")
    created = any(c.kind == "create" and c.desired and _has_issues(c.desired) for c in touching)
    return int(attach or created) + int(detach)


def _issues_only(change: Change) -> bool:
    """An update of external issues alone: attached and detached, no PATCH of the case."""
    return (
        change.kind == "update"
        and change.entity == "case"
        and change.fields == ("external_issues",)
    )


def _touches_issues(change: Change) -> bool:
    if change.kind == "create":
        return change.desired is not None and _has_issues(change.desired)
    return "external_issues" in change.fields


def _has_issues(entity: Entity) -> bool:
    return isinstance(entity, Case) and bool(entity.external_issues)


# --- fingerprints -------------------------------------------------------------------------


def to_data(value: Any) -> Any:
    """A model value as plain JSON data: dataclasses as objects (every field), tuples as
    lists, frozensets as sorted lists, a number that is no finite number (a tree's
    ``.nan``) as its text, which is how it is compared and sent (`custom_number`): JSON
    has no NaN, and a saved plan holding one could not be read back."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (tuple, list)):
        return [to_data(v) for v in value]
    if isinstance(value, frozenset):
        return sorted(to_data(v) for v in value)
    if isinstance(value, Mapping):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _content(value: Any) -> Any:
    """Like `to_data`, but only the fields that take part in equality."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _content(getattr(value, f.name)) for f in fields(value) if f.compare}
    if isinstance(value, (tuple, list)):
        return [_content(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _content(v) for k, v in value.items()}
    return to_data(value)


def _sha256(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(entity: Entity) -> Fingerprint:
    """The fingerprint of a live entity: the applier recomputes it on a fresh read."""
    return Fingerprint(entity.updated_at, _sha256(_content(entity)))


def tree_fingerprint(tree: Tree) -> str:
    """A hash of everything the loader read, locations included (they guide write-back).

    The entities' ``repr`` is deterministic (dataclasses, strings, numbers, tuples and
    dicts in file order) and seven times faster than walking them; the settings, which
    hold a frozenset (whose order varies between processes), go through `to_data`."""
    digest = hashlib.sha256()
    for part in _tree_repr(tree):
        digest.update(part.encode("utf-8"))
    digest.update(json.dumps(to_data(tree.settings), sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def _tree_repr(tree: Tree) -> Iterator[str]:
    """``repr(replace(tree, settings=None))`` in pieces, one entity at a time: the whole
    text of a 100,000-case tree would take hundreds of megabytes."""
    yield "Tree(settings=None"
    for name in ("suites", "cases", "shared_steps"):
        entities: tuple[Any, ...] = getattr(tree, name)
        yield f", {name}=("
        for index, entity in enumerate(entities):
            yield repr(entity) if index == 0 else f", {entity!r}"
        yield ",)" if len(entities) == 1 else ")"
    yield ")"


# --- JSON ---------------------------------------------------------------------------------


def _message_json(message: Message) -> dict[str, Any]:
    return {"text": message.text, "location": to_data(message.location)}


def _message_from(data: Mapping[str, Any]) -> Message:
    return Message(data["text"], _location_from(data["location"]))


def _adoption_json(adoption: Assignment) -> dict[str, Any]:
    return {"location": to_data(adoption.location), "key": adoption.key, "value": adoption.value}


def _adoption_from(data: Mapping[str, Any]) -> Assignment:
    location = _location_from(data["location"])
    if location is None:
        raise ValueError("an adoption without a location")
    return Assignment(location, data["key"], data["value"])


def _change_json(change: Change) -> dict[str, Any]:
    """A change as the saved plan holds it: what a reviewer sees (its diffs as JSON
    values), the live entity's id and fingerprint, and the whole desired entity of a
    creation only; nothing that defaults."""
    data: dict[str, Any] = {
        "kind": change.kind,
        "entity": change.entity,
        "name": change.name,
        "suite": change.suite,
        "id": change.live_id,
        "location": to_data(change.location),
        "fields": list(change.fields),
        "diffs": [_diff_json(d) for d in change.diffs],
        "fingerprint": to_data(change.fingerprint),
    }
    if change.used_by:
        data["used_by"] = list(change.used_by)
    tree_id = _tree_id(change.desired)
    if tree_id is not None and tree_id != change.live_id:
        data["tree_id"] = tree_id
    if change.kind == "create" and change.desired is not None:
        data["after"] = {k: v for k, v in _compact(change.desired).items() if k != "location"}
    return data


def _tree_id(entity: Entity | None) -> int | str | None:
    """The id (a shared step: the hash) the tree gives an entity, if any."""
    if entity is None:
        return None
    return entity.hash if isinstance(entity, SharedStep) else entity.id


def _compact(value: Any) -> Any:
    """`to_data` without the fields that hold their default."""
    if type(value) in _PLAIN:
        return value
    kind: Any = type(value)  # a class: hashable, whatever the narrowing says
    defaults = _defaults(kind)
    if defaults is None:
        return to_data(value)
    kept = {}
    for name, default in defaults:
        item = getattr(value, name)
        if item == default:
            continue
        kept[name] = [_compact(v) for v in item] if isinstance(item, tuple) else _compact(item)
    return kept


_NO_DEFAULT = object()
#: Values `_compact` keeps as they are (a float goes through `to_data`: it may be NaN).
_PLAIN = frozenset({str, int, bool, type(None)})


@cache
def _defaults(kind: Any) -> tuple[tuple[str, Any], ...] | None:
    """Each field of a dataclass and its default (`_NO_DEFAULT` when it has none); None
    for a type that is no dataclass. Worked out once per class: a saved plan of 100,000
    creations compacts millions of values."""
    if not is_dataclass(kind):
        return None
    return tuple((f.name, _default(f)) for f in fields(kind))


def _default(f: Field[Any]) -> Any:
    if f.default is not MISSING:
        return f.default
    return f.default_factory() if f.default_factory is not MISSING else _NO_DEFAULT


def _diff_json(diff: FieldDiff) -> dict[str, Any]:
    """A diff's values as JSON values; empty parts left out."""
    data: dict[str, Any] = {"path": diff.path}
    for name in ("before", "after", "base"):
        if getattr(diff, name) is not None:
            data[name] = getattr(diff, name)
    for name in ("added", "removed"):
        if getattr(diff, name):
            data[name] = list(getattr(diff, name))
    if diff.side != "change":
        data["side"] = diff.side
    return data


def _change_from(data: Mapping[str, Any]) -> Change:
    """A saved change for `show` and for comparing with a plan made again: a creation's
    entity whole, other entities as stubs holding the name, ids and place shown."""
    entity: EntityKind = data["entity"]
    fp = data["fingerprint"]
    location = _location_from(data["location"])
    desired: Entity | None = None
    if "after" in data:
        desired = _entity_from(entity, {**data["after"], "location": data["location"]})
    elif location is not None or "tree_id" in data:  # the tree's entity, when it has one
        desired = _stub(entity, data["name"], data.get("tree_id", data["id"]), location)
    return Change(
        kind=data["kind"],
        entity=entity,
        name=data["name"],
        desired=desired,
        live=None if data["id"] is None else _stub(entity, data["name"], data["id"], None),
        fields=tuple(data["fields"]),
        diffs=tuple(_diff_from(d) for d in data["diffs"]),
        fingerprint=Fingerprint(fp["updated_at"], fp["sha256"]) if fp else None,
        suite=data["suite"],
        used_by=tuple(data.get("used_by", ())),
    )


def _stub(
    entity: EntityKind, name: str, ident: int | str | None, location: Location | None
) -> Entity:
    """An entity that holds only what a saved change shows of it (never applied)."""
    if entity == "shared_step":
        return SharedStep(key=name, title=name, hash=_text(ident), location=location)
    number = ident if isinstance(ident, int) and not isinstance(ident, bool) else None
    if entity == "suite":
        return Suite(key=name, title=name, id=number, location=location)
    return Case(title=name, id=number, location=location)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _diff_from(data: Mapping[str, Any]) -> FieldDiff:
    return FieldDiff(
        data["path"],
        data.get("before"),
        data.get("after"),
        tuple(data.get("added", ())),
        tuple(data.get("removed", ())),
        data.get("side", "change"),
        data.get("base"),
    )


def _entity_from(entity: EntityKind, data: Mapping[str, Any]) -> Entity:
    if entity == "case":
        return case_from_data(data)
    return suite_from_data(data) if entity == "suite" else shared_from_data(data)


def _location_from(data: Mapping[str, Any] | None) -> Location | None:
    if data is None:
        return None
    return Location(data["file"], data["line"], data["col"], tuple(data["path"]))


def step_from_data(data: Mapping[str, Any]) -> Step:
    """A `Step` from `to_data`'s form; a field left out holds its default."""
    steps = tuple(step_from_data(s) for s in data.get("steps", ()))
    return Step(**{**data, "steps": steps, "attachments": tuple(data.get("attachments", ()))})


def case_from_data(data: Mapping[str, Any]) -> Case:
    """A `Case` from `to_data`'s form; a field left out holds its default."""
    values = dict(data)
    for name in ("tags", "external_issues", "inexpressible"):
        values[name] = tuple(data.get(name, ()))
    custom = data.get("custom_fields", {})
    values["custom_fields"] = {k: as_custom_value(v) for k, v in custom.items()}
    values["parameters"] = {k: tuple(v) for k, v in data.get("parameters", {}).items()}
    values["steps"] = tuple(step_from_data(s) for s in data.get("steps", ()))
    values["location"] = _location_from(data.get("location"))
    return Case(**values)


def suite_from_data(data: Mapping[str, Any]) -> Suite:
    return Suite(**{**data, "location": _location_from(data.get("location"))})


def shared_from_data(data: Mapping[str, Any]) -> SharedStep:
    return SharedStep(
        **{
            **data,
            "steps": tuple(step_from_data(s) for s in data.get("steps", ())),
            "used_by": tuple(data.get("used_by", ())),
            "inexpressible": tuple(data.get("inexpressible", ())),
            "location": _location_from(data.get("location")),
        }
    )
