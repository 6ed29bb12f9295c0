"""Qase's own CSV (its export and import format, V1 and V2; docs/csv.md) → cases.

The columns are in `COLUMNS` (V2 names the id column ``v2.id``). A row whose
``suite_without_cases`` is set declares a suite; any other row is a case. Suites form
their tree through ``suite_id`` / ``suite_parent_id``, and ``suite`` is then the suite's
*title*; a case row without ``suite_id`` gives in ``suite`` a path (``Auth/Login``), as
hand-made files do. The steps columns hold numbered lines (``1. …``, ``2.1. …`` for a
nested step) paired by number; in V2 the text after the number is a JSON string
(``1. "Open, then\\nwait"``), which is how V2 holds commas, quotes and line breaks.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qasesync.adopt import csvcells as cells
from qasesync.adopt.csvcells import BadRow
from qasesync.model import Case, Step

CASE_COLUMNS = (
    "title",
    "description",
    "preconditions",
    "postconditions",
    "tags",
    "priority",
    "severity",
    "type",
    "behavior",
    "automation",
    "status",
    "is_flaky",
    "layer",
    "steps_type",
    "steps_actions",
    "steps_result",
    "steps_data",
    "milestone_id",
    "milestone",
    "suite_id",
    "suite_parent_id",
    "suite",
    "suite_without_cases",
    "parameters",
    "is_muted",
)
#: The header Qase writes, by CSV version: the id column, then the same 25 columns.
COLUMNS: Mapping[int, tuple[str, ...]] = {1: ("id", *CASE_COLUMNS), 2: ("v2.id", *CASE_COLUMNS)}
#: Header names that tell Qase's layout from the bulk one.
MARKERS = frozenset(
    {"v2.id", "steps_actions", "steps_result", "steps_data", "steps_type"}
    | {"suite_parent_id", "suite_without_cases", "is_muted"}
)
_NUMBERED = re.compile(r"\s*(\d+(?:\.\d+)*)[.)](?:\s+|$)(.*)")

Number = tuple[int, ...]


@dataclass(frozen=True)
class SuiteRow:
    """What the file says of one suite id: its title and parent, and where."""

    title: str
    parent: int | None
    line: int
    description: str = ""
    preconditions: str = ""


def is_suite_row(record: Mapping[str, str]) -> bool:
    return bool(cells.flag(record, "suite_without_cases"))


def suite_rows(rows: Sequence[tuple[int, Mapping[str, str]]]) -> dict[int, SuiteRow]:
    """Every suite id the file names with a title, from suite rows and case rows alike
    (an export gives a suite holding cases no row of its own). The first row wins; a
    row that contradicts it is reported when its turn comes (`check_suite`)."""
    table: dict[int, SuiteRow] = {}
    for line, record in rows:
        try:
            found = _suite_row(record, line)
        except BadRow:
            continue
        if found is not None:
            table.setdefault(found[0], found[1])
    return table


def _suite_row(record: Mapping[str, str], line: int) -> tuple[int, SuiteRow] | None:
    suite_id = cells.positive(record, "suite_id")
    if suite_id is None or not record.get("suite"):
        return None
    text = {}
    if is_suite_row(record):  # a suite row's text columns are the suite's
        text = {name: record.get(name, "") for name in ("description", "preconditions")}
    parent = cells.positive(record, "suite_parent_id")
    return suite_id, SuiteRow(record["suite"], parent, line, **text)


def check_suite(record: Mapping[str, str], table: Mapping[int, SuiteRow], line: int) -> None:
    """A row naming a suite id must agree with the first row that named it."""
    found = _suite_row(record, line)
    if found is None:
        return
    suite_id, row = found
    first = table[suite_id]
    if (row.title, row.parent) != (first.title, first.parent):
        raise BadRow(
            f"suite_id {suite_id} is `{row.title}` under {_parent(row.parent)} here, but "
            f"`{first.title}` under {_parent(first.parent)} on line {first.line}"
        )


def _parent(parent: int | None) -> str:
    return f"suite_parent_id {parent}" if parent else "the root"


# --- a case -----------------------------------------------------------------------------


def qase_case(record: Mapping[str, str], suite: str | None, *, version: int) -> Case:
    steps, gherkin = _steps(record, version)
    return Case(
        title=cells.title(record),
        id=cells.positive(record, "id"),
        suite=suite,
        description=record.get("description", ""),
        preconditions=record.get("preconditions", ""),
        postconditions=record.get("postconditions", ""),
        severity=cells.enum(record, "severity"),
        priority=cells.enum(record, "priority"),
        type=cells.enum(record, "type"),
        behavior=cells.enum(record, "behavior"),
        layer=cells.enum(record, "layer"),
        status=cells.enum(record, "status"),
        automation=cells.automation(record.get("automation", "")),
        flaky=cells.flag(record, "is_flaky"),
        milestone_id=cells.positive(record, "milestone_id"),
        tags=cells.tags(record.get("tags", "")),
        parameters=parameters(record.get("parameters", "")),
        steps=steps,
        gherkin=gherkin,
    )


def parameters(text: str) -> dict[str, tuple[str, ...]]:
    """``{"browser": ["chrome", "firefox"]}``: each parameter's name and values."""
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if data in ([], None) and text.strip() in ("[]", "null"):
        return {}
    if not isinstance(data, dict) or not all(_values(v) for v in data.values()):
        raise BadRow(
            f"parameters `{text}` is not a JSON object of value lists"
            ' ({"browser": ["chrome", "firefox"]})'
        )
    return {str(name): tuple(str(v) for v in values) for name, values in data.items()}


