"""The `qasesync` command: argument parsing, one function per command, the one error boundary.

This is the only module that prints (with `render`, which only formats). Exit codes
(contract section 7): 0 success, 1 a user error, 2 only with ``--detailed-exitcode``
when the plan has changes, 3 a bug (traceback only under ``--debug``), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from qasesync.errors import QasesyncError, ValidationError

if TYPE_CHECKING:
    from qasesync.applier import Progress
    from qasesync.emulator import Faults
    from qasesync.model import Live, Settings, Tree
    from qasesync.plan import Plan
    from qasesync.render import View

EXIT_OK = 0
EXIT_USER = 1
EXIT_CHANGES = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130
DEFAULT_EMULATOR_PROJECT = "DEMO"


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
    """Check the tree offline: one summary line (exit 0) or every problem (exit 1)."""
    from qasesync.loader import load_tree

    root = resolve_tree(args.tree)
    shown = Path(args.tree) if args.tree else Path(os.path.relpath(root))  # as the user sees it
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
        out.write(f"{_display(shown)}: {tree.summary()} — valid\n")
    return EXIT_OK


def cmd_emulator(args: argparse.Namespace, out: TextIO) -> int:
    """Run the Qase API emulator until Ctrl-C; ``--state`` is loaded at start and saved on exit."""
    from contextlib import ExitStack

    from qasesync.emulator import Emulator, serve
    from qasesync.emulator.server import wait_for_interrupt

    project, fields = _emulator_workspace(args)
    faults = emulator_faults(args)
    emulator = Emulator(
        token=args.token,
        projects=(project,),
        custom_fields=fields,
        log_limit=1000,
        faults=faults,
        seed=args.seed,
    )
    state = Path(args.state) if args.state else None
    if state is not None and state.is_file():
        try:
            emulator.load_state(state)
        except (ValueError, KeyError, TypeError) as error:
            raise QasesyncError(f"{state}: not an emulator state file ({error})") from error
    serving = ExitStack()
    try:
        server = serving.enter_context(serve(emulator, host=args.host, port=args.port))
    except OSError as error:
        where = f"{args.host}:{args.port}"
        raise QasesyncError(f"cannot listen on {where}: {error.strerror}") from error
    with serving:
        seeded = f"; custom fields: {', '.join(f['title'] for f in fields)}" if fields else ""
        seeded += f"; faults: {_changed(faults)}" if faults != type(faults)() else ""
        out.write(f"Qase API emulator at {server.url} (project {project}{seeded}); ")
        out.write("Ctrl-C stops it\n")
        out.flush()
        try:
            wait_for_interrupt()
        except KeyboardInterrupt:
            out.write("emulator stopped\n")
    if state is not None:
        emulator.save_state(state)
        out.write(f"state saved to {state}\n")
    return EXIT_OK


def emulator_faults(args: argparse.Namespace) -> Faults:
    """The faults the ``emulator`` command's options ask for."""
    from qasesync.emulator import Faults

    names = ("latency", "rate_429", "retry_after", "rate_5xx", "rate_drop", "rate_limit")
    return Faults(**{name: getattr(args, name) for name in names})


def _changed(faults: Faults) -> str:
    default = type(faults)()
    fields = vars(faults).items()
    return ", ".join(f"{k}={v}" for k, v in fields if getattr(default, k) != v)


def _emulator_workspace(args: argparse.Namespace) -> tuple[str, list[dict[str, Any]] | None]:
    """The project the emulator serves and the custom fields it starts with: with
    ``--custom-fields-from TREE``, those the tree's cases use (seeded as `demo` seeds
    them), and the tree's project unless ``--project`` names another."""
    if not args.custom_fields_from:
        return args.project or DEFAULT_EMULATOR_PROJECT, None
    from qasesync.demo import custom_fields_of
    from qasesync.loader import load_tree

    tree = load_tree(Path(args.custom_fields_from))
    named = tree.settings.project if tree.settings else DEFAULT_EMULATOR_PROJECT
    project = args.project or named
    return project, custom_fields_of(tree, project)


