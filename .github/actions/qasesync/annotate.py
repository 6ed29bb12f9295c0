#!/usr/bin/env python3
"""Turn `qasesync validate --format json` into workflow annotations and a job-summary section.

Usage: annotate.py TREE JSON_FILE STDERR_FILE EXIT_CODE

Each problem becomes `::error file=…,line=…,col=…::message` (printed on stdout, where the
runner picks workflow commands up), with the file made relative to the repository root so
that GitHub shows it beside the pull request's diff. Standard library only.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def repo_relative(tree: str, file: str) -> str:
    path = Path(tree, file).resolve()
    workspace = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    try:
        return path.relative_to(workspace).as_posix()
    except ValueError:
        return path.as_posix()


def annotation(tree: str, problem: dict[str, object]) -> str:
    file = escape_property(repo_relative(tree, str(problem["file"])))
    where = f"file={file},line={problem['line']},col={problem['col']}"
    return f"::error {where},title=qasesync validate::{escape_data(str(problem['message']))}"


def main(argv: list[str]) -> int:
    tree, json_file, err_file, code = argv
    try:
        report = json.loads(Path(json_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        report = None
    errors = Path(err_file).read_text(encoding="utf-8", errors="replace").strip()
    lines = ["### qasesync validate", ""]
    if code == "0" and report:
        lines.append(f"`{tree}`: {report.get('summary', '')} — valid")
    elif report and report.get("problems"):
        problems = report["problems"]
        for problem in problems:
            print(annotation(tree, problem))
        lines.append(f"{len(problems)} problem(s) in `{tree}`:")
        lines += ["", "~~~~~text"]
        lines += [f"{p['file']}:{p['line']}:{p['col']}: {p['message']}" for p in problems]
        lines.append("~~~~~")
    else:
        print(f"::error title=qasesync validate::{escape_data(errors or 'validate failed')}")
        lines += [f"validate failed (exit {code}):", "", "~~~~~text", errors, "~~~~~"]
    if errors:
        print(errors, file=sys.stderr)
    with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as summary:
        summary.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
