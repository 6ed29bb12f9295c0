"""A `Plan` as markdown: the pull-request comment and the job summary, within GitHub's
size limit (conflicts and destructive changes first, then the rest as far as it fits,
rolled up and counted past it). Formats strings; never prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qasesync import safetext
from qasesync.plans.plan import Change, Message, Plan
from qasesync.plans.render import (
    CONFLICT_HEAD,
    CONFLICT_HINT,
    DESTRUCTIVE,
    DESTRUCTIVE_HEAD,
    DRIFT_HEAD,
    DRIFT_HINT,
    DRIFT_WORDS,
    ENTITY_NAMES,
    NO_BASE,
    ROLLED_HINT,
    SYMBOLS,
    View,
    adoption_line,
    counted,
    destructive,
    diff_text,
    estimate_line,
    examples,
    group_of,
    groups_of,
    kinds_text,
    link,
    other_changes,
    reverted_note,
    rolled_title,
    summary_line,
)
from qasesync.plans.rollup import Rolled, rolled, rolls_up

MARKER = "<!-- qasesync-plan -->"
MARKDOWN_LIMIT = 60_000


def md(value: str) -> str:
    """User text made inert in markdown (`safetext.markdown_inline`)."""
    return safetext.markdown_inline(value)


def render_markdown(plan: Plan, view: View, *, limit: int = MARKDOWN_LIMIT) -> str:
    """A pull-request comment / job summary, found again by its hidden marker. Conflicts
    and deprecations or deletions come first, in full as far as they fit in ``limit``
    (then counted); big suite sections are rolled up (`qasesync.plans.rollup`)."""
    head = [MARKER, f"### qasesync plan for {md(plan.project)}", ""]
    head += ["| create | update | deprecate | delete |", "| ---: | ---: | ---: | ---: |"]
    head += ["| " + " | ".join(str(n) for n in plan.counts().values()) + " |", ""]
    head += [md(summary_line(plan)) + " " + md(estimate_line(plan, view.rate_per_minute)), ""]
    adopted = adoption_line(plan)
    head += [md(adopted), ""] if adopted else []
    head += [f"> [!WARNING]\n> {md(NO_BASE)}", ""] if plan.two_way else []
    room = limit - 400 - _size(head) - PRIORITY_RESERVE
    head += _md_priority(plan, view, room)
    if not plan.changes:
        head += [f"**No changes.** Project {md(plan.project)} matches the tree.", ""]
    walked = groups_of(plan)
    groups = [_md_group(plan, group, changes, view) for group, changes in walked]
    if rolls_up(other_changes(walked), view.rollup):
        head += _md_rolled_head(walked, view)
        groups = [_md_per_suite(walked)]
    drift = "\n".join(_md_section(DRIFT_HEAD, DRIFT_HINT, plan.drift, plan, view, DRIFT_WORDS))
    messages = [
        drift,
        _md_messages("Warnings", plan.warnings),
        _md_messages("Notes", plan.notes),
    ]
    out = _cut("\n".join(head), groups, [m for m in messages if m], limit)
    abridged = (
        rolls_up(other_changes(walked), view.rollup)
        or any(line.startswith(_LEFT_OUT) for line in head)
        or _CUT_NOTE in out
    )
    return out.replace(MARKER, f"{MARKER}\n{ABRIDGED}", 1) if abridged else out


#: Marks a comment that does not list every change (rolled up, or cut to fit): the action
#: then adds the whole text plan to the job summary. User text cannot forge it (`md`
#: escapes ``<``).
ABRIDGED = "<!-- qasesync-plan-abridged -->"
_LEFT_OUT = "- … and "
_CUT_NOTE = "**The plan is cut here"


#: Characters of the markdown kept for what follows the conflicts and deletions (the
#: rolled-up suite sections, warnings) when those alone would fill the comment.
PRIORITY_RESERVE = 8_000
DESTRUCTIVE_HINT = "Listed in full, before the other changes."


def _md_priority(plan: Plan, view: View, room: int) -> list[str]:
    """Conflicts, then deprecations and deletions: in full when they fit in ``room``, else
    the leading ones that fit and the rest counted per kind."""
    sections = [
        (CONFLICT_HEAD, CONFLICT_HINT, plan.conflicts),
        (DESTRUCTIVE_HEAD, DESTRUCTIVE_HINT, tuple(destructive(plan))),
    ]
    lines: list[str] = []
    for title, hint, changes in sections:
        lines += _md_fitted(title, hint, changes, plan, view, room - _size(lines))
    return lines


def _md_fitted(
    title: str, hint: str, changes: Sequence[Change], plan: Plan, view: View, room: int
) -> list[str]:
    if not changes:
        return []
    blocks = ["\n".join(_md_change(plan, c, view)) for c in changes]
    shown = _fitting(blocks, room - len(title) - len(hint) - 400)
    lines = [f"**{md(title)}**", "", md(hint), "", *shown]
    rest = changes[len(shown) :]
    if rest:
        counted_rest = md("; ".join(line.text() for line in rolled(rest)))
        lines.append(
            f"{_LEFT_OUT}{len(rest):,} more, not listed here to fit the comment: {counted_rest}."
            " Each is listed in the job summary and the full plan."
        )
    return [*lines, ""]


@dataclass(frozen=True)
class _Section:
    """A suite's collapsible details: its opening, one block of lines per change."""

    opening: str
    blocks: tuple[str, ...]
    noun: str = "more change"

    def text(self, shown: int | None = None) -> str:
        """The section, or only its first ``shown`` changes and a line saying so."""
        blocks = list(self.blocks[:shown])
        if len(blocks) < len(self.blocks):
            blocks.append(f"- … {counted(len(self.blocks) - len(blocks), self.noun)}: cut")
        return "\n".join([self.opening, *blocks, "\n</details>\n"])

    def fitting(self, room: int) -> int:
        """How many leading changes fit in ``room`` characters with the closing lines."""
        room -= len(self.text(0)) + 1
        for shown, block in enumerate(self.blocks):
            room -= len(block) + 1
            if room < 0:
                return shown
        return len(self.blocks)


