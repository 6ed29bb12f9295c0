"""`export --format qase-csv`: a cases tree, offline, as Qase's own CSV (docs/csv.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from qasesync.cli.common import EXIT_OK, resolve_tree
from qasesync.errors import QasesyncError


def cmd_export_qase_csv(args: argparse.Namespace, out: TextIO) -> int:
    """The tree (``--tree``, else as `plan` finds it) → Qase's CSV in ``--out`` (a new
    file unless ``--force``), or on standard output; nothing is read from Qase."""
    from qasesync.adopt.exportcsv import export_csv
    from qasesync.tree.load import load_tree

    root = resolve_tree(args.tree)
    target = Path(args.out) if args.out and args.out != "-" else None
    if target is not None and target.exists() and not (target.is_file() and args.force):
        what = "a file" if target.is_file() else "not a file"
        hint = " (--force replaces it)" if target.is_file() else ""
        raise QasesyncError(f"{target} exists and is {what}{hint}")
    written = export_csv(load_tree(root), version=args.csv_version)
    if written.workspace_steps:
        print(
            f"warning: {written.workspace_steps} use(s) of workspace-level shared steps are"
            " written as empty steps: the tree holds only their hash, not their text",
            file=sys.stderr,
        )
    if target is None:
        out.write(written.text)
        return EXIT_OK
    _write(target, written.text)
    out.write(
        f"{written.cases} cases in {written.suites} suites written to {target}"
        f" (Qase CSV V{args.csv_version})\n"
    )
    if written.numbered_suites:
        out.write(
            f"{written.numbered_suites} suite(s) have no id yet: the file numbers them"
            " above the tree's ids (suite_id is the file's own reference)\n"
        )
    return EXIT_OK


def _write(target: Path, text: str) -> None:
    try:
        with target.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as error:
        raise QasesyncError(f"{target}: cannot write ({error.strerror})") from None
