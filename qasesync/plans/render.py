"""A `Plan` as text (Terraform-like) and JSON (the saved plan), and what every format
shares: the walk (`groups_of` puts the changes into display groups, one per suite), the
words (a change's head line, a diff, the summary, the estimate) and `render`, which picks
the format. Markdown (pull-request comment, job summary) is in `qasesync.plans.markdown`,
GitHub workflow commands in `qasesync.plans.annotations`. Formats strings; never prints.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qasesync import safetext
from qasesync.model import Case
from qasesync.plans.plan import Change, FieldDiff, Message, Plan
from qasesync.plans.rollup import ROLLUP_AT, Rolled, rolled, rolls_up

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
    # The markdown and GitHub formats are modules of their own over this one's words.
    from qasesync.plans.annotations import render_github
    from qasesync.plans.markdown import render_markdown

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


def groups_of(plan: Plan) -> list[tuple[str, list[Change]]]:
    """The other changes grouped by the suite they belong to: shared steps, the project
    root, then the suites in tree order (a parent before its children); each group's
    changes in execution order."""
    groups: dict[str, list[Change]] = {}
    for change in (c for c in plan.changes if c.kind not in DESTRUCTIVE):
        groups.setdefault(group_of(change), []).append(change)
    return sorted(groups.items(), key=lambda group: _group_order(group[0]))


def _group_order(name: str) -> tuple[int, list[tuple[str, str]]]:
    if name in (SHARED_GROUP, ROOT_GROUP):
        return (0 if name == SHARED_GROUP else 1), []
    return 2, [(part.casefold(), part) for part in name.split("/")]


def head_line(change: Change, verb: str | None = None) -> str:
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
    groups = groups_of(plan)
    if rolls_up(other_changes(groups), view.rollup):
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


def other_changes(groups: list[tuple[str, list[Change]]]) -> list[Change]:
    return [change for _, changes in groups for change in changes]


def rolled_title(groups: list[tuple[str, list[Change]]]) -> str:
    count, suites = len(other_changes(groups)), counted(len(groups), "group")
    return f"Every other change, rolled up ({count:,} changes in {suites})"


def _rolled_text(
    groups: list[tuple[str, list[Change]]], paint: Callable[[str, str], str]
) -> list[str]:
    """Too many changes to list: a line per kind and field with a few examples under each,
    then a line per group (suite) with its counts."""
    lines = [f"  # {rolled_title(groups)}"]
    for line in rolled(other_changes(groups)):
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
        lines += [head, f"      in {visible(group_of(change))}", *rest]
    return [*lines, ""]


def group_of(change: Change) -> str:
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
    lines = [paint(symbol, f"  {symbol} {head_line(change, verb)}")]
    where = [visible(str(change.location))] if change.location else []
    url = link(plan, change, view.web)
    if url:
        where.append(visible(url))
    if where:
        lines.append("      " + " · ".join(where))
    if change.kind == "create" and isinstance(change.desired, Case) and verb is None:
        lines.append("      " + case_summary(change.desired))
    lines += [f"      {diff_text(d)}{reverted_note(d, verb)}" for d in change.diffs]
    if change.used_by:
        lines.append("      used by cases: " + ", ".join(f"#{i}" for i in change.used_by))
    return lines


def reverted_note(diff: FieldDiff, verb: str | None) -> str:
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