def _md_rolled_head(groups: list[tuple[str, list[Change]]], view: View) -> list[str]:
    """The rolled-up changes: a line per kind and field, with examples."""
    lines = [f"**{md(rolled_title(groups))}**", ""]
    lines += [_md_rolled(line) for line in rolled(other_changes(groups))]
    return [*lines, "", md(ROLLED_HINT.format(at=view.rollup)), ""]


def _md_per_suite(groups: list[tuple[str, list[Change]]]) -> _Section:
    opening = f"<details><summary>Per suite ({counted(len(groups), 'group')})</summary>\n"
    blocks = [f"- {md(group)}: {md(kinds_text(changes))}" for group, changes in groups]
    return _Section(opening, tuple(blocks), "more suite")


def _md_group(plan: Plan, group: str, changes: list[Change], view: View) -> _Section:
    name = safetext.markdown_html(group)
    opening = f"<details><summary>{name} ({counted(len(changes), 'change')})</summary>\n"
    return _Section(opening, tuple("\n".join(_md_change(plan, c, view)) for c in changes))


def _md_rolled(line: Rolled) -> str:
    """``- `~` **1,812 cases: description changed** — e.g. …``."""
    return f"- `{SYMBOLS[line.kind]}` **{md(line.text())}** — e.g. {md(examples(line))}"


def _md_section(
    title: str,
    hint: str,
    changes: Sequence[Change],
    plan: Plan,
    view: View,
    verbs: Mapping[str, str],
) -> list[str]:
    """Conflicts or drift as markdown: a bold title, the hint, one item per entity."""
    if not changes:
        return []
    items = [line for c in changes for line in _md_change(plan, c, view, verbs.get(c.kind))]
    return [f"**{md(title)}**", "", md(hint), "", *items, ""]


def _md_change(plan: Plan, change: Change, view: View, verb: str | None = None) -> list[str]:
    what = f"{ENTITY_NAMES[change.entity]} {md(change.name)}"
    conflict = any(d.side == "conflict" for d in change.diffs)
    symbol = "!" if conflict else SYMBOLS[change.kind]
    head = f"- `{symbol}` **{verb or ('conflict' if conflict else change.kind)}** {what}"
    if change.live_id is not None:
        url = link(plan, change, view.web)
        head += f" ([{md(str(change.live_id))}]({safetext.markdown_url(url)}))" if url else ""
    if change.location:
        head += f" — {md(str(change.location))}"
    elif change.kind in DESTRUCTIVE:
        head += f" — in {md(group_of(change))}"
    lines = [head, *(f"  - {md(diff_text(d) + reverted_note(d, verb))}" for d in change.diffs)]
    if change.used_by:
        lines.append("  - used by cases: " + ", ".join(md(f"#{i}") for i in change.used_by))
    return lines


def _md_messages(title: str, messages: Sequence[Message]) -> str:
    if not messages:
        return ""
    return "\n".join([f"**{title}**", "", *(f"- {md(str(m))}" for m in messages), ""])


def _cut(head: str, groups: list[_Section], messages: list[str], limit: int) -> str:
    """Everything when it fits in ``limit``; else the leading suite sections that fit
    beside the warnings and notes (a large plan is where they matter most), the first
    changes of the next section that fit, a line saying what was left out, then the
    warnings and notes that fit."""
    room = limit - 400 - len(head)
    sections = [g.text() for g in groups]
    if _size(sections) + _size(messages) <= room:
        return _joined([head, *sections, *messages])
    tail = _fitting(messages, room)
    body = _fitting(sections, room - _size(tail))
    left = len(groups) - len(body) + len(messages) - len(tail)
    if len(body) < len(groups):
        partial = groups[len(body)]
        shown = partial.fitting(room - _size(tail) - _size(body))
        if shown:
            body.append(partial.text(shown))
            left -= 1
    what = f": {counted(left, 'more section')} did not fit in" if left else " to fit in"
    cut = (
        f"{_CUT_NOTE}{what} {limit:,} characters.** The whole plan is in the "
        "job summary of this run (or run `qasesync plan`).\n"
    )
    return _joined([head, *body, cut, *tail])


def _size(sections: list[str]) -> int:
    return sum(len(section) + 1 for section in sections)


def _fitting(sections: list[str], room: int) -> list[str]:
    """The leading sections whose total size stays within ``room``."""
    kept: list[str] = []
    for section in sections:
        room -= len(section) + 1
        if room < 0:
            break
        kept.append(section)
    return kept


def _joined(parts: list[str]) -> str:
    return "\n".join(parts).rstrip("\n") + "\n"
