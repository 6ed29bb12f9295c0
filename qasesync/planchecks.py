"""Plan-time checks of the tree against the live workspace (contract section 4): enum
options, custom field titles and options, required custom fields. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from qasesync.model import ENUM_FIELDS, Case, CustomField, CustomValue, Location, Workspace

#: A problem before it is placed: the YAML place of the case and the message.
Found = tuple[Location | None, str]
OPTION_TYPES = ("selectbox", "radio", "multiselect")


def workspace_problems(cases: Iterable[Case], workspace: Workspace) -> list[Found]:
    """Every enum name, custom field or option the workspace lacks, each case's
    required custom fields that the tree omits, and custom fields sharing a title."""
    titles: dict[str, list[CustomField]] = defaultdict(list)
    for definition in workspace.custom_fields:
        titles[definition.title].append(definition)
    found: list[Found] = []
    for case in cases:
        found += [(case.location, m) for m in _enum_problems(case, workspace)]
        found += [(case.location, m) for m in _custom_problems(case, titles)]
    return found


def _enum_problems(case: Case, workspace: Workspace) -> list[str]:
    problems = []
    for name in ENUM_FIELDS:
        value = getattr(case, name)
        enum = workspace.enums.get(name)
        if value is not None and enum is not None and value not in enum.options:
            has = ", ".join(enum.options)
            problems.append(f"{name} {value!r} is not an option of this workspace; it has: {has}")
    return problems


def _custom_problems(case: Case, titles: dict[str, list[CustomField]]) -> list[str]:
    problems = []
    for title, value in case.custom_fields.items():
        found = titles.get(title, [])
        if not found:
            has = ", ".join(sorted(titles)) or "none"
            problems.append(f"custom field {title!r} is unknown; fields: {has}")
        elif len(found) > 1:
            ids = " and ".join(f"#{d.id}" for d in found)
            problems.append(f"two custom fields are titled {title!r}: {ids}")
        else:
            problems += _option_problems(found[0], value)
    for definitions in titles.values():
        required = definitions[0]
        omitted = required.title not in case.custom_fields
        if required.required and required.default is None and omitted:
            problems.append(f"custom field {required.title!r} is required and has no default")
    return problems


def _option_problems(definition: CustomField, value: CustomValue) -> list[str]:
    if definition.type not in OPTION_TYPES:
        return []
    values = value if isinstance(value, tuple) else (str(value),)
    has = ", ".join(definition.options)
    return [
        f"custom field {definition.title!r} has no option {item!r}; it has: {has}"
        for item in values
        if item not in definition.options
    ]
