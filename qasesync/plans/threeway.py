"""Three-way comparison: the tree, the base (the last sync) and the live project, field by
field (docs/design.md §11). Pure.

A *field* is a scalar field of a case, its whole step list, its suite, each custom field,
each parameter list, its external issues, and its tags (which merge per tag). For a field
in which tree and live differ:

- base missing (no record of the entity): a tree change, two-way as before the base;
- live = base: a tree change, applied;
- tree = base: drift, changed in Qase since the last sync;
- neither: a conflict.

Values are compared in their *synced form*: plain JSON data (lists, not tuples), the
form the base record stores, so that a value read back from the file equals a fresh one.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import ItemsView, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from qasesync.model import Base, Synced, live_suite_key

#: The prefix of a reference to a suite or shared step that apply has yet to create; apply
#: puts in the id or hash once it exists (`resolve_new`).
NEW = "(new)"
#: Fields that merge per item: one side's additions and removals both apply.
MERGED = frozenset({"tags"})


def data(value: Any) -> Any:
    """A normalised value as plain JSON data: tuples and frozensets as lists (a frozenset
    sorted), mappings as dicts."""
    if isinstance(value, frozenset):
        return sorted(data(v) for v in value)
    if isinstance(value, (tuple, list)):
        return [data(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): data(v) for k, v in value.items()}
    return value


def field_root(key: str) -> str:
    """The setting name of a field: ``custom_fields.Owner`` → ``custom_fields``."""
    return key.split(".")[0]


def field_key(path: str) -> str:
    """The three-way field a display path belongs to: ``steps[2].action`` → ``steps``,
    ``custom_fields.Owner`` and ``parameters.browser`` stay whole."""
    if path.startswith(("custom_fields.", "parameters.")):
        return path
    return path.split(".")[0].split("[")[0]


@dataclass(frozen=True)
class Sides:
    """Which side changed each differing field since the base."""

    changed: frozenset[str] = frozenset()
    drift: frozenset[str] = frozenset()
    conflict: frozenset[str] = frozenset()


def classify(
    keys: Iterable[str],
    tree: Synced,
    live: Synced,
    base: Synced | None,
    partial: frozenset[str] = frozenset(),
) -> Sides:
    """Attribute each differing field (``keys``) to the tree, to Qase, or to both; a field
    of ``partial`` that the record lacks has no base (the tree's change)."""
    changed: set[str] = set()
    drift: set[str] = set()
    conflict: set[str] = set()
    for key in keys:
        if base is None or (key not in base and {key, field_root(key)} & partial):
            changed.add(key)
            continue
        was, now, wanted = base.get(key), live.get(key), tree.get(key)
        if key in MERGED:
            changed.update([key] if wanted != was else [])
            drift.update([key] if now != was else [])
        elif now == was:
            changed.add(key)
        elif wanted == was:
            drift.add(key)
        elif wanted != now:
            conflict.add(key)
    return Sides(frozenset(changed), frozenset(drift), frozenset(conflict))


def merged_items(tree: Iterable[str], live: Iterable[str], base: Iterable[str]) -> list[str]:
    """Per-item merge of a set field: the base, plus what either side added, less what
    either side removed; in the tree's order, then live additions in theirs."""
    tree_l, live_l, base_s = list(tree), list(live), set(base)
    removed = (base_s - set(tree_l)) | (base_s - set(live_l))
    ordered = [*tree_l, *(item for item in live_l if item not in set(tree_l))]
    return [item for item in dict.fromkeys(ordered) if item not in removed]


def updated(base: Base | None, records: Iterable[Record], ignored: Iterable[str] = ()) -> Base:
    """The base after ``records``: each sets (or, with ``fields`` None, removes) one
    entity's synced fields; a record with ``merge`` keeps the fields it does not name
    and drops those it names as None (emptied). ``ignored``: the ``ignore_fields`` the
    records were made under, which join ``partial``."""
    tables: dict[str, MutableMapping[Any, Synced]] = {
        "case": Layered(base.cases if base else {}),
        "suite": dict(base.suites) if base else {},
        "shared_step": dict(base.shared_steps) if base else {},
    }
    for record in records:
        table = tables[record.entity]
        if record.fields is None:
            if record.key in table:  # `pop` would read (parse) the record it drops
                del table[record.key]
        elif record.merge:
            merged = {**dict(table.get(record.key, {}).items()), **record.fields}  # `Packed`
            table[record.key] = {k: v for k, v in merged.items() if v is not None}
        else:  # not copied: a record's fields are read only (100,000 of them in a first apply)
            table[record.key] = record.fields
    partial = (base.partial if base else frozenset()) | frozenset(ignored)
    return Base(
        cases=tables["case"],
        suites=tables["suite"],
        shared_steps=tables["shared_step"],
        partial=partial,
    )


class Packed(Mapping[str, Any]):
    """Synced fields held as compressed JSON and unpacked whenever they are read: apply
    records every unchanged case (all 100,000 in the first apply of a tree without ids),
    and a record takes about 400 bytes so, against 1.3 KB as lists and dicts. JSON is the
    record's own form (`qasesync.tree.base`), so what is unpacked equals what was packed.
    Read it whole (`items`), not field by field."""

    __slots__ = ("_packed",)

    def __init__(self, fields: Synced) -> None:
        text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        self._packed = zlib.compress(text.encode("utf-8"), 1)

    def unpacked(self) -> dict[str, Any]:
        fields: dict[str, Any] = json.loads(zlib.decompress(self._packed))
        return fields

    def __getitem__(self, key: str) -> Any:
        return self.unpacked()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.unpacked())

    def __len__(self) -> int:
        return len(self.unpacked())

    def items(self) -> ItemsView[str, Any]:
        return self.unpacked().items()


