"""The base record: ``qasesync.base.jsonl`` beside ``qasesync.yaml`` (docs/design.md §11).

One JSON object a line: first a header, then one line per synced entity, suites by id,
shared steps by hash, cases by id, each line the entity's identity first and its synced
fields in name order::

    {"qasesync_base":1}
    {"suite_id":3,"description":"","parent":null,"preconditions":"","title":"Cart"}
    {"case_id":12,"priority":"high","severity":"major","steps":[...],"tags":["cart"],...}

So a change to one entity is a change of one line, and two branches that synced different
entities merge line by line. An entity that a merge left on two lines is *unsure*: it has
no base (the plan says so) until the next apply or pull records it again.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from qasesync.errors import ConfigError
from qasesync.model import Base, Synced
from qasesync.tree.writeback import replace_stream

BASE_FILE = "qasesync.base.jsonl"
HEADER = {"qasesync_base": 1}
#: Each entity kind and the key that names an entity of it on its line.
_KEYS = {"suite": "suite_id", "shared_step": "shared_step_hash", "case": "case_id"}
#: What a shared step's hash looks like (hexadecimal on the live service).
_HASH = re.compile(r"[0-9A-Za-z_-]{1,128}")
#: Recorded fields that hold lists of texts.
_TEXT_LISTS = frozenset({"tags", "external_issues"})


def read_base(root: Path) -> tuple[Base | None, bytes | None]:
    """The tree's base and the bytes it was read from; (None, None) when there is none."""
    path = root / BASE_FILE
    if not path.is_file():
        return None, None
    data = path.read_bytes()
    return parse_base(data), data


def parse_base(data: bytes) -> Base:
    """The base from the file's bytes; a `ConfigError` naming the line of a bad one."""
    entries: dict[str, dict[Any, list[Any]]] = {kind: {} for kind in _KEYS}
    partial: set[str] = set()
    for number, (span, line) in enumerate(_text_lines(data), start=1):
        if not line.strip():
            continue
        record = _record(line, number)
        if number == 1 or "qasesync_base" in record:
            partial |= _check_header(record, number)
            continue
        kind, key, fields = _entry(record, number)
        entries[kind].setdefault(key, []).append(span if kind == "case" else fields)
    return replace(_base(entries, data), partial=frozenset(partial))


def _text_lines(data: bytes) -> Iterator[tuple[tuple[int, int], str]]:
    """The file's lines, one at a time, each with where it stands in ``data``: a large
    record is never held twice more, as one text and as a list of lines."""
    end = 0
    for raw in io.BytesIO(data):
        start, end = end, end + len(raw)
        try:
            yield (start, end), raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{BASE_FILE}: not UTF-8 ({exc.reason})") from exc


class _CaseRecords(Mapping[int, Synced]):
    """The case records by id, each read from its line of the file when asked for: at
    100,000 cases the parsed records would take about 2 KB each, the places 100 bytes
    (docs/design.md §13). Every line was parsed and checked once when the file was read."""

    __slots__ = ("_data", "_spans")

    def __init__(self, data: bytes, spans: dict[int, tuple[int, int]]) -> None:
        self._data = data
        self._spans = spans

    def __getitem__(self, case_id: int) -> Synced:
        start, end = self._spans[case_id]
        record = _record(self._data[start:end].decode("utf-8"), 0)
        del record[_KEYS["case"]]
        return record

    def __contains__(self, case_id: object) -> bool:
        return case_id in self._spans

    def __iter__(self) -> Iterator[int]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)

    def __repr__(self) -> str:
        return repr(dict(self))


