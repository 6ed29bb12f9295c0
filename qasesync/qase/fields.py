"""The workspace's fields as Qase numbers them: system-field options and custom fields.

`FieldMap` is built from ``GET /system_field`` and ``GET /custom_field`` and converts
both ways between what the model holds (enum slugs, custom values by option title)
and what the API holds (option ids, custom values as scalar strings). Pure: no I/O.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from qasesync.errors import PlanError
from qasesync.model import (
    DEFAULT_SLUGS,
    ENUM_FIELDS,
    CustomField,
    CustomValue,
    EnumField,
    Workspace,
    canonical_custom,
    custom_number,
)
from qasesync.safetext import terminal

log = logging.getLogger(__name__)

JsonObject = dict[str, Any]
#: Custom field types whose values are option ids.
OPTION_TYPES = frozenset({"selectbox", "radio", "multiselect"})
#: ``entity`` of a case custom field: a string on read, an int (0) on create.
CASE_ENTITIES = frozenset({"case", "0"})


@dataclass(frozen=True)
class EnumIds:
    """One system field: option slug ⇄ option id. ``known`` is False when the
    workspace has no such system field (switched off): the default table stands in."""

    field: EnumField
    by_slug: Mapping[str, int]
    by_id: Mapping[int, str]
    known: bool = True


@dataclass(frozen=True)
class CustomSpec:
    """One case custom field with its option ids (as strings, the API's value form)."""

    field: CustomField
    by_title: Mapping[str, str]
    by_id: Mapping[str, str]


@dataclass(frozen=True)
class FieldMap:
    """The workspace's system and custom fields, both directions."""

    enums: Mapping[str, EnumIds]
    custom: tuple[CustomSpec, ...] = ()

    @staticmethod
    def from_json(
        system_fields: Iterable[JsonObject], custom_fields: Iterable[JsonObject], project: str
    ) -> FieldMap:
        """Build from the ``GET /system_field`` result and the ``GET /custom_field`` entities;
        only case custom fields enabled for ``project`` are kept."""
        by_slug = {str(f.get("slug")): f for f in system_fields}
        enums = {name: _enum_ids(name, by_slug.get(name)) for name in ENUM_FIELDS}
        custom = tuple(_custom_spec(f) for f in custom_fields if _enabled_case_field(f, project))
        return FieldMap(enums=enums, custom=custom)

    @property
    def workspace(self) -> Workspace:
        enums = {name: ids.field for name, ids in self.enums.items()}
        return Workspace(enums=enums, custom_fields=tuple(s.field for s in self.custom))

    def enum_id(self, name: str, slug: str) -> int | None:
        """The option id of ``slug``; None when the workspace lacks the whole field and
        ``slug`` is the default (then nothing is sent). Unknown slug → PlanError."""
        ids = self.enums[name]
        if slug in ids.by_slug:
            return ids.by_slug[slug]
        if not ids.known and slug == ids.field.default:
            return None
        has = _listed(ids.field.options) if ids.known else "none (the field is switched off)"
        raise PlanError(
            [f"{name} '{terminal(slug)}' is not an option of this workspace; it has: {has}"]
        )

    def enum_slug(self, name: str, value: Any, *, case_id: Any) -> str:
        """The slug of the option id ``value`` read from a live case."""
        ids = self.enums[name]
        if value is None or not ids.known:
            return ids.field.default
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, int) and value in ids.by_id:
            return ids.by_id[value]
        has = _listed(f"{i}={s}" for i, s in ids.by_id.items())
        raise PlanError(
            [f"case {case_id}: {name} {value!r} is not an option id of this workspace ({has})"]
        )

    def custom_by_id(self, field_id: Any) -> CustomSpec | None:
        for spec in self.custom:
            if str(spec.field.id) == str(field_id):
                return spec
        return None

    def custom_by_title(self, title: str) -> CustomSpec:
        """The one enabled case field with this title; none or two → PlanError."""
        found = [s for s in self.custom if s.field.title == title]
        if len(found) == 1:
            return found[0]
        if found:
            ids = ", ".join(str(s.field.id) for s in found)
            raise PlanError(
                [f"custom field '{terminal(title)}' is ambiguous: fields {ids} share the title"]
            )
        has = _listed(sorted({s.field.title for s in self.custom})) or "none"
        raise PlanError(
            [f"custom field '{terminal(title)}' is not enabled for this project; it has: {has}"]
        )


# --- system fields ----------------------------------------------------------------------


def _enum_ids(name: str, field: JsonObject | None) -> EnumIds:
    if field is None:
        log.warning("the workspace has no system field %r; only its default can be kept", name)
        # Only the default: a plan that needs another option fails at plan time, not when
        # apply has already written part of it.
        enum = EnumField(name, (DEFAULT_SLUGS[name],), DEFAULT_SLUGS[name])
        return EnumIds(enum, {}, {}, known=False)
    by_slug: dict[str, int] = {}
    options = list(field.get("options") or ())
    for option in sorted(options, key=lambda o: not str(o.get("slug") or "").strip()):
        slug = option_slug(option)
        if slug and slug not in by_slug:  # a given slug wins over a derived one
            by_slug[slug] = int(option["id"])
    slugs = tuple(by_slug)
    by_id = {i: s for s, i in by_slug.items()}
    enum = EnumField(name, slugs, _default_slug(name, field, by_id, slugs))
    return EnumIds(enum, by_slug, by_id)


