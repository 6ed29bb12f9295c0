"""The JSON Schemas of the four file kinds, and checking plain values against them.

Checking 10,000 cases with `jsonschema` takes seconds, so each schema is also
compiled here into a plain Python predicate (closures over the schema's keywords;
only the keywords our schemas use, anything else refuses to compile). The predicate
answers "valid?" for the common, valid file; only a file it rejects goes through
`jsonschema`, whose errors carry the paths that problems are reported at. The tests
check that both always agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import qasesync

if TYPE_CHECKING:  # imported when a file fails the fast check: it takes ~0.1 s
    import jsonschema

KINDS = ("qasesync", "suite", "cases", "shared-steps")
#: Where the project's documentation site publishes the schemas; each schema's ``$id``.
#: ``v1`` is the schemas' major version: it changes only when a valid tree stops validating.
SCHEMA_URL = "https://qasesync.github.io/schemas/v1/"
CATALOG_FILE = "catalog.json"
Check = Callable[[Any], bool]

#: Keywords that only describe; the fast checker ignores them.
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "title", "description", "errorMessage", "default", "examples"}
)


def schema_dir() -> Path:
    """Where the schema files are: inside an installed wheel, else the checkout's `schemas/`."""
    package = Path(qasesync.__file__).resolve().parent
    for candidate in (package / "schemas", package.parent / "schemas"):
        if (candidate / "cases.schema.json").is_file():
            return candidate
    raise FileNotFoundError(f"no schemas/ beside {package}")


def schema_file(kind: str) -> str:
    """The file name of one kind's schema: ``cases`` → ``cases.schema.json``."""
    return f"{kind}.schema.json"


def catalog() -> dict[str, Any]:
    """A JSON Schema catalog in SchemaStore's format: which files each schema describes.

    Case files may have any name; the catalog matches the usual ``cases.yaml`` and
    ``*.cases.yaml``. ``suite.yaml`` and ``shared_steps.yaml`` are generic names, so an editor
    should apply the catalog only inside a qasesync tree (docs/yaml-format.md, "Editors")."""
    files = {
        "qasesync": ("qasesync settings", ["qasesync.yaml"]),
        "suite": ("qasesync suite", ["suite.yaml"]),
        "cases": ("qasesync cases", ["cases.yaml", "*.cases.yaml"]),
        "shared-steps": ("qasesync shared steps", ["shared_steps.yaml"]),
    }
    return {
        "$schema": "https://json.schemastore.org/schema-catalog.json",
        "version": 1,
        "schemas": [
            {
                "name": files[kind][0],
                "description": schema(kind)["description"],
                "fileMatch": files[kind][1],
                "url": SCHEMA_URL + schema_file(kind),
            }
            for kind in KINDS
        ],
    }


@cache
def schema(kind: str) -> Mapping[str, Any]:
    """The parsed schema of one file kind (``"cases"``, ``"suite"``, ...)."""
    text = (schema_dir() / f"{kind}.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@dataclass(frozen=True)
class SchemaError:
    """One way a value breaks its schema: where (path in the value) and how."""

    path: tuple[str | int, ...]
    keyword: str
    message: str
    schema: Mapping[str, Any]
    instance: Any


@cache
def fast_check(kind: str) -> Check:
    """The compiled predicate for one file kind."""
    root = schema(kind)
    return _Compiler(root).compile(root)


@cache
def _validator(kind: str) -> jsonschema.protocols.Validator:
    import jsonschema

    validator: jsonschema.protocols.Validator = jsonschema.Draft202012Validator(schema(kind))
    return validator


def errors(kind: str, value: Any) -> list[SchemaError]:
    """Every schema error of ``value``, from `jsonschema` (slow; for rejected files only)."""
    return list(_flatten(_validator(kind).iter_errors(value)))


def _flatten(found: Iterator[jsonschema.ValidationError]) -> Iterator[SchemaError]:
    for error in found:
        path = tuple(error.absolute_path)
        schema_here: Mapping[str, Any] = error.schema if isinstance(error.schema, dict) else {}
        yield SchemaError(path, str(error.validator), error.message, schema_here, error.instance)


# --- the compiler -----------------------------------------------------------------------


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":  # as in JSON Schema, 3.0 is an integer
        if isinstance(value, float):
            return value.is_integer()
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, _PY_TYPES[name])


_PY_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


