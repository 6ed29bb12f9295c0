"""The shape of a saved plan's JSON, checked before `Plan.from_json` reads it back.

A saved plan is a file anyone can edit. Every value in it is checked against the type
``plan --out`` writes there (the private dataclasses below mirror the JSON; a creation's
``after`` is checked against the model's `Case`, `Suite` or `SharedStep`): a key that
is unknown or missing, a value of another type (an id as text, ``true`` for a number, a
list where an object goes), JSON nested deeper than any plan is, each is a `ValueError`
naming the place in the file (``changes[3].location.line: "2" is not a whole number``).
A plan read back is then made of the types the renderers and `check_fresh` expect.
"""

from __future__ import annotations

import json
import math
import types
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields, is_dataclass
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from qasesync.model import Case, Location, SharedStep, Suite
from qasesync.plans.plan import EntityKind, Kind, Side

#: Deeper than any plan is (a step in a step in a step ... stays far below it), shallow
#: enough that reading and showing it never runs out of stack.
MAX_DEPTH = 100

_ENTITIES: Mapping[str, type] = {"case": Case, "suite": Suite, "shared_step": SharedStep}


@dataclass(frozen=True)
class _Diff:
    path: str
    before: Any = None
    after: Any = None
    base: Any = None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    side: Side = "change"


@dataclass(frozen=True)
class _Fingerprint:
    updated_at: str | None
    sha256: str


@dataclass(frozen=True)
class _Change:
    kind: Kind
    entity: EntityKind
    name: str
    suite: str
    id: int | str | None
    location: Location | None
    fields: tuple[str, ...]
    diffs: tuple[_Diff, ...]
    fingerprint: _Fingerprint | None
    used_by: tuple[int, ...] = ()
    tree_id: int | str | None = None
    after: Mapping[str, Any] | None = None  # the entity: checked against its class


@dataclass(frozen=True)
class _Message:
    text: str
    location: Location | None


@dataclass(frozen=True)
class _Adoption:
    location: Location
    key: Literal["id", "hash"]
    value: int | str


@dataclass(frozen=True)
class _Saved:
    format_version: int
    project: str
    tree_fingerprint: str
    summary: Mapping[str, int]
    cases_in_scope: Mapping[str, int] | None
    max_destroy: str | None
    suite_ids: Mapping[str, int]
    shared_hashes: Mapping[str, str]
    changes: tuple[_Change, ...]
    warnings: tuple[_Message, ...]
    notes: tuple[_Message, ...]
    adoptions: tuple[_Adoption, ...]
    ignore_fields: tuple[str, ...]
    two_way: bool
    drift_mode: Literal["keep", "revert", "fail"]
    bulk_size: int | None
    drift: tuple[_Change, ...]
    conflicts: tuple[_Change, ...]


def check_saved(data: Any) -> None:
    """Raise `ValueError` (naming the place) unless ``data`` has a saved plan's shape."""
    _check_depth(data)
    _check(data, _Saved, "")
    for name in ("changes", "drift", "conflicts"):
        for index, change in enumerate(data[name]):
            if change.get("after") is not None:
                where = f"{name}[{index}].after"
                _check(change["after"], _ENTITIES[change["entity"]], where)


def _check(value: Any, hint: Any, where: str) -> None:
    """A fast yes or no (`_test`); only a no looks for the place to name (`_conform`)."""
    if not _test(hint)(value):
        _conform(value, hint, where)


def _check_depth(data: Any) -> None:
    """Refuse JSON nested deeper than `MAX_DEPTH`, a level at a time (no recursion)."""
    level, depth = [data], 1
    while level:
        if depth > MAX_DEPTH:
            raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
        inner: list[Any] = []
        for value in level:
            items = value.values() if type(value) is dict else value
            inner += [item for item in items if type(item) in (dict, list)]
        level, depth = inner, depth + 1


Test = Callable[[Any], bool]


@cache
def _test(hint: Any) -> Test:
    """Whether a JSON value is of the type ``hint`` describes, compiled once per type:
    reading a plan of 100,000 changes checks millions of values."""
    if is_dataclass(hint):
        return _object_test(hint)
    origin, args = get_origin(hint), get_args(hint)
    if origin is tuple:
        item = _inner(args[0])
        return lambda value: isinstance(value, list) and all(map(item, value))
    if origin is Mapping:
        member = _inner(args[1])
        return lambda value: isinstance(value, dict) and all(map(member, value.values()))
    if origin in (Union, types.UnionType):
        options = [_inner(option) for option in args]
        return lambda value: any(option(value) for option in options)
    return _scalar_test(hint)


