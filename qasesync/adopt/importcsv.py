"""A CSV of test cases → a `Tree`, for ``qasesync import-csv``.

Two layouts, told apart by their header row:

- **qase**: Qase's own CSV, as its export writes it and its importer reads it, V1 (the
  id column is ``id``) or V2 (``v2.id``): suite rows, the suite tree by ids, case ids,
  Qase's slugs, numbered steps (`qasesync.adopt.csvqase`; every column in docs/csv.md).
  A header with any of Qase's own column names (``steps_actions``, ``suite_parent_id``,
  ``v2.id``, …) is this layout;
- **bulk** (the common scripted bulk-import layout): ``title``, ``suite`` (a path such
  as ``Auth/Login``) or ``suite_id``, ``preconditions``, ``description``, ``tags``
  (split on ``,``), ``severity``, ``priority``, and ``steps`` / ``expected`` / ``data``,
  split on ``|`` and paired position by position.

Every row is checked; a bad one is reported with the physical line of the file where
it starts (a quoted cell may span lines) and the reason. Columns neither layout knows
are reported once and ignored. Nothing here writes files: the caller hands the tree
to `treewriter`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from qasesync.adopt import csvcells as cells
from qasesync.adopt import csvqase
from qasesync.adopt.csvcells import BadRow
from qasesync.errors import QasesyncError
from qasesync.model import Case, Settings, Step, Suite, Tree, live_suite_key

#: The project code written to ``qasesync.yaml`` when the caller names none.
PLACEHOLDER_PROJECT = "CHANGEME"

BULK = "bulk"
QASE = "qase"
_COLUMNS = {
    BULK: frozenset(
        {"title", "suite", "suite_id", "description", "preconditions", "tags"}
        | {"severity", "priority", "steps", "expected", "data"}
    ),
    QASE: frozenset(csvqase.COLUMNS[1]),
}
_ALIASES = {
    "expected_result": "expected",
    "expected_results": "expected",
    "flaky": "is_flaky",
    "steps_results": "steps_result",
}

__all__ = ["BULK", "QASE", "BadRow", "CsvImport", "detect_layout", "import_csv"]


@dataclass(frozen=True)
class CsvImport:
    """What a CSV gave: the tree of its good rows, its bad rows, and warnings.
    ``version`` is the Qase CSV version (1 or 2) of the qase layout, else None."""

    source: Path
    tree: Tree
    layout: str
    bad_rows: tuple[BadRow, ...] = ()
    warnings: tuple[str, ...] = ()
    rows: int = 0
    version: int | None = None

    def problems(self) -> list[str]:
        """Each bad row as ``FILE:LINE: reason``."""
        return [f"{self.source}:{bad.line}: {bad.reason}" for bad in self.bad_rows]


@dataclass
class _Builder:
    """Suites by path and cases, collected row by row."""

    layout: str
    version: int | None = None
    suite_table: Mapping[int, csvqase.SuiteRow] = field(default_factory=dict)
    suites: dict[tuple[str, ...], Suite] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)
    titles: dict[tuple[str | None, str], int] = field(default_factory=dict)
    ids: dict[int, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    muted: int = 0
    milestones: int = 0


# --- reading ----------------------------------------------------------------------------


def import_csv(path: Path, *, project: str = PLACEHOLDER_PROJECT) -> CsvImport:
    """Read ``path`` (UTF-8, with or without a byte-order mark) into a `CsvImport`."""
    header, rows = _read(path)
    columns = [_column(name) for name in header]
    layout = detect_layout(columns, path)
    version = (2 if "v2.id" in columns else 1) if layout == QASE else None
    if version == 2:
        columns = ["id" if c == "v2.id" else c for c in columns]
    builder = _Builder(layout, version)
    warnings = _column_warnings(header, columns, layout, path)
    records, bad = _records(columns, rows)
    if layout == QASE:
        builder.suite_table = csvqase.suite_rows(records)
    for line, record in records:
        try:
            _add_row(builder, record, line)
        except BadRow as error:
            bad.append(BadRow(error.reason, line))
    tree = Tree(
        settings=Settings(project=project),
        suites=tuple(builder.suites.values()),
        cases=tuple(builder.cases),
    )
    warnings += builder.warnings + _dropped(builder, path)
    bad.sort(key=lambda row: row.line)
    return CsvImport(path, tree, layout, tuple(bad), tuple(warnings), len(rows), version)


def _records(
    columns: Sequence[str], rows: Sequence[tuple[int, list[str]]]
) -> tuple[list[tuple[int, dict[str, str]]], list[BadRow]]:
    records, bad = [], []
    for line, row in rows:
        try:
            records.append((line, _record(columns, row)))
        except BadRow as error:
            bad.append(BadRow(error.reason, line))
    return records, bad


def _dropped(builder: _Builder, path: Path) -> list[str]:
    """What the file holds that a tree cannot: a mute, a milestone named without id."""
    warnings = []
    if builder.muted:
        warnings.append(
            f"{path}: {builder.muted} case(s) are muted (is_muted); a cases tree holds no "
            "mute (the API does not set it), so it is left out"
        )
    if builder.milestones:
        warnings.append(
            f"{path}: {builder.milestones} case(s) name a milestone without milestone_id; "
            "a cases tree holds a milestone by id only, so it is left out"
        )
    return warnings


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
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((start, row))
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
    """`QASE` when the header has any of Qase's own column names (`csvqase.MARKERS`),
    else `BULK`; both need ``title`` and unique column names."""
    if "title" not in columns:
        semicolons = any(";" in column for column in columns)  # a spreadsheet's other CSV
        hint = " (cells are separated by `;`? save it with commas)" if semicolons else ""
        raise QasesyncError(f"{path}:1: no `title` column in the header{hint}")
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        raise QasesyncError(f"{path}:1: repeated column(s): {', '.join(repeated)}")
    return QASE if csvqase.MARKERS & set(columns) else BULK


def _column_warnings(
    header: Sequence[str], columns: Sequence[str], layout: str, path: Path
) -> list[str]:
    unknown = [h.strip() for h, c in zip(header, columns, strict=True) if c not in _COLUMNS[layout]]
    if not unknown:
        return []
    names = ", ".join(f"`{name}`" if name else "(unnamed)" for name in unknown)
    return [f"{path}:1: unknown column(s) ignored: {names}"]


def _record(columns: Sequence[str], row: Sequence[str]) -> dict[str, str]:
    if len(row) > len(columns):
        raise BadRow(f"{len(row)} cells, but the header has {len(columns)} columns")
    # Spreadsheets drop trailing empty cells: a short row means empty cells.
    return {c: _clean(v) for c, v in zip(columns, row, strict=False) if c}


def _clean(cell: str) -> str:
    return cell.replace("\r\n", "\n").replace("\r", "\n").strip()


# --- one row ----------------------------------------------------------------------------


def _add_row(builder: _Builder, record: Mapping[str, str], line: int) -> None:
    """Add the row's case and suites; a bad row adds nothing (not even its suites)."""
    suites, warnings = len(builder.suites), len(builder.warnings)
    try:
        if builder.layout == QASE and csvqase.is_suite_row(record):
            _add_suite_row(builder, record, line)
        else:
            _add_case(builder, record, line)
    except BadRow:
        for path in list(builder.suites)[suites:]:
            del builder.suites[path]
        del builder.warnings[warnings:]
        raise


