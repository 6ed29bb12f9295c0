"""The loader's checks beyond YAML syntax: schema errors worded for people, and the rules
a schema cannot say (enum names against the workspace's options, step shapes, shared-step
references, and duplicates across files).

Each check gets plain values that already passed the schema and a `Spot` that turns a
path inside the file into a `Problem` at the right line and column.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from qasesync.errors import Problem
from qasesync.model import ENUM_FIELDS
from qasesync.tree.schema import SchemaError
from qasesync.tree.typos import closest
from qasesync.yamltext.read import Document

YamlPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Spot:
    """A file of the tree and its parsed document: makes problems at paths inside it."""

    file: str
    doc: Document

    def at(self, path: YamlPath, message: str, *, key: bool = False) -> Problem:
        line, col = self.doc.key_position(path) if key else self.doc.position(path)
        return Problem(self.file, line, col, message)


def suggest(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean `x`?)`` for the one candidate ``word`` is a typo of (`typos`),
    or nothing."""
    close = closest(word, candidates)
    return f" (did you mean `{close}`?)" if close else ""


# --- schema errors, worded --------------------------------------------------------------


def schema_problems(spot: Spot, found: Iterable[SchemaError]) -> Iterator[Problem]:
    """One problem per schema error (one per unknown key)."""
    for error in found:
        if error.keyword == "additionalProperties" and isinstance(error.instance, dict):
            yield from _unknown_keys(spot, error)
        else:
            yield spot.at(error.path, _wording(error))


def _unknown_keys(spot: Spot, error: SchemaError) -> Iterator[Problem]:
    known = list(error.schema.get("properties", {}))
    for key in error.instance:
        if key not in known:
            message = f"unknown key `{key}`{suggest(str(key), known)}"
            yield spot.at((*error.path, key), message, key=True)


def _name(path: YamlPath) -> str:
    """`title`, `tags[2]`, or `the file` for the root."""
    text = ""
    for part in reversed(path):
        text = f"[{part}]{text}" if isinstance(part, int) else f"{part}{text}"
        if not isinstance(part, int):
            return f"`{text}`"
    return f"`item{text}`" if text else "the file"


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


def _either(words: list[str]) -> str:
    """``a``, ``a or b``, ``a, b, or c``."""
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + ("," if len(words) > 2 else "") + " or " + words[-1]


def _wording(error: SchemaError) -> str:
    name = _name(error.path)
    keyword, schema, value = error.keyword, error.schema, error.instance
    if keyword == "type":
        types = [schema["type"]] if isinstance(schema["type"], str) else schema["type"]
        return f"{name} must be {_either([_TYPE_WORDS[t] for t in types])}"
    if keyword == "required":
        missing = [k for k in schema.get("required", ()) if k not in value]
        return f"missing required key `{missing[0]}`" if missing else error.message
    if keyword == "enum":
        options = [str(option) for option in schema["enum"]]
        hint = suggest(str(value), options) or f" (one of: {', '.join(options)})"
        return f"{name}: unknown value `{value}`{hint}"
    return _wording_limits(name, error)


def _wording_limits(name: str, error: SchemaError) -> str:
    keyword, schema, value = error.keyword, error.schema, error.instance
    if "errorMessage" in schema and keyword in ("pattern", "anyOf"):
        return f"{name} {schema['errorMessage']}"
    if keyword == "minLength":
        return f"{name} must not be empty"
    if keyword == "maxLength":
        return f"{name} is {len(value)} characters long; at most {schema['maxLength']} are allowed"
    if keyword == "minItems":
        return f"{name} needs at least {schema['minItems']} item(s)"
    if keyword == "uniqueItems":
        return f"{name} lists the same item twice"
    if keyword == "minimum":
        return f"{name} must be at least {schema['minimum']}"
    if keyword == "maximum":
        return f"{name} must be at most {schema['maximum']:,} (a 64-bit number)"
    return f"{name}: {error.message}"


# --- rules within one file --------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """What the checks of one file need to know about the rest of the tree."""

    #: Allowed enum names by field; None while qasesync.yaml is unreadable (not checked then).
    options: Mapping[str, tuple[str, ...]] | None
    shared_keys: frozenset[str] = frozenset()


