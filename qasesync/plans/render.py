"""A `Plan` as text (Terraform-like), markdown (pull-request comment, job summary), JSON
(the saved plan) and GitHub workflow commands. Formats strings; never prints.

One walk (`_groups`) puts the changes into display groups, one per suite; each format
is a handful of small formatters over those groups.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qasesync import safetext
from qasesync.errors import Problem
from qasesync.model import Case
from qasesync.plans.plan import Change, FieldDiff, Message, Plan
from qasesync.plans.rollup import ROLLUP_AT, Rolled, rolled, rolls_up

MARKER = "<!-- qasesync-plan -->"
MARKDOWN_LIMIT = 60_000
SYMBOLS = {"create": "+", "update": "~", "deprecate": "-", "delete": "-"}
ENTITY_NAMES = {"case": "case", "suite": "suite", "shared_step": "shared step"}
SHARED_GROUP = "(shared steps)"
DESTRUCTIVE = ("deprecate", "delete")
DESTRUCTIVE_HEAD = "To deprecate or delete"
ROOT_GROUP = "(project root)"
_COLORS = {"+": "32", "~": "33", "-": "31", "!": "33"}


@dataclass(frozen=True)
class View:
    """How to show a plan: the web app base for links, the rate limit for the estimate."""

    web: str = "https://app.qase.io"
    rate_per_minute: float = 600.0
    color: bool = False
    tree_prefix: str = ""
    #: Sections of more changes than this are rolled up; None lists every change (--full).
    rollup: int | None = ROLLUP_AT


def link(plan: Plan, change: Change, web: str) -> str | None:
    """The web app page of the live entity a change touches (None for a create)."""
    ident = change.live_id
    return None if ident is None else entity_link(web, plan.project, change.entity, ident)


def entity_link(web: str, project: str, entity: str, ident: int | str) -> str:
    """The web app page of a live case, suite or shared step (``ident``: id or hash)."""
    if entity == "case":
        return f"{web}/case/{project}-{ident}"
    if entity == "suite":
        return f"{web}/project/{project}?suite={ident}"
    return f"{web}/shared-step/{project}/{ident}"


def render(plan: Plan, fmt: str, view: View) -> str:
    """The plan in one of the formats of ``plan --format``."""
    formatters: dict[str, Callable[[Plan, View], str]] = {
        "text": render_text,
        "markdown": render_markdown,
        "json": lambda p, v: render_json(p),
        "github": render_github,
    }
    return formatters[fmt](plan, view)


# --- the walk ----------------------------------------------------------------------------


def destructive(plan: Plan) -> list[Change]:
    """The changes that deprecate or delete, shown before the others (after conflicts)."""
    return [c for c in plan.changes if c.kind in DESTRUCTIVE]


def _groups(plan: Plan) -> list[tuple[str, list[Change]]]:
    """The other changes grouped by the suite they belong to: shared steps, the project
    root, then the suites in tree order (a parent before its children); each group's
    changes in execution order."""
    groups: dict[str, list[Change]] = {}
    for change in (c for c in plan.changes if c.kind not in DESTRUCTIVE):
        groups.setdefault(_group_of(change), []).append(change)
    return sorted(groups.items(), key=lambda group: _group_order(group[0]))


def _group_order(name: str) -> tuple[int, list[tuple[str, str]]]:
    if name in (SHARED_GROUP, ROOT_GROUP):
        return (0 if name == SHARED_GROUP else 1), []
    return 2, [(part.casefold(), part) for part in name.split("/")]


def _head(change: Change, verb: str | None = None) -> str:
    """``update case "Title" (#12)``; ``verb`` in place of the change's kind (then the
    id is the tree's where Qase has none: a case deleted in Qase)."""
    ident = change.live_id
    if ident is None and verb is not None and isinstance(change.desired, Case):
        ident = change.desired.id
    name = visible(json.dumps(change.name, ensure_ascii=False))
    head = f"{verb or change.kind} {ENTITY_NAMES[change.entity]} {name}"
    if ident is None:
        return head
    return (
        f"{head} ({visible(str(ident))})"
        if change.entity == "shared_step"
        else f"{head} (#{ident})"
    )


def diff_text(diff: FieldDiff) -> str:
    """``path: before → after`` or ``path: +added −removed``; a conflict shows the base
    value both sides changed and each side's value."""
    path = diff.path
    if diff.side == "conflict":
        base, tree, live = shown(diff.base), shown(diff.after), shown(diff.before)
        return visible(f"{path}: was {base}; the tree has {tree}, Qase has {live}")
    if diff.added or diff.removed:
        parts = [f"+{_item(a)}" for a in diff.added] + [f"−{_item(r)}" for r in diff.removed]
        return visible(f"{path}: {' '.join(parts)}")
    return visible(f"{path}: {shown(diff.before)} → {shown(diff.after)}")


def _item(name: str) -> str:
    """A tag or issue as a set diff lists it: bare, or quoted (`shown`) when it holds
    white space or starts like a sign or a quote, so that one item never reads as two."""
    odd = not name or name[0] in '+−-"' or any(c.isspace() for c in name)
    return shown(name) if odd else name


def shown(value: Any) -> str:
    """A diff's value as a plan line shows it: text quoted as JSON, a step as
    ``{action: "Open", data: "x"}``, a list as ``["a", "b"]``, nothing as ``(none)``."""
    if value is None:
        return "(none)"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def visible(value: str) -> str:
    """Text from the tree or from Qase that is not quoted (tag names, the names of custom
    fields and parameters in a diff path) as one line that can neither drive a terminal
    nor start a line (`safetext.terminal`)."""
    return safetext.terminal(value)


def counted(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 request``, ``3 requests`` (``nouns``: a plural other than noun + ``s``)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def summary_line(plan: Plan) -> str:
    counts = plan.counts()
    line = (
        f"Plan: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['deprecate']} to deprecate, {counts['delete']} to delete."
    )
    if plan.drift:
        line += f" {counted(len(plan.drift), 'change')} in Qase kept."
    if plan.conflicts:
        line += f" {counted(len(plan.conflicts), 'conflict')}: apply refuses this plan."
    return line


#: What each kind of drift says happened in Qase.
DRIFT_WORDS = {"update": "changed", "create": "created", "delete": "deleted"}
DRIFT_HEAD = "Changed in Qase since the last sync"
CONFLICT_HEAD = "Conflicts: changed in the tree and in Qase since the last sync"
DRIFT_HINT = (
    "Not applied: apply leaves these as they are. Run `qasesync pull` to bring them into "
    "the YAML (or set `drift: revert` to have apply undo them)."
)
NO_BASE = (
    "No base record (qasesync.base.jsonl): the tree holds ids but not what was last "
    "synced, so this plan is two-way: a change made in Qase shows as an update that apply "
    "would undo. apply, pull and export write the record; commit it with the tree."
)
ROLLED_HINT = (
    "More than {at} changes besides conflicts, deprecations and deletions are rolled up per "
    "kind and field, and counted per suite; `qasesync plan --full` (or `qasesync show "
    "PLAN.json --full`) lists every change."
)
CONFLICT_HINT = (
    "To keep what Qase has, edit the tree to it; to make the tree's value win, apply once "
    "with `drift: revert` in qasesync.yaml. Then plan again."
)


def adoption_line(plan: Plan) -> str | None:
    """What apply writes into the YAML alone (no change in Qase): the ids and hashes of
    the entities matched by title."""
    count = len(plan.adoptions)
    if not count:
        return None
    keys = {a.key for a in plan.adoptions}
    if count == 1:
        what = f"1 entity matched by title; apply will write its {keys.pop()}"
    else:
        nouns = " and ".join(n for k, n in (("id", "ids"), ("hash", "hashes")) if k in keys)
        what = f"{count} entities matched by title; apply will write their {nouns}"
    return f"{what} into the YAML."


def estimate_line(plan: Plan, rate_per_minute: float) -> str:
    requests = plan.estimate_requests()
    if requests == 0:
        return "Apply will make no API requests."
    took = _duration(plan.estimate_seconds(rate_per_minute))
    rate = f"{rate_per_minute:g} requests/minute"
    return f"Apply will make about {counted(requests, 'API request')} (≈{took} at {rate})."


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{max(1, math.ceil(seconds))} s"
    return f"{math.ceil(seconds / 60)} min"


# --- text ---------------------------------------------------------------------------------


def render_text(plan: Plan, view: View) -> str:
    """Terraform-like: one block per change, field diffs under it, then warnings, notes and
    the summary."""
    paint = _painter(view.color)
    lines: list[str] = [paint("!", f"! {NO_BASE}"), ""] if plan.two_way else []
    lines += _text_section(CONFLICT_HEAD, CONFLICT_HINT, plan.conflicts, plan, view, paint, {})
    if plan.changes:
        lines += [f"qasesync will make these changes to project {visible(plan.project)}:", ""]
        lines += _destroyed_text(plan, view, paint)
    elif not plan.drift:
        lines += [f"No changes. Project {visible(plan.project)} matches the tree.", ""]
    else:
        project = visible(plan.project)
        lines += [f"No changes to make. Project {project} has changes made in Qase:", ""]
    groups = _groups(plan)
    if rolls_up(_others(groups), view.rollup):
        lines += _rolled_text(groups, paint)
        lines += [ROLLED_HINT.format(at=view.rollup), ""]
        groups = []
    for group, changes in groups:
        lines.append(f"  # {visible(group)}")  # suite titles, from the tree or Qase
        for change in changes:
            lines += _text_change(plan, change, view, paint)
        lines.append("")
    lines += _text_section(DRIFT_HEAD, DRIFT_HINT, plan.drift, plan, view, paint, DRIFT_WORDS)
    lines += _text_messages("Warnings", "!", plan.warnings, paint)
    lines += _text_messages("Notes", "*", plan.notes, paint)
    adopted = adoption_line(plan)
    lines += [adopted, ""] if adopted else []
    lines += [summary_line(plan), estimate_line(plan, view.rate_per_minute)]
    return "\n".join(lines) + "\n"


def _others(groups: list[tuple[str, list[Change]]]) -> list[Change]:
    return [change for _, changes in groups for change in changes]


def rolled_title(groups: list[tuple[str, list[Change]]]) -> str:
    count, suites = len(_others(groups)), counted(len(groups), "group")
    return f"Every other change, rolled up ({count:,} changes in {suites})"


def _rolled_text(
    groups: list[tuple[str, list[Change]]], paint: Callable[[str, str], str]
) -> list[str]:
    """Too many changes to list: a line per kind and field with a few examples under each,
    then a line per group (suite) with its counts."""
    lines = [f"  # {rolled_title(groups)}"]
    for line in rolled(_others(groups)):
        symbol = SYMBOLS[line.kind]
        head = paint(symbol, f"  {symbol} {visible(line.text())}")
        lines += [head, f"      e.g. {examples(line)}"]
    lines += ["", "  # Per suite"]
    lines += [f"      {visible(group)}: {kinds_text(changes)}" for group, changes in groups]
    return [*lines, ""]


def kinds_text(changes: Sequence[Change]) -> str:
    """``12 to update, 2 to create``."""
    counts = Counter(change.kind for change in changes)
    return ", ".join(f"{n:,} to {kind}" for kind, n in counts.items())


def examples(line: Rolled) -> str:
    """``"Login" (#12), "Logout" (#13), "Reset" (#14) and 1,809 more``."""
    named = ", ".join(_named(change) for change in line.examples)
    left = line.count - len(line.examples)
    return f"{named} and {left:,} more" if left else named


def _named(change: Change) -> str:
    """``"Title" (#12)``: the change's entity, quoted, with its live id or hash."""
    name = visible(json.dumps(change.name, ensure_ascii=False))
    ident = change.live_id
    if ident is None:
        return name
    return (
        f"{name} ({visible(str(ident))})"
        if change.entity == "shared_step"
        else f"{name} (#{ident})"
    )


def _destroyed_text(plan: Plan, view: View, paint: Callable[[str, str], str]) -> list[str]:
    """The deprecations and deletions first, each with where it stands."""
    changes = destructive(plan)
    if not changes:
        return []
    lines = [f"  # {DESTRUCTIVE_HEAD}"]
    for change in changes:
        head, *rest = _text_change(plan, change, view, paint)
        lines += [head, f"      in {visible(_group_of(change))}", *rest]
    return [*lines, ""]


def _group_of(change: Change) -> str:
    """The group a change would be listed in: its suite's path, or a group of its own."""
    return SHARED_GROUP if change.entity == "shared_step" else change.suite or ROOT_GROUP


def _text_section(
    title: str,
    hint: str,
    changes: Sequence[Change],
    plan: Plan,
    view: View,
    paint: Callable[[str, str], str],
    verbs: Mapping[str, str],
) -> list[str]:
    """Conflicts or drift: a heading, a hint, one block per entity; ``verbs`` say what
    each kind of change is called there."""
    if not changes:
        return []
    lines = [f"{title}:", f"  {hint}", ""]
    for change in changes:
        lines += _text_change(plan, change, view, paint, verb=verbs.get(change.kind))
    return [*lines, ""]


def _painter(color: bool) -> Callable[[str, str], str]:
    def paint(symbol: str, line: str) -> str:
        code = _COLORS.get(symbol)
        return f"\x1b[{code}m{line}\x1b[0m" if color and code else line

    return paint


def _text_change(
    plan: Plan,
    change: Change,
    view: View,
    paint: Callable[[str, str], str],
    *,
    verb: str | None = None,
) -> list[str]:
    conflict = any(d.side == "conflict" for d in change.diffs)
    symbol = "!" if conflict else SYMBOLS[change.kind]
    lines = [paint(symbol, f"  {symbol} {_head(change, verb)}")]
    where = [visible(str(change.location))] if change.location else []
    url = link(plan, change, view.web)
    if url:
        where.append(visible(url))
    if where:
        lines.append("      " + " · ".join(where))
    if change.kind == "create" and isinstance(change.desired, Case) and verb is None:
        lines.append("      " + case_summary(change.desired))
    lines += [f"      {diff_text(d)}{_reverted(d, verb)}" for d in change.diffs]
    if change.used_by:
        lines.append("      used by cases: " + ", ".join(f"#{i}" for i in change.used_by))
    return lines


def _reverted(diff: FieldDiff, verb: str | None) -> str:
    """Under ``drift: revert`` a change undoes what was changed in Qase: say so."""
    return "   (changed in Qase; reverted)" if diff.side == "drift" and verb is None else ""


def case_summary(case: Case) -> str:
    """What a created case will be, in one line: ``severity: major, priority: high,
    tags: [auth, smoke], 4 steps (2 shared: sign-in)``."""
    parts = [
        f"{name}: {value}" for name in ("severity", "priority") if (value := getattr(case, name))
    ]
    if case.tags:
        parts.append(f"tags: [{', '.join(case.tags)}]")
    return visible(", ".join([*parts, _steps_summary(case)]))


def _steps_summary(case: Case) -> str:
    if case.gherkin:
        return "Gherkin steps"
    steps = counted(len(case.steps), "step") if case.steps else "no steps"
    shared = [s.shared for s in case.steps if s.shared]
    keys = ", ".join(dict.fromkeys(shared))
    return f"{steps} ({len(shared)} shared: {keys})" if shared else steps


def _text_messages(
    title: str, symbol: str, messages: Sequence[Message], paint: Callable[[str, str], str]
) -> list[str]:
    if not messages:
        return []
    return [f"{title}:", *(paint(symbol, f"  {symbol} {visible(str(m))}") for m in messages), ""]


# --- markdown -----------------------------------------------------------------------------


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
    walked = _groups(plan)
    groups = [_md_group(plan, group, changes, view) for group, changes in walked]
    if rolls_up(_others(walked), view.rollup):
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
        rolls_up(_others(walked), view.rollup)
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
    lines += [_md_rolled(line) for line in rolled(_others(groups))]
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
        head += f" — in {md(_group_of(change))}"
    lines = [head, *(f"  - {md(diff_text(d) + _reverted(d, verb))}" for d in change.diffs)]
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


# --- json ---------------------------------------------------------------------------------


def render_json(plan: Plan) -> str:
    """The plan as JSON (``plan --out``), a member of the top object per line and each
    item of its lists and objects on a line of its own: a change is one line, so that a
    large plan stays small and reads with ``grep`` as well as with ``jq``."""
    members = [f"  {_dumped(key)}: {_member(value)}" for key, value in plan.to_json().items()]
    return safetext.json_text("{\n" + ",\n".join(members) + "\n}") + "\n"


def _member(value: Any) -> str:
    if isinstance(value, list) and value:
        return "[\n" + ",\n".join(f"    {_dumped(v)}" for v in value) + "\n  ]"
    if isinstance(value, dict) and value:
        items = (f"    {_dumped(k)}: {_dumped(v)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + "\n  }"
    return _dumped(value)


def _dumped(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- github -------------------------------------------------------------------------------


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
    head = f"conflict: {_head(change)}" if level == "error" else _head(change, verb)
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