def option_slug(option: Mapping[str, Any]) -> str:
    """An option's slug; an option without one (an admin's own) gets one derived from its
    title: lower case, each run of other characters than a-z and 0-9 one hyphen."""
    slug = option.get("slug")
    if slug is not None and str(slug).strip():
        return str(slug)
    return re.sub(r"[^a-z0-9]+", "-", str(option.get("title") or "").lower()).strip("-")


def _default_slug(
    name: str, field: Mapping[str, Any], by_id: Mapping[int, str], slugs: tuple[str, ...]
) -> str:
    """The option a create sends for an omitted enum: the field's ``default_value``, else
    the option flagged ``is_default``, else the usual default slug, else the first."""
    raw = str(field.get("default_value") or "").strip()
    if raw.lstrip("-").isdigit() and int(raw) in by_id:
        return by_id[int(raw)]
    flagged = [o for o in field.get("options") or () if o.get("is_default")]
    if flagged and int(flagged[0]["id"]) in by_id:
        return by_id[int(flagged[0]["id"])]
    if DEFAULT_SLUGS[name] in slugs:
        return DEFAULT_SLUGS[name]
    return slugs[0] if slugs else ""


# --- custom fields ----------------------------------------------------------------------


def _enabled_case_field(field: JsonObject, project: str) -> bool:
    if str(field.get("entity", "")).lower() not in CASE_ENTITIES:
        return False
    codes = {str(c).upper() for c in field.get("projects_codes") or ()}
    return bool(field.get("is_enabled_for_all_projects")) or project.upper() in codes


def _custom_spec(field: JsonObject) -> CustomSpec:
    kind = str(field.get("type", "")).lower()
    options = _parse_options(field.get("value")) if kind in OPTION_TYPES else []
    by_id = {oid: title for oid, title in options}
    default_raw = field.get("default_value")
    default = decode_value(kind, by_id, default_raw) if default_raw not in (None, "") else None
    model = CustomField(
        id=int(field["id"]),
        title=str(field.get("title", "")),
        type=kind,
        options=tuple(title for _, title in options),
        default=default,
        required=bool(field.get("is_required")),
    )
    return CustomSpec(model, {title: oid for oid, title in options}, by_id)


def _parse_options(value: Any) -> list[tuple[str, str]]:
    """Option (id, title) pairs from the JSON-encoded ``value`` of an option field."""
    if not value:
        return []
    try:
        items = json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError:
        log.warning("custom field options are not JSON: %r", value)
        return []
    return [(str(o["id"]), str(o.get("title", ""))) for o in items if isinstance(o, dict)]


def decode_value(kind: str, by_id: Mapping[str, str], raw: Any) -> CustomValue | None:
    """A live custom value string in the model's form; None when empty."""
    text = "" if raw is None else str(raw).strip()
    if text == "" or (kind == "checkbox" and text in ("0", "false")):
        return None
    if kind == "checkbox":
        return True
    if kind == "number":
        return custom_number(text)
    if kind in ("selectbox", "radio"):
        return _option_title(by_id, text)
    if kind == "multiselect":
        return tuple(sorted(_option_title(by_id, part.strip()) for part in text.split(",")))
    return canonical_custom(kind, text)  # a date or a user read in any of its shapes


def _option_title(by_id: Mapping[str, str], text: str) -> str:
    if text in by_id:
        return by_id[text]
    if text not in by_id.values():
        log.warning("custom field value %r is no known option id", text)
    return text


def encode_value(spec: CustomSpec, value: CustomValue | None) -> str:
    """A model custom value as the API's scalar string (docs/design.md §3)."""
    kind = spec.field.type
    if value is None or value == () or value == "":
        return ""
    if kind == "checkbox":
        return "1" if value is True or str(value).lower() in ("1", "true") else ""
    if kind in ("selectbox", "radio"):
        return _option_id(spec, str(value))
    if kind == "multiselect":
        titles = value if isinstance(value, tuple | list) else (str(value),)
        return ",".join(sorted((_option_id(spec, str(t)) for t in titles), key=_id_order))
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return str(custom_number(repr(value)))
    return str(canonical_custom(kind, value))


def _option_id(spec: CustomSpec, title: str) -> str:
    if title in spec.by_title:
        return spec.by_title[title]
    has = _listed(spec.field.options) or "none"
    field = terminal(spec.field.title)
    raise PlanError([f"custom field '{field}' has no option '{terminal(title)}'; it has: {has}"])


def _listed(names: Iterable[str]) -> str:
    """Names from the workspace, on one line that can drive no terminal."""
    return ", ".join(terminal(name) for name in names)


def _id_order(option_id: str) -> tuple[int, str]:
    return (int(option_id), "") if option_id.isdigit() else (0, option_id)
