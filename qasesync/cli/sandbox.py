"""`emulator --from-tree DIR` / `--from-csv FILE`: the emulator as a user's sandbox, started
with their content live, ids and hashes as in their files (`qasesync.emulator.seed`).

The tree is loaded and checked here (a CSV read as `import-csv` reads it; a bad row stops
the start, as it stops an import), then handed to the emulator as plain data.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qasesync.cli.common import UsageError
from qasesync.errors import QasesyncError
from qasesync.model import Case, SharedStep, Step, Suite, Tree

JSON = dict[str, Any]


@dataclass(frozen=True)
class Content:
    """What the sandbox starts with, where it came from (for the startup line), and the
    project it names (a CSV: the placeholder `import-csv` writes without ``--project``)."""

    tree: Tree
    source: str
    project: str


def sandbox_content(args: argparse.Namespace) -> Content | None:
    """The tree ``--from-tree`` or ``--from-csv`` names, or None; refused with a
    ``--state`` file that exists (it holds the emulator's content already)."""
    if not (args.from_tree or args.from_csv):
        return None
    if args.state and Path(args.state).is_file():
        raise UsageError(
            f"emulator: --state {args.state} exists and holds the emulator's content;"
            " --from-tree and --from-csv start a new one (remove the file, or leave them out)"
        )
    if args.from_tree:
        from qasesync.tree.load import load_tree

        tree = load_tree(Path(args.from_tree))
        return Content(tree, args.from_tree, tree.settings.project if tree.settings else "DEMO")
    from qasesync.adopt.importcsv import PLACEHOLDER_PROJECT

    return Content(_from_csv(Path(args.from_csv)), args.from_csv, PLACEHOLDER_PROJECT)


def _from_csv(path: Path) -> Tree:
    from qasesync.adopt.importcsv import import_csv

    result = import_csv(path)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    problems = result.problems()
    if problems:
        raise QasesyncError(
            f"{len(problems)} bad row(s) in {path}; the emulator was not started:\n"
            + "\n".join(problems)
        )
    return result.tree


def summary(content: Content) -> str:
    tree = content.tree
    return f"{len(tree.cases)} cases in {len(tree.suites)} suites from {content.source}"


def export_line(url: str, token: str) -> str:
    """The line to paste into a shell so that qasesync talks to this emulator."""
    return f"export QASE_API_URL={shlex.quote(url)} QASE_TOKEN={shlex.quote(token)}"


# --- the tree as plain data -------------------------------------------------------------


def plain(tree: Tree) -> JSON:
    """`seed_project`'s keyword arguments for ``tree``."""
    return {
        "suites": [_suite(suite) for suite in tree.suites],
        "shared_steps": [_shared(shared) for shared in tree.shared_steps],
        "cases": [_case(case) for case in tree.cases],
    }


def _suite(suite: Suite) -> JSON:
    return {
        "key": suite.key,
        "id": suite.id,
        "title": suite.title.strip(),
        "description": suite.description.strip(),
        "preconditions": suite.preconditions.strip(),
        "parent": suite.parent,
    }


def _shared(shared: SharedStep) -> JSON:
    return {
        "key": shared.key,
        "hash": shared.hash,
        "title": shared.title.strip(),
        "steps": [_step(step) for step in shared.steps],
    }


def _step(step: Step) -> JSON:
    if step.shared is not None:
        return {"shared": step.shared}
    return {
        "action": step.action.strip(),
        "expected_result": step.expected_result.strip(),
        "data": step.data.strip(),
        "steps": [_step(inner) for inner in step.steps],
    }


def _case(case: Case) -> JSON:
    data: JSON = {
        name: getattr(case, name).strip()
        for name in ("title", "description", "preconditions", "postconditions")
    }
    data.update(
        id=case.id,
        suite=case.suite,
        automation=case.automation,
        is_flaky=None if case.flaky is None else int(case.flaky),
        milestone_id=case.milestone_id,
        tags=list(case.tags),
        parameters={name: list(values) for name, values in case.parameters.items()},
        custom_fields={
            title: list(value) if isinstance(value, tuple) else value
            for title, value in case.custom_fields.items()
        },
        steps=[_step(step) for step in case.steps],
        gherkin=None if case.gherkin is None else case.gherkin.strip(),
    )
    for name in ("severity", "priority", "type", "behavior", "layer", "status"):
        data[name] = getattr(case, name)
    return data
