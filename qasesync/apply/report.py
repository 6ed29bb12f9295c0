"""What `apply` tells the user, as text: the final report, the failures (the progress:
`qasesync.cli.progress`).

Builds strings only; `cli` prints them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from qasesync.plans.render import SYMBOLS, counted, entity_link
from qasesync.safetext import terminal, terminal_lines

if TYPE_CHECKING:
    from qasesync.apply.applier import ApplyReport, Done, YamlSink

#: Lines of an apply report (changes done, failures) shown before "... and N more".
REPORT_LINES = 50
#: What an apply that did not finish says last.
RERUN = (
    "Nothing is lost: what was created is recorded (in the YAML, or found again by title); "
    "running `qasesync apply` again finishes the job."
)


def report_text(report: ApplyReport, sink: YamlSink | None, web: str, *, stopped: bool) -> str:
    """The counts, each change done with its web link (the first `REPORT_LINES`), and
    what was written back into the YAML."""
    counts = report.counts()
    done = ", ".join(f"{counts[k]} {k.rstrip('e')}ed" for k in counts)
    head = "Apply stopped" if stopped else "Apply complete"
    adopted = f", {report.adopted} found live after a lost answer" if report.adopted else ""
    lines = [
        f"\n{head}: {done} ({len(report.done)} of {counted(report.total, 'change')}, "
        f"{counted(report.requests, 'request')}{adopted})"
    ]
    for item in report.done[:REPORT_LINES]:
        entity = item.entity.replace("_", " ")
        shown = terminal(f"{item.name!r} {_link(report, item, web)}")
        lines.append(f"  {SYMBOLS[item.kind]} {entity} {shown}")
    if len(report.done) > REPORT_LINES:
        lines.append(f"  ... and {len(report.done) - REPORT_LINES} more")
    return "\n".join(lines) + "\n" + _written_back(report, sink)


def _link(report: ApplyReport, item: Done, web: str) -> str:
    if item.kind == "delete":  # its link would lead nowhere now
        ident = item.ident if item.entity == "shared_step" else f"#{item.ident}"
        return f"{ident} (deleted)"
    return entity_link(web, report.project, item.entity, str(item.ident))


def _written_back(report: ApplyReport, sink: YamlSink | None) -> str:
    if not report.assignments:
        return ""
    if sink is None:
        return (
            f"{ids_text(a.key for a in report.assignments)} not written back (write-back is off); "
            "plan matches those entities by title\n"
        )
    names = list(sink.files)
    files = "".join(f"  {terminal(name)}\n" for name in names[:REPORT_LINES])
    if len(names) > REPORT_LINES:
        files += f"  ... and {len(names) - REPORT_LINES} more\n"
    return f"Wrote {ids_text(sink.keys)} back into {counted(len(names), 'file')}:\n{files}"


def ids_text(keys: Iterable[str]) -> str:
    """``3 ids and 1 hash``: what write-back puts into the YAML, counted."""
    count = Counter(keys)
    ids = [counted(count["id"], "id")] if count["id"] else []
    hashes = [counted(count["hash"], "hash", "hashes")] if count["hash"] else []
    return " and ".join(ids + hashes)


def failure_lines(failures: Sequence[str]) -> list[str]:
    """The failures of an apply that stopped (the first `REPORT_LINES`), then `RERUN`."""
    lines = [f"error: {terminal_lines(line)}" for line in failures[:REPORT_LINES]]
    if len(failures) > REPORT_LINES:
        lines.append(f"error: ... and {len(failures) - REPORT_LINES} more")
    return [*lines, RERUN]
