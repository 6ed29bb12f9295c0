"""A `Tree` → Qase's own CSV (docs/csv.md), for ``qasesync export --format qase-csv``.

V2 by default: a step's text is a JSON string after its number, so commas, quotes and
line breaks survive Qase's importer; V1 on request (plain text after the number; a line
break becomes a continuation line indented under the text, which qasesync reads back but
Qase's V1 importer may not). Every suite gets a row of its own, parents first; each case
row names its suite's id, parent id and title. A suite without an id is given one above
the largest id in the tree, for the file only. Shared-step references are written out
as the shared step's steps; custom fields, external issues and settings have no column.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from qasesync.adopt.csvcells import QASE_AUTOMATION
from qasesync.adopt.csvqase import CASE_COLUMNS, COLUMNS, Number, dotted
from qasesync.model import ENUM_FIELDS, Case, Step, Suite, Tree

VERSIONS = (1, 2)
DEFAULT_VERSION = 2
_STEP_PARTS = {"steps_actions": "action", "steps_result": "expected_result", "steps_data": "data"}


@dataclass(frozen=True)
class CsvExport:
    """The file's text, how many suites had no id (numbered for the file only), and how
    many uses of workspace-level shared steps it holds as empty steps (the tree has only
    their hash)."""

    text: str
    cases: int
    suites: int
    numbered_suites: int = 0
    workspace_steps: int = 0


def export_csv(tree: Tree, *, version: int = DEFAULT_VERSION) -> CsvExport:
    """The whole tree as one CSV text in Qase's layout of ``version`` (1 or 2)."""
    if version not in VERSIONS:
        raise ValueError(f"Qase's CSV has versions 1 and 2, not {version}")
    ids = _suite_ids(tree.suites)
    suites = {suite.key: suite for suite in tree.suites}
    shared = {step.key: step.steps for step in tree.shared_steps}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS[version])
    for suite in _parents_first(tree.suites):
        writer.writerow(_suite_row(suite, ids))
    for case in tree.cases:
        steps = _expanded(case.steps, shared)
        writer.writerow(_case_row(case, steps, suites, ids, version))
    numbered = sum(1 for suite in tree.suites if suite.id is None)
    workspace = sum(_workspace_uses(case.steps) for case in tree.cases)
    return CsvExport(buffer.getvalue(), len(tree.cases), len(tree.suites), numbered, workspace)


def _workspace_uses(steps: tuple[Step, ...]) -> int:
    return sum(1 if s.workspace is not None else _workspace_uses(s.steps) for s in steps)


def _suite_ids(suites: Sequence[Suite]) -> dict[str, int]:
    """Each suite's id: its own, else the next one above every id in the tree."""
    taken = [suite.id for suite in suites if suite.id is not None]
    following = max(taken, default=0)
    ids = {}
    for suite in suites:
        if suite.id is None:
            following += 1
        ids[suite.key] = suite.id if suite.id is not None else following
    return ids


def _parents_first(suites: Sequence[Suite]) -> list[Suite]:
    keys = {suite.key for suite in suites}
    done: set[str | None] = {None}
    ordered: list[Suite] = []
    while len(ordered) < len(suites):
        ready = [
            s for s in suites if s.key not in done and (s.parent in done or s.parent not in keys)
        ]
        if not ready:  # a loop: write the rest as they are
            ready = [s for s in suites if s.key not in done]
        ordered += ready
        done |= {s.key for s in ready}
    return ordered


def _suite_row(suite: Suite, ids: Mapping[str, int]) -> list[str]:
    cells = {name: "" for name in CASE_COLUMNS}
    cells.update(
        description=suite.description,
        preconditions=suite.preconditions,
        suite_id=str(ids[suite.key]),
        suite_parent_id=_parent_id(suite, ids),
        suite=suite.title,
        suite_without_cases="1",
    )
    return ["", *(cells[name] for name in CASE_COLUMNS)]


def _case_row(
    case: Case,
    steps: tuple[Step, ...],
    suites: Mapping[str, Suite],
    ids: Mapping[str, int],
    version: int,
) -> list[str]:
    cells = {name: "" for name in CASE_COLUMNS}
    cells.update(
        title=case.title,
        description=case.description,
        preconditions=case.preconditions,
        postconditions=case.postconditions,
        tags=",".join(case.tags),
        automation=QASE_AUTOMATION.get(case.automation or "", ""),
        is_flaky="" if case.flaky is None else ("yes" if case.flaky else "no"),
        milestone_id="" if case.milestone_id is None else str(case.milestone_id),
        parameters=_parameters(case.parameters),
    )
    cells.update({name: getattr(case, name) or "" for name in ENUM_FIELDS})
    cells.update(_steps(case, steps, version))
    cells.update(_placement(case.suite, suites, ids))
    return ["" if case.id is None else str(case.id), *(cells[name] for name in CASE_COLUMNS)]


def _placement(
    key: str | None, suites: Mapping[str, Suite], ids: Mapping[str, int]
) -> dict[str, str]:
    suite = suites.get(key) if key is not None else None
    if suite is None:
        return {}
    return {
        "suite_id": str(ids[suite.key]),
        "suite_parent_id": _parent_id(suite, ids),
        "suite": suite.title,
    }


def _parent_id(suite: Suite, ids: Mapping[str, int]) -> str:
    parent = ids.get(suite.parent) if suite.parent is not None else None
    return "" if parent is None else str(parent)


def _parameters(parameters: Mapping[str, tuple[str, ...]]) -> str:
    if not parameters:
        return ""
    return json.dumps(
        {name: list(values) for name, values in parameters.items()}, ensure_ascii=False
    )


# --- steps ------------------------------------------------------------------------------


def _expanded(steps: tuple[Step, ...], shared: Mapping[str, tuple[Step, ...]]) -> tuple[Step, ...]:
    """Steps with each shared-step reference replaced by the shared step's steps."""
    out: list[Step] = []
    for step in steps:
        if step.shared is not None:
            out += _expanded(shared.get(step.shared, ()), shared)
        else:
            out.append(
                Step(step.action, step.expected_result, step.data, _expanded(step.steps, shared))
            )
    return tuple(out)


def _steps(case: Case, steps: tuple[Step, ...], version: int) -> dict[str, str]:
    if case.gherkin is not None:
        return {"steps_type": "gherkin", "steps_actions": case.gherkin}
    numbered = list(_numbered(steps, ()))
    cells = {"steps_type": "classic"}
    for column, part in _STEP_PARTS.items():
        texts = [(number, getattr(step, part)) for number, step in numbered]
        cells[column] = _cell(texts, version)
    return cells


def _numbered(steps: Sequence[Step], parent: Number) -> Iterator[tuple[Number, Step]]:
    for index, step in enumerate(steps, start=1):
        number = (*parent, index)
        yield number, step
        yield from _numbered(step.steps, number)


def _cell(texts: Sequence[tuple[Number, str]], version: int) -> str:
    """Numbered lines; V2 writes every number (``2. ""`` for none) once any text is
    there, V1 only the numbers that have text."""
    if not any(text.strip() for _, text in texts):
        return ""
    if version == 2:
        return "\n".join(f"{dotted(n)}. {_json(text)}" for n, text in texts)
    return "\n".join(_v1_line(n, text.strip()) for n, text in texts if text.strip())


def _json(text: str) -> str:
    return json.dumps(text.strip(), ensure_ascii=False)


def _v1_line(number: Number, text: str) -> str:
    head = f"{dotted(number)}. "
    return head + text.replace("\n", "\n" + " " * len(head))