def case_problems(spot: Spot, index: int, case: Mapping[str, Any], rules: Rules) -> list[Problem]:
    """Enum names, steps/gherkin, step shapes and shared-step references of one case."""
    path: YamlPath = ("cases", index)
    options = rules.options or {}
    problems = [
        spot.at((*path, name), _enum_message(name, case[name], options[name]))
        for name in ENUM_FIELDS
        if name in case and name in options and case[name] not in options[name]
    ]
    if "steps" in case and "gherkin" in case:
        problems.append(spot.at((*path, "gherkin"), "a case has `steps` or `gherkin`, not both"))
    steps = case.get("steps", [])
    problems += step_problems(spot, (*path, "steps"), steps, shared_keys=rules.shared_keys)
    return problems


def _enum_message(name: str, value: str, allowed: tuple[str, ...]) -> str:
    hint = suggest(value, allowed)
    if not hint:
        hint = f" (known: {', '.join(allowed)}; add it under `options` in qasesync.yaml)"
    return f"`{name}`: unknown option `{value}`{hint}"


def step_problems(
    spot: Spot, path: YamlPath, steps: list[Any], *, shared_keys: frozenset[str] | None
) -> list[Problem]:
    """Rules for a list of steps, recursively. ``shared_keys=None``: no `shared` allowed."""
    problems: list[Problem] = []
    for index, step in enumerate(steps):
        here = (*path, index)
        if "shared" in step:
            problems += _shared_reference(spot, here, step, shared_keys)
            continue
        if "workspace_shared" in step:
            problems += _workspace_reference(spot, here, step, shared_keys is None)
            continue
        action = step.get("action")
        if not isinstance(action, str) or not action.strip():
            problems.append(spot.at(here, "a step needs a non-empty `action`"))
        inner = step.get("steps", [])
        problems += step_problems(spot, (*here, "steps"), inner, shared_keys=shared_keys)
    return problems


def _shared_reference(
    spot: Spot, path: YamlPath, step: Mapping[str, Any], shared_keys: frozenset[str] | None
) -> list[Problem]:
    key = step["shared"]
    if shared_keys is None:
        return [spot.at((*path, "shared"), "a shared step cannot use another shared step")]
    others = sorted(k for k in step if k != "shared")
    if others:
        message = f"a `shared` step has no other keys (found `{others[0]}`)"
        return [spot.at((*path, others[0]), message, key=True)]
    if key not in shared_keys:
        message = f"unknown shared step `{key}`{suggest(key, shared_keys)}"
        return [spot.at((*path, "shared"), message)]
    return []


def _workspace_reference(
    spot: Spot, path: YamlPath, step: Mapping[str, Any], in_shared_step: bool
) -> list[Problem]:
    if in_shared_step:
        message = "a shared step cannot use another shared step"
        return [spot.at((*path, "workspace_shared"), message)]
    others = sorted(k for k in step if k != "workspace_shared")
    if others:
        message = f"a `workspace_shared` step has no other keys (found `{others[0]}`)"
        return [spot.at((*path, others[0]), message, key=True)]
    return []


# --- rules across files -----------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """``what`` (an id, key, hash or title) is at ``where``; ``problem`` is what to report
    if something claimed it before (``{first}`` in its message names that place)."""

    what: tuple[str, ...]
    where: str
    problem: Problem | None = None
    #: The path in the file: a YAML alias repeats a node, so two claims can share ``where``.
    path: YamlPath = ()


def claim(spot: Spot, path: YamlPath, what: tuple[str, ...], message: str) -> Claim:
    """A claim of ``what`` at ``path`` in the file."""
    line, col = spot.doc.position(path)
    problem = Problem(spot.file, line, col, message)
    return Claim(what, f"{spot.file}:{line}:{col}", problem, path)


def settle(claims: Iterable[Claim]) -> list[Problem]:
    """Replay claims in tree order: every one after the first of its kind is a problem.
    (Claims are collected, not decided, so that files can be read in any process.)"""
    first: dict[tuple[str, ...], Claim] = {}
    problems = []
    for one in claims:
        earlier = first.setdefault(one.what, one)
        if (earlier.where, earlier.path) != (one.where, one.path) and one.problem is not None:
            place = earlier.where
            if place == one.where:
                place += ", repeated here by a YAML alias"
            message = one.problem.message.replace("{first}", place)
            problems.append(replace(one.problem, message=message))
    return problems
