"""Test cases: a write payload checked into stored fields, and the stored case read back.

``mode`` is ``"create"`` (single ``POST /case``), ``"bulk"`` (one item of
``POST /case/bulk``) or ``"patch"``. The live API honours ``isManual``/``isToBeAutomated``
only on a single create and ignores the old ``automation`` integer on every write.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from qasesync.emulator import steps as step_forms
from qasesync.emulator import values
from qasesync.emulator.apierrors import Problems
from qasesync.emulator.fields import ENUM_FIELDS, SystemFields, enabled_for, field_type, option_ids
from qasesync.emulator.shapes import Shapes

JSON = dict[str, Any]
Mode = Literal["create", "bulk", "patch"]
TEXT_FIELDS = ("description", "preconditions", "postconditions")


@dataclass(frozen=True)
class CaseContext:
    """What checking a case needs to know about its project."""

    project: str
    system: SystemFields
    custom_fields: list[JSON]
    suite_exists: Callable[[int], bool]
    shared: step_forms.SharedLookup
    new_hash: step_forms.NewHash
    tag_id: Callable[[str], int]
    files: step_forms.FileLookup = step_forms.no_files
    #: A shared-step reference reads as one step per use (`step_forms.read_case_steps`).
    collapsed: bool = False
    #: The open read and write shapes (`qasesync.emulator.shapes`).
    shapes: Shapes = dataclasses.field(default_factory=Shapes)

    def custom(self) -> dict[str, JSON]:
        """The case custom fields enabled for the project, by id as a string."""
        return {str(f["id"]): f for f in self.custom_fields if enabled_for(f, self.project)}


def parse_case(
    payload: Mapping[str, Any],
    problems: Problems,
    ctx: CaseContext,
    mode: Mode,
    current: Mapping[str, Any] | None = None,
) -> JSON:
    """The stored fields a payload sets (all of them on create, the given ones on patch)."""
    fields: JSON = {}
    if mode != "patch" or "title" in payload:
        fields["title"] = values.title(payload.get("title"), "title", problems)
    for name in TEXT_FIELDS:
        if name in payload or mode != "patch":
            fields[name] = values.text(payload.get(name), name, problems)
    fields.update(_enums(payload, problems, ctx, mode))
    fields.update(_placement(payload, problems, ctx, mode))
    fields.update(_content(payload, problems, ctx, current))
    if mode == "create":
        fields["automation"] = _automation(payload, problems)
    elif mode == "bulk":
        fields["automation"] = 0
    return fields


def _enums(payload: Mapping[str, Any], problems: Problems, ctx: CaseContext, mode: Mode) -> JSON:
    fields: JSON = {}
    for name in ENUM_FIELDS:
        if name not in payload:
            if mode != "patch":
                fields[name] = _create_default(name, ctx)
            continue
        value = payload[name]
        if not ctx.system.valid(name, value):
            problems.add(name, "The selected {field} is invalid.")
        fields[name] = value
    if "is_flaky" in payload or mode != "patch":
        flaky = payload.get("is_flaky", 0)
        if flaky not in (0, 1) or isinstance(flaky, bool):
            problems.add("is_flaky", "The selected {field} is invalid.")
        fields["is_flaky"] = flaky
    return fields


def _create_default(name: str, ctx: CaseContext) -> int:
    """The option a create without ``name`` gets: the flagged default, unless the
    emulator imitates a service whose own create default differs."""
    override = ctx.shapes.create_default_severity
    if name == "severity" and override is not None:
        return override
    return ctx.system.default(name)


def _placement(
    payload: Mapping[str, Any], problems: Problems, ctx: CaseContext, mode: Mode
) -> JSON:
    fields: JSON = {}
    if "suite_id" in payload or mode != "patch":
        # A null suite on create means the project root; PATCH cannot move a case there.
        suite = values.integer(
            payload.get("suite_id"), "suite_id", problems, nullable=mode != "patch"
        )
        if suite is not None and not ctx.suite_exists(suite):
            problems.add("suite_id", "The selected {field} is invalid.")
        fields["suite_id"] = suite
    if "milestone_id" in payload or mode != "patch":
        fields["milestone_id"] = values.integer(
            payload.get("milestone_id"), "milestone_id", problems, nullable=True
        )
    return fields


def _content(
    payload: Mapping[str, Any],
    problems: Problems,
    ctx: CaseContext,
    current: Mapping[str, Any] | None,
) -> JSON:
    creating = current is None
    fields = _steps(payload, problems, ctx, current)
    if "tags" in payload or creating:
        tags = values.string_list(payload.get("tags") or [], "tags", problems)
        fields["tags"] = list(dict.fromkeys(tags))
    if "parameters" in payload or "params" in payload or creating:
        fields["parameters"] = _parameters(payload, problems)
    if "custom_field" in payload or creating:
        fields["custom_field"] = _custom_values(
            payload.get("custom_field") or {}, problems, ctx, creating
        )
    return fields


def _steps(
    payload: Mapping[str, Any],
    problems: Problems,
    ctx: CaseContext,
    current: Mapping[str, Any] | None,
) -> JSON:
    """``steps`` replace the whole list; without ``steps_type`` the current type is kept."""
    before = "classic" if current is None else current["steps_type"]
    kind = payload.get("steps_type") or before
    if kind not in ("classic", "gherkin"):
        problems.add("steps_type", "The selected {field} is invalid.")
    if current is not None and "steps" not in payload:
        if kind != before:
            problems.add("steps", "The {field} field is required when steps type is present.")
        return {}
    parsed = step_forms.parse_case_steps(
        payload.get("steps") or [],
        problems,
        gherkin=kind == "gherkin",
        shared=ctx.shared,
        new_hash=ctx.new_hash,
        files=ctx.files,
    )
    return {"steps_type": kind, "steps": parsed}


def _automation(payload: Mapping[str, Any], problems: Problems) -> int:
    """0 manual, 1 to be automated, 2 automated, from isManual/isToBeAutomated only."""
    manual = payload.get("isManual", True)
    to_be = payload.get("isToBeAutomated", False)
    manual = values.boolean(manual, "isManual", problems)
    to_be = values.boolean(to_be, "isToBeAutomated", problems)
    if manual is False:
        return 2
    return 1 if to_be else 0


# --- parameters -------------------------------------------------------------------------


def _parameters(payload: Mapping[str, Any], problems: Problems) -> list[JSON]:
    if payload.get("parameters") is not None:
        raw = payload["parameters"]
        if not isinstance(raw, list):
            problems.add("parameters", "The {field} must be an array.")
            return []
        return [_parameter(item, problems.sub(f"parameters.{i}.")) for i, item in enumerate(raw)]
    legacy = payload.get("params") or {}
    if not isinstance(legacy, dict):
        problems.add("params", "The {field} must be an object.")
        return []
    return [
        _single(None, name, vals, problems.sub(f"params.{name}.")) for name, vals in legacy.items()
    ]


def _parameter(raw: Any, problems: Problems) -> JSON:
    if not isinstance(raw, dict):
        problems.add("title", "The {field} field is required.")
        return _single(None, "", [], problems)
    if "items" in raw:
        items = raw["items"] if isinstance(raw["items"], list) else []
        if len(items) < 2:
            problems.add("items", "The {field} must have at least 2 items.")
        singles = [_item(i, problems.sub(f"items.{n}.")) for n, i in enumerate(items)]
        return {"type": "group", "shared_id": None, "items": singles}
    if "shared_id" in raw:
        shared = values.text(raw["shared_id"], "shared_id", problems, required=True)
        return {"type": "single", "shared_id": shared, "item": {"title": "", "values": []}}
    return {"type": "single", "shared_id": None, "item": _item(raw, problems)}


def _single(shared: str | None, name: str, vals: Any, problems: Problems) -> JSON:
    return {
        "type": "single",
        "shared_id": shared,
        "item": _item({"title": name, "values": vals}, problems),
    }


def _item(raw: Any, problems: Problems) -> JSON:
    raw = raw if isinstance(raw, dict) else {}
    return {
        "title": values.text(raw.get("title"), "title", problems, required=True) or "",
        "values": values.string_list(raw.get("values", []), "values", problems),
    }


# --- custom fields ----------------------------------------------------------------------


def _custom_values(
    raw: Any, problems: Problems, ctx: CaseContext, creating: bool
) -> dict[str, str]:
    if not isinstance(raw, dict):
        problems.add("custom_field", "The {field} must be an object.")
        return {}
    known = ctx.custom()
    result: dict[str, str] = {}
    for key, value in raw.items():
        field = known.get(str(key))
        where = f"custom_field.{key}"
        if field is None:
            problems.add(where, "The selected {field} is invalid.")
        elif not isinstance(value, str):
            problems.add(where, "The {field} must be a string.")
        elif _valid_custom(field, value.strip()):
            result[str(key)] = value.strip()
        else:
            problems.add(where, "The selected {field} is invalid.")
    if creating:
        _custom_defaults(result, known, problems)
    return result


def _valid_custom(field: Mapping[str, Any], value: str) -> bool:
    kind = field_type(field)
    if value == "":
        return True
    if kind in ("selectbox", "radio"):
        return value in option_ids(field)
    if kind == "multiselect":
        return all(part in option_ids(field) for part in value.split(","))
    if kind == "checkbox":
        return value in ("0", "1")
    if kind == "number":
        return _is_number(value)
    return True


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _custom_defaults(result: dict[str, str], known: dict[str, JSON], problems: Problems) -> None:
    for key, field in known.items():
        if result.get(key):
            continue
        if field.get("default_value"):
            result[key] = str(field["default_value"])
        elif field.get("is_required"):
            problems.add(f"custom_field.{key}", "The {field} field is required.")


# --- read form --------------------------------------------------------------------------


def read_case(record: JSON, ctx: CaseContext, *, include_external: bool = False) -> JSON:
    """The case as ``GET /case/{code}/{id}`` returns it."""
    automation = record["automation"]
    result: JSON = {
        "id": record["id"],
        "position": record["position"],
        "title": record["title"],
        **{name: record[name] for name in TEXT_FIELDS},
        **{name: record[name] for name in ENUM_FIELDS},
        "is_flaky": record["is_flaky"],
        "automation": automation,
        "isManual": automation != 2,
        "isToBeAutomated": automation == 1,
        "milestone_id": record["milestone_id"],
        "suite_id": record["suite_id"],
        "custom_fields": _read_custom(record["custom_field"], ctx),
        "attachments": [],
        "steps_type": record["steps_type"],
        "steps": step_forms.read_case_steps(
            record["steps"], ctx.shared, ctx.files, collapsed=ctx.collapsed
        ),
        "params": _read_params(record["parameters"]),
        "parameters": [dict(p) for p in record["parameters"]],
        "tags": [{"title": tag, "internal_id": ctx.tag_id(tag)} for tag in record["tags"]],
        "member_id": record["author_id"],
        "author_id": record["author_id"],
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
        "deleted": None,
        "created": _legacy(record["created_at"]),
        "updated": _legacy(record["updated_at"]),
    }
    if include_external:
        result["external_issues"] = read_external(record["external_issues"])
    return result


def _read_custom(stored: dict[str, str], ctx: CaseContext) -> list[JSON]:
    kinds = {key: field_type(field) for key, field in ctx.custom().items()}
    return [
        entry
        for key, value in sorted(stored.items(), key=_by_int)
        for entry in ctx.shapes.read_custom(int(key), kinds.get(key, ""), value)
    ]


def _by_int(item: tuple[str, str]) -> int:
    return int(item[0])


def _read_params(parameters: list[JSON]) -> Any:
    singles = {
        p["item"]["title"]: list(p["item"]["values"])
        for p in parameters
        if p["type"] == "single" and p["shared_id"] is None
    }
    return singles or []


def read_external(stored: dict[str, list[str]]) -> list[JSON]:
    """External issues by integration type, each issue with a Jira-like link."""
    return [
        {
            "type": kind,
            "issues": [
                {"id": key, "link": f"https://jira.example.com/browse/{key}"} for key in keys
            ],
        }
        for kind, keys in sorted(stored.items())
        if keys
    ]


def _legacy(stamp: str) -> str:
    """The deprecated ``created``/``updated`` form: ``2021-12-30T19:23:59.000000Z``."""
    return stamp.replace("+00:00", ".000000Z")