def plan_tree(root: Path, env: Mapping[str, str]) -> tuple[Tree, Settings, Plan]:
    """Load the tree, read the live project it names, and plan (reads only).

    The live read starts while the tree loads (the project code is peeked from
    qasesync.yaml): the service's time overlaps ours. A guess that the loaded settings
    contradict is read again."""
    from qasesync.loader import load_tree
    from qasesync.planner import effective_settings, plan

    guess = _peek_settings(root, env)
    early = _Background(_read_live, env, *guess) if guess else None
    tree = load_tree(root)
    settings = effective_settings(tree, env.get("QASE_PROJECT"))
    wanted = (settings.project, settings.external_issue_type)
    live = early.result() if early and guess == wanted else _read_live(env, *wanted)
    return tree, settings, plan(tree, live, settings)


class _Background:
    """A call in a daemon thread: a tree that fails to load exits at once, without
    waiting for the read (and its retries) to end."""

    def __init__(self, fn: Callable[..., Live], *args: str | Mapping[str, str]) -> None:
        self._value: Live | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn, *args), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[..., Live], *args: str | Mapping[str, str]) -> None:
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


def _read_live(env: Mapping[str, str], project: str, issue_type: str) -> Live:
    from qasesync.client import QaseClient
    from qasesync.remote import Remote

    client = QaseClient.from_env(env)
    try:
        return Remote(client, project, external_issue_type=issue_type).read()
    finally:
        client.close()


def _peek_settings(root: Path, env: Mapping[str, str]) -> tuple[str, str] | None:
    """(project, external_issue_type) from qasesync.yaml, before the tree is loaded."""
    from qasesync import yamlread

    try:
        data = yamlread.parse((root / "qasesync.yaml").read_text(encoding="utf-8")).data
        project = (env.get("QASE_PROJECT") or "").strip() or str(data["project"])
        return project, str(data.get("external_issue_type") or "jira-cloud")
    except Exception:  # the loader reports whatever is wrong with the file
        return None


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
        _save_plan(Path(args.out), render(plan, "json", view))
    out.write(render(plan, args.format, view))
    return EXIT_CHANGES if args.detailed_exitcode and plan.has_changes else EXIT_OK


def cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    """A plan saved by ``plan --out``, rendered again without talking to Qase; the tree
    (``--tree``) is only where GitHub annotations point."""
    from qasesync.render import render

    plan = _read_plan(args.plan)
    view = _plan_view(resolve_tree(args.tree), out, color=args.format == "text")
    out.write(render(plan, args.format, view))
    return EXIT_OK


def _save_plan(path: Path, text: str) -> None:
    """``--out``: a path that cannot be written is the user's to fix (exit 1), not a bug."""
    from qasesync.errors import ConfigError

    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot write the plan to {path}: {error.strerror}") from error


