"""`apply`, in its stages: read the tree and the base record, take the project lock, read
the live project and plan (a saved plan must be that plan), show it and confirm, apply
with progress, then move the base record and report (docs/design.md §6, §11, §12).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from qasesync.cli.common import EXIT_OK, EXIT_USER, UsageError, plan_view, read_plan, resolve_tree
from qasesync.cli.live import case_scope, unread_unmanaged
from qasesync.cli.locking import project_locked, tree_locked
from qasesync.errors import SafetyError

if TYPE_CHECKING:
    from qasesync.apply.applier import YamlSink
    from qasesync.cli.writeback import ApplyRecording
    from qasesync.model import Base, Live, Settings, Tree
    from qasesync.plans.plan import Plan
    from qasesync.plans.render import View
    from qasesync.plans.threeway import Record
    from qasesync.qase.remote import Remote


@tree_locked
def cmd_apply(args: argparse.Namespace, out: TextIO) -> int:
    """Plan (or load a saved plan and check it is fresh), confirm, apply, write back;
    ``--record``: save what was written back, however apply ends."""
    from qasesync.cli.writeback import ApplyRecording

    recording = ApplyRecording(Path(args.record)) if args.record else None
    try:
        return _apply(args, out, recording)
    finally:
        if recording is not None:
            recording.save()


@dataclass
class _Local:
    """What apply reads before it talks to Qase."""

    root: Path
    tree: Tree
    digests: dict[str, str]  # of each file as read: write-back refuses one changed since
    base: Base | None
    base_bytes: bytes | None
    settings: Settings
    saved: Plan | None  # --plan


@dataclass
class _Sinks:
    """Where what apply does goes, besides Qase: ids into the YAML, records into the base."""

    ids: YamlSink | None
    base: _BaseSink | None


def _apply(args: argparse.Namespace, out: TextIO, recording: ApplyRecording | None) -> int:
    from qasesync.plans.render import render
    from qasesync.qase.client import QaseClient

    local = _read_local(args)
    _check_confirmable(args)
    # The lock comes before the live read: an apply that waited plans afresh (§12).
    with (
        QaseClient.from_env(os.environ) as client,
        project_locked(client, local.settings, args) as remote,
    ):
        live, planned = _plan_checked(args, local, remote)
        view = plan_view(local.root, out, color=True)
        out.write(render(planned, "text", view))
        refused = planned.refused()
        if refused is not None:
            raise SafetyError(f"{refused}; nothing was changed")
        sinks = _sinks(args, local, planned)
        if recording is not None:
            recording.watch(local.tree, local.settings.project, sinks.ids, sinks.base)
        if not (planned.has_changes or planned.adoptions):
            if sinks.base is not None:
                sinks.base.write(())
            return EXIT_OK
        if planned.has_changes:  # ids matched by title only go into the YAML: nothing to ask
            _confirm(args, out)
        return _run(planned, remote, live, local.settings, sinks, view, out)


def _read_local(args: argparse.Namespace) -> _Local:
    from qasesync.plans.planner import effective_settings
    from qasesync.tree.base import read_base
    from qasesync.tree.load import load_tree

    root = resolve_tree(args.tree)
    digests: dict[str, str] = {}
    tree = load_tree(root, digests=digests)
    base, base_bytes = read_base(root)
    settings = effective_settings(tree, os.environ.get("QASE_PROJECT"))
    saved = _saved_plan(args.plan, settings.project) if args.plan else None
    return _Local(root, tree, digests, base, base_bytes, settings, saved)


def _plan_checked(args: argparse.Namespace, local: _Local, remote: Remote) -> tuple[Live, Plan]:
    """The live project and the plan to run: made now, with the base records of what it
    leaves unchanged; a saved plan must be this one; the destroy limit on the live counts."""
    from qasesync.apply.applier import check_fresh
    from qasesync.plans.destroy import refuse as refuse_destroy
    from qasesync.plans.planner import plan

    live = remote.read(case_scope(local.tree, local.settings))
    settings = unread_unmanaged(local.settings, live)
    planned = plan(
        local.tree,
        live,
        settings,
        base=local.base,
        record_unchanged=True,
        allow_attachment_loss=args.allow_attachment_loss,
    )
    if local.saved is not None:  # what runs is the plan made now, once it is the saved one
        check_fresh(local.saved, local.tree, live.tree, now=planned)
    if not args.allow_destroy:  # the live project's counts, never a saved plan's
        refuse_destroy(planned.changes, planned.in_scope, settings.max_destroy)
    return live, planned


def _sinks(args: argparse.Namespace, local: _Local, planned: Plan) -> _Sinks:
    from qasesync.apply.applier import YamlSink

    write_back = local.settings.write_back and not args.no_write_back
    ids = YamlSink(local.root, local.digests) if write_back else None
    # Without write-back no record is started, but one that exists is kept true:
    # a stale record would take the tree's applied changes for changes made in Qase.
    keep = ids is not None or local.base_bytes is not None
    # The records of unchanged entities come from the plan; those of the changes,
    # from what apply did.
    base = _BaseSink(local.root, local.base, local.base_bytes, planned) if keep else None
    return _Sinks(ids, base)


def _run(
    planned: Plan,
    remote: Remote,
    live: Live,
    settings: Settings,
    sinks: _Sinks,
    view: View,
    out: TextIO,
) -> int:
    """Apply with progress; then move the base record and report, however it ended."""
    from qasesync.apply.applier import ApplyFailed, apply
    from qasesync.apply.report import RERUN, failure_lines, report_text
    from qasesync.cli.progress import display_for, shown

    try:
        with shown(display_for(os.environ)) as progress:
            report = apply(
                planned,
                remote,
                live=live.tree,
                on_progress=progress,
                on_written=sinks.ids,
                batch_size=settings.bulk_size,
            )
    except ApplyFailed as failure:
        if sinks.base is not None:
            sinks.base.write(failure.report.synced)
        out.write(report_text(failure.report, sinks.ids, view.web, stopped=True))
        print("\n".join(failure_lines(failure.report.failures)), file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print(f"apply interrupted. {RERUN}", file=sys.stderr)
        raise
    if sinks.base is not None:
        sinks.base.write(report.synced)
    out.write(report_text(report, sinks.ids, view.web, stopped=False))
    return EXIT_OK


class _BaseSink:
    """Moves the base record (docs/design.md §11) by what a plan and its apply synced:
    the plan's records of unchanged entities and the records of the changes done."""

    def __init__(self, root: Path, base: Base | None, old: bytes | None, plan: Plan) -> None:
        self.root, self.base, self.old, self.plan = root, base, old, plan
        self.records: list[Record] = []  # what moved the base, once written (`apply --record`)
        self.wrote = False

    def write(self, done: Sequence[Record]) -> None:
        from qasesync.plans.threeway import updated
        from qasesync.tree.base import write_base

        records = [*self.plan.synced, *done]
        if records or (self.old is None and self.plan.has_changes):
            ignored = self.plan.ignore_fields
            self.wrote = write_base(self.root, updated(self.base, records, ignored), self.old)
            self.records = records


def _saved_plan(path: str, project: str) -> Plan:
    saved = read_plan(path)
    if saved.project != project:
        raise SafetyError(f"{path} is a plan for project {saved.project}, not {project}")
    return saved


def _check_confirmable(args: argparse.Namespace) -> None:
    """Without a terminal nobody can answer: --yes or --plan must say it was reviewed."""
    if not (args.yes or args.plan or sys.stdin.isatty()):
        raise UsageError(
            "apply asks for confirmation, and there is no terminal to answer it: "
            "pass --yes (or apply a reviewed plan with --plan PLAN.json)"
        )


def _confirm(args: argparse.Namespace, out: TextIO) -> None:
    if args.yes or not sys.stdin.isatty():
        return
    out.write("\nApply these changes? Only 'yes' will be accepted: ")
    out.flush()
    if sys.stdin.readline().strip() != "yes":
        raise SafetyError("apply cancelled: nothing was changed")
