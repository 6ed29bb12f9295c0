"""Schema-valid plain values → the model's frozen dataclasses (no checks, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qasesync.model import (
    DEFAULT_MAX_DESTROY,
    ENUM_FIELDS,
    Case,
    Location,
    MaxDestroy,
    Settings,
    Step,
    as_custom_value,
    shared_text,
)


def allowed_options(settings: Settings | None) -> dict[str, tuple[str, ...]] | None:
    """None when qasesync.yaml is missing or has problems: its `options` are unknown."""
    if settings is None:
        return None
    return {name: settings.allowed_options(name) for name in ENUM_FIELDS}


def settings_from(
    data: Mapping[str, Any], location: Location, *, limit_at: Location | None = None
) -> Settings:
    """``limit_at``: where the file sets ``max_destroy`` (the messages of the limit name it)."""
    return Settings(
        project=data["project"],
        prune=data.get("prune", "deprecate"),
        scope=tuple(data.get("scope", ())),
        max_destroy=_max_destroy(data.get("max_destroy"), limit_at),
        external_issue_type=data.get("external_issue_type", "jira-cloud"),
        write_back=data.get("write_back", True),
        drift=data.get("drift", "keep"),
        ignore_fields=frozenset(data.get("ignore_fields", ())),
        options={name: tuple(values) for name, values in data.get("options", {}).items()},
        bulk_size=data.get("bulk_size"),
        location=location,
    )


def _max_destroy(value: float | str | None, location: Location | None) -> MaxDestroy:
    if value is None:
        return DEFAULT_MAX_DESTROY
    if not isinstance(value, str):
        return MaxDestroy(value, percent=False, location=location)
    return MaxDestroy(float(value.rstrip("% ")), percent=True, location=location)


def steps_from(items: list[Mapping[str, Any]]) -> tuple[Step, ...]:
    return tuple(_step(item) for item in items)


def _step(item: Mapping[str, Any]) -> Step:
    if "shared" in item:
        return Step(shared=shared_text(item["shared"]))
    if "workspace_shared" in item:
        return Step(workspace=item["workspace_shared"])
    return Step(
        action=shared_text(item["action"]),
        expected_result=shared_text(item.get("expected_result")),
        data=shared_text(item.get("data")),
        steps=steps_from(item.get("steps", ())),
    )


_TEXTS = ("description", "preconditions", "postconditions")
_PLAIN_FIELDS = (*ENUM_FIELDS, "automation", "flaky", "milestone_id")


def case_from(item: Mapping[str, Any], suite: str | None, location: Location) -> Case:
    """A case from its schema-valid mapping."""
    texts: dict[str, Any] = {name: item.get(name) or "" for name in _TEXTS}
    plain: dict[str, Any] = {name: item.get(name) for name in _PLAIN_FIELDS}
    plain["milestone_id"] = as_int(item.get("milestone_id"))
    return Case(
        title=item["title"],
        id=as_int(item.get("id")),
        suite=suite,
        **texts,
        **plain,
        tags=tuple(shared_text(t) for t in item.get("tags", ())),
        external_issues=tuple(item.get("external_issues", ())),
        custom_fields={k: as_custom_value(v) for k, v in item.get("custom_fields", {}).items()},
        parameters={k: tuple(str(v) for v in vs) for k, vs in item.get("parameters", {}).items()},
        steps=steps_from(item.get("steps", ())),
        gherkin=item.get("gherkin"),
        location=location,
    )


def as_int(value: int | float | None) -> int | None:
    """Ids as int: JSON Schema lets `3.0` through as an integer."""
    return None if value is None else int(value)
