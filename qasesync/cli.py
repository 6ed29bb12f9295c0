"""The `qasesync` command: argument parsing, one function per command, the one error boundary.

This is the only module that prints (with `render`, which only formats). Exit codes
(contract section 7): 0 success, 1 a user error, 2 only with ``--detailed-exitcode``
when the plan has changes, 3 a bug (traceback only under ``--debug``), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from qasesync.errors import QasesyncError, ValidationError

if TYPE_CHECKING:
    from qasesync.model import Settings, Tree
    from qasesync.plan import Plan
    from qasesync.render import View

EXIT_OK = 0
EXIT_USER = 1
EXIT_CHANGES = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130


class UsageError(QasesyncError):
    """A bad command line. Exit 1, never argparse's 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}\n{self.format_usage().rstrip()}")


Command = Callable[[argparse.Namespace, TextIO], int]


def resolve_tree(arg: str | None) -> Path:
    """The tree argument, else the current folder when it holds qasesync.yaml, else ./cases."""
    if arg:
        return Path(arg)
    here = Path.cwd()
    return here if (here / "qasesync.yaml").is_file() else here / "cases"


# --- commands ---------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    from qasesync.loader import load_tree

    root = resolve_tree(args.tree)
    try:
        tree = load_tree(root)
    except ValidationError as error:
        if args.format == "json":
            problems = [p.as_json() for p in error.problems]
            out.write(json.dumps({"valid": False, "problems": problems}, indent=2) + "\n")
            return EXIT_USER
        raise
    if args.format == "json":
        out.write(json.dumps({"valid": True, "problems": [], "summary": tree.summary()}) + "\n")
    else:
        out.write(f"{_display(root)}: {tree.summary()} — valid\n")
    return EXIT_OK


def cmd_emulator(args: argparse.Namespace, out: TextIO) -> int:
    """Run the Qase API emulator until Ctrl-C; ``--state`` is loaded at start and saved on exit."""
    from qasesync.emulator import Emulator, serve
    from qasesync.emulator.server import wait_for_interrupt

    emulator = Emulator(token=args.token, projects=(args.project,), log_limit=1000)
    state = Path(args.state) if args.state else None
    if state is not None and state.is_file():
        emulator.load_state(state)
    with serve(emulator, host=args.host, port=args.port) as server:
        out.write(f"Qase API emulator at {server.url} (project {args.project}); Ctrl-C stops it\n")
        out.flush()
        try:
            wait_for_interrupt()
        except KeyboardInterrupt:
            out.write("emulator stopped\n")
    if state is not None:
        emulator.save_state(state)
        out.write(f"state saved to {state}\n")
    return EXIT_OK


def plan_tree(root: Path, env: Mapping[str, str]) -> tuple[Tree, Settings, Plan]:
    """Load the tree, read the live project it names, and plan (reads only)."""
    from qasesync.client import QaseClient
    from qasesync.loader import load_tree
    from qasesync.planner import effective_settings, plan
    from qasesync.remote import Remote

    tree = load_tree(root)
    settings = effective_settings(tree, env.get("QASE_PROJECT"))
    client = QaseClient.from_env(env)
    try:
        issue_type = settings.external_issue_type
        live = Remote(client, settings.project, external_issue_type=issue_type).read()
    finally:
        client.close()
    return tree, settings, plan(tree, live, settings)


def cmd_plan(args: argparse.Namespace, out: TextIO) -> int:
    from qasesync.errors import PlanError
    from qasesync.render import github_problems, render

    root = resolve_tree(args.tree)
    try:
        _, _, plan = plan_tree(root, os.environ)
    except (ValidationError, PlanError) as error:
        if args.format == "github":
            out.write(github_problems(error.problems, tree_prefix=_prefix(root)))
        raise
    view = _plan_view(root, out, color=args.format == "text")
    if args.out:
        Path(args.out).write_text(render(plan, "json", view), encoding="utf-8")
    out.write(render(plan, args.format, view))
    return EXIT_CHANGES if args.detailed_exitcode and plan.has_changes else EXIT_OK