def _record(line: str, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise ConfigError(f"{BASE_FILE}:{number}: not a JSON object ({exc})") from exc
    if not isinstance(record, dict):
        raise ConfigError(f"{BASE_FILE}:{number}: not a JSON object")
    return {sys.intern(name): _shared(value) for name, value in record.items()}


def _shared(value: Any) -> Any:
    """``value`` with its texts as shared copies (`qasesync.model.shared_text`): the
    record repeats the field names and step texts of every case, as the tree does."""
    if isinstance(value, str):
        return sys.intern(value)
    if isinstance(value, list):
        return [_shared(item) for item in value]
    return value


def _check_header(record: Mapping[str, Any], number: int) -> set[str]:
    """The header's ``partial`` fields (see `Base.partial`)."""
    partial = record.get("partial", [])
    texts = isinstance(partial, list) and all(isinstance(name, str) for name in partial)
    if {k: v for k, v in record.items() if k != "partial"} != HEADER or not texts:
        raise ConfigError(
            f"{BASE_FILE}:{number}: expected the header {json.dumps(HEADER)} (with an "
            "optional list of texts `partial`); this qasesync reads version 1 of the record"
        )
    return set(partial)


def _entry(record: dict[str, Any], number: int) -> tuple[str, Any, Synced]:
    kinds = [kind for kind, name in _KEYS.items() if name in record]
    if len(kinds) != 1:
        raise ConfigError(
            f"{BASE_FILE}:{number}: a line names one entity: one of {', '.join(_KEYS.values())}"
        )
    kind = kinds[0]
    key = record.pop(_KEYS[kind])
    wanted = str if kind == "shared_step" else int
    if not isinstance(key, wanted) or isinstance(key, bool):
        raise ConfigError(f"{BASE_FILE}:{number}: `{_KEYS[kind]}` must be {wanted.__name__}")
    if isinstance(key, str) and not _HASH.fullmatch(key):  # it is shown in warnings
        raise ConfigError(f"{BASE_FILE}:{number}: `{_KEYS[kind]}` must be a shared step's hash")
    for name, value in record.items():
        problem = _field_problem(name, value)
        if problem:  # the name as JSON: a name from the file may hold control characters
            raise ConfigError(f"{BASE_FILE}:{number}: {json.dumps(name)} {problem}")
    return kind, key, record


def _field_problem(name: str, value: Any) -> str | None:
    """What is wrong with a recorded field's value, by the synced form's types."""
    if name in _TEXT_LISTS:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return None if ok else "must be a list of texts"
    if name == "steps":
        return None if _steps(value) else "must be a list of steps"
    if isinstance(value, dict):
        return "must not be an object"
    return None


def _steps(value: Any) -> bool:
    """A step list in the synced form: ``["shared", HASH]``, ``["workspace", HASH]`` or
    ``[action, expected, data, [nested steps]]``."""
    if not isinstance(value, list):
        return False
    for step in value:
        if not isinstance(step, list) or not all(isinstance(v, str) for v in step[:-1]):
            return False
        reference = step[:1] in (["shared"], ["workspace"])
        shared = len(step) == 2 and reference and isinstance(step[1], str)
        if not (shared or (len(step) == 4 and _steps(step[3]))):
            return False
    return True


def _base(entries: dict[str, dict[Any, list[Any]]], data: bytes) -> Base:
    unsure = [
        (kind, key) for kind in _KEYS for key, lines in entries[kind].items() if len(lines) > 1
    ]
    sure = {
        kind: {key: lines[0] for key, lines in entries[kind].items() if len(lines) == 1}
        for kind in _KEYS
    }
    return Base(
        cases=_CaseRecords(data, sure["case"]),
        suites=sure["suite"],
        shared_steps=sure["shared_step"],
        unsure=tuple(unsure),
    )


def render_base(base: Base) -> bytes:
    """The file's bytes: the header, then one line per entity in a stable order."""
    return "".join(f"{line}\n" for line in _lines(base)).encode("utf-8")


def _lines(base: Base) -> Iterator[str]:
    yield _dumps({**HEADER, "partial": sorted(base.partial)} if base.partial else HEADER)
    yield from (_line("suite", key, base.suites[key]) for key in sorted(base.suites))
    yield from (_line("shared_step", h, base.shared_steps[h]) for h in sorted(base.shared_steps))
    yield from (_line("case", key, base.cases[key]) for key in sorted(base.cases))


def _line(kind: str, key: int | str, fields: Synced) -> str:
    values = dict(fields.items())  # once: some records are unpacked when read (`Packed`)
    return _dumps({_KEYS[kind]: key, **{name: values[name] for name in sorted(values)}})


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_base(root: Path, base: Base, old: bytes | None) -> bool:
    """Replace the record atomically, unless it changed on disk since it was read as
    ``old`` (None: it did not exist); True when written. The lines are written as they
    are made: at 100,000 cases the record is about 70 MB, as text and again as bytes."""
    lines = (f"{line}\n".encode() for line in _lines(base))
    return replace_stream(root, BASE_FILE, old, lines)
