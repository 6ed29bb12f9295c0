"""System and custom fields of the emulated workspace, in the API's JSON forms.

The default system-field table follows what is known of Qase's option ids (see the fact
sheet, section 8); several ids are inferred. A workspace with other ids or extra slugs is
given to :class:`~qasesync.emulator.Emulator` as a list in the ``GET /system_field`` form.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

JSON = dict[str, Any]

#: Enum fields of a case that take a system-field option id.
ENUM_FIELDS = ("severity", "priority", "type", "behavior", "layer", "status")

_DEFAULT_TABLE: dict[str, tuple[str, list[tuple[int, str, str]], int]] = {
    # slug: (title, [(option id, slug, title)], default option id)
    "severity": (
        "Severity",
        [
            (0, "undefined", "Not set"),
            (1, "blocker", "Blocker"),
            (2, "critical", "Critical"),
            (3, "major", "Major"),
            (4, "normal", "Normal"),
            (5, "minor", "Minor"),
            (6, "trivial", "Trivial"),
        ],
        0,
    ),
    "priority": (
        "Priority",
        [
            (0, "undefined", "Not set"),
            (1, "high", "High"),
            (2, "medium", "Medium"),
            (3, "low", "Low"),
        ],
        0,
    ),
    "type": (
        "Type",
        [
            (1, "other", "Other"),
            (2, "smoke", "Smoke"),
            (3, "regression", "Regression"),
            (4, "security", "Security"),
            (5, "usability", "Usability"),
            (6, "performance", "Performance"),
            (7, "acceptance", "Acceptance"),
            (8, "functional", "Functional"),
            (9, "compatibility", "Compatibility"),
            (10, "integration", "Integration"),
            (11, "exploratory", "Exploratory"),
        ],
        1,
    ),
    "behavior": (
        "Behavior",
        [
            (1, "undefined", "Not set"),
            (2, "positive", "Positive"),
            (3, "negative", "Negative"),
            (4, "destructive", "Destructive"),
        ],
        1,
    ),
    "layer": (
        "Layer",
        [(0, "unknown", "Unknown"), (1, "e2e", "E2E"), (2, "api", "API"), (3, "unit", "Unit")],
        0,
    ),
    "status": (
        "Status",
        [(0, "actual", "Actual"), (1, "draft", "Draft"), (2, "deprecated", "Deprecated")],
        0,
    ),
    "automation": (
        "Automation status (deprecated)",
        [
            (0, "is-not-automated", "Manual"),
            (1, "to-be-automated", "To be automated"),
            (2, "automated", "Automated"),
        ],
        0,
    ),
}


def default_system_fields() -> list[JSON]:
    """The default workspace's ``GET /system_field`` result (a fresh copy)."""
    return [_system_field(slug, *row) for slug, row in _DEFAULT_TABLE.items()]


def _system_field(slug: str, title: str, options: list[tuple[int, str, str]], default: int) -> JSON:
    return {
        "title": title,
        "slug": slug,
        "default_value": str(default),
        "is_required": False,
        "entity": 0,
        "type": 3,
        "input_type": 3,
        "options": [_option(oid, oslug, otitle, oid == default) for oid, oslug, otitle in options],
    }


def _option(option_id: int, slug: str, title: str, is_default: bool) -> JSON:
    return {
        "id": option_id,
        "title": title,
        "slug": slug,
        "color": None,
        "icon": None,
        "is_default": is_default,
        "read_only": False,
    }


class SystemFields:
    """Look-ups over a ``GET /system_field`` list: option ids and slugs per field."""

    def __init__(self, fields: Sequence[Mapping[str, Any]]) -> None:
        self.raw: list[JSON] = [dict(field) for field in fields]
        self._ids: dict[str, dict[str, int]] = {}
        self._defaults: dict[str, int] = {}
        for field in self.raw:
            options = field.get("options") or []
            # An option an admin added may have no slug: its id stands in.
            self._ids[field["slug"]] = {
                str(o.get("slug") or o["id"]): int(o["id"]) for o in options
            }
            default = next((o["id"] for o in options if o.get("is_default")), None)
            if default is not None:
                self._defaults[field["slug"]] = int(default)

    def has(self, slug: str) -> bool:
        """Whether the workspace has the field ``slug`` with options."""
        return bool(self._ids.get(slug))

    def valid(self, slug: str, option_id: object) -> bool:
        """Whether ``option_id`` is an option id of field ``slug`` (any int when absent)."""
        if not isinstance(option_id, int) or isinstance(option_id, bool):
            return False
        return not self.has(slug) or option_id in self._ids[slug].values()

    def default(self, slug: str) -> int:
        """The option id marked ``is_default`` (0 when the field has none)."""
        return self._defaults.get(slug, 0)

    def ids_for(self, slug: str, option_slugs: Iterable[str]) -> set[int]:
        """Option ids of ``option_slugs``; unknown slugs contribute nothing."""
        table = self._ids.get(slug, {})
        return {table[s] for s in option_slugs if s in table}


# --- custom fields ----------------------------------------------------------------------

OPTION_TYPES = frozenset({"selectbox", "radio", "multiselect"})


def field_type(field: Mapping[str, Any]) -> str:
    """The custom field's type, lower-cased (the live API mixes "Selectbox" and "selectbox")."""
    return str(field.get("type", "")).lower()


def option_ids(field: Mapping[str, Any]) -> set[str]:
    """The option ids of an option field, as strings, from its JSON-encoded ``value``."""
    raw = field.get("value")
    if not raw:
        return set()
    try:
        options = json.loads(raw)
    except (TypeError, ValueError):
        return set()
    return {str(o["id"]) for o in options if isinstance(o, dict) and "id" in o}


def enabled_for(field: Mapping[str, Any], project: str) -> bool:
    """Whether a case custom field applies to ``project``."""
    if str(field.get("entity", "case")).lower() not in ("case", "0"):
        return False
    if field.get("is_enabled_for_all_projects"):
        return True
    return project in (field.get("projects_codes") or [])


def sample_custom_fields(projects: Sequence[str] = ("DEMO",)) -> list[JSON]:
    """One case custom field of each of the ten types, with the live API's odd type casing."""
    specs = [
        (1, "Owner", "string", None),
        (2, "Notes", "Text", None),
        (3, "Estimate", "number", None),
        (4, "Reviewed", "Checkbox", None),
        (5, "Component", "selectbox", ["web", "api", "mobile"]),
        (6, "Platform", "radio", ["linux", "macos"]),
        (7, "Components", "Multiselect", ["web", "api", "mobile"]),
        (8, "Spec link", "url", None),
        (9, "Reviewer", "user", None),
        (10, "Due", "Datetime", None),
    ]
    return [_custom_field(fid, title, kind, opts, projects) for fid, title, kind, opts in specs]


def _custom_field(
    field_id: int, title: str, kind: str, options: list[str] | None, projects: Sequence[str]
) -> JSON:
    value = None
    if options is not None:
        value = json.dumps([{"id": i + 1, "title": t} for i, t in enumerate(options)])
    stamp = "2024-01-01T00:00:00+00:00"
    return {
        "id": field_id,
        "title": title,
        "entity": "case",
        "type": kind,
        "placeholder": None,
        "default_value": None,
        "value": value,
        "is_required": False,
        "is_visible": True,
        "is_filterable": True,
        "is_enabled_for_all_projects": False,
        "projects_codes": list(projects),
        "created_at": stamp,
        "updated_at": stamp,
        "created": "2024-01-01 00:00:00",
        "updated": "2024-01-01 00:00:00",
    }
