"""A CSV of legacy test cases → a `Tree`, for ``qasesync import-csv``.

Two layouts, told apart by their header row:

- **bulk** (the common scripted bulk-import layout): ``title``, ``suite`` (a path such
  as ``Auth/Login``) or ``suite_id``, ``preconditions``, ``description``, ``tags``
  (split on ``,``), ``severity``, ``priority``, and ``steps`` / ``expected`` / ``data``,
  split on ``|`` and paired position by position;
- **qase** (Qase's own CSV): ``title``, ``description``, ``preconditions``,
  ``postconditions``, ``suite`` (a path), ``tags``, the enum fields as names,
  ``is_flaky``, ``steps_type`` and ``steps_actions`` / ``steps_result`` /
  ``steps_data`` holding numbered lines (``1. …``, ``1.1. …`` for a nested step)
  that pair up by number.

Every row is checked; a bad one is reported with the physical line of the file where
it starts (a quoted cell may span lines) and the reason. Columns neither layout knows
are reported once and ignored. Nothing here writes files: the caller hands the tree
to `treewriter`.
"""

from __future__ import annotations

import csv
import difflib
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from qasesync.errors import QasesyncError
from qasesync.model import AUTOMATION_VALUES, DEFAULT_OPTIONS, Case, Settings, Step, Suite, Tree

#: The project code written to ``qasesync.yaml`` when the caller names none.
PLACEHOLDER_PROJECT = "CHANGEME"
TITLE_MAX = 255

# The API's integers for severity and priority under the default table. Legacy CSVs
# made from API dumps hold these; a workspace with other options has other integers,
# which only `GET /system_field` could tell, so only the default table is read here.
SEVERITY_BY_ID = {
    0: "undefined",
    1: "blocker",
    2: "critical",
    3: "major",
    4: "normal",
    5: "minor",
    6: "trivial",
}
PRIORITY_BY_ID = {0: "undefined", 1: "high", 2: "medium", 3: "low"}
_BY_ID = {"severity": SEVERITY_BY_ID, "priority": PRIORITY_BY_ID}

BULK = "bulk"
QASE = "qase"
_QASE_MARKERS = frozenset({"steps_actions", "steps_result", "steps_data", "steps_type"})
_COLUMNS = {
    BULK: frozenset(
        {"title", "suite", "suite_id", "description", "preconditions", "tags"}
        | {"severity", "priority", "steps", "expected", "data"}
    ),
    QASE: frozenset(
        {"title", "suite", "description", "preconditions", "postconditions", "tags"}
        | {"severity", "priority", "type", "behavior", "layer", "automation", "status"}
        | {"is_flaky"}
        | _QASE_MARKERS
    ),
}
_ALIASES = {"expected_result": "expected", "expected_results": "expected", "flaky": "is_flaky"}
_NUMBERED = re.compile(r"\s*(\d+(?:\.\d+)*)[.)](?:\s+|$)(.*)")
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


