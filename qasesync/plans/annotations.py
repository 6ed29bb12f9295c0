"""A `Plan` and validation problems as GitHub workflow commands (``::error file=...::``):
at most `ANNOTATIONS` of each level, errors and destructive changes first, then one
notice counting the rest. Formats strings; never prints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from qasesync import safetext
from qasesync.errors import Problem
from qasesync.plans.plan import Change, Message, Plan
from qasesync.plans.render import (
    DESTRUCTIVE,
    DRIFT_WORDS,
    NO_BASE,
    View,
    adoption_line,
    counted,
    destructive,
    diff_text,
    estimate_line,
    head_line,
    summary_line,
)


def command(
    level: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    col: int | None = None,
) -> str:
    """One workflow command: ``::notice file=…,line=…::message`` (a line and column only
    with a file)."""
    if file is None:
        return safetext.workflow_command(level, message)
    return safetext.workflow_command(level, message, file=file, line=line, col=col)


#: Annotations of each level `--format github` emits: GitHub shows no more per step.
ANNOTATIONS = 10
_LEVELS = ("error", "warning", "notice")


def render_github(plan: Plan, view: View) -> str:
    """An annotation on the YAML line of each change (a conflict an error, a deprecation
    or deletion a warning, errors and those first), a warning per warning: at most
    `ANNOTATIONS` of each level, then one notice counting the rest; then the summary."""
    files = _case_files(plan)
    lines = [command("warning", NO_BASE)] if plan.two_way else []
    lines += [_github_change(c, view, files, "error") for c in plan.conflicts]
    lines += [_github_change(c, view, files, "warning") for c in destructive(plan)]
    lines += [_github_message("warning", m, view.tree_prefix, files) for m in plan.warnings]
    lines += [_github_change(c, view, files) for c in plan.changes if c.kind not in DESTRUCTIVE]
    lines += [_github_change(c, view, files, verb=DRIFT_WORDS[c.kind]) for c in plan.drift]
    lines += [_github_message("notice", m, view.tree_prefix, files) for m in plan.notes]
    adopted = adoption_line(plan)
    lines += [command("notice", adopted)] if adopted else []
    lines = capped(lines)
    lines += [summary_line(plan), estimate_line(plan, view.rate_per_minute)]
    return "\n".join(lines) + "\n"


def capped(commands: Sequence[str], *, each: int = ANNOTATIONS) -> list[str]:
    """At most ``each`` annotations of each level, in their order; when some are left
    out, the last notice is one that counts them per level (so notices stay within
    ``each`` too)."""
    levels = [_level(line) for line in commands]
    total = {level: levels.count(level) for level in _LEVELS}
    room = dict.fromkeys(_LEVELS, each)
    if any(n > each for n in total.values()):
        room["notice"] = each - 1
    kept = []
    for line, level in zip(commands, levels, strict=True):
        if room[level] > 0:
            room[level] -= 1
            kept.append(line)
    if len(kept) == len(commands):
        return kept
    shown = Counter(_level(line) for line in kept)
    left = {level: total[level] - shown[level] for level in _LEVELS}
    counts = ", ".join(counted(left[level], level) for level in _LEVELS if left[level])
    note = (
        f"qasesync: {counted(len(commands) - len(kept), 'more annotation')} not shown "
        f"({counts}; GitHub shows {each} of each level): the whole plan is in the job summary "
        "(or run `qasesync plan`)"
    )
    return [*kept, command("notice", note)]


def _level(line: str) -> str:
    """The level of one of our workflow commands (``::error file=…::…`` → ``error``)."""
    return line[2:].split(" ", 1)[0].split(":", 1)[0]


def _case_files(plan: Plan) -> list[str]:
    """The case files the plan touches, shallowest first."""
    files = {c.location.file for c in plan.changes if c.entity == "case" and c.location}
    return sorted(files, key=lambda f: (f.count("/"), f))


def _github_change(
    change: Change,
    view: View,
    files: Sequence[str],
    level: str = "notice",
    *,
    verb: str | None = None,
) -> str:
    """One annotation; a conflict is an error, drift says it happened in Qase."""
    details = "; ".join(diff_text(d) for d in change.diffs)
    head = f"conflict: {head_line(change)}" if level == "error" else head_line(change, verb)
    where = " in Qase" if verb else ""
    message = f"qasesync plan: {head}{where}" + (f": {details}" if details else "")
    return _github_message(level, Message(message, change.location), view.tree_prefix, files)


def _github_message(level: str, message: Message, prefix: str, files: Sequence[str]) -> str:
    where = message.location
    if where is None:
        return command(level, message.text)
    if where.line == 0:
        # A folder without suite.yaml: an annotation needs a file, so the folder's first
        # case file in the plan (no line), else none.
        folder = where.file.rpartition("/")[0] + "/"
        inside = [f for f in files if f.startswith(folder)]
        return command(level, message.text, file=prefix + inside[0] if inside else None)
    return command(level, message.text, file=prefix + where.file, line=where.line)


def github_problems(problems: Iterable[Problem | str], *, tree_prefix: str = "") -> str:
    """An ``::error`` per problem of a failed validation or plan."""
    lines = []
    for problem in problems:
        if isinstance(problem, Problem) and problem.line != 0:  # line 0: a file not written
            file = tree_prefix + problem.file
            lines.append(
                command("error", problem.message, file=file, line=problem.line, col=problem.col)
            )
        else:
            lines.append(command("error", str(problem)))
    return "\n".join(capped(lines)) + "\n"
