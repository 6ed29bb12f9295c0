"""The commands that never talk to Qase: `validate`, `import-csv` and `show`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from qasesync.cli.common import (
    EXIT_OK,
    EXIT_USER,
    plan_view,
    project_code,
    read_plan,
    resolve_tree,
)
from qasesync.errors import QasesyncError, ValidationError
from qasesync.safetext import json_text, terminal


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    """Check the tree offline: one summary line (exit 0) or every problem (exit 1)."""
    from qasesync.tree.load import load_tree

    root = resolve_tree(args.tree)
    shown = Path(args.tree) if args.tree else Path(os.path.relpath(root))  # as the user sees it
    try:
        tree = load_tree(root)
    except ValidationError as error:
        if args.format == "json":
            problems = [p.as_json() for p in error.problems]
            out.write(
                json_text(json.dumps({"valid": False, "problems": problems}, indent=2)) + "\n"
            )
            return EXIT_USER
        raise
    if args.format == "json":
        out.write(json.dumps({"valid": True, "problems": [], "summary": tree.summary()}) + "\n")
    else:
        out.write(f"{terminal(_display(shown))}: {tree.summary()} — valid\n")
    return EXIT_OK


def _display(root: Path) -> str:
    text = str(root)
    return text if text.endswith("/") else text + "/"


def cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    """The JSON Schemas and their catalog → ``--write DIR``, for editors to resolve offline."""
    from qasesync.tree.write import write_schemas

    folder = Path(args.write)
    try:
        written = write_schemas(folder)
    except OSError as error:
        raise QasesyncError(f"{folder}: the schemas cannot be written ({error})") from error
    out.write(f"{len(written)} files written to {folder}: {', '.join(p.name for p in written)}\n")
    return EXIT_OK


def cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    """A plan saved by ``plan --out``, rendered again without talking to Qase; the tree
    (``--tree``) is only where GitHub annotations point."""
    from qasesync.plans.render import render

    plan = read_plan(args.plan)
    view = plan_view(resolve_tree(args.tree), out, color=args.format == "text", full=args.full)
    out.write(render(plan, args.format, view))
    return EXIT_OK


def cmd_import_csv(args: argparse.Namespace, out: TextIO) -> int:
    """A CSV of legacy cases → a cases tree in ``--out``; nothing is written while a row
    is bad, unless ``--skip-bad``."""
    from qasesync.adopt.importcsv import PLACEHOLDER_PROJECT, import_csv
    from qasesync.tree.write import write_tree

    target = Path(args.out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise QasesyncError(f"{args.out} is not an empty folder; import-csv writes a new tree")
    result = import_csv(Path(args.file), project=project_code(args.project))
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    problems = result.problems()
    if problems and not args.skip_bad:
        raise QasesyncError(
            f"{len(problems)} bad row(s) in {args.file}; nothing written"
            " (--skip-bad leaves them out):\n" + "\n".join(problems)
        )
    for problem in problems:
        print(f"skipped: {problem}", file=sys.stderr)
    write_tree(result.tree, target, schemas=args.schemas)
    tree = result.tree
    out.write(f"{len(tree.cases)} cases in {len(tree.suites)} suites written to {args.out}\n")
    if args.project is None:
        out.write(f"project code is the placeholder {PLACEHOLDER_PROJECT}: edit qasesync.yaml\n")
    return EXIT_OK