def cmd_apply(args: argparse.Namespace, out: TextIO) -> int:
    """Plan (or load a saved plan and check it is fresh), confirm, apply, write back."""
    from qasesync.applier import ApplyFailed, YamlSink, apply, check_fresh
    from qasesync.applyreport import RERUN, failure_lines, report_text
    from qasesync.client import QaseClient
    from qasesync.loader import load_tree
    from qasesync.planner import effective_settings, plan
    from qasesync.remote import Remote
    from qasesync.render import render

    root = resolve_tree(args.tree)
    digests: dict[str, str] = {}
    tree = load_tree(root, digests=digests)
    settings = effective_settings(tree, os.environ.get("QASE_PROJECT"))
    saved = _saved_plan(args.plan, settings.project) if args.plan else None
    _check_confirmable(args)
    with QaseClient.from_env(os.environ) as client:
        remote = Remote(client, settings.project, external_issue_type=settings.external_issue_type)
        live = remote.read()
        chosen = plan(tree, live, settings)
        if saved is not None:
            check_fresh(saved, tree, live.tree, now=chosen)
            chosen = saved
        chosen.check_safety(allow_destroy=args.allow_destroy)
        view = _plan_view(root, out, color=True)
        out.write(render(chosen, "text", view))
        if not (chosen.has_changes or chosen.adoptions):
            return EXIT_OK
        if chosen.has_changes:  # ids matched by title only go into the YAML: nothing to ask
            _confirm(args, out)
        sink = YamlSink(root, digests) if settings.write_back and not args.no_write_back else None
        progress = _progress()
        try:
            report = apply(chosen, remote, live=live.tree, on_progress=progress, on_written=sink)
        except ApplyFailed as failure:
            out.write(report_text(failure.report, sink, view.web, stopped=True))
            print("\n".join(failure_lines(failure.report.failures)), file=sys.stderr)
            return EXIT_USER
        except KeyboardInterrupt:
            if progress is not None:
                progress.end()
            print(f"apply interrupted. {RERUN}", file=sys.stderr)
            raise
    out.write(report_text(report, sink, view.web, stopped=False))
    return EXIT_OK


def _saved_plan(path: str, project: str) -> Plan:
    from qasesync.errors import SafetyError

    saved = _read_plan(path)
    if saved.project != project:
        raise SafetyError(f"{path} is a plan for project {saved.project}, not {project}")
    return saved


def _read_plan(path: str) -> Plan:
    """A plan saved by ``plan --out``; a file that is none is the user's to fix (exit 1)."""
    from qasesync.errors import ConfigError
    from qasesync.plan import Plan

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"a JSON {type(data).__name__}, not an object")
        saved = Plan.from_json(data)
    except KeyError as error:
        raise ConfigError(f"{path}: not a saved plan (no {error})") from error
    except (OSError, ValueError, TypeError, AttributeError) as error:
        raise ConfigError(f"{path}: not a saved plan ({error})") from error
    return saved


def _check_confirmable(args: argparse.Namespace) -> None:
    """Without a terminal nobody can answer: --yes or --plan must say it was reviewed."""
    if not (args.yes or args.plan or sys.stdin.isatty()):
        raise UsageError(
            "apply asks for confirmation, and there is no terminal to answer it: "
            "pass --yes (or apply a reviewed plan with --plan PLAN.json)"
        )


def _confirm(args: argparse.Namespace, out: TextIO) -> None:
    from qasesync.errors import SafetyError

    if args.yes or not sys.stdin.isatty():
        return
    out.write("\nApply these changes? Only 'yes' will be accepted: ")
    out.flush()
    if sys.stdin.readline().strip() != "yes":
        raise SafetyError("apply cancelled: nothing was changed")


class _ProgressLine:
    """``applying: 120/300 (creating cases)`` on one line of a terminal's stderr."""

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._shown = 0.0
        self._open = False  # a line is shown that no newline ended yet

    def __call__(self, progress: Progress) -> None:
        import time

        from qasesync.applyreport import progress_text

        with self._lock:
            now = time.monotonic()
            last = progress.done == progress.total
            if now - self._shown < 0.2 and not last:
                return
            self._shown = now
            self._open = not last
            end = "\n" if last else ""
            sys.stderr.write(f"\r\x1b[K{progress_text(progress)}{end}")
            sys.stderr.flush()

    def end(self) -> None:
        """End the line shown, so that what is printed next starts on a line of its own."""
        with self._lock:
            if self._open:
                sys.stderr.write("\n")
                self._open = False


def _progress() -> _ProgressLine | None:
    return _ProgressLine() if sys.stderr.isatty() else None


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


