#!/usr/bin/env python3
"""Turn `qasesync validate --format json` into workflow annotations and a job-summary section.

Usage: annotate.py TREE JSON_FILE STDERR_FILE EXIT_CODE

Each problem becomes `::error file=…,line=…,col=…::message` (printed on stdout, where the
runner picks workflow commands up), with the file made relative to the repository root so
that GitHub shows it beside the pull request's diff. A fork's pull request is validated too,
so every message and file name is hostile text here: the annotations are escaped as the
runner wants, the summary's block is fenced so that no line of it can close it, and
validate's own error output reaches the log as data lines (qasesync's rules, by safe.py).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# safe.py sits beside this script, which Python puts first on sys.path.
from safe import markdown_code, markdown_inline, terminal_lines, workflow_command, workflow_text


def repo_relative(tree: str, file: str) -> str:
    path = Path(tree, file).resolve()
    workspace = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    try:
        return path.relative_to(workspace).as_posix()
    except ValueError:
        return path.as_posix()


def annotation(tree: str, problem: dict[str, object]) -> str:
    return workflow_command(
        "error",
        str(problem["message"]),
        file=repo_relative(tree, str(problem["file"])),
        line=str(problem["line"]),
        col=str(problem["col"]),
        title="qasesync validate",
    )


def listed(problems: list[dict[str, object]]) -> str:
    """The problems as one line each, fenced."""
    lines = [f"{p['file']}:{p['line']}:{p['col']}: {p['message']}" for p in problems]
    return markdown_code("\n".join(lines), "text")


def main(argv: list[str]) -> int:
    tree, json_file, err_file, code = argv
    try:
        report = json.loads(Path(json_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        report = None
    errors = Path(err_file).read_text(encoding="utf-8", errors="replace").strip()
    lines = ["### qasesync validate", ""]
    where = markdown_inline(tree)
    if code == "0" and report:
        lines.append(f"{where}: {markdown_inline(str(report.get('summary', '')))} — valid")
    elif report and report.get("problems"):
        problems = report["problems"]
        for problem in problems:
            print(annotation(tree, problem))
        lines += [f"{len(problems)} problem(s) in {where}:", "", listed(problems)]
    else:
        print(workflow_command("error", errors or "validate failed", title="qasesync validate"))
        lines += [f"validate failed (exit {markdown_inline(code)}):", "", markdown_code(errors)]
    if errors:
        print(workflow_text(terminal_lines(errors)), file=sys.stderr)
    with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as summary:
        summary.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