class BadRow(Exception):
    """One row that cannot become a case; ``line`` is set by the reader."""

    def __init__(self, reason: str, line: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class CsvImport:
    """What a CSV gave: the tree of its good rows, its bad rows, and warnings."""

    source: Path
    tree: Tree
    layout: str
    bad_rows: tuple[BadRow, ...] = ()
    warnings: tuple[str, ...] = ()
    rows: int = 0

    def problems(self) -> list[str]:
        """Each bad row as ``FILE:LINE: reason``."""
        return [f"{self.source}:{bad.line}: {bad.reason}" for bad in self.bad_rows]


@dataclass
class _Builder:
    """Suites by path and cases, collected row by row."""

    suites: dict[tuple[str, ...], Suite] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)
    titles: dict[tuple[str | None, str], int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# --- reading ----------------------------------------------------------------------------


def import_csv(path: Path, *, project: str = PLACEHOLDER_PROJECT) -> CsvImport:
    """Read ``path`` (UTF-8, with or without a byte-order mark) into a `CsvImport`."""
    header, rows = _read(path)
    columns = [_column(name) for name in header]
    layout = detect_layout(columns, path)
    warnings = _column_warnings(header, columns, layout, path)
    builder = _Builder()
    bad: list[BadRow] = []
    for line, cells in rows:
        try:
            _add_row(builder, layout, _record(columns, cells), line)
        except BadRow as error:
            bad.append(BadRow(error.reason, line))
    tree = Tree(
        settings=Settings(project=project),
        suites=tuple(builder.suites.values()),
        cases=tuple(builder.cases),
    )
    warnings += builder.warnings
    return CsvImport(path, tree, layout, tuple(bad), tuple(warnings), len(rows))


def _read(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return _split(path, handle)
    except UnicodeDecodeError as error:
        raise QasesyncError(f"{path}: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise QasesyncError(f"{path}: cannot read ({error.strerror})") from None


def _split(path: Path, handle: TextIO) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the other non-blank rows, each with the line it starts on."""
    reader = csv.reader(handle, strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        raise QasesyncError(f"{path}:{start}: malformed CSV: {error}") from None
    if not rows:
        raise QasesyncError(f"{path}: the file holds no header row")
    return rows[0][1], rows[1:]


def _column(name: str) -> str:
    column = re.sub(r"[\s-]+", "_", name.strip().lower())
    return _ALIASES.get(column, column)


def detect_layout(columns: Sequence[str], path: Path) -> str:
    """`QASE` when the header has Qase's ``steps_*`` columns, else `BULK`; both need
    ``title`` and unique column names."""
    if "title" not in columns:
        semicolons = any(";" in column for column in columns)  # a spreadsheet's other CSV
        hint = " (cells are separated by `;`? save it with commas)" if semicolons else ""
        raise QasesyncError(f"{path}:1: no `title` column in the header{hint}")
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        raise QasesyncError(f"{path}:1: repeated column(s): {', '.join(repeated)}")
    return QASE if _QASE_MARKERS & set(columns) else BULK


def _column_warnings(
    header: Sequence[str], columns: Sequence[str], layout: str, path: Path
) -> list[str]:
    unknown = [h.strip() for h, c in zip(header, columns, strict=True) if c not in _COLUMNS[layout]]
    if not unknown:
        return []
    names = ", ".join(f"`{name}`" if name else "(unnamed)" for name in unknown)
    return [f"{path}:1: unknown column(s) ignored: {names}"]


def _record(columns: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    if len(cells) > len(columns):
        raise BadRow(f"{len(cells)} cells, but the header has {len(columns)} columns")
    # Spreadsheets drop trailing empty cells: a short row means empty cells.
    return {c: _clean(v) for c, v in zip(columns, cells, strict=False) if c}


def _clean(cell: str) -> str:
    return cell.replace("\r\n", "\n").replace("\r", "\n").strip()


# --- one row ----------------------------------------------------------------------------


def _add_row(builder: _Builder, layout: str, record: Mapping[str, str], line: int) -> None:
    """Add the row's case and suites; a bad row adds nothing (not even its suites)."""
    suites, warnings = len(builder.suites), len(builder.warnings)
    try:
        _add_case(builder, layout, record, line)
    except BadRow:
        for path in list(builder.suites)[suites:]:
            del builder.suites[path]
        del builder.warnings[warnings:]
        raise


def _add_case(builder: _Builder, layout: str, record: Mapping[str, str], line: int) -> None:
    suite = _suite_of(builder, record)
    case = (_bulk_case if layout == BULK else _qase_case)(record, suite)
    where = (suite, case.title)
    if where in builder.titles:
        raise BadRow(
            f"a case titled `{case.title}` is already in {_suite_label(suite)} "
            f"(line {builder.titles[where]})"
        )
    builder.titles[where] = line
    builder.cases.append(case)


def _bulk_case(record: Mapping[str, str], suite: str | None) -> Case:
    return Case(
        title=_title(record),
        suite=suite,
        description=record.get("description", ""),
        preconditions=record.get("preconditions", ""),
        severity=_enum(record, "severity"),
        priority=_enum(record, "priority"),
        tags=_tags(record.get("tags", "")),
        steps=_bulk_steps(record),
    )


def _qase_case(record: Mapping[str, str], suite: str | None) -> Case:
    steps, gherkin = _qase_steps(record)
    return Case(
        title=_title(record),
        suite=suite,
        description=record.get("description", ""),
        preconditions=record.get("preconditions", ""),
        postconditions=record.get("postconditions", ""),
        severity=_enum(record, "severity"),
        priority=_enum(record, "priority"),
        type=_enum(record, "type"),
        behavior=_enum(record, "behavior"),
        layer=_enum(record, "layer"),
        status=_enum(record, "status"),
        automation=_automation(record.get("automation", "")),
        flaky=_flaky(record.get("is_flaky", "")),
        tags=_tags(record.get("tags", "")),
        steps=steps,
        gherkin=gherkin,
    )


def _title(record: Mapping[str, str]) -> str:
    title = record.get("title", "")
    if not title:
        raise BadRow("the title is empty")
    if "\n" in title:
        raise BadRow("the title spans several lines")
    if len(title) > TITLE_MAX:
        raise BadRow(f"the title has {len(title)} characters; at most {TITLE_MAX} are allowed")
    return title


def _slug(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


def _enum(record: Mapping[str, str], name: str) -> str | None:
    text = record.get(name, "")
    if not text:
        return None
    if text.isdigit() and name in _BY_ID:
        return _by_id(name, int(text))
    return _known(name, _slug(text), DEFAULT_OPTIONS[name], text)


def _by_id(name: str, number: int) -> str:
    table = _BY_ID[name]
    if number not in table:
        raise BadRow(f"{name} {number} is not one of the API's integers 0-{max(table)}")
    return table[number]


def _known(name: str, slug: str, allowed: Sequence[str], text: str) -> str:
    if slug in allowed:
        return slug
    close = difflib.get_close_matches(slug, allowed, n=1)
    hint = f"did you mean `{close[0]}`?" if close else f"expected one of {', '.join(allowed)}"
    raise BadRow(f"unknown {name} `{text}` ({hint})")


def _automation(text: str) -> str | None:
    return _known("automation", _slug(text), AUTOMATION_VALUES, text) if text else None


def _flaky(text: str) -> bool | None:
    if not text:
        return None
    if text.lower() not in _BOOLEANS:
        raise BadRow(f"is_flaky `{text}` is neither yes nor no")
    return _BOOLEANS[text.lower()]


def _tags(text: str) -> tuple[str, ...]:
    tags = (tag.strip() for tag in text.split(","))
    return tuple(dict.fromkeys(tag for tag in tags if tag))


# --- suites -----------------------------------------------------------------------------


def _suite_of(builder: _Builder, record: Mapping[str, str]) -> str | None:
    if record.get("suite"):
        return _suite_path(builder, record["suite"])
    if record.get("suite_id"):
        return _suite_by_id(builder, record["suite_id"])
    return None


def _suite_path(builder: _Builder, text: str) -> str:
    parts = tuple(part.strip() for part in text.split("/") if part.strip())
    if not parts:
        raise BadRow(f"the suite path `{text}` names no suite")
    for depth in range(1, len(parts) + 1):
        path = parts[:depth]
        if path not in builder.suites:
            parent = "/".join(path[:-1]) or None
            builder.suites[path] = Suite(key="/".join(path), title=path[-1], parent=parent)
    return "/".join(parts)


def _suite_by_id(builder: _Builder, text: str) -> str:
    if not text.isdigit() or int(text) == 0:
        raise BadRow(f"suite_id `{text}` is not a positive integer")
    key = f"#{int(text)}"
    path = (key,)
    if path not in builder.suites:
        builder.suites[path] = Suite(key=key, title=f"Suite {int(text)}", id=int(text))
        builder.warnings.append(
            f"suite_id {int(text)}: its title is unknown offline; it is written as "
            f"`Suite {int(text)}`: set the real title in its suite.yaml before `apply`, "
            "which would otherwise rename the live suite"
        )
    return key


def _suite_label(suite: str | None) -> str:
    return f"suite `{suite}`" if suite else "the project root"


# --- steps ------------------------------------------------------------------------------


def _bulk_steps(record: Mapping[str, str]) -> tuple[Step, ...]:
    columns = [record.get(name, "").split("|") for name in ("steps", "expected", "data")]
    size = max(len(parts) for parts in columns)
    cells = [[_part(parts, index) for parts in columns] for index in range(size)]
    steps = []
    for number, (action, expected, data) in enumerate(cells, start=1):
        if not (action or expected or data):
            continue
        if not action:
            raise BadRow(f"step {number} has an expected result or data but no action")
        steps.append(Step(action=action, expected_result=expected, data=data))
    return tuple(steps)


def _part(parts: Sequence[str], index: int) -> str:
    return parts[index].strip() if index < len(parts) else ""


def _qase_steps(record: Mapping[str, str]) -> tuple[tuple[Step, ...], str | None]:
    kind = _slug(record.get("steps_type", "")) or "classic"
    if kind == "gherkin":
        return (), record.get("steps_actions", "")
    if kind != "classic":
        raise BadRow(f"steps_type `{record['steps_type']}` is neither classic nor gherkin")
    numbered = {name: _numbered(record, name) for name in ("actions", "result", "data")}
    for name in ("result", "data"):
        orphans = sorted(set(numbered[name]) - set(numbered["actions"]))
        if orphans:
            raise BadRow(f"steps_{name} has step {_dotted(orphans[0])} but steps_actions has not")
    return _nest(numbered, ()), None


def _numbered(record: Mapping[str, str], name: str) -> dict[tuple[int, ...], str]:
    """``1. a`` / ``2. b`` lines by number; unnumbered lines continue the item above.
    A cell without any number is one step."""
    lines = record.get(f"steps_{name}", "").strip().split("\n")
    if not any(_NUMBERED.fullmatch(line) for line in lines):
        return {(1,): "\n".join(lines).strip()} if lines != [""] else {}
    if not _NUMBERED.fullmatch(lines[0]):
        raise BadRow(f"steps_{name}: `{lines[0].strip()}` comes before the first numbered step")
    items: dict[tuple[int, ...], list[str]] = {}
    current: list[str] = []
    for line in lines:
        match = _NUMBERED.fullmatch(line)
        if match:
            number = tuple(int(n) for n in match.group(1).split("."))
            current = _new_item(items, number, name)
            line = match.group(2)
        current.append(line)
    return {number: _item_text(parts) for number, parts in items.items()}


def _item_text(lines: Sequence[str]) -> str:
    # Continuation lines are usually indented to sit under the text after the number.
    rest = textwrap.dedent("\n".join(lines[1:]))
    return f"{lines[0]}\n{rest}".strip() if rest.strip() else lines[0].strip()


def _new_item(
    items: dict[tuple[int, ...], list[str]], number: tuple[int, ...], name: str
) -> list[str]:
    if number in items:
        raise BadRow(f"steps_{name} numbers step {_dotted(number)} twice")
    items[number] = []
    return items[number]


def _nest(
    numbered: Mapping[str, dict[tuple[int, ...], str]], parent: tuple[int, ...]
) -> tuple[Step, ...]:
    actions = numbered["actions"]
    children = sorted(n for n in actions if n[:-1] == parent)
    steps = []
    for number in children:
        if not actions[number]:
            raise BadRow(f"step {_dotted(number)} has no action")
        steps.append(
            Step(
                action=actions[number],
                expected_result=numbered["result"].get(number, ""),
                data=numbered["data"].get(number, ""),
                steps=_nest(numbered, number),
            )
        )
    if not parent:
        _check_orphans(actions)
    return tuple(steps)


def _check_orphans(actions: Mapping[tuple[int, ...], str]) -> None:
    for number in sorted(actions):
        if len(number) > 1 and number[:-1] not in actions:
            raise BadRow(f"step {_dotted(number)} has no parent step {_dotted(number[:-1])}")


def _dotted(number: tuple[int, ...]) -> str:
    return ".".join(str(n) for n in number)
