"""The commands that read Qase: `plan`, `export` and `pull`, with what `plan` and `apply`
(`qasesync.cli.applying`) share: which cases a tree's scope reads, and the fields a live
read could not see.

qasesync's own modules are imported inside the commands that use them: `qasesync.cli`
imports this module for every command, and loading the planner, the client and the
applier up front would add about 0.4 s to `validate` and `--help`.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from qasesync.cli.common import (
    EXIT_CHANGES,
    EXIT_OK,
    EXIT_USER,
    UsageError,
    plan_view,
    project_code,
    resolve_tree,
    tree_prefix,
)
from qasesync.cli.locking import tree_locked
from qasesync.errors import ConfigError, PlanError, ValidationError

if TYPE_CHECKING:
    from qasesync.model import CaseScope, Live, Settings, Tree
    from qasesync.plans.plan import Plan


def plan_tree(
    root: Path, env: Mapping[str, str], *, allow_attachment_loss: bool = False
) -> tuple[Tree, Settings, Plan]:
    """Load the tree, read the live project it names, and plan (reads only).

    The live read starts while the tree loads (the project code is peeked from
    qasesync.yaml): the service's time overlaps ours. A guess that the loaded settings
    contradict is read again."""
    from qasesync.plans.planner import effective_settings, plan
    from qasesync.tree.base import read_base
    from qasesync.tree.load import load_tree

    guess = _peek_settings(root, env)
    chosen: Future[Select] = Future()  # the case read waits for the tree's scope
    early = _Background(_read_live, env, *guess, _chosen(chosen)) if guess else None
    try:
        tree = load_tree(root)
        settings = effective_settings(tree, env.get("QASE_PROJECT"))
    except BaseException:
        chosen.set_exception(_Abandoned())
        raise
    wanted = (settings.project, settings.external_issue_type)
    select = case_scope(tree, settings)
    if early and guess == wanted:
        chosen.set_result(select)
        live = early.result()
    else:
        chosen.set_exception(_Abandoned())
        live = _read_live(env, *wanted, select)
    settings = unread_unmanaged(settings, live)
    base, _ = read_base(root)
    planned = plan(tree, live, settings, base=base, allow_attachment_loss=allow_attachment_loss)
    return tree, settings, planned


Select = Callable[["Live"], "CaseScope | None"]


class _Abandoned(Exception):
    """The early read is not wanted: the tree failed to load or names another project."""


def _chosen(chosen: Future[Select]) -> Select:
    """A `Select` that waits for the main thread to choose one (after the tree loads)."""
    return lambda live: chosen.result()(live)


def case_scope(tree: Tree, settings: Settings) -> Select:
    """What the live read of ``tree`` needs: with ``scope``, the owned suites' cases and
    the tree's case ids (docs/design.md §13); without, every case."""
    from qasesync.model import CaseScope
    from qasesync.plans.planner import owned_suite_ids

    def select(live: Live) -> CaseScope | None:
        suites = owned_suite_ids(tree, live, settings)
        if suites is None:
            return None
        return CaseScope(suites, frozenset(c.id for c in tree.cases if c.id is not None))

    return select


class _Background:
    """A call in a daemon thread: a tree that fails to load exits at once, without
    waiting for the read (and its retries) to end."""

    def __init__(self, fn: Callable[..., Live], *args: object) -> None:
        self._value: Live | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn, *args), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[..., Live], *args: object) -> None:
        try:
            self._value = fn(*args)
        except BaseException as error:  # re-raised in the caller's thread
            self._error = error

    def result(self) -> Live:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


def _read_live(
    env: Mapping[str, str], project: str, issue_type: str, select: Select | None = None
) -> Live:
    from qasesync.qase.client import QaseClient
    from qasesync.qase.remote import Remote

    client = QaseClient.from_env(env)
    try:
        return Remote(client, project, external_issue_type=issue_type).read(select)
    finally:
        client.close()


def unread_unmanaged(settings: Settings, live: Live) -> Settings:
    """``settings`` with the fields the live read could not see (`Live.unread`) under
    ``ignore_fields`` for this run: nothing is compared, sent or pulled in them, and the
    base record keeps them as partial (docs/design.md §11)."""
    if not live.unread <= settings.ignore_fields:
        settings = replace(settings, ignore_fields=settings.ignore_fields | live.unread)
    return settings