def _scalar_test(hint: Any) -> Test:
    if hint is Any:
        return lambda value: True
    if get_origin(hint) is Literal:
        options = frozenset(get_args(hint))
        return lambda value: isinstance(value, str) and value in options
    if hint is float or hint is type(None):
        return lambda value: _fits_type(value, hint)
    return lambda value: type(value) is hint  # str, int, bool: no bool where a number goes


def _inner(hint: Any) -> Test:
    """The test of a type inside another; an object's is looked up when first used, so
    that a type that holds itself (a step's steps) compiles."""
    if not is_dataclass(hint):
        return _test(hint)
    kind: Any = hint  # a class: hashable, whatever the narrowing says
    return lambda value: _test(kind)(value)


def _object_test(kind: Any) -> Test:
    hints = _hints(kind)
    tests = {name: _inner(hint) for name, hint in hints.items()}
    required = {
        f.name for f in fields(kind) if f.default is MISSING and f.default_factory is MISSING
    }

    def test(value: Any) -> bool:
        return (
            isinstance(value, dict)
            and required <= value.keys()
            and all(k in tests and tests[k](v) for k, v in value.items())
        )

    return test


def _conform(value: Any, hint: Any, where: str) -> None:
    """Raise `ValueError` unless ``value`` (JSON) is of the type ``hint`` describes."""
    if is_dataclass(hint):
        _conform_object(value, hint, where)
        return
    origin = get_origin(hint)
    if origin is tuple:
        _expect(isinstance(value, list), value, _described(hint), where)
        for index, item in enumerate(value):
            _conform(item, get_args(hint)[0], f"{where}[{index}]")
    elif origin is Mapping:
        _expect(isinstance(value, dict), value, _described(hint), where)
        for key, item in value.items():
            _conform(item, get_args(hint)[1], _member(where, key))
    elif origin in (Union, types.UnionType):
        _conform_union(value, get_args(hint), where)
    else:
        _expect(_fits_scalar(value, hint), value, _described(hint), where)


def _conform_object(value: Any, kind: Any, where: str) -> None:
    _expect(isinstance(value, dict), value, _described(kind), where)
    hints = _hints(kind)
    unknown = [key for key in value if key not in hints]
    if unknown:
        raise ValueError(f"{_member(where, unknown[0])}: not a key of a saved plan here")
    for f in fields(kind):
        if f.name in value:
            _conform(value[f.name], hints[f.name], _member(where, f.name))
        elif f.default is MISSING and f.default_factory is MISSING:
            raise ValueError(f"{_member(where, f.name)}: missing")


def _conform_union(value: Any, options: tuple[Any, ...], where: str) -> None:
    """One of ``options``; ``X | None`` holding a value says what is wrong in it."""
    others = [option for option in options if option is not type(None)]
    if value is not None and len(others) == 1:
        _conform(value, others[0], where)
        return
    fits = any(_fits(value, option) for option in options)
    _expect(fits, value, " or ".join(map(_described, options)), where)


def _fits(value: Any, hint: Any) -> bool:
    try:
        _conform(value, hint, "")
    except ValueError:
        return False
    return True


def _fits_scalar(value: Any, hint: Any) -> bool:
    if hint is Any:
        return True
    if get_origin(hint) is Literal:
        return isinstance(value, str) and value in get_args(hint)
    return _fits_type(value, hint)


def _fits_type(value: Any, hint: Any) -> bool:
    if hint is float:
        return type(value) in (int, float) and math.isfinite(value)
    if hint is type(None):
        return value is None
    return type(value) is hint  # str, int, bool: no bool where a number goes


def _expect(ok: bool, value: Any, described: str, where: str) -> None:
    if not ok:
        shown = json.dumps(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        raise ValueError(f"{where or 'the plan'}: {shown} is not {described}")


def _described(hint: Any) -> str:
    origin = get_origin(hint)  # a union says each of its options (`_conform_union`)
    if origin is Literal:
        return "one of " + ", ".join(get_args(hint))
    if origin is tuple:
        return "a list"
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
    return "null" if hint is type(None) else names.get(hint, "an object")


def _member(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


@cache
def _hints(kind: Any) -> dict[str, Any]:
    return get_type_hints(kind)