def _plan_view(root: Path, out: TextIO, *, color: bool) -> View:
    from qasesync.render import View, web_base

    try:
        rate = float(os.environ.get("QASE_RATE_LIMIT", "") or 600)
    except ValueError:
        rate = 600.0
    tty = color and out.isatty() and not os.environ.get("NO_COLOR")
    return View(web_base(os.environ), rate, tty, _prefix(root))


def _prefix(root: Path) -> str:
    """The tree's folder as GitHub annotations need it (relative to the checkout)."""
    relative = os.path.relpath(root)
    return "" if relative == "." else relative.replace(os.sep, "/") + "/"


def _not_yet(name: str) -> Command:
    def command(args: argparse.Namespace, out: TextIO) -> int:
        raise QasesyncError(f"`qasesync {name}` is not available in this build yet")

    return command


def _display(root: Path) -> str:
    text = str(root)
    return text if text.endswith("/") else text + "/"


COMMANDS: dict[str, Command] = {
    "validate": cmd_validate,
    "plan": cmd_plan,
    "apply": _not_yet("apply"),
    "export": _not_yet("export"),
    "pull": _not_yet("pull"),
    "import-csv": _not_yet("import-csv"),
    "emulator": cmd_emulator,
    "demo": _not_yet("demo"),
}


# --- parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qasesync", description="Qase.io test cases as code.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    validate = sub.add_parser("validate", help="check a cases tree offline")
    validate.add_argument("tree", nargs="?")
    validate.add_argument("--format", choices=["text", "json"], default="text")

    plan = sub.add_parser("plan", help="show what apply would change in Qase")
    plan.add_argument("tree", nargs="?")
    plan.add_argument("--format", choices=["text", "markdown", "json", "github"], default="text")
    plan.add_argument("--out", metavar="PLAN.json", help="save the plan for `apply --plan`")
    plan.add_argument(
        "--detailed-exitcode", action="store_true", help="exit 2 when there are changes"
    )

    apply = sub.add_parser("apply", help="make the live project match the tree")
    apply.add_argument("tree", nargs="?")
    apply.add_argument("--plan", metavar="PLAN.json", help="apply this saved plan exactly")
    apply.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    apply.add_argument("--allow-destroy", action="store_true", help="lift the max_destroy limit")
    apply.add_argument(
        "--no-write-back", action="store_true", help="do not write ids into the YAML"
    )

    export = sub.add_parser("export", help="write the live project as a cases tree")
    export.add_argument("--project", required=True)
    export.add_argument("--out", default="cases")
    export.add_argument("--force", action="store_true", help="write into a non-empty folder")

    pull = sub.add_parser("pull", help="bring web-app edits into the YAML")
    pull.add_argument("tree", nargs="?")
    pull.add_argument("--dry-run", action="store_true", help="print the YAML diff, write nothing")

    import_csv = sub.add_parser("import-csv", help="turn a CSV of legacy cases into a tree")
    import_csv.add_argument("file")
    import_csv.add_argument("--out", required=True)
    import_csv.add_argument("--skip-bad", action="store_true", help="leave bad rows out")

    emulator = sub.add_parser("emulator", help="run the local Qase API emulator")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8787)
    emulator.add_argument("--token", default="emulator-token")
    emulator.add_argument("--project", default="DEMO")
    emulator.add_argument("--state", metavar="FILE", help="load from and save to this JSON file")

    sub.add_parser("demo", help="validate, plan, apply and plan the example tree on an emulator")
    return parser


# --- the error boundary -----------------------------------------------------------------


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args, out)
    except KeyboardInterrupt:
        print("qasesync: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ValidationError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{len(error.problems)} problem(s) found", file=sys.stderr)
        return EXIT_USER
    except QasesyncError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USER
    except Exception:
        if debug:
            traceback.print_exc()
        else:
            print(
                "qasesync: unexpected error (a bug); run again with --debug for the traceback",
                file=sys.stderr,
            )
        return EXIT_BUG


def entry() -> None:
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    sys.exit(main())