def _values(values: object) -> bool:
    return isinstance(values, list) and all(isinstance(v, str | int | float) for v in values)


# --- steps ------------------------------------------------------------------------------


def _steps(record: Mapping[str, str], version: int) -> tuple[tuple[Step, ...], str | None]:
    kind = cells.slug(record.get("steps_type", "")) or "classic"
    if kind == "gherkin":
        return (), _text(record.get("steps_actions", ""), version)
    if kind != "classic":
        raise BadRow(f"steps_type `{record['steps_type']}` is neither classic nor gherkin")
    numbered = {name: _numbered(record, name, version) for name in ("actions", "result", "data")}
    for name in ("result", "data"):
        orphans = sorted(set(numbered[name]) - set(numbered["actions"]))
        if orphans:
            raise BadRow(f"steps_{name} has step {dotted(orphans[0])} but steps_actions has not")
    _check_orphans(numbered["actions"])
    return _nest(numbered, ()), None


def _numbered(record: Mapping[str, str], name: str, version: int) -> dict[Number, str]:
    """``1. a`` / ``2. b`` lines by number; unnumbered lines continue the item above.
    A cell without any number is one step."""
    lines = record.get(f"steps_{name}", "").strip().split("\n")
    if not any(_NUMBERED.fullmatch(line) for line in lines):
        return {(1,): _text("\n".join(lines).strip(), version)} if lines != [""] else {}
    if not _NUMBERED.fullmatch(lines[0]):
        raise BadRow(f"steps_{name}: `{lines[0].strip()}` comes before the first numbered step")
    items: dict[Number, list[str]] = {}
    current: list[str] = []
    for line in lines:
        match = _NUMBERED.fullmatch(line)
        if match:
            number = tuple(int(n) for n in match.group(1).split("."))
            current = _new_item(items, number, name)
            line = match.group(2)
        current.append(line)
    return {number: _text(_item_text(parts), version) for number, parts in items.items()}


def _text(text: str, version: int) -> str:
    """In V2 a step's text is a JSON string; anything else is taken as written."""
    if version == 2 and len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            return str(json.loads(text))
        except ValueError:
            return text
    return text


def _item_text(lines: Sequence[str]) -> str:
    # Continuation lines are usually indented to sit under the text after the number.
    rest = textwrap.dedent("\n".join(lines[1:]))
    return f"{lines[0]}\n{rest}".strip() if rest.strip() else lines[0].strip()


def _new_item(items: dict[Number, list[str]], number: Number, name: str) -> list[str]:
    if number in items:
        raise BadRow(f"steps_{name} numbers step {dotted(number)} twice")
    items[number] = []
    return items[number]


def _nest(numbered: Mapping[str, Mapping[Number, str]], parent: Number) -> tuple[Step, ...]:
    actions = numbered["actions"]
    steps = []
    for number in sorted(n for n in actions if n[:-1] == parent):
        if not actions[number]:
            raise BadRow(f"step {dotted(number)} has no action")
        steps.append(
            Step(
                action=actions[number],
                expected_result=numbered["result"].get(number, ""),
                data=numbered["data"].get(number, ""),
                steps=_nest(numbered, number),
            )
        )
    return tuple(steps)


def _check_orphans(actions: Mapping[Number, str]) -> None:
    for number in sorted(actions):
        if len(number) > 1 and number[:-1] not in actions:
            raise BadRow(f"step {dotted(number)} has no parent step {dotted(number[:-1])}")


def dotted(number: Number) -> str:
    return ".".join(str(n) for n in number)
