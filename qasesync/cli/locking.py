"""The locks as the commands use them (docs/design.md §12): the project lock around apply's
live read and writes, the local lock on the tree around apply, pull and writeback, and
the `unlock` command.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from qasesync.cli.common import EXIT_OK, Command, project_code, resolve_tree

if TYPE_CHECKING:
    from qasesync.model import Settings
    from qasesync.qase.client import QaseClient
    from qasesync.qase.remote import Remote

DEFAULT_TIMEOUT = 300.0
"""``--lock-timeout``'s default, and the tree lock's for the commands without it: the same
as `qasesync.apply.lock.DEFAULT_TIMEOUT` (a test holds them equal), which is not imported
here so that `--help` stays fast."""


def note(text: str) -> None:
    """A lock's news for the person running the command, on stderr."""
    print(f"qasesync: {text}", file=sys.stderr, flush=True)


def tree_locked(command: Command) -> Command:
    """``command`` run holding the local lock on its tree (``args.tree``)."""

    @functools.wraps(command)
    def run(args: argparse.Namespace, out: TextIO) -> int:
        from qasesync.tree.treelock import tree_lock

        timeout = getattr(args, "lock_timeout", DEFAULT_TIMEOUT)
        with tree_lock(resolve_tree(args.tree), timeout=timeout, on_wait=note):
            return command(args, out)

    return run


@contextmanager
def project_locked(
    client: QaseClient, settings: Settings, args: argparse.Namespace
) -> Iterator[Remote]:
    """The project's `Remote`, holding the apply lock until the block ends, however it
    ends (an error, Ctrl-C)."""
    from qasesync.apply.lock import ProjectLock, Timing, holder_name
    from qasesync.qase.remote import Remote

    remote = Remote(client, settings.project, external_issue_type=settings.external_issue_type)
    remote.check_project()  # a wrong project code is one clear line, not a refused lock
    timing = Timing(timeout=getattr(args, "lock_timeout", DEFAULT_TIMEOUT))
    with ProjectLock(remote, holder=holder_name(os.environ), note=note, timing=timing):
        yield remote


def cmd_unlock(args: argparse.Namespace, out: TextIO) -> int:
    """Delete the project's apply locks, held or not, and say which."""
    from qasesync.apply.lock import unlock
    from qasesync.qase.client import QaseClient
    from qasesync.qase.lockentity import stamp
    from qasesync.qase.remote import Remote

    project = project_code(args.project) if args.project else _tree_project(args.tree)
    with QaseClient.from_env(os.environ) as client:
        removed = unlock(Remote(client, project))
    if not removed:
        out.write(f"Project {project} has no apply lock.\n")
    for lock in removed:
        expires = f", expires {stamp(lock.expires)}" if lock.expires else ""
        out.write(f"Removed the apply lock {lock.describe()}{expires} from project {project}.\n")
    return EXIT_OK


def _tree_project(tree: str | None) -> str:
    from qasesync.plans.planner import effective_settings
    from qasesync.tree.load import load_tree

    loaded = load_tree(resolve_tree(tree))
    return effective_settings(loaded, os.environ.get("QASE_PROJECT")).project
