"""Plan-time checks of the tree against the live workspace: enum options, custom field
titles and options, required custom fields; and of the live suites' parent links. Pure.

A workspace problem (an unknown field or option) is the same for every case that meets
it, so it is reported once, at the first case that meets it, with how many cases do."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qasesync.model import (
    ENUM_FIELDS,
    Case,
    CustomField,
    CustomValue,
    Location,
    Suite,
    Workspace,
)
from qasesync.safetext import terminal

#: A problem before it is placed: the YAML place of the case and the message.
Found = tuple[Location | None, str]
OPTION_TYPES = ("selectbox", "radio", "multiselect")


@dataclass
class _Seen:
    """The cases that meet one problem: the first (in tree order) and how many."""

    first: Location | None
    count: int = 0


def workspace_problems(cases: Iterable[Case], workspace: Workspace, *, project: str) -> list[Found]:
    """Every enum name, custom field or option the workspace lacks, the required custom
    fields that cases omit, and custom fields sharing a title: each problem once, at the
    first case it concerns, saying how many cases it concerns."""
    titles: dict[str, list[CustomField]] = defaultdict(list)
    for definition in workspace.custom_fields:
        titles[definition.title].append(definition)
    seen: dict[tuple[str, ...], _Seen] = {}
    for case in cases:
        keys = _enum_problems(case, workspace) + _custom_problems(case, titles)
        for key in dict.fromkeys(keys):  # a case counts once per problem
            entry = seen.setdefault(key, _Seen(case.location))
            entry.count += 1
            if _before(case.location, entry.first):
                entry.first = case.location
    return [
        (entry.first, _message(key, entry.count, workspace, titles, project))
        for key, entry in seen.items()
    ]


def _before(location: Location | None, first: Location | None) -> bool:
    if location is None or first is None:
        return False
    return (location.file, location.line, location.col) < (first.file, first.line, first.col)


def _enum_problems(case: Case, workspace: Workspace) -> list[tuple[str, ...]]:
    problems: list[tuple[str, ...]] = []
    for name in ENUM_FIELDS:
        value = getattr(case, name)
        enum = workspace.enums.get(name)
        if value is not None and enum is not None and value not in enum.options:
            problems.append(("enum", name, value))
    return problems


def _custom_problems(case: Case, titles: dict[str, list[CustomField]]) -> list[tuple[str, ...]]:
    problems: list[tuple[str, ...]] = []
    for title, value in case.custom_fields.items():
        found = titles.get(title, [])
        if not found:
            problems.append(("unknown", title))
        elif len(found) > 1:
            problems.append(("shared title", title))
        else:
            problems += [("option", title, item) for item in _missing(found[0], value)]
    for definitions in titles.values():
        required = definitions[0]
        omitted = required.title not in case.custom_fields
        if required.required and required.default is None and omitted:
            problems.append(("required", required.title))
    return problems


def _missing(definition: CustomField, value: CustomValue) -> list[str]:
    if definition.type not in OPTION_TYPES:
        return []
    values = value if isinstance(value, tuple) else (str(value),)
    return [item for item in values if item not in definition.options]


def _message(
    key: tuple[str, ...],
    count: int,
    workspace: Workspace,
    titles: dict[str, list[CustomField]],
    project: str,
) -> str:
    kind, name = key[0], key[1]
    used = f" (used by {count} cases)" if count > 1 else ""
    if kind == "enum":
        has = _listed(workspace.enums[name].options)
        return f"{name} {key[2]!r} is not an option of this workspace{used}; it has: {has}"
    if kind == "unknown":
        has = _listed(sorted(titles)) or "none"
        return (
            f"custom field {name!r} is unknown to project {terminal(project)}{used}; "
            f"its case fields: {has}"
        )
    if kind == "shared title":
        ids = " and ".join(f"#{d.id}" for d in titles[name])
        return f"two custom fields are titled {name!r}{used}: {ids}"
    if kind == "option":
        has = _listed(titles[name][0].options)
        return f"custom field {name!r} has no option {key[2]!r}{used}; it has: {has}"
    omitted = f" ({count} cases leave it out)" if count > 1 else ""
    return f"custom field {name!r} is required and has no default{omitted}"


def _listed(names: Iterable[str]) -> str:
    """Names from the workspace (option slugs, field titles), one line that can start no
    line of its own and drive no terminal."""
    return ", ".join(terminal(name) for name in names)


def parent_loops(suites: Iterable[Suite]) -> list[str]:
    """One problem per loop of the live suites' ``parent`` links (corrupt data in Qase):
    no tree can hold them, since every walk up from them would never end."""
    return [_loop_problem(cycle) for cycle in _parent_cycles(suites)]


def _loop_problem(cycle: Sequence[Suite]) -> str:
    chain = " → ".join(f"#{s.id} {s.title!r}" for s in cycle) + f" → #{cycle[0].id}"
    return (
        f"the parents of live suites loop: {chain} (corrupt data in Qase); give one of them "
        "another parent in the Qase web app, then plan again"
    )


def _parent_cycles(suites: Iterable[Suite]) -> list[list[Suite]]:
    """The loops of ``parent`` links (corrupt live data): each as its suites, in link order."""
    by_key = {s.key: s for s in suites}
    done: set[str] = set()
    cycles: list[list[Suite]] = []
    for start in by_key:
        path: list[str] = []
        key: str | None = start
        while key is not None and key in by_key and key not in done and key not in path:
            path.append(key)
            key = by_key[key].parent
        if key in path:  # the walk came back to a suite of its own path
            cycles.append([by_key[k] for k in path[path.index(key) :]])
        done.update(path)
    return cycles
