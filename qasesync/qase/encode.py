"""The model → the JSON bodies Qase's write endpoints take. Pure: no I/O.

Enum slugs become the workspace's option ids, custom fields ``{"<id>": "value"}``,
shared references ``{"shared": hash}``, a step's attachments their hashes, parameters
the new ``parameters`` list (never the deprecated ``params``). Text is sent trimmed, as
the service stores it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from qasesync.errors import PlanError
from qasesync.model import ENUM_FIELDS, Case, SharedStep, Step, Suite
from qasesync.qase.fields import FieldMap, JsonObject, encode_value
from qasesync.safetext import terminal

log = logging.getLogger(__name__)

#: automation slug → (isManual, isToBeAutomated)
AUTOMATION_FLAGS: Mapping[str, tuple[bool, bool]] = {
    "manual": (True, False),
    "to-be-automated": (True, True),
    "automated": (False, False),
}
TEXT_FIELDS = ("title", "description", "preconditions", "postconditions")
SUITE_FIELDS = frozenset({"title", "description", "preconditions", "parent"})
#: The create-body keys of a model field whose key is not its name (``ignore_fields``).
BODY_KEYS: Mapping[str, tuple[str, ...]] = {
    "flaky": ("is_flaky",),
    "custom_fields": ("custom_field",),
    "steps": ("steps_type", "steps"),
    "automation": ("isManual", "isToBeAutomated"),
}
#: Case fields a PATCH cannot change: automation (ignored by the API on PATCH) and
#: external issues (attached through their own endpoints).
NOT_PATCHED = frozenset({"automation", "external_issues"})
CUSTOM_PREFIX = "custom_fields."


# --- suites and shared steps ------------------------------------------------------------


def suite_payload(
    suite: Suite, fields: Collection[str] = SUITE_FIELDS, *, parent_id: int | None
) -> JsonObject:
    """``POST /suite`` (all fields) or ``PATCH /suite`` (only ``fields``) body."""
    unknown = set(fields) - SUITE_FIELDS
    if unknown:
        raise ValueError(f"not a suite field: {', '.join(sorted(unknown))}")
    body: JsonObject = {
        name: str(getattr(suite, name)).strip()
        for name in ("title", "description", "preconditions")
        if name in fields
    }
    if "parent" in fields:
        body["parent_id"] = parent_id
    return body


def shared_step_payload(shared: SharedStep) -> JsonObject:
    """A shared step's create or update body: always the title and every step."""
    return {"title": shared.title.strip(), "steps": [plain_step(s) for s in shared.steps]}


def plain_step(step: Step, *, nested: Callable[[Step], JsonObject] | None = None) -> JsonObject:
    """A step's own content, its nested steps through ``nested`` (else as plain steps)."""
    body: JsonObject = {
        "action": step.action.strip(),
        "expected_result": step.expected_result.strip(),
        "data": step.data.strip(),
    }
    if step.attachments:  # a steps write without them drops them (docs/qase-api.md)
        body["attachments"] = list(step.attachments)
    if step.steps:
        body["steps"] = [(nested or plain_step)(s) for s in step.steps]
    return body