def _peek_settings(root: Path, env: Mapping[str, str]) -> tuple[str, str] | None:
    """(project, external_issue_type) from qasesync.yaml, before the tree is loaded."""
    from qasesync.yamltext import read as yamlread

    try:
        data = yamlread.parse((root / "qasesync.yaml").read_text(encoding="utf-8")).data
        project = (env.get("QASE_PROJECT") or "").strip() or str(data["project"])
        return project, str(data.get("external_issue_type") or "jira-cloud")
    except Exception:  # the loader reports whatever is wrong with the file
        return None


def cmd_plan(args: argparse.Namespace, out: TextIO) -> int:
    from qasesync.plans.annotations import github_problems
    from qasesync.plans.render import render

    root = resolve_tree(args.tree)
    try:
        _, _, plan = plan_tree(root, os.environ, allow_attachment_loss=args.allow_attachment_loss)
    except (ValidationError, PlanError) as error:
        if args.format == "github":
            out.write(github_problems(error.problems, tree_prefix=tree_prefix(root)))
        raise
    view = plan_view(root, out, color=args.format == "text", full=args.full)
    refused = plan.refused()
    if args.out and refused is None:
        _save_plan(Path(args.out), render(plan, "json", view))
    out.write(render(plan, args.format, view))
    if refused is not None:
        print(f"error: {refused}", file=sys.stderr)
        return EXIT_USER
    return EXIT_CHANGES if args.detailed_exitcode and plan.has_changes else EXIT_OK


def _save_plan(path: Path, text: str) -> None:
    """``--out``: a path that cannot be written is the user's to fix (exit 1), not a bug."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot write the plan to {path}: {error.strerror}") from error


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    """The live project → a cases tree in ``--out`` that plans clean (reads only); with
    ``--format qase-csv``, a cases tree → Qase's CSV, offline (`qasesync.cli.qasecsv`)."""
    from qasesync.adopt import export as exporting
    from qasesync.qase.client import QaseClient
    from qasesync.qase.remote import Remote

    if args.format == "qase-csv":
        from qasesync.cli.qasecsv import cmd_export_qase_csv

        return cmd_export_qase_csv(args, out)
    if args.tree:
        raise UsageError("export: --tree goes with --format qase-csv (a tree written as CSV)")
    if not args.project:
        raise UsageError(
            "qasesync export: the following arguments are required: --project"
            " (or QASE_PROJECT; --format qase-csv needs neither)"
        )
    target = Path(args.out or "cases")
    project = project_code(args.project)
    exporting.check_target(target, force=args.force)
    with QaseClient.from_env(os.environ) as client:
        remote = Remote(client, project)
        live = remote.read()
        other = exporting.other_issue_type(live, remote.external_issue_type)
        if other is not None:  # the project links its cases to the other Jira: read them again
            remote.external_issue_type = other
            live = replace(live, tree=replace(live.tree, cases=remote.read_cases()))
    issue_type = remote.external_issue_type
    export = exporting.exported_tree(live, project, external_issue_type=issue_type)
    if export.tree.settings is not None and live.unread:  # kept unmanaged until edited
        settings = unread_unmanaged(export.tree.settings, live)
        export = replace(export, tree=replace(export.tree, settings=settings))
    files = exporting.export_project(export, live, target, force=args.force, schemas=args.schemas)
    out.write("\n".join(exporting.report_lines(export, target, files)) + "\n")
    return EXIT_OK


@tree_locked
def cmd_pull(args: argparse.Namespace, out: TextIO) -> int:
    """Edits made in the Qase web app → the YAML, in place; ``--dry-run`` prints the
    diff and writes nothing (reads only from Qase)."""
    from qasesync.adopt.pull import pull, write
    from qasesync.plans.planner import effective_settings
    from qasesync.tree.base import read_base
    from qasesync.tree.load import load_tree

    root = resolve_tree(args.tree)
    digests: dict[str, str] = {}
    tree = load_tree(root, digests=digests)
    base, base_bytes = read_base(root)
    settings = effective_settings(tree, os.environ.get("QASE_PROJECT"))
    live = _read_live(
        os.environ, settings.project, settings.external_issue_type, case_scope(tree, settings)
    )
    settings = unread_unmanaged(settings, live)
    pulled = pull(root, tree, live, settings, base)
    if args.dry_run:
        out.write(pulled.diff())
    else:
        write(root, pulled, digests, base_bytes)
    out.write(pulled.report(settings.project, dry_run=args.dry_run))
    return EXIT_USER if pulled.conflicts else EXIT_OK