class _Compiler:
    """Schema → predicate. ``$ref`` to ``#/$defs/x`` binds late, so recursion works."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.defs: dict[str, Check] = {}

    def compile(self, node: Mapping[str, Any]) -> Check:
        shape, handled = self._shape(node)
        checks = [shape] if shape is not None else []
        for key, arg in node.items():
            if key not in handled and key not in _ANNOTATIONS:
                checks.append(self._keyword(key, arg, node))
        return _all(checks)

    def _shape(self, node: Mapping[str, Any]) -> tuple[Check | None, frozenset[str]]:
        """One loop for the common object and array shapes (most of the time is spent here)."""
        if node.get("type") == "object":
            return self._object(node), _OBJECT_KEYS
        if node.get("type") == "array" and "items" in node:
            return self._array(node), _ARRAY_KEYS
        return None, frozenset()

    def _object(self, node: Mapping[str, Any]) -> Check:
        properties = {name: self.compile(sub) for name, sub in node.get("properties", {}).items()}
        extra_schema = node.get("additionalProperties", True)
        extra = None if extra_schema is False else self.compile(extra_schema or {})
        required = tuple(node.get("required", ()))

        def check(value: Any) -> bool:
            if not isinstance(value, dict) or any(k not in value for k in required):
                return False
            for key, item in value.items():
                sub = properties.get(key, extra)
                if sub is None or not sub(item):
                    return False
            return True

        return check

    def _array(self, node: Mapping[str, Any]) -> Check:
        item = self.compile(node["items"])
        min_items = node.get("minItems", 0)
        unique = node.get("uniqueItems", False)

        def check(value: Any) -> bool:
            if not isinstance(value, list) or len(value) < min_items:
                return False
            for element in value:
                if not item(element):
                    return False
            return not unique or _unique(value)

        return check

    def _keyword(self, key: str, arg: Any, node: Mapping[str, Any]) -> Check:
        compile_keyword = _KEYWORDS.get(key)
        if compile_keyword is None:
            raise ValueError(f"the fast checker does not know the keyword {key!r}")
        return compile_keyword(self, arg, node)

    def _type(self, arg: Any, node: Mapping[str, Any]) -> Check:
        names = (arg,) if isinstance(arg, str) else tuple(arg)
        if len(names) == 1 and names[0] in _PY_TYPES and names[0] != "boolean":
            kind = _PY_TYPES[names[0]]
            return lambda value: isinstance(value, kind)
        return lambda value: any(_is_type(value, name) for name in names)

    def _ref(self, arg: str, node: Mapping[str, Any]) -> Check:
        name = arg.removeprefix("#/$defs/")
        if name not in self.defs:
            self.defs[name] = lambda value: True  # placeholder while compiling recursion
            self.defs[name] = self.compile(self.root["$defs"][name])
        return lambda value: self.defs[name](value)

    def _items(self, arg: Mapping[str, Any], node: Mapping[str, Any]) -> Check:
        item = self.compile(arg)
        return lambda value: not isinstance(value, list) or all(item(v) for v in value)

    def _min_length(self, arg: int, node: Mapping[str, Any]) -> Check:
        return lambda value: not isinstance(value, str) or len(value) >= arg

    def _max_length(self, arg: int, node: Mapping[str, Any]) -> Check:
        return lambda value: not isinstance(value, str) or len(value) <= arg

    def _pattern(self, arg: str, node: Mapping[str, Any]) -> Check:
        search = re.compile(arg).search
        return lambda value: not isinstance(value, str) or search(value) is not None

    def _minimum(self, arg: float, node: Mapping[str, Any]) -> Check:
        return lambda value: not _is_type(value, "number") or value >= arg

    def _maximum(self, arg: float, node: Mapping[str, Any]) -> Check:
        return lambda value: not _is_type(value, "number") or value <= arg

    def _enum(self, arg: list[Any], node: Mapping[str, Any]) -> Check:
        if all(isinstance(option, str) for option in arg):
            options = frozenset(arg)
            return lambda value: isinstance(value, str) and value in options
        return lambda value: any(value == option and type(value) is type(option) for option in arg)

    def _any_of(self, arg: list[Mapping[str, Any]], node: Mapping[str, Any]) -> Check:
        branches = [self.compile(sub) for sub in arg]
        return lambda value: any(branch(value) for branch in branches)


#: The keywords the fast checker compiles, each by its method of `_Compiler`.
_KEYWORDS: dict[str, Callable[[_Compiler, Any, Mapping[str, Any]], Check]] = {
    "type": _Compiler._type,
    "$ref": _Compiler._ref,
    "items": _Compiler._items,
    "minLength": _Compiler._min_length,
    "maxLength": _Compiler._max_length,
    "pattern": _Compiler._pattern,
    "minimum": _Compiler._minimum,
    "maximum": _Compiler._maximum,
    "enum": _Compiler._enum,
    "anyOf": _Compiler._any_of,
}
_OBJECT_KEYS = frozenset({"type", "properties", "additionalProperties", "required"})
_ARRAY_KEYS = frozenset({"type", "items", "minItems", "uniqueItems"})


def _always(value: Any) -> bool:
    return True


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]

    def check(value: Any) -> bool:
        for one in checks:  # noqa: SIM110 - a loop is faster than all() over a generator
            if not one(value):
                return False
        return True

    return check


def _unique(values: list[Any]) -> bool:
    try:
        return len(set(values)) == len(values)
    except TypeError:  # unhashable items: compare pairwise, as jsonschema does
        return all(a != b for i, a in enumerate(values) for b in values[i + 1 :])