# --- cases ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseEncoder:
    """Case bodies for one workspace. ``suite_ids`` maps a model suite key (None: the
    root) to a live suite id; ``shared_hashes`` maps a shared-step key to its live hash.
    ``ignored`` are the ``ignore_fields``: the web app owns them, a create leaves them out."""

    fields: FieldMap
    suite_ids: Mapping[str | None, int | None]
    shared_hashes: Mapping[str, str]
    ignored: frozenset[str] = frozenset()

    def create(self, case: Case, *, for_bulk: bool = False) -> JsonObject:
        """``POST /case`` body (or one entry of ``/case/bulk`` with ``for_bulk``). Every
        enum is sent, an omitted one as the workspace's default option (whatever the
        service's own create default is); omitted flaky and milestone are not sent."""
        body: JsonObject = {name: str(getattr(case, name)).strip() for name in TEXT_FIELDS}
        suite_id = self._suite_id(case)
        if suite_id is not None:
            body["suite_id"] = suite_id
        for name in ENUM_FIELDS:
            body.update(self._enum(name, getattr(case, name)))
        if case.flaky is not None:
            body["is_flaky"] = int(case.flaky)
        if case.milestone_id is not None:
            body["milestone_id"] = case.milestone_id
        body["tags"] = _tags(case)
        body["custom_field"] = self._custom(case.custom_fields)
        body["parameters"] = _parameters(case)
        body.update(self._steps(case))
        if not for_bulk and case.automation is not None:
            body.update(_automation(case.automation))
        for name in self.ignored:
            for key in BODY_KEYS.get(name, (name,)):
                body.pop(key, None)
        return body

    def patch(self, case: Case, names: Collection[str]) -> JsonObject:
        """``PATCH /case`` body holding only the model fields ``names`` (a custom field as
        ``"custom_fields.<title>"``, or ``"custom_fields"`` for all the case gives)."""
        body: JsonObject = {}
        custom: JsonObject = {}
        for name in sorted(names):
            if name.startswith(CUSTOM_PREFIX):
                custom.update(self._custom_one(case, name[len(CUSTOM_PREFIX) :]))
            elif name == "custom_fields":
                custom.update(self._custom(case.custom_fields))
            elif name in NOT_PATCHED:
                log.debug("case %s: %s is not sent by a patch", case.id, name)
            else:
                body.update(self._patcher(name)(self, case))
        if custom:
            body["custom_field"] = custom
        return body

    @staticmethod
    def _patcher(name: str) -> Callable[[CaseEncoder, Case], JsonObject]:
        if name in TEXT_FIELDS:
            return lambda _, case: {name: str(getattr(case, name)).strip()}
        if name in ENUM_FIELDS:
            return lambda self, case: self._enum(name, getattr(case, name))
        if name not in _PATCHERS:
            raise ValueError(f"not a case field: {name}")
        return _PATCHERS[name]

    # -- pieces --

    def _suite_id(self, case: Case) -> int | None:
        if case.suite not in self.suite_ids:
            where = terminal(f"case '{case.title}': no live suite for '{case.suite}'")
            raise PlanError([where])
        return self.suite_ids[case.suite]

    def _moved_suite(self, case: Case) -> JsonObject:
        suite_id = self._suite_id(case)
        if suite_id is None:
            raise PlanError(
                [
                    terminal(f"case {case.id} '{case.title}'")
                    + ": the API cannot move a case to the project root"
                ]
            )
        return {"suite_id": suite_id}

    def _enum(self, name: str, slug: str | None) -> JsonObject:
        """An enum's option id; None (omitted in the tree) means the workspace default."""
        chosen = slug if slug is not None else self.fields.enums[name].field.default
        option_id = self.fields.enum_id(name, chosen)
        return {} if option_id is None else {name: option_id}

    def _custom(self, values: Mapping[str, Any]) -> JsonObject:
        out: JsonObject = {}
        for title, value in values.items():
            spec = self.fields.custom_by_title(title)
            out[str(spec.field.id)] = encode_value(spec, value)
        return out

    def _custom_one(self, case: Case, title: str) -> JsonObject:
        """One custom field; absent from the case means its default, else empty."""
        spec = self.fields.custom_by_title(title)
        value = case.custom_fields.get(title, spec.field.default)
        return {str(spec.field.id): encode_value(spec, value)}

    def _steps(self, case: Case) -> JsonObject:
        if case.gherkin is not None:
            text = case.gherkin.strip()
            return {"steps_type": "gherkin", "steps": [{"value": text}] if text else []}
        return {"steps_type": "classic", "steps": [self._step(s) for s in case.steps]}

    def _step(self, step: Step) -> JsonObject:
        if step.workspace is not None:  # a reference, never its content
            return {"shared": step.workspace}
        if step.shared is None:
            return plain_step(step, nested=self._step)
        if step.shared not in self.shared_hashes:
            raise PlanError([f"shared step '{terminal(str(step.shared))}' has no live hash"])
        return {"shared": self.shared_hashes[step.shared]}


def _tags(case: Case) -> list[str]:
    return [tag.strip() for tag in case.tags]


def _parameters(case: Case) -> list[JsonObject]:
    return [{"title": name, "values": list(values)} for name, values in case.parameters.items()]


def _automation(slug: str) -> JsonObject:
    if slug not in AUTOMATION_FLAGS:
        raise PlanError(
            [f"automation '{terminal(slug)}' is not one of {', '.join(AUTOMATION_FLAGS)}"]
        )
    manual, to_be = AUTOMATION_FLAGS[slug]
    return {"isManual": manual, "isToBeAutomated": to_be}


_PATCHERS: Mapping[str, Callable[[CaseEncoder, Case], JsonObject]] = {
    "suite": CaseEncoder._moved_suite,
    "flaky": lambda _, case: {"is_flaky": int(bool(case.flaky))},
    "milestone_id": lambda _, case: (
        {} if case.milestone_id is None else {"milestone_id": case.milestone_id}
    ),
    "tags": lambda _, case: {"tags": _tags(case)},
    "parameters": lambda _, case: {"parameters": _parameters(case)},
    "steps": CaseEncoder._steps,
    "gherkin": CaseEncoder._steps,
}
