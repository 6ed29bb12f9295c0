"""The command line's grammar: `build_parser()`, `parse()` and the argparse types they use.

A bad command line raises `UsageError` (exit 1), never argparse's exit 2: it names the
command, suggests the closest command or option ("did you mean"), and shows the usage of
the command it was given to. argparse (the standard library) rather than a CLI framework:
the grammar is small, the suggestions and the bash completion (`cli/completion.py`) are a
few lines over it, and the package stays at four dependencies.
"""

from __future__ import annotations

import argparse
import difflib
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NoReturn

from qasesync import __version__
from qasesync.cli.common import UsageError
from qasesync.cli.locking import DEFAULT_TIMEOUT
from qasesync.tree.schema import SCHEMA_URL
from qasesync.tree.write import LOCAL_SCHEMAS

_TREE_HELP = (
    "the cases tree (default: the current folder when it holds qasesync.yaml, else ./cases)"
)
_LIVE = (
    "environment: QASE_TOKEN (the API token, required), QASE_API_URL, QASE_WEB_URL,"
    " QASE_PROJECT (overrides the project of qasesync.yaml), QASE_RATE_LIMIT, QASE_TIMEOUT,"
    " NO_COLOR"
)
_FORMATS = ["text", "markdown", "json", "github"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}\n{self.format_usage().rstrip()}")


def parse(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> argparse.Namespace:
    """The command line as a namespace; a `UsageError` that helps when it is wrong."""
    parser = build_parser(environ)
    _check_command(parser, argv)
    args, extras = parser.parse_known_args(argv)
    if extras:
        command = commands(parser)[args.command]
        command.error(_unrecognised(extras, command))
    return args


def commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Each command's name → its parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("the parser has no commands")


def _check_command(parser: argparse.ArgumentParser, argv: Sequence[str]) -> None:
    """Refuse an unknown command by name, with the closest one, before argparse does."""
    words = [arg for arg in argv if not arg.startswith("-")]
    if not words or "--version" in argv or {"-h", "--help"} & set(argv[: argv.index(words[0])]):
        return
    known = commands(parser)
    if words[0] not in known:
        close = difflib.get_close_matches(words[0], known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        parser.error(f"unknown command {words[0]!r}{hint}; `qasesync --help` lists them")


def _unrecognised(extras: Sequence[str], command: argparse.ArgumentParser) -> str:
    options = [o for action in command._actions for o in action.option_strings]
    parts = []
    for extra in extras:
        close = difflib.get_close_matches(extra.split("=")[0], options, n=1, cutoff=0.6)
        parts.append(f"{extra} (did you mean {close[0]}?)" if close else extra)
    return f"unrecognized arguments: {' '.join(parts)}"


def build_parser(environ: Mapping[str, str] = os.environ) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="qasesync",
        description="Qase.io test cases as code: plan and apply a YAML tree against Qase.",
        epilog="`qasesync COMMAND --help` tells more of each. Exit codes: 0 done, 1 a user"
        " error, 2 changes pending (plan --detailed-exitcode), 3 a bug, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"qasesync {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="log requests and retries; show tracebacks of bugs"
    )
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, metavar="COMMAND"
    )
    project = environ.get("QASE_PROJECT") or None
    _validate_parser(sub)
    _plan_parser(sub)
    _show_parser(sub)
    _apply_parser(sub)
    _writeback_parser(sub)
    _export_parser(sub, project)
    _pull_parser(sub)
    _unlock_parser(sub)
    _import_csv_parser(sub, project)
    _schema_parser(sub)
    _emulator_parser(sub)
    sub.add_parser("demo", help="validate, plan, apply and plan the example tree on an emulator")
    _completion_parser(sub)
    return parser


if TYPE_CHECKING:  # annotations only: not subscriptable at run time on every Python
    _Commands = argparse._SubParsersAction[_Parser]


def _validate_parser(sub: _Commands) -> None:
    validate = sub.add_parser(
        "validate", help="check a cases tree offline", description="Check a cases tree offline."
    )
    validate.add_argument("tree", nargs="?", help=_TREE_HELP)
    validate.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text: one `FILE:LINE:COL: message` a problem (default); json: for tools",
    )


def _plan_parser(sub: _Commands) -> None:
    plan = sub.add_parser(
        "plan",
        help="show what apply would change in Qase",
        description="Show what apply would change in Qase (reads only).",
        epilog=_LIVE,
    )
    plan.add_argument("tree", nargs="?", help=_TREE_HELP)
    _format_option(plan)
    plan.add_argument("--out", metavar="PLAN.json", help="save the plan for `apply --plan`")
    plan.add_argument(
        "--detailed-exitcode", action="store_true", help="exit 2 when there are changes"
    )
    _attachment_loss_option(plan)


