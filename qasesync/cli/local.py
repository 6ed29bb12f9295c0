"""The commands that run the local Qase API emulator: `emulator` and `demo`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from qasesync.cli.common import EXIT_OK
from qasesync.errors import QasesyncError

if TYPE_CHECKING:
    from qasesync.cli.sandbox import Content
    from qasesync.emulator import Faults
    from qasesync.emulator.shapes import Shapes

DEFAULT_EMULATOR_PROJECT = "DEMO"


def cmd_emulator(args: argparse.Namespace, out: TextIO) -> int:
    """Run the Qase API emulator until Ctrl-C; ``--state`` is loaded at start and saved on exit."""
    from contextlib import ExitStack

    from qasesync.cli import sandbox
    from qasesync.emulator import Emulator, serve
    from qasesync.emulator.seed import seed_project
    from qasesync.emulator.server import wait_for_interrupt

    content = sandbox.sandbox_content(args)
    project, fields = _emulator_workspace(args, content)
    faults = emulator_faults(args)
    emulator = Emulator(
        token=args.token,
        projects=(project,),
        custom_fields=fields,
        log_limit=1000,
        faults=faults,
        seed=args.seed,
        no_include=args.no_include,
        shared_read=args.shared_read,
        list_trashed=args.list_trashed,
        shapes=emulator_shapes(args),
        suite_filter=args.suite_filter,
    )
    state = Path(args.state) if args.state else None
    if state is not None and state.is_file():
        try:
            emulator.load_state(state)
        except (ValueError, KeyError, TypeError) as error:
            raise QasesyncError(f"{state}: not an emulator state file ({error})") from error
    if content is not None:
        seed_project(emulator.store, project, **sandbox.plain(content.tree))
    serving = ExitStack()
    try:
        server = serving.enter_context(serve(emulator, host=args.host, port=args.port))
    except OSError as error:
        where = f"{args.host}:{args.port}"
        raise QasesyncError(f"cannot listen on {where}: {error.strerror}") from error
    with serving:
        seeded = f": {sandbox.summary(content)}" if content is not None else ""
        seeded += f"; custom fields: {', '.join(f['title'] for f in fields)}" if fields else ""
        seeded += f"; faults: {_changed(faults)}" if faults != type(faults)() else ""
        seeded += "; refusing include=external_issues" if args.no_include else ""
        seeded += "; listing trashed cases" if args.list_trashed else ""
        seeded += "; suite_id lists child suites too" if args.suite_filter != "direct" else ""
        out.write(f"Qase API emulator at {server.url} (project {project}{seeded}); ")
        out.write("Ctrl-C stops it\n")
        out.write(sandbox.export_line(server.url, args.token) + "\n")
        out.flush()
        try:
            wait_for_interrupt()
        except KeyboardInterrupt:
            out.write("emulator stopped\n")
    if state is not None:
        emulator.save_state(state)
        out.write(f"state saved to {state}\n")
    return EXIT_OK


def emulator_shapes(args: argparse.Namespace) -> Shapes:
    """The open shapes the ``emulator`` command's options ask for."""
    from qasesync.emulator.shapes import Shapes

    return Shapes(
        create_default_severity=args.create_default_severity,
        bulk_latency_per_case=args.bulk_latency_per_case,
        multiselect=args.multiselect,
        datetime_read=args.datetime_read,
    )


def emulator_faults(args: argparse.Namespace) -> Faults:
    """The faults the ``emulator`` command's options ask for."""
    from qasesync.emulator import Faults

    names = ("latency", "rate_429", "retry_after", "rate_5xx", "rate_drop", "rate_limit")
    return Faults(**{name: getattr(args, name) for name in names})


def _changed(faults: Faults) -> str:
    default = type(faults)()
    fields = vars(faults).items()
    return ", ".join(f"{k}={v}" for k, v in fields if getattr(default, k) != v)


def _emulator_workspace(
    args: argparse.Namespace, content: Content | None
) -> tuple[str, list[dict[str, Any]] | None]:
    """The project the emulator serves and the custom fields it starts with: with
    ``--custom-fields-from TREE`` (else ``--from-tree``), those the tree's cases use
    (seeded as `demo` seeds them), and the tree's project unless ``--project`` names
    another; a CSV names no project: the placeholder `import-csv` writes (CHANGEME)
    unless ``--project``."""
    from qasesync.cli.demo import custom_fields_of
    from qasesync.tree.load import load_tree

    if args.custom_fields_from:
        tree = load_tree(Path(args.custom_fields_from))
    elif content is not None and args.from_tree:
        tree = content.tree
    elif content is not None:  # a CSV: the project `import-csv` writes without --project
        return args.project or content.project, None
    else:
        return args.project or DEFAULT_EMULATOR_PROJECT, None
    named = tree.settings.project if tree.settings else DEFAULT_EMULATOR_PROJECT
    project = args.project or named
    return project, custom_fields_of(tree, project)


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    """Validate, plan, apply and plan again the example tree against an in-process
    emulator; each step is the real command, run through :func:`main`."""
    from qasesync.cli import main  # here, not above: qasesync.cli imports this module
    from qasesync.cli.demo import run_demo

    debug = ["--debug"] if args.debug else []
    return run_demo(lambda argv: main([*debug, *argv], out=out), out)
