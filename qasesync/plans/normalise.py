"""Normalised forms of case, suite and shared-step fields, and the field-level diffs shown
in a plan (docs/plans.md, "Normalisation").

Comparison is on normalised values with ``==``; deepdiff runs only on a pair of step
lists already known to differ, to name the step and field that changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from deepdiff import DeepDiff

from qasesync.model import CustomField, CustomValue, Step, custom_number
from qasesync.plans.plan import FieldDiff

#: How a shared-step reference reads in a normalised step list: desired keys and live
#: hashes both become the same token when they name one live shared step.
RefMapper = Callable[[str], str]

SET_FIELDS = frozenset({"tags", "external_issues"})
_PATH_TOKEN = re.compile(r"\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]")
_DISPLAY_TOKEN = re.compile(r"\[(\d+)\]|([a-z_]+)")


def text(value: str | None) -> str:
    """Text compared after trimming; empty equals absent."""
    return (value or "").strip()


def text_set(values: Iterable[str]) -> frozenset[str]:
    return frozenset(t for t in (text(v) for v in values) if t)


def show(value: Any) -> Any:
    """A value as a `FieldDiff` holds it: JSON data (sets as sorted lists, tuples as
    lists), None when empty or absent. `qasesync.plans.render` quotes it for display."""
    if value is None or value == "" or value == ():
        return None
    if isinstance(value, frozenset):
        return sorted(value)
    return list(value) if isinstance(value, tuple) else value


# --- steps --------------------------------------------------------------------------------


def steps_key(steps: tuple[Step, ...], ref: RefMapper) -> tuple[Any, ...]:
    """A hashable normalised step list; shared references through ``ref``; a workspace
    shared step by its hash alone (its content is read-only)."""
    return tuple(
        ("shared", ref(s.shared))
        if s.shared is not None
        else ("workspace", s.workspace)
        if s.workspace is not None
        else (text(s.action), text(s.expected_result), text(s.data), steps_key(s.steps, ref))
        for s in steps
    )


def steps_data(steps: tuple[Step, ...], ref: RefMapper) -> list[Any]:
    """`steps_key` as plain JSON data (lists), built in one pass: the synced form."""
    return [
        ["shared", ref(s.shared)]
        if s.shared is not None
        else ["workspace", s.workspace]
        if s.workspace is not None
        else [text(s.action), text(s.expected_result), text(s.data), steps_data(s.steps, ref)]
        for s in steps
    ]


def steps_view(
    steps: tuple[Step, ...], ref: RefMapper, content: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Steps as lists of dicts without empty fields: what deepdiff compares for display.
    ``content``: a workspace shared step's content as the live read gave it, by hash."""
    return [_step_view(s, ref, content or {}) for s in steps]


def _step_view(step: Step, ref: RefMapper, content: Mapping[str, str]) -> dict[str, Any]:
    if step.shared is not None:
        return {"shared": ref(step.shared)}
    if step.workspace is not None:
        found = content.get(step.workspace)
        return {"workspace_shared": step.workspace, **({"content": found} if found else {})}
    view: dict[str, Any] = {
        "action": text(step.action),
        "expected_result": text(step.expected_result),
        "data": text(step.data),
    }
    if step.steps:
        view["steps"] = steps_view(step.steps, ref, content)
    return {k: v for k, v in view.items() if v != ""}


def steps_view_of_data(data: list[Any]) -> list[dict[str, Any]]:
    """`steps_data`'s form (a base record's steps) in `steps_view`'s, references as
    their tokens (a reference has two items: a step of four whose action is ``shared``
    is a step like any other)."""
    views: list[dict[str, Any]] = []
    for item in data:
        if len(item) == 2 and item[0] == "shared":
            views.append({"shared": item[1]})
        elif len(item) == 2 and item[0] == "workspace":
            views.append({"workspace_shared": item[1]})
        else:
            view = dict(zip(("action", "expected_result", "data"), item[:3], strict=True))
            view["steps"] = steps_view_of_data(item[3]) if item[3] else ""
            views.append({k: v for k, v in view.items() if v != ""})
    return views


def value_at(steps: list[dict[str, Any]], path: str) -> Any:
    """The value a display path (``steps[2].steps[1].data``, 1-based) names in a step
    view, or None where there is none."""
    found: Any = {"steps": steps}
    for index, key in _DISPLAY_TOKEN.findall(path):
        if index and isinstance(found, list) and 1 <= int(index) <= len(found):
            found = found[int(index) - 1]
        elif key and isinstance(found, dict):
            found = found.get(key)
        else:
            return None
    return found


def workspace_content(steps: Iterable[Step]) -> dict[str, str]:
    """Each workspace shared step a live step list uses → its content in one line
    (``Open the login page; Sign in``), nested lists included."""
    found: dict[str, str] = {}
    for step in steps:
        if step.workspace is not None:
            found[step.workspace] = "; ".join(text(s.action) for s in step.steps)
        else:
            found.update(workspace_content(step.steps))
    return found


def steps_diffs(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[FieldDiff]:
    """``steps[2].expected_result: "a" → "b"`` lines (1-based, as Qase numbers steps)."""
    report = DeepDiff(before, after, verbose_level=2)
    diffs: list[FieldDiff] = []
    for kind in ("values_changed", "type_changes"):
        diffs += [
            FieldDiff(_path(p), show(c["old_value"]), show(c["new_value"]))
            for p, c in report.get(kind, {}).items()
        ]
    for kind in ("iterable_item_added", "dictionary_item_added"):
        diffs += [FieldDiff(_path(p), None, show(v)) for p, v in report.get(kind, {}).items()]
    for kind in ("iterable_item_removed", "dictionary_item_removed"):
        diffs += [FieldDiff(_path(p), show(v), None) for p, v in report.get(kind, {}).items()]
    # Steps that compare unequal yet show alike (a reference read two ways): shown whole.
    return sorted(diffs, key=lambda d: _sort_path(d.path)) or [FieldDiff("steps", before, after)]


def _path(deepdiff_path: str) -> str:
    out = "steps"
    for index, key in _PATH_TOKEN.findall(deepdiff_path[len("root") :]):
        out += f"[{int(index) + 1}]" if index else f".{key}"
    return out


def _sort_path(path: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.split(r"[\[\].]+", path) if p]


# --- custom fields ------------------------------------------------------------------------


def custom_value(definition: CustomField, value: CustomValue | None) -> Any:
    """A custom field value normalised for its type; ``None`` when empty."""
    if value is None or value == "" or value == ():
        return None
    if definition.type == "multiselect":
        items = value if isinstance(value, tuple) else str(value).split(",")
        return text_set(str(v) for v in items) or None
    if definition.type == "checkbox":
        return True if value is True or str(value).lower() in ("true", "1") else None
    if definition.type == "number":
        number = custom_number(str(value))
        return text(number) if isinstance(number, str) else number
    return text(str(value)) or None


def parameters_key(parameters: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {text(k): tuple(text(v) for v in vs) for k, vs in parameters.items() if vs}


def set_diff(path: str, before: frozenset[str], after: frozenset[str]) -> FieldDiff:
    """``tags: +smoke −auth``."""
    return FieldDiff(
        path, added=tuple(sorted(after - before)), removed=tuple(sorted(before - after))
    )


def mapping_diffs(
    prefix: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[FieldDiff]:
    """One line per key whose value differs."""
    keys = sorted(set(before) | set(after))
    return [
        FieldDiff(f"{prefix}.{k}", show(before.get(k)), show(after.get(k)))
        for k in keys
        if before.get(k) != after.get(k)
    ]