def _show_parser(sub: _Commands) -> None:
    show = sub.add_parser("show", help="show a plan saved by `plan --out` (no Qase reads)")
    show.add_argument("plan", metavar="PLAN.json", help="the plan file `plan --out` saved")
    _format_option(show)
    show.add_argument(
        "--tree", help="the tree the plan was made from: where annotations point (github)"
    )


def _apply_parser(sub: _Commands) -> None:
    apply = sub.add_parser(
        "apply",
        help="make the live project match the tree",
        description="Make the live project match the tree, then write the new ids into it.",
        epilog=_LIVE,
    )
    apply.add_argument("tree", nargs="?", help=_TREE_HELP)
    apply.add_argument("--plan", metavar="PLAN.json", help="apply this saved plan exactly")
    apply.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    apply.add_argument("--allow-destroy", action="store_true", help="lift the max_destroy limit")
    _attachment_loss_option(apply)
    apply.add_argument(
        "--no-write-back", action="store_true", help="do not write ids into the YAML"
    )
    apply.add_argument(
        "--lock-timeout",
        type=_at_least(0.0),
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help="seconds to wait while another apply holds the project's lock"
        f" (default {DEFAULT_TIMEOUT:g}); then exit 1",
    )
    apply.add_argument(
        "--record",
        metavar="PATH",
        help="save what was written back (for `qasesync writeback`), however apply ends",
    )


def _writeback_parser(sub: _Commands) -> None:
    writeback = sub.add_parser(
        "writeback", help="write the ids that `apply --record` recorded into the tree again"
    )
    writeback.add_argument("written", metavar="RECORD", help="the file `apply --record` saved")
    writeback.add_argument("tree", nargs="?", help=_TREE_HELP)
    writeback.add_argument(
        "--record", metavar="PATH", help="save what was written back, as `apply --record` does"
    )


def _export_parser(sub: _Commands, project: str | None) -> None:
    export = sub.add_parser(
        "export",
        help="write the live project as a cases tree",
        description="Write the live project as a cases tree that plans clean (reads only);"
        " with --format qase-csv, write a cases tree as Qase's CSV (offline).",
        epilog=_LIVE,
    )
    export.add_argument(
        "--project",
        default=project,
        help="the Qase project code to export (env: QASE_PROJECT)",
    )
    export.add_argument(
        "--out",
        help="the folder to write the tree into (default: cases); with --format qase-csv,"
        " the CSV file (default: standard output)",
    )
    export.add_argument("--force", action="store_true", help="write into a non-empty folder")
    _schemas_option(export)
    _qase_csv_options(export)


def _pull_parser(sub: _Commands) -> None:
    pull = sub.add_parser(
        "pull",
        help="bring web-app edits into the YAML",
        description="Bring edits made in the Qase web app into the YAML (reads only from Qase).",
        epilog=_LIVE,
    )
    pull.add_argument("tree", nargs="?", help=_TREE_HELP)
    pull.add_argument("--dry-run", action="store_true", help="print the YAML diff, write nothing")


def _unlock_parser(sub: _Commands) -> None:
    unlock = sub.add_parser(
        "unlock",
        help="remove the apply lock a killed apply left in the project",
        description="Remove every apply lock of the project, held or not, and say which."
        " Only for a lock no running apply holds: a killed apply's lock expires by itself"
        " within 180 s.",
        epilog=_LIVE,
    )
    unlock.add_argument("tree", nargs="?", help=_TREE_HELP)
    unlock.add_argument(
        "--project", help="the Qase project code, without reading a tree (default: the tree's)"
    )


def _import_csv_parser(sub: _Commands, project: str | None) -> None:
    import_csv = sub.add_parser("import-csv", help="turn a CSV of legacy cases into a tree")
    import_csv.add_argument("file", help="the CSV file (Qase's export, or one row a case)")
    import_csv.add_argument("--out", required=True, help="the new tree's folder (must be empty)")
    import_csv.add_argument("--skip-bad", action="store_true", help="leave bad rows out")
    _schemas_option(import_csv)
    import_csv.add_argument(
        "--project",
        default=project,
        help="Qase project code for qasesync.yaml (env: QASE_PROJECT; default: the placeholder"
        " CHANGEME)",
    )


def _schema_parser(sub: _Commands) -> None:
    schema = sub.add_parser(
        "schema", help="write the JSON Schemas of the tree's files, for editors (offline)"
    )
    schema.add_argument(
        "--write",
        metavar="DIR",
        required=True,
        help="the folder to write the schemas and their catalog (catalog.json) into",
    )


