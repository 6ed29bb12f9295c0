"""`qasesync export`: the live project as a cases tree that plans clean (docs/design.md §10).

`exported_tree` turns what `Remote.read` returns into the tree a person would write:
the live tree's keys (``"#<id>"`` suites, hash-keyed shared steps) are replaced by
folder paths and readable keys when `qasesync.tree.write` writes it, ids and hashes
stay, enum fields equal to the workspace's default are left out, and
``qasesync.yaml`` gets what the tree needs to plan clean: the workspace's extra enum
options under ``options`` and, under ``ignore_fields``, the fields in which some live
case holds what the tree cannot express. Pure but for `export_project`, which writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from qasesync.errors import ConfigError, PlanError
from qasesync.model import (
    DEFAULT_OPTIONS,
    ENUM_FIELDS,
    Case,
    CustomValue,
    Live,
    Settings,
    Tree,
    Workspace,
)
from qasesync.plans.checks import parent_loops
from qasesync.plans.planner import live_base
from qasesync.safetext import terminal
from qasesync.tree.base import BASE_FILE, write_base
from qasesync.tree.write import LOCAL_SCHEMAS, without_defaults, write_tree

#: Why a field of a live case cannot be written as YAML (docs/design.md §3).
REASONS: Mapping[str, str] = {
    "steps": "steps with attachments",
    "parameters": "group or shared parameters",
    "external_issues": "external issues of another type",
    "custom_fields": "custom fields that share a title",
}


@dataclass(frozen=True)
class Export:
    """An exported tree and what the report says about it.

    ``ignored`` maps each field put into ``ignore_fields`` to the live cases that
    caused it; ``options`` is what went under ``options`` in ``qasesync.yaml``."""

    tree: Tree
    ignored: Mapping[str, tuple[Case, ...]]
    options: Mapping[str, tuple[str, ...]]


def exported_tree(live: Live, project: str, *, external_issue_type: str = "jira-cloud") -> Export:
    """The live project as a desired tree (still keyed like the live one; the tree
    writer gives folders and shared-step keys), with the settings it needs.

    Raises `PlanError`, as `plan` does, when the live suites' parents loop: no folder
    tree can hold them."""
    loops = parent_loops(live.tree.suites)
    if loops:
        raise PlanError(loops)
    options = extra_options(live.workspace)
    ignored = inexpressible_cases(live.tree.cases)
    settings = Settings(
        project=project,
        external_issue_type=external_issue_type,
        ignore_fields=frozenset(ignored),
        options=options,
    )
    cases = writable_cases(live.tree.cases, live.workspace)
    tree = replace(live.tree, settings=settings, cases=cases)
    return Export(tree=tree, ignored=ignored, options=options)


def writable_cases(cases: Iterable[Case], workspace: Workspace) -> tuple[Case, ...]:
    """Live cases as a person would write them: fields equal to the workspace's default
    left out, empty values of custom fields that have a default kept."""
    defaults = {name: enum.default for name, enum in workspace.enums.items()}
    kept = tuple(_custom_values(c, workspace) for c in cases)
    return without_defaults(Tree(None, cases=kept), defaults).cases


def other_issue_type(live: Live, read_as: str) -> str | None:
    """The other Jira type when the live cases hold external issues, none of them of the
    type they were read as (``read_as``): read them again as that one."""
    cases = live.tree.cases
    if any(c.external_issues for c in cases):
        return None
    if not any("external_issues" in c.inexpressible for c in cases):
        return None
    return "jira-server" if read_as == "jira-cloud" else "jira-cloud"


def extra_options(workspace: Workspace) -> dict[str, tuple[str, ...]]:
    """Per enum field, the workspace's option slugs beyond the default table."""
    extra = {}
    for name in ENUM_FIELDS:
        enum = workspace.enums.get(name)
        slugs = tuple(s for s in enum.options if s not in DEFAULT_OPTIONS[name]) if enum else ()
        if slugs:
            extra[name] = slugs
    return extra


def inexpressible_cases(cases: Sequence[Case]) -> dict[str, tuple[Case, ...]]:
    """Field name → the live cases holding, in that field, what the tree cannot express."""
    found: dict[str, list[Case]] = {}
    for case in cases:
        for name in case.inexpressible:
            found.setdefault(name, []).append(case)
    return {name: tuple(found[name]) for name in sorted(found)}


def _custom_values(case: Case, workspace: Workspace) -> Case:
    """An empty live value of a custom field that has a default is written as empty:
    left out, it would mean the default (docs/design.md §3). A title that two fields
    share is left out: the tree cannot name either (the plan would fail on it)."""
    titles = Counter(f.title for f in workspace.custom_fields)
    empty: dict[str, CustomValue] = {
        f.title: () if f.type == "multiselect" else ""
        for f in workspace.custom_fields
        if f.default is not None and f.title not in case.custom_fields
    }
    values = {**case.custom_fields, **empty}
    kept = {title: value for title, value in values.items() if titles[title] < 2}
    if kept == case.custom_fields:
        return case
    return replace(case, custom_fields=kept)


def check_target(out: Path, *, force: bool) -> None:
    """Refuse a file, a folder that cannot be made (a file on its way), or a non-empty
    folder without ``force`` (before reading anything)."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} exists and is not a folder")
    above = next(p for p in out.absolute().parents if p.exists())
    if not above.is_dir():
        raise ConfigError(f"{out}: {above} is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ConfigError(f"{out} is not empty; use --force to write into it")


def export_project(
    export: Export, live: Live, out: Path, *, force: bool, schemas: str | None = LOCAL_SCHEMAS
) -> list[Path]:
    """Write the exported tree into ``out``, with its base record (the tree is the live
    project, so every case is synced), its schema lines pointing at ``schemas``; the files
    written."""
    assert export.tree.settings is not None
    try:
        files = write_tree(export.tree, out, force=force, schemas=schemas)
        old = (out / BASE_FILE).read_bytes() if (out / BASE_FILE).is_file() else None
        write_base(out, live_base(live, export.tree.settings), old)
    except OSError as error:  # a full disk, no permission: the user's to fix
        raise ConfigError(f"{out}: the tree cannot be written ({error})") from error
    return [*files, out / BASE_FILE]


def report_lines(export: Export, out: Path, files: Sequence[Path]) -> list[str]:
    """What `qasesync export` prints: counts, where, and what went into qasesync.yaml."""
    tree = export.tree
    assert tree.settings is not None
    lines = [f"Exported {tree.settings.project}: {tree.summary()} into {out} ({len(files)} files)"]
    for name, slugs in export.options.items():
        lines.append(f"options: {name}: {', '.join(slugs)} (beyond the default table)")
    for name, cases in export.ignored.items():
        lines.append(
            f"ignore_fields: {name} — {len(cases)} live case(s) hold "
            f"{REASONS.get(name, 'what the tree cannot express')}, which qasesync must "
            "never overwrite:"
        )
        lines += [f"  #{c.id} {c.title!r}" for c in cases]
    if export.ignored:
        lines.append(
            "  (fields in ignore_fields are never compared nor sent, for every case: "
            "remove one from the list to manage it again)"
        )
    return [terminal(line) for line in lines]  # names and titles from Qase: one line each