class Layered(MutableMapping[Any, Synced]):
    """A mapping's entries with some set and some removed, leaving the mapping itself
    alone: the case records of a base read from its file are parsed one at a time when
    asked for (`qasesync.tree.base`), and an apply that changes a few of 100,000 cases
    should not parse them all to copy them."""

    def __init__(self, under: Mapping[Any, Synced]) -> None:
        self._under = under
        self._set: dict[Any, Synced] = {}
        self._gone: set[Any] = set()

    def __getitem__(self, key: Any) -> Synced:
        if key in self._set:
            return self._set[key]
        if key in self._gone:
            raise KeyError(key)
        return self._under[key]

    def __setitem__(self, key: Any, value: Synced) -> None:
        self._set[key] = value
        self._gone.discard(key)

    def __delitem__(self, key: Any) -> None:
        if key not in self:
            raise KeyError(key)
        self._set.pop(key, None)
        self._gone.add(key)

    def __contains__(self, key: object) -> bool:
        return key in self._set or (key not in self._gone and key in self._under)

    def __iter__(self) -> Iterator[Any]:
        yield from (key for key in self._under if key not in self._gone and key not in self._set)
        yield from self._set

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(frozen=True)
class Record:
    """One entity's base after a sync: ``fields`` to record (None: forget the entity)."""

    entity: str
    key: int | str
    fields: Synced | None
    merge: bool = False


def resolve_new(fields: Synced, suite_ids: Mapping[str, int], hashes: Mapping[str, str]) -> Synced:
    """Synced fields with the references to suites and shared steps created by this apply
    (``(new) folder`` as a case's suite or a suite's parent, ``(new) key`` in steps)
    replaced by their live id and hash."""
    resolved = dict(fields)
    for name in ("suite", "parent"):  # a case's suite, a suite's parent
        value = resolved.get(name)
        if isinstance(value, str) and value.startswith(NEW + " "):
            folder = value[len(NEW) + 1 :]
            resolved[name] = live_suite_key(suite_ids.get(folder))
    if "steps" in resolved:
        resolved["steps"] = _resolve_steps(resolved["steps"], hashes)
    return resolved


def _resolve_steps(steps: Any, hashes: Mapping[str, str]) -> Any:
    out = []
    for step in steps:
        if step[0] == "workspace" and len(step) == 2:
            out.append(step)
        elif step[0] == "shared" and len(step) == 2:
            ref = step[1]
            key = ref[len(NEW) + 1 :] if ref.startswith(NEW + " ") else None
            out.append(["shared", hashes.get(key, ref) if key is not None else ref])
        else:
            out.append([*step[:3], _resolve_steps(step[3], hashes)])
    return out