def _completion_parser(sub: _Commands) -> None:
    completion = sub.add_parser(
        "completion",
        help="print a shell completion script",
        description='Print a completion script: `eval "$(qasesync completion bash)"` in'
        " ~/.bashrc; zsh: `autoload -U bashcompinit && bashcompinit` first.",
    )
    completion.add_argument("shell", choices=["bash"], help="the shell (bash; zsh through bash)")


def _attachment_loss_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--allow-attachment-loss",
        action="store_true",
        help="let a deleted step take the files attached to it in Qase with it",
    )


def _emulator_parser(sub: _Commands) -> None:
    emulator = sub.add_parser("emulator", help="run the local Qase API emulator")
    emulator.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)"
    )
    emulator.add_argument(
        "--port", type=int, default=8787, help="the port to listen on (default: 8787)"
    )
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
    _sandbox_options(emulator)
    _shape_options(emulator)
    _fault_options(emulator)


def _shape_options(emulator: argparse.ArgumentParser) -> None:
    shapes = emulator.add_argument_group("live shapes", "imitate other deployments")
    shapes.add_argument(
        "--no-include",
        action="store_true",
        help="refuse include=external_issues with 400, as older self-hosted deployments do",
    )
    shapes.add_argument(
        "--shared-read",
        choices=["expanded", "collapsed"],
        default="expanded",
        help="a case reads a shared step as its steps (default) or as one step per use",
    )
    shapes.add_argument(
        "--list-trashed",
        action="store_true",
        help="list deleted cases (with `deleted` set) in GET /case, after the live ones",
    )
    shapes.add_argument(
        "--create-default-severity",
        type=int,
        metavar="ID",
        help="the severity option a create without one gets (default: the flagged option)",
    )
    shapes.add_argument(
        "--bulk-latency-per-case",
        type=_at_least(0.0),
        default=0.0,
        metavar="S",
        help="seconds a bulk create takes per case before it commits (default 0)",
    )
    shapes.add_argument(
        "--multiselect",
        choices=["joined", "repeated"],
        default="joined",
        help="a multiselect value reads as ids joined by commas (default) or one entry per id",
    )
    shapes.add_argument(
        "--datetime-read",
        choices=["written", "iso"],
        default="written",
        help="a date custom field reads as written (default) or as ISO 8601 with a zone",
    )
    shapes.add_argument(
        "--suite-filter",
        choices=["direct", "descendants"],
        default="direct",
        help="GET /case?suite_id= lists the suite's own cases (default) or its child suites' too",
    )


def _fault_options(emulator: argparse.ArgumentParser) -> None:
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


def _format_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--format",
        choices=_FORMATS,
        default="text",
        help="text (default), markdown (a PR comment), json (tools; `apply --plan` reads it),"
        " github (workflow annotations)",
    )
    command.add_argument(
        "--full",
        action="store_true",
        help="list every change: no rollup of plans of more than 100 changes (text, markdown)",
    )


def _qase_csv_options(export: argparse.ArgumentParser) -> None:
    """`export --format qase-csv`: a cases tree, offline, as Qase's own CSV (docs/csv.md)."""
    group = export.add_argument_group("Qase's CSV", "write a cases tree (offline) as Qase's CSV")
    group.add_argument(
        "--format",
        choices=["tree", "qase-csv"],
        default="tree",
        help="tree: the live project as a cases tree in --out (default); qase-csv: the "
        "cases tree --tree as Qase's CSV in the file --out (default: standard output)",
    )
    group.add_argument(
        "--csv-version",
        type=int,
        choices=[1, 2],
        default=2,
        help="Qase's CSV version: 2 holds commas, quotes, line breaks and nesting (default); "
        "1 is the older one",
    )
    group.add_argument(
        "--tree", metavar="DIR", help="the cases tree to write (default: as for plan)"
    )


def _sandbox_options(emulator: argparse.ArgumentParser) -> None:
    """`emulator --from-tree` / `--from-csv`: start with the user's content (docs/csv.md)."""
    group = emulator.add_argument_group("sandbox", "start with your content, ids as in the files")
    sources = group.add_mutually_exclusive_group()
    sources.add_argument(
        "--from-tree",
        metavar="DIR",
        help="start with this cases tree live (its project, unless --project; its custom fields)",
    )
    sources.add_argument(
        "--from-csv",
        metavar="FILE",
        help="start with this CSV (Qase's own or the bulk layout) live, as import-csv reads it",
    )


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


def _schemas_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--schemas",
        metavar="WHERE",
        type=_schemas,
        default=LOCAL_SCHEMAS,
        help="where each file's `# yaml-language-server: $schema=` line points: a folder in the"
        f" tree, which gets a copy of the schemas (default: {LOCAL_SCHEMAS}), a URL such as"
        f" {SCHEMA_URL.rstrip('/')}, or `none` for no such line",
    )


def _schemas(value: str) -> str | None:
    return None if value == "none" else value
