"""The write-back record: what one apply wrote into the tree, so that it can be written again
into the tree as it is later (docs/design.md §7).

`apply --record FILE` saves it; `qasesync writeback FILE [TREE]` writes it again. Its JSON
(``qasesync_writeback`` is the format's version)::

    {"qasesync_writeback": 1,
     "project": "SHOP",
     "files": ["checkout/payments.yaml", "checkout/suite.yaml", "qasesync.base.jsonl"],
     "written": [
      {"entity": "case", "title": "Pay by card", "folder": "checkout",
       "file": "checkout/payments.yaml", "path": ["cases", 0], "line": 2,
       "key": "id", "value": 12, "old": null},
      ...],
     "base": [
      {"case_id": 12, "fields": {"title": "Pay by card", ...}},
      {"case_id": 9, "fields": null},
      ...]}

``files``: every file written (relative to the tree), ``qasesync.base.jsonl`` when it changed.
``written``: each id or hash, where it went as the tree was read (``line`` 0: a file that did
not exist), the entity's title and folder (a case's suite folder, a suite's own folder,
``null`` for a shared step or a case at the root), and ``old``, the stale value it replaced.
``base``: the base record's line of each entity the apply synced, as the apply left it
(``fields`` null: the entity was forgotten).

`qasesync.tree.idplace` finds each written id's entity again in a tree that others edited
since.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qasesync.errors import ConfigError
from qasesync.model import Assignment, Location, Synced, Tree

FORMAT = "qasesync_writeback"
VERSION = 1
#: Each entity kind and the key naming one of it on a line of ``base``, as in the base record.
BASE_KEYS = {"suite": "suite_id", "shared_step": "shared_step_hash", "case": "case_id"}
ENTITIES = tuple(BASE_KEYS)

YamlPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Written:
    """One id or hash written into the tree: the entity it went to, and where it was."""

    entity: str
    title: str
    folder: str | None
    file: str
    path: YamlPath
    line: int
    key: str
    value: int | str
    old: int | str | None = None

    def __str__(self) -> str:
        """``case 'Pay by card' (id: 12)``."""
        return f"{self.entity.replace('_', ' ')} {self.title!r} ({self.key}: {self.value})"

    @property
    def place(self) -> str:
        """Where it was: ``checkout/payments.yaml:2 (cases[0])``."""
        where = self.file if self.line == 0 else f"{self.file}:{self.line}"
        return f"{where} ({path_text(self.path)})" if self.path else where


@dataclass(frozen=True)
class BaseEntry:
    """One entity's line of the base record as a sync left it; ``fields`` None: forgotten."""

    entity: str
    key: int | str
    fields: Synced | None


@dataclass(frozen=True)
class WriteRecord:
    """What one write-back wrote: for a project, files, ids and hashes, base-record lines."""

    project: str
    files: tuple[str, ...] = ()
    written: tuple[Written, ...] = ()
    base: tuple[BaseEntry, ...] = ()