def _add_suite_row(builder: _Builder, record: Mapping[str, str], line: int) -> None:
    if cells.positive(record, "suite_id") is None and not record.get("suite"):
        raise BadRow("a suite row (suite_without_cases) names neither suite_id nor suite")
    _suite_of(builder, record, line)


def _add_case(builder: _Builder, record: Mapping[str, str], line: int) -> None:
    suite = _suite_of(builder, record, line)
    if builder.layout == BULK:
        case = _bulk_case(record, suite)
    else:
        case = csvqase.qase_case(record, suite, version=builder.version or 1)
        _count_dropped(builder, record)
    _claim(builder, case, line)
    builder.cases.append(case)


def _claim(builder: _Builder, case: Case, line: int) -> None:
    """A case id once in the file; a title once in its suite among cases without id."""
    if case.id is not None:
        if case.id in builder.ids:
            raise BadRow(f"case id {case.id} is already on line {builder.ids[case.id]}")
        builder.ids[case.id] = line
        return
    where = (case.suite, case.title)
    if where in builder.titles:
        raise BadRow(
            f"a case titled `{case.title}` is already in {_suite_label(case.suite)} "
            f"(line {builder.titles[where]})"
        )
    builder.titles[where] = line


def _count_dropped(builder: _Builder, record: Mapping[str, str]) -> None:
    builder.muted += bool(cells.flag(record, "is_muted"))
    builder.milestones += bool(record.get("milestone")) and not record.get("milestone_id")


