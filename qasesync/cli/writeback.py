"""The write-back record (docs/design.md §7): `apply --record` saves what apply wrote back,
and `writeback` writes it into the tree again, as others have edited it since (no Qase reads).

The GitHub Action needs both: when the commit of written-back ids does not rebase onto what
reached the branch meanwhile, it resets to the branch's head and runs `writeback` there.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from qasesync.cli.common import EXIT_OK, EXIT_USER, resolve_tree
from qasesync.cli.locking import tree_locked
from qasesync.errors import ConfigError, ValidationError
from qasesync.safetext import terminal

if TYPE_CHECKING:
    from qasesync.apply.applier import YamlSink
    from qasesync.model import Base, Synced, Tree
    from qasesync.plans.threeway import Record
    from qasesync.tree.idplace import LeftOut, Placement
    from qasesync.tree.idrecord import BaseEntry, WriteRecord


class SyncedBase(Protocol):
    """How apply moved the base record: the records, once written (`applying._BaseSink`)."""

    base: Base | None
    records: list[Record]
    wrote: bool


class ApplyRecording:
    """``apply --record PATH``: the ids and hashes apply wrote back and the base records it
    wrote, saved when apply ends, however it ends; nothing when it stopped before it could
    write anything."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._watched: tuple[Tree, str, YamlSink | None, SyncedBase | None] | None = None

    def watch(
        self, tree: Tree, project: str, sink: YamlSink | None, synced: SyncedBase | None
    ) -> None:
        """What apply read (``tree``) and will write through (``sink``, ``synced``)."""
        self._watched = (tree, project, sink, synced)

    def save(self) -> None:
        from qasesync.tree.base import BASE_FILE
        from qasesync.tree.idrecord import WriteRecord, describe

        if self._watched is None:
            return
        tree, project, sink, synced = self._watched
        files = list(sink.files) if sink is not None else []
        if synced is not None and synced.wrote:
            files.append(BASE_FILE)
        record = WriteRecord(
            project,
            tuple(files),
            tuple(describe(tree, sink.written)) if sink is not None else (),
            _entries(synced) if synced is not None else (),
        )
        _save(self.path, record)


def _entries(synced: SyncedBase) -> tuple[BaseEntry, ...]:
    """Each entity the records name, with its line as the base record holds it now."""
    from qasesync.plans.threeway import updated
    from qasesync.tree.idrecord import BaseEntry

    now = updated(synced.base, synced.records)
    tables: dict[str, Mapping[Any, Synced]] = {
        "case": now.cases,
        "suite": now.suites,
        "shared_step": now.shared_steps,
    }
    named = dict.fromkeys((record.entity, record.key) for record in synced.records)
    return tuple(BaseEntry(entity, key, _plain(tables[entity].get(key))) for entity, key in named)


def _plain(fields: Synced | None) -> dict[str, Any] | None:
    """A record's fields as a dict, to save as JSON (some are held packed: `Packed`)."""
    return None if fields is None else dict(fields.items())


def _save(path: Path, record: WriteRecord) -> None:
    from qasesync.tree.idrecord import render_record

    try:
        path.write_text(render_record(record), encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot write the record to {path}: {error.strerror}") from error


def read_record(path: Path) -> WriteRecord:
    from qasesync.tree.idrecord import parse_record

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the write-back record {path}: {error}") from error
    return parse_record(text, str(path))


@tree_locked
def cmd_writeback(args: argparse.Namespace, out: TextIO) -> int:
    """The ids, hashes and base records of ``RECORD`` written into the tree as it is now;
    exit 1 when some id finds no place (the others are written)."""
    from qasesync.plans.planner import effective_settings
    from qasesync.tree.base import BASE_FILE
    from qasesync.tree.idplace import LeftOut, place
    from qasesync.tree.idrecord import WriteRecord
    from qasesync.tree.load import load_tree
    from qasesync.tree.writeback import write_back

    record = read_record(Path(args.written))
    root = resolve_tree(args.tree)
    digests: dict[str, str] = {}
    try:
        tree = load_tree(root, digests=digests)
    except ValidationError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return _left_out([LeftOut(item, "the tree is not valid") for item in record.written])
    project = effective_settings(tree, os.environ.get("QASE_PROJECT")).project
    if project != record.project:
        raise ConfigError(f"{args.written} records project {record.project}, not {project}")
    placement = place(tree, record.written)
    files = write_back(root, [found.assignment for found in placement.placed], digests=digests)
    merged = _merge_base(root, record.base)
    out.write(_report(placement, files, merged, len(record.base)))
    if args.record:
        moved = tuple(found.now for found in placement.placed)
        names = (*files, *([BASE_FILE] if merged else []))
        _save(Path(args.record), WriteRecord(project, names, moved, record.base))
    return _left_out(placement.left_out) if placement.left_out else EXIT_OK


def _merge_base(root: Path, entries: Sequence[BaseEntry]) -> bool:
    """The recorded lines into the tree's base record: each replaces (or, without fields,
    removes) its entity's line; every other line is kept. True when the file changed."""
    from qasesync.plans.threeway import Record, updated
    from qasesync.tree.base import read_base, write_base

    if not entries:
        return False
    base, old = read_base(root)
    records = [Record(entry.entity, entry.key, entry.fields) for entry in entries]
    return write_base(root, updated(base, records), old)


def _report(placement: Placement, files: Sequence[str], merged: bool, lines: int) -> str:
    from qasesync.apply.report import ids_text
    from qasesync.plans.render import counted
    from qasesync.tree.base import BASE_FILE

    text = [f"= {found.now}: already at {found.now.place}\n" for found in placement.present]
    for found in placement.placed:
        note = f", {found.note}" if found.note else ""
        text.append(f"+ {found.now}: {found.now.place}{note}\n")
    if files:
        ids = ids_text(found.item.key for found in placement.placed)
        text.append(f"Wrote {ids} back into {counted(len(files), 'file')}:\n")
        text += [f"  {name}\n" for name in files]
    else:
        text.append("No id or hash to write back.\n")
    if merged:
        text.append(
            f"Merged the lines of {counted(lines, 'entity', 'entities')} into {BASE_FILE}.\n"
        )
    return "".join(terminal(line.removesuffix("\n")) + "\n" for line in text)


def _left_out(left: Sequence[LeftOut]) -> int:
    """Each id or hash without a place, on a line of its own, then what to do."""
    for one in left:
        print(
            terminal(f"error: {one.item}, at {one.item.place} when apply wrote it: {one.reason}"),
            file=sys.stderr,
        )
    what = "id or hash has" if len(left) == 1 else "ids and hashes have"
    print(
        f"error: {len(left)} written-back {what} no place in the tree. Add each to its entity "
        "by hand, as its first key, and commit it, or the next apply creates the entity again; "
        "an entity deleted meanwhile needs nothing.",
        file=sys.stderr,
    )
    return EXIT_USER