def path_text(path: YamlPath) -> str:
    """``("cases", 3)`` → ``cases[3]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text


# --- what an apply wrote -------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """An entity of a tree, as the record describes it and `idplace.place` looks for it."""

    entity: str
    title: str
    folder: str | None
    location: Location
    value: int | str | None

    @property
    def group(self) -> str:
        """Where a namesake would be the same entity: a case's suite folder, a suite's
        parent folder; the shared steps are one group."""
        return group_of(self.entity, self.folder)


def group_of(entity: str, folder: str | None) -> str:
    if entity == "suite":
        return (folder or "").rpartition("/")[0]
    return folder or ""


def slots(tree: Tree) -> Iterator[Slot]:
    for suite in tree.suites:
        if suite.location is not None:
            yield Slot("suite", suite.title, suite.key, suite.location, suite.id)
    for step in tree.shared_steps:
        if step.location is not None:
            yield Slot("shared_step", step.title, None, step.location, step.hash)
    for case in tree.cases:
        if case.location is not None:
            yield Slot("case", case.title, case.suite, case.location, case.id)


def describe(tree: Tree, assignments: Sequence[Assignment]) -> list[Written]:
    """What ``assignments`` wrote into ``tree`` (as it was read before), entity by entity."""
    index = {(slot.location.file, slot.location.path): slot for slot in slots(tree)}
    found = []
    for assignment in assignments:
        where = assignment.location
        slot = index.get((where.file, where.path))
        if slot is None:  # not an entity the tree holds: say what the path says
            shared = where.path[:1] == ("shared_steps",)
            entity = "suite" if not where.path else "shared_step" if shared else "case"
            slot = Slot(entity, "", None, where, None)
        found.append(
            Written(
                slot.entity,
                slot.title,
                slot.folder,
                where.file,
                where.path,
                slot.location.line,
                assignment.key,
                assignment.value,
                slot.value,
            )
        )
    return found


# --- JSON -------------------------------------------------------------------------------------


def render_record(record: WriteRecord) -> str:
    """The record's JSON, one item of each list a line."""

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    def items(values: Sequence[Mapping[str, Any]]) -> str:
        if not values:
            return "[]"
        return "[\n" + ",\n".join(f"  {dumps(value)}" for value in values) + "\n ]"

    written = [_written_data(item) for item in record.written]
    base = [{BASE_KEYS[e.entity]: e.key, "fields": e.fields} for e in record.base]
    return (
        f'{{"{FORMAT}": {VERSION},\n "project": {dumps(record.project)},\n'
        f' "files": {dumps(list(record.files))},\n'
        f' "written": {items(written)},\n "base": {items(base)}}}\n'
    )


def _written_data(item: Written) -> dict[str, Any]:
    return {
        "entity": item.entity,
        "title": item.title,
        "folder": item.folder,
        "file": item.file,
        "path": list(item.path),
        "line": item.line,
        "key": item.key,
        "value": item.value,
        "old": item.old,
    }


def parse_record(text: str, name: str) -> WriteRecord:
    """The record from its JSON; a `ConfigError` naming ``name`` when it is none."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or FORMAT not in data:
            raise ValueError(f"no {FORMAT!r} version")
        if data[FORMAT] != VERSION:
            raise ValueError(f"version {data[FORMAT]!r}; this qasesync reads version {VERSION}")
        return WriteRecord(
            project=_typed(data["project"], str),
            files=tuple(_typed(file, str) for file in data["files"]),
            written=tuple(_written(item) for item in data["written"]),
            base=tuple(_base_entry(item) for item in data["base"]),
        )
    except KeyError as error:
        raise ConfigError(f"{name}: not a write-back record (no {error})") from error
    except (ValueError, TypeError, AttributeError) as error:
        raise ConfigError(f"{name}: not a write-back record ({error})") from error


def _typed(value: Any, *kinds: type) -> Any:
    if not isinstance(value, kinds) or isinstance(value, bool):
        raise TypeError(f"{value!r} is not {' or '.join(kind.__name__ for kind in kinds)}")
    return value


def _written(data: Mapping[str, Any]) -> Written:
    entity = data["entity"]
    if entity not in ENTITIES or data["key"] not in ("id", "hash"):
        raise ValueError(f"an unknown entity or key: {entity!r}, {data['key']!r}")
    folder, old = data.get("folder"), data.get("old")
    return Written(
        entity=entity,
        title=_typed(data["title"], str),
        folder=None if folder is None else _typed(folder, str),
        file=_typed(data["file"], str),
        path=tuple(_typed(part, str, int) for part in data["path"]),
        line=_typed(data["line"], int),
        key=data["key"],
        value=_typed(data["value"], str, int),
        old=None if old is None else _typed(old, str, int),
    )


def _base_entry(data: Mapping[str, Any]) -> BaseEntry:
    kinds = [kind for kind, name in BASE_KEYS.items() if name in data]
    if len(kinds) != 1:
        raise ValueError(f"a base line names one of {', '.join(BASE_KEYS.values())}")
    kind = kinds[0]
    key = _typed(data[BASE_KEYS[kind]], str if kind == "shared_step" else int)
    fields = data["fields"]
    return BaseEntry(kind, key, None if fields is None else dict(_typed(fields, dict)))