def _bulk_case(record: Mapping[str, str], suite: str | None) -> Case:
    return Case(
        title=cells.title(record),
        suite=suite,
        description=record.get("description", ""),
        preconditions=record.get("preconditions", ""),
        severity=cells.enum(record, "severity"),
        priority=cells.enum(record, "priority"),
        tags=cells.tags(record.get("tags", "")),
        steps=_bulk_steps(record),
    )


# --- suites -----------------------------------------------------------------------------


def _suite_of(builder: _Builder, record: Mapping[str, str], line: int) -> str | None:
    """Qase's layout: by ``suite_id`` (then ``suite`` is its title), else by the path in
    ``suite``; the bulk layout: by the path in ``suite``, else by ``suite_id``."""
    if builder.layout == BULK and record.get("suite"):
        return _suite_path(builder, record["suite"])
    suite_id = cells.positive(record, "suite_id")
    if suite_id is not None:
        if builder.layout == QASE:
            csvqase.check_suite(record, builder.suite_table, line)
        return _suite_by_id(builder, suite_id, ())
    if record.get("suite"):
        return _suite_path(builder, record["suite"])
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


def _suite_by_id(builder: _Builder, suite_id: int, below: tuple[int, ...]) -> str:
    """The suite's key (``#<id>``), adding it and its parents; its title and parent
    come from the file's rows, else it is `Suite <id>` at the root, with a warning."""
    key = live_suite_key(suite_id)
    if (key,) in builder.suites:
        return key
    if suite_id in below:
        raise BadRow(f"suite_id {suite_id} is its own ancestor (suite_parent_id loops)")
    row = builder.suite_table.get(suite_id)
    parent = None
    if row is not None and row.parent is not None:
        parent = _suite_by_id(builder, row.parent, (*below, suite_id))
    builder.suites[(key,)] = _suite(suite_id, row, parent)
    if row is None:
        builder.warnings.append(
            f"suite_id {suite_id}: its title is unknown offline; it is written as "
            f"`Suite {suite_id}`: set the real title in its suite.yaml before `apply`, "
            "which would otherwise rename the live suite"
        )
    return key


def _suite(suite_id: int, row: csvqase.SuiteRow | None, parent: str | None) -> Suite:
    if row is None:
        return Suite(key=live_suite_key(suite_id), title=f"Suite {suite_id}", id=suite_id)
    return Suite(
        key=live_suite_key(suite_id),
        title=row.title,
        id=suite_id,
        parent=parent,
        description=row.description,
        preconditions=row.preconditions,
    )


def _suite_label(suite: str | None) -> str:
    return f"suite `{suite}`" if suite else "the project root"


# --- steps ------------------------------------------------------------------------------


def _bulk_steps(record: Mapping[str, str]) -> tuple[Step, ...]:
    columns = [record.get(name, "").split("|") for name in ("steps", "expected", "data")]
    size = max(len(parts) for parts in columns)
    triples = [[_part(parts, index) for parts in columns] for index in range(size)]
    steps = []
    for number, (action, expected, data) in enumerate(triples, start=1):
        if not (action or expected or data):
            continue
        if not action:
            raise BadRow(f"step {number} has an expected result or data but no action")
        steps.append(Step(action=action, expected_result=expected, data=data))
    return tuple(steps)


def _part(parts: Sequence[str], index: int) -> str:
    return parts[index].strip() if index < len(parts) else ""