def cmd_import_csv(args: argparse.Namespace, out: TextIO) -> int:
    """A CSV of legacy cases → a cases tree in ``--out``; nothing is written while a row
    is bad, unless ``--skip-bad``."""
    from qasesync.importcsv import PLACEHOLDER_PROJECT, import_csv
    from qasesync.treewriter import write_tree

    target = Path(args.out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise QasesyncError(f"{args.out} is not an empty folder; import-csv writes a new tree")
    result = import_csv(Path(args.file), project=_project_code(args.project))
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    problems = result.problems()
    if problems and not args.skip_bad:
        raise QasesyncError(
            f"{len(problems)} bad row(s) in {args.file}; nothing written"
            " (--skip-bad leaves them out):\n" + "\n".join(problems)
        )
    for problem in problems:
        print(f"skipped: {problem}", file=sys.stderr)
    write_tree(result.tree, target)
    tree = result.tree
    out.write(f"{len(tree.cases)} cases in {len(tree.suites)} suites written to {args.out}\n")
    if args.project is None:
        out.write(f"project code is the placeholder {PLACEHOLDER_PROJECT}: edit qasesync.yaml\n")
    return EXIT_OK


def _project_code(code: str | None) -> str:
    from qasesync.importcsv import PLACEHOLDER_PROJECT

    if code is None:
        return PLACEHOLDER_PROJECT
    if not (code.isascii() and code.isalpha() and 2 <= len(code) <= 10):
        raise UsageError(f"--project {code!r}: a Qase project code is 2 to 10 letters")
    return code.upper()


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    """Validate, plan, apply and plan again the example tree against an in-process
    emulator; each step is the real command, run through :func:`main`."""
    from qasesync.demo import run_demo

    debug = ["--debug"] if args.debug else []
    return run_demo(lambda argv: main([*debug, *argv], out=out), out)


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    """The live project → a cases tree in ``--out`` that plans clean (reads only)."""
    from qasesync import export as exporting

    target = Path(args.out)
    project = _project_code(args.project)
    exporting.check_target(target, force=args.force)
    issue_type = "jira-cloud"
    live = _read_live(os.environ, project, issue_type)
    other = exporting.other_issue_type(live, issue_type)
    if other is not None:  # the project links its cases to the other Jira
        issue_type, live = other, _read_live(os.environ, project, other)
    export = exporting.exported_tree(live, project, external_issue_type=issue_type)
    files = exporting.export_project(export, target, force=args.force)
    out.write("\n".join(exporting.report_lines(export, target, files)) + "\n")
    return EXIT_OK


def cmd_pull(args: argparse.Namespace, out: TextIO) -> int:
    """Edits made in the Qase web app → the YAML, in place; ``--dry-run`` prints the
    diff and writes nothing (reads only from Qase)."""
    from qasesync.loader import load_tree
    from qasesync.planner import effective_settings
    from qasesync.pull import pull, write

    root = resolve_tree(args.tree)
    digests: dict[str, str] = {}
    tree = load_tree(root, digests=digests)
    settings = effective_settings(tree, os.environ.get("QASE_PROJECT"))
    live = _read_live(os.environ, settings.project, settings.external_issue_type)
    pulled = pull(root, tree, live, settings)
    if args.dry_run:
        out.write(pulled.diff())
    else:
        write(root, pulled, digests)
    out.write(pulled.report(settings.project, dry_run=args.dry_run))
    return EXIT_OK


def _display(root: Path) -> str:
    text = str(root)
    return text if text.endswith("/") else text + "/"


COMMANDS: dict[str, Command] = {
    "validate": cmd_validate,
    "plan": cmd_plan,
    "show": cmd_show,
    "apply": cmd_apply,
    "export": cmd_export,
    "pull": cmd_pull,
    "import-csv": cmd_import_csv,
    "emulator": cmd_emulator,
    "demo": cmd_demo,
}


# --- parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qasesync", description="Qase.io test cases as code.")
    parser.add_argument(
        "--debug", action="store_true", help="log requests and retries; show tracebacks of bugs"
    )
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

    show = sub.add_parser("show", help="show a plan saved by `plan --out` (no Qase reads)")
    show.add_argument("plan", metavar="PLAN.json")
    show.add_argument("--format", choices=["text", "markdown", "json", "github"], default="text")
    show.add_argument(
        "--tree", help="the tree the plan was made from: where annotations point (github)"
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
    import_csv.add_argument(
        "--project", help="Qase project code for qasesync.yaml (default: the placeholder CHANGEME)"
    )

    emulator = sub.add_parser("emulator", help="run the local Qase API emulator")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8787)
    emulator.add_argument(
        "--token",
        default="emulator-token",
        help="the token clients must send as QASE_TOKEN (default: emulator-token)",
    )
    emulator.add_argument(
        "--project",
        help="the project code served (default: the --custom-fields-from tree's, else DEMO)",
    )
    emulator.add_argument(
        "--custom-fields-from",
        metavar="TREE",
        help="start with the custom fields this cases tree uses (as `qasesync demo` does)",
    )
    emulator.add_argument("--state", metavar="FILE", help="load from and save to this JSON file")
    faults = emulator.add_argument_group("faults", "injected into requests, reproducibly")
    for flag, kind, default, metavar, text in (
        ("--latency", _at_least(0.0), 0.0, "S", "seconds added to each request"),
        ("--rate-429", _share, 0.0, "P", "share of requests answered 429 (0..1)"),
        ("--retry-after", _at_least(0.0), 1.0, "S", "the 429s' Retry-After (default 1)"),
        ("--rate-5xx", _share, 0.0, "P", "share of requests answered 503"),
        ("--rate-drop", _share, 0.0, "P", "share of writes processed, then left unanswered"),
        ("--rate-limit", _at_least(1), None, "N", "at most N requests a rolling minute"),
        ("--seed", int, 0, "N", "seed of the fault draws (default 0)"),
    ):
        faults.add_argument(flag, type=kind, default=default, metavar=metavar, help=text)

    sub.add_parser("demo", help="validate, plan, apply and plan the example tree on an emulator")
    return parser


def _share(text: str) -> float:
    value = _at_least(0.0)(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"a share is between 0 and 1, not {text}")
    return value


def _at_least(low: float) -> Callable[[str], float]:
    """An argparse type: a number (an int when ``low`` is one) not below ``low``."""

    def parse(text: str) -> float:
        try:
            value: float = type(low)(text)
        except ValueError:
            whole = "whole " if isinstance(low, int) else ""
            raise argparse.ArgumentTypeError(f"not a {whole}number: {text}") from None
        if not low <= value < float("inf"):  # also refuses nan
            raise argparse.ArgumentTypeError(f"must be at least {low}, not {text}")
        return value

    return parse


# --- the error boundary -----------------------------------------------------------------


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if debug:  # also after the command, where users put it (`qasesync plan --debug`)
        argv = ["--debug", *(arg for arg in argv if arg != "--debug")]
    try:
        args = build_parser().parse_args(argv)
        with _debug_log(debug):
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
        print(_error_text(error), file=sys.stderr)
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


@contextmanager
def _debug_log(debug: bool) -> Iterator[None]:
    """Under ``--debug``, qasesync's log (each request, retry and wait) on stderr. Without
    it nothing is set up: Python's last-resort handler prints warnings, such as a long
    rate-limit wait, as bare lines, and INFO and DEBUG stay silent."""
    root = logging.getLogger("qasesync")
    if not debug or any(isinstance(h, _Stderr) for h in root.handlers):  # `demo` nests
        yield
        return
    handler, level = _Stderr(), root.level
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


class _Stderr(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (tests replace it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def _error_text(error: QasesyncError) -> str:
    """One line; a plan error with several problems: a count, then one problem a line
    (``FILE:LINE:COL: message`` first, as `validate` prints them)."""
    from qasesync.errors import PlanError

    if isinstance(error, PlanError) and len(error.problems) > 1:
        head = f"error: the plan has {len(error.problems)} problems:"
        return "\n".join([head, *(str(p) for p in error.problems)])
    return f"error: {error}"


def entry() -> None:
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    sys.exit(main())
