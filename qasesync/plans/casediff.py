"""The managed fields of one matched pair of cases, compared on normalised values
(docs/plans.md), and the tree's defaults filled into a desired case. Pure.

The suite a case belongs to is compared by the planner, which knows how suites matched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from qasesync.model import (
    DEFAULT_SLUGS,
    ENUM_FIELDS,
    Case,
    CustomField,
    CustomValue,
    SharedStep,
    Step,
    Workspace,
    canonical_custom,
)
from qasesync.plans import normalise, threeway
from qasesync.plans.normalise import RefMapper, show, text
from qasesync.plans.plan import FieldDiff

SCALAR_FIELDS = (
    "title",
    "description",
    "preconditions",
    "postconditions",
    *ENUM_FIELDS,
    "flaky",
    "gherkin",
)


@dataclass(frozen=True)
class CaseDiffer:
    """Compares cases of one workspace. ``ref`` turns a desired shared-step key into the
    live hash it matched (or a marker of a new one); ``names`` turns a live hash back into
    the desired key, for display."""

    workspace: Workspace
    ignore_fields: frozenset[str]
    ref: RefMapper
    names: Mapping[str, str]
    #: A workspace shared step's content (one line) by hash, as the live cases read it:
    #: shown beside its references in step diffs, never compared (`qasesync.model`).
    workspace_steps: Mapping[str, str] = field(default_factory=dict)

    def resolve(self, case: Case) -> Case:
        """The case with every default the tree leaves out filled in (docs/design.md §3)."""
        enums: dict[str, Any] = {
            name: getattr(case, name) or self._default_slug(name) for name in ENUM_FIELDS
        }
        return replace(
            case,
            **enums,
            automation=case.automation or "manual",
            flaky=bool(case.flaky),
            custom_fields=self._custom_defaults(case),
        )

    def _default_slug(self, name: str) -> str:
        enum = self.workspace.enums.get(name)
        return enum.default if enum is not None else DEFAULT_SLUGS[name]

    @cached_property
    def _nameable(self) -> tuple[CustomField, ...]:
        """The custom fields a title names: two fields sharing one can be neither given
        (a plan error when a case names it) nor filled in, compared or sent."""
        titles = Counter(d.title for d in self.workspace.custom_fields)
        return tuple(d for d in self.workspace.custom_fields if titles[d.title] == 1)

    def _custom_defaults(self, case: Case) -> dict[str, CustomValue]:
        values = dict(case.custom_fields)
        for definition in self._nameable:
            if definition.title not in values and definition.default is not None:
                values[definition.title] = definition.default
            if definition.title in values:  # a date or user compared in the form read back
                values[definition.title] = canonical_custom(
                    definition.type, values[definition.title]
                )
        return values

    def ignored(self, path: str) -> bool:
        """Whether a diff path (``steps[2].action``, ``custom_fields.Owner``) is ignored."""
        return base_field(path) in self.ignore_fields or path in self.ignore_fields

    def diffs(self, desired: Case, live: Case) -> list[FieldDiff]:
        """Every managed field that differs, ``ignore_fields`` left out."""
        diffs = [
            FieldDiff(name, show(before), show(after))
            for name in SCALAR_FIELDS
            if (before := _scalar(live, name)) != (after := _scalar(desired, name))
        ]
        if desired.milestone_id is not None and desired.milestone_id != live.milestone_id:
            diffs.append(
                FieldDiff("milestone_id", show(live.milestone_id), show(desired.milestone_id))
            )
        diffs += _set_diffs(desired, live)
        diffs += self._structured_diffs(desired, live)
        return [d for d in diffs if not self.ignored(d.path)]

    def _structured_diffs(self, desired: Case, live: Case) -> list[FieldDiff]:
        diffs: list[FieldDiff] = []
        if not self.same_steps(live.steps, desired.steps):
            diffs += self.step_diffs(live.steps, desired.steps)
        before = normalise.parameters_key(live.parameters)
        after = normalise.parameters_key(desired.parameters)
        if before != after:
            diffs += normalise.mapping_diffs("parameters", before, after)
        customs_before, customs_after = self._customs(live), self._customs(desired)
        if customs_before != customs_after:
            diffs += normalise.mapping_diffs("custom_fields", customs_before, customs_after)
        return diffs

    def same_steps(self, live: tuple[Step, ...], desired: tuple[Step, ...]) -> bool:
        return normalise.steps_key(live, _same) == normalise.steps_key(desired, self.ref)

    def step_diffs(self, live: tuple[Step, ...], desired: tuple[Step, ...]) -> list[FieldDiff]:
        """Step-by-step lines; run only on step lists known to differ."""
        content = self.workspace_steps
        before = normalise.steps_view(live, lambda h: self.names.get(h, h), content)
        return normalise.steps_diffs(before, normalise.steps_view(desired, _same, content))

    def shared_diffs(self, desired: SharedStep, live: SharedStep) -> list[FieldDiff]:
        diffs = []
        if text(live.title) != text(desired.title):
            diffs.append(FieldDiff("title", show(text(live.title)), show(text(desired.title))))
        if not self.same_steps(live.steps, desired.steps):
            diffs += self.step_diffs(live.steps, desired.steps)
        return diffs

    def _customs(self, case: Case) -> dict[str, Any]:
        values = {}
        for definition in self._nameable:
            value = normalise.custom_value(definition, case.custom_fields.get(definition.title))
            if value is not None:
                values[definition.title] = value
        return values

    def synced(self, case: Case, *, live: bool, suite: str | None) -> dict[str, Any]:
        """Each managed field of a resolved case in the base's synced form (JSON data,
        `qasesync.plans.threeway`): what the three-way comparison and the base record use.
        ``suite`` is the live key of its suite (``#12``), ``(new) folder`` for one apply
        creates, None for the root. Empty values (no text, no items, false) are left out,
        on both sides alike, so that the record stays small."""
        ref = _same if live else self.ref
        values: dict[str, Any] = {name: _scalar(case, name) for name in SCALAR_FIELDS}
        values["suite"] = suite
        for name in sorted(normalise.SET_FIELDS):
            values[name] = sorted(normalise.text_set(getattr(case, name)))
        values["steps"] = normalise.steps_data(case.steps, ref)
        for title, value in self._customs(case).items():
            values[f"custom_fields.{title}"] = threeway.data(value)
        for name, items in normalise.parameters_key(case.parameters).items():
            values[f"parameters.{name}"] = list(items)
        return {k: v for k, v in values.items() if not (_empty(v) or self.ignored(k))}

    def content(self, case: Case, *, live: bool) -> Hashable:
        """What a rename or move keeps: description, preconditions and steps (a fresh
        object, equal to nothing, when all are empty)."""
        steps = normalise.steps_key(case.steps, _same if live else self.ref)
        content = (text(case.description), text(case.preconditions), steps)
        return content if any(content) else object()


def _empty(value: Any) -> bool:
    return value is None or value is False or value == "" or value == []


def _same(token: str) -> str:
    return token


def _scalar(case: Case, name: str) -> Any:
    value = getattr(case, name)
    if name == "flaky":
        return bool(value)
    return text(value) if isinstance(value, str) or value is None else value


def _set_diffs(desired: Case, live: Case) -> list[FieldDiff]:
    diffs = []
    for name in sorted(normalise.SET_FIELDS):
        before = normalise.text_set(getattr(live, name))
        after = normalise.text_set(getattr(desired, name))
        if before != after:
            diffs.append(normalise.set_diff(name, before, after))
    return diffs


def base_field(path: str) -> str:
    """The model field a diff path belongs to: ``steps[2].action`` → ``steps``."""
    return path.split(".")[0].split("[")[0]


def field_names(diffs: list[FieldDiff]) -> list[str]:
    """What a patch sends for these diffs: model field names, ``custom_fields.<Title>``
    for one custom field."""
    names: list[str] = []
    for diff in diffs:
        name = diff.path if diff.path.startswith("custom_fields.") else base_field(diff.path)
        if name not in names:
            names.append(name)
    return names
