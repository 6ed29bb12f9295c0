"""Hand-written live Qase JSON, shaped after the spec's schemas and the fact sheet, for
the remote tests: system fields, custom fields of every type, a workspace's FieldMap."""

from __future__ import annotations

import json
from typing import Any

from qasesync.qase.fields import FieldMap

DEFAULT_IDS: dict[str, list[tuple[int, str]]] = {
    "severity": [
        (0, "undefined"),
        (1, "blocker"),
        (2, "critical"),
        (3, "major"),
        (4, "normal"),
        (5, "minor"),
        (6, "trivial"),
    ],
    "priority": [(0, "undefined"), (1, "high"), (2, "medium"), (3, "low")],
    "type": [(1, "other"), (2, "smoke"), (3, "regression"), (8, "functional")],
    "behavior": [(1, "undefined"), (2, "positive"), (3, "negative"), (4, "destructive")],
    "layer": [(0, "unknown"), (1, "e2e"), (2, "api"), (3, "unit")],
    "status": [(0, "actual"), (1, "draft"), (2, "deprecated")],
}
DEFAULTS = {
    "severity": "normal",
    "priority": "undefined",
    "type": "other",
    "behavior": "undefined",
    "layer": "unknown",
    "status": "actual",
}


def system_field(slug: str, options: list[tuple[int, str]], default: str) -> dict[str, Any]:
    """One entry of ``GET /system_field``."""
    return {
        "title": slug.title(),
        "slug": slug,
        "default_value": None,
        "is_required": False,
        "entity": 0,
        "type": 3,
        "options": [
            {
                "id": option_id,
                "title": option_slug.title(),
                "slug": option_slug,
                "color": None,
                "icon": None,
                "is_default": option_slug == default,
                "read_only": False,
            }
            for option_id, option_slug in options
        ],
    }


def system_fields(ids: dict[str, list[tuple[int, str]]] | None = None) -> list[dict[str, Any]]:
    return [system_field(slug, opts, DEFAULTS[slug]) for slug, opts in (ids or DEFAULT_IDS).items()]


def custom_field(
    field_id: int,
    title: str,
    kind: str,
    *,
    options: tuple[tuple[int, str], ...] = (),
    projects: tuple[str, ...] = ("DEMO",),
    everywhere: bool = False,
    entity: str = "case",
    default: str | None = None,
    required: bool = False,
) -> dict[str, Any]:
    """One entity of ``GET /custom_field``: ``type`` in the live service's odd casing."""
    value = json.dumps([{"id": i, "title": t} for i, t in options]) if options else None
    return {
        "id": field_id,
        "title": title,
        "entity": entity,
        "type": kind.capitalize() if field_id % 2 else kind,
        "placeholder": None,
        "default_value": default,
        "value": value,
        "is_required": required,
        "is_visible": True,
        "is_filterable": True,
        "is_enabled_for_all_projects": everywhere,
        "projects_codes": list(projects),
        "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-01T00:00:00+00:00",
    }


def custom_fields() -> list[dict[str, Any]]:
    """One case field of every type enabled for DEMO, plus fields that must be left out."""
    return [
        custom_field(1, "Owner", "string"),
        custom_field(2, "Notes", "text"),
        custom_field(3, "Estimate", "number"),
        custom_field(4, "Reviewed", "checkbox"),
        custom_field(5, "Browser", "selectbox", options=((1, "chrome"), (2, "firefox"))),
        custom_field(6, "Risk", "radio", options=((1, "low"), (2, "high")), default="1"),
        custom_field(
            7, "Components", "multiselect", options=((1, "web"), (2, "api"), (3, "mobile"))
        ),
        custom_field(8, "Spec", "url", everywhere=True, projects=()),
        custom_field(9, "Reviewer", "user"),
        custom_field(10, "Due", "datetime"),
        custom_field(11, "Elsewhere", "string", projects=("OTHER",)),
        custom_field(12, "Run note", "string", entity="run"),
    ]


def field_map(ids: dict[str, list[tuple[int, str]]] | None = None) -> FieldMap:
    return FieldMap.from_json(system_fields(ids), custom_fields(), "DEMO")


def live_case(case_id: int, title: str, **fields: Any) -> dict[str, Any]:
    """A ``GET /case`` entity with every enum at its default id, overridable."""
    body: dict[str, Any] = {
        "id": case_id,
        "position": 1,
        "title": title,
        "description": None,
        "preconditions": None,
        "postconditions": None,
        "severity": 4,
        "priority": 0,
        "type": 1,
        "layer": 0,
        "is_flaky": 0,
        "behavior": 1,
        "automation": 0,
        "isManual": True,
        "isToBeAutomated": False,
        "status": 0,
        "milestone_id": None,
        "suite_id": None,
        "custom_fields": [],
        "attachments": [],
        "steps_type": "classic",
        "steps": [],
        "params": [],
        "parameters": [],
        "tags": [],
        "external_issues": [],
        "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-02T00:00:00+00:00",
    }
    body.update(fields)
    return body


def live_step(action: str, *, shared: str | None = None, **fields: Any) -> dict[str, Any]:
    """A ``TestStep`` as a case read returns it."""
    body: dict[str, Any] = {
        "hash": f"h-{action}",
        "shared_step_hash": shared,
        "shared_step_nested_hash": None,
        "position": 1,
        "action": action,
        "expected_result": None,
        "data": None,
        "attachments": [],
        "steps": [],
    }
    body.update(fields)
    return body
